-- Data with the skew of a real tenant base: a few large tenants, many small ones; most tasks
-- done; a job queue that is mostly worked off. Deterministic (setseed).
SELECT setseed(0.42);
INSERT INTO tenants (name, plan, created_at)
SELECT 'tenant ' || g, (ARRAY['free','team','business'])[1 + g % 3], now() - g * interval '1 hour'
FROM generate_series(1, 1000) g;
INSERT INTO users (tenant_id, email, name, active, prefs, created_at)
SELECT 1 + (g::bigint * g) % 1000, 'User' || g || '@Example.com', 'user ' || g, g % 10 <> 0,
       jsonb_build_object('locale', (ARRAY['en','de','fr'])[1 + g % 3], 'sso_id', 'sso-' || g),
       now() - g * interval '1 minute'
FROM generate_series(1, 50000) g;
INSERT INTO projects (tenant_id, name, archived, created_at)
SELECT 1 + (g * 7) % 1000, 'project ' || g, g % 5 = 0, now() - g * interval '10 minutes'
FROM generate_series(1, 20000) g;
INSERT INTO tasks (project_id, assignee_id, title, status, priority, created_at, updated_at)
SELECT 1 + (g * 13) % 20000, CASE WHEN g % 9 = 0 THEN NULL ELSE 1 + (g * 31) % 50000 END,
       'task ' || g || ' ' || md5(g::text),
       CASE WHEN g % 20 = 0 THEN 'open' WHEN g % 20 = 1 THEN 'in_progress' ELSE 'done' END,
       g % 5, now() - g * interval '15 seconds', now() - g * interval '10 seconds'
FROM generate_series(1, 2000000) g;
INSERT INTO comments (task_id, author_id, body, created_at)
SELECT 1 + (g * 17) % 2000000, 1 + (g * 29) % 50000, 'comment ' || md5(g::text),
       now() - g * interval '12 seconds'
FROM generate_series(1, 1500000) g;
INSERT INTO events (tenant_id, kind, payload, created_at)
SELECT 1 + (g * 11) % 1000, (ARRAY['login','view','edit','export'])[1 + g % 4], md5(g::text),
       now() - (2000000 - g) * interval '3 seconds'
FROM generate_series(1, 2000000) g;
-- Jobs: nine in ten on the 'default' queue; 4 % of the rows waiting (locked_at IS NULL, all
-- of them 'default', one in four scheduled for tomorrow), the rest worked off.
INSERT INTO jobs (queue, priority, run_at, locked_at, attempts, payload)
SELECT CASE WHEN g % 10 = 0 THEN 'mailers' ELSE 'default' END, g % 3,
       now() - (g % 1000) * interval '1 minute' + CASE WHEN g % 100 = 3 THEN interval '1 day' ELSE interval '0' END,
       CASE WHEN g % 50 IN (1, 3) THEN NULL ELSE now() - interval '1 hour' END, g % 4, md5(g::text)
FROM generate_series(1, 300000) g;
INSERT INTO plans (code, seats, price_cents)
VALUES ('free', 3, 0), ('team', 20, 4900), ('business', 200, 19900);
INSERT INTO project_members (project_id, user_id, role)
SELECT 1 + g % 20000, 1 + (g * 37) % 50000, CASE WHEN g % 7 = 0 THEN 'owner' ELSE 'member' END
FROM generate_series(1, 60000) g ON CONFLICT DO NOTHING;
INSERT INTO webhooks (project_ref, url)
SELECT (1 + (g * 3) % 20000)::text, 'https://hooks.example.com/' || md5(g::text)
FROM generate_series(1, 20000) g;
-- The one secondary index: the workload's "comments by a user" reads it (a trap, see schema.sql).
CREATE INDEX comments_author_id_idx ON comments (author_id);
VACUUM ANALYZE;
