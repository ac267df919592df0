//! Comparisons of the few bytes of a literal or a key, done in place with word loads: a
//! call to memcmp, or a loop a byte at a time, costs more than these short texts. The
//! prefix matcher and the JSON scan compare a dozen of them per line.

/// `a == b`, comparing eight bytes at a time; the last word overlaps the one before it
/// rather than leaving a tail to compare a byte at a time.
#[inline(always)]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        8.. => {
            let word = |s: &[u8], at: usize| u64::from_ne_bytes(word_at(s, at));
            let mut at = 0;
            while at + 8 < len {
                if word(a, at) != word(b, at) {
                    return false;
                }
                at += 8;
            }
            word(a, len - 8) == word(b, len - 8)
        }
        4.. => {
            let word = |s: &[u8], at: usize| u32::from_ne_bytes(word_at(s, at));
            word(a, 0) == word(b, 0) && word(a, len - 4) == word(b, len - 4)
        }
        _ => a.iter().zip(b).all(|(x, y)| x == y),
    }
}

/// `text.starts_with(prefix)`, by [`same_bytes`].
#[inline(always)]
pub fn starts_with(text: &[u8], prefix: &[u8]) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| same_bytes(head, prefix))
}

/// The offset of the first byte at or after `at` that is not JSON whitespace (space, tab,
/// newline, carriage return).
#[inline(always)]
pub fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    // Most of the JSON of logs is compact: nothing to skip.
    if bytes.get(at).is_none_or(|&b| b > b' ') {
        return at;
    }
    loop {
        at = skip_blank(bytes, at);
        if bytes.get(at) != Some(&b'\n') {
            return at;
        }
        at += 1;
    }
}

/// The offset of the first byte at or after `at` that is not a space, tab or carriage
/// return. Spaces are skipped eight at a time: a pretty-printed export indents every line.
#[inline(always)]
pub fn skip_blank(bytes: &[u8], mut at: usize) -> usize {
    loop {
        match bytes.get(at) {
            Some(b' ') => {
                let Some(word) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) else {
                    at += 1;
                    continue;
                };
                // Zero bytes where the spaces are: the first other byte ends the run.
                let others = u64::from_le_bytes(*word) ^ u64::from_le_bytes([b' '; 8]);
                at += others.trailing_zeros() as usize / 8;
            }
            Some(b'\t' | b'\r') => at += 1,
            _ => return at,
        }
    }
}

/// The `N` bytes of `bytes` at `at` (which the callers keep in bounds).
#[inline(always)]
fn word_at<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    bytes
        .get(at..)
        .and_then(<[u8]>::first_chunk::<N>)
        .copied()
        .unwrap_or([0; N])
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Whitespace is skipped to the byte a byte-at-a-time loop stops at.
        #[test]
        fn whitespace_is_skipped_to_the_first_other_byte(
            text in proptest::collection::vec(
                proptest::sample::select(vec![b' ', b' ', b' ', b'\t', b'\n', b'\r', b'a', b'{']),
                0..40,
            ),
            at in 0usize..42,
        ) {
            let expected = text
                .iter()
                .enumerate()
                .skip(at)
                .find(|(_, b)| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .map_or(text.len().max(at), |(index, _)| index);
            proptest::prop_assert_eq!(skip_space(&text, at), expected);
        }
    }

    proptest::proptest! {
        /// Every length, equal or differing in any byte, compares as `==` does.
        #[test]
        fn compares_as_slices_do(
            a in proptest::collection::vec(0u8..4, 0..40),
            b in proptest::collection::vec(0u8..4, 0..40),
            flip in 0usize..40,
        ) {
            let mut other = a.clone();
            if let Some(byte) = other.get_mut(flip) {
                *byte ^= 1;
                proptest::prop_assert!(!same_bytes(&a, &other));
            }
            proptest::prop_assert_eq!(same_bytes(&a, &b), a == b);
            proptest::prop_assert_eq!(same_bytes(&a, &a.clone()), true);
            proptest::prop_assert_eq!(starts_with(&a, &b), a.starts_with(&b));
            let cut = b.len().min(a.len());
            proptest::prop_assert_eq!(starts_with(&a, &a[..cut]), true);
        }
    }
}
