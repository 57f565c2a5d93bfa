//! The evidence pack in Markdown: `index.md`, `practices.md`, `VERIFY.md` and one
//! `changes/<id>.md` per sampled change, from the [`EvidencePack`] the engine builds
//! (`devspm_engine::evidence`), and `index.json`, the pack's summary.
//!
//! The pack's types live in `devspm_core::evidence`, below this crate and below the engine:
//! this crate stays a low floor (it depends on the vocabulary only, never on the engine or the
//! ledger), so the engine can use its escaping while writing the pack's folder, and a
//! dashboard can render a pack it got from the engine or from JSON without the engine's
//! dependencies.
//!
//! Every text that came from outside — names, e-mails, subjects, trailer values, tool, rule and
//! agent names, paths, ref names, repository names and locators — goes through
//! [`markdown::text`](crate::markdown::text) (or [`code`] in a code span); the pack's own ids,
//! hashes, counts and dates are written as they are.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use devspm_core::evidence::{ChangeEvidence, EvidencePack, Framework, PackCheckpoint, Person};

use crate::markdown::code;
/// Outside text for Markdown: one line, controls, bidi and invisible characters shown as
/// visible escapes, markup escaped.
use crate::markdown::text as md;
use crate::number::{count, percent};

/// The first 12 hex digits of a commit id.
fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// `2026-07-01T14:03:07Z` → `2026-07-01 14:03 UTC`.
fn minute(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => at.to_owned(),
    }
}

/// `index.json`, the pack's summary (also what `devspm audit evidence --format json` prints):
/// the scope, the period, how the sample was drawn, the sampled changes and the checkpoint.
pub fn summary(p: &EvidencePack, folder: &Path) -> serde_json::Value {
    serde_json::json!({
        "folder": folder,
        "framework": p.framework.id(),
        "scope": p.scope,
        "period": { "since": p.since, "until": p.until, "by": "committer date (UTC)" },
        "population": p.population,
        "sample": {
            "size": p.changes.len(),
            "requested": p.requested,
            "always_included": p.always_included,
            "seed": p.seed,
            "method": "changes that introduced open high/critical findings, then the others by ascending SHA-256(seed || repository id || '/' || commit id)",
        },
        "changes": p.changes.iter().map(|c| serde_json::json!({
            "commit": c.commit, "repository": c.repository.name, "file": format!("changes/{}.md", c.file),
            "sampled_because": c.sampled_because, "event_seq": c.recorded.seq,
        })).collect::<Vec<_>>(),
        "checkpoint": {
            "id": p.checkpoint.id, "tree_size": p.checkpoint.size, "root_hash": p.checkpoint.root,
            "signer": p.checkpoint.signer, "signed_for_this_pack": p.checkpoint.fresh,
        },
        "ledger_verified": { "events": p.verified_events, "tree_nodes": p.verified_tree_nodes },
        "cited_events": p.cited.len(),
        "events_in_events_jsonl": p.events_in_folder,
    })
}

fn ratio(n: u64, of: u64) -> String {
    if of == 0 {
        "n/a".into()
    } else {
        format!(
            "{} of {} ({})",
            count(n),
            count(of),
            percent(n as f64 / of as f64)
        )
    }
}

fn person_md(p: &Person) -> String {
    let mut s = match (&p.name, &p.email) {
        (Some(n), Some(e)) => format!("{} ({})", md(n), md(e)),
        (Some(n), None) => md(n),
        (None, Some(e)) => md(e),
        (None, None) => format!("personal data not available (alias `{}`)", p.alias),
    };
    match (&p.identity, &p.kind) {
        (Some(id), Some(kind)) => {
            let _ = write!(s, ", {kind} {}", code(id));
        }
        _ => s.push_str(", no resolved identity"),
    }
    if let Some(r) = &p.resolved_by {
        let _ = write!(s, " (resolved by: {})", md(r));
    }
    s
}

/// `changes/<file>.md`: one sampled change.
pub fn change(c: &ChangeEvidence, cp: &PackCheckpoint) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Change {} — {}\n",
        short(&c.commit),
        md(c.subject.as_deref().unwrap_or("(message not stored)"))
    );
    let _ = writeln!(o, "[Back to the index](../index.md)\n");
    let _ = writeln!(o, "| | |\n|---|---|");
    let _ = writeln!(o, "| Commit | `{}` |", c.commit);
    let _ = writeln!(
        o,
        "| Repository | {} (`{}`, {}) |",
        md(&c.repository.name),
        c.repository.repo,
        md(&c.repository.locator)
    );
    let _ = writeln!(o, "| Why sampled | {} |", md(&c.sampled_because));
    let _ = writeln!(o, "| Author | {} |", person_md(&c.author));
    let _ = writeln!(o, "| Authored | {} |", c.authored_at);
    let _ = writeln!(o, "| Committer | {} |", person_md(&c.committer));
    let _ = writeln!(o, "| Committed | {} |", c.committed_at);
    let _ = writeln!(
        o,
        "| Signature | {} |",
        if c.signature.signed {
            format!(
                "signed ({}); devspm records that a signature is present, it does not check it against a key",
                c.signature.kind
            )
        } else {
            "not signed".into()
        }
    );
    let _ = writeln!(o, "| Reviewer evidence | {} |", md(&c.review.summary));
    let _ = writeln!(
        o,
        "| AI involvement | {} |",
        if c.ai.is_empty() {
            "none recorded".to_owned()
        } else {
            c.ai.iter()
                .map(|a| format!("{} ({}, {} evidence)", md(&a.agent), a.role, a.confidence))
                .collect::<Vec<_>>()
                .join("; ")
        }
    );
    let _ = writeln!(
        o,
        "| Files changed | {}{}; +{} −{} lines{} |",
        c.files.changed,
        if c.files.by_change.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                c.files
                    .by_change
                    .iter()
                    .map(|(k, n)| format!("{n} {k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        c.files.lines_added,
        c.files.lines_removed,
        if c.files.binary > 0 {
            format!("; {} binary", c.files.binary)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        o,
        "| Findings introduced | {} |",
        if c.findings_introduced.is_empty() {
            "none attributed to this change".to_owned()
        } else {
            format!("{} (below)", c.findings_introduced.len())
        }
    );
    if c.merge {
        let _ = writeln!(
            o,
            "| Merge commit | yes: its file counts are against its first parent |"
        );
    }
    if c.unreachable {
        let _ = writeln!(
            o,
            "| Reachable | no: a later history rewrite removed it from every branch; it stays on record |"
        );
    }
    let _ = writeln!(
        o,
        "| Ledger record | event {} (`commit_recorded`), leaf index {}: [proof](../{}) against checkpoint #{} ({} events) |",
        c.recorded.seq,
        c.recorded.leaf_index,
        c.recorded.proof,
        cp.id,
        count(cp.size)
    );

    let _ = writeln!(o, "\n## Reviewer evidence\n");
    if c.review.trailers.is_empty() {
        let _ = writeln!(
            o,
            "- Review trailers (`Reviewed-by:`, `Acked-by:`, `Approved-by:`, `Tested-by:`, `Reviewed-on:`): none recorded."
        );
    } else {
        for t in &c.review.trailers {
            let _ = writeln!(
                o,
                "- `{}:` {}",
                t.key,
                t.person
                    .as_ref()
                    .map_or_else(|| md(t.value.as_deref().unwrap_or("")), person_md)
            );
        }
    }
    match &c.review.merged_by {
        Some(m) => {
            let _ = writeln!(
                o,
                "- Merged in `{}` ({}) by {} at {}{}.",
                short(&m.merge_commit),
                md(m.subject.as_deref().unwrap_or("")),
                person_md(&m.committer),
                m.committed_at,
                if m.different_person {
                    ", another person than the author"
                } else if m.committer.kind.as_deref() == Some("developer") {
                    ", the author's own identity (not an independent review)"
                } else {
                    ", a bot: not an independent review (a merge through GitHub's interface; see the pull request)"
                }
            );
        }
        None => {
            let _ = writeln!(
                o,
                "- Merge commit bringing it in: none recorded (committed directly on its branch, or squash-merged)."
            );
        }
    }
    if c.review.committed_via_github {
        let _ = writeln!(
            o,
            "- Committed by GitHub's web interface (web-flow): this is how pull requests merged on GitHub are committed. git does not record whether anyone approved it."
        );
    }
    if let Some(pr) = &c.review.pull_request {
        let _ = writeln!(
            o,
            "- Pull request {pr} is referenced: its review, if any, is on the forge, outside this record."
        );
    }
    let _ = writeln!(
        o,
        "- Independent review recorded in git: **{}**.",
        if c.review.independent { "yes" } else { "no" }
    );

    if !c.other_trailers.is_empty() {
        let _ = writeln!(o, "\n## Other trailers\n");
        for t in &c.other_trailers {
            let _ = writeln!(
                o,
                "- `{}:` {}",
                t.key,
                t.person
                    .as_ref()
                    .map_or_else(|| md(t.value.as_deref().unwrap_or("")), person_md)
            );
        }
    }

    let _ = writeln!(o, "\n## AI involvement\n");
    if c.ai.is_empty() {
        let _ = writeln!(
            o,
            "None recorded (no agent identity, co-author trailer, message marker or line-level record)."
        );
    } else {
        for a in &c.ai {
            let _ = writeln!(
                o,
                "- **{}** as {}, {} evidence{}{} — event {} ([proof](../proofs/{}.json))",
                md(&a.agent),
                a.role,
                a.confidence,
                a.accountable
                    .as_ref()
                    .map(|p| format!("; accountable human: {}", person_md(p)))
                    .unwrap_or_default(),
                a.lines
                    .map(|n| format!("; {n} lines per line-level records"))
                    .unwrap_or_default(),
                a.event_seq,
                a.event_seq
            );
            for e in &a.evidence {
                let _ = writeln!(o, "  - {}", md(e));
            }
        }
    }

    let _ = writeln!(o, "\n## Findings introduced by this change\n");
    if c.findings_introduced.is_empty() {
        let _ = writeln!(
            o,
            "No recorded finding is attributed to this change (only findings of imported scanner results are known)."
        );
    } else {
        let _ = writeln!(
            o,
            "| Severity | Status | Tool | Rule | Where | Role | Attribution | Events |\n|---|---|---|---|---|---|---|---|"
        );
        for f in &c.findings_introduced {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} ({} confidence){} | [{}](../proofs/{}.json), [{}](../proofs/{}.json) |",
                f.severity,
                if f.status == "fixed" {
                    format!(
                        "fixed{}",
                        f.fixed_revision
                            .as_deref()
                            .map(|r| format!(" at `{}`", short(r)))
                            .unwrap_or_default()
                    )
                } else {
                    f.status.clone()
                },
                md(&f.tool),
                md(&f.rule),
                md(&format!(
                    "{}{}",
                    f.path.as_deref().unwrap_or("-"),
                    f.start_line.map(|l| format!(":{l}")).unwrap_or_default()
                )),
                if f.primary {
                    "introduced"
                } else {
                    "contributed lines"
                },
                f.method,
                f.confidence,
                if f.agents.is_empty() {
                    String::new()
                } else {
                    format!("; agents: {}", md(&f.agents.join(", ")))
                },
                f.finding_seq,
                f.finding_seq,
                f.attribution_seq,
                f.attribution_seq
            );
        }
    }

    let _ = writeln!(o, "\n## Events cited\n");
    let _ = writeln!(
        o,
        "Each is in `events.jsonl` (its payload is the exact hashed text) and has an inclusion proof against `checkpoint.txt`:\n"
    );
    let _ = writeln!(
        o,
        "| Event | Kind | Leaf index | Leaf hash | Proof |\n|---|---|---|---|---|"
    );
    for e in &c.events {
        let _ = writeln!(
            o,
            "| {} | `{}` | {} | `{}` | [{}](../{}) |",
            e.seq,
            e.kind,
            e.leaf_index,
            &e.leaf_hash[..e.leaf_hash.len().min(16)],
            e.proof,
            e.proof
        );
    }
    let _ = writeln!(
        o,
        "\nNames and e-mails are not in the hashed events (those name alias ids such as `{}`); they come from the ledger's alias table, so the proofs cover what was recorded, and the names are the ledger's current mapping of those ids.",
        c.author.alias
    );
    o
}

/// The parts of the findings evidence a practice draws on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Records,
    Lifecycle,
    RootCause,
}

/// `practices.md`: how the records support each practice of the framework, with the gaps.
pub fn practices(p: &EvidencePack) -> String {
    let s = &p.stats;
    let f = &p.findings;
    let sample = p.changes.len() as u64;
    let signed_sample = p.changes.iter().filter(|c| c.signature.signed).count() as u64;
    let independent = p.changes.iter().filter(|c| c.review.independent).count() as u64;
    let any_review = p
        .changes
        .iter()
        .filter(|c| {
            c.review.independent
                || !c.review.trailers.is_empty()
                || c.review.pull_request.is_some()
                || c.review.committed_via_github
        })
        .count() as u64;
    let ai_sample = p.changes.iter().filter(|c| !c.ai.is_empty()).count() as u64;
    let with_findings = p
        .changes
        .iter()
        .filter(|c| !c.findings_introduced.is_empty())
        .count() as u64;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Practices: {} — {} to {}\n",
        p.framework.title(),
        p.since,
        p.until
    );
    let _ = writeln!(
        o,
        "[Back to the index](index.md). Figures for \"the period\" cover all {} changes of {} committed from {} to {}; figures for \"the sample\" cover the {} sampled changes. Findings figures cover every finding on record for the scope as of checkpoint #{}.\n",
        count(p.population as u64),
        md(&p.scope),
        p.since,
        p.until,
        sample,
        p.checkpoint.id
    );

    let change_tracking = |o: &mut String, heading: &str, asks: &str| {
        let _ = writeln!(o, "## {heading}\n\n**What it asks.** {asks}\n");
        let _ = writeln!(o, "**Evidence in this pack.**\n");
        let _ = writeln!(
            o,
            "- Every change of the period is recorded with its author, committer and times: {} changes, {} distinct author identities.",
            count(s.changes),
            count(s.authors)
        );
        let _ = writeln!(
            o,
            "- Author resolved to an identity: {} — by kind: {}.",
            ratio(s.resolved, s.changes),
            s.by_kind
                .iter()
                .map(|(k, n)| format!("{k} {}", count(*n)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            o,
            "- Signed changes: {} in the period ({}); {} in the sample.",
            ratio(s.signed, s.changes),
            s.signature_kinds
                .iter()
                .map(|(k, n)| format!("{k} {}", count(*n)))
                .collect::<Vec<_>>()
                .join(", "),
            ratio(signed_sample, sample)
        );
        let _ = writeln!(
            o,
            "- Committed by another identity than the author (merged or applied by someone else): {}{}.",
            ratio(s.committer_differs, s.changes),
            if s.web_flow > 0 {
                format!(
                    "; {} were committed by GitHub's web interface (web-flow), i.e. merged through GitHub",
                    count(s.web_flow)
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            o,
            "- AI involvement recorded: {} in the period; {} in the sample (each with its evidence and accountable human in its change file).",
            ratio(s.ai, s.changes),
            ratio(ai_sample, sample)
        );
        let _ = writeln!(o, "\n**Gaps.**\n");
        if s.signed < s.changes {
            let _ = writeln!(
                o,
                "- {} changes of the period are not signed: their author and committer are what the committer's git configuration said, not authenticated.",
                count(s.changes - s.signed)
            );
        }
        let _ = writeln!(
            o,
            "- devspm records that a signature is present and its kind; it does not check signatures against keys or tie keys to people. Signatures added by a forge (GitHub web-flow) vouch for the forge, not the author."
        );
        if s.resolved < s.changes {
            let _ = writeln!(
                o,
                "- {} changes have an author alias that resolves to no identity.",
                count(s.changes - s.resolved)
            );
        }
        let _ = writeln!(
            o,
            "- An identity is resolved from names and e-mails in commits (rules shown per change); it is as good as those, unless declared in `devspm.toml`.\n"
        );
    };
    let audit_trail = |o: &mut String, heading: &str, asks: &str| {
        let _ = writeln!(o, "## {heading}\n\n**What it asks.** {asks}\n");
        let _ = writeln!(o, "**Evidence in this pack.**\n");
        let _ = writeln!(
            o,
            "- The ledger holds {} events in a SHA-256 hash chain and an RFC 6962 Merkle tree; `devspm audit verify` re-checked all of them and {} stored tree nodes when this pack was written: **verified**.",
            count(p.verified_events),
            count(p.verified_tree_nodes)
        );
        let _ = writeln!(
            o,
            "- Checkpoint #{} signs the tree of its first {} events (root `{}`) with key {}{}; it is `checkpoint.txt`, the key `verifier.pub`.",
            p.checkpoint.id,
            count(p.checkpoint.size),
            &p.checkpoint.root[..16.min(p.checkpoint.root.len())],
            code(&p.checkpoint.signer),
            if p.checkpoint.fresh {
                ", signed for this pack"
            } else {
                ", the latest recorded"
            }
        );
        let _ = writeln!(
            o,
            "- {} events cited by this pack have an inclusion proof in `proofs/`; `events.jsonl` holds the {} events the checkpoint covers, so the chain, the root and every proof can be checked without devspm (VERIFY.md).",
            count(p.cited.len() as u64),
            count(p.events_in_folder)
        );
        let _ = writeln!(
            o,
            "- History rewrites (force-pushes) recorded since the period began: {}{}.",
            p.rewrites.len(),
            if p.rewrites.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    p.rewrites
                        .iter()
                        .map(|r| format!(
                            "{} `{}` → `{}`, {} commits no longer reachable",
                            md(&r.ref_name),
                            short(&r.old_tip),
                            short(&r.new_tip),
                            r.unreachable
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        );
        let _ = writeln!(o, "\n**Gaps.**\n");
        let _ = writeln!(
            o,
            "- The checkpoint proves the ledger was not altered after it was signed. It cannot prove the ledger recorded everything: changes are recorded when `devspm scan` runs, so an auditor should compare the recorded commits with the repository (`git rev-list --count`).\n- Keep a copy of `checkpoint.txt`: a later ledger that is not consistent with it (rolled back or rewritten) is detected by `devspm audit verify --checkpoint`.\n- Trust the verifier key you obtained from the ledger's operator, not only the copy in this folder.\n"
        );
    };
    let findings_block = |o: &mut String, heading: &str, asks: &str, parts: &[Part]| {
        let _ = writeln!(o, "## {heading}\n\n**What it asks.** {asks}\n");
        let _ = writeln!(o, "**Evidence in this pack.**\n");
        if f.total == 0 {
            let _ = writeln!(
                o,
                "- No scanner findings are recorded for {}: import scanner output with `devspm import`.",
                md(&p.scope)
            );
        }
        if f.total > 0 && parts.contains(&Part::Records) {
            let _ = writeln!(
                o,
                "- {} findings on record ({} open, {} fixed), from {} scanner import(s) of: {}.",
                count(f.total),
                count(f.total - f.fixed),
                count(f.fixed),
                p.scanners.len(),
                p.scanners
                    .iter()
                    .map(|r| r.tool.as_str())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .map(md)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let _ = writeln!(o, "\n| Severity | Open | Fixed |\n|---|---|---|");
            for (name, open, fixed) in f.by_severity.values().rev() {
                let _ = writeln!(o, "| {name} | {open} | {fixed} |");
            }
            if !p.scanners.is_empty() {
                let _ = writeln!(
                    o,
                    "\n| Scanner import (event, recorded) | Tool | Format | Revision | Results | New | Fixed | Reopened |\n|---|---|---|---|---|---|---|---|"
                );
                for r in &p.scanners {
                    let _ = writeln!(
                        o,
                        "| {} ({}){} | {} | {} | `{}` | {} | {} | {} | {} |",
                        r.seq,
                        &r.at[..r.at.len().min(10)],
                        r.withdrawn_seq
                            .map(|w| format!(", withdrawn by event {w}"))
                            .unwrap_or_default(),
                        md(&r.tool),
                        r.format,
                        r.revision.as_deref().map(short).unwrap_or("-"),
                        r.results,
                        r.new,
                        r.fixed,
                        r.reopened
                    );
                }
            }
            let _ = writeln!(o);
        }
        if f.total > 0 && parts.contains(&Part::Lifecycle) {
            let _ = writeln!(
                o,
                "- Lifecycle: a finding a later import of the same scanner no longer reports is marked fixed at that revision, and reopened if it returns. Fixed: {}; reopened at least once: {}.",
                ratio(f.fixed, f.total),
                count(f.reopened)
            );
            if f.fix_days.is_empty() {
                let _ = writeln!(
                    o,
                    "- Time to fix: no fixed finding has both a recorded introducing commit and a recorded fixing revision."
                );
            } else {
                let mut days = f.fix_days.clone();
                days.sort_by(f64::total_cmp);
                let mean = days.iter().sum::<f64>() / days.len() as f64;
                let median = days[days.len() / 2];
                let _ = writeln!(
                    o,
                    "- Time to fix (introducing commit → first revision where the scanner no longer reported it), over {} fixed findings: mean {:.1} days, median {:.1} days.",
                    days.len(),
                    mean,
                    median
                );
            }
            let _ = writeln!(
                o,
                "- Open high or critical findings introduced in the period: {} (every change that introduced one is in the sample).",
                count(f.in_period_severe_open)
            );
        }
        if f.total > 0 && parts.contains(&Part::RootCause) {
            let _ = writeln!(
                o,
                "- Traced to the change that introduced them (blame of the flagged lines, lockfile or secret history): {}; unattributable, with the reason recorded: {}; not attributed yet: {}.",
                ratio(f.attributed, f.total),
                count(f.unattributable),
                count(f.pending)
            );
            let _ = writeln!(
                o,
                "- Who introduced them: {} distinct developers; {} findings with AI involvement in the introducing change ({}).",
                count(f.developers),
                count(f.ai_findings),
                if f.agents.is_empty() {
                    "no agent".to_owned()
                } else {
                    f.agents
                        .iter()
                        .map(|a| md(a))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            );
            let _ = writeln!(
                o,
                "- Introduced by a change of the period: {} findings (each listed in its change's file when sampled).",
                count(f.in_period)
            );
            if !f.by_year.is_empty() {
                let _ = writeln!(
                    o,
                    "- Trend, findings by year their introducing change was authored: {}.",
                    f.by_year
                        .iter()
                        .map(|(y, n)| format!("{y}: {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let mut rules: Vec<(&String, &u64)> = f.rules.iter().collect();
            rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let _ = writeln!(
                o,
                "- Recurring causes, the most frequent rules: {}.",
                rules
                    .iter()
                    .take(5)
                    .map(|(r, n)| format!("{} {n}", code(r)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(o, "\n**Gaps.**\n");
        let _ = writeln!(
            o,
            "- Only findings of imported scanner output are known; what the scanners do not detect, or were not run on, is not here."
        );
        if parts.contains(&Part::Lifecycle) {
            let _ = writeln!(
                o,
                "- \"Fixed\" means a later scan of the same tool no longer reported it, not that a fix was reviewed."
            );
            if f.fixed == 0 && f.total > 0 {
                let _ = writeln!(
                    o,
                    "- No finding has been fixed on record (a single scan state, or nothing fixed yet): import scanner results regularly (e.g. in CI) to show remediation over time."
                );
            }
        }
        if parts.contains(&Part::RootCause) {
            let _ = writeln!(
                o,
                "- Attribution names the change that last wrote the flagged lines; the confidence of each is recorded (`devspm findings`), and a reformatting commit can hide the original author (see docs/attribution.md)."
            );
        }
        let _ = writeln!(o);
    };

    match p.framework {
        Framework::Ssdf => {
            change_tracking(
                &mut o,
                "PS.1 — Protect all forms of code from unauthorized access and tampering",
                "Store code so that every change is tracked and attributable to an individual, and use commit signing or equivalent to protect its integrity (PS.1.1).",
            );
            audit_trail(
                &mut o,
                "PO.3 — Implement supporting toolchains (audit trail)",
                "Configure tools to generate artifacts of their support of secure development practices, and keep them so they can be shown to be unaltered (PO.3.2, PO.3.3).",
            );
            findings_block(
                &mut o,
                "RV.2 — Assess, prioritize and remediate vulnerabilities",
                "Record each vulnerability with its severity, track its remediation, and show that it was fixed (RV.2.1, RV.2.2).",
                &[Part::Records, Part::Lifecycle],
            );
            findings_block(
                &mut o,
                "RV.3 — Analyze vulnerabilities to identify their root causes",
                "Find the root cause of each vulnerability and analyse them over time for patterns: who or what introduces them, and whether that changes (RV.3.1–RV.3.3).",
                &[Part::RootCause],
            );
        }
        Framework::Soc2 => {
            let _ = writeln!(
                o,
                "## CC8.1 — Change management\n\n**What it asks.** Changes to the system are authorized, designed, developed, tested, approved and implemented in a controlled way; the auditor tests a sample of changes for evidence of each.\n\n**Evidence in this pack.**\n"
            );
            let _ = writeln!(
                o,
                "- A deterministic sample of {} of the period's {} changes (see the index for how it was drawn), one file per change in `changes/`, each with author, committer, times, signature, reviewer evidence, AI involvement, files and findings introduced.",
                sample,
                count(s.changes)
            );
            let _ = writeln!(
                o,
                "- Independent review recorded in git (a review trailer naming someone else, or a merge by another person), in the sample: {}.",
                ratio(independent, sample)
            );
            let _ = writeln!(
                o,
                "- Any reviewer evidence (also counting pull-request references and commits made through GitHub's interface, whose review is on the forge), in the sample: {}.",
                ratio(any_review, sample)
            );
            let _ = writeln!(
                o,
                "- Review trailers in the whole period: {}; merge commits: {}.",
                ratio(s.review_trailer, s.changes),
                count(s.merges)
            );
            let _ = writeln!(
                o,
                "- Signed: {} in the period, {} in the sample. AI involvement in the sample: {}. Sampled changes that introduced findings: {}.",
                ratio(s.signed, s.changes),
                ratio(signed_sample, sample),
                ratio(ai_sample, sample),
                count(with_findings)
            );
            if s.unreachable > 0 {
                let _ = writeln!(
                    o,
                    "- {} changes of the period are no longer reachable from any branch (history rewritten); they stay on record.",
                    count(s.unreachable)
                );
            }
            let _ = writeln!(o, "\n**Gaps.**\n");
            if independent < sample {
                let _ = writeln!(
                    o,
                    "- {} sampled changes have no independent review recorded in git. Where a pull request is referenced, the approval must be taken from the forge (e.g. GitHub's pull-request reviews); devspm does not read it.",
                    sample - independent
                );
            }
            let _ = writeln!(
                o,
                "- Testing and deployment approval are not recorded by devspm; CI results and deployment records must come from those systems.\n- Unsigned changes' authorship is asserted, not authenticated.\n"
            );
            findings_block(
                &mut o,
                "CC7.1 — Detection of vulnerabilities and configuration changes",
                "The entity uses detection and monitoring procedures to identify changes that introduce vulnerabilities, and monitors them.",
                &[Part::Records, Part::RootCause],
            );
            findings_block(
                &mut o,
                "CC7.2 — Monitoring and evaluation of anomalies",
                "The entity monitors system components for anomalies and evaluates them; findings are followed through their lifecycle.",
                &[Part::Lifecycle],
            );
            audit_trail(
                &mut o,
                "Supporting: the record itself (integrity of the audit trail)",
                "That the evidence above was not altered after the fact.",
            );
            let _ = writeln!(
                o,
                "## CC6.1 — Logical access\n\nNot assessed: devspm records who authored and committed changes, not who has access to the repositories or how it is granted. Take access reviews from the forge and the identity provider.\n"
            );
        }
    }
    o
}

/// `index.md`: scope, how the sample was drawn, counts, the sampled changes, how to verify.
pub fn index(p: &EvidencePack) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Evidence pack: {} — {} to {}\n",
        p.framework.title(),
        p.since,
        p.until
    );
    let _ = writeln!(
        o,
        "Written by devspm {} on {}, covering {}. Start here; [practices.md](practices.md) maps the evidence to the framework, [VERIFY.md](VERIFY.md) says how to check it without devspm.\n",
        p.devspm_version,
        minute(&p.written_at),
        md(&p.scope)
    );
    let _ = writeln!(o, "## Scope\n");
    let _ = writeln!(
        o,
        "- Period: {} to {} inclusive, by committer date (UTC){}.",
        p.since,
        p.until,
        match (p.since_defaulted, p.until_defaulted) {
            (true, true) => " — the default: the 90 days before the newest recorded commit",
            (true, false) => " — the start defaulted to 90 days before the end",
            (false, true) => " — the end defaulted to the day of the newest recorded commit",
            (false, false) => "",
        }
    );
    let _ = writeln!(o, "- Repositories:");
    for r in &p.repositories {
        let _ = writeln!(o, "  - {} (`{}`, {})", md(&r.name), r.repo, md(&r.locator));
    }
    let _ = writeln!(o, "\n## How the sample was drawn\n");
    let _ = writeln!(
        o,
        "- Population: the {} changes (commits, merges included) recorded with a committer date in the period.",
        count(p.population as u64)
    );
    let _ = writeln!(
        o,
        "- Sample: **{} of {}** changes ({} requested with `--sample`). First every change that introduced a finding that is open and of high or critical severity ({} such change{}), then the others in ascending order of SHA-256(seed ‖ repository id ‖ `/` ‖ commit id) until the requested size is reached.",
        p.changes.len(),
        count(p.population as u64),
        p.requested,
        p.always_included,
        if p.always_included == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        o,
        "- Seed: `{}` (the sampling rule, the period and the repository filter). The same period and scope give the same sample; anyone can recompute the ranks from the commit ids.\n",
        p.seed.trim_end().replace('\n', "\\n")
    );
    let _ = writeln!(o, "## Counts\n");
    let s = &p.stats;
    let _ = writeln!(o, "| | Period | Sample |\n|---|---|---|");
    let sample = p.changes.len() as u64;
    let _ = writeln!(o, "| Changes | {} | {} |", count(s.changes), sample);
    let _ = writeln!(
        o,
        "| Signed | {} | {} |",
        count(s.signed),
        p.changes.iter().filter(|c| c.signature.signed).count()
    );
    let _ = writeln!(
        o,
        "| With a review trailer | {} | {} |",
        count(s.review_trailer),
        p.changes
            .iter()
            .filter(|c| !c.review.trailers.is_empty())
            .count()
    );
    let _ = writeln!(
        o,
        "| With AI involvement | {} | {} |",
        count(s.ai),
        p.changes.iter().filter(|c| !c.ai.is_empty()).count()
    );
    let _ = writeln!(
        o,
        "| Merge commits | {} | {} |",
        count(s.merges),
        p.changes.iter().filter(|c| c.merge).count()
    );
    let _ = writeln!(
        o,
        "| Findings introduced | {} | {} |",
        count(p.findings.in_period),
        p.changes
            .iter()
            .map(|c| c.findings_introduced.iter().filter(|f| f.primary).count())
            .sum::<usize>()
    );
    let _ = writeln!(
        o,
        "\nFindings on record for the scope: {} ({} open).\n",
        count(p.findings.total),
        count(p.findings.total - p.findings.fixed)
    );
    let _ = writeln!(o, "## Sampled changes\n");
    let _ = writeln!(
        o,
        "| Change | Committed | Author | Signed | Reviewer evidence | AI | Findings | Why sampled |\n|---|---|---|---|---|---|---|---|"
    );
    for c in &p.changes {
        let _ = writeln!(
            o,
            "| [{}](changes/{}.md) {} | {} | {} | {} | {} | {} | {} | {} |",
            short(&c.commit),
            c.file,
            md(&c
                .subject
                .as_deref()
                .map(|s| if s.chars().count() > 60 {
                    format!("{}…", s.chars().take(59).collect::<String>())
                } else {
                    s.to_owned()
                })
                .unwrap_or_default()),
            &c.committed_at[..10.min(c.committed_at.len())],
            md(c.author.name.as_deref().unwrap_or(&c.author.alias)),
            if c.signature.signed {
                c.signature.kind.as_str()
            } else {
                "no"
            },
            if c.review.independent {
                "independent review"
            } else if !c.review.trailers.is_empty()
                || c.review.pull_request.is_some()
                || c.review.committed_via_github
                || c.review.merged_by.is_some()
            {
                "indirect"
            } else {
                "none recorded"
            },
            if c.ai.is_empty() {
                "-".to_owned()
            } else {
                c.ai.iter()
                    .map(|a| md(&a.agent))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            c.findings_introduced.len(),
            if c.sampled_because.starts_with("always") {
                "introduced open high/critical finding"
            } else {
                "random"
            }
        );
    }
    let _ = writeln!(
        o,
        "\nEach change has a Markdown file and the same data as JSON (`changes/<id>.json`). \"Indirect\" reviewer evidence: a pull-request reference, a commit through GitHub's interface, a merge by the author's own identity or a review trailer naming the author — pointers to look further, not proof of review.\n"
    );
    let _ = writeln!(o, "## Practices\n");
    let headings: &[&str] = match p.framework {
        Framework::Ssdf => &[
            "PS.1 — change tracking with individual accountability and signing",
            "PO.3 — audit trail",
            "RV.2 — vulnerability records and remediation",
            "RV.3 — root causes and trends",
        ],
        Framework::Soc2 => &[
            "CC8.1 — change management (the sample above)",
            "CC7.1 — detection of vulnerabilities",
            "CC7.2 — monitoring findings through their lifecycle",
            "CC6.1 — not assessed (access is not recorded by devspm)",
        ],
    };
    for h in headings {
        let _ = writeln!(o, "- {h}");
    }
    let _ = writeln!(
        o,
        "\nThe numbers, and the gaps, are in [practices.md](practices.md).\n"
    );
    let _ = writeln!(o, "## How to verify\n");
    let _ = writeln!(
        o,
        "`checkpoint.txt` is checkpoint #{} of the ledger: {} events, root `{}`, signed by {}{}. Every event this pack cites ({} events) has an inclusion proof in `proofs/<seq>.json` against it, and `events.jsonl` holds the {} events it covers. With Python 3 and nothing else:\n",
        p.checkpoint.id,
        count(p.checkpoint.size),
        &p.checkpoint.root[..16.min(p.checkpoint.root.len())],
        code(&p.checkpoint.signer),
        if p.checkpoint.fresh {
            " when this pack was written"
        } else {
            " (the latest recorded checkpoint)"
        },
        count(p.cited.len() as u64),
        count(p.events_in_folder)
    );
    let _ = writeln!(
        o,
        "```\npython3 verify_checkpoint.py . --key <verifier key from the ledger's operator> --proof proofs/{}.json\n```\n\nSee [VERIFY.md](VERIFY.md) for every step and what each check means.",
        p.changes.first().map_or(1, |c| c.recorded.seq)
    );
    o
}

/// `VERIFY.md`: what is signed, what the folder holds, and how to check it without devspm.
pub fn verify(p: &EvidencePack) -> String {
    let example = p.changes.first().map_or(1, |c| c.recorded.seq);
    format!(
        "# Verifying this pack\n\n\
[Back to the index](index.md)\n\n\
What is signed: `checkpoint.txt` is a [C2SP checkpoint](https://github.com/C2SP/C2SP/blob/main/tlog-checkpoint.md) — \
origin, tree size ({size}) and the RFC 6962 Merkle root of the ledger's first {size} events — signed with Ed25519 \
by {signer} (its verifier key is `verifier.pub`).\n\n\
What is in the folder:\n\n\
| File | What |\n|---|---|\n\
| `checkpoint.txt` | the signed checkpoint (#{id}) |\n\
| `verifier.pub` | the signer's verifier key, `<name>+<key id>+<key>` — a convenience copy: verify with the key you obtained from the ledger's operator |\n\
| `events.jsonl` | the {events} events the checkpoint covers, one JSON object a line (`seq`, `leaf_index`, `leaf_hash`, `payload` as the exact hashed text, `prev_hash`, `hash`), as `devspm audit export` writes them |\n\
| `cited-events.jsonl` | the {cited} events this pack cites, in the same format, each with `cited_by` (the change files) and `proof` |\n\
| `proofs/<seq>.json` | the inclusion proof of event `<seq>` in the checkpoint's tree (`leaf_index`, `tree_size`, `leaf_hash`, `root_hash`, `audit_path`) |\n\
| `changes/*.md`, `changes/*.json` | the sampled changes, each citing its events |\n\n\
## With the standalone verifier\n\n\
`verify_checkpoint.py` is `scripts/verify_checkpoint.py` in devspm's source: about 300 lines of Python 3, standard library only (Ed25519 included), short enough to read before trusting it. \
From this folder:\n\n\
```\n\
python3 verify_checkpoint.py . --key KEY --proof proofs/{example}.json\n\
```\n\n\
`KEY` is the verifier key (a file or the string itself). It checks, and stops at the first failure with a one-line reason and exit status 1:\n\n\
1. every event of `events.jsonl` recomputes to its hash and links to the one before (nothing altered, removed or reordered);\n\
2. each event's leaf index and leaf hash (SHA-256 of 0x00 and the event hash);\n\
3. the checkpoint's signature with KEY;\n\
4. the Merkle root of the first {size} events equals the checkpoint's root;\n\
5. the inclusion proof leads from that event's leaf to the signed root.\n\n\
Every proof of the pack:\n\n\
```\n\
for p in proofs/*.json; do python3 verify_checkpoint.py . --key KEY --proof \"$p\" || echo \"FAILED: $p\"; done\n\
```\n\n\
## What a verified proof means, and what it does not\n\n\
- The cited event — e.g. the `commit_recorded` event of a sampled change, whose `payload` holds the commit id, parents, \
author and committer alias ids and times, signature kind, trailers and files — is in the ledger exactly as it is in \
`events.jsonl`, and was there when the checkpoint was signed.\n\
- Compare a change file with its event: commit id, times (seconds since the epoch and offset), signature kind, \
trailers, files. Names and e-mails are not in the hashed events (alias ids such as `a_…` stand for them); the change \
files take them from the ledger's alias table. This keeps personal data erasable without breaking the proofs.\n\
- The Markdown and JSON renderings themselves are not signed; the events are.\n\
- To check that a later copy of the ledger still contains these events unchanged, keep `checkpoint.txt` and run \
`devspm audit verify --checkpoint checkpoint.txt --public-key KEY` against it.\n\n\
## By hand, in another language\n\n\
The chain hash is SHA-256 over `devspm-event-v1\\0`, the previous hash (32 bytes), the sequence number (8 bytes \
big-endian) and each of key, kind, at, actor, subject, payload as a 4-byte big-endian length and UTF-8 bytes. \
A leaf is SHA-256(0x00 ‖ event hash as 32 bytes); a node SHA-256(0x01 ‖ left ‖ right); the inclusion check is \
RFC 9162 §2.1.3.2. The signature is Ed25519 over the checkpoint's text up to and including the blank line's first \
newline (the three body lines).\n",
        size = count(p.checkpoint.size),
        id = p.checkpoint.id,
        signer = code(&p.checkpoint.signer),
        events = count(p.events_in_folder),
        cited = count(p.cited.len() as u64),
        example = example,
    )
}

#[cfg(test)]
mod tests {
    //! Every outside text of a pack set to each case of the shared catalogue of hostile strings:
    //! the Markdown stays inert and keeps its shape (no forged row, heading or line).

    use std::collections::{BTreeMap, BTreeSet};

    use devspm_core::evidence::*;

    use crate::terminal::needs_escape;

    fn person(text: &str) -> Person {
        Person {
            alias: "a_0123".into(),
            name: Some(text.into()),
            email: Some(text.into()),
            identity: Some("d_0123".into()),
            kind: Some("developer".into()),
            slug: None,
            resolved_by: Some(text.into()),
        }
    }

    fn pack(text: &str) -> EvidencePack {
        let repository = RepositoryRow {
            repo: "r_0123".into(),
            name: text.into(),
            locator: text.into(),
        };
        let cited = Cited {
            seq: 1,
            kind: "commit_recorded".into(),
            leaf_index: 0,
            leaf_hash: "ab".repeat(32),
            proof: "proofs/1.json".into(),
        };
        let trailer = ReviewTrailer {
            key: "Reviewed-by".into(),
            person: None,
            value: Some(text.into()),
        };
        let change = ChangeEvidence {
            file: "0123456789ab".into(),
            repository: repository.clone(),
            commit: "0123456789ab".repeat(3),
            subject: Some(text.into()),
            merge: true,
            unreachable: true,
            sampled_because: text.into(),
            author: person(text),
            authored_at: "2026-07-01 14:03:07 +02:00".into(),
            committer: person(text),
            committed_at: "2026-07-01 14:03:07 +02:00".into(),
            signature: Signature {
                kind: "ssh".into(),
                signed: true,
            },
            review: Review {
                trailers: vec![trailer.clone()],
                merged_by: Some(MergedBy {
                    merge_commit: "fedcba987654".repeat(3),
                    subject: Some(text.into()),
                    committer: person(text),
                    committed_at: "2026-07-02 10:00:00 +00:00".into(),
                    different_person: true,
                }),
                pull_request: Some("#12".into()),
                committed_via_github: true,
                independent: true,
                summary: text.into(),
            },
            other_trailers: vec![trailer],
            ai: vec![AiPart {
                agent: text.into(),
                role: "co-author".into(),
                confidence: "high".into(),
                accountable: Some(person(text)),
                evidence: vec![text.into()],
                lines: Some(3),
                event_seq: 1,
            }],
            files: Files {
                changed: 1,
                by_change: BTreeMap::from([("modified".into(), 1)]),
                binary: 1,
                lines_added: 2,
                lines_removed: 1,
            },
            findings_introduced: vec![IntroducedFinding {
                finding: "f_0123".into(),
                tool: text.into(),
                rule: text.into(),
                kind: "code".into(),
                severity: "high".into(),
                status: "open".into(),
                message: text.into(),
                path: Some(text.into()),
                start_line: Some(3),
                fixed_revision: None,
                primary: true,
                method: "blame".into(),
                confidence: "high".into(),
                agents: vec![text.into()],
                finding_seq: 1,
                attribution_seq: 1,
            }],
            recorded: cited.clone(),
            events: vec![cited],
        };
        EvidencePack {
            framework: Framework::Ssdf,
            scope: text.into(),
            repositories: vec![repository],
            since: "2026-07-01".into(),
            until: "2026-09-30".into(),
            since_defaulted: false,
            until_defaulted: true,
            seed: "seed\n".into(),
            requested: 1,
            always_included: 1,
            population: 1,
            changes: vec![change],
            stats: PeriodStats::default(),
            findings: FindingStats {
                total: 1,
                rules: BTreeMap::from([(text.to_owned(), 1)]),
                agents: BTreeSet::from([text.to_owned()]),
                ..FindingStats::default()
            },
            scanners: vec![ScannerRun {
                repo: "r_0123".into(),
                tool: text.into(),
                format: "sarif".into(),
                revision: None,
                results: 1,
                new: 1,
                fixed: 0,
                reopened: 0,
                seq: 1,
                at: "2026-07-01T00:00:00Z".into(),
                withdrawn_seq: None,
            }],
            rewrites: vec![RewriteRecord {
                repo: "r_0123".into(),
                ref_name: text.into(),
                old_tip: "0123456789ab".into(),
                new_tip: "fedcba987654".into(),
                unreachable: 1,
                seq: 1,
                at: "2026-07-01T00:00:00Z".into(),
            }],
            checkpoint: PackCheckpoint {
                id: 1,
                size: 1,
                root: "cd".repeat(32),
                note: String::new(),
                verifier: String::new(),
                signer: text.into(),
                fresh: true,
            },
            verified_events: 1,
            verified_tree_nodes: 1,
            cited: BTreeMap::new(),
            events_in_folder: 1,
            devspm_version: "0.1.0".into(),
            written_at: "2026-10-01T08:00:00Z".into(),
        }
    }

    fn rendered(p: &EvidencePack) -> Vec<String> {
        vec![
            super::change(&p.changes[0], &p.checkpoint),
            super::practices(p),
            super::index(p),
            super::verify(p),
        ]
    }

    #[test]
    fn hostile_text_is_inert_and_forges_no_line() {
        let text = include_str!("../tests/fixtures/hostile-strings.json");
        let value: serde_json::Value = serde_json::from_str(text).expect("catalogue is JSON");
        let plain = rendered(&pack("plain"));
        for case in value["cases"].as_array().expect("cases") {
            let (id, text) = (case["id"].as_str().unwrap(), case["text"].as_str().unwrap());
            for (shown, reference) in rendered(&pack(text)).iter().zip(&plain) {
                let raw = shown.chars().find(|&c| needs_escape(c) && c != '\n');
                assert_eq!(raw, None, "{id}: raw character in {shown}");
                assert_eq!(shown.lines().count(), reference.lines().count(), "{id}");
                for (line, plain_line) in shown.lines().zip(reference.lines()) {
                    // A line starts as the same kind of Markdown block as with plain text.
                    let start = |l: &str| l.chars().next().filter(|c| "#|-<[!`>*".contains(*c));
                    assert_eq!(start(line), start(plain_line), "{id}: {line}");
                }
            }
        }
    }
}
