-- Transactional outbox: every message to the outside world is written here in
-- the transaction of the change that causes it, then delivered by a worker.
CREATE TABLE outbox (
    id               UUID PRIMARY KEY,
    kind             TEXT NOT NULL,         -- e.g. acknowledgement_email
    dedup_key        TEXT NOT NULL UNIQUE,  -- natural key: at most one message per key
    complaint_id     UUID REFERENCES complaints (id),
    payload          TEXT NOT NULL,         -- JSON, kind-specific
    status           TEXT NOT NULL,         -- pending | sent | parked
    attempts         INTEGER NOT NULL,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    locked_until     TIMESTAMPTZ,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_status ON outbox (status, id);
