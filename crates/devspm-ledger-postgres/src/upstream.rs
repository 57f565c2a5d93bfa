//! The PostgreSQL ledger as the system of record of each host's SQLite replica
//! ([`devspm_ledger::upstream::Upstream`]): appends that hand back what they stored (see
//! `append`), pulls of stored events with
//! the contents and sealed personal data stored since, the hash of one event (how a replica
//! knows it is a prefix of this chain), the values every replica shares (the secret-hashing
//! key and its check value), and the ledger's id, which names the replica files.

use devspm_core::StoredEvent;
use devspm_ledger::checkpoint::Checkpoint;
use devspm_ledger::upstream::{Appended, OutgoingEvent, Pulled, SealedPii, Upstream};
use devspm_ledger::{AuditStore, EventLog, LedgerError, StoredCheckpoint};

use crate::{PgStore, append, read_meta};

impl PgStore {
    /// The ledger's own random id (made when its schema was created), which names each host's
    /// replica of it.
    pub fn ledger_id(&self) -> Result<String, LedgerError> {
        let id = self.with(|c| read_meta(c, "ledger_id"))?;
        id.ok_or_else(|| LedgerError::Refused {
            path: self.location.clone(),
            reason: "its ledger_meta has no ledger_id; open it once for writing with this devspm to give it one".into(),
        })
    }

    /// Copies sealed personal data as another ledger stored it (`devspm migrate`): an alias
    /// that has a record keeps it. Returns the records copied.
    pub fn copy_personal_data(&mut self, pii: &[SealedPii]) -> Result<u64, LedgerError> {
        let location = self.location.clone();
        let mut client = self.client.borrow_mut();
        let run = |client: &mut postgres::Client| -> Result<u64, postgres::Error> {
            let before: i64 = client
                .query_one("SELECT count(*) FROM alias_pii", &[])?
                .get(0);
            let mut tx = client.transaction()?;
            append::store_pii(&mut tx, pii, 1)?;
            tx.commit()?;
            let after: i64 = client
                .query_one("SELECT count(*) FROM alias_pii", &[])?
                .get(0);
            Ok((after - before) as u64)
        };
        run(&mut client).map_err(|e| crate::error::map(&location, e))
    }
}

/// The advisory lock key that serialises changes of shared values ("dspm" and 2).
const SHARE_LOCK: i64 = 0x6473_706d_0000_0002;

/// `ledger_meta` values of `names`, in one statement (one snapshot).
fn read_all(
    c: &mut impl postgres::GenericClient,
    names: &[&str],
) -> Result<Vec<Option<String>>, postgres::Error> {
    let rows = c.query(
        "SELECT name, value FROM ledger_meta WHERE name = ANY($1)",
        &[&names],
    )?;
    Ok(names
        .iter()
        .map(|n| {
            rows.iter()
                .find(|r| r.get::<_, &str>(0) == *n)
                .map(|r| r.get(1))
        })
        .collect())
}

impl Upstream for PgStore {
    fn location(&self) -> &str {
        &self.location
    }

    fn append(
        &mut self,
        events: &mut dyn Iterator<Item = Result<OutgoingEvent, LedgerError>>,
    ) -> Result<Appended, LedgerError> {
        append::append(self, events, true)
    }

    fn pull(&mut self, after: u64, limit: usize) -> Result<Pulled, LedgerError> {
        let events: Vec<StoredEvent> = EventLog::events(self, None, after, limit)?;
        // Rows stored with the events of this page; after the last page, every row stored
        // since (an append that stored rows but no event numbers them past the head).
        let upto = match events.last() {
            Some(last) if events.len() >= limit => last.seq as i64,
            _ => i64::MAX,
        };
        let after = after as i64;
        self.with(|c| {
            let contents = c
                .query(
                    "SELECT sha256, bytes FROM contents
                     WHERE added_seq > $1 AND added_seq <= $2 AND bytes IS NOT NULL",
                    &[&after, &upto],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let pii = c
                .query(
                    "SELECT p.alias_id, k.key, p.nonce, p.sealed FROM alias_pii p
                     JOIN pii_keys k ON k.key_id = p.key_id
                     WHERE p.added_seq > $1 AND p.added_seq <= $2",
                    &[&after, &upto],
                )?
                .iter()
                .map(|r| SealedPii {
                    alias: r.get(0),
                    key: r.get(1),
                    nonce: r.get(2),
                    sealed: r.get(3),
                })
                .collect();
            Ok(Pulled {
                events,
                contents,
                pii,
            })
        })
    }

    fn hash_at(&mut self, seq: u64) -> Result<Option<String>, LedgerError> {
        self.with(|c| {
            Ok(
                c.query_opt("SELECT hash FROM events WHERE seq = $1", &[&(seq as i64)])?
                    .map(|r| r.get(0)),
            )
        })
    }

    fn shared(&mut self, names: &[&str]) -> Result<Vec<Option<String>>, LedgerError> {
        self.with(|c| read_all(c, names))
    }

    fn share(&mut self, values: &[(&str, &str)]) -> Result<Vec<Option<String>>, LedgerError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            // The rows go in together or not at all: another host's key never gets this
            // host's check value.
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SHARE_LOCK])?;
            let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
            if read_all(&mut tx, &names)?.iter().all(Option::is_none) {
                for (name, value) in values {
                    tx.execute(
                        "INSERT INTO ledger_meta (name, value) VALUES ($1, $2)",
                        &[name, value],
                    )?;
                }
            }
            tx.commit()?;
            read_all(c, &devspm_ledger::upstream::SHARED)
        })
    }

    fn markers(&mut self, prefix: &str) -> Result<Vec<(String, String)>, LedgerError> {
        self.with(|c| {
            Ok(c.query(
                "SELECT name, value FROM ledger_meta WHERE starts_with(name, $1) ORDER BY name",
                &[&prefix],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    fn set_marker(&mut self, name: &str, value: &str) -> Result<(), LedgerError> {
        self.set_meta(name, Some(value))
    }

    fn checkpoints(&mut self) -> Result<Vec<StoredCheckpoint>, LedgerError> {
        AuditStore::checkpoints(self)
    }

    fn record_checkpoint(
        &mut self,
        checkpoint: &Checkpoint,
        note: &str,
        key_name: &str,
        verifier: &str,
    ) -> Result<u64, LedgerError> {
        AuditStore::record_checkpoint(self, checkpoint, note, key_name, verifier)
    }

    fn unshare(&mut self, name: &str) -> Result<(), LedgerError> {
        self.set_meta(name, None)
    }
}
