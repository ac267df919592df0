//! Latency distribution of one fingerprint, with percentiles as PostgreSQL's
//! `percentile_disc` gives them (nearest rank: the first value whose cumulative share
//! reaches q). Exact while a fingerprint has few timed calls — every value is kept up to
//! `EXACT_VALUES` — and from a DDSketch beyond (relative error 1 %), mergeable exactly: two
//! sketches merged hold the same bins as one sketch fed both inputs.

use serde::{Deserialize, Serialize};
use sketches_ddsketch::{Config, DDSketch};

/// How many values a fingerprint keeps before its percentiles come from the sketch.
const EXACT_VALUES: usize = 128;

/// The values themselves while few, a sketch beyond: most fingerprints of a real log run a
/// handful of times, and a sketch's first bins cost 1 KB where four values cost 32 bytes.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Latency {
    /// Every value recorded, at most `EXACT_VALUES`.
    Exact(Vec<f64>),
    Sketch(Box<DDSketch>),
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Exact(Vec::new())
    }
}

impl std::fmt::Debug for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Latency({} samples)", self.count())
    }
}

impl Latency {
    pub fn record_ms(&mut self, ms: f64) {
        match self {
            Latency::Exact(values) if values.len() < EXACT_VALUES => {
                // Most fingerprints run once: room for one value, not a vector's first four.
                values.reserve_exact(usize::from(values.is_empty()));
                values.push(ms);
            }
            Latency::Exact(values) => {
                let mut sketch = sketch_of(values);
                sketch.add(ms);
                *self = Latency::Sketch(sketch);
            }
            Latency::Sketch(sketch) => sketch.add(ms),
        }
    }

    pub fn merge(&mut self, other: &Latency) {
        // Both sides use the default config, the one case in which merge cannot fail.
        match (&mut *self, other) {
            (Latency::Exact(ours), Latency::Exact(theirs))
                if ours.len() + theirs.len() <= EXACT_VALUES =>
            {
                ours.extend_from_slice(theirs);
            }
            (Latency::Sketch(ours), Latency::Exact(theirs)) => {
                theirs.iter().for_each(|&ms| ours.add(ms));
            }
            (Latency::Sketch(ours), Latency::Sketch(theirs)) => {
                let _ = ours.merge(theirs);
            }
            (Latency::Exact(ours), theirs) => {
                let mut sketch = sketch_of(ours);
                match theirs {
                    Latency::Exact(values) => values.iter().for_each(|&ms| sketch.add(ms)),
                    Latency::Sketch(theirs) => {
                        let _ = sketch.merge(theirs);
                    }
                }
                *self = Latency::Sketch(sketch);
            }
        }
    }

    fn count(&self) -> u64 {
        match self {
            Latency::Exact(values) => values.len() as u64,
            Latency::Sketch(sketch) => sketch.count() as u64,
        }
    }

    /// The `q` quantile (0..=1) in milliseconds by nearest rank, `None` when nothing was
    /// timed.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        let count = self.count();
        if count == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = nearest_rank(q, count);
        let sketch = match self {
            Latency::Exact(values) => {
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                return sorted.get(rank as usize).copied();
            }
            Latency::Sketch(sketch) => sketch,
        };
        // The sketch reads rank ⌊q' (n − 1)⌋: ask for the q' that lands on the nearest rank.
        let at = if rank + 1 >= count {
            1.0
        } else {
            (rank as f64 + 0.5) / (count - 1) as f64
        };
        sketch.quantile(at).ok().flatten()
    }
}

fn sketch_of(values: &[f64]) -> Box<DDSketch> {
    let mut sketch = Box::new(DDSketch::new(Config::defaults()));
    values.iter().for_each(|&ms| sketch.add(ms));
    sketch
}

/// The 0-based position of the `q` quantile among `count` sorted values, computed as
/// `percentile_disc` does (`ceil(q × n)`, at least the first).
fn nearest_rank(q: f64, count: u64) -> u64 {
    let rank = (q * count as f64).ceil() as u64;
    rank.clamp(1, count) - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn latency(values: &[f64]) -> Latency {
        let mut latency = Latency::default();
        values.iter().for_each(|&v| latency.record_ms(v));
        latency
    }

    fn percentile_disc(values: &[f64], q: f64) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted[nearest_rank(q, sorted.len() as u64) as usize]
    }

    #[test]
    fn an_outlier_among_twelve_calls_is_the_p95_and_the_p99() {
        let mut values = vec![2.8; 11];
        values.push(111.0);
        let latency = latency(&values);
        assert_eq!(latency.quantile_ms(0.95), Some(111.0));
        assert_eq!(latency.quantile_ms(0.99), Some(111.0));
        assert_eq!(latency.quantile_ms(0.5), Some(2.8));
    }

    #[test]
    fn with_two_calls_the_p99_is_the_larger() {
        assert_eq!(latency(&[1.0, 9.0]).quantile_ms(0.99), Some(9.0));
        assert_eq!(latency(&[1.0, 9.0]).quantile_ms(0.5), Some(1.0));
        assert_eq!(latency(&[]).quantile_ms(0.5), None);
    }

    #[test]
    fn every_size_up_to_ten_thousand_agrees_with_percentile_disc() {
        let mut latency = Latency::default();
        let mut sorted: Vec<f64> = Vec::new();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for n in 1..=10_000usize {
            // A skewed, repeatable stream: mostly fast calls, a long tail.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value = 0.05 * (1.0 + (state % 10_000) as f64).powf(1.6);
            latency.record_ms(value);
            let at = sorted.partition_point(|&v| v < value);
            sorted.insert(at, value);
            for q in [0.5, 0.95, 0.99] {
                let expected = sorted[nearest_rank(q, n as u64) as usize];
                let got = latency.quantile_ms(q).unwrap();
                let tolerance = if n <= EXACT_VALUES {
                    0.0
                } else {
                    expected * 0.0101
                };
                assert!(
                    (got - expected).abs() <= tolerance,
                    "n = {n}, q = {q}: {got} vs {expected}"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Against an exact `percentile_disc` for every size up to 10,000, recorded in one
        /// piece or merged from two: equal while exact, within the sketch's 1 % beyond.
        #[test]
        fn percentiles_match_percentile_disc(
            values in prop::collection::vec(0.001f64..100_000.0, 1..10_000),
            split in 0usize..10_000,
            q in prop::sample::select(vec![0.5, 0.9, 0.95, 0.99, 0.999, 1.0]),
        ) {
            let split = split.min(values.len());
            let mut merged = latency(&values[..split]);
            merged.merge(&latency(&values[split..]));
            let expected = percentile_disc(&values, q);
            for got in [latency(&values).quantile_ms(q), merged.quantile_ms(q)] {
                let got = got.unwrap();
                if values.len() <= EXACT_VALUES {
                    prop_assert_eq!(got, expected);
                } else {
                    prop_assert!((got - expected).abs() <= expected * 0.0101,
                        "{} vs {} (n = {})", got, expected, values.len());
                }
            }
        }
    }
}
