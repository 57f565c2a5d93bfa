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
use gix::object::tree::diff::Change;

/// A person line of a commit, as bytes.
#[derive(Clone, Debug)]
pub(crate) struct RawPerson {
    pub name: Vec<u8>,
    pub email: Vec<u8>,
    pub time: i64,
    pub offset: i32,
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
    pub diff_base: Option<ObjectId>,
    pub shallow_boundary: bool,
    pub files: Vec<FileChange>,
    pub gaps: Vec<String>,
}

/// Line counts already computed, by (old blob, new blob); `None` marks a binary pair.
///
/// Shared by the reader threads. A merge diffed against its first parent mostly repeats blob
/// pairs its branch's commits already changed, and the same pair recurs across branches, so
/// most merges cost a tree diff and lookups instead of reading and diffing blobs again.
#[derive(Default)]
pub(crate) struct LineCounts {
    pairs: std::sync::Mutex<std::collections::HashMap<BlobPair, Option<(u32, u32)>>>,
}

/// (old blob, new blob); the null id stands for an absent side.
type BlobPair = (ObjectId, ObjectId);

impl LineCounts {
    /// Entries kept before the cache starts over (about 100 MB at most).
    const LIMIT: usize = 1_000_000;

    fn get(&self, key: &BlobPair) -> Option<Option<(u32, u32)>> {
        self.pairs.lock().ok()?.get(key).copied()
    }

    fn put(&self, key: BlobPair, counts: Option<(u32, u32)>) {
        if let Ok(mut pairs) = self.pairs.lock() {
            if pairs.len() >= Self::LIMIT {
                pairs.clear();
            }
            pairs.insert(key, counts);
        }
    }
}

/// Per-thread reader state: the repository handle and the reusable diff caches.
pub(crate) struct Reader<'c> {
    counts: &'c LineCounts,
    repo: gix::Repository,
    /// Used by the tree diff for rename detection.
    tree_cache: gix::diff::blob::Platform,
    /// Used for line counts (a second cache: the first is borrowed during the tree diff).
    line_cache: gix::diff::blob::Platform,
    shallow: Vec<ObjectId>,
}

impl<'c> Reader<'c> {
    pub fn new(repo: gix::Repository, counts: &'c LineCounts) -> Result<Reader<'c>, String> {
        let tree_cache = repo
            .diff_resource_cache_for_tree_diff()
            .map_err(|e| e.to_string())?;
        let line_cache = repo
            .diff_resource_cache_for_tree_diff()
            .map_err(|e| e.to_string())?;
        let shallow = repo
            .shallow_commits()
            .ok()
            .flatten()
            .map(|c| c.iter().copied().collect())
            .unwrap_or_default();
        Ok(Reader {
            counts,
            repo,
            tree_cache,
            line_cache,
            shallow,
        })
    }

    /// Reads one commit; `Err` only when the commit object itself is missing or unparseable.
    pub fn read(&mut self, id: ObjectId) -> Result<CommitFacts, String> {
        let commit = self.repo.find_commit(id).map_err(|e| e.to_string())?;
        let decoded = commit.decode().map_err(|e| e.to_string())?;
        let mut gaps = Vec::new();
        let author = person(decoded.author(), "author", &mut gaps);
        let committer = person(decoded.committer(), "committer", &mut gaps);
        let parents: Vec<ObjectId> = decoded.parents().collect();
        let tree = decoded.tree();
        let headers = decoded.extra_headers();
        let signature = headers
            .pgp_signature()
            .or_else(|| decoded.extra_headers().find("gpgsig-sha256"))
            .map_or(SignatureKind::None, |sig| SignatureKind::from_armor(sig));
        let message = decoded.message.to_vec();
        let encoding = decoded.encoding.map(|e| e.to_str_lossy().into_owned());
        drop(decoded);
        drop(commit);

        let shallow_boundary = self.shallow.binary_search(&id).is_ok();
        let mut diff_base = None;
        let mut base_tree = None;
        if let Some(first) = parents.first().copied().filter(|_| !shallow_boundary) {
            match self
                .repo
                .find_commit(first)
                .map_err(|e| e.to_string())
                .and_then(|p| p.tree_id().map(|t| t.detach()).map_err(|e| e.to_string()))
            {
                Ok(t) => {
                    diff_base = Some(first);
                    base_tree = Some(t);
                }
                Err(e) => gaps.push(format!(
                    "first parent {first} is unreadable ({e}); files listed against the empty tree"
                )),
            }
        }
        let files = match self.diff(base_tree, tree) {
            Ok(files) => files,
            Err(e) => {
                gaps.push(format!("tree diff failed: {e}"));
                Vec::new()
            }
        };
        if files.iter().any(|f| f.unreadable) {
            gaps.push("some blobs are missing from the object database".to_owned());
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
            diff_base,
            shallow_boundary,
            files,
            gaps,
        })
    }

    /// Diffs `base` (or the empty tree) against `tree`, with rename detection when every blob
    /// needed for it can be read.
    fn diff(&mut self, base: Option<ObjectId>, tree: ObjectId) -> Result<Vec<FileChange>, String> {
        let Reader {
            repo,
            tree_cache,
            line_cache,
            counts,
            ..
        } = self;
        let new_tree = repo.find_tree(tree).map_err(|e| e.to_string())?;
        let old_tree = match base {
            Some(id) => repo.find_tree(id).map_err(|e| e.to_string())?,
            None => repo.empty_tree(),
        };
        let first = diff_trees(&old_tree, &new_tree, true, tree_cache, line_cache, counts);
        let result = match first {
            Ok(files) => Ok(files),
            // Rename detection reads blobs; a repository missing some (partial clone) still
            // gets its file list without it.
            Err(_) => diff_trees(&old_tree, &new_tree, false, tree_cache, line_cache, counts),
        };
        tree_cache.clear_resource_cache_keep_allocation();
        result
    }
}

/// The file changes between two trees.
fn diff_trees(
    old_tree: &gix::Tree<'_>,
    new_tree: &gix::Tree<'_>,
    renames: bool,
    tree_cache: &mut gix::diff::blob::Platform,
    line_cache: &mut gix::diff::blob::Platform,
    counts: &LineCounts,
) -> Result<Vec<FileChange>, String> {
    let mut files = Vec::new();
    let mut platform = old_tree.changes().map_err(|e| e.to_string())?;
    platform.options(|o| {
        o.track_path()
            .track_rewrites(renames.then(gix::diff::Rewrites::default));
    });
    platform
        .for_each_to_obtain_tree_with_cache(new_tree, tree_cache, |change| {
            if let Some(file) = file_change(&change, line_cache, counts) {
                files.push(file);
            }
            Ok(std::ops::ControlFlow::Continue(()))
        })
        .map_err(|e| e.to_string())?;
    Ok(files)
}

/// One tree-diff change as a recorded file change (directories are skipped).
fn file_change(
    change: &Change<'_, '_, '_>,
    line_cache: &mut gix::diff::blob::Platform,
    counts: &LineCounts,
) -> Option<FileChange> {
    let null = ObjectId::null(gix::hash::Kind::Sha1);
    let (pair, known) = match *change {
        Change::Addition { id, .. } => ((null, id.detach()), None),
        Change::Deletion { id, .. } => ((id.detach(), null), None),
        Change::Modification {
            previous_id, id, ..
        } => ((previous_id.detach(), id.detach()), None),
        Change::Rewrite {
            source_id,
            id,
            diff,
            ..
        } => (
            (source_id.detach(), id.detach()),
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
        } => (
            location,
            None,
            ChangeKind::Added,
            entry_mode,
            Some(id.detach()),
        ),
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
        } => (
            location,
            None,
            ChangeKind::Modified,
            entry_mode,
            Some(id.detach()),
        ),
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
            Some(id.detach()),
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
                let result = line_counts(change, line_cache);
                line_cache.clear_resource_cache_keep_allocation();
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
            Err(_) => file.unreadable = true,
        }
    }
    Some(file)
}

/// Line counts of one change, or `None` for a binary file.
fn line_counts(
    change: &Change<'_, '_, '_>,
    line_cache: &mut gix::diff::blob::Platform,
) -> Result<Option<(u32, u32)>, String> {
    use gix::diff::blob::platform::prepare_diff::Operation;
    let platform = change.diff(line_cache).map_err(|e| e.to_string())?;
    let prepared = platform
        .resource_cache
        .prepare_diff()
        .map_err(|e| e.to_string())?;
    let old = prepared.old.data.as_slice().unwrap_or_default();
    let new = prepared.new.data.as_slice().unwrap_or_default();
    Ok(match prepared.operation {
        Operation::InternalDiff { algorithm } => Some(crate::linecount::count(old, new, algorithm)),
        // devspm never runs external diff programs; count as git's default would.
        Operation::ExternalCommand { .. } => Some(crate::linecount::count(
            old,
            new,
            gix::diff::blob::Algorithm::Myers,
        )),
        Operation::SourceOrDestinationIsBinary => None,
    })
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
            RawPerson {
                name: Vec::new(),
                email: Vec::new(),
                time: 0,
                offset: 0,
            }
        }
    }
}
