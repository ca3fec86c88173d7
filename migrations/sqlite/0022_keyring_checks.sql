-- The database knows the keyring that wrote it (issue 31, finding 12): one
-- row per master key (kid ≥ 1) and one for the blind-index key (kid 0), each
-- a keyed check value (HMAC of a fixed text under that key). A process whose
-- keyring disagrees refuses to start instead of writing data only it can
-- read; `aduan keys add` records the new key's row at the next start,
-- `aduan keys retire` removes the retired key's row.
CREATE TABLE keyring_checks (
    kid INTEGER PRIMARY KEY,
    check_value TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
