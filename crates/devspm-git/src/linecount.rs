//! Added/removed line counts between two versions of a file, as `git diff --numstat` reports
//! them.
//!
//! Most changes touch a few lines of a long file. Diffing whole files hashes every line of both
//! versions first (that was a tenth of ingest CPU on git/git); here the identical leading and
//! trailing lines are cut off with a plain byte comparison, and only the differing middle is
//! diffed. Cutting common leading and trailing lines never changes the size of a minimal edit,
//! so the counts are the same.

use gix::diff::blob::{Algorithm, Diff, InternedInput, sources::byte_lines};

/// (added, removed) lines turning `old` into `new`.
pub(crate) fn count(old: &[u8], new: &[u8], algorithm: Algorithm) -> (u32, u32) {
    let (old_mid, new_mid) = differing_middle(old, new);
    match (old_mid.is_empty(), new_mid.is_empty()) {
        (true, true) => (0, 0),
        (true, false) => (lines(new_mid), 0),
        (false, true) => (0, lines(old_mid)),
        (false, false) => {
            let input = InternedInput::new(byte_lines(old_mid), byte_lines(new_mid));
            let diff = Diff::compute(algorithm, &input);
            (diff.count_additions(), diff.count_removals())
        }
    }
}

/// Number of lines: newline-terminated ones plus an unterminated last one.
fn lines(data: &[u8]) -> u32 {
    let newlines = memchr_count(data);
    let unterminated = u32::from(data.last().is_some_and(|&b| b != b'\n'));
    newlines + unterminated
}

fn memchr_count(data: &[u8]) -> u32 {
    data.iter().filter(|&&b| b == b'\n').count() as u32
}

/// The parts of `old` and `new` between their common whole leading and trailing lines.
fn differing_middle<'a>(old: &'a [u8], new: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    let shortest = old.len().min(new.len());
    // Common prefix in bytes: 4 KiB blocks, then 64-byte blocks, then bytes (one comparison
    // call per block, not per byte).
    let mut same = 0;
    for block in [4096, 64] {
        while same + block <= shortest && old[same..same + block] == new[same..same + block] {
            same += block;
        }
    }
    while same < shortest && old[same] == new[same] {
        same += 1;
    }
    if same == old.len() && same == new.len() {
        return (&[], &[]);
    }
    // Back off to the end of the last complete common line.
    let start = old[..same]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);

    // Common suffix in bytes, not reaching into the common prefix.
    let room = shortest - start;
    let mut tail = 0;
    for block in [4096, 64] {
        while tail + block <= room
            && old[old.len() - tail - block..old.len() - tail]
                == new[new.len() - tail - block..new.len() - tail]
        {
            tail += block;
        }
    }
    while tail < room && old[old.len() - tail - 1] == new[new.len() - tail - 1] {
        tail += 1;
    }
    // The suffix must start at a line start in both versions: skip its first partial line.
    let (mut old_end, mut new_end) = (old.len() - tail, new.len() - tail);
    let at_line_start = |data: &[u8], pos: usize| pos == start || data[pos - 1] == b'\n';
    if !(at_line_start(old, old_end) && at_line_start(new, new_end)) {
        match old[old_end..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                old_end += i + 1;
                new_end += i + 1;
            }
            None => {
                old_end = old.len();
                new_end = new.len();
            }
        }
    }
    (&old[start..old_end], &new[start..new_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts from diffing the whole files, for comparison.
    fn whole(old: &[u8], new: &[u8]) -> (u32, u32) {
        let input = InternedInput::new(byte_lines(old), byte_lines(new));
        let diff = Diff::compute(Algorithm::Myers, &input);
        (diff.count_additions(), diff.count_removals())
    }

    #[test]
    fn simple_cases() {
        assert_eq!(count(b"", b"", Algorithm::Myers), (0, 0));
        assert_eq!(count(b"a\nb\n", b"a\nb\n", Algorithm::Myers), (0, 0));
        assert_eq!(count(b"", b"a\nb\n", Algorithm::Myers), (2, 0));
        assert_eq!(count(b"a\nb", b"", Algorithm::Myers), (0, 2));
        assert_eq!(count(b"a\nb\nc\n", b"a\nx\nc\n", Algorithm::Myers), (1, 1));
        assert_eq!(
            count(b"a\nb\n", b"a\nb", Algorithm::Myers),
            (1, 1),
            "lost final newline"
        );
        assert_eq!(count(b"a\nb\n", b"a\nb\nc\n", Algorithm::Myers), (1, 0));
        assert_eq!(count(b"x\na\n", b"a\n", Algorithm::Myers), (0, 1));
        assert_eq!(
            count(b"ab\n", b"b\n", Algorithm::Myers),
            (1, 1),
            "partial line suffix"
        );
    }

    #[test]
    fn agrees_with_whole_file_diffs_on_random_edits() {
        // A small deterministic generator: files of a few distinct lines, randomly edited.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let vocab: [&[u8]; 6] = [b"a\n", b"b\n", b"ccc\n", b"\n", b"dd", b"a"];
        for _ in 0..5000 {
            let len = next(12) as usize;
            let old: Vec<u8> = (0..len)
                .flat_map(|_| vocab[next(6) as usize].to_vec())
                .collect();
            let mut new = old.clone();
            for _ in 0..next(4) {
                let at = if new.is_empty() {
                    0
                } else {
                    next(new.len() as u64 + 1) as usize
                };
                match next(3) {
                    0 => {
                        let piece = vocab[next(6) as usize];
                        new.splice(at..at, piece.iter().copied());
                    }
                    1 if at < new.len() => {
                        new.remove(at);
                    }
                    _ => {}
                }
            }
            assert_eq!(
                count(&old, &new, Algorithm::Myers),
                whole(&old, &new),
                "old {:?} new {:?}",
                String::from_utf8_lossy(&old),
                String::from_utf8_lossy(&new)
            );
        }
    }
}
