//! Counts by name (databases, users, applications of one fingerprint): a sorted vector, not
//! a map. A fingerprint usually has one or two names, and an empty `BTreeMap` node costs
//! ~400 bytes against 24 per entry here — with three tallies per fingerprint, most of a
//! profile's memory for a log of many distinct statements. Serialized as a JSON object, as a
//! map would be.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Sorted by name, names unique.
    counts: Vec<(Box<str>, u64)>,
}

impl Tally {
    pub fn add(&mut self, name: &str, by: u64) {
        match self.counts.binary_search_by(|(n, _)| (**n).cmp(name)) {
            Ok(at) => self.counts[at].1 += by,
            // Most tallies hold one name: room for exactly one, not a vector's first four.
            Err(_) if self.counts.is_empty() => self.counts = vec![(name.into(), by)],
            Err(at) => self.counts.insert(at, (name.into(), by)),
        }
    }

    pub fn merge(&mut self, other: Tally) {
        for (name, by) in other.counts {
            self.add(&name, by);
        }
    }

    /// Names and counts, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.counts.iter().map(|(name, count)| (&**name, *count))
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }
}

impl Serialize for Tally {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tally {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, u64>::deserialize(deserializer)?;
        Ok(Tally {
            counts: map.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_name_in_name_order_and_serializes_as_a_map() {
        let mut tally = Tally::default();
        for name in ["web", "batch", "web", "admin", "web"] {
            tally.add(name, 1);
        }
        let mut other = Tally::default();
        other.add("batch", 5);
        other.add("zeta", 1);
        tally.merge(other);
        let seen: Vec<_> = tally.iter().collect();
        assert_eq!(seen, [("admin", 1), ("batch", 6), ("web", 3), ("zeta", 1)]);
        let json = serde_json::to_string(&tally).unwrap();
        assert_eq!(json, r#"{"admin":1,"batch":6,"web":3,"zeta":1}"#);
        let back: Tally = serde_json::from_str(&json).unwrap();
        assert_eq!(back, tally);
    }
}
