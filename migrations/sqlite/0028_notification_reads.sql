-- The console's notification list (issue 33): the notifications are the
-- complaints' own events (domain::notification picks them); this keeps who
-- has read which. Housekeeping prunes reads older than the list's window.
-- Keep in step with migrations/postgres.
CREATE TABLE notification_reads (
    account_id  BLOB NOT NULL,
    event_id    BLOB NOT NULL,
    read_at     TEXT NOT NULL,
    PRIMARY KEY (account_id, event_id)
);
CREATE INDEX notification_reads_at ON notification_reads (read_at);

-- A person may have their notifications mailed to their officer address too.
ALTER TABLE accounts ADD COLUMN notify_email INTEGER NOT NULL DEFAULT 0;
