//! How many distinct value sets a fingerprint ran with: a K-minimum-values sketch of the
//! calls' `values_hash`. It keeps the `CAPACITY` smallest (re-mixed) hashes, so it is exact
//! up to that many distinct sets and an estimate above, in bounded memory; the union of two
//! sketches is the sketch of the union, which keeps the profile a monoid (see `workload`).

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

/// Hashes kept: exact below this many distinct sets, a relative standard error of about
/// 1/√(CAPACITY − 2) ≈ 6 % above.
const CAPACITY: usize = 256;

/// The smallest hashes seen, ascending, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DistinctValues {
    smallest: Vec<u64>,
}

impl DistinctValues {
    pub fn is_empty(&self) -> bool {
        self.smallest.is_empty()
    }

    pub fn include(&mut self, values_hash: u64) {
        // `values_hash` folds constants with rotations and xors: re-mixed so the kept hashes
        // are uniform, which the estimate assumes.
        let hash = xxh3_64(&values_hash.to_le_bytes());
        if self.smallest.len() == CAPACITY && self.smallest.last().is_some_and(|&l| hash >= l) {
            return;
        }
        if let Err(at) = self.smallest.binary_search(&hash) {
            // Most fingerprints run with one value set: room for one hash, not four.
            self.smallest
                .reserve_exact(usize::from(self.smallest.is_empty()));
            self.smallest.insert(at, hash);
            self.smallest.truncate(CAPACITY);
        }
    }

    pub fn merge(&mut self, other: &DistinctValues) {
        let mut union = Vec::with_capacity(self.smallest.len() + other.smallest.len());
        let (mut ours, mut theirs) = (
            self.smallest.iter().peekable(),
            other.smallest.iter().peekable(),
        );
        while union.len() < CAPACITY {
            let next = match (ours.peek(), theirs.peek()) {
                (Some(&&a), Some(&&b)) if a == b => {
                    ours.next();
                    theirs.next();
                    a
                }
                (Some(&&a), Some(&&b)) if a < b => {
                    ours.next();
                    a
                }
                (_, Some(&&b)) => {
                    theirs.next();
                    b
                }
                (Some(&&a), None) => {
                    ours.next();
                    a
                }
                (None, None) => break,
            };
            union.push(next);
        }
        self.smallest = union;
    }

    /// Whether `estimate` is a count: fewer distinct sets than the sketch keeps.
    pub fn is_exact(&self) -> bool {
        self.smallest.len() < CAPACITY
    }

    /// The number of distinct value sets: exact below `CAPACITY`, estimated above. `None`
    /// when no call was seen with its values (pg_stat_statements counts only).
    pub fn estimate(&self) -> Option<f64> {
        match self.smallest.last() {
            None => None,
            Some(_) if self.is_exact() => Some(self.smallest.len() as f64),
            // The k-th smallest of n uniform hashes sits near k/n of the range.
            Some(&kth) => {
                let fraction = (kth as f64 + 1.0) / (u64::MAX as f64 + 1.0);
                Some((CAPACITY - 1) as f64 / fraction)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(values: impl IntoIterator<Item = u64>) -> DistinctValues {
        let mut sketch = DistinctValues::default();
        for value in values {
            sketch.include(value);
        }
        sketch
    }

    #[test]
    fn small_counts_are_exact() {
        assert_eq!(DistinctValues::default().estimate(), None);
        assert_eq!(of([0]).estimate(), Some(1.0));
        assert_eq!(of((0..1000).map(|i| i % 7)).estimate(), Some(7.0));
        assert_eq!(of(0..255).estimate(), Some(255.0));
    }

    #[test]
    fn large_counts_are_estimated_within_fifteen_percent() {
        for (distinct, seed) in [(1_000u64, 1u64), (100_000, 2), (1_000_000, 3)] {
            let estimate = of((0..distinct).map(|i| i.wrapping_mul(0x9e37_79b9) ^ seed))
                .estimate()
                .unwrap();
            let error = (estimate - distinct as f64).abs() / distinct as f64;
            assert!(error < 0.15, "{distinct}: estimated {estimate:.0}");
        }
    }

    #[test]
    fn memory_stays_bounded() {
        assert_eq!(of(0..100_000).smallest.len(), CAPACITY);
    }

    #[test]
    fn a_merge_is_the_sketch_of_the_union() {
        for (a, b) in [(0..100, 50..120), (0..5_000, 2_000..40_000), (0..10, 0..10)] {
            let mut merged = of(a.clone());
            merged.merge(&of(b.clone()));
            assert_eq!(merged, of(a.chain(b)));
        }
        let mut empty = DistinctValues::default();
        empty.merge(&of([4, 5]));
        assert_eq!(empty.estimate(), Some(2.0));
    }
}
