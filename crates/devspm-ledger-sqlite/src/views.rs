//! The read views of an SQLite ledger ([`Views`]: the `scan` summary and the AI report) and the
//! queries behind them and behind the identity views (identities and the evidence for their
//! links, which `identities` shows), over the projection tables; the view types themselves are
//! backend-neutral and live in [`devspm_ledger::views`].

use std::collections::{BTreeMap, HashMap};

use devspm_core::identity::{Judgement, LinkReason, Verdict};
use rusqlite::{Connection, OptionalExtension, params};

use devspm_ledger::views::{
    AgentShare, AiReport, AiRow, AiSummary, Contributor, IdentityRow, LinkEvidence,
    RepositorySummary, RewriteRow, ToolRow,
};
use devspm_ledger::{LedgerError, Views};

use crate::SqliteStore;
use crate::pii::PiiBook;

impl Views for SqliteStore {
    fn repository_summary(
        &self,
        repo_id: &str,
        top: usize,
    ) -> Result<RepositorySummary, LedgerError> {
        let err = self.sql_err();
        let conn = &self.conn;
        let (name, locator): (String, String) = conn
            .query_row(
                "SELECT name, locator FROM repositories WHERE repo_id = ?1",
                [repo_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(&err)?;
        let (commits, merges, unreachable, first, last, added, removed): (i64, i64, i64, Option<i64>, Option<i64>, i64, i64) = conn
            .query_row(
                "SELECT count(*), coalesce(sum(parent_count > 1), 0), coalesce(sum(unreachable_seq IS NOT NULL), 0),
                        min(author_time), max(author_time), coalesce(sum(lines_added), 0), coalesce(sum(lines_removed), 0)
                 FROM commits WHERE repo_id = ?1",
                [repo_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .map_err(&err)?;
        let mut signatures = BTreeMap::new();
        let mut stmt = conn
            .prepare(
                "SELECT signature, count(*) FROM commits WHERE repo_id = ?1 GROUP BY signature",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([repo_id]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            signatures.insert(
                row.get::<_, String>(0).map_err(&err)?,
                row.get::<_, i64>(1).map_err(&err)? as u64,
            );
        }
        let signed: u64 = signatures
            .iter()
            .filter(|(k, _)| *k != "none")
            .map(|(_, v)| v)
            .sum();

        // Authors per identity, keeping the alias with the most commits for the display name.
        let per_alias = alias_counts(
            conn,
            "SELECT coalesce(a.identity_id, c.author_alias), coalesce(i.kind, 'developer'), c.author_alias, count(*)
             FROM commits c LEFT JOIN aliases a ON a.alias_id = c.author_alias
             LEFT JOIN identities i ON i.identity_id = a.identity_id
             WHERE c.repo_id = ?1 GROUP BY 1, 2, 3",
            repo_id,
        )
        .map_err(&err)?;
        let book = PiiBook::load(conn).map_err(&err)?;
        let authors = contributors(&book, per_alias);
        let developers = authors.iter().filter(|c| c.kind == "developer").count() as u64;
        // Agents and bots anywhere: author, committer or a person trailer.
        let involved = identity_commit_counts(
            conn,
            &book,
            "SELECT a.identity_id, i.kind, x.alias, x.sha FROM (
                 SELECT sha, author_alias AS alias FROM commits WHERE repo_id = ?1
                 UNION ALL SELECT sha, committer_alias FROM commits WHERE repo_id = ?1
                 UNION ALL SELECT sha, alias_id FROM commit_trailers WHERE repo_id = ?1 AND alias_id IS NOT NULL
             ) x JOIN aliases a ON a.alias_id = x.alias JOIN identities i ON i.identity_id = a.identity_id
             WHERE i.kind IN ('agent', 'bot')",
            repo_id,
        )
        .map_err(&err)?;
        let involved = contributors(&book, involved);
        let agents: Vec<Contributor> = involved
            .iter()
            .filter(|c| c.kind == "agent")
            .cloned()
            .collect();
        let bot_accounts: Vec<Contributor> = involved
            .iter()
            .filter(|c| c.kind == "bot")
            .cloned()
            .collect();
        let history_rewrites = conn
            .prepare(
                "SELECT seq, ref_name, old_tip, new_tip, unreachable, unreachable_from_all_refs
                 FROM history_rewrites WHERE repo_id = ?1 ORDER BY seq",
            )
            .and_then(|mut s| {
                s.query_map([repo_id], |r| {
                    Ok(RewriteRow {
                        event: r.get::<_, i64>(0)? as u64,
                        ref_name: r.get(1)?,
                        old_tip: r.get(2)?,
                        new_tip: r.get(3)?,
                        unreachable: r.get::<_, i64>(4)? as u64,
                        lost: r.get::<_, i64>(5)? as u64,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(&err)?;
        let mut ingest_gaps = BTreeMap::new();
        let mut stmt = conn
            .prepare("SELECT what, count(*) FROM ingest_gaps WHERE repo_id = ?1 GROUP BY what")
            .map_err(&err)?;
        let mut rows = stmt.query([repo_id]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            ingest_gaps.insert(
                row.get::<_, String>(0).map_err(&err)?,
                row.get::<_, i64>(1).map_err(&err)? as u64,
            );
        }
        let unreadable_files: i64 = conn
            .query_row(
                "SELECT count(*) FROM commit_files WHERE repo_id = ?1 AND unreadable = 1",
                [repo_id],
                |r| r.get(0),
            )
            .map_err(&err)?;
        if unreadable_files > 0 {
            ingest_gaps.insert("unreadable_file_versions".into(), unreadable_files as u64);
        }
        // Commits recorded with a gap of their own (a missing tree or blob, a malformed
        // header) count as gaps too, whether or not a gap event names them.
        let commits_with_gaps: i64 = conn
            .query_row(
                "SELECT count(*) FROM commits WHERE repo_id = ?1 AND gaps > 0",
                [repo_id],
                |r| r.get(0),
            )
            .map_err(&err)?;
        if commits_with_gaps > 0 {
            ingest_gaps.insert("commits_with_gaps".into(), commits_with_gaps as u64);
        }
        let ai = ai_summary(conn, repo_id, commits as u64).map_err(&err)?;
        let bots = authors.iter().filter(|c| c.kind == "bot").count() as u64;
        let bots = bots.max(bot_accounts.len() as u64);
        Ok(RepositorySummary {
            repo: repo_id.to_owned(),
            name,
            locator,
            commits: commits as u64,
            merges: merges as u64,
            unreachable_commits: unreachable as u64,
            developers,
            bots,
            agents,
            bot_accounts,
            ai,
            signed_commits: signed,
            signed_ratio: if commits > 0 {
                signed as f64 / commits as f64
            } else {
                0.0
            },
            signatures,
            top_contributors: authors.into_iter().take(top).collect(),
            history_rewrites,
            ingest_gaps,
            first_commit_time: first,
            last_commit_time: last,
            lines_added: added as u64,
            lines_removed: removed as u64,
        })
    }

    fn ai_report(&self, repo_id: Option<&str>) -> Result<AiReport, LedgerError> {
        ai_report(&self.conn, repo_id).map_err(self.sql_err())
    }
}

/// AI tooling at each repository's latest inspected revision (one repository, or all).
fn tool_rows(conn: &Connection, repo_id: Option<&str>) -> rusqlite::Result<Vec<ToolRow>> {
    conn
        .prepare(
            "SELECT path, kind, name, pinned, risks, introduced_in, repo_id FROM tools_seen t
             WHERE (?1 IS NULL OR repo_id = ?1) AND revision = (
                 SELECT revision FROM tools_seen l WHERE l.repo_id = t.repo_id ORDER BY seq DESC LIMIT 1)
             ORDER BY repo_id, kind, path, name",
        )?
        .query_map([repo_id], |r| {
            let risks: String = r.get(4)?;
            Ok(ToolRow {
                repo: r.get(6)?,
                path: r.get(0)?,
                kind: r.get(1)?,
                name: r.get(2)?,
                pinned: r.get(3)?,
                risks: risks
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                introduced_in: r.get(5)?,
            })
        })?
        .collect()
}

/// The `devspm ai` report.
pub(super) fn ai_report(conn: &Connection, repo: Option<&str>) -> rusqlite::Result<AiReport> {
    // Per commit: its AI involvement (any, exact) and its lines; `?1 IS NULL` means every repo.
    const PER_COMMIT: &str = "
        WITH ai AS (
            SELECT repo_id, sha, max(confidence = 'exact') AS exact, max(accountable) AS accountable
            FROM ai_involvements WHERE ?1 IS NULL OR repo_id = ?1 GROUP BY repo_id, sha
        )
        SELECT c.repo_id, c.sha, c.author_time, c.lines_added + c.lines_removed AS lines,
               ai.sha IS NOT NULL AS is_ai, coalesce(ai.exact, 0) AS exact, ai.accountable,
               c.committer_alias, c.author_alias
        FROM commits c LEFT JOIN ai ON ai.repo_id = c.repo_id AND ai.sha = c.sha
        WHERE ?1 IS NULL OR c.repo_id = ?1";
    // Who is accountable for a commit: for an AI-involved one, the human the detector named
    // (committer if human, else a human co-author, else the author if human); for any other,
    // the committer if a developer, else the author if a developer. Each developer's AI share
    // is the AI-involved commits they are accountable for over all the commits they are
    // accountable for — a share, never above 100%.
    let mut developer_of: HashMap<String, String> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT a.alias_id, a.identity_id FROM aliases a
             JOIN identities i ON i.identity_id = a.identity_id WHERE i.kind = 'developer'",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            developer_of.insert(r.get(0)?, r.get(1)?);
        }
    }
    let mut total = AiRow::new(String::new());
    let mut lines = 0u64;
    let mut by_month: BTreeMap<String, AiRow> = BTreeMap::new();
    let mut by_repository: BTreeMap<String, AiRow> = BTreeMap::new();
    let mut by_developer: HashMap<String, AiRow> = HashMap::new();
    let mut stmt = conn.prepare(PER_COMMIT)?;
    let mut rows = stmt.query([repo])?;
    let add = |row: &mut AiRow, is_ai: bool, exact: bool, commit_lines: u64| {
        row.commits += 1;
        if is_ai {
            row.ai_commits += 1;
            row.ai_lines += commit_lines;
            if !exact {
                row.heuristic_only += 1;
            }
        }
    };
    while let Some(r) = rows.next()? {
        let time: i64 = r.get(2)?;
        let commit_lines = r.get::<_, i64>(3)? as u64;
        let is_ai: bool = r.get(4)?;
        let exact: bool = r.get(5)?;
        let accountable: Option<String> = r.get(6)?;
        let repo_id: String = r.get(0)?;
        let entry = by_repository
            .entry(repo_id.clone())
            .or_insert_with(|| AiRow::new(repo_id));
        add(entry, is_ai, exact, commit_lines);
        lines += commit_lines;
        add(&mut total, is_ai, exact, commit_lines);
        let month = jiff::Timestamp::from_second(time)
            .map(|t| t.strftime("%Y-%m").to_string())
            .unwrap_or_else(|_| "unknown".into());
        let entry = by_month
            .entry(month.clone())
            .or_insert_with(|| AiRow::new(month));
        add(entry, is_ai, exact, commit_lines);
        let committer: String = r.get(7)?;
        let author: String = r.get(8)?;
        let accountable = if is_ai {
            accountable.and_then(|alias| developer_of.get(&alias).cloned())
        } else {
            developer_of
                .get(&committer)
                .or_else(|| developer_of.get(&author))
                .cloned()
        };
        if let Some(identity) = accountable {
            let entry = by_developer
                .entry(identity.clone())
                .or_insert_with(|| AiRow::new(identity));
            add(entry, is_ai, exact, commit_lines);
        }
    }
    drop(rows);
    // Developers with no AI-involved commit are not listed.
    let mut by_developer: Vec<AiRow> = by_developer
        .into_values()
        .filter(|row| row.ai_commits > 0)
        .collect();
    let book = PiiBook::load(conn)?;
    let names: HashMap<String, String> = identity_rows(conn, &book, None)?
        .into_iter()
        .map(|r| (r.identity, r.name))
        .collect();
    for row in &mut by_developer {
        if let Some(name) = names.get(&row.key) {
            row.name = name.clone();
        }
    }
    by_developer.sort_by(|a, b| b.ai_commits.cmp(&a.ai_commits).then(a.key.cmp(&b.key)));
    let mut team_of = conn.prepare_cached("SELECT team FROM identities WHERE identity_id = ?1")?;
    let mut by_team: BTreeMap<String, AiRow> = BTreeMap::new();
    for row in &by_developer {
        let team: Option<String> = team_of
            .query_row([&row.key], |r| r.get(0))
            .optional()?
            .flatten();
        let Some(team) = team else { continue };
        let entry = by_team
            .entry(team.clone())
            .or_insert_with(|| AiRow::new(team));
        entry.commits += row.commits;
        entry.ai_commits += row.ai_commits;
        entry.heuristic_only += row.heuristic_only;
        entry.ai_lines += row.ai_lines;
    }
    let mut repo_name = conn.prepare_cached("SELECT name FROM repositories WHERE repo_id = ?1")?;
    let mut by_repository: Vec<AiRow> = by_repository.into_values().collect();
    for row in &mut by_repository {
        row.name = repo_name
            .query_row([&row.key], |r| r.get(0))
            .optional()?
            .unwrap_or_default();
    }
    let by_agent = conn
        .prepare(
            "WITH per AS (
                 SELECT i.repo_id, i.sha, i.agent, max(i.confidence = 'exact') AS exact,
                        c.lines_added + c.lines_removed AS lines
                 FROM ai_involvements i JOIN commits c ON c.repo_id = i.repo_id AND c.sha = i.sha
                 WHERE ?1 IS NULL OR i.repo_id = ?1 GROUP BY i.repo_id, i.sha, i.agent
             )
             SELECT agent, count(*), sum(exact = 0), sum(lines) FROM per GROUP BY agent ORDER BY 2 DESC, agent",
        )?
        .query_map([repo], |r| {
            Ok(AiRow {
                key: r.get(0)?,
                name: String::new(),
                commits: r.get::<_, i64>(1)? as u64,
                ai_commits: r.get::<_, i64>(1)? as u64,
                heuristic_only: r.get::<_, i64>(2)? as u64,
                ai_lines: r.get::<_, i64>(3)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(AiReport {
        repo: repo.map(str::to_owned),
        commits: total.commits,
        ai_commits: total.ai_commits,
        share: if total.commits > 0 {
            total.ai_commits as f64 / total.commits as f64
        } else {
            0.0
        },
        lines,
        ai_lines: total.ai_lines,
        heuristic_only: total.heuristic_only,
        by_agent,
        by_developer,
        by_team: by_team.into_values().collect(),
        by_repository,
        by_month: by_month.into_values().collect(),
        tools: tool_rows(conn, repo)?,
    })
}

/// AI involvement of one repository's commits.
pub(super) fn ai_summary(
    conn: &Connection,
    repo_id: &str,
    total: u64,
) -> rusqlite::Result<AiSummary> {
    let (commits, exact): (i64, i64) = conn.query_row(
        "SELECT count(DISTINCT sha), count(DISTINCT CASE WHEN confidence = 'exact' THEN sha END)
         FROM ai_involvements WHERE repo_id = ?1",
        [repo_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let by_agent = conn
        .prepare(
            "SELECT agent, count(DISTINCT sha), count(DISTINCT CASE WHEN confidence = 'exact' THEN sha END)
             FROM ai_involvements WHERE repo_id = ?1 GROUP BY agent ORDER BY 2 DESC, agent",
        )?
        .query_map([repo_id], |r| {
            Ok(AgentShare {
                agent: r.get(0)?,
                commits: r.get::<_, i64>(1)? as u64,
                exact_commits: r.get::<_, i64>(2)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let tools = tool_rows(conn, Some(repo_id))?;
    let (line_level_commits, orphaned_records): (i64, i64) = conn.query_row(
        "SELECT count(DISTINCT CASE WHEN orphaned = 0 THEN sha END), count(DISTINCT CASE WHEN orphaned = 1 THEN sha END)
         FROM ai_line_ranges WHERE repo_id = ?1",
        [repo_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(AiSummary {
        tools,
        line_level_commits: line_level_commits as u64,
        orphaned_records: orphaned_records as u64,
        commits: commits as u64,
        share: if total > 0 {
            commits as f64 / total as f64
        } else {
            0.0
        },
        heuristic_only_commits: (commits - exact) as u64,
        by_agent,
    })
}

/// Rows of (identity, kind, alias, count) from a query taking the repository id as `?1`.
pub(super) fn alias_counts(
    conn: &Connection,
    sql: &str,
    repo_id: &str,
) -> rusqlite::Result<Vec<(String, String, String, u64)>> {
    conn.prepare(sql)?
        .query_map([repo_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? as u64))
        })?
        .collect()
}

/// Folds per-alias counts into per-identity contributors, most commits first; the display name
/// is the alias with the most commits (ties: [`PiiBook::naming_order`]).
pub(super) fn contributors(
    book: &PiiBook,
    per_alias: Vec<(String, String, String, u64)>,
) -> Vec<Contributor> {
    let mut by_identity: HashMap<String, (String, u64, String, u64)> = HashMap::new();
    for (identity, kind, alias, count) in per_alias {
        let entry = by_identity
            .entry(identity)
            .or_insert_with(|| (kind, 0, alias.clone(), 0));
        entry.1 += count;
        if book
            .naming_order((&alias, count), (&entry.2, entry.3))
            .is_lt()
        {
            entry.2 = alias;
            entry.3 = count;
        }
    }
    let mut out = Vec::with_capacity(by_identity.len());
    for (identity, (kind, commits, alias, _)) in by_identity {
        // An erased person shows as their pseudonymous id.
        let (name, email) = book
            .text(&alias)
            .unwrap_or_else(|| (identity.clone(), String::new()));
        out.push(Contributor {
            identity,
            kind,
            name,
            email,
            commits,
        });
    }
    out.sort_by(|a, b| {
        b.commits
            .cmp(&a.commits)
            .then(a.name.cmp(&b.name))
            .then(a.identity.cmp(&b.identity))
    });
    out
}

/// Per-identity counts of *distinct* commits from rows of (identity, kind, alias, sha): an
/// identity named twice in one commit (author and signed-off-by) counts that commit once.
pub(super) fn identity_commit_counts(
    conn: &Connection,
    book: &PiiBook,
    sql: &str,
    repo_id: &str,
) -> rusqlite::Result<Vec<(String, String, String, u64)>> {
    let mut shas: HashMap<(String, String), std::collections::HashSet<String>> = HashMap::new();
    let mut per_alias: HashMap<(String, String, String), u64> = HashMap::new();
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([repo_id])?;
    while let Some(row) = rows.next()? {
        let (identity, kind, alias, sha): (String, String, String, String) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        *per_alias
            .entry((identity.clone(), kind.clone(), alias))
            .or_default() += 1;
        shas.entry((identity, kind)).or_default().insert(sha);
    }
    // One row per identity: its most frequent alias (for the name) with the distinct count.
    let mut best: HashMap<(String, String), (String, u64)> = HashMap::new();
    for ((identity, kind, alias), n) in per_alias {
        let slot = best.entry((identity, kind)).or_insert((alias.clone(), 0));
        if book.naming_order((&alias, n), (&slot.0, slot.1)).is_lt() {
            *slot = (alias, n);
        }
    }
    Ok(best
        .into_iter()
        .map(|((identity, kind), (alias, _))| {
            let distinct = shas
                .get(&(identity.clone(), kind.clone()))
                .map_or(0, |s| s.len() as u64);
            (identity, kind, alias, distinct)
        })
        .collect())
}

/// Identity rows, all or one.
pub(super) fn identity_rows(
    conn: &Connection,
    book: &PiiBook,
    only: Option<&str>,
) -> rusqlite::Result<Vec<IdentityRow>> {
    let mut stmt = conn.prepare(
        "SELECT i.identity_id, i.kind, i.slug, i.team,
                (SELECT count(*) FROM aliases a WHERE a.identity_id = i.identity_id),
                count(c.sha), min(c.author_time), max(c.author_time), count(DISTINCT c.repo_id)
         FROM identities i
         LEFT JOIN aliases a ON a.identity_id = i.identity_id
         LEFT JOIN commits c ON c.author_alias = a.alias_id
         WHERE ?1 IS NULL OR i.identity_id = ?1
         GROUP BY i.identity_id ORDER BY count(c.sha) DESC, i.identity_id",
    )?;
    let mut aliases = conn.prepare_cached(
        "SELECT a.alias_id, (SELECT count(*) FROM commits c WHERE c.author_alias = a.alias_id)
         FROM aliases a WHERE a.identity_id = ?1",
    )?;
    let rows = stmt
        .query_map([only], |r| {
            Ok(IdentityRow {
                identity: r.get(0)?,
                kind: r.get(1)?,
                slug: r.get(2)?,
                team: r.get(3)?,
                name: String::new(),
                email: String::new(),
                aliases: r.get::<_, i64>(4)? as u64,
                alias_list: Vec::new(),
                commits: r.get::<_, i64>(5)? as u64,
                first_seen: r.get(6)?,
                last_seen: r.get(7)?,
                repositories: r.get::<_, i64>(8)? as u64,
                forgotten: false,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    // An identity whose every alias now resolves elsewhere (joined by a later `[[identity]]`
    // or `.mailmap` link) is history, not a person to list; asked for by id, it is shown.
    for mut row in rows.into_iter().filter(|r| r.aliases > 0 || only.is_some()) {
        let mut counted = aliases
            .query_map([&row.identity], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        counted.sort_by(|a, b| book.naming_order((&a.0, a.1), (&b.0, b.1)));
        let ids: Vec<String> = counted.into_iter().map(|(id, _)| id).collect();
        // The name shown is that of the alias with the most commits that still has one; an
        // alias whose personal data was erased shows as its id.
        match ids.iter().find_map(|id| book.text(id)) {
            Some((name, email)) => {
                row.name = name;
                row.email = email;
            }
            None if !ids.is_empty() => {
                row.name = row.identity.clone();
                row.forgotten = true;
            }
            None => {}
        }
        row.alias_list = ids
            .iter()
            .map(|id| match book.text(id) {
                Some((name, email)) => format!("{name} <{email}>"),
                None => id.clone(),
            })
            .collect();
        out.push(row);
    }
    Ok(out)
}

/// The latest judgement of each `.mailmap` link, with its sequence number, from the
/// `alias_link_judged` events (there is no projection table: they are few, and read only by
/// resolution and `identities show`).
pub(super) fn link_judgements(
    conn: &Connection,
) -> rusqlite::Result<HashMap<devspm_core::identity::LinkKey, Judgement>> {
    let mut out: HashMap<devspm_core::identity::LinkKey, Judgement> = HashMap::new();
    for (_, judged) in link_judgement_events(conn)? {
        let key = (judged.alias, judged.canonical, judged.repo);
        let revision = out.get(&key).map_or(0, |j| j.revision) + 1;
        out.insert(
            key,
            Judgement {
                verdict: judged.verdict,
                reason: judged.reason,
                revision,
            },
        );
    }
    Ok(out)
}

/// Every `alias_link_judged` event in order: (seq, payload).
fn link_judgement_events(
    conn: &Connection,
) -> rusqlite::Result<Vec<(u64, devspm_core::event::AliasLinkJudged)>> {
    let mut stmt = conn
        .prepare("SELECT seq, payload FROM events WHERE kind = 'alias_link_judged' ORDER BY seq")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, payload) = row?;
        // The chain is verified elsewhere; a payload that does not parse is skipped here.
        if let Ok(judged) = serde_json::from_str(&payload) {
            out.push((seq as u64, judged));
        }
    }
    Ok(out)
}

/// The judged `.mailmap` links to or from an alias of `identity` (all but `plain` ones), with
/// the line that declared each and who added it, oldest judgement first.
pub(super) fn link_evidence(
    conn: &Connection,
    book: &PiiBook,
    identity: &str,
) -> rusqlite::Result<Vec<LinkEvidence>> {
    let mut latest: BTreeMap<(String, String, String), (u64, devspm_core::event::AliasLinkJudged)> =
        BTreeMap::new();
    for (seq, judged) in link_judgement_events(conn)? {
        let key = (
            judged.repo.clone(),
            judged.alias.clone(),
            judged.canonical.clone(),
        );
        latest.insert(key, (seq, judged));
    }
    let mut identity_of =
        conn.prepare_cached("SELECT identity_id FROM aliases WHERE alias_id = ?1")?;
    let mut identity_of = |alias: &str| -> rusqlite::Result<Option<String>> {
        identity_of.query_row([alias], |r| r.get(0)).optional()
    };
    let shown = |alias: &str| match book.text(alias) {
        Some((name, email)) => format!("{name} <{email}>"),
        None => alias.to_owned(),
    };
    let mut out = Vec::new();
    let mut judged: Vec<(u64, devspm_core::event::AliasLinkJudged)> =
        latest.into_values().collect();
    judged.sort_by_key(|j| j.0);
    for (judged_seq, j) in judged {
        if Verdict::parse(&j.verdict) == Some(Verdict::Plain) {
            continue;
        }
        let alias_identity = identity_of(&j.alias)?;
        let canonical_identity = identity_of(&j.canonical)?;
        let ours = |i: &Option<String>| i.as_deref() == Some(identity);
        if !ours(&alias_identity) && !ours(&canonical_identity) {
            continue;
        }
        let link: Option<(i64, String)> = conn
            .query_row(
                "SELECT l.seq, e.payload FROM alias_links l JOIN events e ON e.seq = l.seq
                 WHERE l.alias_id = ?1 AND l.canonical = ?2 AND l.source = 'mailmap' AND l.repo_id = ?3",
                params![j.alias, j.canonical, j.repo],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (linked_by_event, line) = match link {
            Some((seq, payload)) => (
                seq as u64,
                serde_json::from_str::<devspm_core::event::AliasLinked>(&payload)
                    .ok()
                    .and_then(|l| l.line),
            ),
            None => (0, None),
        };
        let added_by_side = match line.as_ref().and_then(|l| l.added_by.as_deref()) {
            Some(author) => {
                let theirs = identity_of(author)?;
                let theirs = theirs.is_some().then_some(theirs);
                Some(
                    if author == j.alias {
                        "alias"
                    } else if author == j.canonical {
                        "canonical"
                    } else if alias_identity == canonical_identity {
                        // Joined: the author is in the joined identity, or outside it.
                        if theirs == Some(alias_identity.clone()) {
                            "one-side"
                        } else {
                            "neither"
                        }
                    } else if theirs == Some(canonical_identity.clone()) {
                        "canonical"
                    } else if theirs == Some(alias_identity.clone()) {
                        "alias"
                    } else {
                        "neither"
                    }
                    .to_owned(),
                )
            }
            None => None,
        };
        let repository: Option<String> = conn
            .query_row(
                "SELECT name FROM repositories WHERE repo_id = ?1",
                [&j.repo],
                |r| r.get(0),
            )
            .optional()?;
        out.push(LinkEvidence {
            explanation: LinkReason::parse(&j.reason).map_or_else(
                || format!("reason `{}`", j.reason),
                |r| r.explain().to_owned(),
            ),
            verdict: j.verdict,
            reason: j.reason,
            alias: shown(&j.alias),
            canonical: shown(&j.canonical),
            repository: repository.unwrap_or_else(|| j.repo.clone()),
            path: line.as_ref().map(|l| l.path.clone()),
            revision: line.as_ref().map(|l| l.revision.clone()),
            line: line.as_ref().map(|l| l.line),
            added_in: line.as_ref().and_then(|l| l.added_in.clone()),
            added_by: line.as_ref().and_then(|l| l.added_by.as_deref()).map(shown),
            added_by_side,
            linked_by_event,
            judged_by_event: judged_seq,
        });
    }
    Ok(out)
}
