-- Phrases found through the index (issue 33, ADR 0029): PostgreSQL's entries
-- gain their word pairs (migrations/postgres/0037). FTS5 keeps positions, so
-- SQLite's index needs nothing; the step is marked done here so both stores
-- read the same state.
INSERT INTO integration_state (name, cursor, imported_total, updated_at)
VALUES ('search_pairs', 'done', 0, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))
ON CONFLICT (name) DO NOTHING;
