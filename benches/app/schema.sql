-- A multi-tenant project tracker, as an ORM would make it: primary keys and foreign keys,
-- one secondary index (comments_author_id_idx, made by load.sql: the workload uses it, and
-- run.sh resets the statistics counters before planwise reads them — a trap). Sizes: see
-- load.sql. The problems planted here, and the traps, are listed in oracle.json.
CREATE TABLE tenants (id bigserial PRIMARY KEY, name text NOT NULL, plan text NOT NULL,
                      created_at timestamptz NOT NULL);
CREATE TABLE users (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants,
                    email text NOT NULL, name text NOT NULL, active boolean NOT NULL,
                    prefs jsonb NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE projects (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants,
                       name text NOT NULL, archived boolean NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE tasks (id bigserial PRIMARY KEY, project_id bigint NOT NULL REFERENCES projects,
                    assignee_id bigint REFERENCES users, title text NOT NULL,
                    status text NOT NULL, priority int NOT NULL,
                    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE comments (id bigserial PRIMARY KEY, task_id bigint NOT NULL REFERENCES tasks,
                       author_id bigint NOT NULL REFERENCES users, body text NOT NULL,
                       created_at timestamptz NOT NULL);
CREATE TABLE events (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants,
                     kind text NOT NULL, payload text, created_at timestamptz NOT NULL);
CREATE TABLE jobs (id bigserial PRIMARY KEY, queue text NOT NULL, priority int NOT NULL,
                   run_at timestamptz NOT NULL, locked_at timestamptz, attempts int NOT NULL,
                   payload text);
-- A lookup table of three rows (a trap: no index pays on it).
CREATE TABLE plans (id serial PRIMARY KEY, code text NOT NULL, seats int NOT NULL,
                    price_cents int NOT NULL);
-- Members of a project: the foreign key to projects(id) bigint is an integer (planted).
CREATE TABLE project_members (project_id integer NOT NULL REFERENCES projects,
                              user_id bigint NOT NULL REFERENCES users, role text NOT NULL,
                              PRIMARY KEY (project_id, user_id));
-- Webhooks keep the project they belong to as text (planted: the join goes through a cast).
CREATE TABLE webhooks (id bigserial PRIMARY KEY, project_ref text NOT NULL, url text NOT NULL);
