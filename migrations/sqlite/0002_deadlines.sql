-- Working-day calendar, SLA policy per channel, deadlines on complaints (SQLite).
CREATE TABLE calendar_days (
    date        TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,          -- decree | admin
    active      BOOLEAN NOT NULL,       -- false: a decreed day an admin removed
    updated_at  TEXT NOT NULL
);

CREATE TABLE calendar_changes (
    id                BLOB PRIMARY KEY NOT NULL,
    date              TEXT NOT NULL,
    action            TEXT NOT NULL,    -- added | removed
    kind              TEXT NOT NULL,
    name              TEXT NOT NULL,
    reason            TEXT NOT NULL,
    actor_key_id      BLOB,
    actor_name        TEXT NOT NULL,
    actor_role        TEXT NOT NULL,
    at                TEXT NOT NULL,
    complaints_moved  INTEGER NOT NULL
);

CREATE TABLE sla_policies (
    channel       TEXT PRIMARY KEY NOT NULL,
    working_days  INTEGER,
    minutes       INTEGER,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL
);
INSERT INTO sla_policies (channel, working_days, minutes, updated_at, updated_by) VALUES
    ('face_to_face', NULL, 15, '2026-01-01T00:00:00+00:00', 'default'),
    ('suggestion_box', 7, NULL, '2026-01-01T00:00:00+00:00', 'default'),
    ('letter', 7, NULL, '2026-01-01T00:00:00+00:00', 'default'),
    ('email', 7, NULL, '2026-01-01T00:00:00+00:00', 'default'),
    ('lapor', 8, NULL, '2026-01-01T00:00:00+00:00', 'default'),
    ('api', 7, NULL, '2026-01-01T00:00:00+00:00', 'default'),
    ('other', 7, NULL, '2026-01-01T00:00:00+00:00', 'default');

ALTER TABLE complaints ADD COLUMN sla_working_days INTEGER;
ALTER TABLE complaints ADD COLUMN due_at TEXT;
ALTER TABLE complaints ADD COLUMN lapor_followup_due_at TEXT;
-- what the reminder sweep and calendar changes scan: open complaints by deadline
CREATE INDEX complaints_open_due ON complaints (due_at)
    WHERE status NOT IN ('answered', 'closed', 'redirected', 'merged', 'rejected');
