-- The data subject's rights, retention and the breach register (issue 12).
-- Keep in step with migrations/postgres.

-- When the complaint's personal data was erased (retention or a request).
ALTER TABLE complaints ADD COLUMN anonymised_at TEXT;
-- the retention job: finished complaints by state and age, not yet anonymised
CREATE INDEX complaints_retention ON complaints (status, updated_at)
    WHERE anonymised_at IS NULL
      AND status IN ('answered', 'closed', 'redirected', 'merged', 'rejected');

-- Every look-up, export and erasure of a person's data: who, why, what
-- (the identifiers as their blind index only), which complaints.
CREATE TABLE privacy_audit (
    id             BLOB PRIMARY KEY NOT NULL,
    at             TEXT NOT NULL,
    action         TEXT NOT NULL,     -- search | export | erase | retention | breach
    actor_key_id   BLOB,
    actor_name     TEXT NOT NULL,
    actor_role     TEXT NOT NULL,
    reason         TEXT NOT NULL,
    subject        TEXT NOT NULL,     -- JSON: [{"kind", "bidx"}]
    complaint_ids  TEXT NOT NULL      -- JSON list
);
CREATE INDEX privacy_audit_at ON privacy_audit (at DESC, id DESC);

CREATE TABLE breaches (
    id              BLOB PRIMARY KEY NOT NULL,
    recorded_at     TEXT NOT NULL,
    discovered_at   TEXT NOT NULL,
    occurred_from   TEXT NOT NULL,
    occurred_to     TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    measures        TEXT NOT NULL,
    criteria        TEXT NOT NULL,    -- JSON: what selected the affected complaints
    affected        TEXT NOT NULL,    -- JSON list of complaint ids, frozen when recorded
    recorded_by     TEXT NOT NULL
);
CREATE INDEX breaches_recorded ON breaches (recorded_at DESC, id DESC);
