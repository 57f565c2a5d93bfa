//! Scanning what is about to be committed, for a pre-commit hook.
//!
//! Only the lines a commit would add count: a secret already in HEAD is the history scan's
//! business, and blocking every commit that touches a file with an old (maybe allowlisted)
//! secret would teach people to skip the hook. The index is compared with HEAD's tree; each
//! changed file's staged blob is searched, and when it has matches the old and new blobs are
//! line-diffed (histogram, as git) to keep only matches on added lines. No working-tree file is
//! read: what is checked is exactly what `git commit` would record.

use std::path::Path;
use std::time::Instant;

use gix::bstr::ByteSlice;
use gix::diff::blob::{Algorithm, Diff, InternedInput};
use serde::Serialize;

use crate::SecretsError;
use crate::finding::{HashKey, Place, SecretFinding};
use crate::history::head_files;
use crate::scanner::Scanner;

/// What a staged scan found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StagedScan {
    /// Secrets on added lines of staged files, by path and line.
    pub findings: Vec<SecretFinding>,
    /// Staged files that differ from HEAD.
    pub changed_files: u64,
    /// Files not searched (binary, too large, unreadable), one sentence each.
    pub warnings: Vec<String>,
    pub elapsed_seconds: f64,
}

/// Scans the staged changes (index against HEAD) of the repository at `repo`.
pub fn scan_staged(
    repo: &Path,
    scanner: &Scanner,
    key: &HashKey,
) -> Result<StagedScan, SecretsError> {
    let started = Instant::now();
    let shown = repo.display().to_string();
    let repo = gix::open(repo).map_err(|e| SecretsError::NotARepository {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let index = repo.index_or_empty().map_err(|e| SecretsError::Git {
        path: shown.clone(),
        reason: format!("cannot read the index: {e}"),
    })?;
    // An unborn HEAD (first commit) compares against nothing: every staged line is added.
    let head = head_files(&repo, "HEAD").unwrap_or_default();
    let mut scan = StagedScan::default();
    for entry in index.entries() {
        if entry.stage_raw() != 0
            || !(entry.mode == gix::index::entry::Mode::FILE
                || entry.mode == gix::index::entry::Mode::FILE_EXECUTABLE)
        {
            continue;
        }
        let path = entry.path(&index).to_str_lossy();
        let old = head.get(path.as_ref()).copied();
        if old == Some(entry.id) {
            continue;
        }
        scan.changed_files += 1;
        if scanner.path_allowed(&path) {
            continue;
        }
        let size = match repo.find_header(entry.id) {
            Ok(h) => h.size(),
            Err(e) => {
                scan.warnings.push(format!(
                    "{path}: staged blob {} cannot be read: {e}",
                    entry.id
                ));
                continue;
            }
        };
        if size > scanner.limits().max_file_bytes {
            scan.warnings.push(format!(
                "{path}: {size} bytes, over the {}-byte limit: not scanned",
                scanner.limits().max_file_bytes
            ));
            continue;
        }
        let new = match repo.find_object(entry.id) {
            Ok(o) => o.detach().data,
            Err(e) => {
                scan.warnings.push(format!(
                    "{path}: staged blob {} cannot be read: {e}",
                    entry.id
                ));
                continue;
            }
        };
        let found = scanner.find(Some(&path), &new);
        if found.skipped.is_some() || found.matches.is_empty() {
            continue;
        }
        let old_data = old
            .and_then(|id| repo.find_object(id).ok())
            .map(|o| o.detach().data);
        // The diff is computed once per file, on first use.
        let mut added_lines: Option<Vec<bool>> = None;
        let blob = entry.id.to_string();
        let place = Place {
            path: &path,
            commit: None,
            blob: Some(&blob),
            line_offset: 0,
        };
        for m in &found.matches {
            let is_added = match &old_data {
                None => true,
                Some(old_data) => {
                    let lines = added_lines.get_or_insert_with(|| {
                        let input = InternedInput::new(old_data.as_slice(), new.as_slice());
                        let diff = Diff::compute(Algorithm::Histogram, &input);
                        (0..input.after.len() as u32)
                            .map(|i| diff.is_added(i))
                            .collect()
                    });
                    lines.get(m.line as usize - 1).copied().unwrap_or(false)
                }
            };
            if is_added && let Some(finding) = scanner.finding(m, &new, &place, key) {
                scan.findings.push(finding);
            }
        }
    }
    scan.findings
        .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    scan.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ALNUM, GitRepo, random};

    #[test]
    fn only_added_lines_of_staged_files_count() {
        let repo = GitRepo::new();
        let scanner = Scanner::builtin().expect("rules");
        let key = HashKey([1; 32]);
        let old = format!("ghp_{}", random(ALNUM, 36, 700));
        let new = format!("glpat-{}", random(ALNUM, 20, 701));
        let fresh = format!("npm_{}", random(ALNUM, 36, 702));

        // Unborn HEAD: everything staged is added.
        repo.write("app.env", &format!("OLD={old}\n"));
        repo.git(&["add", "app.env"]);
        let first = scan_staged(repo.path(), &scanner, &key).expect("scan");
        assert_eq!(first.findings.len(), 1);
        repo.commit("old secret");

        // Nothing staged.
        let clean = scan_staged(repo.path(), &scanner, &key).expect("scan");
        assert!(clean.findings.is_empty() && clean.changed_files == 0);

        repo.write("app.env", &format!("# header\nOLD={old}\nNEW={new}\n"));
        repo.write(
            "npmrc",
            &format!("//registry.npmjs.org/:_authToken={fresh}\n"),
        );
        repo.write("unstaged.txt", &format!("ghp_{}\n", random(ALNUM, 36, 703)));
        repo.git(&["add", "app.env", "npmrc"]);
        let scan = scan_staged(repo.path(), &scanner, &key).expect("scan");
        let found: Vec<(&str, &str, u32)> = scan
            .findings
            .iter()
            .map(|f| (f.rule_id.as_str(), f.path.as_str(), f.line))
            .collect();
        assert_eq!(
            found,
            vec![
                ("gitlab-pat", "app.env", 3),
                ("npm-access-token", "npmrc", 1)
            ]
        );
        assert_eq!(scan.changed_files, 2);
        let shown = format!("{scan:?}{}", serde_json::to_string(&scan).expect("json"));
        assert!(!shown.contains(&new) && !shown.contains(&fresh) && !shown.contains(&old));
    }
}
