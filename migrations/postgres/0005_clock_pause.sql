-- Pausing the clock ("waiting for the complainant") and extensions: working
-- days added to the SLA when the deadline is counted.
ALTER TABLE complaints ADD COLUMN paused_at TIMESTAMPTZ;
ALTER TABLE complaints ADD COLUMN extra_working_days INTEGER NOT NULL DEFAULT 0;
