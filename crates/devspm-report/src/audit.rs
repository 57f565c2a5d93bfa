//! The audit commands as text: `audit verify` (what verified, or the first thing that did not,
//! for standard error), `rebuild`, `migrate`, `audit keygen`, `checkpoint`, `prove`,
//! `consistency`, `export` and `evidence`. The engine verifies, proves and writes; these are
//! its results in words.

use crate::number::count;
use crate::terminal::escape;

/// What `audit verify` found, as the engine's verification and the ledger's report hold it.
#[derive(Clone, Debug, Default)]
pub struct Verify<'a> {
    pub database: &'a str,
    pub events: u64,
    /// The last good event: sequence number and hash (hex).
    pub head: Option<(u64, &'a str)>,
    pub tree_nodes_checked: u64,
    pub tree_root: Option<&'a str>,
    pub contents_checked: u64,
    pub contents_redacted: u64,
    /// The chain's first problem and the key of its event.
    pub chain_problem: Option<(&'a str, Option<&'a str>)>,
    /// Rows checked, tables checked and events replayed, when the projections were compared.
    pub projections: Option<(u64, u64, u64)>,
    /// The first projection row that does not match the events.
    pub projection_problem: Option<&'a str>,
    /// A checkpoint kept elsewhere: what verified, or the problem.
    pub checkpoint: Option<Result<&'a str, &'a str>>,
}

/// The outcome of `audit verify` in words: standard output when everything verified, else the
/// lines for standard error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Verified(String),
    Failed(String),
}

/// `audit verify` in words; `quick` says the projections were not asked for, `note` is how a
/// read-only store read its file (worth saying, unless `-q`).
pub fn verify(v: &Verify<'_>, quick: bool, note: Option<&str>) -> Verdict {
    if let Some(Err(problem)) = v.checkpoint {
        return Verdict::Failed(checkpoint_failed(problem));
    }
    if let Some(problem) = v.projection_problem {
        return Verdict::Failed(format!(
            "devspm: LEDGER VERIFICATION FAILED in {}: {}\ndevspm: the {} events verify, but what views and --fail-on read was changed without them\n",
            escape(v.database),
            escape(problem),
            count(v.events)
        ));
    }
    if let Some((problem, key)) = v.chain_problem {
        return Verdict::Failed(format!(
            "devspm: LEDGER VERIFICATION FAILED in {}: {}{}\ndevspm: the {} events before it verify; restore the database from a backup or investigate who changed it\n",
            escape(v.database),
            escape(problem),
            key.map(|k| format!(" [key {}]", escape(k)))
                .unwrap_or_default(),
            count(v.events)
        ));
    }
    Verdict::Verified(format!(
        "ledger verified: {} events chain correctly{}; {} Merkle tree nodes match{}; {} stored commit messages match their hashes{}\n{}{}{}",
        count(v.events),
        v.head
            .map(|(seq, hash)| format!(" up to head {seq} ({})", &hash[..16]))
            .unwrap_or_default(),
        count(v.tree_nodes_checked),
        v.tree_root
            .map(|r| format!(" (root {})", &r[..16]))
            .unwrap_or_default(),
        count(v.contents_checked),
        if v.contents_redacted > 0 {
            format!(
                "; {} redacted by a recorded erasure (identity_forgotten)",
                count(v.contents_redacted)
            )
        } else {
            String::new()
        },
        match v.projections {
            Some((rows, tables, replayed)) => format!(
                "projections match the events: {} rows in {} tables, replayed from {} events\n",
                count(rows),
                tables,
                count(replayed)
            ),
            None if quick => "projections not checked (--quick)\n".to_owned(),
            None => "projections not checked: PostgreSQL keeps none (each host derives them in its local replica)\n".to_owned(),
        },
        v.checkpoint
            .and_then(Result::ok)
            .map(|text| format!("{}\n", escape(text)))
            .unwrap_or_default(),
        note.map(|note| format!("note: {}\n", escape(note)))
            .unwrap_or_default()
    ))
}

/// A signed checkpoint that does not verify (standard error).
pub fn checkpoint_failed(problem: &str) -> String {
    format!(
        "devspm: CHECKPOINT VERIFICATION FAILED: {}\n",
        escape(problem)
    )
}

/// A ledger that does not verify, found while doing something else (standard error).
pub fn tampered(location: &str, problem: &str, refused: &str) -> String {
    format!(
        "devspm: LEDGER VERIFICATION FAILED in {}: {}; refusing to {refused}\n",
        escape(location),
        escape(problem)
    )
}

/// `devspm rebuild`.
pub fn rebuilt(replayed: u64, database: &str) -> String {
    format!(
        "projections rebuilt from {} events in {}\n",
        count(replayed),
        escape(database)
    )
}

/// What `devspm migrate` copied and verified.
#[derive(Clone, Debug, Default)]
pub struct Migrated<'a> {
    pub source: &'a str,
    pub target: &'a str,
    pub copied: u64,
    pub already: u64,
    pub contents: u64,
    pub checkpoints: u64,
    pub tree_nodes_checked: u64,
    pub tree_root: &'a str,
}

/// `devspm migrate`.
pub fn migrated(m: &Migrated<'_>) -> String {
    format!(
        "{} events copied from {} to {} ({} already there), with {} commit messages and {} checkpoints; the copy verifies: {} events, {} Merkle tree nodes, root {} (the source's)\n",
        count(m.copied),
        escape(m.source),
        escape(m.target),
        count(m.already),
        count(m.contents),
        count(m.checkpoints),
        count(m.already + m.copied),
        count(m.tree_nodes_checked),
        &m.tree_root[..16.min(m.tree_root.len())]
    )
}

/// `audit keygen`: where the two keys went, and the verifier key itself.
pub fn keygen(private_key: &str, public_key: &str, verifier_key: &str) -> String {
    format!(
        "private key written to {} (mode 0600; keep it secret)\nverifier key written to {}:\n{}\n",
        escape(private_key),
        escape(public_key),
        escape(verifier_key)
    )
}

/// `audit checkpoint --output FILE`: the checkpoint signed and where it went.
pub fn checkpoint_written(id: u64, size: u64, root: &str, key: &str, file: &str) -> String {
    format!(
        "checkpoint #{id} of {} events (root {}) signed by {} and written to {}\n",
        count(size),
        &root[..16.min(root.len())],
        escape(key),
        escape(file)
    )
}

/// An inclusion proof (`audit prove`).
#[derive(Clone, Debug, Default)]
pub struct Inclusion<'a> {
    pub seq: u64,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub checkpoint: Option<u64>,
    pub event_hash: &'a str,
    pub leaf_hash: &'a str,
    pub root_hash: &'a str,
    pub audit_path: &'a [String],
}

/// `audit prove`: the event, its leaf, the root and the audit path.
pub fn inclusion(p: &Inclusion<'_>) -> String {
    let mut out = format!(
        "event {} (leaf index {}) in the tree of {} events{}\nevent hash  {}\nleaf hash   {}\nroot hash   {}\naudit path ({} hashes, leaf to root):\n",
        p.seq,
        p.leaf_index,
        p.tree_size,
        p.checkpoint
            .map(|id| format!(" (checkpoint #{id})"))
            .unwrap_or_default(),
        p.event_hash,
        p.leaf_hash,
        p.root_hash,
        p.audit_path.len()
    );
    for h in p.audit_path {
        out.push_str(&format!("  {h}\n"));
    }
    out
}

/// `audit consistency`: the newer tree extends the older, with the proof's hashes.
pub fn consistency(
    (old_size, old_root): (u64, &str),
    (new_size, new_root): (u64, &str),
    proof: &[String],
) -> String {
    let mut out = format!(
        "tree of {new_size} events (root {new_root})\nextends the tree of {old_size} events (root {old_root})\nconsistency proof ({} hashes):\n",
        proof.len()
    );
    for h in proof {
        out.push_str(&format!("  {h}\n"));
    }
    out
}

/// What `audit export` wrote.
#[derive(Clone, Debug, Default)]
pub struct Exported<'a> {
    pub folder: &'a str,
    pub events: u64,
    /// Only the events the filters match (each with its inclusion proof).
    pub partial: bool,
    pub csv: bool,
    /// The checkpoint exported: id and tree size.
    pub checkpoint: Option<(u64, u64)>,
    /// Matching events newer than the checkpoint, left out.
    pub newer: u64,
}

/// `audit export`.
pub fn exported(e: &Exported<'_>) -> String {
    let mut text = format!(
        "exported {} {}events to {}/events.jsonl{}{}",
        count(e.events),
        if e.partial { "matching " } else { "" },
        escape(e.folder),
        if e.csv { " and events.csv" } else { "" },
        if e.partial {
            ", each with its inclusion proof in proofs.jsonl"
        } else {
            ""
        },
    );
    text.push_str(&match e.checkpoint {
        Some((id, size)) => format!(
            ", checkpoint #{id} of {} events to checkpoint.txt and its verifier key to verifier.pub",
            count(size)
        ),
        None => "; no checkpoint yet (run `devspm audit checkpoint --key KEY` first)".into(),
    });
    text.push('\n');
    if e.newer > 0 {
        text.push_str(&format!(
            "{} more matching events are newer than the checkpoint and were left out: sign a new checkpoint (`devspm audit checkpoint --key KEY`) to include them\n",
            count(e.newer)
        ));
    }
    text
}

/// `audit evidence`: what the pack holds and where to start reading it.
pub fn evidence_written(pack: &devspm_core::evidence::EvidencePack, folder: &str) -> String {
    let checkpoint = &pack.checkpoint;
    format!(
        "evidence pack ({}) written to {}: {} of {} changes sampled ({} always included) from {} to {} in {}; {} cited events with inclusion proofs against checkpoint #{} of {} events{}\nstart with {}/index.md; VERIFY.md says how to check it\n",
        pack.framework.title(),
        escape(folder),
        pack.changes.len(),
        count(pack.population as u64),
        pack.always_included,
        pack.since,
        pack.until,
        escape(&pack.scope),
        pack.cited.len(),
        checkpoint.id,
        count(checkpoint.size),
        if checkpoint.fresh {
            " (signed now)"
        } else {
            ""
        },
        escape(folder)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "x\x1b]0;t\x07\u{202e}\r";
    const HASH: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn verified_or_the_first_problem() {
        let mut v = Verify {
            database: HOSTILE,
            events: 1200,
            head: Some((1200, HASH)),
            tree_root: Some(HASH),
            ..Verify::default()
        };
        let Verdict::Verified(text) = verify(&v, true, Some(HOSTILE)) else {
            panic!("verified");
        };
        assert!(text.starts_with("ledger verified: 1,200 events chain correctly up to head 1200 (0123456789abcdef); 0 Merkle tree nodes match (root 0123456789abcdef)"));
        assert!(text.contains("projections not checked (--quick)\n"));
        assert!(!text.contains(['\x1b', '\x07', '\u{202e}', '\r']), "{text}");
        v.chain_problem = Some((HOSTILE, Some(HOSTILE)));
        let Verdict::Failed(text) = verify(&v, false, None) else {
            panic!("failed");
        };
        assert!(text.starts_with("devspm: LEDGER VERIFICATION FAILED in x\\x1b"));
        assert!(text.contains(" [key x\\x1b"));
        assert!(!text.contains(['\x1b', '\x07', '\u{202e}', '\r']), "{text}");
        v.checkpoint = Some(Err(HOSTILE));
        assert_eq!(
            verify(&v, false, None),
            Verdict::Failed(checkpoint_failed(HOSTILE))
        );
    }

    #[test]
    fn exports_and_proofs() {
        let text = exported(&Exported {
            folder: "out",
            events: 3,
            partial: true,
            csv: true,
            checkpoint: None,
            newer: 2,
        });
        assert!(text.starts_with("exported 3 matching events to out/events.jsonl and events.csv, each with its inclusion proof"));
        assert!(text.contains("no checkpoint yet"));
        assert!(text.ends_with("to include them\n"));
        let path = vec!["aa".to_owned(), "bb".to_owned()];
        let proof = inclusion(&Inclusion {
            seq: 5,
            leaf_index: 4,
            tree_size: 9,
            checkpoint: Some(2),
            audit_path: &path,
            ..Inclusion::default()
        });
        assert!(
            proof.starts_with("event 5 (leaf index 4) in the tree of 9 events (checkpoint #2)\n")
        );
        assert!(proof.ends_with("  aa\n  bb\n"));
        assert!(
            consistency((1, "r1"), (2, "r2"), &path)
                .contains("extends the tree of 1 events (root r1)")
        );
    }
}
