-- A counter every change to what an API key resolves to moves (a key revoked
-- or deleted; its officer moved, renamed, marked as left; a position
-- retitled or removed): each process caches key look-ups and drops its cache
-- when it reads a new value (at most every 500 ms), so a revocation holds on
-- every replica within a second (issue 19, ADR 0026). Triggers, so no write
-- path (the API, the console, the CLI, a hand-written UPDATE) can forget it.
CREATE TABLE credential_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO credential_generation (id, n) VALUES (1, 0);

CREATE FUNCTION bump_credential_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE credential_generation SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION bump_credential_generation();
CREATE TRIGGER officers_changed AFTER UPDATE OR DELETE ON officers
    FOR EACH STATEMENT EXECUTE FUNCTION bump_credential_generation();
CREATE TRIGGER positions_changed AFTER UPDATE OR DELETE ON positions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_credential_generation();
