//! Latency distribution of one fingerprint: a DDSketch (relative error 1 %), mergeable
//! exactly — two sketches merged hold the same bins as one sketch fed both inputs.

use serde::{Deserialize, Serialize};
use sketches_ddsketch::{Config, DDSketch};

#[derive(Clone, Serialize, Deserialize)]
pub struct Latency(DDSketch);

impl Default for Latency {
    fn default() -> Self {
        Latency(DDSketch::new(Config::defaults()))
    }
}

impl std::fmt::Debug for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Latency({} samples)", self.0.count())
    }
}

impl Latency {
    pub fn record_ms(&mut self, ms: f64) {
        self.0.add(ms);
    }

    pub fn merge(&mut self, other: &Latency) {
        // Both sides use the default config, the one case in which merge cannot fail.
        let _ = self.0.merge(&other.0);
    }

    /// The `q` quantile (0..=1) in milliseconds, `None` when nothing was timed.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        self.0.quantile(q).ok().flatten()
    }
}
