//! Spill rules: they read the temporary files the log attributes to each statement
//! (`log_temp_files`, `QueryEvents::temp_files`) — sorts and hashes that outgrew `work_mem`.

pub mod temp_file_spill;
