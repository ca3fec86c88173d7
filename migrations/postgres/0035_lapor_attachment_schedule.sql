-- LAPOR! attachments fetched again on a schedule over a bounded period
-- (issue 37, ADR 0022): a 404 is no longer final (LAPOR! may serve an
-- attachment after its report); parked attempts are 1000 (was 10).
-- Keep in step with migrations/sqlite.
ALTER TABLE lapor_attachments ADD COLUMN next_attempt_at TIMESTAMPTZ;
ALTER TABLE lapor_attachments ADD COLUMN first_failed_at TIMESTAMPTZ;
UPDATE lapor_attachments SET attempts = 1000 WHERE attachment_id IS NULL AND attempts >= 10;
