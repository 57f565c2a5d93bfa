//! Inline markers as ignores: for each open finding of a scanner that defines an inline
//! marker (`# nosec`, `nosemgrep`, `checkov:skip=` … — `devspm_findings::inline`), the lines
//! it points at are read from the repository at HEAD, and a marker of that scanner that sets
//! it aside makes it "ignored by PATH:LINE", with the marker's text as the reason.
//!
//! The repository is evidence, not authority: the marker is honoured as its scanner honours
//! it (unless `[triage] honour_repository_ignores = false`), the finding stays on record,
//! counted and listed with `--show-ignored`. Only the marker's text is kept, never the line.
//! The secrets devspm's own detector found on a line with `gitleaks:allow` or `devspm:allow`
//! carry their marker on record instead (read from the blob they were found in, which HEAD
//! may no longer hold): [`recorded_secret_marker`]. So do the results a scanner suppressed
//! itself (a SARIF `suppressions` entry that stands, semgrep's `nosemgrep`): they are ignored
//! "by the scanner" with its kind and justification as the reason, [`scanner_suppression`].

use std::collections::{HashMap, HashSet};

use devspm_findings::inline;
use devspm_ledger::findings::FindingRow;

/// An inline marker that sets a finding aside: where it is and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlineIgnore {
    /// `PATH:LINE` of the marker.
    pub by: String,
    /// The marker's text and whose it is.
    pub reason: String,
}

/// Largest file read for markers (larger ones are skipped: their findings stay counted).
const MAX_FILE_BYTES: u64 = 8 << 20;

/// The findings of `repo` among `rows` that an inline marker of their own scanner in the repository at
/// HEAD sets aside, by finding id, on `today` (YYYY-MM-DD). Files that cannot be read leave
/// their findings as they are, with a warning to `warn`.
pub fn markers_at_head(
    repo: &devspm_git::Repo,
    rows: &[FindingRow],
    today: &str,
    warn: &mut dyn FnMut(String),
) -> HashMap<String, InlineIgnore> {
    let wanted: Vec<&FindingRow> = rows
        .iter()
        .filter(|r| {
            r.repo_id == repo.id
                && r.status == "open"
                && r.path.is_some()
                && r.start_line.is_some()
                && inline::reach(&r.tool).is_some()
        })
        .collect();
    let mut found = HashMap::new();
    if wanted.is_empty() {
        return found;
    }
    let paths: HashSet<&str> = wanted.iter().filter_map(|r| r.path.as_deref()).collect();
    let head = match devspm_git::head_commit(repo) {
        Ok(Some(head)) => head,
        Ok(None) => return found,
        Err(e) => {
            warn(format!(
                "{}: HEAD could not be read ({e}): inline markers (# nosec, nosemgrep …) not read",
                repo.name
            ));
            return found;
        }
    };
    let files = match devspm_git::files_at(repo, &head, &|p| paths.contains(p), MAX_FILE_BYTES) {
        Ok(files) => files,
        Err(e) => {
            warn(format!(
                "{}: the files at HEAD could not be read ({e}): inline markers (# nosec, nosemgrep …) not read",
                repo.name
            ));
            return found;
        }
    };
    let mut texts: HashMap<String, String> = HashMap::new();
    for file in files {
        match file.content {
            Ok(bytes) => {
                texts.insert(file.path, String::from_utf8_lossy(&bytes).into_owned());
            }
            Err(reason) => warn(format!(
                "{}: {} not read for inline markers: {reason}",
                repo.name, file.path
            )),
        }
    }
    for row in wanted {
        let (Some(path), Some(start)) = (row.path.as_deref(), row.start_line) else {
            continue;
        };
        let Some(text) = texts.get(path) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        for n in inline::lines_to_read(&row.tool, start, row.end_line) {
            let Some(line) = n.checked_sub(1).and_then(|i| lines.get(i as usize)) else {
                continue;
            };
            if let Some(marker) = inline::marker(&row.tool, &row.rule, line, today) {
                found.insert(
                    row.finding.clone(),
                    InlineIgnore {
                        by: format!("{path}:{n}"),
                        reason: format!("inline marker `{marker}` ({})", row.tool),
                    },
                );
                break;
            }
        }
    }
    found
}

/// The ignore a secret of devspm's own detector carries: the inline marker
/// (`gitleaks:allow`, `devspm:allow`) seen on its line in the blob it was found in.
pub fn recorded_secret_marker(row: &FindingRow) -> Option<InlineIgnore> {
    let marker = row.inline_marker.as_deref()?;
    let at = match (row.path.as_deref(), row.start_line) {
        (Some(path), Some(line)) => format!("{path}:{line}"),
        (Some(path), None) => path.to_owned(),
        // A secret in a commit message: the message is where the marker is.
        (None, _) => match row.first_revision.as_deref() {
            Some(commit) => format!("the message of commit {}", &commit[..commit.len().min(12)]),
            None => "its line".to_owned(),
        },
    };
    Some(InlineIgnore {
        by: at,
        reason: format!("inline marker `{marker}` on the secret's line"),
    })
}

/// The ignore a scanner's own suppression of its result makes (recorded with the finding):
/// by `the scanner (TOOL)`, with the suppression's kind and justification as the reason; and
/// whether it is of kind `inSource` (a marker in the code, written back to SARIF as one).
pub fn scanner_suppression(row: &FindingRow) -> Option<(InlineIgnore, bool)> {
    let s = row.scanner_suppression.as_ref()?;
    let reason = match s.justification.as_deref() {
        Some(j) => format!("{} suppression: {j}", s.kind),
        None => format!("{} suppression", s.kind),
    };
    Some((
        InlineIgnore {
            by: format!("the scanner ({})", row.tool),
            reason,
        },
        s.kind == "inSource",
    ))
}
