//! `devspm identities`: who is who, and why.

use devspm_ledger::Store;

use crate::cli::{Format, GlobalArgs, IdentitiesArgs, IdentitiesCommand, KindFilter};
use crate::output::{Table, count, date, emit, emit_json};
use crate::settings::Settings;

/// The e-mails of an identity's other aliases, at most two, then "+N".
fn other_emails(row: &devspm_ledger::IdentityRow) -> String {
    let mut emails: Vec<&str> = Vec::new();
    for alias in &row.alias_list {
        let email = alias
            .rsplit_once('<')
            .map_or("", |(_, e)| e.trim_end_matches('>'));
        if !email.eq_ignore_ascii_case(&row.email)
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
    let store = settings.open_store()?;
    match args
        .command
        .unwrap_or(IdentitiesCommand::List { kind: None })
    {
        IdentitiesCommand::List { kind } => {
            let wanted = kind.map(|k| match k {
                KindFilter::Developer => "developer",
                KindFilter::Agent => "agent",
                KindFilter::Bot => "bot",
            });
            let rows: Vec<_> = store
                .identities()?
                .into_iter()
                .filter(|r| wanted.is_none_or(|w| r.kind == w))
                .collect();
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
            let details = store.identity_detail(&query)?;
            if details.is_empty() {
                anyhow::bail!(
                    "no identity matches `{query}` (try an e-mail address, a name, an identity id from `devspm identities`, or an agent id such as claude-code)"
                );
            }
            if global.format == Format::Json {
                emit_json(&details)?;
                return Ok(0);
            }
            let mut out = String::new();
            for d in &details {
                let r = &d.row;
                out.push_str(&format!(
                    "{} ({}){}\n",
                    r.identity,
                    r.kind,
                    r.team
                        .as_ref()
                        .map(|t| format!(", team {t}"))
                        .unwrap_or_default()
                ));
                out.push_str(&format!("  name       {} <{}>\n", r.name, r.email));
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
                out.push('\n');
            }
            emit(&out)?;
            Ok(0)
        }
    }
}
