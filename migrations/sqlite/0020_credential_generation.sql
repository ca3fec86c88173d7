-- A counter every change to what an API key resolves to moves (a key revoked
-- or deleted; its officer moved, renamed, marked as left; a position
-- retitled or removed): each process caches key look-ups and drops its cache
-- when it reads a new value (at most every 500 ms), so a revocation holds on
-- every replica within a second (issue 19, ADR 0026). Triggers, so no write
-- path (the API, the console, the CLI, a hand-written UPDATE) can forget it.
CREATE TABLE credential_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
);
INSERT INTO credential_generation (id, n) VALUES (1, 0);

CREATE TRIGGER api_keys_changed_u AFTER UPDATE ON api_keys
BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_changed_d AFTER DELETE ON api_keys
BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER officers_changed_u AFTER UPDATE ON officers
BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER officers_changed_d AFTER DELETE ON officers
BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER positions_changed_u AFTER UPDATE ON positions
BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER positions_changed_d AFTER DELETE ON positions
BEGIN UPDATE credential_generation SET n = n + 1 WHERE id = 1; END;
