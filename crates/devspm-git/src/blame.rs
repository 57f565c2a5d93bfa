//! Line blame for attribution: which commit introduced each of a few lines of a file.
//!
//! gitoxide's blame gives, for lines of a file at a revision, the commit whose diff added them
//! (following renames). Attribution needs more than that, so this module continues past
//! commits that did not really write the line:
//!
//! - **cosmetic changes**: a commit whose version of the line equals the parent's once all
//!   whitespace is removed (re-indentation, trailing spaces), or which left the whole file the
//!   same apart from whitespace (a formatter that split or joined lines) — the line is followed
//!   into the parent;
//! - **moved code**: a line whose content the commit did not add to the file (the parent has at
//!   least as many lines with that content) was moved, not written — followed to the parent
//!   copy nearest to it;
//! - **`.git-blame-ignore-revs`**: listed commits are skipped the same way, with the file-level
//!   whitespace mapping as well;
//!
//! and reports what cannot be known: a shallow clone's boundary commit "introduced" every line
//! below it, so lines blamed on one are marked `boundary` rather than attributed.
//!
//! Each skipped commit is kept on the line as evidence, with the reason.

use std::collections::{BTreeMap, HashMap, HashSet};

use gix::ObjectId;
use gix::bstr::{BStr, ByteSlice};

use crate::blame_walk::{Walk, WalkCache, lock};
use crate::packread::{Objects, PackObjects, Scratch};
use crate::{GitError, Repo};

/// How hard blame tries to look past commits that did not write a line.
#[derive(Clone, Debug)]
pub struct BlameOptions {
    /// Follow lines past whitespace-only and moved-line changes.
    pub skip_cosmetic: bool,
    /// Honour `.git-blame-ignore-revs` at the blamed revision.
    pub ignore_revs_file: bool,
    /// Extra commits to skip (full hex ids).
    pub ignore_revs: Vec<String>,
    /// How many commits one line may be followed past.
    pub max_skips: usize,
    /// Follow lines past commits that only changed the version a line references (`uses:
    /// owner/action@REF`, `image: name:TAG`, `FROM name:TAG`): a pin or a version bump does not
    /// write the step, the job or the container around it.
    pub follow_ref_changes: bool,
}

impl Default for BlameOptions {
    fn default() -> Self {
        BlameOptions {
            skip_cosmetic: true,
            ignore_revs_file: true,
            ignore_revs: Vec::new(),
            max_skips: 8,
            follow_ref_changes: true,
        }
    }
}

/// A commit a line was followed past, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedCommit {
    pub commit: String,
    /// `whitespace`, `reformatted-file`, `moved-line` or `ignore-revs`.
    pub reason: String,
}

/// Where one line came from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineOrigin {
    /// The line in the blamed file (1-based).
    pub line: u32,
    /// The commit that introduced it.
    pub commit: String,
    /// The file's path in that commit (differs from the blamed path after a rename).
    pub path: String,
    /// The line's number in that commit's version of the file.
    pub source_line: u32,
    /// The commit is a shallow clone's boundary: the line may be older than the clone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub boundary: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedCommit>,
}

/// The blame of some lines of one file at one revision.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileBlame {
    /// The blob of the file at the revision (the cache key).
    pub blob: String,
    /// Lines in that blob.
    pub total_lines: u32,
    /// One entry per requested line that exists, in line order.
    pub lines: Vec<LineOrigin>,
    /// Requested lines past the end of the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub past_end: Vec<u32>,
}

/// Why a file could not be blamed at a revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlameMiss {
    /// The revision is not a commit of this repository.
    UnknownRevision(String),
    /// No file at that path in the revision.
    NoSuchFile,
    /// The path is a directory, a submodule or a symlink.
    NotAFile(&'static str),
    /// The file's content is binary.
    Binary,
}

impl std::fmt::Display for BlameMiss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlameMiss::UnknownRevision(r) => write!(f, "revision {r} is not in the repository"),
            BlameMiss::NoSuchFile => write!(f, "file not in the repository at that revision"),
            BlameMiss::NotAFile(what) => write!(f, "the path is {what}, not a file"),
            BlameMiss::Binary => write!(f, "the file is binary"),
        }
    }
}

/// What blames of one repository learn about its history (commits, trees, diffs, renames,
/// the origin of each blamed line), shared by blamers on several threads: made by
/// [`Blamer::new`], handed to [`Blamer::with_cache`] for the others.
#[derive(Clone)]
pub struct BlameCache(std::sync::Arc<WalkCache>);

impl BlameCache {
    /// An empty cache for `repo`.
    pub fn new(repo: &Repo) -> BlameCache {
        let local = repo.inner.to_thread_local();
        let packs = PackObjects::open(
            &local,
            crate::repo::mb_from_env("DEVSPM_DECODED_CACHE_MB").unwrap_or(DECODED_CACHE_BYTES),
        )
        .remembering_locations();
        BlameCache(std::sync::Arc::new(WalkCache::new(packs)))
    }
}

/// The decoded objects kept for all threads' blame walks: the trees and file versions of one
/// walk through a long history (curl's `lib/` tree is 10 KB in each of 20,000 commits) are
/// read again by the next walk through the same commits.
const DECODED_CACHE_BYTES: usize = 128 << 20;

/// Blames lines of files of one repository; holds caches of blob lines across calls, and
/// shares what its walks through the history learn ([`BlameCache`]) with other blamers.
pub struct Blamer {
    pub(crate) repo: gix::Repository,
    options: BlameOptions,
    pub(crate) shallow: HashSet<ObjectId>,
    walk: BlameCache,
    /// Lines in each blob blamed (`None`: binary).
    line_counts: HashMap<ObjectId, Option<u32>>,
    scratch: std::cell::RefCell<Scratch>,
    resource_cache: Option<gix::diff::blob::Platform>,
    /// Ignore-revs per revision tree (the file can differ between revisions).
    ignore_cache: HashMap<ObjectId, HashSet<ObjectId>>,
    lines_cache: HashMap<ObjectId, std::rc::Rc<BlobLines>>,
    lines_cache_bytes: usize,
}

/// How much memory the per-blamer cache of split blob lines may take.
const LINES_CACHE_BYTES: usize = 48 << 20;

/// The lines of a blob, and each line with its whitespace removed.
struct BlobLines {
    normalized: Vec<Vec<u8>>,
    /// A hash of each line as written, to tell a moved line from a re-indented one.
    raw: Vec<u64>,
    /// Count of each normalized content.
    counts: HashMap<Vec<u8>, u32>,
    /// The whole blob without whitespace, and where each line starts in it.
    stripped_len_before: Vec<usize>,
    stripped_hash: [u8; 32],
}

/// A line (whitespace removed) without the version it references, when it references one:
/// `-uses:actions/checkout@v4#comment` → `-uses:actions/checkout@`; `image:node:18` →
/// `image:node:`; `FROMnode:18-alpine` → `FROMnode:`. `None` for any other line.
fn without_ref(line: &[u8]) -> Option<Vec<u8>> {
    let find = |needle: &[u8]| line.windows(needle.len()).position(|w| w == needle);
    if let Some(at) = find(b"uses:") {
        let after = at + 5;
        let ref_at = after + line[after..].iter().position(|&b| b == b'@')?;
        return Some(line[..=ref_at].to_vec());
    }
    let start = if let Some(at) = find(b"image:") {
        at + 6
    } else if line.len() > 4 && line[..4].eq_ignore_ascii_case(b"FROM") {
        4
    } else {
        return None;
    };
    let rest = &line[start..];
    // A digest, else a tag: the last `:` after the last `/` (a registry's port comes before).
    let cut = match rest.iter().position(|&b| b == b'@') {
        Some(at) => at,
        None => {
            let name_from = rest.iter().rposition(|&b| b == b'/').map_or(0, |p| p + 1);
            name_from + rest[name_from..].iter().position(|&b| b == b':')?
        }
    };
    Some(line[..=start + cut].to_vec())
}

fn line_hash(line: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    line.hash(&mut h);
    h.finish()
}

impl BlobLines {
    fn new(data: &[u8]) -> BlobLines {
        use sha2::Digest;
        let mut normalized = Vec::new();
        let mut raw = Vec::new();
        let mut stripped_len_before = Vec::new();
        let mut total = 0usize;
        let mut hasher = sha2::Sha256::new();
        for line in data.lines_with_terminator() {
            let n = crate::linemap::strip_ws(line);
            raw.push(line_hash(line.trim_end()));
            stripped_len_before.push(total);
            total += n.len();
            hasher.update(&n);
            normalized.push(n);
        }
        let mut counts = HashMap::new();
        for n in &normalized {
            *counts.entry(n.clone()).or_insert(0) += 1;
        }
        BlobLines {
            normalized,
            raw,
            counts,
            stripped_len_before,
            stripped_hash: hasher.finalize().into(),
        }
    }

    /// The 1-based line holding the `offset`-th non-whitespace byte.
    fn line_at_stripped_offset(&self, offset: usize) -> u32 {
        let idx = self
            .stripped_len_before
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        // Skip lines without content (blank lines share their start with the next line).
        let mut i = idx;
        while i + 1 < self.normalized.len() && self.normalized[i].is_empty() {
            i += 1;
        }
        i as u32 + 1
    }

    /// Lines (1-based) whose normalized content is `n`, nearest to `near` first.
    fn nearest_equal(&self, n: &[u8], near: u32) -> Option<u32> {
        self.normalized
            .iter()
            .enumerate()
            .filter(|(_, l)| l.as_slice() == n)
            .map(|(i, _)| i as u32 + 1)
            .min_by_key(|&l| l.abs_diff(near))
    }
}

/// A line being followed: (requested line, line in the file being blamed, commits skipped).
type Pending = (u32, u32, Vec<SkippedCommit>);

/// Minimum non-whitespace length for a line to be followed as "moved": short lines (`}`,
/// `end`, `else:`) repeat everywhere and would be followed to a different line.
const MIN_MOVED_LEN: usize = 3;

impl Blamer {
    /// A blamer over `repo`.
    pub fn new(repo: &Repo, options: BlameOptions) -> Blamer {
        Blamer::with_cache(repo, options, &BlameCache::new(repo))
    }

    /// A blamer over `repo` that shares `cache` with others (one per thread).
    pub fn with_cache(repo: &Repo, options: BlameOptions, cache: &BlameCache) -> Blamer {
        let mut local = repo.inner.to_thread_local();
        local.object_cache_size_if_unset(32 << 20);
        let shallow = local
            .shallow_commits()
            .ok()
            .flatten()
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        Blamer {
            repo: local,
            options,
            shallow,
            ignore_cache: HashMap::new(),
            lines_cache: HashMap::new(),
            lines_cache_bytes: 0,
            walk: cache.clone(),
            line_counts: HashMap::new(),
            scratch: std::cell::RefCell::new(Scratch::default()),
            resource_cache: None,
        }
    }

    /// The cache this blamer shares, for blamers on other threads.
    pub fn cache(&self) -> BlameCache {
        self.walk.clone()
    }

    pub(crate) fn err(&self, reason: impl std::fmt::Display) -> GitError {
        GitError::Read {
            path: self.repo.path().display().to_string(),
            reason: reason.to_string(),
        }
    }

    /// Resolves a revision (full or abbreviated id, ref name, `HEAD`) to a commit id.
    pub fn resolve(&self, revision: &str) -> Option<String> {
        self.resolve_id(revision).map(|id| id.to_string())
    }

    pub(crate) fn resolve_id(&self, revision: &str) -> Option<ObjectId> {
        let spec = self.repo.rev_parse_single(revision).ok()?;
        let object = spec.object().ok()?;
        object.peel_to_commit().ok().map(|c| c.id)
    }

    /// The blob at `path` in `commit`, or why there is none.
    pub fn blob_at(&self, commit: &str, path: &str) -> Result<Result<String, BlameMiss>, GitError> {
        let Some(id) = self.resolve_id(commit) else {
            return Ok(Err(BlameMiss::UnknownRevision(commit.to_owned())));
        };
        Ok(self.entry_at(id, path)?.map(|b| b.to_string()))
    }

    pub(crate) fn entry_at(
        &self,
        commit: ObjectId,
        path: &str,
    ) -> Result<Result<ObjectId, BlameMiss>, GitError> {
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| self.err(e))?;
        let Some(entry) = tree.lookup_entry_by_path(path).map_err(|e| self.err(e))? else {
            return Ok(Err(BlameMiss::NoSuchFile));
        };
        let mode = entry.mode();
        if mode.is_tree() {
            return Ok(Err(BlameMiss::NotAFile("a directory")));
        }
        if mode.is_commit() {
            return Ok(Err(BlameMiss::NotAFile("a submodule")));
        }
        if mode.is_link() {
            return Ok(Err(BlameMiss::NotAFile("a symbolic link")));
        }
        Ok(Ok(entry.object_id()))
    }

    /// The content of the file at `path` in `commit`, if it is a readable file.
    pub fn read(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let Some(id) = self.resolve_id(commit) else {
            return Ok(None);
        };
        match self.entry_at(id, path)? {
            Ok(blob) => Ok(self.repo.find_blob(blob).ok().map(|b| b.data.clone())),
            Err(_) => Ok(None),
        }
    }

    /// The content of a blob by id.
    pub fn read_blob(&self, blob: &str) -> Option<Vec<u8>> {
        let id = ObjectId::from_hex(blob.as_bytes()).ok()?;
        self.repo.find_blob(id).ok().map(|b| b.data.clone())
    }

    /// Every file path (not directories or submodules) in `commit`'s tree.
    pub fn tree_paths(&self, commit: &str) -> Result<HashSet<String>, GitError> {
        let Some(id) = self.resolve_id(commit) else {
            return Ok(HashSet::new());
        };
        let tree = self
            .repo
            .find_commit(id)
            .and_then(|c| c.tree())
            .map_err(|e| self.err(e))?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        tree.traverse()
            .breadthfirst(&mut recorder)
            .map_err(|e| self.err(e))?;
        Ok(recorder
            .records
            .into_iter()
            .filter(|e| !e.mode.is_tree() && !e.mode.is_commit())
            .map(|e| e.filepath.to_str_lossy().into_owned())
            .collect())
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        let (Some(a), Some(d)) = (self.resolve_id(ancestor), self.resolve_id(descendant)) else {
            return false;
        };
        if a == d {
            return true;
        }
        self.repo
            .merge_base(a, d)
            .is_ok_and(|base| base.is_some_and(|b| b.detach() == a))
    }

    /// A commit's author time (seconds since the epoch).
    pub fn author_time(&self, commit: &str) -> Option<i64> {
        let id = self.resolve_id(commit)?;
        let c = self.repo.find_commit(id).ok()?;
        c.author()
            .ok()
            .and_then(|a| a.time().ok())
            .map(|t| t.seconds)
    }

    /// The parents of a commit.
    pub fn parents(&self, commit: &str) -> Vec<String> {
        self.resolve_id(commit)
            .and_then(|id| self.repo.find_commit(id).ok())
            .map(|c| c.parent_ids().map(|p| p.to_string()).collect())
            .unwrap_or_default()
    }

    fn blob_lines(&mut self, blob: ObjectId) -> Result<std::rc::Rc<BlobLines>, GitError> {
        if let Some(lines) = self.lines_cache.get(&blob) {
            return Ok(lines.clone());
        }
        let data = self.repo.find_blob(blob).map_err(|e| self.err(e))?;
        let lines = std::rc::Rc::new(BlobLines::new(&data.data));
        // Bounded: about three times the blob's size per entry.
        self.lines_cache_bytes += data.data.len() * 3;
        if self.lines_cache_bytes > LINES_CACHE_BYTES {
            self.lines_cache.clear();
            self.lines_cache_bytes = data.data.len() * 3;
        }
        self.lines_cache.insert(blob, lines.clone());
        Ok(lines)
    }

    fn ignore_revs(&mut self, revision: ObjectId) -> HashSet<ObjectId> {
        if let Some(set) = self.ignore_cache.get(&revision) {
            return set.clone();
        }
        let mut set: HashSet<ObjectId> = self
            .options
            .ignore_revs
            .iter()
            .filter_map(|h| ObjectId::from_hex(h.as_bytes()).ok())
            .collect();
        if self.options.ignore_revs_file
            && let Ok(Ok(blob)) = self.entry_at(revision, ".git-blame-ignore-revs")
            && let Ok(data) = self.repo.find_blob(blob)
        {
            for line in data.data.lines() {
                let line = line.trim();
                if line.is_empty() || line.starts_with(b"#") {
                    continue;
                }
                let hex = line
                    .split(|b| b.is_ascii_whitespace())
                    .next()
                    .unwrap_or(line);
                if let Ok(id) = ObjectId::from_hex(hex) {
                    set.insert(id);
                } else if let Ok(hex) = std::str::from_utf8(hex)
                    && let Some(id) = self.resolve_id(hex)
                {
                    set.insert(id);
                }
            }
        }
        self.ignore_cache.insert(revision, set.clone());
        set
    }

    /// Blames `lines` (1-based) of `path` at `revision`.
    pub fn blame(
        &mut self,
        revision: &str,
        path: &str,
        lines: &[u32],
    ) -> Result<Result<FileBlame, BlameMiss>, GitError> {
        let Some(rev) = self.resolve_id(revision) else {
            return Ok(Err(BlameMiss::UnknownRevision(revision.to_owned())));
        };
        let blob = match self.entry_at(rev, path)? {
            Ok(blob) => blob,
            Err(miss) => return Ok(Err(miss)),
        };
        let total = match self.line_counts.get(&blob) {
            Some(&known) => known,
            None => {
                let data = self.repo.find_blob(blob).map_err(|e| self.err(e))?;
                let count = (!data.data[..data.data.len().min(8000)].contains(&0))
                    .then(|| data.data.lines_with_terminator().count() as u32);
                if self.line_counts.len() >= 100_000 {
                    self.line_counts.clear();
                }
                self.line_counts.insert(blob, count);
                count
            }
        };
        let Some(total) = total else {
            return Ok(Err(BlameMiss::Binary));
        };
        let mut wanted: Vec<u32> = lines.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let past_end: Vec<u32> = wanted
            .iter()
            .copied()
            .filter(|&l| l > total || l == 0)
            .collect();
        wanted.retain(|&l| l >= 1 && l <= total);
        let ignore = self.ignore_revs(rev);

        // Work items: (requested line, commit to blame from, path there, line there, skips).
        let mut done: BTreeMap<u32, LineOrigin> = BTreeMap::new();
        let mut pending: Vec<(u32, ObjectId, String, u32, Vec<SkippedCommit>)> = wanted
            .iter()
            .map(|&l| (l, rev, path.to_owned(), l, Vec::new()))
            .collect();
        while !pending.is_empty() {
            // Group by (commit, path) so each gix blame call covers all its lines.
            let mut groups: BTreeMap<(ObjectId, String), Vec<Pending>> = BTreeMap::new();
            for (orig, commit, p, line, skips) in pending.drain(..) {
                groups
                    .entry((commit, p))
                    .or_default()
                    .push((orig, line, skips));
            }
            for ((commit, p), items) in groups {
                let raw = self.raw_blame(commit, &p, items.iter().map(|i| i.1))?;
                for (orig, line, skips) in items {
                    let Some(&(intro, ref source_path, source_line)) = raw.get(&line) else {
                        continue;
                    };
                    let follow = if skips.len() < self.options.max_skips {
                        self.follow(intro, source_path, source_line, &ignore)?
                    } else {
                        None
                    };
                    match follow {
                        Some((parent, parent_path, parent_line, reason)) => {
                            let mut skips = skips;
                            skips.push(SkippedCommit {
                                commit: intro.to_string(),
                                reason: reason.to_owned(),
                            });
                            pending.push((orig, parent, parent_path, parent_line, skips));
                        }
                        None => {
                            done.insert(
                                orig,
                                LineOrigin {
                                    line: orig,
                                    commit: intro.to_string(),
                                    path: source_path.clone(),
                                    source_line,
                                    boundary: self.shallow.contains(&intro),
                                    skipped: skips,
                                },
                            );
                        }
                    }
                }
            }
        }
        Ok(Ok(FileBlame {
            blob: blob.to_string(),
            total_lines: total,
            lines: done.into_values().collect(),
            past_end,
        }))
    }

    /// gitoxide's blame of some lines ([`crate::blame_walk`]): line → (commit, path in
    /// commit, line in commit). Lines blamed before from the same commit and path, by this
    /// blamer or one sharing its cache, are answered from the cache; one walk covers the rest.
    fn raw_blame(
        &mut self,
        commit: ObjectId,
        path: &str,
        lines: impl Iterator<Item = u32>,
    ) -> Result<HashMap<u32, (ObjectId, String, u32)>, GitError> {
        let mut sorted: Vec<u32> = lines.collect();
        sorted.sort_unstable();
        sorted.dedup();
        let cache = self.walk.0.clone();
        let path_id = cache.path_id(BStr::new(path.as_bytes()));
        let mut out = HashMap::new();
        let mut missing: Vec<u32> = Vec::new();
        {
            let known = lock(&cache.lines);
            for &l in &sorted {
                match known.get(&(commit, path_id, l)) {
                    Some(Some((origin, source_path, source_line))) => {
                        out.insert(
                            l,
                            (*origin, cache.path(*source_path).to_string(), *source_line),
                        );
                    }
                    Some(None) => {}
                    None => missing.push(l),
                }
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        // 0-based, end-exclusive ranges of consecutive lines.
        let mut ranges: Vec<std::ops::Range<u32>> = Vec::new();
        for l in missing.iter().filter(|&&l| l > 0) {
            match ranges.last_mut() {
                Some(r) if r.end == *l - 1 => r.end = *l,
                _ => ranges.push(*l - 1..*l),
            }
        }
        if self.resource_cache.is_none() {
            let created = self
                .repo
                .diff_resource_cache_for_tree_diff()
                .map_err(|e| self.err(e))?;
            self.resource_cache = Some(created);
        }
        let Some(resource_cache) = self.resource_cache.as_mut() else {
            return Ok(out);
        };
        let objects = Objects {
            packs: &cache.packs,
            scratch: &self.scratch,
            fallback: &self.repo.objects,
        };
        let mut walk = Walk {
            cache: &cache,
            odb: &objects,
            resource_cache,
            algorithm: gix::diff::blob::Algorithm::Histogram,
            rewrites: Some(gix::diff::Rewrites::default()),
        };
        let entries = walk
            .blame(commit, BStr::new(path.as_bytes()), &ranges)
            .map_err(|e| GitError::Read {
                path: self.repo.path().display().to_string(),
                reason: format!("blame of {path} at {commit}: {e}"),
            })?;
        let mut found: HashMap<u32, (ObjectId, u32, u32)> = HashMap::new();
        for entry in &entries {
            let source = entry
                .source_file_name
                .as_ref()
                .map_or(path_id, |n| cache.path_id(n.as_ref()));
            for k in 0..entry.len {
                let blamed = entry.start_in_blamed_file + k + 1;
                if missing.binary_search(&blamed).is_ok() {
                    found.insert(
                        blamed,
                        (entry.commit_id, source, entry.start_in_source_file + k + 1),
                    );
                }
            }
        }
        let mut known = lock(&cache.lines);
        if known.len() >= 1_000_000 {
            known.clear();
        }
        for &l in &missing {
            let origin = found.get(&l).copied();
            if let Some((c, p, sl)) = origin {
                out.insert(l, (c, cache.path(p).to_string(), sl));
            }
            known.insert((commit, path_id, l), origin);
        }
        Ok(out)
    }

    /// Whether the line `line` of `path` as introduced by `commit` should be followed into a
    /// parent: (parent, path there, line there, reason).
    fn follow(
        &mut self,
        commit: ObjectId,
        path: &str,
        line: u32,
        ignore: &HashSet<ObjectId>,
    ) -> Result<Option<(ObjectId, String, u32, &'static str)>, GitError> {
        if !self.options.skip_cosmetic && !ignore.contains(&commit) {
            return Ok(None);
        }
        if self.shallow.contains(&commit) {
            return Ok(None);
        }
        let parents: Vec<ObjectId> = {
            let c = self.repo.find_commit(commit).map_err(|e| self.err(e))?;
            c.parent_ids().map(|p| p.detach()).collect()
        };
        let Some(&parent) = parents.first() else {
            return Ok(None);
        };
        let Ok(child_blob) = self.entry_at(commit, path)? else {
            return Ok(None);
        };
        // The file may have had another name in the parent (renamed by this commit).
        let (parent_path, parent_blob) = match self.entry_at(parent, path)? {
            Ok(blob) => (path.to_owned(), blob),
            Err(_) => match self.renamed_from(parent, commit, path)? {
                Some(found) => found,
                None => return Ok(None),
            },
        };
        let child = self.blob_lines(child_blob)?;
        let old = self.blob_lines(parent_blob)?;
        let idx = (line - 1) as usize;
        let Some(n) = child.normalized.get(idx) else {
            return Ok(None);
        };
        let ignored = ignore.contains(&commit);
        // The file is the same once whitespace is removed: a formatter ran.
        if child.stripped_hash == old.stripped_hash && !n.is_empty() {
            let offset = child.stripped_len_before[idx];
            let mapped = old.line_at_stripped_offset(offset);
            let reason = if ignored {
                "ignore-revs"
            } else {
                "reformatted-file"
            };
            return Ok(Some((parent, parent_path, mapped, reason)));
        }
        // Only the referenced version changed (a pin, a bump): the line is older than that.
        if self.options.follow_ref_changes
            && !ignored
            && let Some(unversioned) = without_ref(n)
        {
            let (Ok(new), Ok(old_bytes)) = (
                self.repo.find_blob(child_blob).map(|b| b.data.clone()),
                self.repo.find_blob(parent_blob).map(|b| b.data.clone()),
            ) else {
                return Ok(None);
            };
            if let Some(mapped) = crate::linemap::map_through_diff(&old_bytes, &new, line, None)
                && let Some(before) = old.normalized.get((mapped - 1) as usize)
                && before != n
                && without_ref(before).as_deref() == Some(unversioned.as_slice())
            {
                return Ok(Some((parent, parent_path, mapped, "ref-change")));
            }
        }
        if n.len() < MIN_MOVED_LEN && !ignored {
            return Ok(None);
        }
        let in_child = child.counts.get(n).copied().unwrap_or(0);
        let in_parent = old.counts.get(n).copied().unwrap_or(0);
        // The commit did not add this content to the file: it re-indented or moved it.
        if in_parent >= in_child || (ignored && in_parent > 0) {
            let Some(mapped) = old.nearest_equal(n, line) else {
                return Ok(None);
            };
            let reason = if ignored {
                "ignore-revs"
            } else if old.raw[(mapped - 1) as usize] == child.raw[idx] {
                "moved-line"
            } else {
                "whitespace"
            };
            return Ok(Some((parent, parent_path, mapped, reason)));
        }
        // A listed commit that changed more than whitespace: like `git blame --ignore-rev`,
        // take the line of the hunk it replaced that is most like it (or at the same place).
        if ignored {
            let (Ok(new), Ok(old)) = (
                self.repo.find_blob(child_blob).map(|b| b.data.clone()),
                self.repo.find_blob(parent_blob).map(|b| b.data.clone()),
            ) else {
                return Ok(None);
            };
            if let Some(mapped) = crate::linemap::map_through_diff(&old, &new, line, None) {
                return Ok(Some((parent, parent_path, mapped, "ignore-revs")));
            }
        }
        Ok(None)
    }

    /// The path and blob in `parent` of the file `commit` has at `path`, when `commit`
    /// renamed it.
    fn renamed_from(
        &self,
        parent: ObjectId,
        commit: ObjectId,
        path: &str,
    ) -> Result<Option<(String, ObjectId)>, GitError> {
        let tree = |id: ObjectId| {
            self.repo
                .find_commit(id)
                .and_then(|c| c.tree())
                .map_err(|e| self.err(e))
        };
        let (old_tree, new_tree) = (tree(parent)?, tree(commit)?);
        let mut found = None;
        let mut platform = old_tree.changes().map_err(|e| self.err(e))?;
        platform.options(|o| {
            o.track_path()
                .track_rewrites(Some(gix::diff::Rewrites::default()));
        });
        platform
            .for_each_to_obtain_tree(&new_tree, |change| {
                if let gix::object::tree::diff::Change::Rewrite {
                    source_location,
                    source_id,
                    location,
                    ..
                } = change
                    && location == path.as_bytes()
                {
                    found = Some((
                        source_location.to_str_lossy().into_owned(),
                        source_id.detach(),
                    ));
                    return Ok(std::ops::ControlFlow::Break(()));
                }
                Ok(std::ops::ControlFlow::Continue(()))
            })
            .map_err(|e| self.err(e))?;
        Ok(found)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn references_without_their_version() {
        let cut = |line: &str| {
            without_ref(&crate::linemap::strip_ws(line.as_bytes()))
                .map(|v| String::from_utf8(v).unwrap())
        };
        assert_eq!(
            cut("      - uses: actions/checkout@v4").as_deref(),
            Some("-uses:actions/checkout@")
        );
        assert_eq!(
            cut("  - uses: actions/checkout@11bd719 # v4.2.2").as_deref(),
            Some("-uses:actions/checkout@")
        );
        assert_eq!(
            cut("    image: node:18-alpine").as_deref(),
            Some("image:node:")
        );
        assert_eq!(
            cut("image: registry:5000/team/app@sha256:abc").as_deref(),
            Some("image:registry:5000/team/app@")
        );
        assert_eq!(cut("FROM rust:1.80 AS build").as_deref(), Some("FROMrust:"));
        assert_eq!(cut("    run: make test"), None);
        assert_eq!(cut("    image: node"), None);
    }
    use std::path::Path;
    use std::process::Command;

    /// Runs git in `dir` with a fixed identity and date; returns stdout.
    pub(crate) fn git(dir: &Path, who: &str, date: &str, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", who)
            .env(
                "GIT_AUTHOR_EMAIL",
                format!("{}@example.com", who.to_lowercase()),
            )
            .env("GIT_COMMITTER_NAME", who)
            .env(
                "GIT_COMMITTER_EMAIL",
                format!("{}@example.com", who.to_lowercase()),
            )
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    pub(crate) fn commit(
        dir: &Path,
        who: &str,
        date: &str,
        file: &str,
        content: &str,
        msg: &str,
    ) -> String {
        if let Some(parent) = Path::new(file).parent() {
            std::fs::create_dir_all(dir.join(parent)).unwrap();
        }
        std::fs::write(dir.join(file), content).unwrap();
        git(dir, who, date, &["add", "-A"]);
        git(dir, who, date, &["commit", "-q", "-m", msg]);
        git(dir, who, date, &["rev-parse", "HEAD"])
    }

    fn origin(blame: &FileBlame, line: u32) -> &LineOrigin {
        blame
            .lines
            .iter()
            .find(|o| o.line == line)
            .expect("line blamed")
    }

    #[test]
    fn lines_are_followed_past_cosmetic_moved_and_ignored_commits() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(
            dir,
            "Setup",
            "2024-01-01T00:00:00Z",
            &["init", "-q", "-b", "main"],
        );
        let alice = commit(
            dir,
            "Alice",
            "2024-01-01T10:00:00Z",
            "src/a.py",
            "import os\n\ndef run(cmd):\n    os.system(cmd)\n    return 0\n\ndef other():\n    value = compute_something(1, 2)\n    return value\n",
            "alice writes",
        );
        // Bob re-indents the vulnerable line and adds a genuinely new line.
        let bob = commit(
            dir,
            "Bob",
            "2024-02-01T10:00:00Z",
            "src/a.py",
            "import os\n\ndef run(cmd):\n      os.system(cmd)\n    log(cmd)\n    return 0\n\ndef other():\n    value = compute_something(1, 2)\n    return value\n",
            "bob reindents",
        );
        // Carol moves `other` above `run` (moved lines) and renames the file.
        std::fs::create_dir_all(dir.join("lib")).unwrap();
        git(
            dir,
            "Carol",
            "2024-03-01T10:00:00Z",
            &["mv", "src/a.py", "lib/a.py"],
        );
        let carol = commit(
            dir,
            "Carol",
            "2024-03-01T10:00:00Z",
            "lib/a.py",
            "import os\n\ndef other():\n    value = compute_something(1, 2)\n    return value\n\ndef run(cmd):\n      os.system(cmd)\n    log(cmd)\n    return 0\n",
            "carol moves and renames",
        );
        // A formatter splits the call over lines; its commit is listed in ignore-revs too.
        let fmt = commit(
            dir,
            "Fmt",
            "2024-04-01T10:00:00Z",
            "lib/a.py",
            "import os\n\ndef other():\n    value = compute_something(\n        1, 2)\n    return value\n\ndef run(cmd):\n    os.system(cmd)\n    log(cmd)\n    return 0\n",
            "format",
        );
        let head = commit(
            dir,
            "Fmt",
            "2024-04-02T10:00:00Z",
            ".git-blame-ignore-revs",
            &format!("# formatter\n{fmt}\n"),
            "ignore formatter",
        );
        let repo = crate::open(dir).unwrap();
        let mut blamer = Blamer::new(&repo, BlameOptions::default());
        let blame = blamer
            .blame(&head, "lib/a.py", &[4, 5, 9, 10, 99])
            .unwrap()
            .unwrap();
        assert_eq!(blame.past_end, vec![99]);
        // A blamer sharing the cache (another thread's) answers the same, for lines blamed
        // before and others.
        let mut sibling = Blamer::with_cache(&repo, BlameOptions::default(), &blamer.cache());
        assert_eq!(
            sibling
                .blame(&head, "lib/a.py", &[99, 10, 9, 5, 4])
                .unwrap(),
            Ok(blame.clone())
        );
        let some = sibling.blame(&head, "lib/a.py", &[1, 9]).unwrap().unwrap();
        let fresh = Blamer::new(&repo, BlameOptions::default())
            .blame(&head, "lib/a.py", &[1, 9])
            .unwrap()
            .unwrap();
        assert_eq!(some, fresh);
        // `value = compute_something(` — reformatted, moved, renamed: Alice's.
        let o = origin(&blame, 4);
        assert_eq!(o.commit, alice, "{o:?}");
        assert_eq!(o.path, "src/a.py");
        assert!(o.skipped.iter().any(|s| s.commit == fmt), "{o:?}");
        assert!(
            o.skipped
                .iter()
                .any(|s| s.commit == carol && s.reason == "moved-line"),
            "{o:?}"
        );
        // `os.system(cmd)`: re-indented by Bob, again by the formatter: Alice's.
        let o = origin(&blame, 9);
        assert_eq!(o.commit, alice, "{o:?}");
        assert!(
            o.skipped
                .iter()
                .any(|s| s.commit == bob && s.reason == "whitespace"),
            "{o:?}"
        );
        // `log(cmd)` is Bob's own line.
        assert_eq!(origin(&blame, 10).commit, bob);

        // Without the cosmetic rules, blame stops at the formatter, as `git blame` does.
        let mut plain = Blamer::new(
            &repo,
            BlameOptions {
                skip_cosmetic: false,
                ignore_revs_file: false,
                ignore_revs: Vec::new(),
                max_skips: 0,
                follow_ref_changes: false,
            },
        );
        let blame = plain.blame(&head, "lib/a.py", &[9]).unwrap().unwrap();
        assert_eq!(origin(&blame, 9).commit, fmt);

        // What cannot be blamed says why.
        assert_eq!(
            blamer
                .blame(&head, "missing.py", &[1])
                .unwrap()
                .unwrap_err(),
            BlameMiss::NoSuchFile
        );
        assert!(matches!(
            blamer.blame("0000000", "lib/a.py", &[1]).unwrap(),
            Err(BlameMiss::UnknownRevision(_))
        ));
        assert!(matches!(
            blamer.blame(&head, "lib", &[1]).unwrap(),
            Err(BlameMiss::NotAFile(_))
        ));
    }

    #[test]
    fn fix_changes_list_removed_lines_and_context_of_insertions() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(
            dir,
            "Setup",
            "2024-01-01T00:00:00Z",
            &["init", "-q", "-b", "main"],
        );
        commit(
            dir,
            "Alice",
            "2024-01-01T10:00:00Z",
            "a.c",
            "int f(int x) {\n  return buf[x];\n}\n",
            "add",
        );
        let fix = commit(
            dir,
            "Bob",
            "2024-02-01T10:00:00Z",
            "a.c",
            "int f(int x) {\n  if (x < 0) return 0;\n  return buf[x];\n}\n",
            "fix",
        );
        let repo = crate::open(dir).unwrap();
        let blamer = Blamer::new(&repo, BlameOptions::default());
        let changes = blamer.fix_changes(&fix).unwrap().unwrap();
        assert_eq!(changes.files.len(), 1);
        let f = &changes.files[0];
        assert!(f.removed.is_empty());
        assert_eq!(f.context, vec![1, 2]);
        assert_eq!(f.added_text, vec![b"if(x<0)return0;".to_vec()]);
        assert!(matches!(
            blamer.fix_changes("deadbeef").unwrap(),
            Err(crate::FixMiss::UnknownCommit)
        ));
    }

    #[test]
    fn stripped_offsets_map_split_lines_back() {
        let old = BlobLines::new(b"a = f(1, 2)\nb = 3\n");
        let new = BlobLines::new(b"a = f(\n    1, 2)\nb = 3\n");
        assert_eq!(old.stripped_hash, new.stripped_hash);
        // Line 3 of the new version (`b = 3`) is line 2 of the old.
        assert_eq!(old.line_at_stripped_offset(new.stripped_len_before[2]), 2);
        assert_eq!(old.line_at_stripped_offset(new.stripped_len_before[1]), 1);
        assert!((crate::similarity(b"returnbuf[x];", b"returnbuf[x+1];") - 0.85).abs() < 0.1);
    }
}
