//! What importers and the attribution engine read from the ledger, and the findings view.
//!
//! [`FindingStore`] extends [`crate::Store`] with the queries the findings capability needs:
//! the findings already known for a producer and repository (so an import knows what is new,
//! fixed or reopened), the findings still to attribute, the facts of introducing commits, AI
//! involvement for them, a blame cache keyed by file version, and the listing `devspm findings`
//! prints.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{LedgerError, SqliteStore, Store};

/// A finding already on record for a producer and repository.
#[derive(Clone, Debug)]
pub struct KnownFinding {
    pub finding: String,
    /// `open` or `fixed`.
    pub status: String,
}

/// A finding to attribute.
#[derive(Clone, Debug)]
pub struct PendingFinding {
    pub finding: String,
    pub repo: String,
    pub kind: String,
    pub tool: String,
    pub path: Option<String>,
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
    pub ecosystem: Option<String>,
    pub package: Option<String>,
    pub version: Option<String>,
    /// The revision the finding was last seen at.
    pub revision: Option<String>,
    /// The stored payload's secret hash, for secret findings.
    pub secret_hash: Option<String>,
}

/// A line-level AI record: the agent and the inclusive line ranges it wrote.
pub type AgentLines = (String, Vec<[u32; 2]>);

/// Author facts of a recorded commit.
#[derive(Clone, Debug)]
pub struct CommitFacts {
    pub author: String,
    pub time: i64,
}

/// Filters for [`FindingStore::findings`]; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct FindingFilter {
    pub repo: Option<String>,
    pub tool: Option<String>,
    pub status: Option<String>,
    /// Minimum severity (`high` includes `critical`).
    pub min_severity: Option<String>,
    pub agent: Option<String>,
    /// An identity id, or text matched against the author's name or e-mail.
    pub developer: Option<String>,
    pub team: Option<String>,
}

/// One row of `devspm findings`.
#[derive(Clone, Debug, Serialize)]
pub struct FindingRow {
    pub finding: String,
    pub repository: String,
    pub tool: String,
    pub rule: String,
    pub kind: String,
    pub severity: String,
    pub status: String,
    pub message: String,
    pub identifiers: Vec<String>,
    pub path: Option<String>,
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
    pub package: Option<String>,
    pub version: Option<String>,
    pub secret_preview: Option<String>,
    pub first_revision: Option<String>,
    pub last_revision: Option<String>,
    pub fixed_revision: Option<String>,
    pub reopened: u32,
    /// Attribution: `attributed`, `unattributable`, or `None` when not attributed yet.
    pub attribution: Option<String>,
    pub method: Option<String>,
    pub reason: Option<String>,
    pub confidence: Option<String>,
    pub introduced_in: Option<String>,
    /// Author time of the introducing commit (seconds since the epoch).
    pub introduced_at: Option<i64>,
    pub other_commits: Vec<String>,
    pub developer: Option<String>,
    pub developer_name: Option<String>,
    pub team: Option<String>,
    pub agents: Vec<String>,
}

/// The ledger queries of the findings capability.
pub trait FindingStore: Store {
    /// Whether a producer has any finding recorded in a repository.
    fn has_findings(&self, repo: &str, tool: &str) -> Result<bool, LedgerError>;

    /// Whether a finding with this id is recorded.
    fn finding_recorded(&self, finding: &str) -> Result<bool, LedgerError>;

    /// Calls `each` with the id and status (`open`, `fixed`) of every finding of a producer in
    /// a repository, one row at a time (an import of a million results does not hold them).
    fn for_each_finding(
        &self,
        repo: &str,
        tool: &str,
        each: &mut dyn FnMut(&str, &str),
    ) -> Result<(), LedgerError>;

    /// Findings recorded for a producer in a repository.
    fn known_findings(
        &self,
        repo: &str,
        tool: &str,
    ) -> Result<HashMap<String, KnownFinding>, LedgerError>;

    /// Whether an import with this id is recorded.
    fn import_recorded(&self, import: &str) -> Result<bool, LedgerError>;

    /// Open findings of a repository (or all) without an attribution by engine `engine` or
    /// newer, as keys for [`FindingStore::pending_findings`], in attribution order (by
    /// repository, file and line, so that a batch of them shares files). Keys, not rows: a
    /// million pending findings cost 8 MB here and are read a batch at a time. (A finding seen
    /// again at a later revision keeps its attribution: its flagged content is unchanged — else
    /// its fingerprint, and so the finding, would differ.)
    fn pending_attribution(&self, repo: Option<&str>, engine: u32)
    -> Result<Vec<i64>, LedgerError>;

    /// The findings with these keys (from [`FindingStore::pending_attribution`]), in order.
    fn pending_findings(&self, keys: &[i64]) -> Result<Vec<PendingFinding>, LedgerError>;

    /// Author and time of recorded commits.
    fn commit_facts(
        &self,
        repo: &str,
        shas: &[String],
    ) -> Result<HashMap<String, CommitFacts>, LedgerError>;

    /// Commit-level AI involvement: sha → (agent, confidence).
    fn commit_agents(
        &self,
        repo: &str,
        shas: &[String],
    ) -> Result<HashMap<String, Vec<(String, String)>>, LedgerError>;

    /// Line-level AI records of a file in a commit: (agent, inclusive line ranges).
    fn ai_lines(&self, repo: &str, sha: &str, path: &str) -> Result<Vec<AgentLines>, LedgerError>;

    /// Recorded commits that changed `path` (to a new blob), oldest first by author time:
    /// (sha, blob).
    fn commits_touching(
        &self,
        repo: &str,
        path: &str,
    ) -> Result<Vec<(String, String)>, LedgerError>;

    /// A cached blame of a file version (JSON written by the caller).
    fn blame_cached(
        &self,
        repo: &str,
        path: &str,
        blob: &str,
    ) -> Result<Option<String>, LedgerError>;

    /// Stores a blame of a file version.
    fn cache_blame(
        &mut self,
        repo: &str,
        path: &str,
        blob: &str,
        json: &str,
    ) -> Result<(), LedgerError>;

    /// The database's key for hashing secrets (created on first use).
    fn secret_key(&mut self) -> Result<[u8; 32], LedgerError>;

    /// Findings with their attribution.
    fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRow>, LedgerError>;
}

impl FindingStore for SqliteStore {
    fn has_findings(&self, repo: &str, tool: &str) -> Result<bool, LedgerError> {
        self.connection()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM findings WHERE repo_id = ?1 AND tool = ?2)",
            )
            .and_then(|mut s| s.query_row(params![repo, tool], |r| r.get(0)))
            .map_err(self.sql_err())
    }

    fn finding_recorded(&self, finding: &str) -> Result<bool, LedgerError> {
        self.connection()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM findings WHERE finding_id = ?1)")
            .and_then(|mut s| s.query_row([finding], |r| r.get(0)))
            .map_err(self.sql_err())
    }

    fn for_each_finding(
        &self,
        repo: &str,
        tool: &str,
        each: &mut dyn FnMut(&str, &str),
    ) -> Result<(), LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT finding_id, status FROM findings WHERE repo_id = ?1 AND tool = ?2",
            )
            .map_err(&err)?;
        let mut rows = stmt.query(params![repo, tool]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let id: &str = row
                .get_ref(0)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(&err)?;
            let status: &str = row
                .get_ref(1)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(&err)?;
            each(id, status);
        }
        Ok(())
    }

    fn known_findings(
        &self,
        repo: &str,
        tool: &str,
    ) -> Result<HashMap<String, KnownFinding>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let mut stmt = conn
            .prepare_cached(
                "SELECT fingerprint, finding_id, status FROM findings WHERE repo_id = ?1 AND tool = ?2",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map(params![repo, tool], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    KnownFinding {
                        finding: r.get(1)?,
                        status: r.get(2)?,
                    },
                ))
            })
            .map_err(&err)?;
        rows.collect::<rusqlite::Result<HashMap<_, _>>>()
            .map_err(&err)
    }

    fn import_recorded(&self, import: &str) -> Result<bool, LedgerError> {
        let err = self.sql_err();
        self.connection()
            .query_row(
                "SELECT 1 FROM finding_imports WHERE import_id = ?1",
                [import],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(&err)
    }

    fn pending_attribution(
        &self,
        repo: Option<&str>,
        engine: u32,
    ) -> Result<Vec<i64>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let mut stmt = conn
            .prepare(
                "SELECT f.rowid
                 FROM findings f LEFT JOIN attributions a ON a.finding_id = f.finding_id
                 WHERE (?1 IS NULL OR f.repo_id = ?1) AND f.status = 'open'
                   AND (a.finding_id IS NULL OR a.engine < ?2)
                 ORDER BY f.repo_id, f.path, f.start_line, f.finding_id",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map(params![repo, engine], |r| r.get(0))
            .map_err(&err)?;
        rows.collect::<rusqlite::Result<Vec<i64>>>().map_err(&err)
    }

    fn pending_findings(&self, keys: &[i64]) -> Result<Vec<PendingFinding>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let mut stmt = conn
            .prepare_cached(
                "SELECT f.finding_id, f.repo_id, f.kind, f.tool, f.path, f.start_line, f.end_line, f.ecosystem,
                        f.package, f.version, f.last_revision,
                        (SELECT json_extract(e.payload, '$.secret.hash') FROM events e WHERE e.seq = f.first_seq)
                 FROM findings f WHERE f.rowid = ?1",
            )
            .map_err(&err)?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let row = stmt
                .query_row([key], |r| {
                    Ok(PendingFinding {
                        finding: r.get(0)?,
                        repo: r.get(1)?,
                        kind: r.get(2)?,
                        tool: r.get(3)?,
                        path: r.get(4)?,
                        start_line: r.get(5)?,
                        end_line: r.get(6)?,
                        ecosystem: r.get(7)?,
                        package: r.get(8)?,
                        version: r.get(9)?,
                        revision: r.get(10)?,
                        secret_hash: r.get(11)?,
                    })
                })
                .optional()
                .map_err(&err)?;
            out.extend(row);
        }
        Ok(out)
    }

    fn commit_facts(
        &self,
        repo: &str,
        shas: &[String],
    ) -> Result<HashMap<String, CommitFacts>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT author_alias, author_time FROM commits WHERE repo_id = ?1 AND sha = ?2",
            )
            .map_err(&err)?;
        let mut out = HashMap::new();
        for sha in shas {
            if let Some(facts) = stmt
                .query_row(params![repo, sha], |r| {
                    Ok(CommitFacts {
                        author: r.get(0)?,
                        time: r.get(1)?,
                    })
                })
                .optional()
                .map_err(&err)?
            {
                out.insert(sha.clone(), facts);
            }
        }
        Ok(out)
    }

    fn commit_agents(
        &self,
        repo: &str,
        shas: &[String],
    ) -> Result<HashMap<String, Vec<(String, String)>>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT agent, confidence FROM ai_involvements WHERE repo_id = ?1 AND sha = ?2
                 ORDER BY agent",
            )
            .map_err(&err)?;
        let mut out: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for sha in shas {
            let rows = stmt
                .query_map(params![repo, sha], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(&err)?
                .collect::<rusqlite::Result<Vec<(String, String)>>>()
                .map_err(&err)?;
            if !rows.is_empty() {
                let entry = out.entry(sha.clone()).or_default();
                for row in rows {
                    if !entry.iter().any(|(a, _)| *a == row.0) {
                        entry.push(row);
                    }
                }
            }
        }
        Ok(out)
    }

    fn ai_lines(&self, repo: &str, sha: &str, path: &str) -> Result<Vec<AgentLines>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT agent, ranges FROM ai_line_ranges WHERE repo_id = ?1 AND sha = ?2 AND path = ?3",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map(params![repo, sha, path], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(&err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(&err)?;
        Ok(rows
            .into_iter()
            .map(|(agent, ranges)| {
                let ranges = ranges
                    .split(',')
                    .filter_map(|r| {
                        let (a, b) = r.split_once('-')?;
                        Some([a.parse().ok()?, b.parse().ok()?])
                    })
                    .collect();
                (agent, ranges)
            })
            .collect())
    }

    fn commits_touching(
        &self,
        repo: &str,
        path: &str,
    ) -> Result<Vec<(String, String)>, LedgerError> {
        let err = self.sql_err();
        // Created on first use rather than by a migration: ingest would otherwise maintain an
        // index over every changed path of every commit for users who never need it.
        self.connection()
            .execute_batch(
                "CREATE INDEX IF NOT EXISTS commit_files_path ON commit_files (repo_id, path)",
            )
            .map_err(&err)?;
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT f.sha, f.blob FROM commit_files f JOIN commits c ON c.repo_id = f.repo_id AND c.sha = f.sha
                 WHERE f.repo_id = ?1 AND f.path = ?2 AND f.blob IS NOT NULL
                 ORDER BY c.author_time, c.committer_time, c.seq",
            )
            .map_err(&err)?;
        stmt.query_map(params![repo, path], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(&err)
    }

    fn blame_cached(
        &self,
        repo: &str,
        path: &str,
        blob: &str,
    ) -> Result<Option<String>, LedgerError> {
        let err = self.sql_err();
        self.connection()
            .prepare_cached(
                "SELECT lines FROM blame_cache WHERE repo_id = ?1 AND path = ?2 AND blob = ?3",
            )
            .map_err(&err)?
            .query_row(params![repo, path, blob], |r| r.get(0))
            .optional()
            .map_err(&err)
    }

    fn cache_blame(
        &mut self,
        repo: &str,
        path: &str,
        blob: &str,
        json: &str,
    ) -> Result<(), LedgerError> {
        let err = self.sql_err();
        self.connection()
            .prepare_cached(
                "INSERT OR REPLACE INTO blame_cache (repo_id, path, blob, lines) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(&err)?
            .execute(params![repo, path, blob, json])
            .map_err(&err)?;
        Ok(())
    }

    fn secret_key(&mut self) -> Result<[u8; 32], LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let existing: Option<String> = conn
            .query_row(
                "SELECT value FROM ledger_meta WHERE name = 'secret_hash_key'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(&err)?;
        let hex = match existing {
            Some(hex) => hex,
            None => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).map_err(|e| LedgerError::Open {
                    path: self.location().to_owned(),
                    reason: format!("no randomness for the secret-hashing key: {e}"),
                })?;
                let hex = devspm_core::hex::encode(&key);
                conn.execute(
                    "INSERT OR IGNORE INTO ledger_meta (name, value) VALUES ('secret_hash_key', ?1)",
                    [&hex],
                )
                .map_err(&err)?;
                conn.query_row(
                    "SELECT value FROM ledger_meta WHERE name = 'secret_hash_key'",
                    [],
                    |r| r.get(0),
                )
                .map_err(&err)?
            }
        };
        let bytes = devspm_core::hex::decode(&hex).unwrap_or_default();
        let mut key = [0u8; 32];
        if bytes.len() == 32 {
            key.copy_from_slice(&bytes);
        }
        Ok(key)
    }

    fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRow>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let min_rank = filter.min_severity.as_deref().map(severity_rank);
        // Names and e-mails are sealed: decrypt them all once (docs/privacy.md).
        let book = crate::pii::PiiBook::load(conn).map_err(&err)?;
        let mut stmt = conn
            .prepare(
                "SELECT f.finding_id, COALESCE(r.name, f.repo_id), f.tool, f.rule, f.kind, f.severity, f.status, f.message,
                        f.identifiers, f.path, f.start_line, f.end_line, f.package, f.version, f.secret_preview,
                        f.first_revision, f.last_revision, f.fixed_revision, f.reopened,
                        a.status, a.method, a.reason, a.confidence, a.primary_commit, a.author_time, a.commits, a.agents,
                        al.identity_id, i.team, a.author_alias
                 FROM findings f
                 LEFT JOIN repositories r ON r.repo_id = f.repo_id
                 LEFT JOIN attributions a ON a.finding_id = f.finding_id
                 LEFT JOIN aliases al ON al.alias_id = a.author_alias
                 LEFT JOIN identities i ON i.identity_id = al.identity_id
                 WHERE (?1 IS NULL OR f.repo_id = ?1) AND (?2 IS NULL OR f.tool = ?2)
                   AND (?3 IS NULL OR f.status = ?3) AND (?4 IS NULL OR i.team = ?4)
                 ORDER BY f.repo_id, f.status DESC, f.path, f.start_line, f.finding_id",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map(
                params![filter.repo, filter.tool, filter.status, filter.team],
                |r| {
                    let split = |s: Option<String>| -> Vec<String> {
                        s.map(|s| {
                            s.split(',')
                                .filter(|x| !x.is_empty())
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default()
                    };
                    let commits = split(r.get(25)?);
                    let author: Option<String> = r.get(29)?;
                    Ok(FindingRow {
                        finding: r.get(0)?,
                        repository: r.get(1)?,
                        tool: r.get(2)?,
                        rule: r.get(3)?,
                        kind: r.get(4)?,
                        severity: r.get(5)?,
                        status: r.get(6)?,
                        message: r.get(7)?,
                        identifiers: split(r.get(8)?),
                        path: r.get(9)?,
                        start_line: r.get(10)?,
                        end_line: r.get(11)?,
                        package: r.get(12)?,
                        version: r.get(13)?,
                        secret_preview: r.get(14)?,
                        first_revision: r.get(15)?,
                        last_revision: r.get(16)?,
                        fixed_revision: r.get(17)?,
                        reopened: r.get(18)?,
                        attribution: r.get(19)?,
                        method: r.get(20)?,
                        reason: r.get(21)?,
                        confidence: r.get(22)?,
                        introduced_in: r.get(23)?,
                        introduced_at: r.get(24)?,
                        other_commits: commits.into_iter().skip(1).collect(),
                        agents: split(r.get(26)?),
                        developer: r.get(27)?,
                        team: r.get(28)?,
                        // None once erased: the developer id stands in for the name.
                        developer_name: author
                            .and_then(|a| book.text(&a))
                            .map(|(name, email)| format!("{name} <{email}>")),
                    })
                },
            )
            .map_err(&err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(&err)?;
        Ok(rows
            .into_iter()
            .filter(|row| min_rank.is_none_or(|min| severity_rank(&row.severity) >= min))
            .filter(|row| {
                filter
                    .agent
                    .as_deref()
                    .is_none_or(|a| row.agents.iter().any(|x| x == a))
            })
            .filter(|row| {
                filter.developer.as_deref().is_none_or(|d| {
                    row.developer.as_deref() == Some(d)
                        || row
                            .developer_name
                            .as_deref()
                            .is_some_and(|n| n.to_lowercase().contains(&d.to_lowercase()))
                })
            })
            .collect())
    }
}

/// Rank of a severity name on the one scale (unknown lowest).
pub fn severity_rank(name: &str) -> u8 {
    match name {
        "critical" => 5,
        "high" => 4,
        "medium" => 3,
        "low" => 2,
        "info" => 1,
        _ => 0,
    }
}
