//! [`GovernanceStore`] on SQLite: the tool inventory, commit-signing statistics and advisory
//! data, over the projection tables.

use devspm_ledger::LedgerError;
use devspm_ledger::governance::*;
use rusqlite::params;

use crate::SqliteStore;

impl GovernanceStore for SqliteStore {
    fn tool_uses(&self, filter: &ToolFilter) -> Result<Vec<ToolUseRow>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let book = crate::pii::PiiBook::load(conn).map_err(&err)?;
        let name_like = filter
            .name
            .as_ref()
            .map(|n| like_contains(&n.to_lowercase()));
        let mut rows = Vec::new();
        if filter.origin.as_deref() != Some("workstation") {
            let mut stmt = conn
                .prepare(
                    "SELECT COALESCE(r.name, t.repo_id), t.kind, t.name, t.version, t.path, t.line, t.pinned,
                            t.risks, t.introduced_in, t.introduced_by, al.identity_id,
                            e1.at, e2.at, c.author_time, t.repo_id
                     FROM tools_seen t
                     LEFT JOIN repositories r ON r.repo_id = t.repo_id
                     LEFT JOIN commits c ON c.repo_id = t.repo_id AND c.sha = t.introduced_in
                     LEFT JOIN aliases al ON al.alias_id = t.introduced_by
                     JOIN events e1 ON e1.seq = COALESCE(t.first_seq, t.seq)
                     JOIN events e2 ON e2.seq = t.seq
                     WHERE (?1 IS NULL OR lower(t.name) LIKE ?1 ESCAPE '\\') AND (?2 IS NULL OR t.kind = ?2)
                       AND (?3 IS NULL OR t.repo_id = ?3)
                       AND (?4 IS NULL OR CASE WHEN c.author_time IS NOT NULL
                            THEN c.author_time >= CAST(strftime('%s', ?4) AS INTEGER)
                            ELSE e1.at >= ?4 END)
                     ORDER BY t.name, t.version, COALESCE(r.name, t.repo_id), t.path, t.line",
                )
                .map_err(&err)?;
            let found = stmt
                .query_map(
                    params![name_like, filter.kind, filter.repo_id, filter.since],
                    |r| {
                        let version: String = r.get(3)?;
                        let risks: String = r.get(7)?;
                        let alias: Option<String> = r.get(9)?;
                        Ok(ToolUseRow {
                            origin: "repository",
                            repository: Some(r.get(0)?),
                            repo_id: Some(r.get(14)?),
                            host: None,
                            kind: r.get(1)?,
                            name: r.get(2)?,
                            version: (!version.is_empty()).then_some(version),
                            path: r.get(4)?,
                            line: r.get(5)?,
                            pinned: r.get(6)?,
                            risks: split_list(&risks),
                            verdict: None,
                            introduced_in: r.get(8)?,
                            introduced_at: r.get(13)?,
                            identity: r.get(10)?,
                            identity_name: alias
                                .as_deref()
                                .and_then(|a| book.text(a))
                                .map(|(n, e)| format!("{n} <{e}>")),
                            alias,
                            first_seen: r.get(11)?,
                            last_seen: r.get(12)?,
                        })
                    },
                )
                .map_err(&err)?;
            for row in found {
                rows.push(row.map_err(&err)?);
            }
        }
        if filter.origin.as_deref() != Some("repository") && filter.repo_id.is_none() {
            let mut stmt = conn
                .prepare(
                    "SELECT w.host, w.kind, w.item_id, w.version, w.path, w.risks, w.verdict, w.identity,
                            al.identity_id, e1.at, e2.at
                     FROM workstation_tools w
                     LEFT JOIN aliases al ON al.alias_id = w.identity
                     JOIN events e1 ON e1.seq = w.first_seq
                     JOIN events e2 ON e2.seq = w.seq
                     WHERE (?1 IS NULL OR lower(w.item_id) LIKE ?1 ESCAPE '\\'
                            OR lower(w.name) LIKE ?1 ESCAPE '\\')
                       AND (?2 IS NULL OR w.kind = ?2) AND (?3 IS NULL OR e1.at >= ?3)
                     ORDER BY w.item_id, w.version, w.host, w.path",
                )
                .map_err(&err)?;
            let found = stmt
                .query_map(params![name_like, filter.kind, filter.since], |r| {
                    let risks: String = r.get(5)?;
                    let alias: String = r.get(7)?;
                    Ok(ToolUseRow {
                        origin: "workstation",
                        repository: None,
                        repo_id: None,
                        host: Some(r.get(0)?),
                        kind: r.get(1)?,
                        name: r.get(2)?,
                        version: r.get(3)?,
                        path: r.get(4)?,
                        line: None,
                        pinned: None,
                        risks: split_list(&risks),
                        verdict: r.get(6)?,
                        introduced_in: None,
                        introduced_at: None,
                        identity: r.get(8)?,
                        alias: None,
                        identity_name: book.text(&alias).map(|(n, e)| {
                            if n.is_empty() {
                                e
                            } else {
                                format!("{n} <{e}>")
                            }
                        }),
                        first_seen: r.get(9)?,
                        last_seen: r.get(10)?,
                    })
                })
                .map_err(&err)?;
            for row in found {
                rows.push(row.map_err(&err)?);
            }
        }
        Ok(rows)
    }

    fn signing(
        &self,
        repo_id: Option<&str>,
        since: Option<i64>,
    ) -> Result<Vec<SigningRow>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let book = crate::pii::PiiBook::load(conn).map_err(&err)?;
        let mut stmt = conn
            .prepare(
                "SELECT COALESCE(r.name, c.repo_id), COALESCE(al.identity_id, c.author_alias),
                        MIN(c.author_alias), COUNT(*), SUM(c.signature = 'none')
                 FROM commits c
                 LEFT JOIN repositories r ON r.repo_id = c.repo_id
                 LEFT JOIN aliases al ON al.alias_id = c.author_alias
                 LEFT JOIN identities i ON i.identity_id = al.identity_id
                 WHERE (?1 IS NULL OR c.repo_id = ?1) AND c.unreachable_seq IS NULL
                   AND COALESCE(i.kind, 'developer') = 'developer'
                   AND (?2 IS NULL OR c.author_time >= ?2)
                 GROUP BY 1, 2
                 ORDER BY 1, 5 DESC, 2",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map(params![repo_id, since], |r| {
                let alias: String = r.get(2)?;
                Ok(SigningRow {
                    repository: r.get(0)?,
                    identity: r.get(1)?,
                    identity_name: book.text(&alias).map(|(n, e)| format!("{n} <{e}>")),
                    commits: r.get::<_, i64>(3)? as u64,
                    unsigned: r.get::<_, i64>(4)? as u64,
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&err)
    }

    fn replace_advisories(
        &mut self,
        source: &str,
        advisories: Vec<StoredAdvisory>,
    ) -> Result<(), LedgerError> {
        let err = self.sql_err();
        let tx = self.connection_mut().transaction().map_err(&err)?;
        {
            tx.execute(
                "DELETE FROM advisory_packages WHERE advisory_id IN (SELECT advisory_id FROM advisories WHERE source = ?1)",
                params![source],
            )
            .map_err(&err)?;
            tx.execute("DELETE FROM advisories WHERE source = ?1", params![source])
                .map_err(&err)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO advisories (advisory_id, source, modified, body) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (advisory_id) DO UPDATE SET source = ?2, modified = ?3, body = ?4",
                )
                .map_err(&err)?;
            let mut package = tx
                .prepare(
                    "INSERT OR IGNORE INTO advisory_packages (ecosystem, name, advisory_id) VALUES (?1, ?2, ?3)",
                )
                .map_err(&err)?;
            for a in &advisories {
                insert
                    .execute(params![a.id, source, a.modified, a.body])
                    .map_err(&err)?;
                for (ecosystem, name) in &a.packages {
                    package
                        .execute(params![ecosystem, name, a.id])
                        .map_err(&err)?;
                }
            }
        }
        tx.commit().map_err(&err)
    }

    fn advisory_bodies(&self) -> Result<Vec<String>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare("SELECT body FROM advisories ORDER BY source, advisory_id")
            .map_err(&err)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(&err)?;
        rows.collect::<Result<Vec<String>, _>>().map_err(&err)
    }

    fn advisory_sources(&self) -> Result<Vec<AdvisorySourceRow>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT s.source, s.layout, s.data_date, s.advisories, e.at
                 FROM advisory_sources s JOIN events e ON e.seq = s.seq ORDER BY s.source",
            )
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AdvisorySourceRow {
                    source: r.get(0)?,
                    layout: r.get(1)?,
                    data_date: r.get(2)?,
                    advisories: r.get::<_, i64>(3)? as u64,
                    loaded_at: r.get(4)?,
                })
            })
            .map_err(&err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&err)
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A pattern for `LIKE ?1 ESCAPE '\'` that matches values containing `text` literally: the
/// user's `%`, `_` and `\` are escaped, so `--name '%'` looks for a percent sign instead of
/// matching everything.
fn like_contains(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_match_user_text_literally() {
        assert_eq!(super::like_contains("checkout"), "%checkout%");
        assert_eq!(super::like_contains("%_\\"), "%\\%\\_\\\\%");
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let matches = |value: &str, text: &str| -> bool {
            conn.query_row(
                "SELECT ?1 LIKE ?2 ESCAPE '\\'",
                rusqlite::params![value, super::like_contains(text)],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert!(matches("actions/checkout", "checkout"));
        assert!(!matches("actions/checkout", "%"));
        assert!(!matches("actions/checkout", "_"));
        assert!(matches("100%_sure", "%_"));
        assert!(matches("back\\slash", "k\\s"));
        assert!(!matches("backslash", "k\\s"));
    }
}
