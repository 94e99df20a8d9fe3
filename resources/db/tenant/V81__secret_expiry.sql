-- Secrets expire (docs/lifecycle.md, "Personal data and secrets"): a secret variable may carry an
-- expiry after which it can no longer be decrypted; the upkeep then purges its sealed value (the
-- row stays, with purged_at, so the audit trail and the owner's configuration still name it).
ALTER TABLE variable ADD COLUMN expires_at timestamptz;
ALTER TABLE variable ADD COLUMN purged_at timestamptz;

DO $$
DECLARE c text;
BEGIN
    SELECT conname INTO c FROM pg_constraint
    WHERE conrelid = 'variable'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%num_nonnulls%';
    EXECUTE format('ALTER TABLE variable DROP CONSTRAINT %I', c);
END $$;

ALTER TABLE variable ADD CONSTRAINT variable_value_or_sealed CHECK (
    num_nonnulls(value, ciphertext) = 1
    OR (purged_at IS NOT NULL AND value IS NULL AND ciphertext IS NULL));
ALTER TABLE variable ADD CONSTRAINT variable_expiry_is_for_secrets CHECK (expires_at IS NULL OR value IS NULL);

CREATE INDEX variable_expiring ON variable (expires_at) WHERE expires_at IS NOT NULL AND ciphertext IS NOT NULL;
