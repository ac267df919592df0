-- The user-cancel victim: a long sleep that make-event-fixtures.sh cancels with
-- pg_cancel_backend after half a second.
SELECT pg_sleep(5);
