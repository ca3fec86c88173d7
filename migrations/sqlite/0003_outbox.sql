-- Transactional outbox: every message to the outside world is written here in
-- the transaction of the change that causes it, then delivered by a worker.
CREATE TABLE outbox (
    id               BLOB PRIMARY KEY NOT NULL,
    kind             TEXT NOT NULL,         -- e.g. acknowledgement_email
    dedup_key        TEXT NOT NULL UNIQUE,  -- natural key: at most one message per key
    complaint_id     BLOB REFERENCES complaints (id),
    payload          TEXT NOT NULL,         -- JSON, kind-specific
    status           TEXT NOT NULL,         -- pending | sent | parked
    attempts         INTEGER NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    locked_until     TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_status ON outbox (status, id);
