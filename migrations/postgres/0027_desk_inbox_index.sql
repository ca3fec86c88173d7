-- The desk's inbox (reception and the liaison officer: complaints to
-- forward and to dispatch, soonest deadline first; issue 33): the inbox now
-- reads each status and each held position as its own branch in deadline
-- order (store::shared::workflow::wf_inbox) and merges them, so each branch
-- walks an index from its first row. Only complaints in these three
-- statuses are in it: it costs the writes of the desk's own work.
CREATE INDEX complaints_desk_due ON complaints (status, due_at, id)
    WHERE status IN ('registered', 'reopened', 'approved');
