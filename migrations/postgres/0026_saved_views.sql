-- Saved views of the complaint list (issue 33): a person's own (account_id)
-- or shared by an admin with everyone of a role (role); `query` is the
-- list's query string. Keep in step with migrations/sqlite.
CREATE TABLE saved_views (
    id          UUID PRIMARY KEY,
    account_id  UUID,
    role        TEXT,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,
    pinned      BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK ((account_id IS NULL) <> (role IS NULL))
);
CREATE INDEX saved_views_account ON saved_views (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX saved_views_role ON saved_views (role) WHERE role IS NOT NULL;
