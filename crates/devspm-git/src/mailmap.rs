//! `.mailmap` links with their evidence: which line of the file maps an alias to another, and
//! which commit (and so which author) added that line.
//!
//! A `.mailmap` is repository content that any contributor can change, so a link it declares
//! is evidence, not authority: identity resolution (`devspm-core::identity`) decides whether
//! to apply it by who added its line. This module supplies that. It reads `.mailmap` as
//! committed at HEAD — not the work tree's copy, nor `mailmap.file`/`mailmap.blob` settings,
//! whose lines have no author in history — maps every known alias the way git does, finds the
//! line that decided each mapping, and the commit that added that line.
//!
//! Which commit added a line is found by content first: among the commits of this ingest
//! whose diff touched `.mailmap`, the one (reachable from HEAD, the latest if several) whose
//! `.mailmap` holds the line, whitespace aside, while none of its parents' does. A `.mailmap`
//! is an unordered list, so a maintainer who re-sorts or re-indents it does not become the
//! author of every line, and a merge is the author only of lines none of its parents had.
//! This reads a handful of file versions, where a blame of the whole history reads every
//! commit's tree (on git/git: 6 s and 220 MB, a third of the whole ingest). Lines this does
//! not place — added by commits an earlier ingest recorded, and needed only now because a new
//! alias matches them — are blamed at HEAD, following whitespace edits and moves but not
//! `.git-blame-ignore-revs` (repository content too, which could hide who added a line).

use std::collections::{HashMap, HashSet};

use devspm_core::event::{AliasLinked, LinkLine};
use devspm_core::{Attachment, NewEvent};
use gix::bstr::ByteSlice;

use crate::blame::{BlameOptions, Blamer};
use crate::graph::ParentGraph;
use crate::repo::Repo;

/// The path of the file, at the root of the tree.
const MAILMAP: &str = ".mailmap";

/// A mapping found for one alias: the canonical name and e-mail, and the deciding line.
struct Mapping {
    alias: String,
    name: Vec<u8>,
    email: Vec<u8>,
    line: u32,
}

/// Assigns an alias id to a name and e-mail, adding its personal data to the attachments
/// when the alias is new.
pub(crate) type AliasFor<'a> = dyn FnMut(&[u8], &[u8], &mut Vec<Attachment>) -> String + 'a;

/// What the ingest that calls [`link_events`] knows of the history: the commits it read whose
/// diff touched `.mailmap`, and the commit graph.
pub(crate) struct History<'a> {
    pub touched: Vec<String>,
    pub graph: Option<&'a ParentGraph>,
}

/// The `alias_linked` events for every alias in `aliases` (`(id, name, e-mail)`) that HEAD's
/// `.mailmap` maps to another name or e-mail, except links already `recorded` with their line
/// (`(alias, canonical)` pairs). Each event carries the deciding line and who added it.
pub(crate) fn link_events(
    repo: &Repo,
    local: &gix::Repository,
    aliases: Vec<(String, Vec<u8>, Vec<u8>)>,
    recorded: &HashSet<(String, String)>,
    history: &History<'_>,
    alias_for: &mut AliasFor<'_>,
) -> Vec<NewEvent> {
    let Some((revision, text)) = mailmap_at_head(local) else {
        return Vec::new();
    };
    let mappings = map_aliases(&text, aliases);
    // Canonical aliases first (new ones carry their personal data), then blame only the lines
    // of links not yet recorded with their evidence.
    let mut links = Vec::new();
    for m in mappings {
        let mut attachments = Vec::new();
        let canonical = alias_for(&m.name, &m.email, &mut attachments);
        if recorded.contains(&(m.alias.clone(), canonical.clone())) {
            continue;
        }
        links.push((m.alias, canonical, m.line, attachments));
    }
    if links.is_empty() {
        return Vec::new();
    }
    let mut wanted: Vec<u32> = links.iter().map(|l| l.2).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut origins = origins_by_content(local, revision, &text, &wanted, history);
    let unplaced: Vec<u32> = wanted
        .iter()
        .copied()
        .filter(|l| !origins.iter().any(|o| o.0 == *l))
        .collect();
    if !unplaced.is_empty() {
        origins.extend(blame_lines(repo, &revision, &unplaced));
    }
    let mut events = Vec::new();
    for (alias, canonical, line, mut attachments) in links {
        let (added_in, added_by) = match origins.iter().find(|o| o.0 == line) {
            Some((_, commit, false)) => {
                let author = local
                    .find_commit(*commit)
                    .ok()
                    .and_then(|c| c.author().ok().map(|a| (a.name.to_vec(), a.email.to_vec())));
                let added_by =
                    author.map(|(name, email)| alias_for(&name, &email, &mut attachments));
                (Some(commit.to_string()), added_by)
            }
            // A shallow clone's boundary "added" every line below it: the author is unknown.
            Some((_, commit, true)) => (Some(commit.to_string()), None),
            None => (None, None),
        };
        let key_commit = added_in.clone().unwrap_or_else(|| "unblamed".to_owned());
        let payload = AliasLinked {
            alias: alias.clone(),
            canonical: canonical.clone(),
            source: "mailmap".into(),
            repo: repo.id.clone(),
            line: Some(LinkLine {
                revision: revision.to_string(),
                path: MAILMAP.to_owned(),
                line,
                added_in,
                added_by,
            }),
        };
        events.push(
            NewEvent::new(
                format!("link/mailmap/{}/{alias}/{canonical}/{key_commit}", repo.id),
                "devspm:git-ingest",
                alias,
                payload,
            )
            .with_attachments(attachments),
        );
    }
    events
}

/// HEAD's commit and its `.mailmap` (a regular file at the root of its tree), if any.
fn mailmap_at_head(local: &gix::Repository) -> Option<(gix::ObjectId, Vec<u8>)> {
    let commit = local.head_commit().ok()?;
    let tree = commit.tree().ok()?;
    let entry = tree.find_entry(MAILMAP)?;
    // A symlink's "content" is its target path; git refuses to follow an in-tree `.mailmap`
    // symlink, and so does devspm.
    if !entry.mode().is_blob() {
        return None;
    }
    let blob = local.find_blob(entry.object_id()).ok()?;
    Some((commit.id, blob.data.clone()))
}

/// Maps every alias through the file the way git does and finds, for each alias the file
/// changes, the line that decided it.
fn map_aliases(text: &[u8], aliases: Vec<(String, Vec<u8>, Vec<u8>)>) -> Vec<Mapping> {
    let snapshot = gix::mailmap::Snapshot::from_bytes(text);
    // Each line parsed alone, with its number (1-based, as blame counts).
    let lines: Vec<(u32, gix::mailmap::Entry<'_>)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let entry = gix::mailmap::parse_ignore_errors(line).next()?;
            Some((u32::try_from(i + 1).ok()?, entry))
        })
        .collect();
    let mut mappings = Vec::new();
    for (alias, name, email) in aliases {
        let signature = gix::actor::SignatureRef {
            name: name.as_bstr(),
            email: email.as_bstr(),
            time: "",
        };
        let Some(canonical) = snapshot.try_resolve(signature) else {
            continue;
        };
        if canonical.name.as_bytes() == name.as_slice()
            && canonical.email.as_bytes() == email.as_slice()
        {
            continue;
        }
        let email_changed = !canonical.email.as_bytes().eq_ignore_ascii_case(&email);
        let Some(line) = deciding_line(&lines, &name, &email, email_changed) else {
            continue;
        };
        mappings.push(Mapping {
            alias,
            name: canonical.name.to_vec(),
            email: canonical.email.to_vec(),
            line,
        });
    }
    mappings
}

/// The line that decided an alias's mapping, following gix's (and git's) precedence: an entry
/// keyed by name and e-mail beats entries keyed by e-mail alone, and later lines override
/// earlier ones; among e-mail-only entries the e-mail and the name can come from different
/// lines, and the one that changes the e-mail is what joins two people.
fn deciding_line(
    lines: &[(u32, gix::mailmap::Entry<'_>)],
    name: &[u8],
    email: &[u8],
    email_changed: bool,
) -> Option<u32> {
    let matching = lines.iter().filter(|(_, e)| {
        e.old_email().as_bytes().eq_ignore_ascii_case(email)
            && e.old_name()
                .is_none_or(|n| n.as_bytes().eq_ignore_ascii_case(name))
    });
    let mut by_name = None;
    let mut by_email_new_email = None;
    let mut by_email_new_name = None;
    let mut by_email = None;
    for (number, entry) in matching {
        if entry.old_name().is_some() {
            by_name = Some(*number);
        } else {
            by_email = Some(*number);
            if entry.new_email().is_some() {
                by_email_new_email = Some(*number);
            }
            if entry.new_name().is_some() {
                by_email_new_name = Some(*number);
            }
        }
    }
    by_name.or(if email_changed {
        by_email_new_email.or(by_email)
    } else {
        by_email_new_name.or(by_email)
    })
}

/// Whether a changed file of a commit is the root `.mailmap` (before or after a rename).
pub(crate) fn touches_mailmap(change: &devspm_core::event::FileChange) -> bool {
    change.path.0 == MAILMAP.as_bytes()
        || change
            .old_path
            .as_ref()
            .is_some_and(|p| p.0 == MAILMAP.as_bytes())
}

/// A line of the file as compared across versions: without any whitespace; `None` for blank
/// lines and comments.
fn line_key(line: &[u8]) -> Option<Vec<u8>> {
    let key: Vec<u8> = line
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    (!key.is_empty() && key[0] != b'#').then_some(key)
}

/// The `.mailmap` line keys of commits, each commit and each version of the file read once:
/// a commit's parents are often other commits that touched the file, and most of them share
/// its version.
#[derive(Default)]
struct KeysAt {
    by_commit: HashMap<gix::ObjectId, std::rc::Rc<HashSet<Vec<u8>>>>,
    by_blob: HashMap<gix::ObjectId, std::rc::Rc<HashSet<Vec<u8>>>>,
}

impl KeysAt {
    /// The `.mailmap` of a commit as a set of line keys (empty when it has none).
    fn get(
        &mut self,
        local: &gix::Repository,
        commit: gix::ObjectId,
    ) -> std::rc::Rc<HashSet<Vec<u8>>> {
        if let Some(keys) = self.by_commit.get(&commit) {
            return keys.clone();
        }
        let blob = local
            .find_commit(commit)
            .ok()
            .and_then(|c| c.tree().ok())
            .and_then(|t| {
                let entry = t.find_entry(MAILMAP)?;
                entry.mode().is_blob().then(|| entry.object_id())
            });
        let keys = match blob {
            None => std::rc::Rc::new(HashSet::new()),
            Some(blob) => self
                .by_blob
                .entry(blob)
                .or_insert_with(|| {
                    let text = local
                        .find_blob(blob)
                        .map(|b| b.data.clone())
                        .unwrap_or_default();
                    std::rc::Rc::new(text.lines().filter_map(line_key).collect())
                })
                .clone(),
        };
        self.by_commit.insert(commit, keys.clone());
        keys
    }
}

/// Finds, for `lines` of `text` (HEAD's `.mailmap`), the commit that added each among the
/// commits that touched the file (see the module comment). Lines it cannot place are left out.
fn origins_by_content(
    local: &gix::Repository,
    head: gix::ObjectId,
    text: &[u8],
    lines: &[u32],
    history: &History<'_>,
) -> Vec<(u32, gix::ObjectId, bool)> {
    let Some(graph) = history.graph else {
        return Vec::new();
    };
    if history.touched.is_empty() {
        return Vec::new();
    }
    let head_hex = head.to_string();
    let reachable = graph.reachable([head_hex.as_str()]);
    // What each touching commit (reachable from HEAD) added: lines none of its parents had.
    let mut added: Vec<(gix::ObjectId, HashSet<Vec<u8>>)> = Vec::new();
    let mut keys_at = KeysAt::default();
    for hex in &history.touched {
        if !reachable.contains(hex.as_str()) {
            continue;
        }
        let Ok(id) = gix::ObjectId::from_hex(hex.as_bytes()) else {
            continue;
        };
        let Ok(commit) = local.find_commit(id) else {
            continue;
        };
        let mut keys: HashSet<Vec<u8>> = (*keys_at.get(local, id)).clone();
        for parent in commit.parent_ids() {
            let before = keys_at.get(local, parent.detach());
            keys.retain(|k| !before.contains(k));
        }
        if !keys.is_empty() {
            added.push((id, keys));
        }
    }
    let by_number: HashMap<u32, Vec<u8>> = text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| Some((u32::try_from(i + 1).ok()?, line_key(line)?)))
        .collect();
    let mut out = Vec::new();
    for &number in lines {
        let Some(key) = by_number.get(&number) else {
            continue;
        };
        let adders: Vec<gix::ObjectId> = added
            .iter()
            .filter(|(_, keys)| keys.contains(key))
            .map(|(id, _)| *id)
            .collect();
        // Added more than once (added, removed, added again): the latest addition, the one
        // no other adder descends from; ties go to the smallest id, for a stable answer.
        let latest = adders
            .iter()
            .filter(|a| {
                !adders
                    .iter()
                    .any(|b| b != *a && graph.is_ancestor(&a.to_string(), &b.to_string()))
            })
            .min();
        if let Some(commit) = latest {
            out.push((number, *commit, false));
        }
    }
    out
}

/// Blames `lines` of `.mailmap` at `revision`: each line's number, the commit that added it,
/// and whether that commit is a shallow boundary. Lines blame cannot place are left out.
fn blame_lines(
    repo: &Repo,
    revision: &gix::ObjectId,
    lines: &[u32],
) -> Vec<(u32, gix::ObjectId, bool)> {
    let options = BlameOptions {
        skip_cosmetic: true,
        ignore_revs_file: false,
        ignore_revs: Vec::new(),
        ..BlameOptions::default()
    };
    let mut blamer = Blamer::new(repo, options);
    let Ok(Ok(blame)) = blamer.blame(&revision.to_string(), MAILMAP, lines) else {
        return Vec::new();
    };
    blame
        .lines
        .into_iter()
        .filter_map(|o| {
            let commit = gix::ObjectId::from_hex(o.commit.as_bytes()).ok()?;
            Some((o.line, commit, o.boundary))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(text: &str, name: &str, email: &str) -> Option<(String, String, u32)> {
        map_aliases(
            text.as_bytes(),
            vec![(
                "a_1".into(),
                name.as_bytes().to_vec(),
                email.as_bytes().to_vec(),
            )],
        )
        .into_iter()
        .next()
        .map(|m| {
            (
                String::from_utf8(m.name).unwrap(),
                String::from_utf8(m.email).unwrap(),
                m.line,
            )
        })
    }

    fn m(name: &str, email: &str, line: u32) -> Option<(String, String, u32)> {
        Some((name.to_owned(), email.to_owned(), line))
    }

    #[test]
    fn the_deciding_line_is_the_one_git_applies() {
        let text = "# people\n\
                    Bob Stone <bob@example.com> <bob@home.example>\n\
                    \n\
                    Mallory <mallory@example.net> <alice@example.com>\n\
                    Alice Martin <alice@example.com> Alice M <alice@example.com>\n\
                    <new@example.com> <old@example.com>\n\
                    Old Name <old@example.com>\n\
                    Later Name <old@example.com>\n";
        assert_eq!(
            mapped(text, "Bob", "BOB@home.example"),
            m("Bob Stone", "bob@example.com", 2)
        );
        // The e-mail-only entry for alice@ is line 4; the name-and-e-mail entry of line 5 wins
        // for its name.
        assert_eq!(
            mapped(text, "Alice Martin", "alice@example.com"),
            m("Mallory", "mallory@example.net", 4)
        );
        assert_eq!(
            mapped(text, "Alice M", "alice@example.com"),
            m("Alice Martin", "alice@example.com", 5)
        );
        // The e-mail from line 6, the name from line 8: the e-mail's line decides.
        assert_eq!(
            mapped(text, "Someone", "old@example.com"),
            m("Later Name", "new@example.com", 6)
        );
        assert_eq!(mapped(text, "Carol", "carol@example.com"), None);
    }
}
