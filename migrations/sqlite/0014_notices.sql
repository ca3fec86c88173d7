-- Reminders and escalations are gathered into one message per person per
-- sweep; each fact a message reports (complaint, threshold or level, holder,
-- recipient) is recorded here, in the transaction that queues the message,
-- so that it is reported once whatever runs twice.
CREATE TABLE notices (
    key          TEXT PRIMARY KEY NOT NULL,
    complaint_id BLOB NOT NULL REFERENCES complaints (id),
    recipient    TEXT NOT NULL,
    outbox_id    BLOB NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX notices_complaint ON notices (complaint_id);

-- A courier's claim on an outbox entry: renewed before each delivery, so a
-- slow server never lets a second worker take an entry still in hand.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
