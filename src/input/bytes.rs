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

/// How many newlines `text` holds, and whether a line between two of them may hold only
/// whitespace (`\n\n`, ` \n`, or a tab or carriage return anywhere): the lines of a
/// pretty-printed export are counted in one pass where AVX2 is there, where a count and
/// three searches (memchr's) took a sixth of its reading.
pub fn line_breaks(text: &[u8]) -> LineBreaks {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { avx2::line_breaks(text) };
    }
    searched_line_breaks(text)
}

/// What [`line_breaks`] found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LineBreaks {
    pub newlines: u64,
    pub maybe_blank: bool,
}

/// [`line_breaks`] by memchr's searches, which have vectors on every platform.
fn searched_line_breaks(text: &[u8]) -> LineBreaks {
    LineBreaks {
        newlines: memchr::memchr_iter(b'\n', text).count() as u64,
        maybe_blank: memchr::memchr2(b'\t', b'\r', text).is_some()
            || memchr::memmem::find(text, b"\n\n").is_some()
            || memchr::memmem::find(text, b" \n").is_some(),
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::LineBreaks;
    use std::arch::x86_64::{
        __m256i, _mm256_alignr_epi8, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256,
        _mm256_movemask_epi8, _mm256_or_si256, _mm256_permute2x128_si256, _mm256_sad_epu8,
        _mm256_set1_epi8, _mm256_setzero_si256, _mm256_storeu_si256, _mm256_sub_epi8,
    };

    /// 32 bytes at a time; the last few are padded with zeros, which are no whitespace.
    #[target_feature(enable = "avx2")]
    pub fn line_breaks(text: &[u8]) -> LineBreaks {
        let mut pass = Pass {
            counts: _mm256_setzero_si256(),
            blank: _mm256_setzero_si256(),
            previous: _mm256_setzero_si256(),
        };
        let mut newlines = 0;
        // A byte of `counts` counts up to 255 newlines before the sums are taken.
        for round in text.chunks(255 * 32) {
            let mut chunks = round.chunks_exact(32);
            for chunk in &mut chunks {
                // SAFETY: `chunk` is 32 readable bytes, and `loadu` needs no alignment.
                pass.step(unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) });
            }
            let rest = chunks.remainder();
            if !rest.is_empty() {
                let mut padded = [0u8; 32];
                padded[..rest.len()].copy_from_slice(rest);
                // SAFETY: as above.
                pass.step(unsafe { _mm256_loadu_si256(padded.as_ptr().cast()) });
            }
            newlines += pass.take_count();
        }
        LineBreaks {
            newlines,
            maybe_blank: _mm256_movemask_epi8(pass.blank) != 0,
        }
    }

    struct Pass {
        /// Newlines seen in each byte lane, as negative bytes.
        counts: __m256i,
        /// Set in a lane where a byte may start or be a blank line.
        blank: __m256i,
        /// The chunk before, whose last byte comes before the next chunk's first.
        previous: __m256i,
    }

    impl Pass {
        #[target_feature(enable = "avx2")]
        fn step(&mut self, bytes: __m256i) {
            let splat = |b: u8| _mm256_set1_epi8(b as i8);
            let newline = _mm256_cmpeq_epi8(bytes, splat(b'\n'));
            self.counts = _mm256_sub_epi8(self.counts, newline);
            // Each byte's predecessor: the chunk moved up a byte, the previous chunk's
            // last byte coming in at the bottom.
            let across = _mm256_permute2x128_si256::<0x21>(self.previous, bytes);
            let before = _mm256_alignr_epi8::<15>(bytes, across);
            let opens_line = _mm256_or_si256(
                _mm256_cmpeq_epi8(before, splat(b'\n')),
                _mm256_cmpeq_epi8(before, splat(b' ')),
            );
            // A tab (9) or carriage return (13) is 9 with bit 2 cleared.
            let tab_or_return = _mm256_cmpeq_epi8(_mm256_and_si256(bytes, splat(!4)), splat(9));
            let found = _mm256_or_si256(_mm256_and_si256(newline, opens_line), tab_or_return);
            self.blank = _mm256_or_si256(self.blank, found);
            self.previous = bytes;
        }

        /// The newlines counted since the last take.
        #[target_feature(enable = "avx2")]
        fn take_count(&mut self) -> u64 {
            let sums = _mm256_sad_epu8(self.counts, _mm256_setzero_si256());
            self.counts = _mm256_setzero_si256();
            let mut lanes = [0u64; 4];
            // SAFETY: `lanes` is 32 writable bytes, and `storeu` needs no alignment.
            unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), sums) };
            lanes.iter().sum()
        }
    }
}

/// [`line_breaks`] a byte at a time: the tests' reference.
#[cfg(test)]
fn bytewise_line_breaks(text: &[u8]) -> LineBreaks {
    let mut breaks = LineBreaks::default();
    let mut before = None;
    for &b in text {
        breaks.newlines += u64::from(b == b'\n');
        let opens_line = matches!(before, Some(b'\n' | b' '));
        breaks.maybe_blank |= matches!(b, b'\t' | b'\r') || (b == b'\n' && opens_line);
        before = Some(b);
    }
    breaks
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

    /// Texts of up to `len` bytes drawn from `bytes` (a byte listed twice comes twice as
    /// often).
    fn texts_of(bytes: &[u8], len: usize) -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(bytes.to_vec()), 0..len)
    }

    proptest::proptest! {
        /// Whitespace is skipped to the byte a byte-at-a-time loop stops at.
        #[test]
        fn whitespace_is_skipped_to_the_first_other_byte(
            text in texts_of(b"   \t\n\ra{", 40),
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

    #[test]
    fn line_breaks_count_past_what_a_vector_lane_holds() {
        // More than 255 newlines in one lane, over several rounds of sums.
        for text in [vec![b'\n'; 9000], b"{a\n".repeat(5000)] {
            let expected = bytewise_line_breaks(&text);
            assert_eq!(line_breaks(&text), expected);
            assert_eq!(
                expected.newlines,
                text.iter().filter(|&&b| b == b'\n').count() as u64
            );
        }
    }

    proptest::proptest! {
        /// Newlines are all counted, and a line of only whitespace after one is never
        /// missed (a tab or carriage return anywhere may be one).
        #[test]
        fn line_breaks_count_newlines_and_see_every_blank_line(
            text in texts_of(b"  \t\n\n\ra\"", 80),
        ) {
            let breaks = line_breaks(&text);
            let newlines = text.iter().filter(|&&b| b == b'\n').count() as u64;
            proptest::prop_assert_eq!(breaks.newlines, newlines);
            // The lines between two newlines.
            let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
            let between = lines.get(1..lines.len() - 1).unwrap_or_default();
            let blank = between.iter().any(|line| line.iter().all(u8::is_ascii_whitespace));
            let tab_or_return = text.iter().any(|&b| b == b'\t' || b == b'\r');
            let before_newline = text.windows(2).any(|w| w == b" \n" || w == b"\n\n");
            proptest::prop_assert_eq!(breaks.maybe_blank, tab_or_return || before_newline);
            proptest::prop_assert!(breaks.maybe_blank || !blank);
        }

        /// The vector pass and memchr's searches find what a byte-at-a-time loop finds.
        #[test]
        fn line_breaks_are_found_alike_by_vectors_and_bytes(
            text in texts_of(b" \t\n\ra\x8a\xa0", 600),
        ) {
            let expected = bytewise_line_breaks(&text);
            proptest::prop_assert_eq!(line_breaks(&text), expected);
            proptest::prop_assert_eq!(searched_line_breaks(&text), expected);
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
