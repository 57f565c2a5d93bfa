//! Loading advisory databases from disk: a folder, a zip, or one file, layout detected.
//!
//! What [`load`] accepts, decided by looking rather than by flags:
//! - a folder, walked recursively (hidden entries such as `.git` and `.github` skipped, names
//!   sorted so that runs are repeatable), where `*.json` files are OSV JSON, `*.yaml`/`*.yml`
//!   files OSV YAML (PyPA's `vulns/<package>/PYSEC-*.yaml`), and `*.md` files that open with a
//!   ```` ```toml ```` fence RustSec advisories in advisory-db's native layout
//!   (`crates/<crate>/RUSTSEC-*.md`); other files (READMEs, licences) are not advisories and
//!   are passed over without a word. RustSec's `rust/` collection (advisories against the
//!   toolchain: `std`, `cargo`, `rustdoc`) is skipped with a note: no lockfile pins those.
//! - a zip archive, recognised by its signature whatever its name, as OSV publishes one per
//!   ecosystem (`all.zip`: one JSON file per advisory);
//! - a single advisory file of any of those formats.
//!
//! A file that cannot be read as an advisory (malformed JSON, YAML or TOML, a missing `id`,
//! a `schema_version` from a future major version) is skipped with a [`LoadWarning`] naming
//! the file and, where the parser knows it, the line; a part of an advisory that cannot be
//! understood (an unknown range type or event, an unreadable requirement) is dropped with a
//! warning and the rest kept. Loading never stops at a bad advisory; only a path that cannot
//! be read at all, or one where no advisory file is found, is an error ([`LoadError`]).

mod osv;
mod rustsec;

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{Advisory, SourceFormat};

pub use osv::parse_osv;
pub use rustsec::parse_rustsec;

/// The advisories read from one path, and how the reading went.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadedAdvisories {
    /// Sorted by id (then source file).
    pub advisories: Vec<Advisory>,
    pub stats: LoadStats,
}

/// How a load went: what was read, what was kept, what was not and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadStats {
    /// The path given to [`load`].
    pub path: String,
    pub layout: Layout,
    /// Advisory files read (files that are not advisories, such as READMEs, not counted).
    pub files_read: usize,
    /// Advisories kept, withdrawn ones included.
    pub advisories_loaded: usize,
    /// Of those, withdrawn (kept for the record; they never match).
    pub withdrawn: usize,
    /// Files read but not kept (each has a warning with `skipped` set).
    pub skipped: usize,
    /// Everything worth telling, in file order.
    pub warnings: Vec<LoadWarning>,
}

/// The layout [`load`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// A folder of OSV JSON and/or YAML files.
    OsvFolder,
    /// A zip of OSV files.
    OsvZip,
    /// RustSec advisory-db's native layout.
    RustsecFolder,
    /// A folder with both OSV and RustSec native files.
    MixedFolder,
    /// One advisory file.
    #[default]
    File,
}

/// A problem with one advisory file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadWarning {
    /// The file, relative to the loaded folder, or `archive.zip:entry.json`.
    pub file: String,
    /// 1-based line of the problem, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
    /// Whether the whole file was skipped (else only a part of the advisory was dropped).
    pub skipped: bool,
}

impl fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)?;
        if self.skipped {
            f.write_str(" (advisory skipped)")?;
        }
        Ok(())
    }
}

/// A path that could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the zip archive {}: {message}", .path.display())]
    Zip { path: PathBuf, message: String },
    #[error(
        "no advisories found in {} (expected OSV JSON or YAML files, an OSV zip, or RustSec's advisory-db)",
        .path.display()
    )]
    NoAdvisories { path: PathBuf },
}

/// What parsing one file gave.
#[derive(Debug)]
pub enum FileOutcome {
    /// An advisory, with warnings about parts of it that were dropped.
    Advisory(Box<Advisory>, Vec<Problem>),
    /// Not kept: why, and where.
    Skipped(Problem),
}

/// A problem inside one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(line: Option<usize>, message: impl Into<String>) -> Problem {
        Problem {
            line,
            message: message.into(),
        }
    }
}

/// The largest advisory file read (advisories are kilobytes; this guards against a stray
/// data file or a zip bomb).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Receives a load's progress: the number of files to read once known, and the files read so
/// far (called from the reading threads, in no particular order of counts).
pub trait LoadProgress: Sync {
    fn total(&self, _files: u64) {}
    fn files_read(&self, _done: u64) {}
}

/// No progress.
pub struct NoLoadProgress;

impl LoadProgress for NoLoadProgress {}

/// Loads the advisories at `path` (a folder, a zip or a file; see the module docs).
pub fn load(path: &Path) -> Result<LoadedAdvisories, LoadError> {
    load_with_progress(path, &NoLoadProgress)
}

/// [`load`], telling `progress` how many files there are and how many are read.
pub fn load_with_progress(
    path: &Path,
    progress: &dyn LoadProgress,
) -> Result<LoadedAdvisories, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let metadata = fs::metadata(path).map_err(io)?;
    let mut loader = Loader::new(path, progress);
    if metadata.is_dir() {
        loader.folder(path).map_err(io)?;
        loader.stats.layout = match (loader.osv_files, loader.rustsec_files) {
            (_, 0) => Layout::OsvFolder,
            (0, _) => Layout::RustsecFolder,
            _ => Layout::MixedFolder,
        };
    } else {
        let mut signature = [0u8; 4];
        let n = fs::File::open(path)
            .and_then(|mut f| f.read(&mut signature))
            .map_err(io)?;
        if n == 4 && signature == *b"PK\x03\x04" {
            loader.stats.layout = Layout::OsvZip;
            loader.zip(path)?;
        } else {
            loader.stats.layout = Layout::File;
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into(),
            );
            match format_of(&name) {
                Some(format) => {
                    let bytes = read_capped(path).map_err(io)?;
                    loader.file(&name, format, &bytes);
                }
                None => {
                    return Err(LoadError::NoAdvisories {
                        path: path.to_path_buf(),
                    });
                }
            }
        }
    }
    if loader.stats.files_read == 0 {
        return Err(LoadError::NoAdvisories {
            path: path.to_path_buf(),
        });
    }
    let Loader {
        mut advisories,
        mut stats,
        ..
    } = loader;
    advisories.sort_by(|a, b| {
        a.id.cmp(&b.id)
            .then_with(|| a.source.file.cmp(&b.source.file))
    });
    stats.advisories_loaded = advisories.len();
    stats.withdrawn = advisories.iter().filter(|a| a.is_withdrawn()).count();
    Ok(LoadedAdvisories { advisories, stats })
}

/// The format a file name says, before looking inside (`.md` files are confirmed by their
/// fence).
fn format_of(name: &str) -> Option<SourceFormat> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".json") {
        Some(SourceFormat::OsvJson)
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Some(SourceFormat::OsvYaml)
    } else if lower.ends_with(".md") {
        Some(SourceFormat::Rustsec)
    } else {
        None
    }
}

fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

struct Loader<'p> {
    advisories: Vec<Advisory>,
    stats: LoadStats,
    osv_files: usize,
    rustsec_files: usize,
    progress: &'p dyn LoadProgress,
}

impl<'p> Loader<'p> {
    fn new(path: &Path, progress: &'p dyn LoadProgress) -> Loader<'p> {
        Loader {
            progress,
            advisories: Vec::new(),
            stats: LoadStats {
                path: path.display().to_string(),
                ..LoadStats::default()
            },
            osv_files: 0,
            rustsec_files: 0,
        }
    }

    fn warn(&mut self, file: &str, problem: Problem, skipped: bool) {
        self.stats.warnings.push(LoadWarning {
            file: file.to_string(),
            line: problem.line,
            message: problem.message,
            skipped,
        });
    }

    /// Reads the advisory files under `dir`, in parallel (parsing YAML is most of a load),
    /// recording the outcomes in path order.
    fn folder(&mut self, dir: &Path) -> std::io::Result<()> {
        let mut files = Vec::new();
        collect(dir, "", &mut files)?;
        self.progress.total(files.len() as u64);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let chunk = files.len().div_ceil(threads).max(1);
        let done = std::sync::atomic::AtomicU64::new(0);
        let progress = self.progress;
        let results: Vec<Option<FileRead>> = std::thread::scope(|scope| {
            let done = &done;
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|f| {
                                let read = read_one(f);
                                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                // Every 64 files: a bar needs no more, and the calls stay cheap.
                                if n % 64 == 63 {
                                    progress.files_read(n + 1);
                                }
                                read
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| match h.join() {
                    Ok(results) => results,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        });
        self.progress.files_read(files.len() as u64);
        for (file, result) in files.iter().zip(results) {
            match result {
                None => {}
                Some(FileRead::Failed(problem)) => {
                    self.stats.files_read += 1;
                    self.stats.skipped += 1;
                    self.warn(&file.relative, problem, true);
                }
                Some(FileRead::Parsed(format, outcome)) => {
                    self.record(&file.relative, format, outcome);
                }
            }
        }
        Ok(())
    }

    fn zip(&mut self, path: &Path) -> Result<(), LoadError> {
        let zip_err = |e: zip::result::ZipError| LoadError::Zip {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let file = fs::File::open(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zip_err)?;
        let archive_name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        self.progress.total(archive.len() as u64);
        for index in 0..archive.len() {
            if index % 64 == 0 {
                self.progress.files_read(index as u64);
            }
            let mut entry = match archive.by_index(index) {
                Ok(entry) => entry,
                Err(e) => {
                    self.stats.files_read += 1;
                    self.stats.skipped += 1;
                    let file = format!("{archive_name}:#{index}");
                    self.warn(&file, Problem::new(None, format!("cannot read: {e}")), true);
                    continue;
                }
            };
            if !entry.is_file() {
                continue;
            }
            let name = entry.name().to_string();
            let Some(format) = format_of(&name) else {
                continue;
            };
            let file = format!("{archive_name}:{name}");
            let mut bytes = Vec::new();
            if let Err(e) = (&mut entry).take(MAX_FILE_BYTES).read_to_end(&mut bytes) {
                self.stats.files_read += 1;
                self.stats.skipped += 1;
                self.warn(&file, Problem::new(None, format!("cannot read: {e}")), true);
                continue;
            }
            if format == SourceFormat::Rustsec && !rustsec::is_rustsec(&bytes) {
                continue;
            }
            self.file(&file, format, &bytes);
        }
        self.progress.files_read(archive.len() as u64);
        Ok(())
    }

    /// Parses one advisory file and records the outcome.
    fn file(&mut self, file: &str, format: SourceFormat, bytes: &[u8]) {
        let outcome = parse(file, format, bytes);
        self.record(file, format, outcome);
    }

    fn record(&mut self, file: &str, format: SourceFormat, outcome: FileOutcome) {
        self.stats.files_read += 1;
        match format {
            SourceFormat::Rustsec => self.rustsec_files += 1,
            _ => self.osv_files += 1,
        }
        match outcome {
            FileOutcome::Advisory(advisory, problems) => {
                for problem in problems {
                    self.warn(file, problem, false);
                }
                self.advisories.push(*advisory);
            }
            FileOutcome::Skipped(problem) => {
                self.stats.skipped += 1;
                self.warn(file, problem, true);
            }
        }
    }
}

fn parse(file: &str, format: SourceFormat, bytes: &[u8]) -> FileOutcome {
    match format {
        SourceFormat::Rustsec => parse_rustsec(file, bytes),
        _ => parse_osv(file, format, bytes),
    }
}

/// A candidate advisory file of a folder.
struct FolderFile {
    relative: String,
    path: PathBuf,
    format: SourceFormat,
}

/// What reading one candidate file gave (`None` from [`read_one`]: not an advisory).
enum FileRead {
    Failed(Problem),
    Parsed(SourceFormat, FileOutcome),
}

/// Lists the candidate advisory files under `dir` (`relative` is its path from the loaded
/// folder, `""` at the top), names sorted, hidden entries skipped.
fn collect(dir: &Path, relative: &str, out: &mut Vec<FolderFile>) -> std::io::Result<()> {
    let mut entries = fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let rel = if relative.is_empty() {
            name.clone()
        } else {
            format!("{relative}/{name}")
        };
        let file_type = entry.file_type()?;
        let path = entry.path();
        if file_type.is_dir() {
            collect(&path, &rel, out)?;
        } else if file_type.is_symlink() && path.is_dir() {
            // Links to folders are not followed: no cycles.
        } else if let Some(format) = format_of(&name) {
            out.push(FolderFile {
                relative: rel,
                path,
                format,
            });
        }
    }
    Ok(())
}

fn read_one(file: &FolderFile) -> Option<FileRead> {
    let bytes = match read_capped(&file.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return Some(FileRead::Failed(Problem::new(
                None,
                format!("cannot read: {e}"),
            )));
        }
    };
    if file.format == SourceFormat::Rustsec {
        if !rustsec::is_rustsec(&bytes) {
            return None; // a README or other prose
        }
        if file.relative.starts_with("rust/") {
            return Some(FileRead::Failed(Problem::new(
                None,
                "a Rust toolchain advisory (RustSec's rust/ collection), not a crate's",
            )));
        }
    }
    Some(FileRead::Parsed(
        file.format,
        parse(&file.relative, file.format, &bytes),
    ))
}

/// The first line of a parser's message (some render a source snippet below it).
pub(crate) fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

/// 1-based line of byte `offset` in `bytes`.
pub(crate) fn line_of(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// A one-line summary: the text up to its first line break, at most 200 characters.
pub(crate) fn one_line(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut out: String = line.chars().take(200).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    Some(out)
}

/// How many reference URLs an advisory keeps.
pub(crate) const MAX_REFERENCES: usize = 5;
