//! Identifying scanner results: each raw result becomes a finding id the same way on every
//! run — its path placed in the repository at the scanned revision, its text cleaned of
//! secrets, fingerprinted, repeated content numbered, secrets hashed under the ledger's key.
//! `export sarif` identifies a report's results the same way to find their findings again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use devspm_core::finding::finding_id;
use devspm_findings::RawFinding;
use devspm_findings::fingerprint::{fingerprint, flagged_text, secret_hash};
use devspm_findings::paths::{Placed, place};
use devspm_git::{BlameOptions, Blamer};
use devspm_ledger::FindingStore;

use crate::{Context, EngineError};

/// Turns raw results into finding ids the same way every time: placing paths at the scanned
/// revision, fingerprinting, numbering repeated content, hashing secrets.
pub(super) struct Identifier<'a> {
    repo: &'a devspm_git::Repo,
    pub(super) blamer: Blamer,
    pub(super) head: Option<String>,
    cli_revision: Option<String>,
    tool_override: Option<String>,
    key: [u8; 32],
    /// Replaces the secrets in every free-text field before anything is fingerprinted or kept.
    pub(super) redactor: crate::secrets::Redactor,
    workdir: Option<PathBuf>,
    tree_cache: HashMap<String, HashSet<String>>,
    /// File contents by (revision, path): results come grouped by file.
    contents: HashMap<(String, String), Option<std::rc::Rc<Vec<u8>>>>,
}

/// One result, identified.
pub(super) struct Identified {
    pub(super) id: String,
    pub(super) fingerprint: String,
    pub(super) tool: String,
    pub(super) path: Option<String>,
    pub(super) foreign: Option<String>,
    pub(super) unplaced: Option<String>,
    /// The result names a file that the revision's tree does not have (or none of the
    /// repository's): the path as the result gave it.
    pub(super) missing: Option<String>,
    pub(super) lines: Option<(u32, u32)>,
    pub(super) secret_hash: Option<String>,
    pub(super) revision: Option<String>,
    /// The same result (fingerprint and place) appeared earlier in the file.
    pub(super) duplicate: bool,
}

/// Where a result points: repository path and first line (`None` for no file).
type Place = Option<(String, Option<u32>)>;

/// Per-file state of identification: the file's revision and the places seen so far.
#[derive(Default)]
pub(super) struct FileState {
    pub(super) revision: Option<String>,
    pub(super) revision_set: bool,
    /// [`id_key`] of (tool, fingerprint) → [`id_key`] of the first place it was seen at: a
    /// million results keep 32 bytes each here, not their strings.
    pub(super) places: HashMap<u128, u128>,
}

/// A 128-bit key for a string (or a few, joined) kept only to be compared: two different
/// strings share one with probability 2^-128. Sets of keys instead of strings keep an import's
/// memory in proportion to its results small.
pub(super) fn id_key(parts: &[&str]) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |seed: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        seed.hash(&mut h);
        parts.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

impl<'a> Identifier<'a> {
    pub(super) fn new(
        ctx: &Context<'_>,
        store: &mut impl FindingStore,
        repo: &'a devspm_git::Repo,
        revision: Option<&str>,
        tool_override: Option<String>,
    ) -> Result<Identifier<'a>, EngineError> {
        let key = crate::secrets::secret_key(ctx, store)?;
        let blamer = Blamer::new(repo, BlameOptions::default());
        let cli_revision = match revision {
            Some(rev) => Some(blamer.resolve(rev).ok_or_else(|| {
                EngineError::Invalid(format!(
                    "--revision {rev} is not a commit of {} (fetch it first)",
                    repo.path.display()
                ))
            })?),
            None => None,
        };
        Ok(Identifier {
            head: devspm_git::head_commit(repo)?,
            cli_revision,
            tool_override,
            key,
            redactor: crate::secrets::Redactor::new(ctx, key)?,
            workdir: workdir_of(&repo.path),
            tree_cache: HashMap::new(),
            contents: HashMap::new(),
            blamer,
            repo,
        })
    }

    /// The content of a file at a revision, cached for the next results on the same file.
    fn content(&mut self, rev: &str, path: &str) -> Option<std::rc::Rc<Vec<u8>>> {
        let key = (rev.to_owned(), path.to_owned());
        if let Some(hit) = self.contents.get(&key) {
            return hit.clone();
        }
        if self.contents.len() >= 64 {
            self.contents.clear();
        }
        let read = self
            .blamer
            .read(rev, path)
            .ok()
            .flatten()
            .map(std::rc::Rc::new);
        self.contents.insert(key, read.clone());
        read
    }

    /// What of a scanner's result may be kept: every free-text field with the secrets the
    /// built-in detector finds replaced by their keyed hash and preview (before anything is
    /// fingerprinted: a plain hash of a text holding a secret would confirm a guess of it), and
    /// the message capped at [`devspm_core::text::MAX_FINDING_MESSAGE_BYTES`].
    pub(super) fn clean(&self, raw: &mut RawFinding) {
        raw.for_each_text_mut(&mut |text| self.redactor.redact_in_place(text));
        devspm_core::text::cap_text(
            &mut raw.message,
            devspm_core::text::MAX_FINDING_MESSAGE_BYTES,
        );
    }

    pub(super) fn identify(&mut self, raw: &RawFinding, file: &mut FileState) -> Identified {
        let tool = self
            .tool_override
            .clone()
            .unwrap_or_else(|| raw.tool.clone());
        // The revision this file describes: --revision, else the file's own, else HEAD.
        if !file.revision_set {
            file.revision_set = true;
            file.revision = self
                .cli_revision
                .clone()
                .or_else(|| raw.revision.as_deref().and_then(|r| self.blamer.resolve(r)))
                .or_else(|| self.head.clone());
        }
        let revision = raw
            .revision
            .as_deref()
            .and_then(|r| self.blamer.resolve(r))
            .or_else(|| file.revision.clone());
        let rev = revision.clone().unwrap_or_default();
        let blamer = &self.blamer;
        let files = self
            .tree_cache
            .entry(rev.clone())
            .or_insert_with(|| blamer.tree_paths(&rev).unwrap_or_default());
        let (path, foreign, unplaced, missing) = match raw.location.as_ref().map(|l| &l.path) {
            None => (None, None, None, None),
            Some(p) => match place(p, self.workdir.as_deref(), files) {
                Placed::InRepo { path, exists } => {
                    let missing = (!exists).then(|| path.clone());
                    (Some(path), None, None, missing)
                }
                Placed::Outside { reason } => {
                    (None, Some(p.clone()), Some(reason), Some(p.clone()))
                }
            },
        };
        let lines = raw
            .location
            .as_ref()
            .and_then(|l| l.start_line.map(|s| (s, l.end_line.unwrap_or(s).max(s))));
        let flagged = match (&path, lines) {
            (Some(p), Some((s, e))) if !rev.is_empty() => self
                .content(&rev, p)
                .and_then(|content| flagged_text(&content, s, e)),
            _ => None,
        };
        let secret_hash = raw
            .secret
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| secret_hash(&self.key, s));
        // A secret is identified by its value, not by the producer's fingerprint (gitleaks'
        // includes the line number: the same key one line lower would be a new finding).
        let by_value;
        let identity = if secret_hash.is_some() && raw.producer_fingerprint.is_some() {
            by_value = RawFinding {
                producer_fingerprint: None,
                ..raw.clone()
            };
            &by_value
        } else {
            raw
        };
        let fp = fingerprint(
            identity,
            path.as_deref(),
            flagged.as_deref(),
            secret_hash.as_deref(),
        );
        let place_key: Place = path.clone().map(|p| (p, lines.map(|l| l.0)));
        let place_key = match &place_key {
            None => id_key(&[]),
            Some((p, line)) => id_key(&[p, &line.map(|l| l.to_string()).unwrap_or_default()]),
        };
        let (fp, duplicate) = match file.places.get(&id_key(&[&tool, &fp])) {
            None => (fp, false),
            Some(first) if *first == place_key => (fp, true),
            // The same content flagged at two places: tell the occurrences apart.
            Some(_) => {
                let mut n = 2;
                while file
                    .places
                    .contains_key(&id_key(&[&tool, &format!("{fp}#{n}")]))
                {
                    n += 1;
                }
                (format!("{fp}#{n}"), false)
            }
        };
        if !duplicate {
            file.places.insert(id_key(&[&tool, &fp]), place_key);
        }
        Identified {
            id: finding_id(&self.repo.id, &tool, &fp),
            fingerprint: fp,
            tool,
            path,
            foreign,
            unplaced,
            missing,
            lines,
            secret_hash,
            revision,
            duplicate,
        }
    }
}

/// The work tree of a repository path (the path itself unless it is a bare repository).
fn workdir_of(path: &Path) -> Option<PathBuf> {
    if path.join(".git").exists() {
        Some(path.to_path_buf())
    } else if path.file_name().is_some_and(|n| n == ".git") {
        path.parent().map(Path::to_path_buf)
    } else {
        None
    }
}
