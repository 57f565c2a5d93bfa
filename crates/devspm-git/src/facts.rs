//! What one commit says, read by a worker thread: people, message, signature kind, and the
//! files changed against the first parent with added/removed line counts.
//!
//! Nothing here fails the whole ingest: an object that cannot be read is noted in `gaps` and
//! the rest of the commit is still recorded.

use devspm_core::bytes::GitBytes;
use devspm_core::commit::SignatureKind;
use devspm_core::event::{ChangeKind, FileChange, FileMode};
use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::diff::tree_with_rewrites::ChangeRef as Change;

use std::cell::RefCell;

use crate::packread::{Objects, PackObjects, Scratch, Shared};

/// A person line of a commit, as bytes.
#[derive(Clone, Debug)]
pub(crate) struct RawPerson {
    pub name: Vec<u8>,
    pub email: Vec<u8>,
    pub time: i64,
    pub offset: i32,
}

impl RawPerson {
    /// An absent person line.
    fn unknown() -> RawPerson {
        RawPerson {
            name: Vec::new(),
            email: Vec::new(),
            time: 0,
            offset: 0,
        }
    }
}

/// Everything ingest records about one commit, before aliases are assigned.
#[derive(Debug)]
pub(crate) struct CommitFacts {
    pub id: ObjectId,
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    pub author: RawPerson,
    pub committer: RawPerson,
    pub message: Vec<u8>,
    pub encoding: Option<String>,
    pub signature: SignatureKind,
    /// The key the signature names (`crate::signing_key`), unverified.
    pub signing_key: Option<String>,
    pub diff_base: Option<ObjectId>,
    pub shallow_boundary: bool,
    pub files: Vec<FileChange>,
    pub gaps: Vec<String>,
    /// Blobs of the changed files over the size limit, whose lines were not counted.
    pub oversized: Vec<Oversized>,
}

/// A blob not read because it is larger than the limit ([`crate::IngestOptions::max_blob_bytes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Oversized {
    pub path: GitBytes,
    pub blob: ObjectId,
    pub size: u64,
    /// The size of the version it is stored as a delta of, when that is what is too large.
    pub base: Option<u64>,
}

impl Oversized {
    /// "is N bytes", or "is N bytes stored as a delta of a M-byte version".
    pub fn size_text(&self) -> String {
        match self.base {
            None => format!("is {} bytes", self.size),
            Some(base) => format!(
                "is {} bytes stored as a delta of a {base}-byte version",
                self.size
            ),
        }
    }
}

/// Why the lines of a blob pair were not counted.
#[derive(Debug)]
pub(crate) enum Uncounted {
    /// A side is missing or corrupt.
    Unreadable,
    /// A side (or the version it is stored as a delta of) is larger than the limit: not read.
    TooLarge {
        blob: ObjectId,
        size: u64,
        base: Option<u64>,
    },
}

/// Line counts already computed, by (old blob, new blob); `None` marks a binary pair.
///
/// Shared by the reader threads. A merge diffed against its first parent mostly repeats blob
/// pairs its branch's commits already changed, and the same pair recurs across branches, so
/// most merges cost a tree diff and lookups instead of reading and diffing blobs again.
#[derive(Default)]
pub(crate) struct LineCounts {
    pairs: std::sync::Mutex<std::collections::HashMap<PairKey, Option<(u32, u32)>>>,
}

/// (old blob, new blob); the null id stands for an absent side.
type BlobPair = (ObjectId, ObjectId);

/// A blob pair by the first 8 bytes of each id. Ids are SHA-1 digests, so two different pairs
/// share a key with probability 2^-128: as good as the full ids at less than half the memory.
type PairKey = (u64, u64);

fn pair_key((old, new): &BlobPair) -> PairKey {
    let prefix = |id: &ObjectId| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&id.as_bytes()[..8]);
        u64::from_le_bytes(bytes)
    };
    (prefix(old), prefix(new))
}

impl LineCounts {
    /// Entries kept before the cache starts over (about 10 MB at most).
    const LIMIT: usize = 250_000;

    fn get(&self, key: &BlobPair) -> Option<Option<(u32, u32)>> {
        self.pairs.lock().ok()?.get(&pair_key(key)).copied()
    }

    fn put(&self, key: BlobPair, counts: Option<(u32, u32)>) {
        if let Ok(mut pairs) = self.pairs.lock() {
            if pairs.len() >= Self::LIMIT {
                pairs.clear();
            }
            pairs.insert(pair_key(&key), counts);
        }
    }
}

/// Per-thread reader state: the repository handle and the reusable diff caches.
pub(crate) struct Reader<'c> {
    counts: &'c LineCounts,
    repo: gix::Repository,
    /// Used by the tree diff for rename detection.
    tree_cache: gix::diff::blob::Platform,
    /// Buffers for the two blobs of a change being counted, when read through gitoxide.
    blobs: BlobBuffers,
    /// Commits, trees and blobs read straight from the packs, and this thread's scratch space.
    packs: &'c PackObjects,
    scratch: RefCell<Scratch>,
    /// Reused by the tree diff.
    tree_state: gix::diff::tree::State,
    shallow: std::collections::HashSet<ObjectId>,
    /// Blobs larger than this are not read.
    max_blob_bytes: u64,
    /// Oversized blobs met by the diff of the commit being read.
    oversized: Vec<Oversized>,
}

impl<'c> Reader<'c> {
    pub fn new(
        mut repo: gix::Repository,
        counts: &'c LineCounts,
        packs: &'c PackObjects,
        max_blob_bytes: u64,
    ) -> Result<Reader<'c>, String> {
        // Rename detection reads blobs too: past the limit it treats them as binary (sized from
        // their headers, never read), as git does past `core.bigFileThreshold`.
        repo.config_snapshot_mut()
            .set_raw_value("core.bigFileThreshold", max_blob_bytes.to_string().as_str())
            .map_err(|e| e.to_string())?;
        let tree_cache = repo
            .diff_resource_cache_for_tree_diff()
            .map_err(|e| e.to_string())?;
        let shallow = crate::repo::shallow_commits(&repo);
        Ok(Reader {
            counts,
            repo,
            tree_cache,
            blobs: BlobBuffers::default(),
            packs,
            scratch: RefCell::default(),
            tree_state: gix::diff::tree::State::default(),
            shallow,
            max_blob_bytes,
            oversized: Vec::new(),
        })
    }

    /// Reads one commit; `Err` only when the commit object itself is missing or not a commit.
    /// A commit gix cannot parse (a malformed author line, say) is read leniently instead, and
    /// what could not be understood is noted in its gaps.
    pub fn read(&mut self, id: ObjectId) -> Result<CommitFacts, String> {
        let commit = self.commit_bytes(id)?;
        let mut gaps = Vec::new();
        let decoded = gix::objs::CommitRef::from_bytes(&commit, id.kind());
        let (tree, parents, author, committer, (signature, signing_key), message, encoding) =
            match decoded {
                Ok(decoded) => {
                    let author = person(decoded.author(), "author", &mut gaps);
                    let committer = person(decoded.committer(), "committer", &mut gaps);
                    let headers = decoded.extra_headers();
                    let signature = headers
                        .pgp_signature()
                        .or_else(|| decoded.extra_headers().find("gpgsig-sha256"))
                        .map_or((SignatureKind::None, None), |sig| {
                            (
                                SignatureKind::from_armor(sig),
                                crate::signing_key::signing_key(sig),
                            )
                        });
                    (
                        decoded.tree(),
                        decoded.parents().collect::<Vec<ObjectId>>(),
                        author,
                        committer,
                        signature,
                        decoded.message.to_vec(),
                        decoded.encoding.map(|e| e.to_str_lossy().into_owned()),
                    )
                }
                Err(e) => {
                    gaps.push(format!("commit header is malformed ({e}); read leniently"));
                    let raw = lenient_commit(&commit, &mut gaps);
                    (
                        raw.tree,
                        raw.parents,
                        raw.author,
                        raw.committer,
                        (raw.signature, raw.signing_key),
                        raw.message,
                        raw.encoding,
                    )
                }
            };

        let shallow_boundary = self.shallow.contains(&id);
        let mut diff_base = None;
        let mut base_tree = None;
        if let Some(first) = parents.first().copied().filter(|_| !shallow_boundary) {
            match self.commit_bytes(first).map(|p| {
                gix::objs::CommitRefIter::from_bytes(&p, first.kind())
                    .tree_id()
                    .unwrap_or_else(|_| lenient_commit(&p, &mut Vec::new()).tree)
            }) {
                Ok(t) => {
                    diff_base = Some(first);
                    base_tree = Some(t);
                }
                Err(e) => gaps.push(format!(
                    "first parent {first} is unreadable ({e}); files listed against the empty tree"
                )),
            }
        }
        // Renames by content similarity are detected on the commits that made them; a merge's
        // first-parent diff repeats its branch's changes, where comparing every added file with
        // every deleted one is costly and adds nothing, so merges detect exact renames only.
        let renames = if parents.len() > 1 {
            Renames::Exact
        } else {
            Renames::Similar
        };
        let files = match self.diff(base_tree, tree, renames) {
            Ok(files) => files,
            Err(e) => {
                gaps.push(format!("tree diff failed: {e}"));
                Vec::new()
            }
        };
        if files.iter().any(|f| f.unreadable) {
            gaps.push("some blobs are missing from the object database".to_owned());
        }
        let mut oversized = std::mem::take(&mut self.oversized);
        oversized.sort_by(|a, b| (&a.path.0, a.blob).cmp(&(&b.path.0, b.blob)));
        oversized.dedup();
        for o in &oversized {
            gaps.push(format!(
                "lines of {} not counted: blob {} {}, over the {}-byte limit",
                o.path.to_lossy(),
                o.blob,
                o.size_text(),
                self.max_blob_bytes
            ));
        }
        Ok(CommitFacts {
            id,
            tree,
            parents,
            author,
            committer,
            message,
            encoding,
            signature,
            signing_key,
            diff_base,
            shallow_boundary,
            files,
            gaps,
            oversized,
        })
    }

    /// The raw bytes of commit `id`: from the packs when it is there, else through gitoxide.
    fn commit_bytes(&self, id: ObjectId) -> Result<Shared, String> {
        if let Ok(mut scratch) = self.scratch.try_borrow_mut()
            && let Some((gix::object::Kind::Commit, data)) = self.packs.object(&id, &mut scratch)
        {
            return Ok(data);
        }
        let commit = self.repo.find_commit(id).map_err(|e| e.to_string())?;
        Ok(Shared::new(commit.data.clone()))
    }

    /// Diffs `base` (or the empty tree) against `tree`, with rename detection when every blob
    /// needed for it can be read.
    fn diff(
        &mut self,
        base: Option<ObjectId>,
        tree: ObjectId,
        renames: Renames,
    ) -> Result<Vec<FileChange>, String> {
        let Reader {
            repo,
            tree_cache,
            tree_state,
            blobs,
            counts,
            packs,
            scratch,
            max_blob_bytes,
            oversized,
            ..
        } = self;
        let new_tree = tree_bytes(repo, packs, scratch, tree)?;
        let old_tree = match base {
            Some(id) => tree_bytes(repo, packs, scratch, id)?,
            None => Shared::default(),
        };
        let objects = Objects {
            packs,
            scratch,
            fallback: &repo.objects,
        };
        let mut blobs = BlobSource {
            repo,
            buffers: blobs,
            packs,
            scratch,
            limit: *max_blob_bytes,
            oversized,
        };
        let mut diff = |renames| {
            // A failed first attempt is diffed again: keep only what the second one meets.
            blobs.oversized.clear();
            diff_trees(
                (&old_tree, &new_tree, tree.kind()),
                renames,
                (tree_cache, &mut *tree_state),
                &objects,
                &mut blobs,
                counts,
            )
        };
        let result = match diff(renames) {
            Ok(files) => Ok(files),
            // Rename detection reads blobs; a repository missing some (partial clone) still
            // gets its file list without it.
            Err(_) => diff(Renames::Off),
        };
        tree_cache.clear_resource_cache_keep_allocation();
        result
    }
}

/// The bytes of tree `id`: from the packs when it is there, else through gitoxide.
fn tree_bytes(
    repo: &gix::Repository,
    packs: &PackObjects,
    scratch: &RefCell<Scratch>,
    id: ObjectId,
) -> Result<Shared, String> {
    if let Ok(mut scratch) = scratch.try_borrow_mut()
        && let Some((gix::object::Kind::Tree, data)) = packs.object(&id, &mut scratch)
    {
        return Ok(data);
    }
    let tree = repo.find_tree(id).map_err(|e| e.to_string())?;
    Ok(Shared::new(tree.data.clone()))
}

/// How renames are detected in a tree diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Renames {
    /// Exact and similar content (git's default 50% similarity).
    Similar,
    /// Identical content only.
    Exact,
    /// None (used when blobs needed for detection are missing).
    Off,
}

/// The file changes between two trees (their raw bytes, and the kind of their ids).
fn diff_trees(
    (old_tree, new_tree, hash): (&[u8], &[u8], gix::hash::Kind),
    renames: Renames,
    (tree_cache, state): (&mut gix::diff::blob::Platform, &mut gix::diff::tree::State),
    objects: &Objects<'_>,
    blobs: &mut BlobSource<'_>,
    counts: &LineCounts,
) -> Result<Vec<FileChange>, String> {
    let mut files = Vec::new();
    let options = gix::diff::tree_with_rewrites::Options {
        location: Some(gix::diff::tree::recorder::Location::Path),
        rewrites: match renames {
            Renames::Similar => Some(gix::diff::Rewrites::default()),
            Renames::Exact => Some(gix::diff::Rewrites {
                percentage: None,
                ..gix::diff::Rewrites::default()
            }),
            Renames::Off => None,
        },
    };
    gix::diff::tree_with_rewrites(
        gix::objs::TreeRefIter::from_bytes(old_tree, hash),
        gix::objs::TreeRefIter::from_bytes(new_tree, hash),
        tree_cache,
        state,
        objects,
        |change| {
            if let Some(file) = file_change(&change, blobs, counts) {
                files.push(file);
            }
            Ok(std::ops::ControlFlow::Continue(()))
        },
        options,
    )
    .map_err(|e| e.to_string())?;
    Ok(files)
}

/// One tree-diff change as a recorded file change (directories are skipped).
fn file_change(
    change: &Change<'_>,
    blobs: &mut BlobSource<'_>,
    counts: &LineCounts,
) -> Option<FileChange> {
    let null = ObjectId::null(gix::hash::Kind::Sha1);
    let (pair, known) = match *change {
        Change::Addition { id, .. } => ((null, id), None),
        Change::Deletion { id, .. } => ((id, null), None),
        Change::Modification {
            previous_id, id, ..
        } => ((previous_id, id), None),
        Change::Rewrite {
            source_id,
            id,
            diff,
            ..
        } => (
            (source_id, id),
            // Rename detection already diffed this pair to measure similarity.
            diff.map(|d| Some((d.insertions, d.removals))),
        ),
    };
    let (path, old_path, kind, mode, blob) = match *change {
        Change::Addition {
            location,
            entry_mode,
            id,
            ..
        } => (location, None, ChangeKind::Added, entry_mode, Some(id)),
        Change::Deletion {
            location,
            entry_mode,
            ..
        } => (location, None, ChangeKind::Deleted, entry_mode, None),
        Change::Modification {
            location,
            entry_mode,
            id,
            ..
        } => (location, None, ChangeKind::Modified, entry_mode, Some(id)),
        Change::Rewrite {
            source_location,
            location,
            entry_mode,
            id,
            copy,
            ..
        } => (
            location,
            Some(source_location),
            if copy {
                ChangeKind::Copied
            } else {
                ChangeKind::Renamed
            },
            entry_mode,
            Some(id),
        ),
    };
    if mode.is_tree() {
        return None;
    }
    let file_mode = if mode.is_commit() {
        FileMode::Gitlink
    } else if mode.is_link() {
        FileMode::Symlink
    } else if mode.is_executable() {
        FileMode::Executable
    } else {
        FileMode::File
    };
    let mut file = FileChange {
        path: GitBytes(path.to_vec()),
        old_path: old_path.map(|p| GitBytes(p.to_vec())),
        change: kind,
        mode: file_mode,
        blob: blob.map(|b| b.to_string()),
        added: None,
        removed: None,
        binary: false,
        unreadable: false,
    };
    if file_mode != FileMode::Gitlink {
        let computed = match known.or_else(|| counts.get(&pair)) {
            Some(cached) => Ok(cached),
            None => {
                let result = blobs.line_counts(pair);
                if let Ok(value) = result {
                    counts.put(pair, value);
                }
                result
            }
        };
        match computed {
            Ok(Some((added, removed))) => {
                file.added = Some(u64::from(added));
                file.removed = Some(u64::from(removed));
            }
            Ok(None) => file.binary = true,
            Err(Uncounted::Unreadable) => file.unreadable = true,
            // Neither binary nor unreadable: its counts are unknown, and the commit says why.
            Err(Uncounted::TooLarge { blob, size, base }) => blobs.oversized.push(Oversized {
                path: file.path.clone(),
                blob,
                size,
                base,
            }),
        }
    }
    Some(file)
}

/// Reusable buffers for reading the two sides of a change.
#[derive(Default)]
pub(crate) struct BlobBuffers {
    old: Vec<u8>,
    new: Vec<u8>,
}

/// Where a reader thread gets blob contents from, and the buffers it reads them into.
pub(crate) struct BlobSource<'a> {
    repo: &'a gix::Repository,
    buffers: &'a mut BlobBuffers,
    packs: &'a PackObjects,
    scratch: &'a RefCell<Scratch>,
    /// Blobs larger than this are not read: memory stays bounded whatever a repository holds.
    limit: u64,
    /// The blobs not read for that reason.
    oversized: &'a mut Vec<Oversized>,
}

/// How much of a file git inspects for a NUL byte to call it binary.
const BINARY_SNIFF: usize = 8000;

impl BlobSource<'_> {
    /// Line counts of a blob pair (null id: absent side), or `None` when either side is binary.
    ///
    /// Blobs are read straight from the object database, not through gix's diff pipeline: line
    /// counts need neither worktree conversion nor diff drivers, and skipping the pipeline saves
    /// a copy of every blob and an attribute lookup per path. Binary detection is git's default
    /// (a NUL byte in the first 8,000 bytes); counts use Myers, git's default algorithm. A side
    /// larger than the limit is not read (the new side is looked at first: it is the blob this
    /// commit brings).
    fn line_counts(
        &mut self,
        (old, new): (ObjectId, ObjectId),
    ) -> Result<Option<(u32, u32)>, Uncounted> {
        let BlobBuffers {
            old: old_buf,
            new: new_buf,
        } = &mut *self.buffers;
        let new = load(
            self.repo,
            self.packs,
            self.scratch,
            new,
            new_buf,
            self.limit,
        )?;
        let old = load(
            self.repo,
            self.packs,
            self.scratch,
            old,
            old_buf,
            self.limit,
        )?;
        let (old, new) = (old.bytes(), new.bytes());
        let binary = |data: &[u8]| data[..data.len().min(BINARY_SNIFF)].contains(&0);
        if binary(old) || binary(new) {
            return Ok(None);
        }
        Ok(Some(crate::linecount::count(
            old,
            new,
            gix::diff::blob::Algorithm::Myers,
        )))
    }
}

/// A blob's bytes: shared with the pack cache, or read into a buffer of the reader's.
enum Blob<'b> {
    Shared(Shared),
    Read(&'b [u8]),
}

impl Blob<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Blob::Shared(data) => data,
            Blob::Read(data) => data,
        }
    }
}

/// The bytes of a blob (empty for the null id): from the packs when it is there, else read
/// through gitoxide into `buf` (loose objects, and the errors for missing ones). A blob larger
/// than `limit` is not read: its size comes from the pack entry or the object header.
fn load<'b>(
    repo: &gix::Repository,
    packs: &PackObjects,
    scratch: &RefCell<Scratch>,
    id: ObjectId,
    buf: &'b mut Vec<u8>,
    limit: u64,
) -> Result<Blob<'b>, Uncounted> {
    use crate::packread::Lookup;
    use gix::objs::FindHeader;
    if id.is_null() {
        return Ok(Blob::Read(&[]));
    }
    let found = match scratch.try_borrow_mut() {
        Ok(mut scratch) => packs.blob_within(&id, limit, &mut scratch),
        Err(_) => Lookup::Elsewhere,
    };
    match found {
        Lookup::Found(data) => return Ok(Blob::Shared(data)),
        Lookup::TooLarge(t) => {
            return Err(Uncounted::TooLarge {
                blob: id,
                size: t.size,
                base: t.base,
            });
        }
        Lookup::Elsewhere => {}
    }
    if let Ok(Some(header)) = repo.objects.try_header(&id)
        && header.size > limit
    {
        return Err(Uncounted::TooLarge {
            blob: id,
            size: header.size,
            base: None,
        });
    }
    read_blob(repo, id, buf)
        .map(Blob::Read)
        .map_err(|_| Uncounted::Unreadable)
}

/// The bytes of a blob (empty for the null id), read into `buf`.
fn read_blob<'b>(
    repo: &gix::Repository,
    id: ObjectId,
    buf: &'b mut Vec<u8>,
) -> Result<&'b [u8], String> {
    use gix::objs::Find;
    if id.is_null() {
        return Ok(&[]);
    }
    match repo.objects.try_find(&id, buf) {
        Ok(Some(data)) => Ok(data.data),
        Ok(None) => Err(format!("blob {id} is missing")),
        Err(e) => Err(format!("blob {id} cannot be read: {e}")),
    }
}

/// Parent ids from the header of a raw commit object (the `parent` lines), without parsing
/// anything else, so that a commit with a malformed author still leads to its parents.
pub(crate) fn raw_parents(data: &[u8]) -> Vec<ObjectId> {
    data.split(|&b| b == b'\n')
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.strip_prefix(b"parent "))
        .filter_map(|hex| ObjectId::from_hex(hex.trim_ascii()).ok())
        .collect()
}

/// The committer time (seconds) from the header of a raw commit object, or 0 when the
/// committer line is missing or malformed; used only to order a history walk.
pub(crate) fn raw_commit_time(data: &[u8]) -> i64 {
    data.split(|&b| b == b'\n')
        .take_while(|line| !line.is_empty())
        .find_map(|line| line.strip_prefix(b"committer "))
        .and_then(|value| {
            let after_email = &value[value.iter().rposition(|&b| b == b'>')? + 1..];
            let seconds = after_email.split(|&b| b == b' ').find(|f| !f.is_empty())?;
            std::str::from_utf8(seconds).ok()?.parse().ok()
        })
        .unwrap_or(0)
}

/// A commit read line by line, tolerating whatever git's parser would reject.
struct LenientCommit {
    tree: ObjectId,
    parents: Vec<ObjectId>,
    author: RawPerson,
    committer: RawPerson,
    signature: SignatureKind,
    signing_key: Option<String>,
    message: Vec<u8>,
    encoding: Option<String>,
}

fn lenient_commit(data: &[u8], gaps: &mut Vec<String>) -> LenientCommit {
    let header_end = data
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(data.len(), |i| i + 1);
    let message = data.get(header_end + 1..).unwrap_or_default().to_vec();
    let mut commit = LenientCommit {
        tree: ObjectId::empty_tree(gix::hash::Kind::Sha1),
        parents: raw_parents(data),
        author: RawPerson::unknown(),
        committer: RawPerson::unknown(),
        signature: SignatureKind::None,
        signing_key: None,
        message,
        encoding: None,
    };
    let (mut has_author, mut has_committer, mut has_tree) = (false, false, false);
    let mut lines = data[..header_end].split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        if let Some(hex) = line.strip_prefix(b"tree ") {
            if let Ok(id) = ObjectId::from_hex(hex.trim_ascii()) {
                commit.tree = id;
                has_tree = true;
            }
        } else if let Some(value) = line.strip_prefix(b"author ") {
            commit.author = lenient_person(value, "author", gaps);
            has_author = true;
        } else if let Some(value) = line.strip_prefix(b"committer ") {
            commit.committer = lenient_person(value, "committer", gaps);
            has_committer = true;
        } else if let Some(value) = line.strip_prefix(b"encoding ") {
            commit.encoding = Some(String::from_utf8_lossy(value).into_owned());
        } else if line.starts_with(b"gpgsig ") || line.starts_with(b"gpgsig-sha256 ") {
            let mut armor = line[line.iter().position(|&b| b == b' ').unwrap_or(0) + 1..].to_vec();
            while let Some(next) = lines.peek().filter(|l| l.starts_with(b" ")) {
                armor.push(b'\n');
                armor.extend_from_slice(&next[1..]);
                lines.next();
            }
            commit.signature = SignatureKind::from_armor(&armor);
            commit.signing_key = crate::signing_key::signing_key(&armor);
        }
    }
    for (present, what) in [
        (has_tree, "tree"),
        (has_author, "author"),
        (has_committer, "committer"),
    ] {
        if !present {
            gaps.push(format!("commit has no {what} line"));
        }
    }
    commit
}

/// `Name <email> seconds offset`, tolerating a missing or malformed part.
fn lenient_person(value: &[u8], role: &str, gaps: &mut Vec<String>) -> RawPerson {
    let (name, email, rest) = match (
        value.iter().position(|&b| b == b'<'),
        value.iter().rposition(|&b| b == b'>'),
    ) {
        (Some(open), Some(close)) if open < close => (
            value[..open].trim_ascii().to_vec(),
            value[open + 1..close].trim_ascii().to_vec(),
            &value[close + 1..],
        ),
        _ => {
            gaps.push(format!("{role} line has no <e-mail>"));
            // Keep a trailing `seconds offset` as the time, the rest as the name.
            let text = value.trim_ascii();
            let mut cut = text.len();
            for _ in 0..2 {
                if let Some(space) = text[..cut].iter().rposition(|&b| b == b' ') {
                    cut = space;
                }
            }
            let tail = &text[cut..];
            let looks_like_time = tail
                .split(|&b| b == b' ')
                .filter(|f| !f.is_empty())
                .all(|f| {
                    f.iter()
                        .all(|b| b.is_ascii_digit() || *b == b'+' || *b == b'-')
                });
            if looks_like_time && cut < text.len() {
                (text[..cut].trim_ascii().to_vec(), Vec::new(), tail)
            } else {
                (text.to_vec(), Vec::new(), &[][..])
            }
        }
    };
    let mut fields = rest.split(|&b| b == b' ').filter(|f| !f.is_empty());
    let time = fields
        .next()
        .and_then(|t| std::str::from_utf8(t).ok()?.parse::<i64>().ok());
    let offset = fields.next().and_then(parse_offset);
    if time.is_none() {
        gaps.push(format!("{role} time is malformed"));
    }
    RawPerson {
        name,
        email,
        time: time.unwrap_or(0),
        offset: offset.unwrap_or(0),
    }
}

/// `+hhmm` / `-hhmm` as seconds.
fn parse_offset(field: &[u8]) -> Option<i32> {
    let text = std::str::from_utf8(field).ok()?;
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => (1, text),
    };
    let value: i32 = digits.parse().ok()?;
    Some(sign * ((value / 100) * 3600 + (value % 100) * 60))
}

/// A parsed person line; a malformed one is recorded as empty with a gap.
fn person(
    parsed: Result<gix::actor::SignatureRef<'_>, impl std::fmt::Display>,
    role: &str,
    gaps: &mut Vec<String>,
) -> RawPerson {
    match parsed {
        Ok(sig) => {
            let sig = sig.trim();
            let (time, offset) = match sig.time() {
                Ok(t) => (t.seconds, t.offset),
                Err(_) => {
                    gaps.push(format!("{role} time `{}` is malformed", sig.time));
                    (0, 0)
                }
            };
            RawPerson {
                name: sig.name.to_vec(),
                email: sig.email.to_vec(),
                time,
                offset,
            }
        }
        Err(e) => {
            gaps.push(format!("{role} line is malformed: {e}"));
            RawPerson::unknown()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_commits_are_read_leniently() {
        let data = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 0123456789012345678901234567890123456789\nauthor Ann Lee ann@example.org 1700000000 +0000\ncommitter C <c@x> notatime +0130\nencoding ISO-8859-1\ngpgsig -----BEGIN SSH SIGNATURE-----\n abc\n -----END SSH SIGNATURE-----\n\nSubject\n\nBody\n";
        let mut gaps = Vec::new();
        let commit = lenient_commit(data, &mut gaps);
        assert_eq!(commit.parents.len(), 1);
        assert_eq!(
            commit.tree.to_string(),
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
        assert_eq!(commit.author.name, b"Ann Lee ann@example.org");
        assert_eq!(commit.author.time, 1_700_000_000);
        assert!(commit.author.email.is_empty());
        assert_eq!(commit.committer.email, b"c@x");
        assert_eq!(commit.committer.time, 0);
        assert_eq!(commit.encoding.as_deref(), Some("ISO-8859-1"));
        assert_eq!(commit.signature, SignatureKind::Ssh);
        assert_eq!(commit.message, b"Subject\n\nBody\n");
        assert_eq!(
            gaps,
            vec!["author line has no <e-mail>", "committer time is malformed"]
        );

        let mut gaps = Vec::new();
        let bare = lenient_commit(
            b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmsg",
            &mut gaps,
        );
        assert!(bare.parents.is_empty());
        assert_eq!(
            gaps,
            vec!["commit has no author line", "commit has no committer line"]
        );
    }

    #[test]
    fn commit_times_for_the_walk() {
        let data = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1700000000 -0700\n\nmsg\ncommitter X <x@x> 5 +0000\n";
        assert_eq!(raw_commit_time(data), 1_700_000_000);
        assert_eq!(
            raw_commit_time(b"tree x\ncommitter C <c@x> soon +0000\n\n"),
            0
        );
        assert_eq!(raw_commit_time(b"tree x\ncommitter no email 12\n\n"), 0);
        assert_eq!(raw_commit_time(b"tree x\n\ncommitter C <c@x> 9 +0000\n"), 0);
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset(b"+0130"), Some(5400));
        assert_eq!(parse_offset(b"-0700"), Some(-25200));
        assert_eq!(parse_offset(b"+9999"), Some(362340));
        assert_eq!(parse_offset(b"zz"), None);
    }
}
