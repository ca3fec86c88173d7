-- The deadline lists (console `due=week`, `due=overdue`, `due=open`; the
-- API's /complaints/due-soon and /overdue; the reminder sweep) are ordered
-- by (due_at, id) and read a page at a time (issue 38). Deadlines fall at
-- the end of a working day, so thousands of open complaints share one
-- due_at at national scale; an index on due_at alone made every page read
-- and sort all the complaints of the days it covered (70,000 for "due
-- within 7 days" at 10 million). The same partial index, in list order.
-- Keep in step with migrations/sqlite and migrations/postgres.
DROP INDEX complaints_open_due;
CREATE INDEX complaints_open_due ON complaints (due_at, id)
    WHERE status NOT IN ('answered', 'closed', 'redirected', 'merged', 'rejected');
