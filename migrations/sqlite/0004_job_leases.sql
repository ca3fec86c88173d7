-- One replica runs each scheduled job at a time: it holds the job's lease.
CREATE TABLE job_leases (
    name    TEXT PRIMARY KEY NOT NULL,
    holder  TEXT NOT NULL,
    until   TEXT NOT NULL
);
