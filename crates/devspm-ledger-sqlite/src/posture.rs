//! [`PostureStore`] on SQLite: each question answered with one or two scans of the
//! projections, sized for the whole organisation at once (on git/git, 85,000 commits, a
//! whole-history window is read in a few hundred milliseconds: `docs/posture.md`). Aliases are
//! resolved to identities in memory (one read of the small `aliases` table beats a B-tree probe
//! per commit); names come from the sealed personal data, decrypted once per call.

use std::collections::HashMap;

use devspm_core::commit::REVIEW_TRAILERS;
use devspm_core::posture::{
    CO_AUTHOR_TRAILERS, CommitFact, FindingFact, HookOverrideFact, IdentityFact, PathFact,
    RepositoryFact, ScanCoverage, ToolFact, TrailerFact, TriageFact,
};
use devspm_ledger::{EventLog, LedgerError, PostureStore};
use rusqlite::{OptionalExtension, params};

use crate::SqliteStore;

/// Every alias's identity.
fn alias_identities(store: &SqliteStore) -> Result<HashMap<String, String>, LedgerError> {
    let err = store.sql_err();
    let mut stmt = store
        .connection()
        .prepare("SELECT alias_id, identity_id FROM aliases")
        .map_err(&err)?;
    let mut rows = stmt.query([]).map_err(&err)?;
    let mut out = HashMap::new();
    while let Some(r) = rows.next().map_err(&err)? {
        out.insert(r.get(0).map_err(&err)?, r.get(1).map_err(&err)?);
    }
    Ok(out)
}

/// Keys (lower case) of the trailers posture reads.
fn trailer_keys() -> String {
    REVIEW_TRAILERS
        .iter()
        .chain(CO_AUTHOR_TRAILERS.iter())
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl PostureStore for SqliteStore {
    fn commit_time_span(&self) -> Result<Option<(i64, i64)>, LedgerError> {
        let err = self.sql_err();
        let span: (Option<i64>, Option<i64>) = self
            .connection()
            .query_row(
                "SELECT min(author_time), max(author_time) FROM commits WHERE unreachable_seq IS NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(&err)?;
        Ok(span.0.zip(span.1))
    }

    fn posture_commits(&self, since: i64, until: i64) -> Result<Vec<CommitFact>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        // Aliases, AI involvement and the few trailers posture reads are small next to the
        // commits: read them whole and join in memory (a B-tree probe per commit and alias
        // costs more than the scan on git/git).
        let identity_of = alias_identities(self)?;
        let identity = |alias: &Option<String>| -> Option<String> {
            alias.as_ref().and_then(|a| identity_of.get(a).cloned())
        };
        let mut ai: HashMap<(String, String), (Vec<String>, Option<String>)> = HashMap::new();
        {
            let mut stmt = conn
                .prepare(
                    "SELECT repo_id, sha, agent, accountable FROM ai_involvements
                     ORDER BY repo_id, sha, agent",
                )
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                let key = (r.get(0).map_err(&err)?, r.get(1).map_err(&err)?);
                let agent: String = r.get(2).map_err(&err)?;
                let accountable = identity(&r.get(3).map_err(&err)?);
                let entry = ai.entry(key).or_default();
                if !entry.0.contains(&agent) {
                    entry.0.push(agent);
                }
                // As `devspm ai`: the greatest when several agents name different people
                // (they rarely do).
                if accountable > entry.1 {
                    entry.1 = accountable;
                }
            }
        }
        // Line-level AI records: per file the largest record (a git-ai note and an Agent Trace
        // record of the same lines must not count twice), summed per commit.
        let mut recorded: HashMap<(String, String), u64> = HashMap::new();
        {
            let mut stmt = conn
                .prepare(
                    "SELECT repo_id, sha, max(lines) FROM ai_line_ranges WHERE orphaned = 0
                     GROUP BY repo_id, sha, path",
                )
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                let lines: i64 = r.get(2).map_err(&err)?;
                *recorded
                    .entry((r.get(0).map_err(&err)?, r.get(1).map_err(&err)?))
                    .or_default() += lines.max(0) as u64;
            }
        }
        let mut trailers: HashMap<(String, String), Vec<TrailerFact>> = HashMap::new();
        {
            // Trailers first, in rowid order (few keys match), then their commit by its unique
            // index; no ORDER BY, which would walk the trailers' index and seek every row.
            let sql = format!(
                "SELECT t.repo_id, t.sha, t.idx, t.key, t.value, t.alias_id
                 FROM commit_trailers t CROSS JOIN commits c ON c.repo_id = t.repo_id AND c.sha = t.sha
                 WHERE lower(t.key) IN ({})
                   AND c.author_time >= ?1 AND c.author_time < ?2 AND c.unreachable_seq IS NULL",
                trailer_keys()
            );
            let mut stmt = conn.prepare(&sql).map_err(&err)?;
            let mut rows = stmt.query(params![since, until]).map_err(&err)?;
            let mut indexed: HashMap<(String, String), Vec<(i64, TrailerFact)>> = HashMap::new();
            while let Some(r) = rows.next().map_err(&err)? {
                let alias: Option<String> = r.get(5).map_err(&err)?;
                indexed
                    .entry((r.get(0).map_err(&err)?, r.get(1).map_err(&err)?))
                    .or_default()
                    .push((
                        r.get(2).map_err(&err)?,
                        TrailerFact {
                            key: r.get(3).map_err(&err)?,
                            value: r.get(4).map_err(&err)?,
                            identity: identity(&alias),
                            alias,
                        },
                    ));
            }
            for (commit, mut list) in indexed {
                list.sort_by_key(|(idx, _)| *idx);
                trailers.insert(commit, list.into_iter().map(|(_, t)| t).collect());
            }
        }
        let mut stmt = conn
            .prepare(
                "SELECT repo_id, sha, seq, author_alias, committer_alias, author_time, committer_time,
                        parent_count, lines_added + lines_removed, signature,
                        CASE WHEN signature <> 'none' THEN
                            (SELECT json_extract(e.payload, '$.signing_key') FROM events e WHERE e.seq = commits.seq)
                        END
                 FROM commits
                 WHERE author_time >= ?1 AND author_time < ?2 AND unreachable_seq IS NULL
                 ORDER BY author_time, seq",
            )
            .map_err(&err)?;
        let mut rows = stmt.query(params![since, until]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let key: (String, String) = (r.get(0).map_err(&err)?, r.get(1).map_err(&err)?);
            let (agents, accountable_identity) = ai.get(&key).cloned().unwrap_or_default();
            let review_trailers = trailers.remove(&key).unwrap_or_default();
            let ai_recorded_lines = recorded.get(&key).copied().unwrap_or(0);
            let (repo, sha) = key;
            let author_alias: Option<String> = r.get(3).map_err(&err)?;
            let committer_alias: Option<String> = r.get(4).map_err(&err)?;
            out.push(CommitFact {
                repo,
                sha,
                seq: r.get::<_, i64>(2).map_err(&err)? as u64,
                author_identity: identity(&author_alias),
                author_alias: author_alias.unwrap_or_default(),
                committer_identity: identity(&committer_alias),
                committer_alias: committer_alias.unwrap_or_default(),
                author_time: r.get(5).map_err(&err)?,
                committer_time: r.get(6).map_err(&err)?,
                parent_count: r.get(7).map_err(&err)?,
                lines: r.get::<_, i64>(8).map_err(&err)?.max(0) as u64,
                signature: r.get(9).map_err(&err)?,
                signing_key: r.get(10).map_err(&err)?,
                review_trailers,
                agents,
                accountable_identity,
                ai_recorded_lines,
                on_default_branch: None,
            });
        }
        Ok(out)
    }

    fn posture_findings(&self, since: i64, until: i64) -> Result<Vec<FindingFact>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let mut agents_of = conn
            .prepare_cached(
                "SELECT DISTINCT agent FROM ai_involvements WHERE repo_id = ?1 AND sha = ?2 ORDER BY agent",
            )
            .map_err(&err)?;
        let mut stmt = conn
            .prepare(
                "SELECT f.finding_id, f.repo_id, f.tool, f.kind, f.severity, f.status, f.first_seq,
                        f.status_seq, a.primary_commit, a.author_alias, al.identity_id, a.author_time,
                        a.seq, f.fixed_revision, fc.committer_time, t.state, t.expires, t.seq
                 FROM findings f
                 JOIN attributions a ON a.finding_id = f.finding_id AND a.status = 'attributed'
                 LEFT JOIN aliases al ON al.alias_id = a.author_alias
                 LEFT JOIN commits fc ON fc.repo_id = f.repo_id AND fc.sha = f.fixed_revision
                 LEFT JOIN finding_triage t ON t.finding_id = f.finding_id
                 WHERE f.status <> 'withdrawn'
                   AND ((a.author_time >= ?1 AND a.author_time < ?2)
                        OR (f.status = 'fixed' AND fc.committer_time >= ?1 AND fc.committer_time < ?2))
                 ORDER BY f.repo_id, f.finding_id",
            )
            .map_err(&err)?;
        let mut rows = stmt.query(params![since, until]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let repo: String = r.get(1).map_err(&err)?;
            let introduced_in: Option<String> = r.get(8).map_err(&err)?;
            let introduced_agents = match &introduced_in {
                Some(sha) => agents_of
                    .query_map(params![repo, sha], |r| r.get::<_, String>(0))
                    .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                    .map_err(&err)?,
                None => Vec::new(),
            };
            let triage = match r.get::<_, Option<String>>(15).map_err(&err)? {
                // `open` clears earlier judgements: no standing one.
                Some(state) if state != "open" => Some(TriageFact {
                    state,
                    expires: r.get(16).map_err(&err)?,
                    seq: r.get::<_, i64>(17).map_err(&err)? as u64,
                }),
                _ => None,
            };
            out.push(FindingFact {
                finding: r.get(0).map_err(&err)?,
                repo,
                tool: r.get(2).map_err(&err)?,
                kind: r.get(3).map_err(&err)?,
                severity: r.get(4).map_err(&err)?,
                status: r.get(5).map_err(&err)?,
                first_seq: r.get::<_, i64>(6).map_err(&err)? as u64,
                status_seq: r.get::<_, i64>(7).map_err(&err)? as u64,
                introduced_in,
                introduced_alias: r.get(9).map_err(&err)?,
                introduced_identity: r.get(10).map_err(&err)?,
                introduced_at: r.get(11).map_err(&err)?,
                introduced_agents,
                attribution_seq: r.get::<_, Option<i64>>(12).map_err(&err)?.map(|s| s as u64),
                fixed_revision: r.get(13).map_err(&err)?,
                fixed_at: r.get(14).map_err(&err)?,
                fixed_in: None,
                live_at_head: None,
                triage,
            });
        }
        Ok(out)
    }

    fn unattributed_findings(&self) -> Result<u64, LedgerError> {
        let err = self.sql_err();
        self.connection()
            .query_row(
                "SELECT count(*) FROM findings f
                 LEFT JOIN attributions a ON a.finding_id = f.finding_id AND a.status = 'attributed'
                 WHERE f.status <> 'withdrawn' AND a.finding_id IS NULL",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(&err)
    }

    fn posture_identities(&self) -> Result<Vec<IdentityFact>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let book = crate::pii::PiiBook::load(conn).map_err(&err)?;
        let mut authored: HashMap<String, i64> = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT author_alias, count(*) FROM commits GROUP BY author_alias")
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                authored.insert(r.get(0).map_err(&err)?, r.get(1).map_err(&err)?);
            }
        }
        let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT alias_id, identity_id FROM aliases ORDER BY alias_id")
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                let alias: String = r.get(0).map_err(&err)?;
                aliases
                    .entry(r.get(1).map_err(&err)?)
                    .or_default()
                    .push(alias);
            }
        }
        let mut stmt = conn
            .prepare("SELECT identity_id, kind, slug, team FROM identities ORDER BY identity_id")
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let identity: String = r.get(0).map_err(&err)?;
            // An identity whose aliases all resolve elsewhere now is history, not a subject.
            let Some(mut ids) = aliases.remove(&identity) else {
                continue;
            };
            // The name shown is that of the alias with the most commits that still has one.
            let n = |x: &String| authored.get(x).copied().unwrap_or(0) as u64;
            ids.sort_by(|a, b| book.naming_order((a, n(a)), (b, n(b))));
            let shown = ids.iter().find_map(|id| book.text(id));
            let mut known_as = Vec::new();
            for id in &ids {
                if let Some((name, email)) = book.text(id) {
                    for text in [name, email] {
                        let text = text.trim().to_lowercase();
                        if !text.is_empty() && !known_as.contains(&text) {
                            known_as.push(text);
                        }
                    }
                }
            }
            out.push(IdentityFact {
                identity,
                kind: r.get(1).map_err(&err)?,
                slug: r.get(2).map_err(&err)?,
                team: r.get(3).map_err(&err)?,
                name: shown.as_ref().map(|(n, _)| n.clone()),
                email: shown.map(|(_, e)| e),
                known_as,
            });
        }
        Ok(out)
    }

    fn hook_overrides(&self) -> Result<Vec<HookOverrideFact>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let mut identity_of = conn
            .prepare_cached("SELECT identity_id FROM aliases WHERE alias_id = ?1")
            .map_err(&err)?;
        let mut stmt = conn
            .prepare(
                "SELECT seq, at, payload FROM events WHERE kind = 'hook_override' ORDER BY seq",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let seq = r.get::<_, i64>(0).map_err(&err)? as u64;
            let at: String = r.get(1).map_err(&err)?;
            let payload: String = r.get(2).map_err(&err)?;
            let bad = |reason: String| LedgerError::BadEvent {
                path: self.location().to_owned(),
                seq,
                reason,
            };
            let event: devspm_core::event::HookOverride =
                serde_json::from_str(&payload).map_err(|e| bad(e.to_string()))?;
            let at = at
                .parse::<jiff::Timestamp>()
                .map_err(|e| bad(format!("time {at:?}: {e}")))?
                .as_second();
            let identity = match &event.identity {
                Some(alias) => {
                    use rusqlite::OptionalExtension;
                    identity_of
                        .query_row([alias], |r| r.get::<_, String>(0))
                        .optional()
                        .map_err(&err)?
                }
                None => None,
            };
            out.push(HookOverrideFact {
                seq,
                at,
                repo: event.repo,
                alias: event.identity,
                identity,
                blocked: event.blocked.len() as u64,
            });
        }
        Ok(out)
    }

    fn scan_coverage(&self) -> Result<Vec<ScanCoverage>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let mut secret_tools: HashMap<String, i64> = HashMap::new();
        {
            let mut stmt = conn
                .prepare(
                    "SELECT tool, count(*) FROM findings WHERE kind = 'secret' AND status <> 'withdrawn' GROUP BY tool",
                )
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                secret_tools.insert(r.get(0).map_err(&err)?, r.get(1).map_err(&err)?);
            }
        }
        let mut stmt = conn
            .prepare(
                "SELECT repo_id, tool, count(*), min(seq), max(seq) FROM finding_imports
                 WHERE withdrawn_seq IS NULL GROUP BY repo_id, tool ORDER BY repo_id, tool",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let tool: String = r.get(1).map_err(&err)?;
            out.push(ScanCoverage {
                repo: r.get(0).map_err(&err)?,
                secret_findings: secret_tools.get(&tool).copied().unwrap_or(0) as u64,
                tool,
                imports: r.get::<_, i64>(2).map_err(&err)? as u64,
                first_seq: r.get::<_, i64>(3).map_err(&err)? as u64,
                last_seq: r.get::<_, i64>(4).map_err(&err)? as u64,
            });
        }
        Ok(out)
    }

    fn posture_repositories(
        &self,
        candidates: &[&str],
    ) -> Result<Vec<RepositoryFact>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let mut refs: HashMap<String, Vec<(String, String)>> = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT repo_id, name_text, target FROM refs ORDER BY repo_id, name_text")
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                let name: String = r.get(1).map_err(&err)?;
                if candidates.contains(&name.as_str()) {
                    refs.entry(r.get(0).map_err(&err)?)
                        .or_default()
                        .push((name, r.get(2).map_err(&err)?));
                }
            }
        }
        let mut stmt = conn
            .prepare("SELECT repo_id, name FROM repositories ORDER BY name, repo_id")
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let repo: String = r.get(0).map_err(&err)?;
            out.push(RepositoryFact {
                refs: refs.remove(&repo).unwrap_or_default(),
                repo,
                name: r.get(1).map_err(&err)?,
            });
        }
        Ok(out)
    }

    fn commit_parents(&self, repo: &str) -> Result<HashMap<String, Vec<String>>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            // `+repo_id`: a scan in rowid order; through the (repo, sha) index every row would
            // be a random seek (3× slower on git/git).
            .prepare("SELECT sha, parents FROM commits WHERE +repo_id = ?1")
            .map_err(&err)?;
        let mut rows = stmt.query([repo]).map_err(&err)?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let parents: String = r.get(1).map_err(&err)?;
            out.insert(
                r.get(0).map_err(&err)?,
                parents.split_whitespace().map(str::to_owned).collect(),
            );
        }
        Ok(out)
    }

    fn posture_paths(&self, since: i64, until: i64) -> Result<Vec<PathFact>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT f.repo_id, f.sha, f.path, coalesce(f.added, 0) + coalesce(f.removed, 0)
                 FROM commits c JOIN commit_files f ON f.repo_id = c.repo_id AND f.sha = c.sha
                 WHERE c.unreachable_seq IS NULL AND c.parent_count <= 1
                   AND c.author_time >= ?1 AND c.author_time < ?2",
            )
            .map_err(&err)?;
        let mut rows = stmt.query(params![since, until]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            out.push(PathFact {
                repo: r.get(0).map_err(&err)?,
                sha: r.get(1).map_err(&err)?,
                path: r.get(2).map_err(&err)?,
                lines: r.get::<_, i64>(3).map_err(&err)?.max(0) as u64,
            });
        }
        Ok(out)
    }

    fn commit_paths(
        &self,
        repo: &str,
        shas: &[&str],
    ) -> Result<HashMap<String, (i64, Vec<String>)>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let mut time = conn
            .prepare_cached("SELECT author_time FROM commits WHERE repo_id = ?1 AND sha = ?2")
            .map_err(&err)?;
        let mut files = conn
            .prepare_cached("SELECT path FROM commit_files WHERE repo_id = ?1 AND sha = ?2")
            .map_err(&err)?;
        let mut out = HashMap::new();
        for sha in shas {
            let Some(at) = time
                .query_row(params![repo, sha], |r| r.get::<_, i64>(0))
                .optional()
                .map_err(&err)?
            else {
                continue;
            };
            let mut rows = files.query(params![repo, sha]).map_err(&err)?;
            let mut paths = Vec::new();
            while let Some(r) = rows.next().map_err(&err)? {
                paths.push(r.get(0).map_err(&err)?);
            }
            out.insert((*sha).to_owned(), (at, paths));
        }
        Ok(out)
    }

    fn posture_tools(&self) -> Result<Vec<ToolFact>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let mut out = Vec::new();
        let mut stmt = conn
            .prepare(
                "SELECT t.repo_id, al.identity_id, t.kind, t.name, t.version, t.path, t.seq
                 FROM tools_seen t LEFT JOIN aliases al ON al.alias_id = t.introduced_by
                 ORDER BY t.repo_id, t.path, t.name, t.version",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        while let Some(r) = rows.next().map_err(&err)? {
            let version: String = r.get(4).map_err(&err)?;
            out.push(ToolFact {
                origin: "repository".to_owned(),
                repo: Some(r.get(0).map_err(&err)?),
                host: None,
                identity: r.get(1).map_err(&err)?,
                kind: r.get(2).map_err(&err)?,
                name: r.get(3).map_err(&err)?,
                version: (!version.is_empty()).then_some(version),
                path: r.get(5).map_err(&err)?,
                recorded_verdict: None,
                seq: r.get::<_, i64>(6).map_err(&err)?.max(0) as u64,
            });
        }
        let mut stmt = conn
            .prepare(
                "SELECT w.host, al.identity_id, w.kind, w.item_id, w.version, w.path, w.verdict, w.seq
                 FROM workstation_tools w LEFT JOIN aliases al ON al.alias_id = w.identity
                 ORDER BY w.host, w.item_id, w.path",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        while let Some(r) = rows.next().map_err(&err)? {
            out.push(ToolFact {
                origin: "workstation".to_owned(),
                repo: None,
                host: Some(r.get(0).map_err(&err)?),
                identity: r.get(1).map_err(&err)?,
                kind: r.get(2).map_err(&err)?,
                name: r.get(3).map_err(&err)?,
                version: r.get(4).map_err(&err)?,
                path: r.get(5).map_err(&err)?,
                recorded_verdict: r.get(6).map_err(&err)?,
                seq: r.get::<_, i64>(7).map_err(&err)?.max(0) as u64,
            });
        }
        Ok(out)
    }
}
