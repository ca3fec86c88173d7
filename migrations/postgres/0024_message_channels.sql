-- Message channels (issue 32: WhatsApp; Telegram and SMS follow the same
-- model). Senders are known here only by a keyed tag of their number (the
-- blind index); the number itself is sealed in the complaint's row.

-- Each complaint a sender opened, in order: the newest is their current
-- conversation. A new complaint takes the next seq; two replicas opening
-- one for the same sender at once collide on the key and the loser joins
-- the winner's complaint instead. The row is written just before the
-- complaint (whose id it names): a claim whose complaint never came (a
-- crash in between) is completed by the sender's next message.
CREATE TABLE chat_threads (
    channel       TEXT NOT NULL,
    sender_tag    TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    complaint_id  UUID NOT NULL,
    opened_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel, sender_tag, seq)
);
CREATE INDEX chat_threads_complaint ON chat_threads (complaint_id);

-- When a sender last wrote (the platform's customer-service window starts
-- there) and when they were last sent the guide.
CREATE TABLE chat_contacts (
    channel          TEXT NOT NULL,
    sender_tag       TEXT NOT NULL,
    last_inbound_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel, sender_tag)
);

-- Every message we sent through a message channel, by the platform's id,
-- with the newest delivery status the platform reported.
CREATE TABLE chat_sent (
    message_id    TEXT PRIMARY KEY,
    channel       TEXT NOT NULL,
    outbox_id     UUID NOT NULL,
    part          INTEGER NOT NULL,
    complaint_id  UUID,
    purpose       TEXT NOT NULL,
    template      BOOLEAN NOT NULL,
    sent_at       TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL,
    status_at     TIMESTAMPTZ NOT NULL,
    error         TEXT
);
CREATE UNIQUE INDEX chat_sent_outbox ON chat_sent (outbox_id, part);

-- A status that arrived before the send's answer was recorded (the platform
-- can be that quick): applied when the message is recorded.
CREATE TABLE chat_status_pending (
    message_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    error       TEXT,
    window_closed BOOLEAN NOT NULL,
    PRIMARY KEY (message_id, status)
);
CREATE INDEX chat_status_pending_at ON chat_status_pending (at);
CREATE INDEX chat_sent_complaint ON chat_sent (complaint_id);

CREATE INDEX inbound_messages_complaint_at ON inbound_messages (complaint_id, at);

INSERT INTO sla_policies (channel, working_days, minutes, updated_at, updated_by) VALUES
    ('whatsapp', 7, NULL, '2026-12-06T00:00:00+00:00', 'default');

-- Staff alerts on WhatsApp: the officer's number (sealed) and their consent.
ALTER TABLE officers ADD COLUMN whatsapp TEXT;
ALTER TABLE officers ADD COLUMN whatsapp_alerts BOOLEAN NOT NULL DEFAULT FALSE;
