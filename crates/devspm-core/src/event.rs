//! Events: the unit of devspm's record, and the payloads of the kinds the foundation writes.
//!
//! An event is `{seq, key, kind, at, actor, subject, payload, prev_hash, hash}`. Collectors build a
//! [`NewEvent`] (no seq, no time, no hashes); the ledger assigns those when it appends. The `key`
//! is a natural key (`commit/<repo>/<sha>`) that makes appending idempotent.
//!
//! Personal data never enters a hashed payload: people appear as alias ids, and names and e-mails
//! travel beside the event as [`Attachment::AliasPii`], which the ledger seals under a key of its
//! own in an erasable table. Commit messages (which carry names in trailers and merge subjects)
//! travel as [`Attachment::Content`]: the payload commits to the message's SHA-256, the bytes live
//! outside the chain and can be redacted (by an [`IdentityForgotten`] event) without breaking it.
//!
//! The hash of an event is defined by [`chain_hash`]; `docs/ledger.md` restates it so that an
//! auditor can recompute it in another language.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bytes::GitBytes;
use crate::commit::SignatureKind;
pub use crate::finding::{
    Attribution, FindingRecorded, FindingTriaged, FindingsImported, ImportWithdrawn,
};
pub use crate::signal::Signal;

/// What kind of fact an event records. Stored as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A repository was seen for the first time ([`RepositoryRegistered`]).
    RepositoryRegistered,
    /// A commit was recorded ([`CommitRecorded`]).
    CommitRecorded,
    /// A ref pointed at a new target when ingest ran ([`RefUpdated`]).
    RefUpdated,
    /// A ref that existed at the previous ingest is gone ([`RefDeleted`]).
    RefDeleted,
    /// A ref's previous tip is no longer reachable from its new tip ([`HistoryRewritten`]).
    HistoryRewritten,
    /// Something in a repository could not be read; ingest went on ([`IngestGap`]).
    IngestGap,
    /// Two aliases are the same person according to a source such as `.mailmap` ([`AliasLinked`]).
    AliasLinked,
    /// A developer, agent or bot identity exists ([`IdentityRegistered`]).
    IdentityRegistered,
    /// An alias was resolved to an identity, with the rule that did it ([`AliasResolved`]).
    AliasResolved,
    /// Identity resolution judged a `.mailmap` link that joins separate histories: applied,
    /// contested (not applied), confirmed by the configuration … ([`AliasLinkJudged`]).
    AliasLinkJudged,
    /// An AI agent took part in a commit ([`AiInvolvement`]).
    AiInvolvement,
    /// A tool (AI instructions, agent settings, an MCP server …) is configured in a repository
    /// ([`ToolSeen`]).
    ToolSeen,
    /// Lines of a file in a commit were written by an AI agent, per a line-level record such as
    /// a git-ai note ([`AiLines`]).
    AiLines,
    /// A scanner finding seen for the first time ([`FindingRecorded`]).
    FindingRecorded,
    /// One import of a scanner's results: the findings seen, fixed and reopened
    /// ([`FindingsImported`]).
    FindingsImported,
    /// Who or what introduced a finding, with method, confidence and evidence ([`Attribution`]).
    Attribution,
    /// A person's personal data was erased (`devspm identities forget`): keys shredded, the
    /// stored messages naming them redacted ([`IdentityForgotten`]).
    IdentityForgotten,
    /// A tool seen on a developer's workstation by `devspm tools scan`: an editor or browser
    /// extension, an AI CLI, an MCP server, a plaintext credential file … ([`WorkstationToolSeen`]).
    WorkstationToolSeen,
    /// Advisory data was loaded (`devspm advisories import`): its source, date and counts
    /// ([`AdvisoriesImported`]).
    AdvisoriesImported,
    /// A developer committed past a blocking pre-commit check (`DEVSPM_ALLOW=1`): what was
    /// overridden, by whom ([`HookOverride`]).
    HookOverride,
    /// An import recorded by mistake was withdrawn (`devspm import --undo`): the findings only
    /// it saw are withdrawn and the ones it fixed or reopened stand where they stood before it
    /// ([`ImportWithdrawn`]). Nothing is deleted from the ledger.
    ImportWithdrawn,
    /// Someone triaged a finding: false positive, accepted risk, won't fix, or open again
    /// ([`FindingTriaged`]).
    FindingTriaged,
    /// An insider-threat rule of `devspm-posture` observed something about an identity: what,
    /// the evidence and the baseline it deviates from ([`crate::signal::Signal`]).
    Signal,
}

impl EventKind {
    /// Every kind, for help texts and validation.
    pub const ALL: [EventKind; 23] = [
        EventKind::RepositoryRegistered,
        EventKind::CommitRecorded,
        EventKind::RefUpdated,
        EventKind::RefDeleted,
        EventKind::HistoryRewritten,
        EventKind::IngestGap,
        EventKind::AliasLinked,
        EventKind::IdentityRegistered,
        EventKind::AliasResolved,
        EventKind::AliasLinkJudged,
        EventKind::AiInvolvement,
        EventKind::ToolSeen,
        EventKind::AiLines,
        EventKind::FindingRecorded,
        EventKind::FindingsImported,
        EventKind::Attribution,
        EventKind::IdentityForgotten,
        EventKind::WorkstationToolSeen,
        EventKind::AdvisoriesImported,
        EventKind::HookOverride,
        EventKind::ImportWithdrawn,
        EventKind::FindingTriaged,
        EventKind::Signal,
    ];

    /// The stored name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RepositoryRegistered => "repository_registered",
            EventKind::CommitRecorded => "commit_recorded",
            EventKind::RefUpdated => "ref_updated",
            EventKind::RefDeleted => "ref_deleted",
            EventKind::HistoryRewritten => "history_rewritten",
            EventKind::IngestGap => "ingest_gap",
            EventKind::AliasLinked => "alias_linked",
            EventKind::IdentityRegistered => "identity_registered",
            EventKind::AliasResolved => "alias_resolved",
            EventKind::AliasLinkJudged => "alias_link_judged",
            EventKind::AiInvolvement => "ai_involvement",
            EventKind::ToolSeen => "tool_seen",
            EventKind::AiLines => "ai_lines",
            EventKind::FindingRecorded => "finding_recorded",
            EventKind::FindingsImported => "findings_imported",
            EventKind::Attribution => "attribution",
            EventKind::IdentityForgotten => "identity_forgotten",
            EventKind::WorkstationToolSeen => "workstation_tool_seen",
            EventKind::AdvisoriesImported => "advisories_imported",
            EventKind::HookOverride => "hook_override",
            EventKind::ImportWithdrawn => "import_withdrawn",
            EventKind::FindingTriaged => "finding_triaged",
            EventKind::Signal => "signal",
        }
    }

    /// Parses a stored kind name.
    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Data that travels with an event but is stored outside the hash chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attachment {
    /// Bytes addressed by their SHA-256 (hex), e.g. a commit message.
    Content { sha256: String, bytes: Vec<u8> },
    /// The personal data behind an alias id.
    AliasPii {
        alias: String,
        name: Vec<u8>,
        email: Vec<u8>,
    },
    /// Erase data kept outside the chain, in the transaction that appends the event recording
    /// the erasure (an [`IdentityForgotten`]): the keys and sealed records of these aliases, and
    /// the contents at these addresses.
    Erasure {
        aliases: Vec<String>,
        contents: Vec<String>,
    },
}

/// The typed content of an event: one variant per [`EventKind`].
///
/// Events travel typed from collectors to the ledger, so projections never re-parse what was
/// just built; the JSON text that is hashed and stored is rendered once, where the event is
/// made (often on a worker thread).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    RepositoryRegistered(RepositoryRegistered),
    CommitRecorded(Box<CommitRecorded>),
    RefUpdated(RefUpdated),
    RefDeleted(RefDeleted),
    HistoryRewritten(HistoryRewritten),
    IngestGap(IngestGap),
    AliasLinked(AliasLinked),
    IdentityRegistered(IdentityRegistered),
    AliasResolved(AliasResolved),
    AliasLinkJudged(AliasLinkJudged),
    AiInvolvement(AiInvolvement),
    ToolSeen(ToolSeen),
    AiLines(AiLines),
    FindingRecorded(Box<FindingRecorded>),
    FindingsImported(FindingsImported),
    Attribution(Box<Attribution>),
    IdentityForgotten(IdentityForgotten),
    WorkstationToolSeen(WorkstationToolSeen),
    AdvisoriesImported(AdvisoriesImported),
    HookOverride(HookOverride),
    ImportWithdrawn(ImportWithdrawn),
    FindingTriaged(FindingTriaged),
    Signal(Signal),
}

macro_rules! payload_kinds {
    ($($variant:ident),* $(,)?) => {
        impl Payload {
            /// The kind of event this payload makes.
            pub fn kind(&self) -> EventKind {
                match self {
                    $(Payload::$variant(_) => EventKind::$variant,)*
                }
            }

            /// Compact JSON text of the payload (the form that is hashed and stored).
            pub fn to_json(&self) -> String {
                // Our payload structs always serialise (no maps with non-string keys).
                match self {
                    $(Payload::$variant(p) => serde_json::to_string(p),)*
                }
                .expect("event payloads serialise to JSON")
            }

            /// Parses stored JSON text of an event of `kind`.
            pub fn from_json(kind: EventKind, json: &str) -> Result<Payload, serde_json::Error> {
                Ok(match kind {
                    $(EventKind::$variant => Payload::$variant(serde_json::from_str(json)?),)*
                })
            }
        }
    };
}

payload_kinds!(
    RepositoryRegistered,
    CommitRecorded,
    RefUpdated,
    RefDeleted,
    HistoryRewritten,
    IngestGap,
    AliasLinked,
    IdentityRegistered,
    AliasResolved,
    AliasLinkJudged,
    AiInvolvement,
    ToolSeen,
    AiLines,
    FindingRecorded,
    FindingsImported,
    Attribution,
    IdentityForgotten,
    WorkstationToolSeen,
    AdvisoriesImported,
    HookOverride,
    ImportWithdrawn,
    FindingTriaged,
    Signal,
);

macro_rules! into_payload {
    ($($variant:ident),* $(,)?) => {
        $(impl From<$variant> for Payload {
            fn from(p: $variant) -> Payload {
                Payload::$variant(p.into())
            }
        })*
    };
}

into_payload!(
    RepositoryRegistered,
    CommitRecorded,
    RefUpdated,
    RefDeleted,
    HistoryRewritten,
    IngestGap,
    AliasLinked,
    IdentityRegistered,
    AliasResolved,
    AliasLinkJudged,
    AiInvolvement,
    ToolSeen,
    AiLines,
    FindingRecorded,
    FindingsImported,
    Attribution,
    IdentityForgotten,
    WorkstationToolSeen,
    AdvisoriesImported,
    HookOverride,
    ImportWithdrawn,
    FindingTriaged,
    Signal,
);

/// An event as a collector or analyzer proposes it, before the ledger orders and hashes it.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub key: String,
    pub kind: EventKind,
    /// Who or what caused the fact: an alias id, an identity id, or `devspm:<component>`.
    pub actor: String,
    /// What the fact is about, e.g. `commit:<repo>/<sha>` or an identity id.
    pub subject: String,
    pub payload: Payload,
    /// `payload` as compact JSON: exactly what the ledger hashes and stores.
    pub payload_json: String,
    pub attachments: Vec<Attachment>,
}

impl NewEvent {
    /// Builds an event; its kind follows from the payload.
    pub fn new(
        key: impl Into<String>,
        actor: impl Into<String>,
        subject: impl Into<String>,
        payload: impl Into<Payload>,
    ) -> NewEvent {
        let payload = payload.into();
        NewEvent {
            key: key.into(),
            kind: payload.kind(),
            actor: actor.into(),
            subject: subject.into(),
            payload_json: payload.to_json(),
            payload,
            attachments: Vec::new(),
        }
    }

    /// Adds attachments.
    pub fn with_attachments(mut self, attachments: Vec<Attachment>) -> NewEvent {
        self.attachments = attachments;
        self
    }
}

/// An event as stored in the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub seq: u64,
    pub key: String,
    pub kind: String,
    /// When the ledger appended the event (RFC 3339, UTC).
    pub at: String,
    pub actor: String,
    pub subject: String,
    /// The payload exactly as hashed: compact JSON text.
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredEvent {
    /// Recomputes this event's hash from its fields and its `prev_hash`.
    pub fn computed_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.seq,
            [
                &self.key,
                &self.kind,
                &self.at,
                &self.actor,
                &self.subject,
                &self.payload,
            ],
        )
    }
}

/// The hash of the (empty) chain before the first event: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The event hash: SHA-256 over the domain tag `devspm-event-v1\0`, the previous hash (32 raw
/// bytes), the sequence number (u64 big-endian), then key, kind, at, actor, subject and payload,
/// each as a u32 big-endian byte length followed by its UTF-8 bytes. Length prefixes make the
/// encoding unambiguous; changing any field, the order or the predecessor changes the hash.
pub fn chain_hash(prev_hash: &str, seq: u64, fields: [&str; 6]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"devspm-event-v1\0");
    let prev = crate::hex::decode(prev_hash).unwrap_or_default();
    // A malformed stored prev_hash still hashes deterministically (and then fails verification).
    hasher.update(&prev);
    hasher.update(seq.to_be_bytes());
    for field in fields {
        hasher.update((field.len() as u32).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    crate::hex::encode(&hasher.finalize())
}

/// Payload of [`EventKind::IdentityForgotten`]: what `devspm identities forget` erased. Ids,
/// content addresses and counts only, never the erased data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityForgotten {
    /// The identity whose personal data was erased.
    pub identity: String,
    /// Its aliases whose keys and sealed records were deleted.
    pub aliases: Vec<String>,
    /// SHA-256 addresses of the stored contents (commit messages) deleted because they named
    /// the person. `audit verify` accepts exactly these as redacted.
    pub contents: Vec<String>,
    /// Encryption keys deleted.
    pub keys_deleted: u64,
}

/// A reference to bytes kept outside the chain.
///
/// `sha256` and `len` describe the bytes as stored. A commit message is stored with every secret
/// in it replaced (`redactions` says where, under which rule, with the keyed hash and preview of
/// each value — never the value) and cut at [`crate::text::MAX_MESSAGE_BYTES`] (`whole` gives the
/// length and SHA-256 of the whole redacted message). Both are absent from messages stored
/// whole and unchanged, so older payloads read and hash exactly as before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentRef {
    pub sha256: String,
    pub len: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redactions: Vec<Redaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whole: Option<crate::text::WholeText>,
}

impl ContentRef {
    /// The reference to `bytes` stored whole and unchanged.
    pub fn of(bytes: &[u8]) -> ContentRef {
        ContentRef {
            sha256: crate::ids::content_hash(bytes),
            len: bytes.len() as u64,
            redactions: Vec::new(),
            whole: None,
        }
    }
}

/// A secret replaced in a text before the text was stored: which rule found it, where, and its
/// keyed hash and preview (the value itself is gone). In the stored text the value reads
/// `[REDACTED <rule> <preview> hmac:<hash>]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    /// The secret rule's id (`github-pat`).
    pub rule: String,
    /// 1-based line and byte column of the value in the text as received.
    pub line: u32,
    pub column: u32,
    /// HMAC-SHA-256 of the value under the database's secret key, hex.
    pub hash: String,
    /// Enough of the value for a person to tell which one it was (`ghp_…Xy`).
    pub preview: String,
    /// The inline marker (`devspm:allow`, `gitleaks:allow`) on the value's line: the value is
    /// redacted all the same, and its finding is recorded as ignored by that marker. Absent
    /// when there is none (and from every redaction recorded before schema 10, when an allowed
    /// value was kept in the message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_marker: Option<String>,
}

/// Payload of [`EventKind::RepositoryRegistered`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryRegistered {
    pub repo: String,
    /// Short display name, e.g. `git/git` or the directory name.
    pub name: String,
    /// Normalised remote URL, or `file://` + absolute path when there is no remote.
    pub locator: String,
}

/// When and by whom, for a commit's author or committer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonTime {
    pub alias: String,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// Time-zone offset from UTC in seconds.
    pub offset: i32,
}

/// One trailer of a commit message. Person-shaped trailers (`Name <email>`, or any `*-by` key)
/// carry an alias id instead of their text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailerRecord {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// How a file changed in a commit, relative to the commit's first parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
    Renamed,
    Copied,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Copied => "copied",
        }
    }

    /// One-letter code as `git log --name-status` prints it.
    pub fn letter(self) -> char {
        match self {
            ChangeKind::Added => 'A',
            ChangeKind::Modified => 'M',
            ChangeKind::Deleted => 'D',
            ChangeKind::Renamed => 'R',
            ChangeKind::Copied => 'C',
        }
    }
}

/// The kind of tree entry a changed path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileMode {
    File,
    Executable,
    Symlink,
    /// A submodule: recorded, never descended into.
    Gitlink,
}

impl FileMode {
    pub fn as_str(self) -> &'static str {
        match self {
            FileMode::File => "file",
            FileMode::Executable => "executable",
            FileMode::Symlink => "symlink",
            FileMode::Gitlink => "gitlink",
        }
    }
}

/// One changed path of a commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    pub path: GitBytes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_path: Option<GitBytes>,
    pub change: ChangeKind,
    pub mode: FileMode,
    /// Blob id after the change (`None` for deletions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// Added lines; `None` when not diffed (binary, gitlink, unreadable).
    pub added: Option<u64>,
    pub removed: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub binary: bool,
    /// A blob needed for the line counts is missing from the object database.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreadable: bool,
}

/// Payload of [`EventKind::CommitRecorded`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRecorded {
    pub repo: String,
    pub id: String,
    pub tree: String,
    pub parents: Vec<String>,
    pub author: PersonTime,
    pub committer: PersonTime,
    pub message: ContentRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    pub trailers: Vec<TrailerRecord>,
    pub signature: SignatureKind,
    /// The key the signature names, unverified: an OpenPGP issuer fingerprint or key id (upper-
    /// case hex), or an SSH key's `SHA256:…` fingerprint. Absent when unsigned, when the kind
    /// carries no readable key (X.509), and in events recorded before it was read — omitted
    /// from the JSON then, so those events and their hashes are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// The parent the file list was computed against (the first parent); `None` for a root commit
    /// or a shallow boundary, whose files are listed as added.
    pub diff_base: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shallow_boundary: bool,
    pub files: Vec<FileChange>,
    /// What could not be read for this commit (missing blobs, a failed diff), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<String>,
}

/// Payload of [`EventKind::RefUpdated`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefUpdated {
    pub repo: String,
    pub name: GitBytes,
    /// The commit the ref peels to.
    pub target: String,
    /// The target recorded at the previous ingest, if any.
    pub previous: Option<String>,
    /// Recorded commits that had become unreachable and are reachable again through this ref.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restored: Vec<String>,
}

/// Payload of [`EventKind::RefDeleted`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefDeleted {
    pub repo: String,
    pub name: GitBytes,
    pub previous: String,
    /// Commits no longer reachable from any ref (they stay on record).
    pub lost: Vec<String>,
}

/// Payload of [`EventKind::HistoryRewritten`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRewritten {
    pub repo: String,
    pub name: GitBytes,
    pub old_tip: String,
    pub new_tip: String,
    /// Commits reachable from the old tip but not from the new one. They stay on record.
    pub unreachable: Vec<String>,
    /// Those of them no longer reachable from any ref at all.
    pub lost: Vec<String>,
}

/// Payload of [`EventKind::IngestGap`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestGap {
    pub repo: String,
    /// What could not be read: `shallow_boundary`, `missing_commit`, `missing_object`, `unreadable_ref`.
    pub what: String,
    /// The object or ref concerned.
    pub object: String,
    pub detail: String,
}

impl IngestGap {
    /// The event recording this gap, keyed so that the same gap is recorded once.
    pub fn into_event(self, actor: &str) -> NewEvent {
        NewEvent::new(
            format!("gap/{}/{}/{}", self.repo, self.what, self.object),
            actor,
            format!("repo:{}", self.repo),
            self,
        )
    }
}

/// Payload of [`EventKind::AliasLinked`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasLinked {
    /// The alias as it appears in history.
    pub alias: String,
    /// The alias it is declared to be (e.g. the `.mailmap` canonical name and e-mail).
    pub canonical: String,
    /// `mailmap`.
    pub source: String,
    /// The repository whose file declared the link.
    pub repo: String,
    /// The line that declared it and who added that line: a link is evidence, and whether it
    /// may join two histories depends on who wrote it (see [`crate::identity`]). Absent on
    /// links recorded before devspm kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<LinkLine>,
}

/// The line of a repository file that declared a link, and the commit that added it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkLine {
    /// The commit whose file was read (HEAD when ingest ran).
    pub revision: String,
    /// The file, e.g. `.mailmap`.
    pub path: String,
    /// The line's number (1-based) in that revision's file.
    pub line: u32,
    /// The commit that added the line (blame at `revision`); `None` when blame could not tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_in: Option<String>,
    /// The alias that authored `added_in`; `None` when unknown (a shallow clone's boundary
    /// commit "added" every line below it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
}

/// The kind of an identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Developer,
    Agent,
    Bot,
}

impl IdentityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Developer => "developer",
            IdentityKind::Agent => "agent",
            IdentityKind::Bot => "bot",
        }
    }
}

/// Payload of [`EventKind::IdentityRegistered`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityRegistered {
    pub identity: String,
    pub kind: IdentityKind,
    /// For agents and bots, the catalogue id (`claude-code`, `dependabot`); `None` for developers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Team from the configuration file, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// Payload of [`EventKind::AliasResolved`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasResolved {
    pub alias: String,
    pub identity: String,
    /// The rule that linked the alias (see [`crate::identity::Rule`]).
    pub rule: String,
    /// The alias this one was linked through, when the rule links two aliases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Rule-specific detail free of personal data (a repository id, a catalogue id, a config id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Version of the resolver that decided.
    pub resolver: u32,
}

/// Payload of [`EventKind::AliasLinkJudged`]: how identity resolution judged one `.mailmap`
/// link (see [`crate::identity`] for the rule). Recorded when the verdict or its reason
/// changes; a link never judged is applied and joins nothing that had commits of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasLinkJudged {
    pub alias: String,
    pub canonical: String,
    /// The repository whose `.mailmap` declared the link.
    pub repo: String,
    /// `merged` (applied; joined two histories), `contested` (not applied), `confirmed` (not
    /// applied on its own word; the configuration joins the two), `overruled` (the
    /// configuration declares them different people) or `plain` (applied; joins nothing
    /// separate — recorded only when it replaces an earlier verdict).
    pub verdict: String,
    /// Why, as a stable code (see [`crate::identity::LinkReason`]).
    pub reason: String,
    /// Version of the resolver that judged.
    pub resolver: u32,
}

/// One piece of evidence for an AI involvement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiEvidence {
    /// Which marker matched (`co-author trailer identity`, `message marker` …).
    pub marker: String,
    /// What matched: an alias id for identity evidence (never a name), else the matched text.
    pub matched: String,
}

/// Payload of [`EventKind::AiInvolvement`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiInvolvement {
    pub repo: String,
    pub commit: String,
    /// Catalogue id of the agent.
    pub agent: String,
    /// `author`, `committer`, `co-author` or `assisted`.
    pub role: String,
    /// `exact` or `heuristic`: the strongest evidence.
    pub confidence: String,
    pub evidence: Vec<AiEvidence>,
    /// Alias id of the human accountable for the commit, if one is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accountable: Option<String>,
    /// The model the agent's display name carries (`Claude Opus 4.7 (1M context)` →
    /// `Claude Opus 4.7`; `aider (openai/gpt-5)` → `openai/gpt-5`), when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Version of the detection rules.
    pub detector: u32,
}

impl AiLines {
    /// The event recording these lines, keyed by commit, file, agent and source.
    pub fn into_event(self) -> NewEvent {
        NewEvent::new(
            format!(
                "ai-lines/{}/{}/{}/{}/{}",
                self.repo, self.commit, self.path, self.agent, self.source
            ),
            format!("agent:{}", self.agent),
            format!("commit:{}/{}", self.repo, self.commit),
            self,
        )
    }
}

/// A risky setting of a tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolRisk {
    /// Stable rule id (`mcp-unpinned-package`).
    pub rule: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    pub message: String,
}

/// Payload of [`EventKind::ToolSeen`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolSeen {
    pub repo: String,
    /// The commit whose tree holds the file.
    pub revision: String,
    pub path: String,
    /// The blob of the file at `revision`.
    pub blob: String,
    /// `ai_instructions`, `agent_settings`, `mcp_server` (later issues add actions, images …).
    pub kind: String,
    /// The agent configured, or the server's name.
    pub name: String,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub details: std::collections::BTreeMap<String, String>,
    /// Whether the version is pinned, where a version applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// Names of keys holding inline secrets (never their values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<ToolRisk>,
    /// The first recorded commit that added the file, and its author alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced_by: Option<String>,
    /// For CI dependencies (actions, workflows, images, hooks): the ref, tag or digest used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The line of the file that names the tool, where one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// Payload of [`EventKind::WorkstationToolSeen`]. Keyed by host, identity, item and version:
/// scanning an unchanged machine again adds nothing, a new version adds a sighting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkstationToolSeen {
    /// The workstation's host name, as the scan reported it.
    pub host: String,
    /// Alias id of the developer the machine belongs to (from `git config user.email` or
    /// `--identity`); names and e-mails stay in the alias tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// `vscode_extension`, `jetbrains_plugin`, `browser_extension`, `ai_cli`, `agent_settings`,
    /// `mcp_server`, `git_config`, `credential_file`.
    pub kind: String,
    /// The item's stable id (extension id, MCP server name, file kind …).
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Which editor, browser or tool it belongs to, and how it was installed.
    pub source: String,
    /// Home-relative path where it was found.
    pub path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<ToolRisk>,
    /// The policy verdict at the time of the scan (`approved`, `unapproved`, `denied`), with
    /// its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict_reason: Option<String>,
}

/// Payload of [`EventKind::AdvisoriesImported`]: what advisory data was loaded, from where,
/// and how fresh it is. The advisories themselves are reference data kept beside the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoriesImported {
    /// The path or name the data was loaded from.
    pub source: String,
    /// `osv`, `osv-zip` or `rustsec`.
    pub layout: String,
    /// SHA-256 over the loaded advisories (ids and modification dates), hex.
    pub digest: String,
    /// The newest `modified` date among the advisories: how fresh the data is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_date: Option<String>,
    pub advisories: u64,
    pub withdrawn: u64,
    pub skipped: u64,
    /// Ecosystems and how many advisories each.
    pub ecosystems: std::collections::BTreeMap<String, u64>,
}

/// Payload of [`EventKind::HookOverride`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookOverride {
    pub repo: String,
    /// `pre-commit`.
    pub hook: String,
    /// Alias id of the committer (`git config user.name`/`user.email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The commit HEAD pointed at when the check was overridden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    /// What the check blocked: `rule path:line hash` per secret (keyed hash, never the value).
    pub blocked: Vec<String>,
    /// The reason given in `DEVSPM_ALLOW_REASON`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Payload of [`EventKind::AiLines`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiLines {
    pub repo: String,
    pub commit: String,
    pub path: String,
    /// Catalogue id of the agent.
    pub agent: String,
    /// The tool and model as the record names them.
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Inclusive, 1-based line ranges in the file as of `commit`.
    pub ranges: Vec<[u32; 2]>,
    /// `git-ai` (a note under `refs/notes/ai`).
    pub source: String,
    /// The record's commit is not a recorded commit of the repository (lost to a rebase or a
    /// squash): kept as evidence, not attributable.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub orphaned: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().to_owned())
            );
        }
    }

    #[test]
    fn any_field_change_changes_the_hash() {
        let fields = [
            "k",
            "commit_recorded",
            "2026-01-01T00:00:00Z",
            "a",
            "s",
            "{}",
        ];
        let base = chain_hash(GENESIS_HASH, 1, fields);
        assert_eq!(base.len(), 64);
        for i in 0..6 {
            let mut changed = fields;
            let altered = format!("{}x", fields[i]);
            changed[i] = &altered;
            assert_ne!(chain_hash(GENESIS_HASH, 1, changed), base, "field {i}");
        }
        assert_ne!(chain_hash(GENESIS_HASH, 2, fields), base);
        assert_ne!(chain_hash(&base, 1, fields), base);
        // Length prefixes: moving a byte from one field to the next changes the hash.
        assert_ne!(
            chain_hash(GENESIS_HASH, 1, ["ab", "c", "", "", "", ""]),
            chain_hash(GENESIS_HASH, 1, ["a", "bc", "", "", "", ""])
        );
    }
}
