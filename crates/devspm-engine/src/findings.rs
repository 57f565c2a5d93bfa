//! Findings devspm itself makes — an analyzer's or a detector's, not a scanner's — recorded
//! the way an import records a scanner's results: one import per producer and revision (so a
//! setting that disappears becomes fixed), with stable ids derived from the rule, file and
//! subject, and the new findings attributed at once.

use std::collections::HashMap;

use devspm_core::NewEvent;
use devspm_core::finding::{FindingRecorded, FindingsImported, finding_id};
use devspm_ledger::{Caches, FindingStore};
use sha2::{Digest, Sha256};

use crate::EngineError;

/// A finding devspm itself makes (an analyzer's, not a scanner's), recorded like an import.
pub struct InternalFinding {
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub path: String,
    pub line: Option<u32>,
    /// What the finding is about within the file (an MCP server's name), part of its identity.
    pub subject: String,
    /// `config` (a setting or CI rule), `dependency` (a vulnerable package) or `secret`.
    pub kind: &'static str,
    /// CVE, GHSA, RUSTSEC … ids.
    pub identifiers: Vec<String>,
    /// For dependency findings: the package; the lockfile is `path`.
    pub package: Option<devspm_core::finding::PackageRef>,
    /// For secrets: the keyed hash and redacted preview (never the value).
    pub secret: Option<devspm_core::finding::SecretRef>,
    /// For secrets: the inline marker (`gitleaks:allow`) on the secret's line, which makes
    /// the finding ignored (recorded and counted, never gated).
    pub inline_marker: Option<String>,
}

impl InternalFinding {
    /// A configuration finding (a risky setting, a CI audit rule) on one line of a file.
    pub fn config(
        rule: String,
        severity: String,
        message: String,
        path: String,
        line: Option<u32>,
        subject: String,
    ) -> InternalFinding {
        InternalFinding {
            rule,
            severity,
            message,
            path,
            line,
            subject,
            kind: "config",
            identifiers: Vec::new(),
            package: None,
            secret: None,
            inline_marker: None,
        }
    }
}

/// The fingerprint of an analyzer's finding: its producer, rule, file and subject (not its
/// line, so that it survives edits above it).
pub fn internal_fingerprint(tool: &str, f: &InternalFinding) -> String {
    format!(
        "content:v1:{}",
        &devspm_core::hex::encode(&Sha256::digest(
            format!("{tool}\0{}\0{}\0{}", f.rule, f.path, f.subject).as_bytes()
        ))[..32]
    )
}

/// The finding id of an analyzer's finding in `repo`.
pub fn internal_finding_id(repo: &str, tool: &str, f: &InternalFinding) -> String {
    finding_id(repo, tool, &internal_fingerprint(tool, f))
}

/// Records an analyzer's findings for `revision` as one import of producer `tool` (so a
/// setting that disappears becomes fixed) and attributes the new ones. `attributions` are
/// appended with the findings, for analyzers that know the introducing commit themselves (the
/// attribution engine then leaves those findings alone). With `partial`, findings not in
/// `findings` stay open (an incremental detector reports only what it read this time).
/// Returns the events appended.
pub fn record_internal_findings(
    store: &mut (impl devspm_ledger::EventLog + FindingStore + Caches),
    repo: &devspm_git::Repo,
    tool: &str,
    revision: &str,
    findings: Vec<InternalFinding>,
    attributions: Vec<NewEvent>,
    partial: bool,
) -> Result<u64, EngineError> {
    if partial && findings.is_empty() && attributions.is_empty() {
        // An incremental detector that read nothing new has nothing to say.
        return Ok(0);
    }
    let known = store.known_findings(&repo.id, tool)?;
    // The import is identified by what it saw, so an unchanged configuration adds nothing.
    let mut source = Sha256::new();
    for f in &findings {
        source.update(format!(
            "{}\0{}\0{}\0{}\n",
            f.rule, f.path, f.subject, f.message
        ));
    }
    let source_sha256 = devspm_core::hex::encode(&source.finalize());
    let import = import_id(&repo.id, tool, Some(revision), &source_sha256, partial);
    if known.is_empty() && findings.is_empty() {
        return Ok(0);
    }
    if store.import_recorded(&import)? {
        // Recorded by an earlier run, which may have been killed before it attributed them.
        return attribute_pending(store, repo);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut events = Vec::new();
    for f in &findings {
        let fp = internal_fingerprint(tool, f);
        let id = finding_id(&repo.id, tool, &fp);
        if seen.contains(&id) {
            continue;
        }
        seen.push(id.clone());
        if known.contains_key(&fp) {
            continue;
        }
        events.push(NewEvent::new(
            format!("finding/{}/{}", repo.id, id),
            format!("devspm:{tool}"),
            format!("repo:{}", repo.id),
            FindingRecorded {
                finding: id,
                repo: repo.id.clone(),
                tool: tool.to_owned(),
                tool_version: Some(env!("CARGO_PKG_VERSION").to_owned()),
                rule: f.rule.clone(),
                kind: f.kind.to_owned(),
                severity: f.severity.clone(),
                message: f.message.clone(),
                identifiers: f.identifiers.clone(),
                path: Some(f.path.clone()),
                start_line: f.line,
                end_line: f.line,
                foreign_path: None,
                package: f.package.clone(),
                secret: f.secret.clone(),
                inline_marker: f.inline_marker.clone(),
                scanner_suppression: None,
                fingerprint: fp,
                revision: Some(revision.to_owned()),
                import: import.clone(),
            },
        ));
    }
    let new = events.len() as u64;
    let mut fixed = Vec::new();
    let mut reopened = Vec::new();
    for k in known.values() {
        let is_seen = seen.contains(&k.finding);
        if k.status == "open" && !is_seen && !partial {
            fixed.push(k.finding.clone());
        } else if k.status == "fixed" && is_seen {
            reopened.push(k.finding.clone());
        }
    }
    fixed.sort();
    reopened.sort();
    events.push(NewEvent::new(
        format!("import/{import}"),
        format!("devspm:{tool}"),
        format!("repo:{}", repo.id),
        FindingsImported {
            import,
            repo: repo.id.clone(),
            tool: tool.to_owned(),
            format: "devspm".to_owned(),
            source: format!("{tool}@{}", &revision[..revision.len().min(12)]),
            source_sha256,
            revision: Some(revision.to_owned()),
            results: findings.len() as u64,
            seen,
            new,
            fixed,
            reopened,
            duplicates: 0,
            partial,
            behind: Vec::new(),
        },
    ));
    events.extend(attributions);
    let appended = store.append(events)?.appended;
    Ok(appended + attribute_pending(store, repo)?)
}

/// Attributes the repository's pending findings (the detector's phase is the one the front
/// end shows); returns the attribution events appended.
fn attribute_pending(
    store: &mut (impl devspm_ledger::EventLog + FindingStore + Caches),
    repo: &devspm_git::Repo,
) -> Result<u64, EngineError> {
    let report = crate::attribution::attribute_pending(
        store,
        repo,
        &HashMap::new(),
        false,
        &crate::NoProgress,
    )?;
    Ok(report.attributed + report.unattributable)
}

/// The id of an import: what was imported (producer, revision, source digest) and whether
/// it was partial, so that the same results imported twice are one import.
pub fn import_id(
    repo: &str,
    tool: &str,
    revision: Option<&str>,
    source: &str,
    partial: bool,
) -> String {
    let mut h = Sha256::new();
    let partial = if partial { "partial" } else { "full" };
    for part in [repo, tool, revision.unwrap_or(""), source, partial] {
        h.update((part.len() as u32).to_be_bytes());
        h.update(part.as_bytes());
    }
    format!("i_{}", &devspm_core::hex::encode(&h.finalize())[..16])
}
