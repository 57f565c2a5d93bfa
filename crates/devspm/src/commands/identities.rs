//! `devspm identities`: flags → `devspm_engine::identities` (who is who and why, likely
//! duplicates, erasing a person) → tables, sentences or JSON; `forget` asks for confirmation
//! on a terminal.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::{Format, GlobalArgs, IdentitiesArgs, IdentitiesCommand, KindFilter};
use crate::output::{Table, count, date, emit, emit_json, escape};
use crate::settings::Settings;

/// The e-mails of an identity's other aliases, at most two, then "+N".
fn other_emails(row: &devspm_ledger::IdentityRow) -> String {
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

pub fn run(settings: &Settings, global: &GlobalArgs, args: IdentitiesArgs) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let ctx = settings.context();
    match args
        .command
        .unwrap_or(IdentitiesCommand::List { kind: None })
    {
        IdentitiesCommand::Suggest => suggest(
            devspm_engine::identities::suggestions(&ctx, &mut store)?,
            global,
        ),
        IdentitiesCommand::List { kind } => {
            let wanted = kind.map(|k| match k {
                KindFilter::Developer => "developer",
                KindFilter::Agent => "agent",
                KindFilter::Bot => "bot",
            });
            let rows = devspm_engine::identities::list(&ctx, &mut store, wanted)?;
            if global.format == Format::Json {
                emit_json(&rows)?;
                return Ok(0);
            }
            if rows.is_empty() {
                emit("no identities recorded yet: run `devspm scan` in a repository first\n")?;
                return Ok(0);
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
            for r in &rows {
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
            emit(&t.render(""))?;
            Ok(0)
        }
        IdentitiesCommand::Show { query } => {
            let details = devspm_engine::identities::show(&ctx, &mut store, &query)?;
            if global.format == Format::Json {
                emit_json(&details)?;
                return Ok(0);
            }
            let mut out = String::new();
            for d in &details {
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
                out.push_str(&render_links(&d.mailmap_links));
                out.push('\n');
            }
            emit(&out)?;
            Ok(0)
        }
        IdentitiesCommand::Forget { query, yes } => {
            let row = devspm_engine::identities::forget_target(&ctx, &mut store, &query)?;
            forget(&mut store, global, &row, yes)
        }
    }
}

/// The `.mailmap` links of an identity that join (or would join) separate histories: each with
/// its verdict, the line and who added it, and why.
fn render_links(links: &[devspm_ledger::LinkEvidence]) -> String {
    if links.is_empty() {
        return String::new();
    }
    let mut out = String::from("  .mailmap links between separate histories:\n");
    for l in links {
        out.push_str(&format!(
            "    {}: {} -> {}\n",
            l.verdict, l.alias, l.canonical
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
        out.push_str(&format!("      {place}, {who}\n"));
        out.push_str(&format!(
            "      {} (events {} and {})\n",
            l.explanation, l.linked_by_event, l.judged_by_event
        ));
    }
    out
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

/// `devspm identities forget X`: crypto-shreds one person's personal data, once confirmed.
fn forget(
    store: &mut impl devspm_ledger::Store,
    global: &GlobalArgs,
    row: &devspm_ledger::IdentityRow,
    yes: bool,
) -> anyhow::Result<i32> {
    if !yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "refusing to erase {} without confirmation: standard input is not a terminal; pass --yes",
                row.identity
            );
        }
        eprint!(
            "Erase the personal data of {} ({} <{}>, {} aliases)? Their names, e-mails and the stored commit messages naming them are deleted for good. Type `yes` to go on: ",
            escape(&row.identity),
            escape(&row.name),
            escape(&row.email),
            row.aliases
        );
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            eprintln!("devspm: nothing was erased");
            return Ok(1);
        }
    }
    let report = devspm_engine::identities::forget(store, &row.identity)?;
    if global.format == Format::Json {
        emit_json(&report)?;
        return Ok(0);
    }
    let mut out = format!(
        "forgot {}: erased the encryption keys and personal data of {} aliases, and redacted {} stored commit messages that named them (event {}, identity_forgotten)\n",
        report.identity,
        report.aliases.len(),
        count(report.contents_redacted),
        report.event,
    );
    if report.too_short_to_search > 0 {
        out.push_str(&format!(
            "note: {} of their names or e-mails are under 3 characters and were not searched for in commit messages\n",
            report.too_short_to_search
        ));
    }
    if report.wal_truncated {
        out.push_str(
            "the database file was rewritten (VACUUM) and its write-ahead log truncated: the erased bytes are gone from it; backups and copies still hold them\n",
        );
    } else {
        out.push_str(
            "warning: another process has the database open, so its write-ahead log could not be truncated: the erased bytes may stay in the -wal file until the last process using the database closes it\n",
        );
    }
    emit(&out)?;
    Ok(0)
}

/// `identities suggest`: likely duplicate developers with their evidence and a ready block.
fn suggest(
    found: devspm_engine::identities::Suggestions,
    global: &GlobalArgs,
) -> anyhow::Result<i32> {
    if global.format == Format::Json {
        emit_json(&found.pairs)?;
        return Ok(0);
    }
    if found.pairs.is_empty() {
        emit("No likely duplicate developers found.\n")?;
        return Ok(0);
    }
    let describe = |identity: &str| match found.people.get(identity) {
        Some(r) => format!(
            "{} {} <{}> ({} commits)",
            r.identity,
            r.name,
            r.email,
            count(r.commits)
        ),
        None => identity.to_owned(),
    };
    let mut text = format!(
        "{} pairs of developers are likely one person. Resolution keeps them apart until your configuration says otherwise: add a block below to it (--config, $DEVSPM_CONFIG or ~/.config/devspm/devspm.toml) to join a pair.\n",
        found.pairs.len()
    );
    for s in &found.pairs {
        text.push_str(&format!(
            "\n{}\n  and {}\n",
            escape(&describe(&s.identities[0])),
            escape(&describe(&s.identities[1]))
        ));
        for e in &s.evidence {
            text.push_str(&format!("  evidence: {}\n", escape(e)));
        }
        for line in s.config.lines() {
            text.push_str(&format!("    {}\n", escape(line)));
        }
    }
    emit(&text)?;
    Ok(0)
}
