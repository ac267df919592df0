-- A multi-tenant project tracker, as an ORM would make it: primary keys and foreign keys,
-- no secondary index (what planwise is asked to find). Sizes: see load.sql.
CREATE TABLE tenants (id bigserial PRIMARY KEY, name text NOT NULL, plan text NOT NULL,
                      created_at timestamptz NOT NULL);
CREATE TABLE users (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants,
                    email text NOT NULL, name text NOT NULL, active boolean NOT NULL,
                    created_at timestamptz NOT NULL);
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
