//! Contention rules: they read the lock waits, deadlocks and cancellations the log reports
//! (`log_lock_waits`, `deadlock detected`, SQLSTATE 57014 and 55P03), per statement.

pub mod deadlock;
pub mod lock_wait_hot_spot;
pub mod statement_timeout_victim;
