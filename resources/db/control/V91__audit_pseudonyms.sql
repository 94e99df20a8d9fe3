-- Audit rows stay append-only with one exception, for personal data expiry (docs/lifecycle.md):
-- a name in a row may be replaced by the pseudonym of the principal id the same row carries, the
-- actor label by og:erased-<actor_id> and a token.create row's new.principal by
-- og:erased-<new.principal_id>. Nothing else may change (every other column compared whole), and
-- a no-op UPDATE is still refused; DELETE and TRUNCATE stay refused. Attribution by id is untouched.

CREATE FUNCTION og_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor IS DISTINCT FROM OLD.actor OR NEW.new IS DISTINCT FROM OLD.new)
       AND (to_jsonb(NEW) - 'actor' - 'new') = (to_jsonb(OLD) - 'actor' - 'new')
       AND (NEW.actor = OLD.actor
            OR (OLD.actor_id IS NOT NULL AND NEW.actor = 'og:erased-' || OLD.actor_id))
       AND (NEW.new IS NOT DISTINCT FROM OLD.new
            OR (OLD.new ? 'principal_id' AND OLD.new ? 'principal'
                AND NEW.new = jsonb_set(OLD.new, '{principal}', to_jsonb('og:erased-' || (OLD.new ->> 'principal_id'))))) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused (only a name may be replaced by its principal id''s pseudonym)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION og_audit_append_only();
