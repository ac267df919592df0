-- pgbench script (run with -M extended -D email=user1@example.com, exits
-- non-zero by design): unique violation on a parameterised INSERT.
INSERT INTO users (email, name) VALUES (:email, 'Duplicate via extended');
