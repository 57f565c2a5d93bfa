//! Reading selected files of a revision: the configuration files analyzers inspect.

use gix::bstr::ByteSlice;

use crate::{GitError, Repo};

/// A file of a revision selected by path.
#[derive(Debug)]
pub struct RevisionFile {
    pub path: String,
    pub blob: String,
    /// The content, or why it was not read (too large, a symlink, missing, binary).
    pub content: Result<Vec<u8>, String>,
}

/// Every commit `revision` descends from, itself included (full hex ids): the line of history
/// a scan of `revision` speaks for. An unreadable commit ends the walk there.
pub fn ancestors(
    repo: &Repo,
    revision: &str,
) -> Result<std::collections::HashSet<String>, GitError> {
    let read_err = |reason: String| GitError::Read {
        path: repo.path.display().to_string(),
        reason,
    };
    let local = repo.inner.to_thread_local();
    let id = gix::ObjectId::from_hex(revision.as_bytes()).map_err(|e| read_err(e.to_string()))?;
    let walk = local
        .rev_walk([id])
        .all()
        .map_err(|e| read_err(e.to_string()))?;
    let mut out = std::collections::HashSet::new();
    for info in walk {
        match info {
            Ok(info) => {
                out.insert(info.id.to_string());
            }
            Err(_) => break,
        }
    }
    Ok(out)
}

/// The commit HEAD points at, or `None` for an unborn HEAD.
pub fn head_commit(repo: &Repo) -> Result<Option<String>, GitError> {
    let local = repo.inner.to_thread_local();
    match local.head_id() {
        Ok(id) => Ok(Some(id.to_string())),
        Err(_) => Ok(None),
    }
}

/// Files of `commit` whose path `select` accepts, read up to `max_bytes` each. Symlinks are
/// never followed (a link can point outside the repository) and files with a NUL byte are
/// reported as binary rather than read.
pub fn files_at(
    repo: &Repo,
    commit: &str,
    select: &dyn Fn(&str) -> bool,
    max_bytes: u64,
) -> Result<Vec<RevisionFile>, GitError> {
    let read_err = |reason: String| GitError::Read {
        path: repo.path.display().to_string(),
        reason,
    };
    let unreadable = |reason: String| GitError::UnreadableTree {
        path: repo.path.display().to_string(),
        commit: commit.to_owned(),
        reason,
    };
    let local = repo.inner.to_thread_local();
    let id = gix::ObjectId::from_hex(commit.as_bytes()).map_err(|e| read_err(e.to_string()))?;
    let tree = local
        .find_commit(id)
        .map_err(|e| unreadable(e.to_string()))?
        .tree()
        .map_err(|e| unreadable(e.to_string()))?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse()
        .breadthfirst(&mut recorder)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut files = Vec::new();
    for entry in recorder.records {
        if entry.mode.is_tree() || entry.mode.is_commit() {
            continue;
        }
        let path = entry.filepath.to_str_lossy().into_owned();
        if !select(&path) {
            continue;
        }
        let content = if entry.mode.is_link() {
            Err("a symbolic link (not followed)".to_owned())
        } else {
            match local.find_header(entry.oid) {
                Ok(header) if header.size() > max_bytes => Err(format!(
                    "{} bytes, more than the {max_bytes}-byte limit for configuration files",
                    header.size()
                )),
                Ok(_) => match local.find_blob(entry.oid) {
                    Ok(blob) if blob.data[..blob.data.len().min(8000)].contains(&0) => {
                        Err("binary content".to_owned())
                    }
                    Ok(blob) => Ok(blob.data.clone()),
                    Err(e) => Err(format!("blob cannot be read: {e}")),
                },
                Err(e) => Err(format!("blob cannot be read: {e}")),
            }
        };
        files.push(RevisionFile {
            path,
            blob: entry.oid.to_string(),
            content,
        });
    }
    Ok(files)
}

/// A note: the annotated commit id, and the note's bytes or why they could not be read.
pub type Note = (String, Result<Vec<u8>, String>);

/// The notes under `notes_ref` (e.g. `refs/notes/ai`): annotated commit id and note bytes.
/// Fan-out paths (`ab/cdef…`) are joined back into ids; anything else in the notes tree is
/// ignored. A missing ref is no notes.
pub fn notes(repo: &Repo, notes_ref: &str) -> Result<Vec<Note>, GitError> {
    let read_err = |reason: String| GitError::Read {
        path: repo.path.display().to_string(),
        reason,
    };
    let local = repo.inner.to_thread_local();
    let Ok(mut reference) = local.find_reference(notes_ref) else {
        return Ok(Vec::new());
    };
    let tree = reference
        .peel_to_commit()
        .and_then(|c| c.tree())
        .map_err(|e| read_err(format!("{notes_ref}: {e}")))?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse()
        .breadthfirst(&mut recorder)
        .map_err(|e| read_err(e.to_string()))?;
    let mut out = Vec::new();
    for entry in recorder.records {
        if entry.mode.is_tree() {
            continue;
        }
        let id: String = entry
            .filepath
            .to_str_lossy()
            .chars()
            .filter(|c| *c != '/')
            .collect();
        if id.len() != 40 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let content = local
            .find_blob(entry.oid)
            .map(|b| b.data.clone())
            .map_err(|e| format!("note blob cannot be read: {e}"));
        out.push((id.to_ascii_lowercase(), content));
    }
    Ok(out)
}

/// Legacy git-ai authorship records (`authorship/0.0.1`): one ref per annotated commit,
/// `refs/ai/authorship/<commit id>`, pointing at a blob in the note format. Refs that do not
/// name a commit id are ignored; a ref that does not point at a readable blob gives the reason.
pub fn legacy_authorship(repo: &Repo) -> Result<Vec<Note>, GitError> {
    const PREFIX: &str = "refs/ai/authorship/";
    let read_err = |reason: String| GitError::Read {
        path: repo.path.display().to_string(),
        reason,
    };
    let local = repo.inner.to_thread_local();
    let platform = local.references().map_err(|e| read_err(e.to_string()))?;
    let iter = platform
        .prefixed(PREFIX)
        .map_err(|e| read_err(e.to_string()))?;
    let mut out = Vec::new();
    for reference in iter {
        let Ok(reference) = reference else {
            continue;
        };
        let name = reference.name().as_bstr().to_str_lossy().into_owned();
        let id = name.trim_start_matches(PREFIX).to_ascii_lowercase();
        if id.len() != 40 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let content = match reference.try_id() {
            Some(target) => match target.object() {
                Ok(object) if object.kind == gix::object::Kind::Blob => Ok(object.data.clone()),
                Ok(object) => Err(format!("{name} points at a {}, not a blob", object.kind)),
                Err(e) => Err(format!("{name}: {e}")),
            },
            None => Err(format!("{name} is a symbolic ref")),
        };
        out.push((id, content));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Local branches (`refs/heads/*`) and their commits, sorted by name; symbolic and unreadable
/// refs are left out.
pub fn branch_heads(repo: &Repo) -> Result<Vec<(String, String)>, GitError> {
    let read_err = |reason: String| GitError::Read {
        path: repo.path.display().to_string(),
        reason,
    };
    let local = repo.inner.to_thread_local();
    let platform = local.references().map_err(|e| read_err(e.to_string()))?;
    let iter = platform
        .local_branches()
        .map_err(|e| read_err(e.to_string()))?;
    let mut out = Vec::new();
    for reference in iter.flatten() {
        let mut reference = reference;
        let name = reference.name().as_bstr().to_str_lossy().into_owned();
        if let Ok(commit) = reference.peel_to_commit() {
            out.push((name, commit.id.to_string()));
        }
    }
    out.sort();
    Ok(out)
}

/// The git blob id of `bytes` (what `git hash-object` prints), to tell whether a file in a work
/// tree is the version committed at a revision.
pub fn blob_id(bytes: &[u8]) -> Option<String> {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::object::Kind::Blob, bytes)
        .ok()
        .map(|id| id.to_string())
}

/// Reads small text files by blob id or by path at a revision, with one repository handle for
/// many reads (the insider-threat signals read both versions of each changed build file).
/// Anything missing, larger than the limit, or binary (a NUL in the first 8,000 bytes) reads
/// as `None`: the caller treats it as not inspectable.
pub struct TextReader {
    local: gix::Repository,
    max_bytes: u64,
}

impl TextReader {
    pub fn new(repo: &Repo, max_bytes: u64) -> TextReader {
        TextReader {
            local: repo.inner.to_thread_local(),
            max_bytes,
        }
    }

    /// The text of a blob.
    pub fn blob(&self, id: &str) -> Option<Vec<u8>> {
        let id = gix::ObjectId::from_hex(id.as_bytes()).ok()?;
        self.read(id)
    }

    /// The text of the file at `path` in `commit`.
    pub fn file_at(&self, commit: &str, path: &str) -> Option<Vec<u8>> {
        let id = gix::ObjectId::from_hex(commit.as_bytes()).ok()?;
        let tree = self.local.find_commit(id).ok()?.tree().ok()?;
        let entry = tree.lookup_entry_by_path(path).ok()??;
        let mode = entry.mode();
        if mode.is_tree() || mode.is_commit() || mode.is_link() {
            return None;
        }
        self.read(entry.object_id())
    }

    fn read(&self, id: gix::ObjectId) -> Option<Vec<u8>> {
        let header = self.local.find_header(id).ok()?;
        if header.size() > self.max_bytes {
            return None;
        }
        let blob = self.local.find_blob(id).ok()?;
        if blob.data[..blob.data.len().min(8000)].contains(&0) {
            return None;
        }
        Some(blob.data.clone())
    }
}
