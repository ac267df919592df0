//! Caching rules: they weigh how often a read runs, with how many distinct values
//! (`QueryStats::distinct_values`), against how often the logged workload writes the tables
//! it reads. BAT003 (batching) covers the other side of caching: the same values asked again
//! inside one loop of one session.

pub mod cacheable_hot_query;
