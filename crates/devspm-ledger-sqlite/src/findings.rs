//! [`FindingStore`] on SQLite: the findings, imports and attributions read from the
//! projections, and the database's own secret-hashing key kept in `ledger_meta`.

use std::collections::HashMap;

use devspm_ledger::findings::*;
use devspm_ledger::{EventLog, LedgerError};
use rusqlite::{OptionalExtension, params};

use crate::SqliteStore;

/// `ledger_meta` row of the database's own secret-hashing key (absent when kept outside).
const SECRET_KEY: &str = "secret_hash_key";
/// `ledger_meta` row of the check value of the key the database's hashes are made with.
const SECRET_KEY_CHECK: &str = "secret_key_check";

/// The advice for a database whose key is kept outside it.
const GIVE_THE_KEY: &str = "give it with --secret-key-file PATH (or $DEVSPM_SECRET_KEY_FILE, \
                            or the key itself in $DEVSPM_SECRET_KEY)";

/// The columns [`import_record`] reads, and the event payload as column 12.
const IMPORT_COLUMNS: &str =
    "SELECT i.import_id, i.repo_id, i.tool, i.format, i.source, i.revision, i.results, i.new,
        i.fixed, i.reopened, i.seq, i.withdrawn_seq, COALESCE(e.payload, ''), COALESCE(e.at, '')
 FROM finding_imports i LEFT JOIN events e ON e.seq = i.seq";

fn import_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<ImportRecord> {
    Ok(ImportRecord {
        import: r.get(0)?,
        repo: r.get(1)?,
        tool: r.get(2)?,
        format: r.get(3)?,
        source: r.get(4)?,
        revision: r.get(5)?,
        results: r.get::<_, i64>(6)? as u64,
        new: r.get::<_, i64>(7)? as u64,
        fixed: r.get::<_, i64>(8)? as u64,
        reopened: r.get::<_, i64>(9)? as u64,
        seq: r.get::<_, i64>(10)? as u64,
        withdrawn_seq: r.get::<_, Option<i64>>(11)?.map(|s| s as u64),
        at: r.get(13)?,
    })
}

/// What identifies a secret-hashing key without revealing it: HMAC-SHA-256 of a fixed label
/// under the key, hex.
fn check_value(key: &[u8; 32]) -> String {
    devspm_core::hex::encode(&devspm_core::ids::hmac_sha256(
        key,
        b"devspm secret-hashing key check v1",
    ))
}

/// A stored key; a malformed one reads as zeros (and then fails the check value).
fn key_from_hex(hex: &str) -> [u8; 32] {
    let bytes = devspm_core::hex::decode(hex).unwrap_or_default();
    let mut key = [0u8; 32];
    if bytes.len() == 32 {
        key.copy_from_slice(&bytes);
    }
    key
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
        each: &mut dyn FnMut(&FindingState<'_>),
    ) -> Result<(), LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT finding_id, status, last_revision, fixed_revision FROM findings
                 WHERE repo_id = ?1 AND tool = ?2",
            )
            .map_err(&err)?;
        let mut rows = stmt.query(params![repo, tool]).map_err(&err)?;
        let text = |row: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<Option<String>> {
            row.get::<_, Option<String>>(i)
        };
        while let Some(row) = rows.next().map_err(&err)? {
            let id: &str = row
                .get_ref(0)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(&err)?;
            let status: &str = row
                .get_ref(1)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(&err)?;
            let last = text(row, 2).map_err(&err)?;
            let fixed = text(row, 3).map_err(&err)?;
            each(&FindingState {
                finding: id,
                status,
                last_revision: last.as_deref(),
                fixed_revision: fixed.as_deref(),
            });
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

    fn imports(&self, repo: Option<&str>) -> Result<Vec<ImportRecord>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare(&format!(
                "{IMPORT_COLUMNS} WHERE (?1 IS NULL OR i.repo_id = ?1) ORDER BY i.seq"
            ))
            .map_err(&err)?;
        stmt.query_map(params![repo], import_record)
            .and_then(|rows| rows.collect())
            .map_err(&err)
    }

    fn import_history(
        &self,
        repo: &str,
        tool: &str,
    ) -> Result<Vec<(ImportRecord, devspm_core::finding::FindingsImported)>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare(&format!(
                "{IMPORT_COLUMNS} WHERE i.repo_id = ?1 AND i.tool = ?2 ORDER BY i.seq"
            ))
            .map_err(&err)?;
        let rows = stmt
            .query_map(params![repo, tool], |r| {
                Ok((import_record(r)?, r.get::<_, String>(12)?))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(&err)?;
        rows.into_iter()
            .map(|(record, payload)| {
                let parsed: devspm_core::finding::FindingsImported = serde_json::from_str(&payload)
                    .map_err(|e| LedgerError::BadEvent {
                        path: self.location().to_owned(),
                        seq: record.seq,
                        reason: format!("its findings_imported payload does not parse: {e}"),
                    })?;
                Ok((record, parsed))
            })
            .collect()
    }

    fn findings_by_id(&self, id: &str) -> Result<Vec<(String, String, String)>, LedgerError> {
        let err = self.sql_err();
        // The prefix is matched as text, never as a pattern (`_` and `%` are literal).
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT finding_id, repo_id, status FROM findings
                 WHERE substr(finding_id, 1, length(?1)) = ?1 ORDER BY finding_id LIMIT 20",
            )
            .map_err(&err)?;
        stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(&err)
    }

    fn finding_snapshots(
        &self,
        findings: &[&str],
    ) -> Result<HashMap<String, FindingSnapshot>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT status, first_revision, first_seq, reopened FROM findings WHERE finding_id = ?1",
            )
            .map_err(&err)?;
        let mut out = HashMap::new();
        for id in findings {
            let row = stmt
                .query_row([id], |r| {
                    Ok(FindingSnapshot {
                        status: r.get(0)?,
                        first_revision: r.get(1)?,
                        first_seq: r.get::<_, i64>(2)? as u64,
                        reopened: r.get(3)?,
                    })
                })
                .optional()
                .map_err(&err)?;
            if let Some(row) = row {
                out.insert((*id).to_owned(), row);
            }
        }
        Ok(out)
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
                        (SELECT json_extract(e.payload, '$.secret.hash') FROM events e WHERE e.seq = f.first_seq),
                        f.rule
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
                        rule: r.get(12)?,
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

    fn secret_key(&mut self, external: Option<&[u8; 32]>) -> Result<[u8; 32], LedgerError> {
        let err = self.sql_err();
        let path = self.location().to_owned();
        let refused = |reason: String| LedgerError::Refused {
            path: path.clone(),
            reason,
        };
        let tx = self.connection().unchecked_transaction().map_err(&err)?;
        let meta = |name: &str| -> rusqlite::Result<Option<String>> {
            tx.query_row(
                "SELECT value FROM ledger_meta WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()
        };
        let own = meta(SECRET_KEY)
            .map_err(&err)?
            .map(|hex| key_from_hex(&hex));
        let check = meta(SECRET_KEY_CHECK).map_err(&err)?;
        let key = match (external, own) {
            (Some(given), Some(own)) if own != *given => {
                return Err(refused(
                    "the database keeps its own secret-hashing key and its hashes were made \
                     with it, not with the key given; to keep the key outside the database, \
                     move it out with `devspm secret-key move-out PATH` and give that file"
                        .to_owned(),
                ));
            }
            (Some(given), _) if check.as_ref().is_some_and(|c| *c != check_value(given)) => {
                return Err(refused(format!(
                    "the secret-hashing key given (check value {}) is not the key this \
                     database's secret hashes were made with (check value {}); give that key",
                    &check_value(given)[..16],
                    &check.unwrap_or_default()[..16],
                )));
            }
            (Some(given), _) => *given,
            (None, Some(own)) if check.as_ref().is_none_or(|c| *c == check_value(&own)) => own,
            (None, _) if check.is_some() => {
                return Err(refused(format!(
                    "the database's secret hashes were made with a key kept outside it; \
                     {GIVE_THE_KEY}"
                )));
            }
            (None, _) => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key).map_err(|e| LedgerError::Open {
                    path: path.clone(),
                    reason: format!("no randomness for the secret-hashing key: {e}"),
                })?;
                tx.execute(
                    "INSERT OR REPLACE INTO ledger_meta (name, value) VALUES (?1, ?2)",
                    params![SECRET_KEY, devspm_core::hex::encode(&key)],
                )
                .map_err(&err)?;
                key
            }
        };
        // From the first hash on, the database remembers which key it was made with.
        tx.execute(
            "INSERT OR IGNORE INTO ledger_meta (name, value) VALUES (?1, ?2)",
            params![SECRET_KEY_CHECK, check_value(&key)],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        // A replica's key is the upstream's: when another host set one first, use that.
        if self.share_meta()? {
            return self.secret_key(external);
        }
        Ok(key)
    }

    fn delete_own_secret_key(&mut self) -> Result<bool, LedgerError> {
        let err = self.sql_err();
        let own: Option<String> = self
            .connection()
            .query_row(
                "SELECT value FROM ledger_meta WHERE name = ?1",
                [SECRET_KEY],
                |r| r.get(0),
            )
            .optional()
            .map_err(&err)?;
        if own.is_none() {
            return Err(LedgerError::Refused {
                path: self.location().to_owned(),
                reason: "the database holds no secret-hashing key of its own (it is kept outside \
                         it already, or no secret was ever hashed)"
                    .to_owned(),
            });
        }
        // Records the check value if no hash was made yet, and refuses an inconsistent state.
        self.secret_key(None)?;
        // The key's bytes must not linger in free pages or in the write-ahead log (as
        // `identities forget` does it).
        self.unshare_meta(SECRET_KEY)?;
        let conn = self.connection();
        conn.execute_batch("PRAGMA secure_delete = ON")
            .map_err(&err)?;
        let deleted = conn
            .execute("DELETE FROM ledger_meta WHERE name = ?1", [SECRET_KEY])
            .map_err(&err)
            .and_then(|_| self.scrub());
        self.connection()
            .execute_batch("PRAGMA secure_delete = OFF")
            .map_err(&err)?;
        deleted
    }

    fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRow>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let min_rank = filter.min_severity.as_deref().map(severity_rank);
        // Names and e-mails are sealed: decrypt them all once (docs/privacy.md).
        let book = crate::pii::PiiBook::load(conn).map_err(&err)?;
        // A judgement holds through its expiry day (UTC).
        let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
        let mut stmt = conn
            .prepare(
                "SELECT f.finding_id, COALESCE(r.name, f.repo_id), f.tool, f.rule, f.kind, f.severity, f.status, f.message,
                        f.identifiers, f.path, f.start_line, f.end_line, f.package, f.version, f.secret_preview,
                        f.first_revision, f.last_revision, f.fixed_revision, f.reopened,
                        a.status, a.method, a.reason, a.confidence, a.primary_commit, a.author_time, a.commits, a.agents,
                        al.identity_id, i.team, a.author_alias, t.state, t.reason, t.expires, t.by_alias, f.ecosystem,
                        f.repo_id, m.marker, sp.kind, sp.justification
                 FROM findings f
                 LEFT JOIN finding_markers m ON m.finding_id = f.finding_id
                 LEFT JOIN finding_suppressions sp ON sp.finding_id = f.finding_id
                 LEFT JOIN finding_triage t ON t.finding_id = f.finding_id
                 LEFT JOIN repositories r ON r.repo_id = f.repo_id
                 LEFT JOIN attributions a ON a.finding_id = f.finding_id
                 LEFT JOIN aliases al ON al.alias_id = a.author_alias
                 LEFT JOIN identities i ON i.identity_id = al.identity_id
                 WHERE (?1 IS NULL OR f.repo_id = ?1) AND (?2 IS NULL OR f.tool = ?2)
                   AND (f.status = ?3 OR ?3 IS NULL AND f.status <> 'withdrawn') AND (?4 IS NULL OR i.team = ?4)
                 ORDER BY f.repo_id, f.status DESC, f.path, f.start_line, f.finding_id",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map(
                params![filter.repo, filter.tool, filter.status, filter.team],
                |r| -> rusqlite::Result<(FindingRow, Option<String>)> {
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
                    let triage = match r.get::<_, Option<String>>(30)? {
                        Some(state) => {
                            let expires: Option<String> = r.get(32)?;
                            let by: Option<String> = r.get(33)?;
                            Some(Triage {
                                active: expires.as_deref().is_none_or(|e| e >= today.as_str()),
                                state,
                                reason: r.get(31)?,
                                expires,
                                by_name: by
                                    .as_deref()
                                    .and_then(|a| book.text(a))
                                    .map(|(name, email)| format!("{name} <{email}>")),
                                by,
                            })
                        }
                        None => None,
                    };
                    let row = FindingRow {
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
                            .as_deref()
                            .and_then(|a| book.text(a))
                            .map(|(name, email)| format!("{name} <{email}>")),
                        triage,
                        ecosystem: r.get(34)?,
                        repo_id: r.get(35)?,
                        inline_marker: r.get(36)?,
                        scanner_suppression: match (r.get(37)?, r.get(38)?) {
                            (Some(kind), justification) => {
                                Some(devspm_core::finding::ScannerSuppression {
                                    kind,
                                    justification,
                                })
                            }
                            (None, _) => None,
                        },
                    };
                    Ok((row, author))
                },
            )
            .map_err(&err)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(&err)?;
        let developer = match filter.developer.as_deref() {
            Some(query) => Some(DeveloperMatch::new(conn, &book, query).map_err(&err)?),
            None => None,
        };
        Ok(rows
            .into_iter()
            .filter(|(row, author)| {
                developer
                    .as_ref()
                    .is_none_or(|d| d.matches(row.developer.as_deref(), author.as_deref()))
            })
            .map(|(row, _)| row)
            .filter(|row| min_rank.is_none_or(|min| severity_rank(&row.severity) >= min))
            .filter(|row| {
                filter
                    .agent
                    .as_deref()
                    .is_none_or(|a| row.agents.iter().any(|x| x == a))
            })
            .collect())
    }
}

/// What `--developer` names: an identity id, or every alias whose name or e-mail is the query
/// (exact, case-insensitive) — with the identities they resolve to.
struct DeveloperMatch {
    identities: std::collections::HashSet<String>,
    aliases: std::collections::HashSet<String>,
}

impl DeveloperMatch {
    fn new(
        conn: &rusqlite::Connection,
        book: &crate::pii::PiiBook,
        query: &str,
    ) -> rusqlite::Result<DeveloperMatch> {
        let query = query.trim();
        let wanted = query.to_lowercase();
        let mut identities = std::collections::HashSet::from([query.to_owned()]);
        let mut aliases = std::collections::HashSet::new();
        let mut identity_of =
            conn.prepare_cached("SELECT identity_id FROM aliases WHERE alias_id = ?1")?;
        for (alias, (name, email)) in &book.entries {
            let is = |v: &[u8]| String::from_utf8_lossy(v).trim().to_lowercase() == wanted;
            if is(email) || is(name) {
                aliases.insert(alias.clone());
                if let Some(identity) = identity_of
                    .query_row([alias], |r| r.get::<_, String>(0))
                    .optional()?
                {
                    identities.insert(identity);
                }
            }
        }
        Ok(DeveloperMatch {
            identities,
            aliases,
        })
    }

    /// Whether a finding attributed to `identity` through `author` (an alias id) is named.
    fn matches(&self, identity: Option<&str>, author: Option<&str>) -> bool {
        identity.is_some_and(|i| self.identities.contains(i))
            || author.is_some_and(|a| self.aliases.contains(a))
    }
}

#[cfg(test)]
mod tests {
    use devspm_core::NewEvent;
    use devspm_core::finding::{FindingRecorded, FindingTriaged};

    use super::*;

    fn recorded(id: &str) -> NewEvent {
        NewEvent::new(
            format!("finding/r/{id}"),
            "tool:t",
            "repo:r",
            FindingRecorded {
                finding: id.to_owned(),
                repo: "r".into(),
                tool: "t".into(),
                tool_version: None,
                rule: "R".into(),
                kind: "code".into(),
                severity: "high".into(),
                message: "m".into(),
                identifiers: Vec::new(),
                path: Some("a.py".into()),
                start_line: Some(1),
                end_line: Some(1),
                foreign_path: None,
                package: None,
                secret: None,
                inline_marker: None,
                scanner_suppression: None,
                fingerprint: format!("content:v1:{id}"),
                revision: None,
                import: "i_1".into(),
            },
        )
    }

    fn triaged(id: &str, expires: &str) -> NewEvent {
        NewEvent::new(
            format!("triage/{id}"),
            "a_1",
            format!("finding:{id}"),
            FindingTriaged {
                finding: id.to_owned(),
                repo: "r".into(),
                state: "accepted-risk".into(),
                reason: "why".into(),
                expires: Some(expires.to_owned()),
                by: None,
            },
        )
    }

    /// A judgement holds through its expiry day; after it the finding counts again, with no
    /// event needed.
    #[test]
    fn an_expired_judgement_no_longer_sets_a_finding_aside() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        store
            .append(vec![
                recorded("f_expired"),
                recorded("f_standing"),
                triaged("f_expired", "2000-01-01"),
                triaged("f_standing", "2999-12-31"),
            ])
            .unwrap();
        let rows = store.findings(&FindingFilter::default()).unwrap();
        let row = |id: &str| rows.iter().find(|r| r.finding == id).unwrap();
        assert!(row("f_expired").is_actionable());
        assert_eq!(
            row("f_expired").triage.as_ref().map(|t| t.active),
            Some(false)
        );
        assert!(!row("f_standing").is_actionable());
    }
}
