-- Issue 19's index diet: `complaints_status_due (status, due_at, id)` was
-- made for the inbox (reception's and the liaison officer's complaints to
-- forward and dispatch, soonest deadline first), but no query is served by
-- it: the inbox orders by COALESCE(due_at, …), which it does not give, so
-- the planners take `complaints_status_received` (a realistic backlog) or
-- `complaints_open_due` (a huge one) on PostgreSQL and scan on SQLite,
-- with or without it (EXPLAIN at a million complaints: docs/BENCHMARKS.md).
-- Every registration and every change into or out of its four statuses
-- wrote it for nothing.
DROP INDEX IF EXISTS complaints_status_due;
