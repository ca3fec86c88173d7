-- Integrators (issue 17): the agency's own case id, and webhooks. Keep in
-- step with the other backend's file.

-- The filing agency's own case id, unique per integration key.
ALTER TABLE complaints ADD COLUMN agency_ref TEXT;
CREATE UNIQUE INDEX complaints_agency_ref ON complaints (created_by, agency_ref)
    WHERE agency_ref IS NOT NULL;

-- An integration key's subscriptions: where to push which events, and the
-- signing secret (sealed by the vault: it must be read back to sign).
CREATE TABLE webhook_subscriptions (
    id          BLOB PRIMARY KEY NOT NULL,
    key_id      BLOB NOT NULL REFERENCES api_keys (id),
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,          -- comma-separated event types
    secret      TEXT NOT NULL,          -- sealed
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX webhook_subscriptions_key ON webhook_subscriptions (key_id) WHERE deleted_at IS NULL;

-- One delivery per subscription and complaint event, written in the
-- transaction of the event; delivered in event order per complaint.
CREATE TABLE webhook_deliveries (
    subscription_id  BLOB NOT NULL REFERENCES webhook_subscriptions (id),
    event_id         BLOB NOT NULL,
    complaint_id     BLOB NOT NULL REFERENCES complaints (id),
    event            TEXT NOT NULL,
    state            TEXT NOT NULL,     -- pending | delivered | parked
    attempts         INTEGER NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    locked_until     TEXT,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    delivered_at     TEXT,
    PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (subscription_id, complaint_id, event_id)
    WHERE state <> 'delivered';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (subscription_id, created_at DESC, event_id);
