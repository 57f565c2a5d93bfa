//! Read-only, symlink-safe access to known places under a home directory.
//!
//! Every read goes through [`Home`], which enforces the scanner's three promises:
//! - nothing outside the home directory is read: a path is resolved (`canonicalize`) and must
//!   stay under the resolved home, so a symlink to `/etc` or to another user's files is recorded
//!   as a warning and skipped, never followed;
//! - nothing hangs or blows up: only regular files are read (a FIFO named `.npmrc` would block),
//!   files over the size cap are skipped, directory listings are capped, and symlink loops fail
//!   resolution with `ELOOP` and become warnings;
//! - every problem is a [`ScanWarning`] naming the home-relative path, and the scan goes on.
//!
//! Missing files are the normal case and are silent.

use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::report::ScanWarning;

/// A file or directory that resolved to a place inside the home directory.
pub(crate) struct Resolved {
    /// The resolved (canonical) path, safe to open.
    pub real: PathBuf,
    pub meta: fs::Metadata,
}

/// One entry of a directory listing.
pub(crate) struct DirEntry {
    pub name: String,
    /// Home-relative path of the entry (through the directory as visited, not the link target).
    pub rel: PathBuf,
    pub is_dir: bool,
}

/// The home directory being scanned, and the warnings met so far.
pub(crate) struct Home {
    root: PathBuf,
    canonical: Option<PathBuf>,
    max_file_bytes: u64,
    max_dir_entries: usize,
    pub warnings: Vec<ScanWarning>,
}

impl Home {
    pub fn new(root: &Path, max_file_bytes: u64, max_dir_entries: usize) -> Home {
        let mut home = Home {
            root: root.to_path_buf(),
            canonical: None,
            max_file_bytes,
            max_dir_entries,
            warnings: Vec::new(),
        };
        match fs::canonicalize(root) {
            Ok(c) if c.is_dir() => home.canonical = Some(c),
            Ok(_) => home.warn(Path::new(""), None, "the home directory is not a directory"),
            Err(e) => home.warn(
                Path::new(""),
                None,
                format!("cannot open the home directory: {e}"),
            ),
        }
        home
    }

    /// The resolved home directory, if it could be opened.
    pub fn canonical(&self) -> Option<&Path> {
        self.canonical.as_deref()
    }

    pub fn warn(&mut self, rel: &Path, line: Option<u64>, message: impl Into<String>) {
        self.warnings.push(ScanWarning {
            path: display(rel),
            line,
            message: message.into(),
        });
    }

    /// Resolves a home-relative path. `None` when it does not exist (silently) or when it cannot
    /// be used: unreadable, a symlink loop, or leading outside the home directory (warned).
    pub fn resolve(&mut self, rel: &Path) -> Option<Resolved> {
        let home = self.canonical.clone()?;
        let path = self.root.join(rel);
        match fs::symlink_metadata(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                self.warn(rel, None, describe(&e));
                return None;
            }
        }
        let real = match fs::canonicalize(&path) {
            Ok(real) => real,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.warn(rel, None, "dangling symlink; skipped");
                return None;
            }
            Err(e) => {
                self.warn(rel, None, describe(&e));
                return None;
            }
        };
        if !real.starts_with(&home) {
            self.warn(
                rel,
                None,
                "symlink leads outside the home directory; not followed",
            );
            return None;
        }
        match fs::metadata(&real) {
            Ok(meta) => Some(Resolved { real, meta }),
            Err(e) => {
                self.warn(rel, None, describe(&e));
                None
            }
        }
    }

    /// Whether a home-relative path exists (as a file or directory inside home).
    pub fn exists(&mut self, rel: &Path) -> bool {
        self.resolve(rel).is_some()
    }

    /// Reads a regular file, up to the size cap.
    pub fn read(&mut self, rel: &Path) -> Option<Vec<u8>> {
        self.read_capped(rel, self.max_file_bytes)
    }

    /// Reads a regular file with the metadata it had, up to the size cap.
    pub fn read_with_meta(&mut self, rel: &Path) -> Option<(Vec<u8>, fs::Metadata)> {
        let resolved = self.resolve(rel)?;
        let bytes = self.read_resolved(rel, &resolved, self.max_file_bytes)?;
        Some((bytes, resolved.meta))
    }

    /// Reads a regular file, up to `cap` bytes (and never more than the general cap).
    pub fn read_capped(&mut self, rel: &Path, cap: u64) -> Option<Vec<u8>> {
        let resolved = self.resolve(rel)?;
        self.read_resolved(rel, &resolved, cap.min(self.max_file_bytes))
    }

    fn read_resolved(&mut self, rel: &Path, resolved: &Resolved, cap: u64) -> Option<Vec<u8>> {
        if !resolved.meta.is_file() {
            if !resolved.meta.is_dir() {
                self.warn(rel, None, "not a regular file; skipped");
            }
            return None;
        }
        if resolved.meta.len() > cap {
            self.warn(
                rel,
                None,
                format!(
                    "file is {} bytes, over the {cap}-byte cap; skipped",
                    resolved.meta.len()
                ),
            );
            return None;
        }
        let mut bytes = Vec::new();
        let read =
            fs::File::open(&resolved.real).and_then(|f| f.take(cap + 1).read_to_end(&mut bytes));
        match read {
            Ok(_) if bytes.len() as u64 > cap => {
                self.warn(
                    rel,
                    None,
                    format!("file grew over the {cap}-byte cap; skipped"),
                );
                None
            }
            Ok(_) => Some(bytes),
            Err(e) => {
                self.warn(rel, None, describe(&e));
                None
            }
        }
    }

    /// Opens a regular file inside home for streaming (jars); `None` as for [`Home::resolve`].
    pub fn open(&mut self, rel: &Path) -> Option<fs::File> {
        let resolved = self.resolve(rel)?;
        if !resolved.meta.is_file() {
            return None;
        }
        match fs::File::open(&resolved.real) {
            Ok(f) => Some(f),
            Err(e) => {
                self.warn(rel, None, describe(&e));
                None
            }
        }
    }

    /// Lists a directory inside home, sorted by name, skipping entries that cannot be used
    /// (symlinks out of home, loops). Missing directories give an empty list.
    pub fn list(&mut self, rel: &Path) -> Vec<DirEntry> {
        self.list_checked(rel).unwrap_or_default()
    }

    /// Like [`Home::list`], but `None` when the directory is missing, not a directory or
    /// unreadable (the last warned), so that a caller can skip what lies inside it.
    pub fn list_checked(&mut self, rel: &Path) -> Option<Vec<DirEntry>> {
        let resolved = self.resolve(rel)?;
        if !resolved.meta.is_dir() {
            return None;
        }
        let reader = match fs::read_dir(&resolved.real) {
            Ok(r) => r,
            Err(e) => {
                self.warn(rel, None, describe(&e));
                return None;
            }
        };
        let mut raw = Vec::new();
        for entry in reader {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.warn(rel, None, describe(&e));
                    break;
                }
            };
            if raw.len() >= self.max_dir_entries {
                self.warn(
                    rel,
                    None,
                    format!(
                        "more than {} entries; the rest were not looked at",
                        self.max_dir_entries
                    ),
                );
                break;
            }
            let Ok(name) = entry.file_name().into_string() else {
                continue; // not UTF-8: no tool we look for names its files so
            };
            let file_type = entry.file_type().ok();
            raw.push((name, file_type));
        }
        raw.sort_by(|a, b| a.0.cmp(&b.0));
        let mut entries = Vec::with_capacity(raw.len());
        for (name, file_type) in raw {
            let child = rel.join(&name);
            let is_dir = match file_type {
                Some(t) if t.is_dir() => true,
                Some(t) if t.is_file() => false,
                // Symlinks (and unknown types) are resolved, and dropped if they leave home.
                _ => match self.resolve(&child) {
                    Some(r) => r.meta.is_dir(),
                    None => continue,
                },
            };
            entries.push(DirEntry {
                name,
                rel: child,
                is_dir,
            });
        }
        Some(entries)
    }

    /// A path as the report shows it: home-relative when it is under the home directory
    /// (as given or resolved), else absolute.
    pub fn show(&self, path: &Path) -> String {
        if let Ok(rel) = path.strip_prefix(&self.root) {
            return display(rel);
        }
        if let Some(rel) = self
            .canonical
            .as_deref()
            .and_then(|c| path.strip_prefix(c).ok())
        {
            return display(rel);
        }
        path.to_string_lossy().into_owned()
    }

    /// Turns a path from a configuration file (absolute, `~/…` or relative to `base_dir`) into
    /// a home-relative one, if it names a place under home.
    pub fn relative_to_home(&self, written: &str, base_dir: &Path) -> Option<PathBuf> {
        let path = if let Some(rest) = written.strip_prefix("~/") {
            PathBuf::from(rest)
        } else if Path::new(written).is_absolute() {
            let p = Path::new(written);
            let rel = p.strip_prefix(&self.root).ok().or_else(|| {
                self.canonical
                    .as_deref()
                    .and_then(|c| p.strip_prefix(c).ok())
            })?;
            rel.to_path_buf()
        } else {
            base_dir.join(written)
        };
        // Reject `..` that would climb out; the resolution check would catch it too.
        let mut clean = PathBuf::new();
        for c in path.components() {
            match c {
                Component::Normal(part) => clean.push(part),
                Component::CurDir => {}
                Component::ParentDir => {
                    if !clean.pop() {
                        return None;
                    }
                }
                Component::RootDir | Component::Prefix(_) => return None,
            }
        }
        Some(clean)
    }
}

/// A home-relative path with `/` separators.
pub(crate) fn display(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// `ELOOP`, which `std` does not name on stable Rust.
#[cfg(any(target_os = "linux", target_os = "android"))]
const ELOOP: Option<i32> = Some(40);
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd"
))]
const ELOOP: Option<i32> = Some(62);
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd"
)))]
const ELOOP: Option<i32> = None;

/// One sentence for an I/O error, naming loops and permissions plainly.
fn describe(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::PermissionDenied {
        return "permission denied; skipped".into();
    }
    if ELOOP.is_some() && e.raw_os_error() == ELOOP {
        return "symlink loop; skipped".into();
    }
    format!("cannot read: {e}; skipped")
}

/// Parses JSON, turning an error into a warning that names the file and line.
pub(crate) fn parse_json(home: &mut Home, rel: &Path, bytes: &[u8]) -> Option<serde_json::Value> {
    // Some tools write a UTF-8 byte order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match serde_json::from_slice(bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            let line = (e.line() > 0).then_some(e.line() as u64);
            home.warn(rel, line, format!("malformed JSON: {e}"));
            None
        }
    }
}

/// Reads and parses a JSON file; `None` when missing, unreadable or malformed (warned).
pub(crate) fn read_json(home: &mut Home, rel: &Path) -> Option<serde_json::Value> {
    let bytes = home.read(rel)?;
    parse_json(home, rel, &bytes)
}
