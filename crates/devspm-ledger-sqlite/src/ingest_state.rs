//! What ingest reads from an SQLite ledger to record only what is new ([`IngestState`]): a
//! repository's refs and recorded gaps, its recorded commits, the known aliases with their
//! personal data, the `.mailmap` links already recorded with their line, the commit that first
//! added a file, and a repository found by locator or name.

use std::collections::HashMap;

use devspm_core::bytes::GitBytes;
use devspm_core::identity::AliasBook;
use rusqlite::{OptionalExtension, params};

use super::store::SqliteStore;
use crate::pii::PiiBook;
use devspm_ledger::{IngestState, LedgerError, RecordedCommits, RepositoryState};

impl IngestState for SqliteStore {
    fn repository_state(&self, repo_id: &str) -> Result<RepositoryState, LedgerError> {
        let err = self.sql_err();
        let registered = self
            .conn
            .prepare_cached("SELECT 1 FROM repositories WHERE repo_id = ?1")
            .and_then(|mut s| s.exists([repo_id]))
            .map_err(&err)?;
        let mut refs = Vec::new();
        let mut stmt = self
            .conn
            .prepare("SELECT name, target FROM refs WHERE repo_id = ?1 ORDER BY name")
            .map_err(&err)?;
        let mut rows = stmt.query([repo_id]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            refs.push((
                GitBytes(row.get(0).map_err(&err)?),
                row.get(1).map_err(&err)?,
            ));
        }
        let mut gaps = std::collections::HashSet::new();
        let mut stmt = self
            .conn
            .prepare("SELECT what || '/' || object FROM ingest_gaps WHERE repo_id = ?1")
            .map_err(&err)?;
        let mut rows = stmt.query([repo_id]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            gaps.insert(row.get(0).map_err(&err)?);
        }
        Ok(RepositoryState {
            registered,
            refs,
            gaps,
        })
    }

    fn recorded_commits(&self, repo_id: &str) -> Result<RecordedCommits, LedgerError> {
        let err = self.sql_err();
        let mut commits = HashMap::new();
        let mut lost = std::collections::HashSet::new();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT sha, parents, unreachable_seq IS NOT NULL FROM commits WHERE repo_id = ?1",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([repo_id]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let sha: String = row.get(0).map_err(&err)?;
            let parents: String = row.get(1).map_err(&err)?;
            if row.get::<_, bool>(2).map_err(&err)? {
                lost.insert(sha.clone());
            }
            commits.insert(sha, parents.split_whitespace().map(str::to_owned).collect());
        }
        Ok(RecordedCommits { commits, lost })
    }

    fn alias_book(&self) -> Result<AliasBook, LedgerError> {
        let book = PiiBook::load(&self.conn).map_err(self.sql_err())?;
        Ok(AliasBook::new(
            book.entries
                .into_iter()
                .map(|(alias, (name, email))| (alias, name, email)),
        ))
    }

    fn mailmap_links_with_lines(
        &self,
        repo_id: &str,
    ) -> Result<std::collections::HashSet<(String, String)>, LedgerError> {
        self.conn
            .prepare(
                "SELECT l.alias_id, l.canonical FROM alias_links l JOIN events e ON e.seq = l.seq
                 WHERE l.source = 'mailmap' AND l.repo_id = ?1
                   AND json_extract(e.payload, '$.line') IS NOT NULL",
            )
            .and_then(|mut s| {
                s.query_map([repo_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()
            })
            .map_err(self.sql_err())
    }

    fn first_commit_adding(
        &self,
        repo_id: &str,
        path: &str,
    ) -> Result<Option<(String, String)>, LedgerError> {
        self.conn
            .query_row(
                "SELECT c.sha, c.author_alias FROM commit_files f
                 JOIN commits c ON c.repo_id = f.repo_id AND c.sha = f.sha
                 WHERE f.repo_id = ?1 AND f.path = ?2 AND f.change IN ('added', 'renamed', 'copied')
                 ORDER BY c.author_time, c.seq LIMIT 1",
                params![repo_id, path],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.sql_err())
    }

    fn find_repository(&self, locator_or_name: &str) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row(
                "SELECT repo_id FROM repositories WHERE locator = ?1 OR repo_id = ?1 OR name = ?1
                 ORDER BY locator = ?1 DESC LIMIT 1",
                [locator_or_name],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql_err())
    }
}
