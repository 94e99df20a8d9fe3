-- Personal data expiry, second part (docs/lifecycle.md "Personal data"): names the core copied as
-- free text into tenant rows (alarm.acked_by, variable.updated_by, ... and names inside audit
-- payloads) are replaced by the pseudonym of their principal when it is pseudonymised. The tenant's
-- audit trail is the map from a principal id to the name it wrote under (actor beside actor_id),
-- read and erased in the same transaction as the sweep.

-- j with every JSON string equal to name replaced by pseudonym (keys and values; compared as whole
-- JSON strings, so a name inside a longer text is left alone).
CREATE FUNCTION og_erase_name(j jsonb, name text, pseudonym text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN j IS NULL OR name IS NULL OR name = '' THEN j
                ELSE replace(j::text, to_jsonb(name)::text, to_jsonb(pseudonym)::text)::jsonb END
$$;

-- The audit row trigger of V90, plus one rewrite: inside the sweep's transaction, which names the
-- name and its pseudonym in og.erase_name / og.erase_pseudonym (SET LOCAL), the actor label and the
-- old and new payloads may have exactly that name replaced by exactly that pseudonym. Every other
-- column is compared whole; a no-op UPDATE, any other UPDATE, DELETE and TRUNCATE stay refused.
CREATE OR REPLACE FUNCTION og_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    erase_name text := nullif(current_setting('og.erase_name', true), '');
    erase_to text := current_setting('og.erase_pseudonym', true);
BEGIN
    IF erase_to IS NULL OR erase_to !~ '^og:erased-[0-9]+$' THEN
        erase_name := NULL;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (NEW.actor IS DISTINCT FROM OLD.actor OR NEW.new IS DISTINCT FROM OLD.new OR NEW.old IS DISTINCT FROM OLD.old)
       AND (to_jsonb(NEW) - 'actor' - 'new' - 'old') = (to_jsonb(OLD) - 'actor' - 'new' - 'old')
       AND (NEW.actor = OLD.actor
            OR (OLD.actor_id IS NOT NULL AND NEW.actor = 'og:erased-' || OLD.actor_id)
            OR (erase_name IS NOT NULL AND OLD.actor = erase_name AND NEW.actor = erase_to))
       AND (NEW.new IS NOT DISTINCT FROM OLD.new
            OR (OLD.new ? 'principal_id' AND OLD.new ? 'principal'
                AND NEW.new = jsonb_set(OLD.new, '{principal}', to_jsonb('og:erased-' || (OLD.new ->> 'principal_id'))))
            OR (erase_name IS NOT NULL AND NEW.new = og_erase_name(OLD.new, erase_name, erase_to)))
       AND (NEW.old IS NOT DISTINCT FROM OLD.old
            OR (erase_name IS NOT NULL AND NEW.old = og_erase_name(OLD.old, erase_name, erase_to))) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused (only a name may be replaced by its principal id''s pseudonym)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
