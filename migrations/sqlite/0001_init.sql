-- aduan: initial schema (SQLite). Keep in step with migrations/postgres.
CREATE TABLE api_keys (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    hint        TEXT NOT NULL,
    digest      TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE tracking_counters (
    prefix      TEXT NOT NULL,
    year        INTEGER NOT NULL,
    last_value  INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE complaints (
    id                  BLOB PRIMARY KEY NOT NULL,
    tracking_number     TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL,
    channel             TEXT NOT NULL,
    status              TEXT NOT NULL,
    received_at         TEXT NOT NULL,
    registered_at       TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    subject             TEXT NOT NULL,
    subject_lower       TEXT NOT NULL,
    body                TEXT NOT NULL,
    category            TEXT,
    location            TEXT,
    anonymous           BOOLEAN NOT NULL,
    confidential        BOOLEAN NOT NULL,
    reporter_name       TEXT,
    reporter_id_number  TEXT,
    reporter_phone      TEXT,
    reporter_email      TEXT,
    reporter_address    TEXT,
    lapor_tracking_id   TEXT,
    letter_number       TEXT,
    letter_date         TEXT,
    created_by          BLOB REFERENCES api_keys (id),
    version             INTEGER NOT NULL,
    access_digest       TEXT NOT NULL
);
-- keyset pagination, newest first, overall and per filter
CREATE INDEX complaints_received ON complaints (received_at DESC, id DESC);
CREATE INDEX complaints_status_received ON complaints (status, received_at DESC, id DESC);
CREATE INDEX complaints_channel_received ON complaints (channel, received_at DESC, id DESC);
CREATE INDEX complaints_creator_received ON complaints (created_by, received_at DESC, id DESC);
CREATE INDEX complaints_lapor_tracking ON complaints (lapor_tracking_id) WHERE lapor_tracking_id IS NOT NULL;

CREATE TABLE complaint_events (
    id            BLOB PRIMARY KEY NOT NULL,
    complaint_id  BLOB NOT NULL REFERENCES complaints (id),
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    actor_key_id  BLOB,
    actor_name    TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    status        TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id, id);

CREATE TABLE attachments (
    id            BLOB PRIMARY KEY NOT NULL,
    complaint_id  BLOB NOT NULL REFERENCES complaints (id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    BLOB
);
CREATE INDEX attachments_complaint ON attachments (complaint_id, id);

CREATE TABLE idempotency_keys (
    api_key_id    BLOB NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    complaint_id  BLOB NOT NULL REFERENCES complaints (id),
    access_code   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
