//! Identities on an SQLite ledger ([`Identities`]): what identity resolution reads (the
//! aliases with their personal data, the `.mailmap` links and their judgements, the current
//! resolutions), the identities it resolved with the evidence for each alias, and one alias's
//! personal data, opened from its sealed record.

use std::collections::HashMap;

use devspm_core::event::IdentityKind;
use devspm_core::identity::{AliasLink, AliasRecord, Assignment, IdentityState, Rule};
use rusqlite::{OptionalExtension, params};

use super::store::SqliteStore;
use super::views::{identity_rows, link_evidence, link_judgements};
use crate::pii::PiiBook;
use devspm_ledger::views::{AliasEvidence, IdentityDetail, IdentityRow};
use devspm_ledger::{Identities, LedgerError, ResolverState};

impl SqliteStore {
    /// The personal data of one alias (name, e-mail), decrypted; `None` when unknown or erased.
    pub fn alias_personal_data(
        &self,
        alias: &str,
    ) -> Result<Option<devspm_ledger::NameEmail>, LedgerError> {
        crate::pii::PiiBook::one(&self.conn, alias).map_err(self.sql_err())
    }
}

impl Identities for SqliteStore {
    fn resolver_state(&self) -> Result<ResolverState, LedgerError> {
        let err = self.sql_err();
        let conn = &self.conn;
        // Erased aliases have no personal data left to resolve by: they keep their recorded
        // resolution and take no part in new ones.
        let book = PiiBook::load(conn).map_err(&err)?;
        let mut aliases: Vec<AliasRecord> = book
            .entries
            .iter()
            .map(|(id, (name, email))| AliasRecord {
                id: id.clone(),
                name: String::from_utf8_lossy(name).into_owned(),
                email: String::from_utf8_lossy(email).into_owned(),
            })
            .collect();
        aliases.sort_by(|a, b| a.id.cmp(&b.id));
        // Who added each link's line is in the payload of the event that recorded it.
        let links = conn
            .prepare(
                "SELECT l.alias_id, l.canonical, l.repo_id, json_extract(e.payload, '$.line.added_by')
                 FROM alias_links l JOIN events e ON e.seq = l.seq
                 WHERE l.source = 'mailmap' ORDER BY l.seq",
            )
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(AliasLink {
                        alias: r.get(0)?,
                        canonical: r.get(1)?,
                        repo: r.get(2)?,
                        added_by: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(&err)?;
        let authored = conn
            .prepare("SELECT DISTINCT author_alias FROM commits")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<std::collections::HashSet<_>, _>>()
            })
            .map_err(&err)?;
        let judgements = link_judgements(conn).map_err(&err)?;
        let current = conn
            .prepare("SELECT alias_id, identity_id, rule, via, detail, revision FROM aliases")
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        Assignment {
                            identity: r.get(1)?,
                            rule: r.get(2)?,
                            via: r.get(3)?,
                            detail: r.get(4)?,
                            revision: r.get(5)?,
                        },
                    ))
                })?
                .collect::<Result<HashMap<_, _>, _>>()
            })
            .map_err(&err)?;
        let identities = conn
            .prepare("SELECT identity_id, kind, team, revision FROM identities")
            .and_then(|mut s| {
                s.query_map([], |r| {
                    let kind: String = r.get(1)?;
                    let kind = match kind.as_str() {
                        "agent" => IdentityKind::Agent,
                        "bot" => IdentityKind::Bot,
                        _ => IdentityKind::Developer,
                    };
                    Ok((
                        r.get::<_, String>(0)?,
                        IdentityState {
                            kind,
                            team: r.get(2)?,
                            revision: r.get(3)?,
                        },
                    ))
                })?
                .collect::<Result<HashMap<_, _>, _>>()
            })
            .map_err(&err)?;
        Ok(ResolverState {
            aliases,
            links,
            authored,
            judgements,
            current,
            identities,
        })
    }

    fn identities(&self) -> Result<Vec<IdentityRow>, LedgerError> {
        let err = self.sql_err();
        let book = PiiBook::load(&self.conn).map_err(&err)?;
        identity_rows(&self.conn, &book, None).map_err(err)
    }

    fn identity_detail(&self, query: &str) -> Result<Vec<IdentityDetail>, LedgerError> {
        let err = self.sql_err();
        let conn = &self.conn;
        let query_lc = query.trim().to_lowercase();
        let book = PiiBook::load(conn).map_err(&err)?;
        let mut ids: Vec<String> = conn
            .prepare(
                "SELECT identity_id FROM identities WHERE identity_id = ?1 OR slug = ?1
                 UNION SELECT a.identity_id FROM aliases a WHERE a.alias_id = ?1",
            )
            .and_then(|mut s| {
                s.query_map(params![query.trim()], |r| r.get(0))?
                    .collect::<Result<Vec<String>, _>>()
            })
            .map_err(&err)?;
        // Names and e-mails are sealed: match them after decryption.
        let mut identity_of = conn
            .prepare_cached("SELECT identity_id FROM aliases WHERE alias_id = ?1")
            .map_err(&err)?;
        for (alias, (name, email)) in &book.entries {
            let matches = |v: &[u8]| String::from_utf8_lossy(v).to_lowercase() == query_lc;
            if matches(email) || matches(name) {
                let identity: Option<String> = identity_of
                    .query_row([alias], |r| r.get(0))
                    .optional()
                    .map_err(&err)?;
                ids.extend(identity);
            }
        }
        ids.sort();
        ids.dedup();
        let mut details = Vec::new();
        for id in ids {
            let Some(row) = identity_rows(conn, &book, Some(&id))
                .map_err(&err)?
                .into_iter()
                .next()
            else {
                continue;
            };
            let mut evidence = Vec::new();
            let mut stmt = conn
                .prepare(
                    "SELECT a.alias_id, a.rule, a.via, a.detail, a.seq,
                            (SELECT count(*) FROM commits c WHERE c.author_alias = a.alias_id)
                     FROM aliases a
                     WHERE a.identity_id = ?1 ORDER BY 6 DESC, a.alias_id",
                )
                .map_err(&err)?;
            let mut rows = stmt.query([&id]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                let alias: String = r.get(0).map_err(&err)?;
                // An alias whose personal data was erased shows as its id.
                let (name, email) = book
                    .text(&alias)
                    .unwrap_or_else(|| (alias.clone(), String::new()));
                let rule: String = r.get(1).map_err(&err)?;
                let via_id: Option<String> = r.get(2).map_err(&err)?;
                let detail: Option<String> = r.get(3).map_err(&err)?;
                let via = via_id.map(|v| match book.text(&v) {
                    Some((n, e)) => format!("{n} <{e}>"),
                    None => v,
                });
                // Repository ids read better as the repository's name.
                let shown_detail = match (rule.as_str(), &detail) {
                    ("mailmap", Some(repo)) => conn
                        .query_row(
                            "SELECT name FROM repositories WHERE repo_id = ?1",
                            [repo],
                            |r| r.get::<_, String>(0),
                        )
                        .optional()
                        .map_err(&err)?
                        .or_else(|| detail.clone()),
                    _ => detail.clone(),
                };
                let explanation = Rule::parse(&rule)
                    .map(|r| r.explain(via.as_deref(), shown_detail.as_deref()))
                    .unwrap_or_else(|| format!("rule `{rule}`"));
                evidence.push(AliasEvidence {
                    alias,
                    name,
                    email,
                    commits: r.get::<_, i64>(5).map_err(&err)? as u64,
                    rule,
                    via,
                    detail,
                    explanation,
                    decided_by_event: r.get::<_, i64>(4).map_err(&err)? as u64,
                });
            }
            // Most commits first, ties in the order that names the identity.
            evidence
                .sort_by(|a, b| book.naming_order((&a.alias, a.commits), (&b.alias, b.commits)));
            let mailmap_links = link_evidence(conn, &book, &id).map_err(&err)?;
            details.push(IdentityDetail {
                row,
                alias_evidence: evidence,
                mailmap_links,
            });
        }
        Ok(details)
    }
}

#[cfg(test)]
mod tests {
    use devspm_core::Attachment;

    use crate::testing::{commit_event, seeded};
    use devspm_ledger::EventLog;

    #[test]
    fn a_sealed_record_moved_to_another_alias_does_not_open() {
        let mut store = seeded();
        let mut other = commit_event("c9", &["c3"]);
        other.attachments[1] = Attachment::AliasPii {
            alias: "a_2".into(),
            name: b"Bo".to_vec(),
            email: b"bo@example.org".to_vec(),
        };
        store.append(vec![other]).unwrap();
        store
            .connection()
            .execute_batch(
                "UPDATE alias_pii SET alias_id = 'tmp' WHERE alias_id = 'a_1';
                 UPDATE alias_pii SET alias_id = 'a_1' WHERE alias_id = 'a_2';
                 UPDATE alias_pii SET alias_id = 'a_2' WHERE alias_id = 'tmp';",
            )
            .unwrap();
        assert!(store.alias_personal_data("a_1").unwrap().is_none());
        assert!(store.alias_personal_data("a_2").unwrap().is_none());
    }
}
