-- SP4N-LAPOR! integration (issue 5). Keep in step with the other backend's file.

-- A LAPOR! report becomes at most one complaint: import is idempotent on it.
DROP INDEX complaints_lapor_tracking;
CREATE UNIQUE INDEX complaints_lapor_tracking ON complaints (lapor_tracking_id)
    WHERE lapor_tracking_id IS NOT NULL;

-- Where each integration stands (cursor, last poll, last error).
CREATE TABLE integration_state (
    name             TEXT PRIMARY KEY NOT NULL,
    cursor           TEXT,
    last_poll_at     TEXT,
    last_success_at  TEXT,
    last_error       TEXT,
    imported_total   BIGINT NOT NULL,
    updated_at       TEXT NOT NULL
);

-- Items that could not become complaints, kept for the liaison officer.
CREATE TABLE lapor_quarantine (
    id            BLOB PRIMARY KEY NOT NULL,
    item_key      TEXT NOT NULL,      -- the tracking id, or sha256 of the item
    tracking_id   TEXT,
    raw           TEXT NOT NULL,
    reason        TEXT NOT NULL,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    times_seen    INTEGER NOT NULL,
    resolved_at   TEXT,
    complaint_id  BLOB
);
CREATE UNIQUE INDEX lapor_quarantine_open ON lapor_quarantine (item_key) WHERE resolved_at IS NULL;

-- Messages from the complainant that joined a complaint (a LAPOR! comment,
-- later an email reply): each recorded once.
CREATE TABLE inbound_messages (
    source_key    TEXT PRIMARY KEY NOT NULL,  -- e.g. lapor:comment:<id>
    complaint_id  BLOB NOT NULL REFERENCES complaints (id),
    at            TEXT NOT NULL
);

-- Attachments of LAPOR! reports still to download (keyed by report, so they
-- are known before the complaint exists and survive a crash in between).
CREATE TABLE lapor_attachments (
    tracking_id    TEXT NOT NULL,
    remote_id      TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    attachment_id  BLOB,
    attempts       INTEGER NOT NULL,
    last_error     TEXT,
    PRIMARY KEY (tracking_id, remote_id)
);
CREATE INDEX lapor_attachments_pending ON lapor_attachments (tracking_id) WHERE attachment_id IS NULL;
