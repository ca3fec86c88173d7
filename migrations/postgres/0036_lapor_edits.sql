-- Edits on SP4N-LAPOR! reach the complaint (issue 37, ADR 0022).
-- `fields`: a digest per field of the values LAPOR! last gave (as mapped:
-- subject, body, category, location, kind) — what tells LAPOR!'s change
-- from the office's own; digests, not text, so an erasure leaves no copy.
-- `lapor_comments`: each reporter comment's text digest, and when it left
-- LAPOR!'s list. Keep in step with migrations/sqlite.
ALTER TABLE lapor_copies ADD COLUMN fields TEXT;
CREATE TABLE lapor_comments (
    tracking_id  TEXT NOT NULL,
    comment_id   TEXT NOT NULL,
    digest       TEXT NOT NULL,
    gone_at      TIMESTAMPTZ,
    PRIMARY KEY (tracking_id, comment_id)
);
