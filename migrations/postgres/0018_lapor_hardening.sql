-- SP4N-LAPOR! against a platform that misbehaves (issue 18). Keep in step
-- with the other backend's file.

-- The newest copy of each LAPOR! report that was applied: an older copy
-- never overrides it, and a report re-routed away before it was imported is
-- remembered, so that a stale copy of it never becomes a complaint.
CREATE TABLE lapor_copies (
    tracking_id  TEXT PRIMARY KEY,
    updated_at   TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL,
    seen_at      TIMESTAMPTZ NOT NULL
);

-- The overlap window behind the cursor: the cursors of recent polls with
-- their times (JSON), re-read on every poll; the last reconciliation sweep;
-- where the pass over open complaints' comments stands.
ALTER TABLE integration_state ADD COLUMN cursor_trail TEXT;
ALTER TABLE integration_state ADD COLUMN last_reconciled_at TIMESTAMPTZ;
ALTER TABLE integration_state ADD COLUMN comments_after TEXT;

-- What LAPOR! declared of each attachment, checked after the download; a
-- failure is recorded once on the complaint's timeline.
ALTER TABLE lapor_attachments ADD COLUMN declared_size BIGINT;
ALTER TABLE lapor_attachments ADD COLUMN declared_sha256 TEXT;

-- Since when the holder has held a lease (the LAPOR! status shows it).
ALTER TABLE job_leases ADD COLUMN since TIMESTAMPTZ;

-- LAPOR!'s comment ids are unique per report only: the key names the report.
UPDATE inbound_messages SET source_key = 'lapor:comment:'
    || (SELECT c.lapor_tracking_id FROM complaints c WHERE c.id = inbound_messages.complaint_id)
    || ':' || substr(source_key, 15)
WHERE source_key LIKE 'lapor:comment:%'
  AND EXISTS (SELECT 1 FROM complaints c
              WHERE c.id = inbound_messages.complaint_id AND c.lapor_tracking_id IS NOT NULL);
