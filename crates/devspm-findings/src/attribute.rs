//! Turning blame results into attribution events: which commits introduced a finding's lines,
//! which one is primary, which AI agents took part, and how sure that is.
//!
//! The inputs are what git and the ledger already know — line origins from
//! [`devspm_git::Blamer`], the author of each commit, commit-level AI involvement and line-level
//! AI records — passed in as lookups, so the rules here are plain functions with tests.

use std::collections::BTreeMap;

use devspm_core::finding::{AgentPart, Attribution, IntroducingCommit};
use devspm_git::LineOrigin;

/// Version of the attribution rules; a newer engine re-attributes findings. Engine 2: lines
/// are followed past changes of the version they reference (`ref-change`).
pub const ENGINE: u32 = 2;

/// What attribution needs to know about commits, from the ledger.
pub trait CommitLookup {
    /// Author alias id and author time of a recorded commit.
    fn author(&self, commit: &str) -> Option<(String, i64)>;
    /// Commit-level AI involvement: (agent, confidence).
    fn agents(&self, commit: &str) -> Vec<(String, String)>;
    /// Line-level AI records for a file of a commit: (agent, inclusive ranges).
    fn ai_lines(&self, commit: &str, path: &str) -> Vec<(String, Vec<[u32; 2]>)>;
}

/// An attribution that could not be made, with the reason.
pub fn unattributable(
    finding: &str,
    repo: &str,
    method: &str,
    revision: Option<&str>,
    reason: impl Into<String>,
) -> Attribution {
    Attribution {
        finding: finding.to_owned(),
        repo: repo.to_owned(),
        method: method.to_owned(),
        status: "unattributable".to_owned(),
        reason: Some(reason.into()),
        revision: revision.map(str::to_owned),
        commits: Vec::new(),
        agents: Vec::new(),
        confidence: "low".to_owned(),
        evidence: Vec::new(),
        package_added: None,
        present_at_head: None,
        engine: ENGINE,
    }
}

/// The attribution of a finding whose flagged lines blame to `origins`.
pub fn from_lines(
    finding: &str,
    repo: &str,
    method: &str,
    revision: &str,
    path: &str,
    origins: &[LineOrigin],
    lookup: &dyn CommitLookup,
) -> Attribution {
    if origins.is_empty() {
        return unattributable(
            finding,
            repo,
            method,
            Some(revision),
            "no flagged line exists in the file at that revision",
        );
    }
    if origins.iter().all(|o| o.boundary) {
        return unattributable(
            finding,
            repo,
            method,
            Some(revision),
            format!(
                "the flagged lines predate the shallow clone's boundary (commit {}); fetch more history",
                origins[0].commit
            ),
        );
    }
    // Lines per commit, in first-appearance order for a stable tie-break.
    let mut per_commit: BTreeMap<&str, (u32, usize, &LineOrigin)> = BTreeMap::new();
    for (i, o) in origins.iter().enumerate() {
        let entry = per_commit.entry(o.commit.as_str()).or_insert((0, i, o));
        entry.0 += 1;
    }
    let mut ranked: Vec<(&str, u32, usize, &LineOrigin)> = per_commit
        .into_iter()
        .map(|(c, (n, first, o))| (c, n, first, o))
        .collect();
    // Primary: most flagged lines; ties go to the older commit, then to the first line.
    ranked.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| {
                let ta = lookup.author(a.0).map(|x| x.1).unwrap_or(i64::MAX);
                let tb = lookup.author(b.0).map(|x| x.1).unwrap_or(i64::MAX);
                ta.cmp(&tb)
            })
            .then(a.2.cmp(&b.2))
    });
    let mut commits = Vec::new();
    let mut agents: Vec<AgentPart> = Vec::new();
    let mut evidence = Vec::new();
    let mut unrecorded = 0;
    for (commit, lines, _, origin) in &ranked {
        let author = lookup.author(commit);
        if author.is_none() {
            unrecorded += 1;
        }
        commits.push(IntroducingCommit {
            commit: (*commit).to_owned(),
            author: author.as_ref().map(|a| a.0.clone()),
            time: author.as_ref().map(|a| a.1),
            lines: *lines,
            path: (origin.path != path).then(|| origin.path.clone()),
        });
        for (agent, confidence) in lookup.agents(commit) {
            if !agents
                .iter()
                .any(|a| a.agent == agent && a.commit == *commit)
            {
                agents.push(AgentPart {
                    agent,
                    commit: (*commit).to_owned(),
                    level: "commit".to_owned(),
                    confidence,
                });
            }
        }
    }
    // Line-level records: an agent whose recorded ranges cover a flagged line's source line.
    for o in origins {
        for (agent, ranges) in lookup.ai_lines(&o.commit, &o.path) {
            let covers = ranges
                .iter()
                .any(|[a, b]| (*a..=*b).contains(&o.source_line));
            if covers
                && !agents
                    .iter()
                    .any(|x| x.agent == agent && x.commit == o.commit && x.level == "line")
            {
                agents.push(AgentPart {
                    agent,
                    commit: o.commit.clone(),
                    level: "line".to_owned(),
                    confidence: "exact".to_owned(),
                });
            }
        }
    }
    let total = origins.len();
    if ranked.len() > 1 {
        evidence.push(format!(
            "{total} flagged lines come from {} commits; the primary introduced {} of them",
            ranked.len(),
            ranked[0].1
        ));
    } else {
        evidence.push(format!(
            "all {total} flagged line(s) were introduced by one commit"
        ));
    }
    let mut skipped: Vec<String> = Vec::new();
    for o in origins {
        for s in &o.skipped {
            let text = format!("skipped {} ({})", short(&s.commit), s.reason);
            if !skipped.contains(&text) {
                skipped.push(text);
            }
        }
    }
    evidence.extend(skipped.iter().cloned());
    if origins.iter().any(|o| o.path != path) {
        evidence.push("followed the file across a rename".to_owned());
    }
    let boundary = origins.iter().any(|o| o.boundary);
    if boundary {
        evidence.push(
            "some lines predate the shallow clone's boundary: their commit is the boundary"
                .to_owned(),
        );
    }
    if unrecorded > 0 {
        evidence.push(format!(
            "{unrecorded} introducing commit(s) are not recorded in the ledger yet (run `devspm ingest git`)"
        ));
    }
    let confidence = if boundary || unrecorded > 0 {
        "low"
    } else if ranked.len() > 1 || !skipped.is_empty() {
        "medium"
    } else {
        "high"
    };
    Attribution {
        finding: finding.to_owned(),
        repo: repo.to_owned(),
        method: method.to_owned(),
        status: "attributed".to_owned(),
        reason: None,
        revision: Some(revision.to_owned()),
        commits,
        agents,
        confidence: confidence.to_owned(),
        evidence,
        package_added: None,
        present_at_head: None,
        engine: ENGINE,
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Whether `token` occurs in `line` as a whole name (case-insensitive).
fn has_token(line: &[u8], token: &[u8], trailing_ok: &dyn Fn(u8) -> bool) -> bool {
    if token.is_empty() || line.len() < token.len() {
        return false;
    }
    let lower: Vec<u8> = line.to_ascii_lowercase();
    let token: Vec<u8> = token.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], &token) {
        let start = from + pos;
        let end = start + token.len();
        let before_ok = start == 0 || !is_name_byte(lower[start - 1]);
        let after_ok = end == lower.len() || trailing_ok(lower[end]);
        if before_ok && after_ok {
            return true;
        }
        from = start + 1;
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The line (1-based) of a lockfile or manifest that pins `name` at `version`: the line
/// holding the version next to the package's name (the same line for `name==1.0`, `name
/// (1.0)`, `name v1.0`; a following line for `name = "x"` / `version = "1.0"` blocks). Blaming
/// that line finds the commit that brought this version in.
pub fn locate_package_line(content: &[u8], name: &str, version: &str) -> Option<u32> {
    let lines: Vec<&[u8]> = content.split(|&b| b == b'\n').collect();
    let version = version.trim_start_matches('v');
    let name_variants: Vec<String> = {
        let mut v = vec![name.to_owned()];
        // PyPI spells one name several ways.
        let dashed = name.replace(['_', '.'], "-");
        if dashed != name {
            v.push(dashed);
        }
        let underscored = name.replace(['-', '.'], "_");
        if underscored != name {
            v.push(underscored);
        }
        v
    };
    let name_end = |b: u8| !(is_name_byte(b) || b == b'/');
    let version_end = |b: u8| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'));
    let has_version = |line: &[u8]| {
        has_token(line, version.as_bytes(), &version_end)
            || has_token(line, format!("v{version}").as_bytes(), &version_end)
    };
    for (i, line) in lines.iter().enumerate() {
        if !name_variants
            .iter()
            .any(|n| has_token(line, n.as_bytes(), &name_end) || has_scoped(line, n))
        {
            continue;
        }
        // The name line itself (`name==1.0`, `name (1.0)`, `/name@1.0:`), or within the
        // next few lines of its block.
        for (j, candidate) in lines.iter().enumerate().skip(i).take(8) {
            if j > i && candidate.trim_ascii().is_empty() {
                break;
            }
            if has_version(candidate) && (j == i || !mentions_other_name(candidate)) {
                return Some(j as u32 + 1);
            }
        }
    }
    None
}

/// `@scope/name@…` or `node_modules/name"` forms, where the name is preceded by `/`.
fn has_scoped(line: &[u8], name: &str) -> bool {
    name.contains('/') && find(line, name.as_bytes()).is_some()
}

/// A line that starts another package's entry (`name = "other"`, `"other": {`).
fn mentions_other_name(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.starts_with(b"name =") || t.starts_with(b"\"name\"") || t.starts_with(b"[[package]]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_lines_are_found_in_each_lockfile_shape() {
        let cargo = b"[[package]]\nname = \"serde\"\nversion = \"1.0.1\"\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.13.2\"\nsource = \"x\"\n";
        assert_eq!(locate_package_line(cargo, "smallvec", "1.13.2"), Some(7));
        assert_eq!(locate_package_line(cargo, "serde", "1.0.1"), Some(3));
        assert_eq!(locate_package_line(cargo, "serde", "2.0.0"), None);
        let req = b"# deps\nDjango==4.2.1\nrequests[socks]==2.31.0 ; python_version>'3'\n";
        assert_eq!(locate_package_line(req, "django", "4.2.1"), Some(2));
        assert_eq!(locate_package_line(req, "requests", "2.31.0"), Some(3));
        let gomod = b"module x\n\nrequire (\n\tgolang.org/x/net v0.17.0\n)\n";
        assert_eq!(
            locate_package_line(gomod, "golang.org/x/net", "0.17.0"),
            Some(4)
        );
        let npm = b"{\n  \"packages\": {\n    \"node_modules/lodash\": {\n      \"version\": \"4.17.20\",\n      \"resolved\": \"x\"\n    }\n  }\n}\n";
        assert_eq!(locate_package_line(npm, "lodash", "4.17.20"), Some(4));
        let yarn = b"lodash@^4.17.0:\n  version \"4.17.20\"\n  resolved \"x\"\n";
        assert_eq!(locate_package_line(yarn, "lodash", "4.17.20"), Some(2));
        let gem = b"GEM\n  specs:\n    rack (2.2.3)\n    rails (7.0.1)\n";
        assert_eq!(locate_package_line(gem, "rack", "2.2.3"), Some(3));
        // A version of another package right after the name is not taken.
        let tricky =
            b"[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n";
        assert_eq!(locate_package_line(tricky, "a", "1.0.0"), None);
    }

    struct NoFacts;
    impl CommitLookup for NoFacts {
        fn author(&self, commit: &str) -> Option<(String, i64)> {
            Some((format!("a_{commit}"), if commit == "old" { 1 } else { 2 }))
        }
        fn agents(&self, commit: &str) -> Vec<(String, String)> {
            if commit == "new" {
                vec![("claude-code".into(), "exact".into())]
            } else {
                vec![]
            }
        }
        fn ai_lines(&self, _: &str, _: &str) -> Vec<(String, Vec<[u32; 2]>)> {
            vec![]
        }
    }

    fn origin(line: u32, commit: &str) -> LineOrigin {
        LineOrigin {
            line,
            commit: commit.into(),
            path: "a.rs".into(),
            source_line: line,
            boundary: false,
            skipped: vec![],
        }
    }

    #[test]
    fn the_commit_with_most_lines_is_primary_and_agents_are_named() {
        let origins = [origin(1, "new"), origin(2, "old"), origin(3, "new")];
        let a = from_lines(
            "f_1",
            "r_1",
            "line-blame",
            "rev",
            "a.rs",
            &origins,
            &NoFacts,
        );
        assert_eq!(a.status, "attributed");
        assert_eq!(a.commits[0].commit, "new");
        assert_eq!(a.commits[0].lines, 2);
        assert_eq!(a.commits[1].commit, "old");
        assert_eq!(a.confidence, "medium");
        assert_eq!(a.agents.len(), 1);
        assert_eq!(a.agents[0].agent, "claude-code");
        // A tie goes to the older commit.
        let tie = [origin(1, "new"), origin(2, "old")];
        let a = from_lines("f_1", "r_1", "line-blame", "rev", "a.rs", &tie, &NoFacts);
        assert_eq!(a.commits[0].commit, "old");
        let one = [origin(5, "old")];
        let a = from_lines("f_1", "r_1", "line-blame", "rev", "a.rs", &one, &NoFacts);
        assert_eq!(a.confidence, "high");
    }
}
