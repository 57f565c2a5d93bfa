//! Scanning plain files and directory trees (a checkout, an unpacked artifact).
//!
//! A file larger than the per-file limit is not loaded whole: it is read in chunks cut at line
//! ends, with the last 64 KiB of each chunk searched again at the start of the next so that a
//! private key crossing a cut is still found once. Memory stays at about one chunk per thread
//! whatever the file's size.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;

use crate::SecretsError;
use crate::finding::{FileScan, HashKey, Place, SecretFinding};
use crate::scanner::{Scanner, Skipped, is_binary};

/// Bytes searched again at the start of the next chunk of a streamed file.
const CHUNK_OVERLAP: usize = 64 << 10;

/// Reads and scans the file at `file`; `display_path` is its repository-relative path (used for
/// allowlists and findings). Files over [`crate::Limits::max_file_bytes`] are streamed in chunks.
pub fn scan_file(
    scanner: &Scanner,
    file: &Path,
    display_path: &str,
    key: &HashKey,
) -> Result<FileScan, SecretsError> {
    if scanner.path_allowed(display_path) {
        return Ok(FileScan {
            skipped: Some(Skipped::AllowedPath),
            ..FileScan::default()
        });
    }
    let io = |source| SecretsError::Io {
        path: file.display().to_string(),
        source,
    };
    let mut handle = std::fs::File::open(file).map_err(io)?;
    let chunk = usize::try_from(scanner.limits().max_file_bytes)
        .unwrap_or(usize::MAX)
        .max(2 * CHUNK_OVERLAP);
    let mut out = FileScan::default();
    let mut buffer: Vec<u8> = Vec::new();
    // Absolute offset and 0-based line of `buffer[0]`.
    let mut base = 0usize;
    let mut base_line = 0u32;
    // Matches already reported, by absolute start and rule (only the overlap can repeat them).
    let mut reported: HashSet<(usize, usize)> = HashSet::new();
    let mut first = true;
    loop {
        let want = chunk.saturating_sub(buffer.len());
        let before = buffer.len();
        (&mut handle)
            .take(want as u64)
            .read_to_end(&mut buffer)
            .map_err(io)?;
        let eof = buffer.len() - before < want;
        if first {
            first = false;
            if is_binary(&buffer) {
                out.skipped = Some(Skipped::Binary);
                return Ok(out);
            }
        }
        // Cut after the last line end, unless this is the end of the file or the chunk is one
        // giant line.
        let cut = if eof {
            buffer.len()
        } else {
            memchr::memrchr(b'\n', &buffer).map_or(buffer.len(), |i| i + 1)
        };
        let scan = scanner.find_in_text(Some(display_path), &buffer[..cut]);
        out.truncated |= scan.truncated;
        let place = Place {
            path: display_path,
            commit: None,
            blob: None,
            line_offset: base_line,
        };
        for m in &scan.matches {
            if out.findings.len() >= scanner.limits().max_matches_per_file {
                out.truncated = true;
                break;
            }
            if !reported.insert((base + m.secret.start, m.rule)) {
                continue;
            }
            if let Some(finding) = scanner.finding(m, &buffer[..cut], &place, key) {
                out.findings.push(finding);
            }
        }
        if eof {
            out.bytes = (base + buffer.len()) as u64;
            break;
        }
        // Keep the tail (from a line start when there is one) for the next chunk.
        let keep_from = cut.saturating_sub(CHUNK_OVERLAP);
        let keep_from = match memchr::memchr(b'\n', &buffer[keep_from..cut]) {
            Some(i) if keep_from + i + 1 < cut => keep_from + i + 1,
            _ => cut,
        };
        let dropped_lines = memchr::memchr_iter(b'\n', &buffer[..keep_from]).count();
        base_line = base_line.saturating_add(u32::try_from(dropped_lines).unwrap_or(u32::MAX));
        base += keep_from;
        buffer.drain(..keep_from);
        reported.retain(|(start, _)| *start >= base);
    }
    Ok(out)
}

/// How to scan a directory tree.
#[derive(Clone, Debug)]
pub struct DirOptions {
    /// Worker threads (default: available parallelism).
    pub threads: usize,
    pub hash_key: HashKey,
}

impl Default for DirOptions {
    fn default() -> Self {
        DirOptions {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            hash_key: HashKey::default(),
        }
    }
}

/// What a directory scan found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DirScan {
    pub findings: Vec<SecretFinding>,
    /// Regular files visited.
    pub files: u64,
    /// Bytes of text searched.
    pub bytes_scanned: u64,
    pub binary_files: u64,
    pub allowed_files: u64,
    /// Files that could not be read, with the reason.
    pub warnings: Vec<String>,
    pub elapsed_seconds: f64,
}

/// Scans every regular file under `root` (symlinks are not followed; `.git` is skipped), in
/// parallel. Findings are sorted by path, line and column.
pub fn scan_dir(
    scanner: &Scanner,
    root: &Path,
    options: &DirOptions,
) -> Result<DirScan, SecretsError> {
    let started = Instant::now();
    let mut warnings = Vec::new();
    let files = list_files(root, &mut warnings)?;
    let next = AtomicUsize::new(0);
    let result = Mutex::new(DirScan {
        files: files.len() as u64,
        warnings,
        ..DirScan::default()
    });
    std::thread::scope(|scope| {
        for _ in 0..options.threads.max(1) {
            scope.spawn(|| {
                let mut local = DirScan::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((path, shown)) = files.get(i) else {
                        break;
                    };
                    match scan_file(scanner, path, shown, &options.hash_key) {
                        Ok(scan) => {
                            match scan.skipped {
                                Some(Skipped::Binary) => local.binary_files += 1,
                                Some(Skipped::AllowedPath) => local.allowed_files += 1,
                                _ => {}
                            }
                            local.bytes_scanned += scan.bytes;
                            local.findings.extend(scan.findings);
                        }
                        Err(e) => local.warnings.push(e.to_string()),
                    }
                }
                if let Ok(mut total) = result.lock() {
                    total.bytes_scanned += local.bytes_scanned;
                    total.binary_files += local.binary_files;
                    total.allowed_files += local.allowed_files;
                    total.findings.extend(local.findings);
                    total.warnings.extend(local.warnings);
                }
            });
        }
    });
    let mut scan = result.into_inner().unwrap_or_else(|p| p.into_inner());
    scan.findings
        .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    scan.warnings.sort();
    scan.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(scan)
}

/// Regular files under `root` with their `/`-separated relative paths, sorted. A directory below
/// `root` that cannot be read becomes a warning; an unreadable `root` is an error.
fn list_files(
    root: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<(PathBuf, String)>, SecretsError> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(source) if dir == root => {
                return Err(SecretsError::Io {
                    path: root.display().to_string(),
                    source,
                });
            }
            Err(e) => {
                warnings.push(format!("cannot read directory {}: {e}", dir.display()));
                continue;
            }
        };
        for entry in entries {
            let (entry, kind) = match entry.and_then(|e| e.file_type().map(|k| (e, k))) {
                Ok(pair) => pair,
                Err(e) => {
                    warnings.push(format!("cannot read an entry of {}: {e}", dir.display()));
                    continue;
                }
            };
            let path = entry.path();
            if kind.is_dir() {
                if entry.file_name() != ".git" {
                    stack.push(path);
                }
            } else if kind.is_file() {
                let shown = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((path, shown));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleConfig;
    use crate::scanner::Limits;
    use crate::testutil::{ALNUM, pem, random};

    #[test]
    fn large_files_are_streamed_in_chunks_without_losing_or_repeating_secrets() {
        let limits = Limits {
            max_file_bytes: 256 << 10,
            max_matches_per_file: 500,
        };
        let scanner =
            Scanner::new(&RuleConfig::builtin().expect("rules"), limits).expect("compiles");
        let key = HashKey([2; 32]);
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("big.log");
        let filler = "2024-01-01 INFO request served in 3ms from cache\n";
        let mut text = String::new();
        let mut expected = Vec::new();
        let mut line = 1u32;
        for i in 0..6u64 {
            // Put each secret close to a chunk boundary.
            while text.len() < (i as usize + 1) * (256 << 10) - 300 {
                text.push_str(filler);
                line += 1;
            }
            if i % 2 == 0 {
                text.push_str(&format!("token ghp_{}\n", random(ALNUM, 36, 800 + i)));
                expected.push(("github-pat".to_owned(), line));
                line += 1;
            } else {
                let key = pem("RSA", 800 + i);
                expected.push(("private-key".to_owned(), line));
                line += key.lines().count() as u32;
                text.push_str(&key);
                text.push('\n');
            }
        }
        text.push_str(filler);
        std::fs::write(&path, &text).expect("write");
        let scan = scan_file(&scanner, &path, "big.log", &key).expect("scan");
        let found: Vec<(String, u32)> = scan
            .findings
            .iter()
            .map(|f| (f.rule_id.clone(), f.line))
            .collect();
        assert_eq!(found, expected);
        assert_eq!(scan.bytes, text.len() as u64);
        // The same content in memory agrees.
        let whole = Scanner::builtin()
            .expect("rules")
            .scan_bytes("big.log", text.as_bytes(), &key);
        assert_eq!(whole.findings, scan.findings);
    }

    #[test]
    fn directories_are_scanned_in_parallel_and_sorted() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("src/deep")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join(".git")).expect("mkdir");
        let token = format!("ghp_{}", random(ALNUM, 36, 900));
        std::fs::write(
            dir.path().join("src/deep/a.rs"),
            format!("const T: &str = \"{token}\";\n"),
        )
        .expect("w");
        std::fs::write(dir.path().join(".git/config"), format!("{token}\n")).expect("w");
        std::fs::write(dir.path().join("b.bin"), b"\0\0binary").expect("w");
        std::fs::write(dir.path().join("package-lock.json"), format!("{token}\n")).expect("w");
        let scanner = Scanner::builtin().expect("rules");
        let scan = scan_dir(&scanner, dir.path(), &DirOptions::default()).expect("scan");
        let found: Vec<&str> = scan.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(found, vec!["src/deep/a.rs"]);
        assert_eq!(
            (scan.files, scan.binary_files, scan.allowed_files),
            (3, 1, 1)
        );
    }
}
