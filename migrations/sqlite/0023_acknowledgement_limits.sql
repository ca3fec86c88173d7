-- Acknowledgements emailed per recipient address per office day (issue 31,
-- finding 10): the address as a keyed tag (never in the clear), the day, the
-- count. The retention job deletes old days with the other expired records.
CREATE TABLE acknowledgement_limits (
    recipient_tag TEXT NOT NULL,
    day TEXT NOT NULL,
    sent INTEGER NOT NULL,
    PRIMARY KEY (recipient_tag, day)
);
CREATE INDEX acknowledgement_limits_day ON acknowledgement_limits (day);
