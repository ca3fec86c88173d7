-- The front office's guest book (issue 35). Keep in step with migrations/postgres.
-- Who came is personal data: name, phone, email, origin, assistance and
-- note are sealed by the master key (SEALED_COLUMNS); the rest is plain.
CREATE TABLE visits (
    id            BLOB PRIMARY KEY,
    day           TEXT NOT NULL,        -- office-local day of arrival
    seq           INTEGER NOT NULL,     -- the day's visit number
    arrived_at    TEXT NOT NULL,
    name          TEXT NOT NULL,
    phone         TEXT,
    email         TEXT,
    origin        TEXT,
    purpose       TEXT NOT NULL,
    position_id   BLOB,                 -- whom they came to see; NULL: the service desk
    priority      TEXT,                 -- disability, elderly, pregnant, child, other
    assistance    TEXT,
    note          TEXT,
    state         TEXT NOT NULL,        -- waiting, serving, done, cancelled
    served_by     TEXT,
    started_at    TEXT,
    finished_at   TEXT,
    escalated_at  TEXT,          -- the alert went to reception (unanswered)
    complaint_id  BLOB,
    created_by    TEXT NOT NULL,        -- "tamu" (the tablet) or the officer
    form_key      TEXT UNIQUE,          -- the form's one-time token: a double submit records once
    version       INTEGER NOT NULL,
    UNIQUE (day, seq)
);
CREATE INDEX visits_waiting ON visits (state, arrived_at);
CREATE INDEX visits_arrived ON visits (arrived_at);
