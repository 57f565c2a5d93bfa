//! gitoxide's line-blame walk, with the work it repeats kept across walks.
//!
//! `gix_blame::file` (gix-blame 0.20, MIT OR Apache-2.0) walks a file's history from a commit
//! back to the commits that introduced the requested lines. SZZ asks for hundreds of such
//! walks over the same files: every fix of `lib/ftp.c`, every line followed past a cosmetic
//! commit and every earlier version V-SZZ steps back to starts a walk of its own, and each
//! walk decoded again the same commits and trees, diffed again the same versions of the file
//! and ran again the same rename detection (on curl, a commit that renamed 93 files and its
//! revert cost a second of similarity diffs in every walk through them). Here the walk is
//! gix-blame's, step for step, so its answers are the same, but what a step learns about the
//! repository is kept in a [`WalkCache`] shared by every walk (and thread) of a
//! [`crate::Blamer`] and its siblings:
//!
//! - each commit's tree, parents and their commit times;
//! - the file's blob in each commit (a tree lookup by path);
//! - how the file changed between a commit and a parent (tree diff at the path), and the
//!   renames the rename detection found between them;
//! - the diff between two versions of the file;
//!
//! and objects are read through [`PackObjects`]: one cache of decoded objects for all threads,
//! inflated with libdeflate. Git's own blame does the same walk, one file at a time, with its
//! delta-base cache; it keeps nothing from one `git blame` to the next.
//!
//! Two steps are done differently, with the same outcome: a path is looked up in a tree by
//! scanning the raw entries up to where git's order puts it (as git does), not by parsing
//! each; and the rename detection of a commit goes on past the path asked for, once, so that
//! the other files of a mass rename are answered from what it found (it pairs files in a fixed
//! order, so where it stops changes nothing before). What is left out of gix-blame: blaming a
//! working-tree version (`Start::Contents`), the `since` cut-off, the recorded blame path and
//! statistics — nothing here uses them.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use gix::ObjectId;
use gix::bstr::{BStr, BString, ByteSlice};
use gix::diff::blob::TokenSource;
use gix::objs::FindExt;

use crate::packread::{Objects, PackObjects};

/// The maps here are keyed by object ids and small numbers: a fast hash.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// A map shared by the threads.
type Cached<K, V> = Mutex<Map<K, V>>;
/// A line of a file at a commit: (commit, path id, line).
pub(crate) type LineAt = (ObjectId, u32, u32);
/// (old blob, new blob, path id, old path id).
type DiffKey = (ObjectId, ObjectId, u32, u32);
/// What a diff with rename detection found, filled by the first thread to ask.
type RewritesSlot = Arc<Mutex<Option<Rewrites>>>;

/// Entries kept before a map is emptied: a bound on memory (some 60 MB a map), above what one
/// SZZ run keeps (33 fixes on curl: 520,000 file lookups, one per commit and path walked).
const MAX_ENTRIES: usize = 1_000_000;

/// What a walk learns about the repository, shared by all walks and threads of a blamer.
pub(crate) struct WalkCache {
    pub(crate) packs: PackObjects,
    headers: Cached<ObjectId, Arc<Header>>,
    commits: Cached<ObjectId, Arc<CommitStep>>,
    /// Paths by id, and ids by path.
    paths: Mutex<(Map<BString, u32>, Vec<BString>)>,
    /// (commit, path, line) → where a blame walk found it: (commit, path, line there).
    pub(crate) lines: Cached<LineAt, Option<LineAt>>,
    /// (commit, path) → the path's blob in the commit.
    entries: Cached<(ObjectId, u32), Option<ObjectId>>,
    /// (tree, name) → the id of the entry with that name.
    tree_entries: Cached<(ObjectId, u32), Option<ObjectId>>,
    /// path → the ids of its components.
    components: Cached<u32, Arc<Vec<(u32, BString)>>>,
    /// (parent, commit, path) → how the path changed (tree diff without rename detection).
    changes: Cached<(ObjectId, ObjectId, u32), Option<TreeDiffChange>>,
    /// (parent, commit) → the changes the diff with rename detection reported.
    rewrites: Cached<(ObjectId, ObjectId), RewritesSlot>,
    /// (old blob, new blob, path, old path) → the diff between the versions.
    blob_diffs: Cached<DiffKey, Arc<Vec<Change>>>,
}

/// What a commit's object says, read leniently: a parent whose committer cannot be read
/// counts as time 0 (as gix-blame has it), a suspect without a tree is an error.
struct Header {
    tree: Option<ObjectId>,
    time: Option<i64>,
    parents: Vec<ObjectId>,
}

/// A commit as the walk needs it.
pub(crate) struct CommitStep {
    tree: ObjectId,
    /// The committer time, when it could be read.
    time: Option<i64>,
    /// Each parent with its committer time (0 when it cannot be read, as gix-blame does).
    parents: Vec<(ObjectId, i64)>,
}

/// The changes a diff with rename detection emitted between a parent and a commit, by
/// location: all of them when `complete`, else those before the one it stopped at.
#[derive(Default)]
struct Rewrites {
    by_location: Map<BString, TreeDiffChange>,
    complete: bool,
}

impl WalkCache {
    pub(crate) fn new(packs: PackObjects) -> WalkCache {
        WalkCache {
            packs,
            headers: Mutex::default(),
            commits: Mutex::default(),
            paths: Mutex::default(),
            lines: Mutex::default(),
            entries: Mutex::default(),
            tree_entries: Mutex::default(),
            components: Mutex::default(),
            changes: Mutex::default(),
            rewrites: Mutex::default(),
            blob_diffs: Mutex::default(),
        }
    }

    pub(crate) fn path_id(&self, path: &BStr) -> u32 {
        let mut paths = lock(&self.paths);
        if let Some(&id) = paths.0.get(path) {
            return id;
        }
        let id = paths.1.len() as u32;
        paths.0.insert(path.to_owned(), id);
        paths.1.push(path.to_owned());
        id
    }

    pub(crate) fn path(&self, id: u32) -> BString {
        lock(&self.paths)
            .1
            .get(id as usize)
            .cloned()
            .unwrap_or_default()
    }

    /// A commit's object as the walk reads it: each commit is read once, though it is read
    /// both as a parent (for its commit time) and as a suspect.
    fn header(&self, odb: &impl gix::objs::Find, id: ObjectId) -> Result<Arc<Header>, String> {
        if let Some(header) = lock(&self.headers).get(&id) {
            return Ok(header.clone());
        }
        let mut buf = Vec::new();
        odb.find_commit_iter(&id, &mut buf)
            .map_err(|e| format!("could not find commit {id}: {e}"))?;
        let iter = || gix::objs::CommitRefIter::from_bytes(&buf, id.kind());
        let header = Arc::new(Header {
            tree: iter().tree_id().ok(),
            time: iter().committer().ok().map(|c| c.seconds()),
            parents: iter().parent_ids().collect(),
        });
        let mut headers = lock(&self.headers);
        if headers.len() >= MAX_ENTRIES {
            headers.clear();
        }
        headers.insert(id, header.clone());
        Ok(header)
    }

    fn step(&self, odb: &impl gix::objs::Find, id: ObjectId) -> Result<Arc<CommitStep>, String> {
        if let Some(step) = lock(&self.commits).get(&id) {
            return Ok(step.clone());
        }
        let header = self.header(odb, id)?;
        let tree = header
            .tree
            .ok_or_else(|| format!("failure to decode commit {id}"))?;
        let parents = header
            .parents
            .iter()
            .map(|&parent| {
                let time = self.header(odb, parent).ok().and_then(|p| p.time);
                (parent, time.unwrap_or_default())
            })
            .collect();
        let step = Arc::new(CommitStep {
            tree,
            time: header.time,
            parents,
        });
        let mut commits = lock(&self.commits);
        if commits.len() >= MAX_ENTRIES {
            commits.clear();
        }
        commits.insert(id, step.clone());
        Ok(step)
    }

    /// The blob at `path` in `commit` (gix-blame's `find_path_entry_in_commit`).
    fn entry(
        &self,
        objects: &Objects<'_>,
        commit: ObjectId,
        path: &BStr,
        path_id: u32,
    ) -> Result<Option<ObjectId>, String> {
        if let Some(&found) = lock(&self.entries).get(&(commit, path_id)) {
            return Ok(found);
        }
        let step = self.step(objects, commit)?;
        let found = match self.lookup_in_packs(objects, step.tree, path, path_id) {
            Some(found) => found,
            None => {
                let mut buf = Vec::new();
                let mut buf2 = Vec::new();
                let tree = objects
                    .find_tree_iter(&step.tree, &mut buf)
                    .map_err(|e| format!("could not find tree {}: {e}", step.tree))?;
                tree.lookup_entry(objects, &mut buf2, path.split(|b| *b == b'/'))
                    .map_err(|e| format!("could not look up {path} in {commit}: {e}"))?
                    .map(|e| e.oid)
            }
        };
        let mut entries = lock(&self.entries);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert((commit, path_id), found);
        Ok(found)
    }
}

impl WalkCache {
    /// `TreeRefIter::lookup_entry` on the shared decoded objects, without copying each tree
    /// out of the cache: the entry named like each component, followed while it is a tree.
    /// What each (tree, name) gave is kept: every commit's root tree is scanned once for
    /// `lib`, whichever of the files below it is blamed, and commits that did not touch
    /// `lib/` share its tree (250 entries on curl). `None` when anything is not plain (an
    /// object not in a pack read here, a tree that does not parse): the caller then asks
    /// gitoxide.
    fn lookup_in_packs(
        &self,
        objects: &Objects<'_>,
        tree: ObjectId,
        path: &BStr,
        path_id: u32,
    ) -> Option<Option<ObjectId>> {
        let components = self.components(path, path_id);
        let mut current = tree;
        for (n, (name, text)) in components.iter().enumerate() {
            let name = *name;
            let known = lock(&self.tree_entries).get(&(current, name)).copied();
            let found = match known {
                Some(found) => found,
                None => {
                    let mut scratch = objects.scratch.try_borrow_mut().ok()?;
                    let (kind, data) = objects.packs.object(&current, &mut scratch)?;
                    let found = if kind == gix::objs::Kind::Tree {
                        find_in_tree(&data, text, current.kind().len_in_bytes())?
                    } else {
                        None
                    };
                    let mut entries = lock(&self.tree_entries);
                    if entries.len() >= MAX_ENTRIES {
                        entries.clear();
                    }
                    entries.insert((current, name), found);
                    found
                }
            };
            let Some(id) = found else {
                return Some(None);
            };
            if n + 1 == components.len() {
                return Some(Some(id));
            }
            current = id;
        }
        Some(None)
    }

    /// The ids of the components of a path.
    fn components(&self, path: &BStr, path_id: u32) -> Arc<Vec<(u32, BString)>> {
        if let Some(known) = lock(&self.components).get(&path_id) {
            return known.clone();
        }
        let ids: Arc<Vec<(u32, BString)>> = Arc::new(
            path.split(|b| *b == b'/')
                .map(|c| (self.path_id(c.as_bstr()), c.into()))
                .collect(),
        );
        lock(&self.components).insert(path_id, ids.clone());
        ids
    }
}

/// The id of the entry `name` in the raw tree `data`; `Some(None)` when there is none, `None`
/// when the tree does not parse. Entries are in git's order (a directory sorts as if its
/// name ended in `/`), so the scan stops past where `name` would be, as git's own
/// `find_tree_entry` does.
fn find_in_tree(data: &[u8], name: &[u8], hash_len: usize) -> Option<Option<ObjectId>> {
    let mut rest = data;
    while !rest.is_empty() {
        let space = rest.iter().position(|&b| b == b' ')?;
        let is_tree = rest[..space] == *b"40000";
        let after_mode = &rest[space + 1..];
        let nul = after_mode.iter().position(|&b| b == 0)?;
        let entry = &after_mode[..nul];
        let id = after_mode.get(nul + 1..nul + 1 + hash_len)?;
        if entry == name {
            return Some(Some(gix::hash::oid::try_from_bytes(id).ok()?.to_owned()));
        }
        if sorts_after(entry, is_tree, name) {
            return Some(None);
        }
        rest = &after_mode[nul + 1 + hash_len..];
    }
    Some(None)
}

/// Whether tree entry `entry` sorts after every entry that could be named `name`, a file or
/// a directory: git compares a directory's name as if it ended in `/`, so this is whether
/// `entry` (with `/` when a directory) is greater than `name/`.
fn sorts_after(entry: &[u8], is_tree: bool, name: &[u8]) -> bool {
    let common = entry.len().min(name.len());
    match entry[..common].cmp(&name[..common]) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => {
            // One is a prefix of the other; `name/` goes on with `/`.
            let next_in_entry = match entry.get(common) {
                Some(&b) => b,
                None if is_tree => b'/',
                None => return false,
            };
            let next_in_name = name.get(common).copied().unwrap_or(b'/');
            next_in_entry > next_in_name
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One line range of the blamed file and the commit it was found in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlameEntry {
    pub start_in_blamed_file: u32,
    pub start_in_source_file: u32,
    pub len: u32,
    pub commit_id: ObjectId,
    /// The file's name in that commit, when it differs from the blamed path.
    pub source_file_name: Option<BString>,
}

/// How a walk is run.
pub(crate) struct Walk<'a> {
    pub cache: &'a WalkCache,
    pub odb: &'a Objects<'a>,
    pub resource_cache: &'a mut gix::diff::blob::Platform,
    pub algorithm: gix::diff::blob::Algorithm,
    pub rewrites: Option<gix::diff::Rewrites>,
}

impl Walk<'_> {
    /// The commits that introduced lines `ranges` (0-based, end exclusive, sorted and not
    /// overlapping) of `file_path` at `start`: `gix_blame::file` with `Start::Commit`.
    pub(crate) fn blame(
        &mut self,
        start: ObjectId,
        file_path: &BStr,
        ranges: &[Range<u32>],
    ) -> Result<Vec<BlameEntry>, String> {
        let cache = self.cache;
        let odb = self.odb;
        let file_path_id = cache.path_id(file_path);
        let blamed = cache.entry(odb, start, file_path, file_path_id)?.ok_or_else(|| {
            format!("The file to blame at \"{file_path}\" wasn't found in the first commit at {start}")
        })?;
        let mut buf = Vec::new();
        let num_lines = {
            let blob = odb
                .find_blob(&blamed, &mut buf)
                .map_err(|e| format!("could not find blob {blamed}: {e}"))?;
            gix::diff::blob::sources::byte_lines(blob.data)
                .tokenize()
                .count() as u32
        };
        if num_lines == 0 {
            return Ok(Vec::new());
        }
        let mut hunks_to_blame: Vec<UnblamedHunk> = ranges
            .iter()
            .filter_map(|r| {
                if r.end < num_lines {
                    Some(r.clone())
                } else if r.start < num_lines {
                    Some(r.start..num_lines)
                } else {
                    None
                }
            })
            .map(|range| UnblamedHunk::new(range, start))
            .collect();
        let mut out: Vec<BlameEntry> = Vec::new();
        if hunks_to_blame.is_empty() {
            return Ok(out);
        }

        let mut queue: gix::revwalk::PriorityQueue<i64, ObjectId> =
            gix::revwalk::PriorityQueue::new();
        let first = cache.step(odb, start)?;
        let first_time = first
            .time
            .ok_or_else(|| format!("failure to decode the committer of {start}"))?;
        queue.insert(first_time, start);

        let mut previous_entry: Option<(ObjectId, ObjectId)> = None;

        'outer: while let Some(suspect) = queue.pop_value() {
            if hunks_to_blame.is_empty() {
                break;
            }
            let Some(first_hunk_for_suspect) = hunks_to_blame
                .iter()
                .find(|hunk| hunk.has_suspect(&suspect))
            else {
                // No hunk is associated with this suspect: on to the next one.
                continue 'outer;
            };
            let current_file_path = first_hunk_for_suspect
                .source_file_name
                .clone()
                .unwrap_or_else(|| file_path.to_owned());
            let current_path_id = cache.path_id(current_file_path.as_ref());

            let commit = cache.step(odb, suspect)?;
            if commit.time.is_none() {
                return Err(format!("failure to decode the committer of {suspect}"));
            }
            let parent_ids = &commit.parents;

            if parent_ids.is_empty() {
                if queue.is_empty() {
                    // The last suspect left is a root commit: the remaining lines are its own.
                    if unblamed_to_out_is_done(&mut hunks_to_blame, &mut out, suspect) {
                        break 'outer;
                    }
                }
                // There is more, keep looking.
                continue;
            }

            let mut entry = previous_entry
                .take()
                .filter(|(id, _)| *id == suspect)
                .map(|(_, entry)| entry);
            if entry.is_none() {
                entry = cache.entry(odb, suspect, current_file_path.as_ref(), current_path_id)?;
            }
            let Some(entry_id) = entry else {
                continue;
            };

            for (pid, (parent_id, parent_commit_time)) in parent_ids.iter().enumerate() {
                if let Some(parent_entry_id) =
                    cache.entry(odb, *parent_id, current_file_path.as_ref(), current_path_id)?
                {
                    let no_change_in_entry = entry_id == parent_entry_id;
                    if pid == 0 {
                        previous_entry = Some((*parent_id, parent_entry_id));
                    }
                    if no_change_in_entry {
                        pass_blame_from_to(suspect, *parent_id, &mut hunks_to_blame);
                        queue.insert(*parent_commit_time, *parent_id);
                        continue 'outer;
                    }
                }
            }

            let more_than_one_parent = parent_ids.len() > 1;
            for (parent_id, parent_commit_time) in parent_ids.iter() {
                queue.insert(*parent_commit_time, *parent_id);
                let changes_for_file_path = self.tree_diff_at_file_path(
                    current_file_path.as_ref(),
                    current_path_id,
                    suspect,
                    &commit,
                    *parent_id,
                )?;
                let Some(modification) = changes_for_file_path else {
                    if more_than_one_parent {
                        // None of the changes affected the file being blamed: copy the blame
                        // to the parent.
                        for unblamed_hunk in &mut hunks_to_blame {
                            unblamed_hunk.clone_blame(suspect, *parent_id);
                        }
                    } else {
                        pass_blame_from_to(suspect, *parent_id, &mut hunks_to_blame);
                    }
                    continue;
                };

                match modification {
                    TreeDiffChange::Addition => {
                        if more_than_one_parent {
                            // The file most likely comes from another parent, where it was
                            // modified rather than added.
                        } else if unblamed_to_out_is_done(&mut hunks_to_blame, &mut out, suspect) {
                            break 'outer;
                        }
                    }
                    TreeDiffChange::Deletion => {
                        return Err(format!(
                            "{current_file_path} is in {suspect}, yet its diff deletes it"
                        ));
                    }
                    TreeDiffChange::Modification { previous_id, id } => {
                        let changes = self.blob_changes(
                            id,
                            previous_id,
                            file_path,
                            file_path_id,
                            file_path,
                            file_path_id,
                        )?;
                        hunks_to_blame =
                            process_changes(hunks_to_blame, &changes, suspect, *parent_id);
                    }
                    TreeDiffChange::Rewrite {
                        source_location,
                        source_id,
                        id,
                    } => {
                        let source_path_id = cache.path_id(source_location.as_ref());
                        let changes = self.blob_changes(
                            id,
                            source_id,
                            file_path,
                            file_path_id,
                            source_location.as_ref(),
                            source_path_id,
                        )?;
                        hunks_to_blame =
                            process_changes(hunks_to_blame, &changes, suspect, *parent_id);
                        for hunk in hunks_to_blame.iter_mut() {
                            if hunk.has_suspect(parent_id) {
                                hunk.source_file_name = Some(source_location.clone());
                            }
                        }
                    }
                }
            }

            hunks_to_blame.retain_mut(|unblamed_hunk| {
                if unblamed_hunk.suspects.len() == 1
                    && let Some(entry) = BlameEntry::from_unblamed_hunk(unblamed_hunk, suspect)
                {
                    // Blame was copied to every parent that could take it: hunks with only
                    // `suspect` left passed nothing on, so they are its own.
                    out.push(entry);
                    return false;
                }
                unblamed_hunk.remove_blame(suspect);
                true
            });
        }
        out.sort_by_key(|entry| entry.start_in_blamed_file);
        Ok(out)
    }

    /// How `path` changed from `parent` to `commit`: a tree diff, and when that does not show
    /// a modification, a second one with rename detection, as git does.
    fn tree_diff_at_file_path(
        &mut self,
        path: &BStr,
        path_id: u32,
        id: ObjectId,
        commit: &CommitStep,
        parent_id: ObjectId,
    ) -> Result<Option<TreeDiffChange>, String> {
        let cache = self.cache;
        let key = (parent_id, id, path_id);
        if let Some(found) = lock(&cache.changes).get(&key) {
            return Ok(found.clone());
        }
        let parent = cache.step(self.odb, parent_id)?;
        let (mut lhs_buf, mut rhs_buf) = (Vec::new(), Vec::new());
        let parent_tree_iter = self
            .odb
            .find_tree_iter(&parent.tree, &mut lhs_buf)
            .map_err(|e| format!("could not find tree {}: {e}", parent.tree))?;
        let tree_iter = self
            .odb
            .find_tree_iter(&commit.tree, &mut rhs_buf)
            .map_err(|e| format!("could not find tree {}: {e}", commit.tree))?;
        let mut result =
            tree_diff_without_rewrites_at_file_path(self.odb, path, parent_tree_iter, tree_iter)?;
        if !matches!(result, Some(TreeDiffChange::Modification { .. }))
            && let Some(rewrites) = self.rewrites
        {
            result = self.tree_diff_with_rewrites_at_file_path(
                path,
                (parent_id, id),
                commit.parents.len() > 1,
                (parent_tree_iter, tree_iter),
                rewrites,
            )?;
        }
        let mut changes = lock(&cache.changes);
        if changes.len() >= MAX_ENTRIES {
            changes.clear();
        }
        changes.insert(key, result.clone());
        Ok(result)
    }

    /// gix-blame's diff with rename detection, which stops at the change to `path`. Every
    /// change emitted on the way is kept, so that other paths of the same commit are answered
    /// without diffing again: the detection pairs files in a fixed order, each with the best
    /// source left, so what it emitted before stopping does not depend on where it stopped.
    /// After a commit with one parent (a rename of many files, whose other files are likely
    /// to be blamed too) it goes on to the end the first time; after a merge (whose diff
    /// against the other side can pair thousands of files) only when asked again for a path
    /// it did not reach.
    fn tree_diff_with_rewrites_at_file_path(
        &mut self,
        path: &BStr,
        key: (ObjectId, ObjectId),
        merge: bool,
        (parent_tree_iter, tree_iter): (gix::objs::TreeRefIter<'_>, gix::objs::TreeRefIter<'_>),
        rewrites: gix::diff::Rewrites,
    ) -> Result<Option<TreeDiffChange>, String> {
        let slot = lock(&self.cache.rewrites).entry(key).or_default().clone();
        // Held while diffing: a thread asking for the same commit waits for this answer.
        let mut slot = lock(&slot);
        let to_the_end = match slot.as_ref() {
            Some(known) if known.complete || known.by_location.contains_key(path) => {
                return Ok(known.by_location.get(path).cloned());
            }
            Some(_) => true,
            None => !merge,
        };
        let mut seen = Rewrites::default();
        let mut change: Option<TreeDiffChange> = None;
        let options = gix::diff::tree_with_rewrites::Options {
            location: Some(gix::diff::tree::recorder::Location::Path),
            rewrites: Some(rewrites),
        };
        let mut state = gix::diff::tree::State::default();
        let result = gix::diff::tree_with_rewrites(
            parent_tree_iter,
            tree_iter,
            self.resource_cache,
            &mut state,
            &self.odb,
            |change_ref| {
                let location = change_ref.location();
                let owned: TreeDiffChange = change_ref.into_owned().into();
                if location == path && change.is_none() {
                    change = Some(owned.clone());
                }
                seen.by_location.entry(location.to_owned()).or_insert(owned);
                if change.is_some() && !to_the_end {
                    Ok(std::ops::ControlFlow::Break(()))
                } else {
                    Ok(std::ops::ControlFlow::Continue(()))
                }
            },
            options,
        );
        self.resource_cache.clear_resource_cache();
        match result {
            // Stopping while renames are emitted is not an error (while the trees are diffed,
            // it is): only `change` tells whether it stopped.
            Ok(_) => seen.complete = change.is_none() || to_the_end,
            Err(gix::diff::tree::Error::Cancelled) => {}
            Err(e) => return Err(format!("diff with rename detection: {e}")),
        }
        *slot = Some(seen);
        Ok(change)
    }

    fn blob_changes(
        &mut self,
        oid: ObjectId,
        previous_oid: ObjectId,
        file_path: &BStr,
        file_path_id: u32,
        previous_file_path: &BStr,
        previous_file_path_id: u32,
    ) -> Result<Arc<Vec<Change>>, String> {
        let cache = self.cache;
        let key = (previous_oid, oid, file_path_id, previous_file_path_id);
        if let Some(found) = lock(&cache.blob_diffs).get(&key) {
            return Ok(found.clone());
        }
        self.resource_cache
            .set_resource(
                previous_oid,
                gix::objs::tree::EntryKind::Blob,
                previous_file_path,
                gix::diff::blob::ResourceKind::OldOrSource,
                self.odb,
            )
            .map_err(|e| format!("could not read {previous_oid}: {e}"))?;
        self.resource_cache
            .set_resource(
                oid,
                gix::objs::tree::EntryKind::Blob,
                file_path,
                gix::diff::blob::ResourceKind::NewOrDestination,
                self.odb,
            )
            .map_err(|e| format!("could not read {oid}: {e}"))?;
        let outcome = self
            .resource_cache
            .prepare_diff()
            .map_err(|e| format!("could not prepare the diff of {previous_oid} and {oid}: {e}"))?;
        let changes = Arc::new(blob_changes_from_data(
            outcome.old.data.as_slice().unwrap_or_default(),
            outcome.new.data.as_slice().unwrap_or_default(),
            self.algorithm,
        ));
        // The diff is kept; the versions are not (the resource cache keeps every blob it was
        // given until cleared).
        self.resource_cache.clear_resource_cache();
        let mut diffs = lock(&cache.blob_diffs);
        if diffs.len() >= MAX_ENTRIES / 16 {
            diffs.clear();
        }
        diffs.insert(key, changes.clone());
        Ok(changes)
    }
}

fn blob_changes_from_data(
    old_data: &[u8],
    new_data: &[u8],
    algorithm: gix::diff::blob::Algorithm,
) -> Vec<Change> {
    let input = gix::diff::blob::InternedInput::new(old_data, new_data);
    let mut diff = gix::diff::blob::Diff::compute(algorithm, &input);
    diff.postprocess_lines(&input);

    let mut last_seen_after_end = 0;
    let mut changes = diff.hunks().fold(Vec::new(), |mut hunks, hunk| {
        let gix::diff::blob::Hunk { before, after } = hunk;
        if after.start > last_seen_after_end {
            hunks.push(Change::Unchanged(last_seen_after_end..after.start));
        }
        match (!before.is_empty(), !after.is_empty()) {
            (_, true) => hunks.push(Change::AddedOrReplaced(
                after.start..after.end,
                before.end - before.start,
            )),
            (true, false) => hunks.push(Change::Deleted(after.start, before.end - before.start)),
            (false, false) => {}
        }
        last_seen_after_end = after.end;
        hunks
    });
    let total_number_of_lines = input.after.len() as u32;
    if input.after.len() > last_seen_after_end as usize {
        changes.push(Change::Unchanged(
            last_seen_after_end..total_number_of_lines,
        ));
    }
    changes
}

/// The change to one path between two trees, as much of it as blame needs.
#[derive(Clone, Debug)]
enum TreeDiffChange {
    Addition,
    Deletion,
    Modification {
        previous_id: ObjectId,
        id: ObjectId,
    },
    Rewrite {
        source_location: BString,
        source_id: ObjectId,
        id: ObjectId,
    },
}

impl From<gix::diff::tree::recorder::Change> for TreeDiffChange {
    fn from(value: gix::diff::tree::recorder::Change) -> Self {
        use gix::diff::tree::recorder::Change;
        match value {
            Change::Addition { .. } => Self::Addition,
            Change::Deletion { .. } => Self::Deletion,
            Change::Modification {
                previous_oid, oid, ..
            } => Self::Modification {
                previous_id: previous_oid,
                id: oid,
            },
        }
    }
}

impl From<gix::diff::tree_with_rewrites::Change> for TreeDiffChange {
    fn from(value: gix::diff::tree_with_rewrites::Change) -> Self {
        use gix::diff::tree_with_rewrites::Change;
        match value {
            Change::Addition { .. } => Self::Addition,
            Change::Deletion { .. } => Self::Deletion,
            Change::Modification {
                previous_id, id, ..
            } => Self::Modification { previous_id, id },
            Change::Rewrite {
                source_location,
                source_id,
                id,
                ..
            } => Self::Rewrite {
                source_location,
                source_id,
                id,
            },
        }
    }
}

fn tree_diff_without_rewrites_at_file_path(
    odb: &(impl gix::objs::Find + gix::objs::FindHeader),
    file_path: &BStr,
    parent_tree_iter: gix::objs::TreeRefIter<'_>,
    tree_iter: gix::objs::TreeRefIter<'_>,
) -> Result<Option<TreeDiffChange>, String> {
    use gix::diff::tree::Visit;
    use gix::diff::tree::recorder::Change as Recorded;

    struct FindChangeToPath {
        inner: gix::diff::tree::Recorder,
        interesting_path: BString,
        change: Option<Recorded>,
    }

    impl Visit for FindChangeToPath {
        fn pop_front_tracked_path_and_set_current(&mut self) {
            self.inner.pop_front_tracked_path_and_set_current();
        }

        fn push_back_tracked_path_component(&mut self, component: &BStr) {
            self.inner.push_back_tracked_path_component(component);
        }

        fn push_path_component(&mut self, component: &BStr) {
            self.inner.push_path_component(component);
        }

        fn pop_path_component(&mut self) {
            self.inner.pop_path_component();
        }

        fn visit(
            &mut self,
            change: gix::diff::tree::visit::Change,
        ) -> gix::diff::tree::visit::Action {
            use gix::diff::tree::visit::Change::*;
            if self.inner.path() != self.interesting_path {
                return std::ops::ControlFlow::Continue(());
            }
            self.change = Some(match change {
                Deletion {
                    entry_mode,
                    oid,
                    relation,
                } => Recorded::Deletion {
                    entry_mode,
                    oid,
                    path: self.inner.path_clone(),
                    relation,
                },
                Addition {
                    entry_mode,
                    oid,
                    relation,
                } => Recorded::Addition {
                    entry_mode,
                    oid,
                    path: self.inner.path_clone(),
                    relation,
                },
                Modification {
                    previous_entry_mode,
                    previous_oid,
                    entry_mode,
                    oid,
                } => Recorded::Modification {
                    previous_entry_mode,
                    previous_oid,
                    entry_mode,
                    oid,
                    path: self.inner.path_clone(),
                },
            });
            std::ops::ControlFlow::Break(())
        }
    }

    let mut recorder = FindChangeToPath {
        inner: gix::diff::tree::Recorder::default()
            .track_location(Some(gix::diff::tree::recorder::Location::Path)),
        interesting_path: file_path.to_owned(),
        change: None,
    };
    let mut state = gix::diff::tree::State::default();
    match gix::diff::tree(parent_tree_iter, tree_iter, &mut state, odb, &mut recorder) {
        Ok(_) | Err(gix::diff::tree::Error::Cancelled) => Ok(recorder.change.map(Into::into)),
        Err(e) => Err(format!("tree diff: {e}")),
    }
}

/// Passes every unblamed hunk of `from` to `to` (`from` did not change the file).
fn pass_blame_from_to(from: ObjectId, to: ObjectId, hunks_to_blame: &mut [UnblamedHunk]) {
    for unblamed_hunk in hunks_to_blame {
        unblamed_hunk.pass_blame(from, to);
    }
}

/// Turns the hunks of `suspect` into entries; `true` when no hunk is left.
fn unblamed_to_out_is_done(
    hunks_to_blame: &mut Vec<UnblamedHunk>,
    out: &mut Vec<BlameEntry>,
    suspect: ObjectId,
) -> bool {
    let mut without_suspect = Vec::new();
    out.extend(hunks_to_blame.drain(..).filter_map(|hunk| {
        BlameEntry::from_unblamed_hunk(&hunk, suspect).or_else(|| {
            without_suspect.push(hunk);
            None
        })
    }));
    *hunks_to_blame = without_suspect;
    hunks_to_blame.is_empty()
}

// What follows is gix-blame's hunk bookkeeping (`file/mod.rs`, `types.rs`), unchanged but for
// a `Vec` where it had a `SmallVec`.

/// The offset of a hunk relative to the blamed file.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Offset {
    Added(u32),
    Deleted(u32),
}

impl Offset {
    fn shifted_range(&self, range: &Range<u32>) -> Range<u32> {
        match self {
            Offset::Added(added) => range.start - added..range.end - added,
            Offset::Deleted(deleted) => range.start + deleted..range.end + deleted,
        }
    }
}

impl std::ops::AddAssign<u32> for Offset {
    fn add_assign(&mut self, rhs: u32) {
        match self {
            Self::Added(added) => *self = Self::Added(*added + rhs),
            Self::Deleted(deleted) => {
                if rhs > *deleted {
                    *self = Self::Added(rhs - *deleted);
                } else {
                    *self = Self::Deleted(*deleted - rhs);
                }
            }
        }
    }
}

impl std::ops::SubAssign<u32> for Offset {
    fn sub_assign(&mut self, rhs: u32) {
        match self {
            Self::Added(added) => {
                if rhs > *added {
                    *self = Self::Deleted(rhs - *added);
                } else {
                    *self = Self::Added(*added - rhs);
                }
            }
            Self::Deleted(deleted) => *self = Self::Deleted(*deleted + rhs),
        }
    }
}

/// A range of the blamed file not yet attributed, with the commits suspected of it and the
/// matching range in each.
#[derive(Debug, PartialEq)]
struct UnblamedHunk {
    range_in_blamed_file: Range<u32>,
    suspects: Vec<(ObjectId, Range<u32>)>,
    source_file_name: Option<BString>,
}

#[derive(Debug)]
enum Either<T, U> {
    Left(T),
    Right(U),
}

/// A change between two versions of a file, or an unchanged region; line numbers are the
/// newer version's.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Change {
    Unchanged(Range<u32>),
    /// `(added_line_range, num_deleted_in_before)`
    AddedOrReplaced(Range<u32>, u32),
    /// `(line_to_start_deletion_at, num_deleted_in_before)`
    Deleted(u32, u32),
}

impl UnblamedHunk {
    fn new(range: Range<u32>, suspect: ObjectId) -> Self {
        UnblamedHunk {
            range_in_blamed_file: range.clone(),
            suspects: vec![(suspect, range)],
            source_file_name: None,
        }
    }

    fn has_suspect(&self, suspect: &ObjectId) -> bool {
        self.suspects.iter().any(|entry| entry.0 == *suspect)
    }

    fn get_range(&self, suspect: &ObjectId) -> Option<&Range<u32>> {
        self.suspects
            .iter()
            .find(|entry| entry.0 == *suspect)
            .map(|entry| &entry.1)
    }

    fn shift_by(mut self, suspect: ObjectId, offset: Offset) -> Self {
        if let Some(entry) = self.suspects.iter_mut().find(|entry| entry.0 == suspect) {
            entry.1 = offset.shifted_range(&entry.1);
        }
        self
    }

    fn split_at(
        self,
        suspect: ObjectId,
        line_number_in_destination: u32,
    ) -> Either<Self, (Self, Self)> {
        match self.get_range(&suspect) {
            None => Either::Left(self),
            Some(range_in_suspect) => {
                if !range_in_suspect.contains(&line_number_in_destination) {
                    return Either::Left(self);
                }
                let split_at_from_start = line_number_in_destination - range_in_suspect.start;
                if split_at_from_start > 0 {
                    let new_suspects_before = self.suspects.iter().map(|(suspect, range)| {
                        (*suspect, range.start..(range.start + split_at_from_start))
                    });
                    let new_suspects_after = self.suspects.iter().map(|(suspect, range)| {
                        (*suspect, (range.start + split_at_from_start)..range.end)
                    });
                    let new_hunk_before = Self {
                        range_in_blamed_file: self.range_in_blamed_file.start
                            ..(self.range_in_blamed_file.start + split_at_from_start),
                        suspects: new_suspects_before.collect(),
                        source_file_name: self.source_file_name.clone(),
                    };
                    let new_hunk_after = Self {
                        range_in_blamed_file: (self.range_in_blamed_file.start
                            + split_at_from_start)
                            ..(self.range_in_blamed_file.end),
                        suspects: new_suspects_after.collect(),
                        source_file_name: self.source_file_name,
                    };
                    Either::Right((new_hunk_before, new_hunk_after))
                } else {
                    Either::Left(self)
                }
            }
        }
    }

    fn passed_blame(mut self, from: ObjectId, to: ObjectId) -> Self {
        self.pass_blame(from, to);
        self
    }

    fn pass_blame(&mut self, from: ObjectId, to: ObjectId) {
        if let Some(entry) = self.suspects.iter_mut().find(|entry| entry.0 == from) {
            entry.0 = to;
        }
    }

    fn clone_blame(&mut self, from: ObjectId, to: ObjectId) {
        if let Some(range_in_suspect) = self.get_range(&from) {
            self.suspects.push((to, range_in_suspect.clone()));
        }
    }

    fn remove_blame(&mut self, suspect: ObjectId) {
        self.suspects.retain(|entry| entry.0 != suspect);
    }
}

impl BlameEntry {
    fn from_unblamed_hunk(unblamed_hunk: &UnblamedHunk, commit_id: ObjectId) -> Option<Self> {
        let range_in_source_file = unblamed_hunk.get_range(&commit_id)?;
        Some(Self {
            start_in_blamed_file: unblamed_hunk.range_in_blamed_file.start,
            start_in_source_file: range_in_source_file.start,
            len: range_in_source_file.len() as u32,
            commit_id,
            source_file_name: unblamed_hunk.source_file_name.clone(),
        })
    }
}

/// Pairs the hunks still to blame with the changes `suspect` made relative to `parent`:
/// the lines it added are its own, the rest pass to `parent`, shifted.
fn process_changes(
    hunks_to_blame: Vec<UnblamedHunk>,
    changes: &[Change],
    suspect: ObjectId,
    parent: ObjectId,
) -> Vec<UnblamedHunk> {
    let mut new_hunks_to_blame = Vec::new();
    for mut hunk in hunks_to_blame.into_iter().map(Some) {
        let mut offset_in_destination = Offset::Added(0);
        let mut changes_iter = changes.iter().cloned();
        let mut change = changes_iter.next();
        loop {
            (hunk, change) = process_change(
                &mut new_hunks_to_blame,
                &mut offset_in_destination,
                suspect,
                parent,
                hunk,
                change,
            );
            change = change.or_else(|| changes_iter.next());
            if hunk.is_none() {
                break;
            }
        }
    }
    new_hunks_to_blame
}

/// Matches one hunk still to blame against one change (gix-blame's `process_change`): what
/// overlaps an addition is `suspect`'s, the rest is passed to `parent`, shifted; returns what
/// is left of each for the next round.
fn process_change(
    new_hunks_to_blame: &mut Vec<UnblamedHunk>,
    offset: &mut Offset,
    suspect: ObjectId,
    parent: ObjectId,
    hunk: Option<UnblamedHunk>,
    change: Option<Change>,
) -> (Option<UnblamedHunk>, Option<Change>) {
    /// Since `range_with_end` is a range that is not inclusive at the end,
    /// `range_with_end.end` is not part of `range_with_end`.
    /// The first line that is `range_with_end.end - 1`.
    fn actual_end_in_range(test: &Range<u32>, containing_range: &Range<u32>) -> bool {
        (test.end - 1) >= containing_range.start && test.end <= containing_range.end
    }

    // # General Rules
    // 1. If there is no suspect, immediately reschedule `hunk` and redo processing of `change`.
    //
    // # Detailed Rules
    // 1. whenever we do *not* return `hunk`, it must be added to `new_hunks_to_blame`, shifted with `offset`
    // 2. return `hunk` if it is not fully covered by changes yet.
    // 3. `change` *must* be returned if it is not fully included in `hunk`.
    match (hunk, change) {
        (Some(hunk), Some(Change::Unchanged(unchanged))) => {
            let Some(range_in_suspect) = hunk.get_range(&suspect) else {
                // We don’t clone blame to `parent` as `suspect` has nothing to do with this
                // `hunk`.
                new_hunks_to_blame.push(hunk);
                return (None, Some(Change::Unchanged(unchanged)));
            };

            match (
                range_in_suspect.contains(&unchanged.start),
                actual_end_in_range(&unchanged, range_in_suspect),
            ) {
                (_, true) => {
                    //     <------>  (hunk)
                    // <------->     (unchanged)
                    //
                    // <---------->  (hunk)
                    //     <--->     (unchanged)

                    // skip over unchanged - there will be changes right after.
                    (Some(hunk), None)
                }
                (true, false) => {
                    // <-------->     (hunk)
                    //     <------->  (unchanged)

                    // Nothing to do with `hunk` except shifting it,
                    // but `unchanged` needs to be checked against the next hunk to catch up.
                    new_hunks_to_blame
                        .push(hunk.passed_blame(suspect, parent).shift_by(parent, *offset));
                    (None, Some(Change::Unchanged(unchanged)))
                }
                (false, false) => {
                    // Any of the following cases are handled by this branch:
                    //    <--->      (hunk)
                    // <---------->  (unchanged)
                    //
                    //       <---->  (hunk)
                    // <-->          (unchanged)
                    //
                    // <-->          (hunk)
                    //       <---->  (unchanged)

                    if unchanged.end <= range_in_suspect.start {
                        //       <---->  (hunk)
                        // <-->          (unchanged)

                        // Let changes catch up with us.
                        (Some(hunk), None)
                    } else {
                        // <-->          (hunk)
                        //       <---->  (unchanged)
                        //
                        //    <--->      (hunk)
                        // <---------->  (unchanged)

                        // Nothing to do with `hunk` except shifting it,
                        // but `unchanged` needs to be checked against the next hunk to catch up.
                        new_hunks_to_blame
                            .push(hunk.passed_blame(suspect, parent).shift_by(parent, *offset));
                        (None, Some(Change::Unchanged(unchanged)))
                    }
                }
            }
        }
        (Some(hunk), Some(Change::AddedOrReplaced(added, number_of_lines_deleted))) => {
            let Some(range_in_suspect) = hunk.get_range(&suspect).cloned() else {
                new_hunks_to_blame.push(hunk);
                return (
                    None,
                    Some(Change::AddedOrReplaced(added, number_of_lines_deleted)),
                );
            };

            let suspect_contains_added_start = range_in_suspect.contains(&added.start);
            let suspect_contains_added_end = actual_end_in_range(&added, &range_in_suspect);
            match (suspect_contains_added_start, suspect_contains_added_end) {
                (true, true) => {
                    // A perfect match of lines to take out of the unblamed portion.
                    // <---------->  (hunk)
                    //     <--->     (added)
                    //     <--->     (blamed)
                    // <-->     <->  (new hunk)

                    // Split hunk at the start of added.
                    let hunk_starting_at_added = match hunk.split_at(suspect, added.start) {
                        Either::Left(hunk) => {
                            // `added` starts with `hunk`, nothing to split.
                            hunk
                        }
                        Either::Right((before, after)) => {
                            // requeue the left side `before` after offsetting it…
                            new_hunks_to_blame.push(
                                before
                                    .passed_blame(suspect, parent)
                                    .shift_by(parent, *offset),
                            );
                            // …and treat `after` as `new_hunk`, which contains the `added` range.
                            after
                        }
                    };

                    *offset += added.end - added.start;
                    *offset -= number_of_lines_deleted;

                    // The overlapping `added` section was successfully located.
                    // Re-split at the end of `added` to continue with what's after.
                    match hunk_starting_at_added.split_at(suspect, added.end) {
                        Either::Left(hunk) => {
                            new_hunks_to_blame.push(hunk);

                            // Nothing to split, so we are done with this hunk.
                            (None, None)
                        }
                        Either::Right((hunk, after)) => {
                            new_hunks_to_blame.push(hunk);

                            // Keep processing the unblamed range after `added`
                            (Some(after), None)
                        }
                    }
                }
                (true, false) => {
                    // Added overlaps towards the end of `hunk`.
                    // <-------->     (hunk)
                    //     <------->  (added)
                    //     <---->     (blamed)
                    // <-->           (new hunk)

                    let hunk_starting_at_added = match hunk.split_at(suspect, added.start) {
                        Either::Left(hunk) => hunk,
                        Either::Right((before, after)) => {
                            // Keep looking for the left side of the unblamed portion.
                            new_hunks_to_blame.push(
                                before
                                    .passed_blame(suspect, parent)
                                    .shift_by(parent, *offset),
                            );
                            after
                        }
                    };

                    // We can 'blame' the overlapping area of `added` and `hunk`.
                    new_hunks_to_blame.push(hunk_starting_at_added);
                    // Keep processing `added`, it's portion past `hunk` may still contribute.
                    (
                        None,
                        Some(Change::AddedOrReplaced(added, number_of_lines_deleted)),
                    )
                }
                (false, true) => {
                    // Added reaches into the hunk, so we blame only the overlapping portion of it.
                    //    <------->  (hunk)
                    // <------>      (added)
                    //    <--->      (blamed)
                    //         <-->  (new hunk)

                    *offset += added.end - added.start;
                    *offset -= number_of_lines_deleted;

                    match hunk.split_at(suspect, added.end) {
                        Either::Left(hunk) => {
                            new_hunks_to_blame.push(hunk);

                            (None, None)
                        }
                        Either::Right((before, after)) => {
                            new_hunks_to_blame.push(before);

                            (Some(after), None)
                        }
                    }
                }
                (false, false) => {
                    // Any of the following cases are handled by this branch:
                    //    <--->      (hunk)
                    // <---------->  (added)
                    //
                    //       <---->  (hunk)
                    // <-->          (added)
                    //
                    // <-->          (hunk)
                    //       <---->  (added)

                    if added.end <= range_in_suspect.start {
                        //       <---->  (hunk)
                        // <-->          (added)

                        *offset += added.end - added.start;
                        *offset -= number_of_lines_deleted;

                        // Let changes catchup with `hunk` after letting `added` contribute to the offset.
                        (Some(hunk), None)
                    } else if range_in_suspect.end <= added.start {
                        // <-->          (hunk)
                        //       <---->  (added)

                        // Retry `hunk` once there is overlapping changes to process.
                        new_hunks_to_blame
                            .push(hunk.passed_blame(suspect, parent).shift_by(parent, *offset));

                        // Let hunks catchup with this change.
                        (
                            None,
                            Some(Change::AddedOrReplaced(
                                added.clone(),
                                number_of_lines_deleted,
                            )),
                        )
                    } else {
                        // Discard the left side of `added`, keep track of `blamed`, and continue with the
                        // right side of added that is going past `hunk`.
                        //    <--->      (hunk)
                        // <---------->  (added)
                        //    <--->      (blamed)

                        // Successfully blame the whole range.
                        new_hunks_to_blame.push(hunk);

                        // And keep processing `added` with future `hunks` that might be affected by it.
                        (
                            None,
                            Some(Change::AddedOrReplaced(
                                added.clone(),
                                number_of_lines_deleted,
                            )),
                        )
                    }
                }
            }
        }
        (
            Some(hunk),
            Some(Change::Deleted(line_number_in_destination, number_of_lines_deleted)),
        ) => {
            let Some(range_in_suspect) = hunk.get_range(&suspect) else {
                new_hunks_to_blame.push(hunk);
                return (
                    None,
                    Some(Change::Deleted(
                        line_number_in_destination,
                        number_of_lines_deleted,
                    )),
                );
            };

            if line_number_in_destination < range_in_suspect.start {
                //     <--->  (hunk)
                //  |         (line_number_in_destination)

                // Track the shift to `hunk` as it affects us, and keep catching up with changes.
                *offset -= number_of_lines_deleted;
                (Some(hunk), None)
            } else if line_number_in_destination < range_in_suspect.end {
                //  <----->  (hunk)
                //     |     (line_number_in_destination)

                let new_hunk = match hunk.split_at(suspect, line_number_in_destination) {
                    Either::Left(hunk) => {
                        // Nothing to split as `line_number_in_destination` is directly at start of `hunk`
                        hunk
                    }
                    Either::Right((before, after)) => {
                        // `before` isn't affected by deletion, so keep it for later.
                        new_hunks_to_blame.push(
                            before
                                .passed_blame(suspect, parent)
                                .shift_by(parent, *offset),
                        );
                        // after will be affected by offset, and we will see if there are more changes affecting it.
                        after
                    }
                };
                *offset -= number_of_lines_deleted;
                (Some(new_hunk), None)
            } else {
                //  <--->     (hunk)
                //         |  (line_number_in_destination)

                // Catchup with changes.
                new_hunks_to_blame
                    .push(hunk.passed_blame(suspect, parent).shift_by(parent, *offset));

                (
                    None,
                    Some(Change::Deleted(
                        line_number_in_destination,
                        number_of_lines_deleted,
                    )),
                )
            }
        }
        (Some(hunk), None) => {
            // nothing to do - changes are exhausted, re-evaluate `hunk`.
            new_hunks_to_blame.push(hunk.passed_blame(suspect, parent).shift_by(parent, *offset));
            (None, None)
        }
        (None, Some(Change::Unchanged(_))) => {
            // Nothing changed past the blamed range - do nothing.
            (None, None)
        }
        (None, Some(Change::AddedOrReplaced(added, number_of_lines_deleted))) => {
            // Keep track of the shift to apply to hunks in the future.
            *offset += added.len() as u32;
            *offset -= number_of_lines_deleted;
            (None, None)
        }
        (None, Some(Change::Deleted(_, number_of_lines_deleted))) => {
            // Keep track of the shift to apply to hunks in the future.
            *offset -= number_of_lines_deleted;
            (None, None)
        }
        (None, None) => {
            // Noop, caller shouldn't do that, but not our problem.
            (None, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blame::tests::git;
    use std::path::Path;

    fn write(dir: &Path, file: &str, content: &str) {
        if let Some(parent) = Path::new(file).parent() {
            std::fs::create_dir_all(dir.join(parent)).unwrap();
        }
        std::fs::write(dir.join(file), content).unwrap();
    }

    /// `n` distinct lines about `topic`, with line `k` of `changed` replaced by `by`.
    fn text(topic: &str, n: usize, changed: &[(usize, &str)]) -> String {
        (1..=n)
            .map(|k| match changed.iter().find(|(c, _)| *c == k) {
                Some((_, by)) => format!("{by}\n"),
                None => format!("{topic} line {k}: some words about {topic} number {k}\n"),
            })
            .collect()
    }

    /// Per line of the blamed file: (commit, path there, line there), from entries.
    fn per_line(
        entries: impl Iterator<Item = (u32, u32, u32, ObjectId, Option<BString>)>,
        path: &str,
    ) -> Vec<(u32, String, String, u32)> {
        let mut out = Vec::new();
        for (start, source_start, len, commit, name) in entries {
            let source = name.map_or(path.to_owned(), |n| n.to_string());
            for k in 0..len {
                out.push((
                    start + k,
                    commit.to_string(),
                    source.clone(),
                    source_start + k,
                ));
            }
        }
        out.sort();
        out
    }

    /// A history with a merge whose other side renamed (and changed) three files, an evil
    /// merge that changed them again, and changes on both sides before and after.
    fn renaming_merge(dir: &Path) -> Vec<String> {
        let at = |day: u32| format!("2024-01-{day:02}T10:00:00Z");
        git(dir, "Setup", &at(1), &["init", "-q", "-b", "main"]);
        let files = ["a", "b", "c"];
        for f in files {
            write(dir, &format!("{f}.txt"), &text(f, 14, &[]));
        }
        git(dir, "Alice", &at(1), &["add", "-A"]);
        git(dir, "Alice", &at(1), &["commit", "-q", "-m", "files"]);
        for f in files {
            write(
                dir,
                &format!("{f}.txt"),
                &text(f, 14, &[(3, "bob was here")]),
            );
        }
        git(dir, "Bob", &at(2), &["commit", "-q", "-am", "bob"]);
        git(dir, "Carol", &at(3), &["checkout", "-q", "-b", "side"]);
        std::fs::create_dir_all(dir.join("x")).unwrap();
        for f in files {
            git(
                dir,
                "Carol",
                &at(3),
                &["mv", &format!("{f}.txt"), &format!("x/{f}.txt")],
            );
            write(
                dir,
                &format!("x/{f}.txt"),
                &text(f, 14, &[(3, "bob was here"), (10, "carol moved this file")]),
            );
        }
        git(dir, "Carol", &at(3), &["add", "-A"]);
        git(dir, "Carol", &at(3), &["commit", "-q", "-m", "move to x/"]);
        git(dir, "Dave", &at(4), &["checkout", "-q", "main"]);
        write(dir, "d.txt", "another file\n");
        git(dir, "Dave", &at(4), &["add", "-A"]);
        git(dir, "Dave", &at(4), &["commit", "-q", "-m", "dave"]);
        git(
            dir,
            "Eve",
            &at(5),
            &["merge", "-q", "--no-commit", "--no-ff", "side"],
        );
        for f in files {
            write(
                dir,
                &format!("x/{f}.txt"),
                &text(
                    f,
                    14,
                    &[
                        (3, "bob was here"),
                        (10, "carol moved this file"),
                        (6, "eve's merge"),
                    ],
                ),
            );
        }
        git(dir, "Eve", &at(5), &["add", "-A"]);
        git(dir, "Eve", &at(5), &["commit", "-q", "-m", "merge side"]);
        let merge = git(dir, "Eve", &at(5), &["rev-parse", "HEAD"]);
        write(
            dir,
            "x/b.txt",
            &text(
                "b",
                15,
                &[
                    (3, "bob was here"),
                    (10, "carol moved this file"),
                    (6, "eve's merge"),
                    (12, "frank"),
                ],
            ),
        );
        git(dir, "Frank", &at(6), &["commit", "-q", "-am", "frank"]);
        let head = git(dir, "Frank", &at(6), &["rev-parse", "HEAD"]);
        vec![merge, head]
    }

    /// Every line of the files under `x/`, at the merge and after it, blamed here (one cache
    /// for all, the files in every order) as gix-blame blames them; with loose objects and
    /// packed ones.
    #[test]
    fn walks_sharing_a_cache_answer_as_gix_blame() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let commits = renaming_merge(dir);
        let files = ["x/a.txt", "x/b.txt", "x/c.txt"];
        let orders = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        for packed in [false, true] {
            if packed {
                git(dir, "Gc", "2024-02-01T00:00:00Z", &["gc", "-q"]);
            }
            let repo = gix::open(dir).unwrap();
            let mut expected = HashMap::new();
            for commit in &commits {
                let id = ObjectId::from_hex(commit.as_bytes()).unwrap();
                for path in files {
                    let mut resource_cache = repo.diff_resource_cache_for_tree_diff().unwrap();
                    let outcome = gix::blame::file(
                        &repo.objects,
                        gix::blame::Start::Commit(id),
                        None,
                        &mut resource_cache,
                        BStr::new(path),
                        gix::blame::Options {
                            diff_algorithm: gix::diff::blob::Algorithm::Histogram,
                            ranges: gix::blame::BlameRanges::WholeFile,
                            since: None,
                            rewrites: Some(gix::diff::Rewrites::default()),
                            debug_track_path: false,
                        },
                    )
                    .unwrap();
                    let lines = per_line(
                        outcome.entries.into_iter().map(|e| {
                            let (start, source, len) =
                                (e.start_in_blamed_file, e.start_in_source_file, e.len.get());
                            (start, source, len, e.commit_id, e.source_file_name)
                        }),
                        path,
                    );
                    expected.insert((commit.clone(), path), lines);
                }
            }
            // The merge's rename detection (against the first parent) found the renames.
            assert!(
                expected
                    .values()
                    .flatten()
                    .any(|(_, _, source, _)| source == "b.txt"),
                "{expected:?}"
            );
            for order in orders {
                let cache = WalkCache::new(PackObjects::open(&repo, 1 << 20));
                let scratch = std::cell::RefCell::new(crate::packread::Scratch::default());
                let objects = Objects {
                    packs: &cache.packs,
                    scratch: &scratch,
                    fallback: &repo.objects,
                };
                let mut resource_cache = repo.diff_resource_cache_for_tree_diff().unwrap();
                let mut walk = Walk {
                    cache: &cache,
                    odb: &objects,
                    resource_cache: &mut resource_cache,
                    algorithm: gix::diff::blob::Algorithm::Histogram,
                    rewrites: Some(gix::diff::Rewrites::default()),
                };
                for commit in &commits {
                    let id = ObjectId::from_hex(commit.as_bytes()).unwrap();
                    for &n in &order {
                        let path = files[n];
                        let entries = walk
                            .blame(id, BStr::new(path), std::slice::from_ref(&(0..100)))
                            .unwrap();
                        let lines = per_line(
                            entries.into_iter().map(|e| {
                                let (start, source) =
                                    (e.start_in_blamed_file, e.start_in_source_file);
                                (start, source, e.len, e.commit_id, e.source_file_name)
                            }),
                            path,
                        );
                        assert_eq!(
                            lines,
                            expected[&(commit.clone(), path)],
                            "{path} at {commit}, order {order:?}, packed {packed}"
                        );
                    }
                }
            }
        }
    }

    /// A raw tree: (mode, name, id byte) entries in the order given.
    fn raw_tree(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name, id) in entries {
            out.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            out.extend_from_slice(&[*id; 20]);
        }
        out
    }

    #[test]
    fn tree_entries_are_found_in_git_order() {
        // Git's order: a directory sorts as if its name ended in `/` ('-' < '.' < '/' < '0').
        let tree = raw_tree(&[
            ("100644", "a-b", 1),
            ("100644", "a.c", 2),
            ("40000", "a", 3),
            ("100644", "a0", 4),
            ("100644", "b", 5),
            ("120000", "link name", 6),
        ]);
        let find = |name: &str| {
            find_in_tree(&tree, name.as_bytes(), 20)
                .expect("parses")
                .map(|id| id.as_bytes()[0])
        };
        assert_eq!(find("a-b"), Some(1));
        assert_eq!(find("a.c"), Some(2));
        assert_eq!(find("a"), Some(3));
        assert_eq!(find("a0"), Some(4));
        assert_eq!(find("b"), Some(5));
        assert_eq!(find("link name"), Some(6));
        for missing in ["", "a.", "a-", "a.d", "a1", "c", "link"] {
            assert_eq!(find(missing), None, "{missing}");
        }
        // A file named like a directory's prefix sorts before it; one past it, after.
        assert!(!sorts_after(b"a", false, b"a"));
        assert!(!sorts_after(b"a-b", false, b"a"));
        assert!(sorts_after(b"a0", false, b"a"));
        assert!(!sorts_after(b"a", true, b"a"));
        assert!(sorts_after(b"ab", true, b"a"));
        // The directory `a` comes after `a-b` and `a.c`, before `a0`.
        assert!(sorts_after(b"a", true, b"a-b"));
        assert!(sorts_after(b"a", true, b"a.c"));
        assert!(!sorts_after(b"a", true, b"a0"));
        // A tree that does not parse: gitoxide is asked instead.
        assert_eq!(find_in_tree(b"100644 a\0short", b"b", 20), None);
        assert_eq!(find_in_tree(b"100644", b"b", 20), None);
    }
}
