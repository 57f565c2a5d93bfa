//! What `devspm audit evidence` reads: the changes (commits) of a period, everything recorded
//! about one change (people, signature, trailers, files, AI involvement, the findings it
//! introduced, the events that record each), scanner runs and history rewrites.
//!
//! [`EvidenceStore`] holds these read-only queries over the projections. Personal data (names,
//! e-mails) is not read here: callers resolve alias ids through
//! [`crate::IngestState::alias_book`], so the pack follows wherever the personal data lives.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{LedgerError, SqliteStore};

// The rows of the pack live on the vocabulary floor, where the renderers see them too.
pub use devspm_core::evidence::{IntroducedFinding, RepositoryRow, RewriteRecord, ScannerRun};

/// Trailer keys (lower case) that record a review or an approval by someone else.
pub use devspm_core::commit::REVIEW_TRAILERS;

/// A change of the period, with what population statistics need.
#[derive(Clone, Debug, Serialize)]
pub struct PeriodChange {
    pub repo: String,
    pub sha: String,
    pub committer_time: i64,
    /// Sequence number of its `commit_recorded` event.
    pub seq: u64,
    pub author_alias: String,
    pub committer_alias: String,
    /// `none`, `gpg`, `ssh`, `x509` or `unknown`.
    pub signature: String,
    pub parent_count: u32,
    /// The commit carries a review or approval trailer ([`REVIEW_TRAILERS`]).
    pub review_trailer: bool,
    /// AI involvement is recorded for the commit.
    pub ai: bool,
    /// No longer reachable from any ref (kept as evidence).
    pub unreachable: bool,
}

/// A trailer of a commit; `alias` is set (and `value` empty) when it names a person.
#[derive(Clone, Debug, Serialize)]
pub struct TrailerRow {
    pub key: String,
    pub value: Option<String>,
    pub alias: Option<String>,
}

/// Everything the `commits` projection holds about one commit.
#[derive(Clone, Debug, Serialize)]
pub struct ChangeFacts {
    pub repo: String,
    pub repo_name: String,
    pub repo_locator: String,
    pub sha: String,
    pub parents: Vec<String>,
    pub author_alias: String,
    pub author_time: i64,
    pub author_offset: i64,
    pub committer_alias: String,
    pub committer_time: i64,
    pub committer_offset: i64,
    pub message_sha256: String,
    pub signature: String,
    pub files_changed: u64,
    pub lines_added: u64,
    pub lines_removed: u64,
    /// Files by change kind (`added`, `modified`, `deleted`, `renamed` …).
    pub files_by_change: Vec<(String, u64)>,
    pub binary_files: u64,
    /// Things that could not be read for this commit.
    pub gaps: u64,
    pub shallow_boundary: bool,
    /// The event that marked it unreachable, if it is.
    pub unreachable_seq: Option<u64>,
    /// Its `commit_recorded` event.
    pub seq: u64,
    pub trailers: Vec<TrailerRow>,
}

/// How an alias was resolved to an identity.
#[derive(Clone, Debug, Serialize)]
pub struct AliasIdentity {
    pub identity: String,
    /// `developer`, `agent` or `bot`.
    pub kind: String,
    pub slug: Option<String>,
    pub team: Option<String>,
    pub rule: String,
    pub via: Option<String>,
    pub detail: Option<String>,
    /// The `alias_resolved` event that decided it.
    pub seq: u64,
}

/// One AI involvement in a commit, with its evidence.
#[derive(Clone, Debug, Serialize)]
pub struct AiRecord {
    pub agent: String,
    pub role: String,
    pub confidence: String,
    /// Alias id of the accountable human, if known.
    pub accountable: Option<String>,
    /// (marker, matched) pairs, as recorded (identity evidence names alias ids, never people).
    pub evidence: Vec<(String, String)>,
    /// Lines the agent wrote according to line-level records (git-ai, Agent Trace), if any.
    pub lines: Option<u64>,
    /// The `ai_involvement` event.
    pub seq: u64,
}

/// The read-only queries of evidence packs.
pub trait EvidenceStore {
    /// Recorded repositories, by name.
    fn repositories(&self) -> Result<Vec<RepositoryRow>, LedgerError>;

    /// The earliest and newest committer time of the recorded commits (of one repository).
    fn commit_time_range(&self, repo: Option<&str>) -> Result<Option<(i64, i64)>, LedgerError>;

    /// Commits with `since <= committer time < until`, oldest first.
    fn changes_between(
        &self,
        repo: Option<&str>,
        since: i64,
        until: i64,
    ) -> Result<Vec<PeriodChange>, LedgerError>;

    /// Everything recorded about one commit.
    fn change_facts(&self, repo: &str, sha: &str) -> Result<Option<ChangeFacts>, LedgerError>;

    /// The identity an alias resolves to.
    fn alias_identity(&self, alias: &str) -> Result<Option<AliasIdentity>, LedgerError>;

    /// AI involvement recorded for a commit.
    fn ai_records(&self, repo: &str, sha: &str) -> Result<Vec<AiRecord>, LedgerError>;

    /// Findings attributed to a commit (as primary or other introducing commit).
    fn findings_introduced_by(
        &self,
        repo: &str,
        sha: &str,
    ) -> Result<Vec<IntroducedFinding>, LedgerError>;

    /// Scanner imports recorded for a repository (or all), oldest first.
    fn scanner_runs(&self, repo: Option<&str>) -> Result<Vec<ScannerRun>, LedgerError>;

    /// History rewrites recorded for a repository (or all), oldest first.
    fn rewrites(&self, repo: Option<&str>) -> Result<Vec<RewriteRecord>, LedgerError>;

    /// Committer time of recorded commits (`None` for a commit not recorded).
    fn committer_time(&self, repo: &str, sha: &str) -> Result<Option<i64>, LedgerError>;
}

/// (agent, role, confidence, accountable alias, event seq, evidence JSON) of one involvement.
type AiRow = (String, String, String, Option<String>, i64, Option<String>);

fn split(list: Option<String>) -> Vec<String> {
    list.map(|s| {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

impl EvidenceStore for SqliteStore {
    fn repositories(&self) -> Result<Vec<RepositoryRow>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare("SELECT repo_id, name, locator FROM repositories ORDER BY name, repo_id")
            .map_err(&err)?;
        stmt.query_map([], |r| {
            Ok(RepositoryRow {
                repo: r.get(0)?,
                name: r.get(1)?,
                locator: r.get(2)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(&err)
    }

    fn commit_time_range(&self, repo: Option<&str>) -> Result<Option<(i64, i64)>, LedgerError> {
        let err = self.sql_err();
        let row: (Option<i64>, Option<i64>) = self
            .connection()
            .query_row(
                "SELECT min(committer_time), max(committer_time) FROM commits
                 WHERE (?1 IS NULL OR repo_id = ?1)",
                params![repo],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(&err)?;
        Ok(row.0.zip(row.1))
    }

    fn changes_between(
        &self,
        repo: Option<&str>,
        since: i64,
        until: i64,
    ) -> Result<Vec<PeriodChange>, LedgerError> {
        let err = self.sql_err();
        let review = REVIEW_TRAILERS
            .iter()
            .map(|k| format!("'{k}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT c.repo_id, c.sha, c.committer_time, c.seq, c.author_alias, c.committer_alias,
                    c.signature, c.parent_count, c.unreachable_seq IS NOT NULL,
                    EXISTS (SELECT 1 FROM commit_trailers t WHERE t.repo_id = c.repo_id AND t.sha = c.sha
                            AND lower(t.key) IN ({review})),
                    EXISTS (SELECT 1 FROM ai_involvements a WHERE a.repo_id = c.repo_id AND a.sha = c.sha)
             FROM commits c
             WHERE (?1 IS NULL OR c.repo_id = ?1) AND c.committer_time >= ?2 AND c.committer_time < ?3
             ORDER BY c.committer_time, c.seq"
        );
        let mut stmt = self.connection().prepare(&sql).map_err(&err)?;
        stmt.query_map(params![repo, since, until], |r| {
            Ok(PeriodChange {
                repo: r.get(0)?,
                sha: r.get(1)?,
                committer_time: r.get(2)?,
                seq: r.get::<_, i64>(3)? as u64,
                author_alias: r.get(4)?,
                committer_alias: r.get(5)?,
                signature: r.get(6)?,
                parent_count: r.get(7)?,
                unreachable: r.get(8)?,
                review_trailer: r.get(9)?,
                ai: r.get(10)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(&err)
    }

    fn change_facts(&self, repo: &str, sha: &str) -> Result<Option<ChangeFacts>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let facts = conn
            .query_row(
                "SELECT c.repo_id, COALESCE(r.name, c.repo_id), COALESCE(r.locator, ''), c.sha, c.parents,
                        c.author_alias, c.author_time, c.author_offset, c.committer_alias, c.committer_time,
                        c.committer_offset, c.message_sha256, c.signature, c.files_changed, c.lines_added,
                        c.lines_removed, c.gaps, c.shallow_boundary, c.unreachable_seq, c.seq
                 FROM commits c LEFT JOIN repositories r ON r.repo_id = c.repo_id
                 WHERE c.repo_id = ?1 AND c.sha = ?2",
                params![repo, sha],
                |r| {
                    let parents: String = r.get(4)?;
                    Ok(ChangeFacts {
                        repo: r.get(0)?,
                        repo_name: r.get(1)?,
                        repo_locator: r.get(2)?,
                        sha: r.get(3)?,
                        parents: parents.split_whitespace().map(str::to_owned).collect(),
                        author_alias: r.get(5)?,
                        author_time: r.get(6)?,
                        author_offset: r.get(7)?,
                        committer_alias: r.get(8)?,
                        committer_time: r.get(9)?,
                        committer_offset: r.get(10)?,
                        message_sha256: r.get(11)?,
                        signature: r.get(12)?,
                        files_changed: r.get::<_, i64>(13)? as u64,
                        lines_added: r.get::<_, i64>(14)? as u64,
                        lines_removed: r.get::<_, i64>(15)? as u64,
                        gaps: r.get::<_, i64>(16)? as u64,
                        shallow_boundary: r.get(17)?,
                        unreachable_seq: r.get::<_, Option<i64>>(18)?.map(|s| s as u64),
                        seq: r.get::<_, i64>(19)? as u64,
                        files_by_change: Vec::new(),
                        binary_files: 0,
                        trailers: Vec::new(),
                    })
                },
            )
            .optional()
            .map_err(&err)?;
        let Some(mut facts) = facts else {
            return Ok(None);
        };
        facts.files_by_change = conn
            .prepare_cached(
                "SELECT change, count(*) FROM commit_files WHERE repo_id = ?1 AND sha = ?2
                 GROUP BY change ORDER BY change",
            )
            .and_then(|mut s| {
                s.query_map(params![repo, sha], |r| {
                    Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
                })?
                .collect()
            })
            .map_err(&err)?;
        facts.binary_files = conn
            .query_row(
                "SELECT count(*) FROM commit_files WHERE repo_id = ?1 AND sha = ?2 AND binary",
                params![repo, sha],
                |r| r.get::<_, i64>(0),
            )
            .map_err(&err)? as u64;
        facts.trailers = conn
            .prepare_cached(
                "SELECT key, value, alias_id FROM commit_trailers WHERE repo_id = ?1 AND sha = ?2 ORDER BY idx",
            )
            .and_then(|mut s| {
                s.query_map(params![repo, sha], |r| {
                    Ok(TrailerRow {
                        key: r.get(0)?,
                        value: r.get(1)?,
                        alias: r.get(2)?,
                    })
                })?
                .collect()
            })
            .map_err(&err)?;
        Ok(Some(facts))
    }

    fn alias_identity(&self, alias: &str) -> Result<Option<AliasIdentity>, LedgerError> {
        let err = self.sql_err();
        self.connection()
            .prepare_cached(
                "SELECT a.identity_id, COALESCE(i.kind, 'developer'), i.slug, i.team, a.rule, a.via, a.detail, a.seq
                 FROM aliases a LEFT JOIN identities i ON i.identity_id = a.identity_id
                 WHERE a.alias_id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([alias], |r| {
                    Ok(AliasIdentity {
                        identity: r.get(0)?,
                        kind: r.get(1)?,
                        slug: r.get(2)?,
                        team: r.get(3)?,
                        rule: r.get(4)?,
                        via: r.get(5)?,
                        detail: r.get(6)?,
                        seq: r.get::<_, i64>(7)? as u64,
                    })
                })
                .optional()
            })
            .map_err(&err)
    }

    fn ai_records(&self, repo: &str, sha: &str) -> Result<Vec<AiRecord>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let rows: Vec<AiRow> = conn
            .prepare_cached(
                "SELECT a.agent, a.role, a.confidence, a.accountable, a.seq, json_extract(e.payload, '$.evidence')
                 FROM ai_involvements a LEFT JOIN events e ON e.seq = a.seq
                 WHERE a.repo_id = ?1 AND a.sha = ?2 ORDER BY a.agent, a.role",
            )
            .and_then(|mut s| {
                s.query_map(params![repo, sha], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })?
                .collect()
            })
            .map_err(&err)?;
        let mut lines = conn
            .prepare_cached(
                "SELECT sum(lines) FROM ai_line_ranges WHERE repo_id = ?1 AND sha = ?2 AND agent = ?3",
            )
            .map_err(&err)?;
        let mut out = Vec::new();
        for (agent, role, confidence, accountable, seq, evidence) in rows {
            let evidence = evidence
                .and_then(|text| serde_json::from_str::<Vec<serde_json::Value>>(&text).ok())
                .unwrap_or_default()
                .into_iter()
                .map(|v| {
                    (
                        v["marker"].as_str().unwrap_or_default().to_owned(),
                        v["matched"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            let line_count: Option<i64> = lines
                .query_row(params![repo, sha, agent], |r| r.get(0))
                .map_err(&err)?;
            out.push(AiRecord {
                agent,
                role,
                confidence,
                accountable,
                evidence,
                lines: line_count.map(|n| n as u64),
                seq: seq as u64,
            });
        }
        Ok(out)
    }

    fn findings_introduced_by(
        &self,
        repo: &str,
        sha: &str,
    ) -> Result<Vec<IntroducedFinding>, LedgerError> {
        let err = self.sql_err();
        self.connection()
            .prepare_cached(
                "SELECT f.finding_id, f.tool, f.rule, f.kind, f.severity, f.status, f.message, f.path, f.start_line,
                        f.fixed_revision, a.primary_commit = ?2, a.method, a.confidence, a.agents, f.first_seq, a.seq
                 FROM attributions a JOIN findings f ON f.finding_id = a.finding_id
                 WHERE a.repo_id = ?1 AND a.status = 'attributed' AND f.status <> 'withdrawn'
                   AND (a.primary_commit = ?2 OR instr(',' || a.commits || ',', ',' || ?2 || ',') > 0)
                 ORDER BY f.status DESC, f.severity, f.path, f.start_line, f.finding_id",
            )
            .and_then(|mut s| {
                s.query_map(params![repo, sha], |r| {
                    Ok(IntroducedFinding {
                        finding: r.get(0)?,
                        tool: r.get(1)?,
                        rule: r.get(2)?,
                        kind: r.get(3)?,
                        severity: r.get(4)?,
                        status: r.get(5)?,
                        message: r.get(6)?,
                        path: r.get(7)?,
                        start_line: r.get(8)?,
                        fixed_revision: r.get(9)?,
                        primary: r.get::<_, Option<bool>>(10)?.unwrap_or(false),
                        method: r.get(11)?,
                        confidence: r.get(12)?,
                        agents: split(r.get(13)?),
                        finding_seq: r.get::<_, i64>(14)? as u64,
                        attribution_seq: r.get::<_, i64>(15)? as u64,
                    })
                })?
                .collect()
            })
            .map_err(&err)
    }

    fn scanner_runs(&self, repo: Option<&str>) -> Result<Vec<ScannerRun>, LedgerError> {
        let err = self.sql_err();
        self.connection()
            .prepare(
                "SELECT i.repo_id, i.tool, i.format, i.revision, i.results, i.new, i.fixed, i.reopened, i.seq,
                        COALESCE(e.at, ''), i.withdrawn_seq
                 FROM finding_imports i LEFT JOIN events e ON e.seq = i.seq
                 WHERE (?1 IS NULL OR i.repo_id = ?1) ORDER BY i.seq",
            )
            .and_then(|mut s| {
                s.query_map(params![repo], |r| {
                    Ok(ScannerRun {
                        repo: r.get(0)?,
                        tool: r.get(1)?,
                        format: r.get(2)?,
                        revision: r.get(3)?,
                        results: r.get::<_, i64>(4)? as u64,
                        new: r.get::<_, i64>(5)? as u64,
                        fixed: r.get::<_, i64>(6)? as u64,
                        reopened: r.get::<_, i64>(7)? as u64,
                        seq: r.get::<_, i64>(8)? as u64,
                        at: r.get(9)?,
                        withdrawn_seq: r.get::<_, Option<i64>>(10)?.map(|s| s as u64),
                    })
                })?
                .collect()
            })
            .map_err(&err)
    }

    fn rewrites(&self, repo: Option<&str>) -> Result<Vec<RewriteRecord>, LedgerError> {
        let err = self.sql_err();
        self.connection()
            .prepare(
                "SELECT h.repo_id, h.ref_name, h.old_tip, h.new_tip, h.unreachable, h.seq, COALESCE(e.at, '')
                 FROM history_rewrites h LEFT JOIN events e ON e.seq = h.seq
                 WHERE (?1 IS NULL OR h.repo_id = ?1) ORDER BY h.seq",
            )
            .and_then(|mut s| {
                s.query_map(params![repo], |r| {
                    Ok(RewriteRecord {
                        repo: r.get(0)?,
                        ref_name: r.get(1)?,
                        old_tip: r.get(2)?,
                        new_tip: r.get(3)?,
                        unreachable: r.get::<_, i64>(4)? as u64,
                        seq: r.get::<_, i64>(5)? as u64,
                        at: r.get(6)?,
                    })
                })?
                .collect()
            })
            .map_err(&err)
    }

    fn committer_time(&self, repo: &str, sha: &str) -> Result<Option<i64>, LedgerError> {
        let err = self.sql_err();
        self.connection()
            .prepare_cached("SELECT committer_time FROM commits WHERE repo_id = ?1 AND sha = ?2")
            .and_then(|mut s| s.query_row(params![repo, sha], |r| r.get(0)).optional())
            .map_err(&err)
    }
}
