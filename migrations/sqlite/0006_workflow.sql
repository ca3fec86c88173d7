-- The organisation and the disposition workflow (issue 3). Keep in step with
-- the other backend's file.
CREATE TABLE org_units (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

-- Positions form a tree under the one head of office.
CREATE TABLE positions (
    id           BLOB PRIMARY KEY NOT NULL,
    unit_id      BLOB REFERENCES org_units (id),
    title        TEXT NOT NULL,
    superior_id  BLOB REFERENCES positions (id),
    is_head      BOOLEAN NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX positions_one_head ON positions (is_head) WHERE is_head;
CREATE UNIQUE INDEX positions_title ON positions (title);

CREATE TABLE officers (
    id           BLOB PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    nip          TEXT UNIQUE,       -- civil-servant number
    email        TEXT,
    position_id  BLOB REFERENCES positions (id),
    active       BOOLEAN NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX officers_position ON officers (position_id);

-- Plh/Plt: an officer acts for a position over a date range (office-local dates).
CREATE TABLE acting_appointments (
    id           BLOB PRIMARY KEY NOT NULL,
    officer_id   BLOB NOT NULL REFERENCES officers (id),
    position_id  BLOB NOT NULL REFERENCES positions (id),
    kind         TEXT NOT NULL,     -- plh | plt
    starts_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL,
    note         TEXT,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX acting_officer ON acting_appointments (officer_id, ends_on);
CREATE INDEX acting_position ON acting_appointments (position_id, ends_on);

ALTER TABLE api_keys ADD COLUMN officer_id BLOB REFERENCES officers (id);

-- Who must act now (the inbox) and how a complaint left the office.
ALTER TABLE complaints ADD COLUMN holder_position_id BLOB REFERENCES positions (id);
ALTER TABLE complaints ADD COLUMN merged_into BLOB REFERENCES complaints (id);
ALTER TABLE complaints ADD COLUMN redirected_to TEXT;
CREATE INDEX complaints_holder_due ON complaints (holder_position_id, due_at, id)
    WHERE holder_position_id IS NOT NULL;
CREATE INDEX complaints_status_due ON complaints (status, due_at, id)
    WHERE status IN ('registered', 'reopened', 'approved', 'answered');

-- The officer and position behind an event ("acting" when Plh/Plt).
ALTER TABLE complaint_events ADD COLUMN actor_officer_id BLOB;
ALTER TABLE complaint_events ADD COLUMN actor_officer_name TEXT;
ALTER TABLE complaint_events ADD COLUMN actor_position_id BLOB;
ALTER TABLE complaint_events ADD COLUMN actor_position TEXT;
ALTER TABLE complaint_events ADD COLUMN acting TEXT;

CREATE TABLE dispositions (
    id                BLOB PRIMARY KEY NOT NULL,
    complaint_id      BLOB NOT NULL REFERENCES complaints (id),
    from_position_id  BLOB NOT NULL REFERENCES positions (id),
    instruction       TEXT NOT NULL,
    note              TEXT,
    due_at            TEXT,
    created_at        TEXT NOT NULL,
    officer_id        BLOB,
    officer_name      TEXT,
    acting            TEXT,
    withdrawn_at      TEXT
);
CREATE INDEX dispositions_complaint ON dispositions (complaint_id, id);

CREATE TABLE disposition_recipients (
    disposition_id      BLOB NOT NULL REFERENCES dispositions (id),
    position_id         BLOB NOT NULL REFERENCES positions (id),
    is_primary          BOOLEAN NOT NULL,
    read_at             TEXT,
    read_by_officer_id  BLOB,
    PRIMARY KEY (disposition_id, position_id)
);
CREATE INDEX disposition_recipients_unread ON disposition_recipients (position_id)
    WHERE read_at IS NULL;

CREATE TABLE answer_drafts (
    id                  BLOB PRIMARY KEY NOT NULL,
    complaint_id        BLOB NOT NULL REFERENCES complaints (id),
    version_no          INTEGER NOT NULL,
    body                TEXT NOT NULL,
    author_position_id  BLOB NOT NULL REFERENCES positions (id),
    author_officer_id   BLOB,
    author_officer_name TEXT,
    submitted           BOOLEAN NOT NULL,
    created_at          TEXT NOT NULL,
    UNIQUE (complaint_id, version_no)
);

-- The approval path: each submission, approval and return, level by level.
CREATE TABLE draft_reviews (
    id            BLOB PRIMARY KEY NOT NULL,
    complaint_id  BLOB NOT NULL REFERENCES complaints (id),
    draft_id      BLOB NOT NULL REFERENCES answer_drafts (id),
    position_id   BLOB NOT NULL REFERENCES positions (id),
    decision      TEXT NOT NULL,    -- submitted | approved | returned
    note          TEXT,
    officer_id    BLOB,
    officer_name  TEXT,
    acting        TEXT,
    at            TEXT NOT NULL
);
CREATE INDEX draft_reviews_complaint ON draft_reviews (complaint_id, id);

-- Proof that the approved answer went out through the channel.
CREATE TABLE answer_dispatches (
    id             BLOB PRIMARY KEY NOT NULL,
    complaint_id   BLOB NOT NULL REFERENCES complaints (id),
    draft_id       BLOB NOT NULL REFERENCES answer_drafts (id),
    method         TEXT NOT NULL,   -- lapor | email | letter | in_person
    letter_number  TEXT,
    letter_date    TEXT,
    given_by       TEXT,
    given_at       TEXT,
    outbox_id      BLOB,
    external_id    TEXT,            -- e.g. the LAPOR! follow-up id, once posted
    actor_name     TEXT NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX answer_dispatches_complaint ON answer_dispatches (complaint_id, id);
