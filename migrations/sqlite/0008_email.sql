-- Email channel (issue 6). Keep in step with the other backend's file.

-- Counts of what the intake did (noise by kind, duplicates, rejections).
CREATE TABLE intake_counters (
    name   TEXT PRIMARY KEY NOT NULL,
    count  BIGINT NOT NULL
);

-- Mail that could not be used, kept for inspection (headers only when too large).
CREATE TABLE email_quarantine (
    id           BLOB PRIMARY KEY NOT NULL,
    source       TEXT NOT NULL,      -- pipe | imap
    message_id   TEXT,
    reason       TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    raw          BLOB NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE INDEX email_quarantine_received ON email_quarantine (received_at DESC, id DESC);
