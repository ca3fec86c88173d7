-- Access codes are no longer kept in the clear (issue 12): replays keep the
-- code sealed with the server key for a short window. Codes stored in the
-- clear before are forgotten (a late replay answers `null`).
UPDATE idempotency_keys SET access_code = '' WHERE access_code NOT LIKE 'x1:%';
