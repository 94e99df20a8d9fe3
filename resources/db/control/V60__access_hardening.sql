-- Access hardening (issue 16, findings 3, 7, 10).
--
-- Tenant object names: Postgres cuts identifiers at 63 bytes, so 'og_t_' / 'og_cdc_' plus a
-- 63-character slug used to be truncated silently and two long slugs could share a database or a
-- replication slot. The registry now records the slot name beside the database name; new tenants
-- get names that fit (a readable prefix plus a hash when too long, see Tenant.objectName), and both
-- columns are unique, so no two registry rows can ever name the same object. Existing tenants keep
-- the names Postgres really gave them (the truncated ones); a later tenant whose truncated slot
-- name collided with an earlier one's gets a slot of its own. A later tenant whose truncated
-- database name collided really shares the earlier one's database: no migration can take their
-- rows apart, so its row keeps the long name it had (the core logs it at every boot) and the
-- fit check below holds for new rows only.
ALTER TABLE tenant ADD COLUMN slot_name text;
UPDATE tenant t SET database_name = n.real_name
FROM (SELECT slug, left(database_name, 63) AS real_name,
             row_number() OVER (PARTITION BY left(database_name, 63) ORDER BY created_at, slug) AS rn
      FROM tenant WHERE octet_length(database_name) > 63) n
WHERE n.slug = t.slug AND n.rn = 1
  AND NOT EXISTS (SELECT 1 FROM tenant o WHERE o.database_name = n.real_name);
UPDATE tenant t SET slot_name = CASE WHEN n.rn = 1 THEN n.legacy
                                     ELSE 'og_cdc_' || left(t.slug, 43) || '_' || left(md5(t.slug), 12) END
FROM (SELECT slug, left('og_cdc_' || slug, 63) AS legacy,
             row_number() OVER (PARTITION BY left('og_cdc_' || slug, 63) ORDER BY created_at, slug) AS rn
      FROM tenant) n
WHERE n.slug = t.slug;
ALTER TABLE tenant ALTER COLUMN slot_name SET NOT NULL;
ALTER TABLE tenant ADD CONSTRAINT tenant_slot_name_key UNIQUE (slot_name);
ALTER TABLE tenant ADD CONSTRAINT tenant_names_fit
    CHECK (octet_length(database_name) <= 63 AND octet_length(slot_name) <= 63) NOT VALID;

-- Principals: who issued them, so a token's audit trail names a principal id, not a free-form name.
ALTER TABLE principal ADD COLUMN created_by bigint REFERENCES principal (id);

-- Tokens: who issued and who revoked them (expires_at and revoked_at exist since V1).
ALTER TABLE api_token ADD COLUMN issued_by bigint REFERENCES principal (id);
ALTER TABLE api_token ADD COLUMN revoked_by bigint REFERENCES principal (id);
CREATE INDEX api_token_principal ON api_token (principal_id);

-- Control-plane audit rows carry the acting principal's id (names are labels; ids are identity).
ALTER TABLE audit_log ADD COLUMN actor_id bigint;
