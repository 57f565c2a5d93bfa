//! Checks that the projections (the tables every view and every `--fail-on` gate reads) are
//! exactly what the events say.
//!
//! The hash chain proves the events were not altered; it says nothing of the projection
//! tables beside it, which anyone holding the file can edit — mark every finding `fixed`, and
//! a CI gate that reads `findings` passes while the chain still verifies. So verification also
//! replays every event, through the same `projection::apply` that appends and `rebuild` use,
//! into a private temporary database, and compares each projection table with its replay row
//! by row, in one read snapshot of the ledger. The first difference is named: the table, the
//! row (by its key) and the columns that differ.
//!
//! [`Projections`] on SQLite is here too: the check, and `rebuild`, which empties the
//! projection tables and replays every event into them in one transaction.

use std::cmp::Ordering;

use devspm_core::event::EventKind;
use rusqlite::types::Value;
use rusqlite::{Connection, TransactionBehavior};

use super::error::map_sql_error;
use devspm_ledger::{LedgerError, ProjectionProblem, ProjectionReport, Projections};

use crate::SqliteStore;
use crate::projection;

/// Replays every event of `source` into `target`'s projection tables, in sequence order.
pub(crate) fn replay_events(
    source: &Connection,
    target: &Connection,
    path: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, LedgerError> {
    let err = |e| map_sql_error(path, e);
    let mut stmt = source
        .prepare("SELECT seq, kind, payload FROM events ORDER BY seq")
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    let mut replayed = 0u64;
    while let Some(row) = rows.next().map_err(err)? {
        let seq = row.get::<_, i64>(0).map_err(err)? as u64;
        let kind: String = row.get(1).map_err(err)?;
        let payload: String = row.get(2).map_err(err)?;
        let Some(kind) = EventKind::parse(&kind) else {
            return Err(LedgerError::BadEvent {
                path: path.to_owned(),
                seq,
                reason: format!("unknown event kind `{kind}`"),
            });
        };
        let value =
            devspm_core::Payload::from_json(kind, &payload).map_err(|e| LedgerError::BadEvent {
                path: path.to_owned(),
                seq,
                reason: e.to_string(),
            })?;
        projection::apply(target, seq, &value).map_err(err)?;
        replayed += 1;
        if replayed.is_multiple_of(10_000) {
            progress(replayed);
        }
    }
    Ok(replayed)
}

/// Compares every projection table of `conn` with a replay of its events.
pub(crate) fn check(
    conn: &Connection,
    path: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<ProjectionReport, LedgerError> {
    let err = |e| map_sql_error(path, e);
    // Events and projections from one snapshot: a concurrent append changes neither.
    let snapshot = conn.unchecked_transaction().map_err(err)?;
    // A private temporary database (an empty file name): on disk, deleted when closed.
    let mut replay = Connection::open("").map_err(err)?;
    replay
        .execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;",
        )
        .map_err(err)?;
    // The projection tables as this database defines them, then their indexes (the unique
    // ones are what `apply`'s upserts rely on).
    let mut schema: Vec<(String, String)> = Vec::new();
    {
        let mut stmt = conn
            .prepare(
                "SELECT type, tbl_name, sql FROM sqlite_master
                 WHERE type IN ('table', 'index') AND sql IS NOT NULL
                 ORDER BY type = 'index', rowid",
            )
            .map_err(err)?;
        let mut rows = stmt.query([]).map_err(err)?;
        while let Some(row) = rows.next().map_err(err)? {
            let table: String = row.get(1).map_err(err)?;
            if projection::TABLES.contains(&table.as_str()) {
                schema.push((table, row.get(2).map_err(err)?));
            }
        }
    }
    for (_, sql) in &schema {
        replay.execute_batch(sql).map_err(err)?;
    }
    let events_replayed = {
        let tx = replay.transaction().map_err(err)?;
        let n = replay_events(&snapshot, &tx, path, progress)?;
        tx.commit().map_err(err)?;
        n
    };
    let mut report = ProjectionReport {
        events_replayed,
        ..ProjectionReport::default()
    };
    for table in projection::TABLES {
        report.tables_checked += 1;
        let (rows, problem) = compare_table(&snapshot, &replay, table).map_err(err)?;
        report.rows_checked += rows;
        if problem.is_some() {
            report.problem = problem;
            break;
        }
    }
    drop(snapshot);
    Ok(report)
}

/// A table's columns, and which of them identify a row.
struct Shape {
    columns: Vec<String>,
    key: Vec<usize>,
}

fn shape(conn: &Connection, table: &str) -> rusqlite::Result<Shape> {
    let mut columns = Vec::new();
    let mut pk: Vec<(i64, usize)> = Vec::new();
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let name: String = row.get(1)?;
        let position: i64 = row.get(5)?;
        if position > 0 {
            pk.push((position, columns.len()));
        }
        columns.push(name);
    }
    pk.sort();
    let mut key: Vec<usize> = pk.into_iter().map(|(_, i)| i).collect();
    if key.is_empty() {
        // The first unique index the schema declares.
        let mut stmt = conn.prepare(&format!("PRAGMA index_list({table})"))?;
        let unique: Vec<String> = stmt
            .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
            .filter_map(Result::ok)
            .filter(|(_, unique)| *unique == 1)
            .map(|(name, _)| name)
            .collect();
        if let Some(index) = unique.last() {
            let mut stmt = conn.prepare(&format!("PRAGMA index_info({index})"))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let name: String = row.get(2)?;
                if let Some(i) = columns.iter().position(|c| *c == name) {
                    key.push(i);
                }
            }
        }
    }
    if key.is_empty() {
        key = (0..columns.len()).collect();
    }
    Ok(Shape { columns, key })
}

/// Compares one table row by row (both sides sorted by key, then every other column).
fn compare_table(
    ledger: &Connection,
    replay: &Connection,
    table: &str,
) -> rusqlite::Result<(u64, Option<ProjectionProblem>)> {
    let shape = shape(ledger, table)?;
    let mut order: Vec<usize> = shape.key.clone();
    order.extend((0..shape.columns.len()).filter(|i| !shape.key.contains(i)));
    let select = format!(
        "SELECT {} FROM {table} ORDER BY {}",
        shape
            .columns
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", "),
        order
            .iter()
            .map(|&i| format!("\"{}\"", shape.columns[i]))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let width = shape.columns.len();
    let mut left = ledger.prepare(&select)?;
    let mut right = replay.prepare(&select)?;
    let mut left_rows = left.query([])?;
    let mut right_rows = right.query([])?;
    let read = |row: Option<&rusqlite::Row<'_>>| -> rusqlite::Result<Option<Vec<Value>>> {
        row.map(|r| (0..width).map(|i| r.get::<_, Value>(i)).collect())
            .transpose()
    };
    let mut ours = read(left_rows.next()?)?;
    let mut theirs = read(right_rows.next()?)?;
    let mut checked = 0u64;
    loop {
        let problem = match (&ours, &theirs) {
            (None, None) => return Ok((checked, None)),
            (Some(a), Some(b)) => match compare_keys(a, b, &shape.key) {
                Ordering::Equal if a == b => {
                    checked += 1;
                    ours = read(left_rows.next()?)?;
                    theirs = read(right_rows.next()?)?;
                    continue;
                }
                Ordering::Equal => differing(table, &shape, a, b),
                Ordering::Less => extra(table, &shape, a),
                Ordering::Greater => missing(table, &shape, b),
            },
            (Some(a), None) => extra(table, &shape, a),
            (None, Some(b)) => missing(table, &shape, b),
        };
        return Ok((checked, Some(problem)));
    }
}

fn differing(table: &str, shape: &Shape, ours: &[Value], theirs: &[Value]) -> ProjectionProblem {
    let row = describe_key(shape, ours);
    let columns: Vec<String> = (0..shape.columns.len())
        .filter(|&i| ours[i] != theirs[i])
        .map(|i| {
            format!(
                "{} is {} in the database but {} from the events",
                shape.columns[i],
                show(&ours[i]),
                show(&theirs[i])
            )
        })
        .collect();
    ProjectionProblem {
        table: table.to_owned(),
        problem: format!(
            "projection {table} does not match the events: row {row}: {} (changed behind the ledger's back; `devspm rebuild` restores it from the events)",
            columns.join("; ")
        ),
        row,
    }
}

fn extra(table: &str, shape: &Shape, ours: &[Value]) -> ProjectionProblem {
    let row = describe_key(shape, ours);
    ProjectionProblem {
        table: table.to_owned(),
        problem: format!(
            "projection {table} does not match the events: row {row} is in the database but no event made it (added behind the ledger's back; `devspm rebuild` removes it)"
        ),
        row,
    }
}

fn missing(table: &str, shape: &Shape, theirs: &[Value]) -> ProjectionProblem {
    let row = describe_key(shape, theirs);
    ProjectionProblem {
        table: table.to_owned(),
        problem: format!(
            "projection {table} does not match the events: row {row} is missing from the database although the events make it (deleted behind the ledger's back; `devspm rebuild` restores it)"
        ),
        row,
    }
}

fn describe_key(shape: &Shape, row: &[Value]) -> String {
    shape
        .key
        .iter()
        .map(|&i| format!("{}={}", shape.columns[i], show(&row[i])))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value as SQL would write it, cut short.
fn show(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_owned(),
        Value::Integer(n) => n.to_string(),
        Value::Real(x) => x.to_string(),
        Value::Text(t) => {
            let cut: String = t.chars().take(80).collect();
            if cut.len() < t.len() {
                format!("'{cut}…'")
            } else {
                format!("'{cut}'")
            }
        }
        Value::Blob(b) => {
            let hex: String = b.iter().take(16).map(|x| format!("{x:02x}")).collect();
            format!("x'{hex}{}'", if b.len() > 16 { "…" } else { "" })
        }
    }
}

/// Orders two rows by their key columns the way SQLite's ORDER BY does (NULL, numbers, text,
/// blobs; text and blobs bytewise).
fn compare_keys(a: &[Value], b: &[Value], key: &[usize]) -> Ordering {
    key.iter()
        .map(|&i| compare_values(&a[i], &b[i]))
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn class(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }
    fn number(v: &Value) -> f64 {
        match v {
            Value::Integer(n) => *n as f64,
            Value::Real(x) => *x,
            _ => 0.0,
        }
    }
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Blob(x), Value::Blob(y)) => x.cmp(y),
        _ if class(a) == 1 && class(b) == 1 => number(a).total_cmp(&number(b)),
        _ => class(a).cmp(&class(b)),
    }
}

impl Projections for SqliteStore {
    fn check_projections(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<devspm_ledger::ProjectionReport, LedgerError> {
        check(&self.conn, &self.path, progress)
    }

    fn rebuild(&mut self, progress: &mut dyn FnMut(u64)) -> Result<u64, LedgerError> {
        let err = self.sql_err();
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        for table in projection::TABLES {
            tx.execute(&format!("DELETE FROM {table}"), [])
                .map_err(&err)?;
        }
        let replayed = replay_events(&tx, &tx, &path, progress)?;
        tx.commit().map_err(&err)?;
        Ok(replayed)
    }
}

#[cfg(test)]
mod tests {
    use devspm_core::NewEvent;
    use devspm_core::event::AliasResolved;

    use crate::testing::seeded;
    use devspm_ledger::{EventLog, Identities, IngestState, Projections};

    #[test]
    fn rebuild_recreates_projections_from_events() {
        let mut store = seeded();
        store
            .append(vec![NewEvent::new(
                "alias/a_1/r1",
                "devspm:test",
                "dev_1",
                AliasResolved {
                    alias: "a_1".into(),
                    identity: "dev_1".into(),
                    rule: "first-alias".into(),
                    via: None,
                    detail: None,
                    resolver: 1,
                },
            )])
            .unwrap();
        let before = store.recorded_commits("r_1").unwrap();
        store
            .connection()
            .execute_batch("DELETE FROM commits; DELETE FROM aliases;")
            .unwrap();
        assert!(store.recorded_commits("r_1").unwrap().commits.is_empty());
        assert_eq!(store.rebuild(&mut |_| {}).unwrap(), 5);
        let after = store.recorded_commits("r_1").unwrap();
        assert_eq!(before.commits, after.commits);
        assert_eq!(
            store.resolver_state().unwrap().current["a_1"].identity,
            "dev_1"
        );
    }
}
