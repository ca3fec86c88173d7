-- aduan: initial schema (PostgreSQL). Keep in step with migrations/sqlite.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE api_keys (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    hint        TEXT NOT NULL,
    digest      TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);

CREATE TABLE tracking_counters (
    prefix      TEXT NOT NULL,
    year        INTEGER NOT NULL,
    last_value  BIGINT NOT NULL,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE complaints (
    id                  UUID PRIMARY KEY,
    tracking_number     TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL,
    channel             TEXT NOT NULL,
    status              TEXT NOT NULL,
    received_at         TIMESTAMPTZ NOT NULL,
    registered_at       TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
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
    letter_date         DATE,
    created_by          UUID REFERENCES api_keys (id),
    version             BIGINT NOT NULL,
    access_digest       TEXT NOT NULL
);
CREATE INDEX complaints_received ON complaints (received_at DESC, id DESC);
CREATE INDEX complaints_status_received ON complaints (status, received_at DESC, id DESC);
CREATE INDEX complaints_channel_received ON complaints (channel, received_at DESC, id DESC);
CREATE INDEX complaints_creator_received ON complaints (created_by, received_at DESC, id DESC);
CREATE INDEX complaints_lapor_tracking ON complaints (lapor_tracking_id) WHERE lapor_tracking_id IS NOT NULL;
CREATE INDEX complaints_subject_trgm ON complaints USING gin (subject_lower gin_trgm_ops);

CREATE TABLE complaint_events (
    id            UUID PRIMARY KEY,
    complaint_id  UUID NOT NULL REFERENCES complaints (id),
    at            TIMESTAMPTZ NOT NULL,
    kind          TEXT NOT NULL,
    actor_key_id  UUID,
    actor_name    TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    status        TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id, id);

CREATE TABLE attachments (
    id            UUID PRIMARY KEY,
    complaint_id  UUID NOT NULL REFERENCES complaints (id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    UUID
);
CREATE INDEX attachments_complaint ON attachments (complaint_id, id);

CREATE TABLE idempotency_keys (
    api_key_id    UUID NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    complaint_id  UUID NOT NULL REFERENCES complaints (id),
    access_code   TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
