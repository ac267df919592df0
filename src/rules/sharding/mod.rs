//! Sharding rules: they read the catalog's keys for a tenant key and place every logged
//! statement on the shards it would touch if the tables were distributed by it.

pub mod distribution_key;
