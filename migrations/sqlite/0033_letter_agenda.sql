-- The outgoing letters' agenda (issue 36): the answer letter's number from
-- the office's pattern, a sequence per year, never repeated (the keys
-- settle a race between replicas). Keep in step with migrations/postgres.
CREATE TABLE letter_agenda (
    id            BLOB PRIMARY KEY,
    year          INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    number        TEXT NOT NULL UNIQUE,
    complaint_id  BLOB NOT NULL,
    draft_id      BLOB NOT NULL UNIQUE,     -- the approved version the letter carries
    created_at    TEXT NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX letter_agenda_complaint ON letter_agenda (complaint_id);
