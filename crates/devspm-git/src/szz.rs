//! What SZZ needs from git: the lines a fixing commit deleted or changed, and a step back
//! through a line's earlier versions.
//!
//! SZZ starts from the lines a bug fix removed or modified (in the fix's parent): those are the
//! lines that were wrong, and the commits that last wrote them are the candidates for having
//! introduced the bug. A fix that only adds lines (a missing check) gives no removed lines; the
//! lines around the insertion are used instead, as the literature's variants do.
//!
//! [`Blamer::earlier_version`] supports the V-SZZ refinement: when the commit that last wrote a
//! line only modified an older version of it, the vulnerable code is older — follow the line
//! back to the commit that first introduced it.

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::diff::blob::{Algorithm, Diff, InternedInput, sources::byte_lines};

use crate::{Blamer, GitError};

/// The lines a fix changed in one file, as numbered in the fix's parent.
#[derive(Clone, Debug)]
pub struct FixedFile {
    /// The path in the parent.
    pub path: String,
    /// Deleted or modified lines (1-based, in the parent's version).
    pub removed: Vec<u32>,
    /// For insertions with no removed line: the lines just above and below them.
    pub context: Vec<u32>,
    /// The parent's version of each line in `removed`, whitespace removed — for filters.
    pub removed_text: Vec<Vec<u8>>,
    /// The lines the fix added in this file, whitespace removed.
    pub added_text: Vec<Vec<u8>>,
}

/// The changes of a fixing commit against its first parent.
#[derive(Clone, Debug)]
pub struct FixChanges {
    pub fix: String,
    pub parent: String,
    pub files: Vec<FixedFile>,
}

/// Why a fix cannot be analysed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixMiss {
    UnknownCommit,
    RootCommit,
    /// A shallow clone's boundary: the parent is not here.
    ShallowBoundary,
}

impl std::fmt::Display for FixMiss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FixMiss::UnknownCommit => "the commit is not in the repository",
            FixMiss::RootCommit => "the commit has no parent",
            FixMiss::ShallowBoundary => {
                "the commit's parent is beyond the shallow clone's boundary (fetch more history)"
            }
        })
    }
}

use crate::linemap::{LineMapper, strip_ws as strip};

impl Blamer {
    /// The lines `fix` deleted, changed or inserted next to, per modified text file.
    pub fn fix_changes(&self, fix: &str) -> Result<Result<FixChanges, FixMiss>, GitError> {
        let Some(id) = self.resolve_id(fix) else {
            return Ok(Err(FixMiss::UnknownCommit));
        };
        if self.shallow.contains(&id) {
            return Ok(Err(FixMiss::ShallowBoundary));
        }
        let commit = self.repo.find_commit(id).map_err(|e| self.err(e))?;
        let Some(parent) = commit.parent_ids().next().map(|p| p.detach()) else {
            return Ok(Err(FixMiss::RootCommit));
        };
        let new_tree = commit.tree().map_err(|e| self.err(e))?;
        let old_tree = self
            .repo
            .find_commit(parent)
            .and_then(|c| c.tree())
            .map_err(|e| self.err(e))?;
        let mut pairs: Vec<(String, ObjectId, ObjectId)> = Vec::new();
        let mut platform = old_tree.changes().map_err(|e| self.err(e))?;
        platform.options(|o| {
            o.track_path()
                .track_rewrites(Some(gix::diff::Rewrites::default()));
        });
        platform
            .for_each_to_obtain_tree(&new_tree, |change| {
                use gix::object::tree::diff::Change;
                match change {
                    Change::Modification {
                        location,
                        previous_id,
                        id,
                        entry_mode,
                        ..
                    } if entry_mode.is_blob() => pairs.push((
                        location.to_str_lossy().into_owned(),
                        previous_id.detach(),
                        id.detach(),
                    )),
                    Change::Rewrite {
                        source_location,
                        source_id,
                        id,
                        entry_mode,
                        copy: false,
                        ..
                    } if entry_mode.is_blob() => pairs.push((
                        source_location.to_str_lossy().into_owned(),
                        source_id.detach(),
                        id.detach(),
                    )),
                    _ => {}
                }
                Ok(std::ops::ControlFlow::Continue(()))
            })
            .map_err(|e| self.err(e))?;
        let mut files = Vec::new();
        for (path, old_id, new_id) in pairs {
            let (Ok(old), Ok(new)) = (self.repo.find_blob(old_id), self.repo.find_blob(new_id))
            else {
                continue;
            };
            let (old, new) = (old.data.clone(), new.data.clone());
            if old[..old.len().min(8000)].contains(&0) || new[..new.len().min(8000)].contains(&0) {
                continue;
            }
            let old_lines: Vec<&[u8]> = old.lines().collect();
            let new_lines: Vec<&[u8]> = new.lines().collect();
            let input = InternedInput::new(byte_lines(&old), byte_lines(&new));
            let diff = Diff::compute(Algorithm::Histogram, &input);
            let mut file = FixedFile {
                path,
                removed: Vec::new(),
                context: Vec::new(),
                removed_text: Vec::new(),
                added_text: Vec::new(),
            };
            for hunk in diff.hunks() {
                for i in hunk.after.clone() {
                    if let Some(l) = new_lines.get(i as usize) {
                        file.added_text.push(strip(l));
                    }
                }
                if hunk.before.is_empty() {
                    // An insertion: the line above (before.start, 1-based) and below.
                    let above = hunk.before.start;
                    if above >= 1 {
                        file.context.push(above);
                    }
                    if (above as usize) < old_lines.len() {
                        file.context.push(above + 1);
                    }
                } else {
                    for i in hunk.before.clone() {
                        file.removed.push(i + 1);
                        file.removed_text.push(
                            old_lines
                                .get(i as usize)
                                .map(|l| strip(l))
                                .unwrap_or_default(),
                        );
                    }
                }
            }
            if !file.removed.is_empty() || !file.context.is_empty() {
                files.push(file);
            }
        }
        Ok(Ok(FixChanges {
            fix: id.to_string(),
            parent: parent.to_string(),
            files,
        }))
    }

    /// V-SZZ step: if `commit` modified (rather than added) line `line` of `path`, the most
    /// similar line of the version it replaced, in the commit's first parent. `None` when the
    /// line was new in `commit`.
    pub fn earlier_version(
        &self,
        commit: &str,
        path: &str,
        line: u32,
    ) -> Result<Option<(String, u32)>, GitError> {
        Ok(self
            .earlier_versions(commit, path, &[line])?
            .into_iter()
            .next()
            .flatten())
    }

    /// [`Blamer::earlier_version`] of several lines of one file at one commit, diffing the
    /// two versions once.
    pub fn earlier_versions(
        &self,
        commit: &str,
        path: &str,
        lines: &[u32],
    ) -> Result<Vec<Option<(String, u32)>>, GitError> {
        let none = || vec![None; lines.len()];
        let Some(id) = self.resolve_id(commit) else {
            return Ok(none());
        };
        if self.shallow.contains(&id) {
            return Ok(none());
        }
        let c = self.repo.find_commit(id).map_err(|e| self.err(e))?;
        let Some(parent) = c.parent_ids().next().map(|p| p.detach()) else {
            return Ok(none());
        };
        drop(c);
        let (Ok(new_blob), Ok(old_blob)) = (self.entry_at(id, path)?, self.entry_at(parent, path)?)
        else {
            return Ok(none());
        };
        let (Ok(new), Ok(old)) = (self.repo.find_blob(new_blob), self.repo.find_blob(old_blob))
        else {
            return Ok(none());
        };
        let (new, old) = (new.data.clone(), old.data.clone());
        let mapper = LineMapper::new(&old, &new);
        let parent = parent.to_string();
        Ok(lines
            .iter()
            .map(|&line| mapper.map(line, Some(0.75)).map(|l| (parent.clone(), l)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::blame::tests::{commit, git};
    use crate::{BlameOptions, Blamer};

    /// The lines of one version mapped through one diff are each mapped as on their own: a
    /// modified line to the version it replaced, an added or unchanged one to nothing.
    #[test]
    fn earlier_versions_map_each_line_as_on_its_own() {
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
            "a.c",
            "int f(int n) {\n  int total = header + body;\n  copy(out, in, total);\n  check(out);\n  return total;\n}\n",
            "alice",
        );
        let bob = commit(
            dir,
            "Bob",
            "2024-02-01T10:00:00Z",
            "a.c",
            "int f(int n) {\n  log(n);\n  int total = header + body + 1;\n  copy(out, in, total + 1);\n  something_else_entirely();\n  return total;\n}\n",
            "bob",
        );
        let repo = crate::open(dir).unwrap();
        let blamer = Blamer::new(&repo, BlameOptions::default());
        let lines: Vec<u32> = (0..=9).collect();
        let all = blamer.earlier_versions(&bob, "a.c", &lines).unwrap();
        let one: Vec<_> = lines
            .iter()
            .map(|&l| blamer.earlier_version(&bob, "a.c", l).unwrap())
            .collect();
        assert_eq!(all, one);
        let at = |line: usize| all[line].as_ref().map(|(c, l)| (c.as_str(), *l));
        assert_eq!(at(3), Some((alice.as_str(), 2)));
        assert_eq!(at(4), Some((alice.as_str(), 3)));
        for unmapped in [0, 1, 2, 5, 6, 7, 8, 9] {
            assert_eq!(at(unmapped), None, "line {unmapped}: {all:?}");
        }
        // The first commit has no earlier version.
        assert_eq!(
            blamer.earlier_versions(&alice, "a.c", &[2]).unwrap(),
            vec![None]
        );
    }
}
