//! `devspm identities` as text: the list of identities, one identity with every alias and why
//! it belongs (and the `.mailmap` links that join separate histories), likely duplicate
//! developers with a ready configuration block, and what erasing a person did. The identity
//! rows are `devspm_core::identities`' (the ledger fills them); the suggestion and erasure
//! views are filled by the engine.

use devspm_core::identities::{IdentityDetail, IdentityRow, LinkEvidence};

use crate::findings::date;
use crate::number::count;
use crate::table::Table;
use crate::terminal::escape;

/// A developer named by a suggestion: the id, and name, e-mail and commits when known.
#[derive(Clone, Debug, Default)]
pub struct Person {
    pub identity: String,
    pub known: Option<(String, String, u64)>,
}

/// Two developers that are likely one person.
#[derive(Clone, Debug, Default)]
pub struct Pair {
    pub people: [Person; 2],
    pub evidence: Vec<String>,
    /// The `[[identity]]` block that joins them.
    pub config: String,
}

/// What erasing a person did.
#[derive(Clone, Debug, Default)]
pub struct Forgotten {
    pub identity: String,
    pub event: u64,
    pub aliases: usize,
    pub contents_redacted: u64,
    pub too_short_to_search: u64,
    /// Every erased byte is physically gone from the storage (see `ForgetReport`).
    pub scrub_complete: bool,
}

/// The identities as a table, or how to record some.
pub fn list(rows: &[IdentityRow]) -> String {
    if rows.is_empty() {
        return "no identities recorded yet: run `devspm scan` in a repository first\n".to_owned();
    }
    let mut t = Table::new(&[
        ("identity", false),
        ("kind", false),
        ("name", false),
        ("e-mail", false),
        ("aliases", true),
        ("other e-mails", false),
        ("commits", true),
        ("first", false),
        ("last", false),
        ("team", false),
    ]);
    for r in rows {
        t.row(vec![
            r.identity.clone(),
            r.kind.clone(),
            r.name.clone(),
            r.email.clone(),
            count(r.aliases),
            other_emails(r),
            count(r.commits),
            date(r.first_seen),
            date(r.last_seen),
            r.team.clone().unwrap_or_default(),
        ]);
    }
    t.render("")
}

/// The e-mails of an identity's other aliases, at most two, then "+N".
fn other_emails(row: &IdentityRow) -> String {
    let mut emails: Vec<&str> = Vec::new();
    for alias in &row.alias_list {
        let email = alias
            .rsplit_once('<')
            .map_or("", |(_, e)| e.trim_end_matches('>'));
        if !email.is_empty()
            && !email.eq_ignore_ascii_case(&row.email)
            && !emails.iter().any(|e| e.eq_ignore_ascii_case(email))
        {
            emails.push(email);
        }
    }
    let shown = emails
        .iter()
        .take(2)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    match emails.len() {
        0..=2 => shown,
        n => format!("{shown} +{}", n - 2),
    }
}

/// Each identity: who, commits, every alias and why it belongs, and its `.mailmap` links.
pub fn show(details: &[IdentityDetail]) -> String {
    let mut out = String::new();
    for d in details {
        let r = &d.row;
        out.push_str(&format!(
            "{} ({}){}\n",
            escape(&r.identity),
            r.kind,
            r.team
                .as_ref()
                .map(|t| format!(", team {}", escape(t)))
                .unwrap_or_default()
        ));
        out.push_str(&format!(
            "  name       {} <{}>\n",
            escape(&r.name),
            escape(&r.email)
        ));
        out.push_str(&format!(
            "  commits    {} authored in {} repositories, {} to {}\n",
            count(r.commits),
            count(r.repositories),
            date(r.first_seen),
            date(r.last_seen)
        ));
        out.push_str("  aliases and why each belongs here:\n");
        let mut t = Table::new(&[
            ("commits", true),
            ("alias", false),
            ("why", false),
            ("event", true),
        ]);
        for a in &d.alias_evidence {
            t.row(vec![
                count(a.commits),
                format!("{} <{}>", a.name, a.email),
                a.explanation.clone(),
                a.decided_by_event.to_string(),
            ]);
        }
        out.push_str(&t.render("    "));
        out.push_str(&links(&d.mailmap_links));
        out.push('\n');
    }
    out
}

/// The `.mailmap` links of an identity that join (or would join) separate histories: each with
/// its verdict, the line and who added it, and why.
fn links(links: &[LinkEvidence]) -> String {
    if links.is_empty() {
        return String::new();
    }
    let mut out = String::from("  .mailmap links between separate histories:\n");
    for l in links {
        out.push_str(&format!(
            "    {}: {} -> {}\n",
            escape(&l.verdict),
            escape(&l.alias),
            escape(&l.canonical)
        ));
        let place = match (&l.path, l.line, &l.revision) {
            (Some(path), Some(line), Some(revision)) => format!(
                "{path} line {line} of repository {} at {}",
                l.repository,
                short(revision)
            ),
            _ => format!(
                ".mailmap of repository {} (line not recorded)",
                l.repository
            ),
        };
        let who = match (&l.added_in, &l.added_by) {
            (Some(commit), Some(author)) => {
                let side = match l.added_by_side.as_deref() {
                    Some("canonical") => " (the side that would gain the alias)",
                    Some("alias") => " (the side the alias belongs to)",
                    Some("one-side") => " (one of the two sides)",
                    Some("neither") => " (neither side)",
                    _ => "",
                };
                format!("added in commit {} by {author}{side}", short(commit))
            }
            (Some(commit), None) => format!(
                "added in commit {} (a shallow boundary: author unknown)",
                short(commit)
            ),
            _ => "who added it is unknown".to_owned(),
        };
        out.push_str(&format!("      {}, {}\n", escape(&place), escape(&who)));
        out.push_str(&format!(
            "      {} (events {} and {})\n",
            escape(&l.explanation),
            l.linked_by_event,
            l.judged_by_event
        ));
    }
    out
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

/// Likely duplicate developers, each pair with its evidence and the block that joins them.
pub fn suggestions(pairs: &[Pair]) -> String {
    if pairs.is_empty() {
        return "No likely duplicate developers found.\n".to_owned();
    }
    let describe = |p: &Person| match &p.known {
        Some((name, email, commits)) => format!(
            "{} {} <{}> ({} commits)",
            p.identity,
            name,
            email,
            count(*commits)
        ),
        None => p.identity.clone(),
    };
    let mut text = format!(
        "{} pairs of developers are likely one person. Resolution keeps them apart until your configuration says otherwise: add a block below to it (--config, $DEVSPM_CONFIG or ~/.config/devspm/devspm.toml) to join a pair.\n",
        pairs.len()
    );
    for s in pairs {
        text.push_str(&format!(
            "\n{}\n  and {}\n",
            escape(&describe(&s.people[0])),
            escape(&describe(&s.people[1]))
        ));
        for e in &s.evidence {
            text.push_str(&format!("  evidence: {}\n", escape(e)));
        }
        for line in s.config.lines() {
            text.push_str(&format!("    {}\n", escape(line)));
        }
    }
    text
}

/// The question `identities forget` asks on a terminal before erasing a person.
pub fn forget_question(identity: &IdentityRow) -> String {
    format!(
        "Erase the personal data of {} ({} <{}>, {} aliases)? Their names, e-mails and the stored commit messages naming them are deleted for good. Type `yes` to go on: ",
        escape(&identity.identity),
        escape(&identity.name),
        escape(&identity.email),
        identity.aliases
    )
}

/// What erasing a person did, and whether the erased bytes are gone from the database file.
pub fn forgotten(report: &Forgotten) -> String {
    let mut out = format!(
        "forgot {}: erased the encryption keys and personal data of {} aliases, and redacted {} stored commit messages that named them (event {}, identity_forgotten)\n",
        escape(&report.identity),
        report.aliases,
        count(report.contents_redacted),
        report.event,
    );
    if report.too_short_to_search > 0 {
        out.push_str(&format!(
            "note: {} of their names or e-mails are under 3 characters and were not searched for in commit messages\n",
            report.too_short_to_search
        ));
    }
    if report.scrub_complete {
        out.push_str(
            "the database file was rewritten (VACUUM) and its write-ahead log truncated: the erased bytes are gone from it; backups and copies still hold them\n",
        );
    } else {
        out.push_str(
            "warning: another process has the database open, so its write-ahead log could not be truncated: the erased bytes may stay in the -wal file until the last process using the database closes it\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use devspm_core::identities::AliasEvidence;

    use super::*;

    const HOSTILE: &str = "x\x1b]0;t\x07\u{202e}\r";

    fn identity() -> IdentityRow {
        IdentityRow {
            identity: "dev:1".into(),
            kind: "developer".into(),
            name: HOSTILE.into(),
            email: "a@example.com".into(),
            aliases: 4,
            alias_list: vec![
                "A <a@example.com>".into(),
                "A <b@example.com>".into(),
                "A <c@example.com>".into(),
                "A <B@example.com>".into(),
                "A <d@example.com>".into(),
            ],
            commits: 1234,
            ..IdentityRow::default()
        }
    }

    #[test]
    fn other_emails_are_distinct_and_capped() {
        assert_eq!(other_emails(&identity()), "b@example.com, c@example.com +1");
    }

    #[test]
    fn every_view_escapes_outside_text() {
        let detail = IdentityDetail {
            row: identity(),
            alias_evidence: vec![AliasEvidence {
                commits: 3,
                name: HOSTILE.into(),
                email: HOSTILE.into(),
                explanation: HOSTILE.into(),
                decided_by_event: 7,
                ..AliasEvidence::default()
            }],
            mailmap_links: vec![LinkEvidence {
                verdict: "contested".into(),
                alias: HOSTILE.into(),
                canonical: HOSTILE.into(),
                repository: HOSTILE.into(),
                path: Some(".mailmap".into()),
                revision: Some("0123456789abcdef".into()),
                line: Some(2),
                added_in: Some("fedcba9876543210".into()),
                added_by: Some(HOSTILE.into()),
                added_by_side: Some("alias".into()),
                explanation: HOSTILE.into(),
                ..LinkEvidence::default()
            }],
        };
        let pair = Pair {
            people: [
                Person {
                    identity: "dev:1".into(),
                    known: Some((HOSTILE.into(), "a@x".into(), 2)),
                },
                Person {
                    identity: "dev:2".into(),
                    known: None,
                },
            ],
            evidence: vec![HOSTILE.into()],
            config: format!("[[identity]]\nname = \"{HOSTILE}\""),
        };
        for text in [
            list(&[identity()]),
            show(&[detail]),
            suggestions(&[pair]),
            forget_question(&identity()),
            forgotten(&Forgotten {
                identity: HOSTILE.into(),
                ..Forgotten::default()
            }),
        ] {
            assert!(!text.contains(['\x1b', '\x07', '\u{202e}', '\r']), "{text}");
        }
        assert!(show(&[]).is_empty());
        assert_eq!(suggestions(&[]), "No likely duplicate developers found.\n");
    }
}
