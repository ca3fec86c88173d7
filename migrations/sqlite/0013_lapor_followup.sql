-- The console's "LAPOR! follow-ups at risk" list and the dashboard's count:
-- open LAPOR! complaints by their follow-up deadline. Partial, so it holds
-- only LAPOR! complaints not answered yet (a small part of the table).
CREATE INDEX complaints_lapor_followup ON complaints (lapor_followup_due_at, id)
    WHERE channel = 'lapor'
      AND status NOT IN ('answered', 'closed', 'redirected', 'merged', 'rejected');
