-- The office's own web complaint form (channel `web`, issue 15): its answer
-- deadline, like email's (the standard fixes none for it).
INSERT INTO sla_policies (channel, working_days, minutes, updated_at, updated_by) VALUES
    ('web', 7, NULL, '2026-12-02T00:00:00+00:00', 'default');
