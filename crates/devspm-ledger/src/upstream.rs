//! The seam between a local replica and the ledger's system of record (PostgreSQL for a team):
//! backend-neutral, no database type in it.
//!
//! A store with an [`Upstream`] does not chain events itself. It hands each batch of new events
//! (their personal data already sealed here, by the ledger's own `pii` code) to the upstream,
//! which appends them under its own lock, idempotent on keys, and chains them, and hands back
//! what it stored ([`Appended`]): the events as stored, with the contents and sealed personal
//! data stored with them, and its head before them. The replica [pulls](Upstream::pull) only
//! what it has not seen before those events (another host's, appended in between), so with one
//! writer an append is one round trip; it checks each hash with the shared chain code and
//! inserts the events verbatim (same sequence numbers, times and hashes), in order, projecting
//! them as it goes. So the replica is a byte-identical prefix of the upstream's
//! event log plus the projections SQLite derives from it, and it is never ahead of the upstream.

use devspm_core::{Attachment, NewEvent, StoredEvent};

use crate::audit::StoredCheckpoint;
use crate::checkpoint::Checkpoint;
use crate::{AppendSummary, LedgerError};

/// The `ledger_meta` values every replica shares through the upstream: the secret-hashing key
/// (absent when kept outside the ledger) and its check value.
pub const SHARED: [&str; 2] = ["secret_hash_key", "secret_key_check"];

/// The personal data of one alias, sealed by the replica (ChaCha20-Poly1305 under a key of its
/// own): what the upstream keeps, and returns to every replica. The upstream never sees the
/// plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedPii {
    pub alias: String,
    /// The 256-bit key the record is sealed with (kept apart from the record: erasing the key
    /// shreds the record).
    pub key: Vec<u8>,
    pub nonce: Vec<u8>,
    pub sealed: Vec<u8>,
}

/// What an erasure (`identities forget`) removes beside its event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erasure {
    /// Aliases whose sealed personal data and keys are deleted.
    pub aliases: Vec<String>,
    /// Content addresses (commit messages) deleted.
    pub contents: Vec<String>,
}

/// A new event on its way to the upstream: the fields it is hashed from (the upstream chooses
/// its sequence number and time) and what travels with it outside the chain.
#[derive(Clone, Debug)]
pub struct OutgoingEvent {
    pub key: String,
    pub kind: String,
    pub actor: String,
    pub subject: String,
    /// The payload as compact JSON: exactly what is hashed and stored.
    pub payload: String,
    /// `(sha256, bytes)` of contents the event refers to.
    pub contents: Vec<(String, Vec<u8>)>,
    pub pii: Vec<SealedPii>,
    pub erasure: Option<Erasure>,
}

/// Stored events after a replica's head, with what they need beside the chain.
#[derive(Clone, Debug, Default)]
pub struct Pulled {
    /// In sequence order, as the upstream stored them.
    pub events: Vec<StoredEvent>,
    /// `(sha256, bytes)` of contents recorded with these events (erased ones are absent).
    pub contents: Vec<(String, Vec<u8>)>,
    /// Sealed personal data recorded with these events (erased ones are absent).
    pub pii: Vec<SealedPii>,
}

/// What an upstream's [append](Upstream::append) hands back to the replica.
#[derive(Clone, Debug, Default)]
pub struct Appended {
    /// What the upstream decided (events appended, keys already recorded).
    pub summary: AppendSummary,
    /// The upstream's head (its last sequence number, 0 for none) when the append took its
    /// lock: the events up to it are older than this append's, and those after the replica's
    /// head are another writer's, which the replica pulls. `None` when the upstream was not
    /// asked (nothing to send).
    pub after: Option<u64>,
    /// The events this append stored, in order, as stored (sequence numbers from `after + 1`),
    /// with the contents and sealed personal data stored with them and still held once it
    /// committed; `None` when the upstream kept them to itself (too many to hand back at once:
    /// the replica then pulls everything after its head).
    pub stored: Option<Pulled>,
}

/// The ledger's system of record, as a replica sees it.
pub trait Upstream: Send {
    /// Where it is, for messages (a URL without its password).
    fn location(&self) -> &str;

    /// Appends `events` in one transaction of the upstream (all or nothing: the first error
    /// from the source rolls everything back), idempotent on their keys, chained after the
    /// upstream's head; returns, once committed, what was stored and after which head.
    fn append(
        &mut self,
        events: &mut dyn Iterator<Item = Result<OutgoingEvent, LedgerError>>,
    ) -> Result<Appended, LedgerError>;

    /// Up to `limit` stored events after sequence number `after`, in order, with the contents
    /// and sealed personal data recorded with them.
    fn pull(&mut self, after: u64, limit: usize) -> Result<Pulled, LedgerError>;

    /// The hash of the stored event `seq`, if there is one.
    fn hash_at(&mut self, seq: u64) -> Result<Option<String>, LedgerError>;

    /// Values kept beside the chain and shared by every replica (the secret-hashing key and
    /// its check value), read together (one snapshot).
    fn shared(&mut self, names: &[&str]) -> Result<Vec<Option<String>>, LedgerError>;

    /// Sets shared values, all of them only if none is set yet; returns the values of
    /// [`SHARED`] that hold (another host's, when it set some first), read together.
    fn share(&mut self, values: &[(&str, &str)]) -> Result<Vec<Option<String>>, LedgerError>;

    /// Completion markers of analyzers (`analyzed:<analyzer>:<repo>` → state): what they say
    /// is a fact every host reads alike (posture counts a repository the secret detector ran on
    /// as searched), so they are kept upstream. Those whose name starts with `prefix`.
    fn markers(&mut self, prefix: &str) -> Result<Vec<(String, String)>, LedgerError>;

    /// Records a completion marker (replacing its state).
    fn set_marker(&mut self, name: &str, value: &str) -> Result<(), LedgerError>;

    /// The signed checkpoints recorded upstream, in order of their ids.
    fn checkpoints(&mut self) -> Result<Vec<StoredCheckpoint>, LedgerError>;

    /// Records a signed checkpoint upstream; returns its id there.
    fn record_checkpoint(
        &mut self,
        checkpoint: &Checkpoint,
        note: &str,
        key_name: &str,
        verifier: &str,
    ) -> Result<u64, LedgerError>;

    /// Deletes a shared value.
    fn unshare(&mut self, name: &str) -> Result<(), LedgerError>;
}

/// A new event as an upstream takes it: its personal data sealed here, by the ledger's own
/// `pii` code, so that no backend sees it in the clear or seals it differently.
pub fn outgoing(event: NewEvent) -> OutgoingEvent {
    let mut out = OutgoingEvent {
        kind: event.kind.as_str().to_owned(),
        key: event.key,
        actor: event.actor,
        subject: event.subject,
        payload: event.payload_json,
        contents: Vec::new(),
        pii: Vec::new(),
        erasure: None,
    };
    for attachment in event.attachments {
        match attachment {
            Attachment::Content { sha256, bytes } => out.contents.push((sha256, bytes)),
            Attachment::AliasPii { alias, name, email } => {
                let sealed = crate::pii::seal(&alias, &name, &email);
                out.pii.push(SealedPii {
                    alias,
                    key: sealed.key.to_vec(),
                    nonce: sealed.nonce.to_vec(),
                    sealed: sealed.ciphertext,
                });
            }
            Attachment::Erasure { aliases, contents } => {
                let erasure = out.erasure.get_or_insert_with(Erasure::default);
                erasure.aliases.extend(aliases);
                erasure.contents.extend(contents);
            }
        }
    }
    out
}
