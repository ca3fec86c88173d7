-- The tamper-evident timeline (issue 36, docs/adr/0034). Keep in step with
-- migrations/sqlite. Every event of every complaint is sealed into one
-- chain in the order the sealing job took it: its hash covers the previous
-- seal's hash and the event's content (its detail by a digest, so an
-- erasure that redacts the detail does not break the chain).
CREATE TABLE event_seals (
    seq           BIGINT PRIMARY KEY,       -- the chain's order: 1, 2, 3, …
    event_id      UUID NOT NULL UNIQUE,
    complaint_id  UUID NOT NULL,
    detail_digest TEXT NOT NULL,
    hash          TEXT NOT NULL,
    sealed_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_seals_complaint ON event_seals (complaint_id, seq);

-- The chain's head once a day: written to the log (and emailed when set)
-- so that a chain rewritten in the database no longer matches.
CREATE TABLE audit_checkpoints (
    seq     BIGINT PRIMARY KEY,             -- the last seal it covers
    hash    TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
