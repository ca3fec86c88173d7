-- Envelope encryption of personal data (docs/adr/0016). Keep in step with
-- migrations/postgres. Rows written before this migration have NULL keys and
-- plaintext values until the start-up sweep seals them.

-- The complaint's data key, sealed by a master key of the keyring; the
-- reporter_* columns hold values encrypted with it.
ALTER TABLE complaints ADD COLUMN dek TEXT;
-- Blind index (keyed HMAC) of the canonical NIK, phone and email: exact
-- look-ups without the plaintext.
ALTER TABLE complaints ADD COLUMN id_number_bidx TEXT;
ALTER TABLE complaints ADD COLUMN phone_bidx TEXT;
ALTER TABLE complaints ADD COLUMN email_bidx TEXT;
CREATE INDEX complaints_id_number_bidx ON complaints (id_number_bidx) WHERE id_number_bidx IS NOT NULL;
CREATE INDEX complaints_phone_bidx ON complaints (phone_bidx) WHERE phone_bidx IS NOT NULL;
CREATE INDEX complaints_email_bidx ON complaints (email_bidx) WHERE email_bidx IS NOT NULL;
CREATE INDEX complaints_unsealed ON complaints (id) WHERE dek IS NULL;

-- The attachment's data key (its file and its name are encrypted with it)
-- and whether it is an identity document (a KTP scan), which follows the
-- reporter's visibility.
ALTER TABLE attachments ADD COLUMN dek TEXT;
ALTER TABLE attachments ADD COLUMN identity BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX attachments_unsealed ON attachments (id) WHERE dek IS NULL;
