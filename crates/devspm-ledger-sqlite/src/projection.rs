//! Projections: how each event kind updates the plain SQL tables that queries read.
//!
//! `apply` runs inside the append transaction, so an event and its projection rows land
//! together or not at all; `rebuild` replays every event through the same function.

use devspm_core::Payload;
use devspm_core::event::CommitRecorded;
use rusqlite::{Connection, params};

/// Every projection table, in the order `rebuild` clears them.
pub const TABLES: [&str; 21] = [
    "repositories",
    "refs",
    "commits",
    "commit_trailers",
    "commit_files",
    "history_rewrites",
    "ingest_gaps",
    "identities",
    "aliases",
    "alias_links",
    "ai_involvements",
    "tools_seen",
    "ai_line_ranges",
    "findings",
    "finding_imports",
    "finding_triage",
    "finding_markers",
    "finding_suppressions",
    "attributions",
    "workstation_tools",
    "advisory_sources",
];

/// Updates the projections for one event.
pub(crate) fn apply(conn: &Connection, seq: u64, payload: &Payload) -> rusqlite::Result<()> {
    let seq = seq as i64;
    match payload {
        Payload::RepositoryRegistered(p) => {
            conn.prepare_cached(
                "INSERT INTO repositories (repo_id, name, locator, seq) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (repo_id) DO UPDATE SET name = ?2, locator = ?3",
            )?
            .execute(params![p.repo, p.name, p.locator, seq])?;
        }
        Payload::CommitRecorded(p) => apply_commit(conn, seq, p)?,
        Payload::RefUpdated(p) => {
            conn.prepare_cached(
                "INSERT INTO refs (repo_id, name, name_text, target, seq) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (repo_id, name) DO UPDATE SET target = ?4, seq = ?5",
            )?
            .execute(params![p.repo, p.name.0, p.name.to_lossy(), p.target, seq])?;
            let mut restore = conn.prepare_cached(
                "UPDATE commits SET unreachable_seq = NULL WHERE repo_id = ?1 AND sha = ?2",
            )?;
            for sha in &p.restored {
                restore.execute(params![p.repo, sha])?;
            }
        }
        Payload::RefDeleted(p) => {
            conn.prepare_cached("DELETE FROM refs WHERE repo_id = ?1 AND name = ?2")?
                .execute(params![p.repo, p.name.0])?;
            mark_lost(conn, seq, &p.repo, &p.lost)?;
        }
        Payload::HistoryRewritten(p) => {
            conn.prepare_cached(
                "INSERT INTO history_rewrites (seq, repo_id, ref_name, old_tip, new_tip, unreachable, unreachable_from_all_refs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                seq,
                p.repo,
                p.name.to_lossy(),
                p.old_tip,
                p.new_tip,
                p.unreachable.len() as i64,
                p.lost.len() as i64
            ])?;
            mark_lost(conn, seq, &p.repo, &p.lost)?;
        }
        Payload::IngestGap(p) => {
            conn.prepare_cached(
                "INSERT INTO ingest_gaps (seq, repo_id, what, object, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![seq, p.repo, p.what, p.object, p.detail])?;
        }
        Payload::AliasLinked(p) => {
            conn.prepare_cached(
                // The newest event of a link is the one that counts (it carries the line that
                // declared it; links recorded by older versions did not).
                "INSERT INTO alias_links (alias_id, canonical, source, repo_id, seq) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (alias_id, canonical, source, repo_id) DO UPDATE SET seq = ?5",
            )?
            .execute(params![p.alias, p.canonical, p.source, p.repo, seq])?;
        }
        Payload::IdentityRegistered(p) => {
            conn.prepare_cached(
                "INSERT INTO identities (identity_id, kind, slug, team, revision, seq) VALUES (?1, ?2, ?3, ?4, 1, ?5)
                 ON CONFLICT (identity_id) DO UPDATE SET kind = ?2, slug = ?3, team = ?4, revision = revision + 1, seq = ?5",
            )?
            .execute(params![p.identity, p.kind.as_str(), p.slug, p.team, seq])?;
        }
        Payload::AiInvolvement(p) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO ai_involvements (repo_id, sha, agent, role, confidence, accountable, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![p.repo, p.commit, p.agent, p.role, p.confidence, p.accountable, seq])?;
        }
        Payload::ToolSeen(p) => {
            conn.prepare_cached(
                "INSERT INTO tools_seen (repo_id, path, kind, name, revision, pinned, risks, introduced_in, introduced_by, version, line, first_seq, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
                 ON CONFLICT (repo_id, path, name, version) DO UPDATE SET kind = ?3, revision = ?5,
                   pinned = ?6, risks = ?7, introduced_in = ?8, introduced_by = ?9, line = ?11, seq = ?12",
            )?
            .execute(params![
                p.repo,
                p.path,
                p.kind,
                p.name,
                p.revision,
                p.pinned,
                p.risks
                    .iter()
                    .map(|r| r.rule.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                p.introduced_in,
                p.introduced_by,
                p.version.as_deref().unwrap_or(""),
                p.line,
                seq
            ])?;
        }
        Payload::WorkstationToolSeen(p) => {
            conn.prepare_cached(
                "INSERT INTO workstation_tools (host, identity, kind, item_id, name, version, source, path, risks, verdict, first_seq, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)
                 ON CONFLICT (host, identity, kind, item_id, path) DO UPDATE SET name = ?5,
                   version = ?6, source = ?7, risks = ?9, verdict = ?10, seq = ?11",
            )?
            .execute(params![
                p.host,
                p.identity.as_deref().unwrap_or(""),
                p.kind,
                p.id,
                p.name,
                p.version,
                p.source,
                p.path,
                p.risks
                    .iter()
                    .map(|r| r.rule.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                p.verdict,
                seq
            ])?;
        }
        Payload::AdvisoriesImported(p) => {
            conn.prepare_cached(
                "INSERT INTO advisory_sources (source, layout, digest, data_date, advisories, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (source) DO UPDATE SET layout = ?2, digest = ?3, data_date = ?4,
                   advisories = ?5, seq = ?6",
            )?
            .execute(params![
                p.source,
                p.layout,
                p.digest,
                p.data_date,
                p.advisories as i64,
                seq
            ])?;
        }
        Payload::AiLines(p) => {
            let ranges: Vec<String> = p.ranges.iter().map(|[a, b]| format!("{a}-{b}")).collect();
            let lines: u64 = p.ranges.iter().map(|[a, b]| u64::from(b - a + 1)).sum();
            conn.prepare_cached(
                "INSERT OR REPLACE INTO ai_line_ranges (repo_id, sha, path, agent, model, ranges, lines, source, orphaned, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                p.repo,
                p.commit,
                p.path,
                p.agent,
                p.model,
                ranges.join(","),
                lines as i64,
                p.source,
                p.orphaned,
                seq
            ])?;
        }
        Payload::FindingRecorded(p) => {
            let pkg = p.package.as_ref();
            conn.prepare_cached(
                "INSERT OR IGNORE INTO findings (finding_id, repo_id, tool, rule, kind, severity, message, identifiers, path,
                    start_line, end_line, ecosystem, package, version, secret_preview, fingerprint, status, first_revision,
                    last_revision, first_seq, last_seq, status_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'open', ?17, ?17, ?18, ?18, ?18)",
            )?
            .execute(params![
                p.finding,
                p.repo,
                p.tool,
                p.rule,
                p.kind,
                p.severity,
                p.message,
                p.identifiers.join(","),
                p.path.as_ref().or(p.foreign_path.as_ref()),
                p.start_line,
                p.end_line,
                pkg.map(|k| &k.ecosystem),
                pkg.map(|k| &k.name),
                pkg.map(|k| &k.version),
                p.secret.as_ref().map(|s| &s.preview),
                p.fingerprint,
                p.revision,
                seq
            ])?;
            if let Some(marker) = &p.inline_marker {
                conn.prepare_cached(
                    "INSERT OR IGNORE INTO finding_markers (finding_id, marker) VALUES (?1, ?2)",
                )?
                .execute(params![p.finding, marker])?;
            }
            if let Some(suppression) = &p.scanner_suppression {
                conn.prepare_cached(
                    "INSERT OR IGNORE INTO finding_suppressions (finding_id, kind, justification) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![p.finding, suppression.kind, suppression.justification])?;
            }
        }
        Payload::FindingsImported(p) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO finding_imports (import_id, repo_id, tool, format, source, revision, results, seen, new, fixed, reopened, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                p.import,
                p.repo,
                p.tool,
                p.format,
                p.source,
                p.revision,
                p.results as i64,
                p.seen.len() as i64,
                p.new as i64,
                p.fixed.len() as i64,
                p.reopened.len() as i64,
                seq
            ])?;
            // A withdrawn finding (`import_withdrawn`) that a later import reports is open again.
            let mut seen = conn.prepare_cached(
                "UPDATE findings SET last_seq = ?1, last_revision = COALESCE(?2, last_revision),
                    status = CASE status WHEN 'withdrawn' THEN 'open' ELSE status END,
                    status_seq = CASE status WHEN 'withdrawn' THEN ?1 ELSE status_seq END
                 WHERE finding_id = ?3",
            )?;
            for f in p.seen.iter().filter(|f| !p.behind.contains(f)) {
                seen.execute(params![seq, p.revision, f])?;
            }
            let mut fixed = conn.prepare_cached(
                "UPDATE findings SET status = 'fixed', fixed_revision = ?2, status_seq = ?1 WHERE finding_id = ?3",
            )?;
            for f in &p.fixed {
                fixed.execute(params![seq, p.revision, f])?;
            }
            let mut reopened = conn.prepare_cached(
                "UPDATE findings SET status = 'open', fixed_revision = NULL, reopened = reopened + 1, status_seq = ?1 WHERE finding_id = ?2",
            )?;
            for f in &p.reopened {
                reopened.execute(params![seq, f])?;
            }
        }
        Payload::FindingTriaged(p) => {
            if p.state == "open" {
                conn.prepare_cached("DELETE FROM finding_triage WHERE finding_id = ?1")?
                    .execute([&p.finding])?;
            } else {
                conn.prepare_cached(
                    "INSERT OR REPLACE INTO finding_triage (finding_id, repo_id, state, reason, expires, by_alias, seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![p.finding, p.repo, p.state, p.reason, p.expires, p.by, seq])?;
            }
        }
        Payload::ImportWithdrawn(p) => {
            conn.prepare_cached(
                "UPDATE finding_imports SET withdrawn_seq = ?1 WHERE import_id = ?2",
            )?
            .execute(params![seq, p.import])?;
            let mut withdrawn = conn.prepare_cached(
                "UPDATE findings SET status = 'withdrawn', last_revision = NULL, fixed_revision = NULL, status_seq = ?1
                 WHERE finding_id = ?2",
            )?;
            for f in &p.withdrawn {
                withdrawn.execute(params![seq, f])?;
            }
            let mut restored = conn.prepare_cached(
                "UPDATE findings SET status_seq = CASE WHEN status = ?2 THEN status_seq ELSE ?1 END,
                    status = ?2, last_revision = ?3, fixed_revision = ?4, last_seq = ?5, reopened = ?6
                 WHERE finding_id = ?7",
            )?;
            for f in &p.restored {
                restored.execute(params![
                    seq,
                    f.status,
                    f.last_revision,
                    f.fixed_revision,
                    f.last_seq as i64,
                    f.reopened,
                    f.finding
                ])?;
            }
        }
        Payload::Attribution(p) => {
            let primary = p.commits.first();
            conn.prepare_cached(
                "INSERT OR REPLACE INTO attributions (finding_id, repo_id, method, status, reason, revision, primary_commit,
                    author_alias, author_time, commits, agents, confidence, engine, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                p.finding,
                p.repo,
                p.method,
                p.status,
                p.reason,
                p.revision,
                primary.map(|c| &c.commit),
                primary.and_then(|c| c.author.as_ref()),
                primary.and_then(|c| c.time),
                p.commits.iter().map(|c| c.commit.as_str()).collect::<Vec<_>>().join(","),
                {
                    let mut agents: Vec<&str> = p.agents.iter().map(|a| a.agent.as_str()).collect();
                    agents.sort_unstable();
                    agents.dedup();
                    agents.join(",")
                },
                p.confidence,
                p.engine,
                seq
            ])?;
        }
        Payload::AliasResolved(p) => {
            conn.prepare_cached(
                "INSERT INTO aliases (alias_id, identity_id, rule, via, detail, revision, seq) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
                 ON CONFLICT (alias_id) DO UPDATE SET identity_id = ?2, rule = ?3, via = ?4, detail = ?5, revision = revision + 1, seq = ?6",
            )?
            .execute(params![p.alias, p.identity, p.rule, p.via, p.detail, seq])?;
        }
        // Erasure changes data kept outside the chain (keys, sealed records, contents), which
        // the forget command deletes in the event's transaction; no projection derives from it.
        // Judgements of links are read from the events themselves (see `sqlite::link_judgements`),
        // and so are signals (`signals.rs`): a listing reads a few thousand events at most.
        Payload::IdentityForgotten(_)
        | Payload::HookOverride(_)
        | Payload::AliasLinkJudged(_)
        | Payload::Signal(_) => {}
    }
    Ok(())
}

fn mark_lost(conn: &Connection, seq: i64, repo: &str, lost: &[String]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE commits SET unreachable_seq = ?1 WHERE repo_id = ?2 AND sha = ?3 AND unreachable_seq IS NULL",
    )?;
    for sha in lost {
        stmt.execute(params![seq, repo, sha])?;
    }
    Ok(())
}

fn apply_commit(conn: &Connection, seq: i64, c: &CommitRecorded) -> rusqlite::Result<()> {
    let added: u64 = c.files.iter().filter_map(|f| f.added).sum();
    let removed: u64 = c.files.iter().filter_map(|f| f.removed).sum();
    conn.prepare_cached(
        "INSERT OR REPLACE INTO commits (repo_id, sha, tree, parents, parent_count, author_alias, author_time, author_offset,
            committer_alias, committer_time, committer_offset, message_sha256, signature, diff_base, shallow_boundary,
            files_changed, lines_added, lines_removed, gaps, unreachable_seq, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, NULL, ?20)",
    )?
    .execute(params![
        c.repo,
        c.id,
        c.tree,
        c.parents.join(" "),
        c.parents.len() as i64,
        c.author.alias,
        c.author.time,
        c.author.offset,
        c.committer.alias,
        c.committer.time,
        c.committer.offset,
        c.message.sha256,
        c.signature.as_str(),
        c.diff_base,
        c.shallow_boundary,
        c.files.len() as i64,
        added as i64,
        removed as i64,
        c.gaps.len() as i64,
        seq
    ])?;
    let mut trailer = conn.prepare_cached(
        "INSERT OR REPLACE INTO commit_trailers (repo_id, sha, idx, key, value, alias_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (idx, t) in c.trailers.iter().enumerate() {
        trailer.execute(params![c.repo, c.id, idx as i64, t.key, t.value, t.alias])?;
    }
    let mut file = conn.prepare_cached(
        "INSERT OR REPLACE INTO commit_files (repo_id, sha, idx, path, path_raw, old_path, change, mode, blob, added, removed, binary, unreadable)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for (idx, f) in c.files.iter().enumerate() {
        let raw = (!f.path.is_utf8()).then_some(&f.path.0);
        file.execute(params![
            c.repo,
            c.id,
            idx as i64,
            f.path.to_lossy(),
            raw,
            f.old_path.as_ref().map(|p| p.to_lossy()),
            f.change.as_str(),
            f.mode.as_str(),
            f.blob,
            f.added.map(|n| n as i64),
            f.removed.map(|n| n as i64),
            f.binary,
            f.unreadable
        ])?;
    }
    Ok(())
}
