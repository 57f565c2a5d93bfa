//! The catalogue of known non-human identities: AI coding agents and automation bots.
//!
//! The catalogue is data (`data/identities.toml`, embedded at build time) that users extend or
//! override from `devspm.toml`. Matching is structural and exact: an e-mail compared whole
//! (case-insensitively), a GitHub login or numeric user id taken from a `users.noreply.github.com`
//! address, or a name that *is* a `[bot]` login. Substrings never match — a developer named
//! Claude is a developer.

use serde::{Deserialize, Serialize};

use crate::event::IdentityKind;

/// One known agent or bot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Stable id, e.g. `claude-code`; the identity id is `agent:<id>` or `bot:<id>`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub vendor: Option<String>,
    /// Exact e-mail addresses (compared case-insensitively).
    #[serde(default)]
    pub emails: Vec<String>,
    /// GitHub logins, e.g. `dependabot[bot]` (compared case-insensitively).
    #[serde(default)]
    pub logins: Vec<String>,
    /// GitHub numeric user ids, as in `49699333+dependabot[bot]@users.noreply.github.com`.
    #[serde(default)]
    pub github_ids: Vec<u64>,
    /// Trailers that mark the agent without naming a person (`Claude-Session: https://…`).
    #[serde(default)]
    pub trailers: Vec<TrailerMarker>,
    /// Text the agent writes into commit messages (model-written: heuristic unless stated).
    #[serde(default)]
    pub messages: Vec<TextMarker>,
    /// Suffixes the agent appends to the author or committer name (`" (aider)"`): exact.
    #[serde(default)]
    pub name_suffixes: Vec<String>,
    /// Subject-line prefixes the agent writes (`"aider: "`): heuristic.
    #[serde(default)]
    pub subject_prefixes: Vec<String>,
    /// Names the agent goes by in `Assisted-by:` / `Generated-by:` trailers (`claude`), compared
    /// case-insensitively with the part before `:` of the trailer value.
    #[serde(default)]
    pub assisted_names: Vec<String>,
    /// Branch-name prefixes the agent works on (`copilot/`): heuristic evidence for commits
    /// reachable only from such branches.
    #[serde(default)]
    pub branches: Vec<String>,
    /// Products that write under this account's identity but name themselves differently
    /// (`Copilot Autofix powered by AI <…+Copilot@users.noreply.github.com>`): the display
    /// name tells them apart, the identity stays the exact evidence.
    #[serde(default)]
    pub variants: Vec<Variant>,
}

impl Account {
    /// An account the catalogue does not name (a bot recognised by its login or address),
    /// with no markers of its own.
    fn uncatalogued(id: &str, name: &str) -> Account {
        Account {
            id: id.to_owned(),
            name: name.to_owned(),
            vendor: None,
            emails: Vec::new(),
            logins: Vec::new(),
            github_ids: Vec::new(),
            trailers: Vec::new(),
            messages: Vec::new(),
            name_suffixes: Vec::new(),
            subject_prefixes: Vec::new(),
            assisted_names: Vec::new(),
            branches: Vec::new(),
            variants: Vec::new(),
        }
    }
}

/// A product sharing another account's identity, recognised by its display name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The display name starts with this (compared case-insensitively).
    pub name_prefix: String,
    /// The catalogue id of the product (an entry of its own, of the same kind).
    pub id: String,
}

/// How strong a marker is: written by the tool's own code (exact), or by a model or a person
/// following a convention (heuristic).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    #[default]
    Heuristic,
    Exact,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Exact => "exact",
            Confidence::Heuristic => "heuristic",
        }
    }
}

/// A non-person trailer that marks an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailerMarker {
    /// Trailer key, compared case-insensitively.
    pub key: String,
    /// Required start of the value, if any.
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default = "exact")]
    pub confidence: Confidence,
}

fn exact() -> Confidence {
    Confidence::Exact
}

/// Text in a commit message that marks an agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextMarker {
    pub contains: String,
    #[serde(default)]
    pub confidence: Confidence,
}

/// A catalogue entry with its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownAccount {
    pub kind: IdentityKind,
    pub account: Account,
}

impl KnownAccount {
    /// The identity id of this account: `agent:<id>` or `bot:<id>`.
    pub fn identity_id(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.account.id)
    }
}

/// The file format shared by the embedded catalogue and the `[[agent]]`/`[[bot]]` tables of
/// `devspm.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    #[serde(default)]
    pub agent: Vec<Account>,
    #[serde(default)]
    pub bot: Vec<Account>,
}

/// How an alias matched a catalogue entry (for explanations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountMatch {
    Email,
    GithubId(u64),
    Login,
    /// Not in the catalogue, but a GitHub `[bot]` account: automation.
    GenericBot(String),
    /// Not in the catalogue, but an automation account by its address (`release-bot@…`,
    /// `ci_bot@…`, `*-bot@users.noreply.github.com`), or a bot's name at a no-reply address:
    /// `slug` names the bot identity, `why` is the evidence in one phrase.
    Automation {
        slug: String,
        why: String,
    },
}

/// The agents and bots devspm knows.
#[derive(Clone, Debug)]
pub struct Catalogue {
    pub accounts: Vec<KnownAccount>,
}

const EMBEDDED: &str = include_str!("../data/identities.toml");

impl Catalogue {
    /// The embedded catalogue.
    pub fn builtin() -> Catalogue {
        // The embedded file is part of the build and covered by a test: it always parses.
        let file: CatalogueFile = toml::from_str(EMBEDDED).expect("embedded identities.toml");
        let mut catalogue = Catalogue {
            accounts: Vec::new(),
        };
        catalogue.extend(file);
        catalogue
    }

    /// Adds entries; an entry with the id of an existing one of the same kind replaces it.
    pub fn extend(&mut self, file: CatalogueFile) {
        let entries = file
            .agent
            .into_iter()
            .map(|a| (IdentityKind::Agent, a))
            .chain(file.bot.into_iter().map(|a| (IdentityKind::Bot, a)));
        for (kind, account) in entries {
            let known = KnownAccount { kind, account };
            match self
                .accounts
                .iter_mut()
                .find(|k| k.kind == kind && k.account.id == known.account.id)
            {
                Some(slot) => *slot = known,
                None => self.accounts.push(known),
            }
        }
    }

    /// Finds the agent or bot behind a name and e-mail, if any.
    pub fn classify(&self, name: &str, email: &str) -> Option<(KnownAccount, AccountMatch)> {
        let (known, how) = self.classify_account(name, email)?;
        // A variant (a product writing under this identity) named by the display name.
        let display = name.trim().to_ascii_lowercase();
        let variant = known.account.variants.iter().find_map(|v| {
            display
                .starts_with(&v.name_prefix.to_ascii_lowercase())
                .then(|| {
                    self.accounts
                        .iter()
                        .find(|k| k.kind == known.kind && k.account.id == v.id)
                })
                .flatten()
        });
        Some((variant.cloned().unwrap_or(known), how))
    }

    fn classify_account(&self, name: &str, email: &str) -> Option<(KnownAccount, AccountMatch)> {
        let email_lc = email.trim().to_ascii_lowercase();
        let noreply = github_noreply(&email_lc);
        for known in &self.accounts {
            let a = &known.account;
            if !email_lc.is_empty() && a.emails.iter().any(|e| e.eq_ignore_ascii_case(&email_lc)) {
                return Some((known.clone(), AccountMatch::Email));
            }
            if let Some((id, login)) = &noreply {
                if let Some(id) = id.filter(|id| a.github_ids.contains(id)) {
                    return Some((known.clone(), AccountMatch::GithubId(id)));
                }
                if a.logins.iter().any(|l| l.eq_ignore_ascii_case(login)) {
                    return Some((known.clone(), AccountMatch::Login));
                }
            }
            if a.logins
                .iter()
                .any(|l| l.ends_with("[bot]") && l.eq_ignore_ascii_case(name.trim()))
            {
                return Some((known.clone(), AccountMatch::Login));
            }
        }
        let bot_login = noreply
            .as_ref()
            .map(|(_, login)| login.clone())
            .filter(|login| login.ends_with("[bot]"))
            .or_else(|| {
                // `[bot]` is GitHub's marker for app accounts, not part of a person's name.
                let name = name.trim().to_ascii_lowercase();
                name.ends_with("[bot]")
                    .then(|| name.split_whitespace().collect::<Vec<_>>().join(""))
            });
        let Some(bot_login) = bot_login else {
            return automation(name, &email_lc, noreply.as_ref().map(|(_, l)| l.as_str()));
        };
        let slug = bot_login.trim_end_matches("[bot]").to_owned();
        let mut account = Account::uncatalogued(&slug, &bot_login);
        account.logins.push(bot_login.clone());
        Some((
            KnownAccount {
                kind: IdentityKind::Bot,
                account,
            },
            AccountMatch::GenericBot(bot_login),
        ))
    }
}

/// An automation account that the catalogue does not name, by evidence a person's alias does
/// not have: an address whose local part (or GitHub login) is a bot's (`release-bot`,
/// `ci_bot`, `bot`, `…-robot`), or a name that ends in "bot" at a no-reply address. A name
/// alone never makes a bot: "Abbot Jones <abbot@example.org>" stays a person.
fn automation(
    name: &str,
    email_lc: &str,
    noreply_login: Option<&str>,
) -> Option<(KnownAccount, AccountMatch)> {
    let botlike = |word: &str| {
        word == "bot"
            || word == "robot"
            || ["-bot", "_bot", "-robot", "_robot", "-automation"]
                .iter()
                .any(|s| word.ends_with(s))
    };
    let local = email_lc.split('@').next().unwrap_or_default();
    let (slug, why) = if let Some(login) = noreply_login.filter(|l| botlike(l)) {
        (
            login.to_owned(),
            format!("GitHub account `{login}` in a no-reply address"),
        )
    } else if !local.is_empty() && email_lc.contains('@') && botlike(local) {
        (
            local.to_owned(),
            format!("the address `{email_lc}` is a bot's"),
        )
    } else {
        let lower = name.trim().to_ascii_lowercase();
        let noreply_address = local.contains("noreply")
            || local.contains("no-reply")
            || local.contains("no_reply")
            || email_lc.ends_with("@users.noreply.github.com");
        let named_bot = lower.ends_with(" bot") || lower.ends_with("-bot") || lower == "bot";
        if !(named_bot && noreply_address) {
            return None;
        }
        let slug: String = lower
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        (
            slug,
            format!(
                "named `{}` at the no-reply address `{email_lc}`",
                name.trim()
            ),
        )
    };
    let account = Account::uncatalogued(&slug, &slug);
    Some((
        KnownAccount {
            kind: IdentityKind::Bot,
            account,
        },
        AccountMatch::Automation { slug, why },
    ))
}

/// Parses a GitHub no-reply address: `ID+login@users.noreply.github.com` or
/// `login@users.noreply.github.com` → (numeric id if present, lower-case login).
pub fn github_noreply(email: &str) -> Option<(Option<u64>, String)> {
    let email = email.trim().to_ascii_lowercase();
    let local = email.strip_suffix("@users.noreply.github.com")?;
    if local.is_empty() {
        return None;
    }
    match local.split_once('+') {
        Some((id, login)) if !login.is_empty() => Some((id.parse().ok(), login.to_owned())),
        _ => Some((None, local.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_parses_and_covers_the_fact_sheet() {
        let c = Catalogue::builtin();
        for id in [
            "claude-code",
            "claude-github-app",
            "copilot-agent",
            "copilot",
            "codex",
            "cursor",
            "aider",
            "devin",
            "jules",
            "amp",
            "firebender",
            "factory",
            "roo-code",
        ] {
            assert!(
                c.accounts
                    .iter()
                    .any(|k| k.kind == IdentityKind::Agent && k.account.id == id),
                "{id}"
            );
        }
    }

    #[test]
    fn exact_matches_only() {
        let c = Catalogue::builtin();
        let (k, m) = c.classify("Claude", "noreply@anthropic.com").unwrap();
        assert_eq!(k.identity_id(), "agent:claude-code");
        assert_eq!(m, AccountMatch::Email);
        assert!(c.classify("Claude Dupont", "claude@example.org").is_none());
        let (k, _) = c
            .classify(
                "copilot-swe-agent[bot]",
                "198982749+Copilot@users.noreply.github.com",
            )
            .unwrap();
        assert_eq!(k.identity_id(), "agent:copilot-agent");
        let (k, m) = c
            .classify(
                "dependabot[bot]",
                "49699333+dependabot[bot]@users.noreply.github.com",
            )
            .unwrap();
        assert_eq!(k.identity_id(), "bot:dependabot");
        assert_eq!(m, AccountMatch::GithubId(49699333));
        let (k, m) = c
            .classify(
                "some-app[bot]",
                "123+some-app[bot]@users.noreply.github.com",
            )
            .unwrap();
        assert_eq!(k.identity_id(), "bot:some-app");
        assert!(matches!(m, AccountMatch::GenericBot(_)));
        assert!(
            c.classify("Ann", "4567+ann@users.noreply.github.com")
                .is_none()
        );
    }

    #[test]
    fn user_entries_override_builtin_ones() {
        let mut c = Catalogue::builtin();
        let file: CatalogueFile = toml::from_str(
            "[[agent]]\nid = \"claude-code\"\nname = \"Claude\"\nemails = [\"bot@corp.example\"]\n",
        )
        .unwrap();
        c.extend(file);
        assert!(c.classify("x", "noreply@anthropic.com").is_none());
        assert!(c.classify("x", "bot@corp.example").is_some());
    }

    #[test]
    fn noreply_addresses() {
        assert_eq!(
            github_noreply("12345+Octo@users.noreply.github.com"),
            Some((Some(12345), "octo".into()))
        );
        assert_eq!(
            github_noreply("octo@users.noreply.github.com"),
            Some((None, "octo".into()))
        );
        assert_eq!(github_noreply("octo@example.com"), None);
    }

    /// Release automation and bots the catalogue does not name are bots by their address (or a
    /// bot's name at a no-reply address), each with the evidence; a person is never a bot by
    /// name alone.
    #[test]
    fn automation_accounts_are_bots_by_their_address_never_by_a_name_alone() {
        let catalogue = Catalogue::builtin();
        let bot = |name: &str, email: &str| {
            catalogue
                .classify(name, email)
                .filter(|(k, _)| k.kind == IdentityKind::Bot)
                .map(|(k, how)| (k.account.id, how))
        };
        let automation = |slug: &str, why: &str| {
            Some((
                slug.to_owned(),
                AccountMatch::Automation {
                    slug: slug.to_owned(),
                    why: why.to_owned(),
                },
            ))
        };
        assert_eq!(
            bot("release-bot", "release-bot@acme.example"),
            automation(
                "release-bot",
                "the address `release-bot@acme.example` is a bot's"
            )
        );
        assert_eq!(
            bot("Deploy", "123+acme-ci-bot@users.noreply.github.com"),
            automation(
                "acme-ci-bot",
                "GitHub account `acme-ci-bot` in a no-reply address"
            )
        );
        assert_eq!(
            bot("Acme Release Bot", "noreply@acme.example"),
            automation(
                "acme-release-bot",
                "named `Acme Release Bot` at the no-reply address `noreply@acme.example`"
            )
        );
        assert_eq!(
            bot("Mergify [bot]", "mergify@example.org").map(|b| b.0),
            Some("mergify".to_owned())
        );
        // People: names that contain "bot", addresses that merely contain it, a bot's name at
        // a personal address.
        for (name, email) in [
            ("Abbot Jones", "abbot@example.org"),
            ("Talbot", "talbot@example.org"),
            ("Robot Fan", "robot.fan@example.org"),
            ("Release Bot", "alice@example.org"),
            ("Ann Bot", "ann.bot.smith@example.org"),
        ] {
            assert_eq!(catalogue.classify(name, email), None, "{name} <{email}>");
        }
    }
}
