-- Personal data expires (issue 12, docs/lifecycle.md "Personal data"): a principal whose every
-- token ended (expired or revoked) longer ago than `personal_data.retention`'s "principal" has its
-- name replaced by the pseudonym 'og:erased-<id>' ('og:' names are reserved, so nobody can be
-- issued one) and pseudonymised_at set. The id stays: audit rows attribute actions by actor_id.
ALTER TABLE principal ADD COLUMN pseudonymised_at timestamptz;

INSERT INTO setting (key, value) VALUES ('personal_data.retention', '{"principal": "365 days"}')
ON CONFLICT (key) DO NOTHING;
