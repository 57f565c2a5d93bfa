//! Mapping a line of one version of a file to the line it replaced in the version before: the
//! most similar removed line of the diff hunk that holds it (Dice similarity of character
//! bigrams, whitespace ignored). Blame uses it to follow lines past cosmetic commits, SZZ to
//! step a line back through its earlier versions (V-SZZ); it sits below both.

use gix::bstr::ByteSlice;
use gix::diff::blob::{Algorithm, Diff, InternedInput, sources::byte_lines};

/// A line with its whitespace removed.
pub(crate) fn strip_ws(line: &[u8]) -> Vec<u8> {
    line.iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect()
}

/// The line of `old` that line `line` (1-based) of `new` replaced: within the diff hunk that
/// holds it, the most similar removed line (at least `min_similarity` when given; without a
/// minimum, the line at the same offset in the hunk when none is similar at all). `None` when
/// the line was inserted with nothing removed, or is unchanged.
pub(crate) fn map_through_diff(
    old: &[u8],
    new: &[u8],
    line: u32,
    min_similarity: Option<f64>,
) -> Option<u32> {
    LineMapper::new(old, new).map(line, min_similarity)
}

/// Two versions of a file and the diff between them, to map many lines through it.
pub(crate) struct LineMapper<'a> {
    old_lines: Vec<&'a [u8]>,
    new_lines: Vec<&'a [u8]>,
    /// (before, after) line ranges (0-based) of each hunk.
    hunks: Vec<(std::ops::Range<u32>, std::ops::Range<u32>)>,
}

impl<'a> LineMapper<'a> {
    pub(crate) fn new(old: &'a [u8], new: &'a [u8]) -> LineMapper<'a> {
        let input = InternedInput::new(byte_lines(old), byte_lines(new));
        let diff = Diff::compute(Algorithm::Histogram, &input);
        LineMapper {
            old_lines: old.lines().collect(),
            new_lines: new.lines().collect(),
            hunks: diff.hunks().map(|h| (h.before, h.after)).collect(),
        }
    }

    /// [`map_through_diff`] of one line.
    pub(crate) fn map(&self, line: u32, min_similarity: Option<f64>) -> Option<u32> {
        let target = strip_ws(self.new_lines.get((line as usize).checked_sub(1)?)?);
        let index = line - 1;
        let (before, after) = self
            .hunks
            .iter()
            .find(|(_, after)| after.contains(&index))?;
        if before.is_empty() {
            return None;
        }
        let best = before
            .clone()
            .filter_map(|i| {
                self.old_lines
                    .get(i as usize)
                    .map(|l| (i, similarity(&strip_ws(l), &target)))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match (best, min_similarity) {
            (Some((i, score)), Some(min)) if score >= min => Some(i + 1),
            (Some(_), Some(_)) | (None, _) => None,
            (Some((i, score)), None) if score > 0.0 => Some(i + 1),
            (Some(_), None) => {
                let offset = (index - after.start).min(before.len() as u32 - 1);
                Some(before.start + offset + 1)
            }
        }
    }
}

/// Dice coefficient of character bigrams (1.0 for equal strings).
pub fn similarity(a: &[u8], b: &[u8]) -> f64 {
    if a == b {
        return 1.0;
    }
    if a.len() < 2 || b.len() < 2 {
        return 0.0;
    }
    let mut grams: std::collections::HashMap<[u8; 2], i32> = std::collections::HashMap::new();
    for w in a.windows(2) {
        *grams.entry([w[0], w[1]]).or_insert(0) += 1;
    }
    let mut common = 0;
    for w in b.windows(2) {
        if let Some(n) = grams.get_mut(&[w[0], w[1]])
            && *n > 0
        {
            *n -= 1;
            common += 1;
        }
    }
    2.0 * f64::from(common) / ((a.len() - 1) + (b.len() - 1)) as f64
}
