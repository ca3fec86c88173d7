-- Working-day calendar, SLA policy per channel, deadlines on complaints (PostgreSQL).
CREATE TABLE calendar_days (
    date        DATE PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,          -- decree | admin
    active      BOOLEAN NOT NULL,       -- false: a decreed day an admin removed
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE calendar_changes (
    id                UUID PRIMARY KEY,
    date              DATE NOT NULL,
    action            TEXT NOT NULL,    -- added | removed
    kind              TEXT NOT NULL,
    name              TEXT NOT NULL,
    reason            TEXT NOT NULL,
    actor_key_id      UUID,
    actor_name        TEXT NOT NULL,
    actor_role        TEXT NOT NULL,
    at                TIMESTAMPTZ NOT NULL,
    complaints_moved  BIGINT NOT NULL
);

CREATE TABLE sla_policies (
    channel       TEXT PRIMARY KEY,
    working_days  INTEGER,
    minutes       INTEGER,
    updated_at    TIMESTAMPTZ NOT NULL,
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
ALTER TABLE complaints ADD COLUMN due_at TIMESTAMPTZ;
ALTER TABLE complaints ADD COLUMN lapor_followup_due_at TIMESTAMPTZ;
CREATE INDEX complaints_open_due ON complaints (due_at)
    WHERE status NOT IN ('answered', 'closed', 'redirected', 'merged', 'rejected');
