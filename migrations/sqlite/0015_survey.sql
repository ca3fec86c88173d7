-- The satisfaction survey (SKM, PermenPANRB 14/2017): one response per
-- answered complaint. The complaint is not referenced: `complaint_key` is a
-- keyed hash of its id (one response each, no way back to the person), and
-- only the office-local day, the channel and the handling unit are kept to
-- group the index by.
CREATE TABLE survey_responses (
    id            BLOB PRIMARY KEY NOT NULL,
    complaint_key TEXT NOT NULL UNIQUE,
    submitted_on  TEXT NOT NULL,
    channel       TEXT NOT NULL,
    unit_id       BLOB,
    u1 INTEGER NOT NULL, u2 INTEGER NOT NULL, u3 INTEGER NOT NULL,
    u4 INTEGER NOT NULL, u5 INTEGER NOT NULL, u6 INTEGER NOT NULL,
    u7 INTEGER NOT NULL, u8 INTEGER NOT NULL, u9 INTEGER NOT NULL,
    sex           TEXT,
    age_group     TEXT,
    education     TEXT,
    occupation    TEXT,
    suggestion    TEXT
);
CREATE INDEX survey_responses_day ON survey_responses (submitted_on);
