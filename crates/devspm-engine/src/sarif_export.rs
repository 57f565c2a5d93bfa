//! SARIF written back with what devspm knows: each result of an imported SARIF report gets
//! `properties.devspm` (its finding, status, attribution, developer, agents and triage), a
//! standing triage judgement becomes a SARIF suppression (code scanning shows the alert as
//! dismissed, with the reason), and the secrets import kept out of the record stay out of the
//! document. Results are matched to findings the way import identified them: by reading the
//! report again and recomputing each result's finding id.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use devspm_ledger::findings::{FindingFilter, FindingRow};
use serde::Serialize;

use crate::import::ImportInput;
use crate::{Context, EngineError, Ledger};

/// The enriched document.
#[derive(Debug, Serialize)]
pub struct EnrichedSarif {
    /// The report, with `properties.devspm` and suppressions added and secrets redacted.
    pub document: serde_json::Value,
    /// Results that carry an attribution.
    pub enriched: u64,
    /// Results in the report.
    pub results: u64,
}

/// Refuses a report that is not SARIF (only SARIF can carry the attribution back), naming
/// what it is; the reader is moved back to where it was. A front end that opens the ledger
/// only for a SARIF report calls this first; [`enrich`] calls it too.
pub fn require_sarif<R: Read + Seek>(input: &mut ImportInput<R>) -> Result<(), EngineError> {
    let cannot = |e| EngineError::io(format!("cannot read {}", input.name), e);
    let start = input.reader.stream_position().map_err(cannot)?;
    match devspm_findings::import::detect_reader(&input.name, &mut input.reader)? {
        devspm_findings::import::Format::Sarif => {}
        other => {
            return Err(EngineError::Invalid(format!(
                "{} is {} output, not SARIF: `devspm export sarif` writes the attribution into a SARIF file's results (`devspm findings --format json` has it for any format)",
                input.name,
                other.title()
            )));
        }
    }
    input.reader.seek(SeekFrom::Start(start)).map_err(cannot)?;
    Ok(())
}

/// Enriches the SARIF report `input` (read from its current position) with the findings
/// recorded for `repo`.
pub fn enrich<R: Read + Seek>(
    ctx: &Context<'_>,
    store: &mut impl Ledger,
    repo: &devspm_git::Repo,
    mut input: ImportInput<R>,
    revision: Option<&str>,
) -> Result<EnrichedSarif, EngineError> {
    require_sarif(&mut input)?;
    let name = input.name.clone();
    let cannot = |e| EngineError::io(format!("cannot read {name}"), e);
    let start = input.reader.stream_position().map_err(cannot)?;
    let rows = store.findings(&FindingFilter {
        repo: Some(repo.id.clone()),
        ..FindingFilter::default()
    })?;
    let export = crate::import::finding_ids(ctx, store, repo, &mut input, revision)?;
    let ids = &export.ids;
    let by_id: HashMap<&str, &FindingRow> = rows.iter().map(|r| (r.finding.as_str(), r)).collect();
    input.reader.seek(SeekFrom::Start(start)).map_err(cannot)?;
    let mut text = String::new();
    input.reader.read_to_string(&mut text).map_err(cannot)?;
    let mut sarif: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| EngineError::Invalid(format!("{name} is not valid JSON: {e}")))?;
    // What import kept out of the record stays out of the export: the secrets the producer
    // declared and those the detector finds in any text.
    export.redactor.redact_json(&mut sarif, &export.secrets);
    let mut enriched = 0u64;
    let mut total = 0u64;
    if let Some(runs) = sarif.get_mut("runs").and_then(|r| r.as_array_mut()) {
        for (run_index, run) in runs.iter_mut().enumerate() {
            let Some(results) = run.get_mut("results").and_then(|r| r.as_array_mut()) else {
                continue;
            };
            for (result_index, result) in results.iter_mut().enumerate() {
                total += 1;
                let origin = format!("$.runs[{run_index}].results[{result_index}]");
                let Some(row) = ids.get(&origin).and_then(|id| by_id.get(id.as_str())) else {
                    continue;
                };
                let Some(object) = result.as_object_mut() else {
                    continue;
                };
                let properties = object
                    .entry("properties")
                    .or_insert_with(|| serde_json::json!({}));
                if let Some(p) = properties.as_object_mut() {
                    p.insert("devspm".to_owned(), devspm_properties(row));
                    enriched += 1;
                }
                // A standing triage judgement is a SARIF suppression: code scanning shows the
                // alert as dismissed, with the reason.
                if let Some(t) = row.triage.as_ref().filter(|t| t.active) {
                    let suppressions = object
                        .entry("suppressions")
                        .or_insert_with(|| serde_json::json!([]));
                    if let Some(list) = suppressions.as_array_mut() {
                        list.push(serde_json::json!({
                            "kind": "external",
                            "status": "accepted",
                            "justification": format!("{}: {}", t.state, t.reason),
                            "properties": { "devspm": { "state": t.state, "expires": t.expires, "by": t.by } }
                        }));
                    }
                }
            }
        }
    }
    Ok(EnrichedSarif {
        document: sarif,
        enriched,
        results: total,
    })
}

/// `properties.devspm` of one result.
fn devspm_properties(r: &FindingRow) -> serde_json::Value {
    serde_json::json!({
        "finding": r.finding,
        "status": r.status,
        "attribution": r.attribution,
        "method": r.method,
        "confidence": r.confidence,
        "reason": r.reason,
        "introducedIn": r.introduced_in,
        "introducedAt": r.introduced_at.map(|t| crate::date(Some(t))),
        "otherCommits": r.other_commits,
        "developer": r.developer,
        "team": r.team,
        "agents": r.agents,
        "triage": r.triage.as_ref().map(|t| serde_json::json!({
            "state": t.state,
            "reason": t.reason,
            "expires": t.expires,
            "active": t.active,
            "by": t.by,
        })),
    })
}

/// The dependency findings of a repository (or all) as a CycloneDX 1.5 VEX document
/// (`devspm_report::vex`), and how many findings it holds. `version` is devspm's, `timestamp`
/// RFC 3339 UTC.
pub fn vex(
    store: &impl devspm_ledger::FindingStore,
    repo: Option<String>,
    version: &str,
    timestamp: &str,
) -> Result<(serde_json::Value, usize), EngineError> {
    let rows = store.findings(&FindingFilter {
        repo,
        ..Default::default()
    })?;
    let packages: Vec<Option<devspm_core::finding::PackageRef>> = rows
        .iter()
        .map(|r| match (&r.ecosystem, &r.package, &r.version) {
            (Some(ecosystem), Some(name), Some(version)) => {
                Some(devspm_core::finding::PackageRef {
                    ecosystem: ecosystem.clone(),
                    name: name.clone(),
                    version: version.clone(),
                    manifest: r.path.clone(),
                    fixed: Vec::new(),
                })
            }
            _ => None,
        })
        .collect();
    let findings: Vec<devspm_report::vex::VexFinding<'_>> =
        rows.iter()
            .zip(&packages)
            .map(|(r, package)| devspm_report::vex::VexFinding {
                finding: &r.finding,
                tool: &r.tool,
                rule: &r.rule,
                severity: &r.severity,
                message: &r.message,
                identifiers: &r.identifiers,
                package: package.as_ref(),
                status: &r.status,
                triage: r.triage.as_ref().filter(|t| t.active).map(|t| {
                    devspm_report::vex::Triage {
                        state: &t.state,
                        reason: &t.reason,
                        expires: t.expires.as_deref(),
                    }
                }),
                introduced_by: r.introduced_in.as_deref(),
            })
            .collect();
    let document = devspm_report::vex::render(
        &findings,
        &devspm_report::vex::Producer { version, timestamp },
    );
    let written = findings.iter().filter(|f| f.package.is_some()).count();
    Ok((document, written))
}
