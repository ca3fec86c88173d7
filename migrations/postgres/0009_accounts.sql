-- Personal staff accounts, sessions, two-factor, sign-in throttling and the
-- authentication audit log (issue 11). Keep in step with the other backend's file.
CREATE TABLE accounts (
    id                   UUID PRIMARY KEY,
    login                TEXT NOT NULL UNIQUE,      -- lower case
    role                 TEXT NOT NULL,
    officer_id           UUID REFERENCES officers (id),
    password_hash        TEXT,                      -- $argon2id$…; NULL until set
    password_changed_at  TIMESTAMPTZ,
    totp_secret          TEXT,                      -- sealed with the server key
    totp_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step       BIGINT,                    -- a code is accepted once
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    created_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX accounts_officer ON accounts (officer_id) WHERE officer_id IS NOT NULL;

-- One-time set-password links: only the digest of the token is kept.
CREATE TABLE password_tokens (
    digest      TEXT PRIMARY KEY,
    account_id  UUID NOT NULL REFERENCES accounts (id),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX password_tokens_account ON password_tokens (account_id);

CREATE TABLE recovery_codes (
    account_id  UUID NOT NULL REFERENCES accounts (id),
    digest      TEXT NOT NULL,
    used_at     TIMESTAMPTZ,
    PRIMARY KEY (account_id, digest)
);

-- Sessions: the cookie carries a random token, the table its digest.
CREATE TABLE sessions (
    id            UUID PRIMARY KEY,
    digest        TEXT NOT NULL UNIQUE,
    account_id    UUID NOT NULL REFERENCES accounts (id),
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,             -- absolute lifetime
    ended_at      TIMESTAMPTZ,
    address       TEXT,
    user_agent    TEXT
);
CREATE INDEX sessions_account ON sessions (account_id, created_at DESC) WHERE ended_at IS NULL;

-- Failed sign-ins by name ('login:…', whether the name exists or not) and by
-- client address ('addr:…'): growing delays, then a lockout of the name.
CREATE TABLE sign_in_throttle (
    scope            TEXT PRIMARY KEY,
    failures         INTEGER NOT NULL,
    last_failure_at  TIMESTAMPTZ NOT NULL,
    locked_at        TIMESTAMPTZ
);

-- Who signed in, failed, was locked out, changed two-factor…, when and from
-- where. Never a password or a code.
CREATE TABLE auth_audit (
    id          UUID PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,
    account_id  UUID REFERENCES accounts (id),
    login       TEXT,
    actor       TEXT,
    address     TEXT,
    detail      TEXT NOT NULL
);
CREATE INDEX auth_audit_at ON auth_audit (at DESC, id DESC);
CREATE INDEX auth_audit_account ON auth_audit (account_id, at DESC) WHERE account_id IS NOT NULL;
