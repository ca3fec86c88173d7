-- The evaluation reports' day tallies (ADR 0021): per office-local day a
-- complaint was received, per dimension (channel, kind, category, unit,
-- holder, all) and key, the tally of its complaints as JSON
-- (`domain::report::Tally`, additive). Kept by the `reports` job; a large
-- period's summary adds them up instead of reading every complaint.
CREATE TABLE report_days (
    dim    TEXT NOT NULL,
    day    DATE NOT NULL,
    key    TEXT NOT NULL,
    tally  TEXT NOT NULL,
    PRIMARY KEY (dim, day, key)
);
-- The job's progress (one row): events from `event_from` on are read again
-- at the next refresh; `full_at`: the last rebuild of every day.
CREATE TABLE report_refresh (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    event_from   UUID NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL,
    full_at      TIMESTAMPTZ NOT NULL
);
