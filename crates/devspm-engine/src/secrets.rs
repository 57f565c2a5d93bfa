//! The built-in secret detector in `scan`: every unique blob of the repository's history read
//! once (later scans read only new blobs), each secret recorded as a finding of [`TOOL`] with a
//! keyed hash and a redacted preview — never the value — and attributed by secret history to
//! the commit that first added it, with whether it is still present at HEAD.

use std::collections::{BTreeMap, HashMap, HashSet};

use devspm_core::event::IngestGap;
use devspm_core::event::Redaction;
use devspm_core::finding::{AgentPart, Attribution, IntroducingCommit, SecretRef};
use devspm_findings::attribute::ENGINE;
use devspm_ledger::{Caches, FindingStore};
use devspm_secrets::{HashKey, HistoryOptions, Limits, RuleConfig, Scanner, SecretFinding};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::detector::{Detected, Detector};
use crate::findings::{InternalFinding, internal_finding_id, record_internal_findings};
use crate::repository::refs_state;
use crate::{Context, EngineError};

/// The producer name secret findings are recorded under.
pub const TOOL: &str = "devspm-secrets";

/// The secret detector ([`detect`]), as the scan runs it: `secrets` in its summary.
pub struct Secrets;

impl<S> Detector<S> for Secrets
where
    S: devspm_ledger::EventLog
        + devspm_ledger::AnalyzerState
        + devspm_ledger::IngestState
        + FindingStore
        + Caches,
{
    fn name(&self) -> &'static str {
        "secrets"
    }

    fn detect(
        &self,
        ctx: &Context<'_>,
        store: &mut S,
        repo: &devspm_git::Repo,
    ) -> Result<Detected, EngineError> {
        let scan = detect(ctx, store, repo)?;
        Ok(Detected::new(&scan, scan.line(), scan.warnings.clone()))
    }
}

/// What the secret detector did in one repository.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SecretScan {
    pub blobs_scanned: u64,
    pub megabytes_scanned: f64,
    pub seconds: f64,
    /// Distinct secrets (rule, path, value) found in the blobs read this time.
    pub found: usize,
    /// Of those, still present at HEAD.
    pub present_at_head: usize,
    pub missing_objects: usize,
    /// Blobs over `[limits] max_blob_bytes`, not read (each recorded as a gap).
    pub oversized_blobs: usize,
    /// Lines of the blobs read this time holding a secret that an inline `gitleaks:allow` or
    /// `devspm:allow` marker allows (recorded as findings ignored by that marker).
    pub inline_allowed: u64,
    pub warnings: Vec<String>,
    pub events_appended: u64,
}

impl SecretScan {
    /// What the detector did, in one line of the scan's text summary.
    pub fn line(&self) -> String {
        use devspm_report::number::count;
        let mut line = format!(
            "{} new blobs read ({:.1} MB, {:.1} s): {} secrets, {} still at HEAD",
            count(self.blobs_scanned),
            self.megabytes_scanned,
            self.seconds,
            count(self.found as u64),
            count(self.present_at_head as u64),
        );
        if self.inline_allowed > 0 {
            line.push_str(&format!(
                "; {} allowed inline (gitleaks:allow), recorded as ignored",
                count(self.inline_allowed)
            ));
        }
        if self.missing_objects > 0 {
            line.push_str(&format!(
                "; {} objects missing from the clone",
                self.missing_objects
            ));
        }
        if self.oversized_blobs > 0 {
            line.push_str(&format!(
                "; {} blobs over the size limit not read (recorded as gaps)",
                self.oversized_blobs
            ));
        }
        line
    }
}

/// The rule-set version: blobs read with other rules (a changed `[secrets]` table included) are
/// read again.
fn rules_version(extension: Option<&str>) -> String {
    let mut h = Sha256::new();
    // What is recorded of a blob changed when secrets allowed inline became findings (ignored
    // by their marker): blobs read before are read once more to record those.
    h.update(b"inline-allowed-recorded\0");
    h.update(devspm_secrets::BUILTIN_RULES.as_bytes());
    if let Some(text) = extension {
        h.update(b"\0");
        h.update(text.as_bytes());
    }
    devspm_core::hex::encode(&h.finalize())[..16].to_owned()
}

/// The scanner: built-in rules, extended by `[secrets]` of devspm.toml, reading no file
/// larger than `[limits] max_blob_bytes`.
pub fn scanner(ctx: &Context<'_>) -> Result<Scanner, EngineError> {
    let rules = match ctx.secret_rules {
        Some(text) => RuleConfig::with_extensions(&[text])?,
        None => RuleConfig::builtin()?,
    };
    let limits = Limits {
        max_file_bytes: ctx.config.limits.max_blob_bytes,
        ..Limits::default()
    };
    Ok(Scanner::new(&rules, limits)?)
}

/// The key secrets are hashed with in `store`: the one kept outside the database (checked
/// against the database), or the database's own.
pub fn secret_key(
    ctx: &Context<'_>,
    store: &mut impl FindingStore,
) -> Result<[u8; 32], EngineError> {
    let external = ctx.secret_key.external()?;
    Ok(store.secret_key(external.as_ref())?)
}

/// The built-in detector as a redactor of text about to be stored or exported: commit
/// messages during ingest, every free-text field of an imported result, the SARIF that
/// `export sarif` writes. Each secret becomes `[REDACTED <rule> <preview> hmac:<keyed hash>]`.
pub struct Redactor {
    scanner: Scanner,
    key: HashKey,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("scanner", &self.scanner)
            .finish_non_exhaustive()
    }
}

impl Redactor {
    /// The built-in rules extended by `[secrets]` of the configuration, hashing under `key`.
    pub fn new(ctx: &Context<'_>, key: [u8; 32]) -> Result<Redactor, EngineError> {
        Ok(Redactor {
            scanner: scanner(ctx)?,
            key: HashKey(key),
        })
    }

    /// Replaces the secrets in `text`, if any.
    pub fn redact_in_place(&self, text: &mut String) {
        if let Some((redacted, _)) = self.scanner.redact_str(text, &self.key) {
            *text = redacted;
        }
    }

    /// Replaces, in every string of `value`, each of the `known` secret values (with the
    /// redacted preview devspm keeps of them) and every secret the detector finds.
    pub fn redact_json(&self, value: &mut serde_json::Value, known: &HashSet<String>) {
        match value {
            serde_json::Value::String(text) => {
                for secret in known {
                    if text.contains(secret.as_str()) {
                        *text = text.replace(
                            secret.as_str(),
                            &format!(
                                "[REDACTED {}]",
                                devspm_findings::fingerprint::redact(secret)
                            ),
                        );
                    }
                }
                self.redact_in_place(text);
            }
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|v| self.redact_json(v, known));
            }
            serde_json::Value::Object(members) => {
                members
                    .values_mut()
                    .for_each(|v| self.redact_json(v, known));
            }
            _ => {}
        }
    }
}

impl devspm_git::MessageFilter for Redactor {
    fn redact(&self, message: &[u8]) -> Option<(Vec<u8>, Vec<Redaction>)> {
        let redacted = self.scanner.redact(message, &self.key)?;
        let redactions = redacted
            .secrets
            .into_iter()
            .map(|s| Redaction {
                rule: s.rule_id,
                line: s.line,
                column: s.column,
                hash: s.secret_hash,
                preview: s.preview,
                inline_marker: s.inline_marker.map(str::to_owned),
            })
            .collect();
        Some((redacted.text, redactions))
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// The history scan's progress as the phase's steps: blobs read and searched.
struct BlobProgress<'a, 'p>(&'a crate::Phase<'p>);

impl devspm_secrets::HistoryProgress for BlobProgress<'_, '_> {
    fn blobs_scanned(&self, blobs: u64, _bytes: u64) {
        self.0.at(blobs);
    }
}

/// Scans the blobs of `repo` not read before and records the secrets found. When the refs are
/// those of the last completed scan with the same rules, there is nothing new to read and the
/// history is not walked at all. That completion is marked only once the findings and the
/// scanned blobs are on record, so a scan killed before the end walks again next time (and
/// reads what it had not recorded), whatever ingest recorded in between. Progress: the phase
/// [`crate::phase::SECRETS`], one step per blob read.
pub fn detect(
    ctx: &Context<'_>,
    store: &mut (
             impl devspm_ledger::EventLog
             + devspm_ledger::AnalyzerState
             + devspm_ledger::IngestState
             + FindingStore
             + Caches
         ),
    repo: &devspm_git::Repo,
) -> Result<SecretScan, EngineError> {
    let phase = crate::Phase::start(ctx.progress, crate::phase::SECRETS, &repo.name, None);
    let scanner = scanner(ctx)?;
    let rules = rules_version(ctx.secret_rules);
    // A raised size limit reads what the last scan left out: it is part of the state too.
    let state = format!(
        "{}/{rules}/{}",
        refs_state(store, repo)?,
        scanner.limits().max_file_bytes
    );
    if store.analyzed(TOOL, &repo.id)?.as_deref() == Some(state.as_str()) {
        return Ok(SecretScan::default());
    }
    let known_blobs = store.scanned_blobs(&repo.id, &rules)?;
    let key = secret_key(ctx, store)?;
    let options = HistoryOptions {
        known_blobs,
        hash_key: HashKey(key),
        ..HistoryOptions::default()
    };
    let history = devspm_secrets::scan_history_with_progress(
        &repo.path,
        &scanner,
        &options,
        &BlobProgress(&phase),
    )?;
    let mut scan = SecretScan {
        blobs_scanned: history.scanned_blobs.len() as u64,
        megabytes_scanned: history.stats.bytes_scanned as f64 / 1e6,
        seconds: history.elapsed_seconds,
        missing_objects: history.missing.len(),
        warnings: history.warnings.iter().map(ToString::to_string).collect(),
        oversized_blobs: history.oversized.len(),
        inline_allowed: history.stats.inline_allowed,
        ..Default::default()
    };
    // What was not read is on record, with its size.
    let gaps: Vec<_> = history
        .oversized
        .iter()
        .map(|o| {
            IngestGap {
                repo: repo.id.clone(),
                what: "blob_not_searched".into(),
                object: o.id.clone(),
                detail: format!(
                    "{} in commit {} is {} bytes{}, over the size limit ([limits] max_blob_bytes): not searched for secrets",
                    o.path,
                    o.commit,
                    o.size,
                    o.base
                        .map(|b| format!(" stored as a delta of a {b}-byte version"))
                        .unwrap_or_default()
                ),
            }
            .into_event("devspm:secrets")
        })
        .collect();
    scan.events_appended += store.append(gaps)?.appended;
    let Some(head) = history.head.clone() else {
        store.add_scanned_blobs(&repo.id, &rules, &history.scanned_blobs)?;
        store.mark_analyzed(TOOL, &repo.id, &state)?;
        return Ok(scan);
    };
    // One finding per (rule, path, value, allowed inline or not): its oldest occurrence is the
    // introduction. A value allowed by a marker on one line and written bare on another is two
    // findings: the bare one is the one to act on.
    type Key = (String, String, String, bool);
    let mut first: BTreeMap<Key, &SecretFinding> = BTreeMap::new();
    let mut present: HashMap<Key, bool> = HashMap::new();
    for f in &history.findings {
        let k = (
            f.rule_id.clone(),
            f.path.clone(),
            f.secret_hash.clone(),
            f.inline_marker.is_some(),
        );
        *present.entry(k.clone()).or_default() |= f.present_at_head;
        first.entry(k).or_insert(f);
    }
    let commits: Vec<String> = first.values().filter_map(|f| f.commit.clone()).collect();
    let facts = store.commit_facts(&repo.id, &commits)?;
    let agents = store.commit_agents(&repo.id, &commits)?;
    let mut findings = Vec::new();
    let mut attributions = Vec::new();
    for (k, f) in &first {
        let still = present.get(k).copied().unwrap_or(false);
        scan.present_at_head += usize::from(still);
        let internal = InternalFinding {
            rule: f.rule_id.clone(),
            severity: f.severity.as_str().to_owned(),
            message: format!(
                "{} in {} ({}{})",
                f.description,
                f.path,
                f.preview,
                if still {
                    ", still present at HEAD"
                } else {
                    ", removed since but still in history: rotate it"
                }
            ),
            path: f.path.clone(),
            line: Some(f.line),
            // The allowed one has an identity of its own (see above).
            subject: match f.inline_marker {
                Some(_) => format!("{}#inline-allowed", f.secret_hash),
                None => f.secret_hash.clone(),
            },
            kind: "secret",
            identifiers: Vec::new(),
            package: None,
            secret: Some(SecretRef {
                hash: f.secret_hash.clone(),
                preview: f.preview.clone(),
            }),
            inline_marker: f.inline_marker.map(str::to_owned),
        };
        if let Some(commit) = &f.commit {
            let fact = facts.get(commit);
            let attribution = Attribution {
                finding: internal_finding_id(&repo.id, TOOL, &internal),
                repo: repo.id.clone(),
                method: "secret-history".to_owned(),
                status: "attributed".to_owned(),
                reason: None,
                revision: Some(head.clone()),
                commits: vec![IntroducingCommit {
                    commit: commit.clone(),
                    author: fact.map(|f| f.author.clone()),
                    time: fact.map(|f| f.time),
                    lines: 0,
                    path: Some(f.path.clone()),
                }],
                agents: agents
                    .get(commit)
                    .into_iter()
                    .flatten()
                    .map(|(agent, confidence)| AgentPart {
                        agent: agent.clone(),
                        commit: commit.clone(),
                        level: "commit".to_owned(),
                        confidence: confidence.clone(),
                    })
                    .collect(),
                confidence: "high".to_owned(),
                evidence: vec![
                    format!(
                        "the value first appears in {} at line {} in commit {} (oldest commit holding that blob)",
                        f.path,
                        f.line,
                        short(commit)
                    ),
                    if still {
                        format!("still present at {}", short(&head))
                    } else {
                        format!(
                            "no longer in the tree at {} — but still in history: rotate it",
                            short(&head)
                        )
                    },
                ],
                package_added: None,
                present_at_head: Some(still),
                engine: ENGINE,
            };
            attributions.push(attribution.into_event());
        }
        findings.push(internal);
    }
    scan.found = findings.len();
    scan.events_appended +=
        record_internal_findings(store, repo, TOOL, &head, findings, attributions, true)?;
    // Only once the findings are on record: a crash before this reads the blobs again.
    store.add_scanned_blobs(&repo.id, &rules, &history.scanned_blobs)?;
    store.mark_analyzed(TOOL, &repo.id, &state)?;
    Ok(scan)
}
