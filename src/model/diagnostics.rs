//! What was skipped and why: counted per kind, with the first few examples (file, line,
//! reason) kept so a report can point at them. Bad input is never fatal.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many examples each kind keeps.
const EXAMPLES_PER_KIND: usize = 5;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Diagnostics {
    pub kinds: BTreeMap<String, DiagnosticKind>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DiagnosticKind {
    pub count: u64,
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Example {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

impl Diagnostics {
    /// Counts one occurrence of `kind`; `example` is only built while examples are wanted.
    pub fn report(&mut self, kind: &str, example: impl FnOnce() -> Example) {
        let entry = match self.kinds.get_mut(kind) {
            Some(entry) => entry,
            None => self.kinds.entry(kind.to_string()).or_default(),
        };
        entry.count += 1;
        if entry.examples.len() < EXAMPLES_PER_KIND {
            entry.examples.push(example());
        }
    }

    pub fn merge(&mut self, other: Diagnostics) {
        for (kind, theirs) in other.kinds {
            let ours = self.kinds.entry(kind).or_default();
            ours.count += theirs.count;
            let room = EXAMPLES_PER_KIND.saturating_sub(ours.examples.len());
            ours.examples.extend(theirs.examples.into_iter().take(room));
        }
    }

    pub fn total(&self) -> u64 {
        self.kinds.values().map(|kind| kind.count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }
}
