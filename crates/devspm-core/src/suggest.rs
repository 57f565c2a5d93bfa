//! Likely duplicate identities: developers that resolution kept apart but that evidence
//! suggests are one person.
//!
//! Resolution is conservative on purpose (a shared name never links two people); this module
//! only *suggests*, with the evidence, and the operator decides by adding an `[[identity]]`
//! block to their configuration. The evidence, strongest first:
//!
//! - **GitHub login**: a no-reply address `…+alice@users.noreply.github.com` (or
//!   `alice@users.noreply.github.com`) of one identity, and another identity whose e-mail's
//!   local part or single-word name is that login;
//! - **full name**: the same full name (two or more words, compared without case, accents kept)
//!   on both, under different e-mail addresses;
//! - **e-mail user**: the same distinctive local part (`alice.martin@work` and
//!   `alice.martin@home`), with names that agree.
//!
//! Generic local parts (`dev`, `info`, `admin`, `root`, `noreply` …) and single-word names are
//! never evidence on their own.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalogue::github_noreply;

/// One developer identity as suggestions read it.
#[derive(Clone, Debug)]
pub struct Person {
    pub identity: String,
    /// Every alias as (name, e-mail).
    pub aliases: Vec<(String, String)>,
    pub commits: u64,
}

/// Two identities that are likely one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The identity ids, the one with more commits first.
    pub identities: [String; 2],
    /// What makes them likely one person, one phrase each.
    pub evidence: Vec<String>,
    /// Every alias of both, as `Name <e-mail>`, for the `[[identity]]` block.
    pub aliases: Vec<String>,
}

/// Local parts too common to say anything about who someone is.
const GENERIC_USERS: [&str; 14] = [
    "admin",
    "dev",
    "developer",
    "git",
    "info",
    "mail",
    "me",
    "noreply",
    "no-reply",
    "root",
    "test",
    "user",
    "contact",
    "hello",
];

fn full_name(name: &str) -> Option<String> {
    let words: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
    (words.len() >= 2 && words.iter().all(|w| w.chars().count() >= 2)).then(|| words.join(" "))
}

fn local_part(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    let local = local.to_ascii_lowercase();
    if domain.eq_ignore_ascii_case("users.noreply.github.com")
        || local.chars().count() < 4
        || GENERIC_USERS.contains(&local.as_str())
    {
        return None;
    }
    Some(local)
}

/// Whether two sets of names agree: one full name in common, or a name of one contained in a
/// name of the other (`Alice` / `Alice Martin`).
fn names_agree(a: &[(String, String)], b: &[(String, String)]) -> bool {
    a.iter().any(|(x, _)| {
        b.iter().any(|(y, _)| {
            let (x, y) = (x.trim().to_lowercase(), y.trim().to_lowercase());
            !x.is_empty() && !y.is_empty() && (x == y || x.contains(&y) || y.contains(&x))
        })
    })
}

/// Pairs of developer identities that are likely one person, strongest evidence first.
pub fn suggest(people: &[Person]) -> Vec<Suggestion> {
    // Evidence per unordered pair of identities (by index).
    let mut found: BTreeMap<(usize, usize), BTreeSet<(u8, String)>> = BTreeMap::new();
    let mut note = |a: usize, b: usize, rank: u8, text: String| {
        if a != b {
            found
                .entry((a.min(b), a.max(b)))
                .or_default()
                .insert((rank, text));
        }
    };
    let mut by_login: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_word: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_local: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in people.iter().enumerate() {
        for (name, email) in &p.aliases {
            if let Some((_, login)) = github_noreply(email) {
                by_login.entry(login).or_default().push(i);
            }
            if let Some(local) = local_part(email) {
                by_word.entry(local.clone()).or_default().push(i);
                by_local.entry(local).or_default().push(i);
            }
            let single = name.trim().to_lowercase();
            if !single.is_empty() && !single.contains(' ') && single.chars().count() >= 4 {
                by_word.entry(single).or_default().push(i);
            }
            if let Some(full) = full_name(name) {
                by_name.entry(full).or_default().push(i);
            }
        }
    }
    for (login, owners) in &by_login {
        for &a in owners {
            for &b in by_word.get(login).into_iter().flatten() {
                note(
                    a,
                    b,
                    0,
                    format!("GitHub login `{login}` matches the other's user name"),
                );
            }
        }
    }
    for (name, members) in &by_name {
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                note(a, b, 1, format!("same full name `{name}`"));
            }
        }
    }
    for (local, members) in &by_local {
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                if names_agree(&people[a].aliases, &people[b].aliases) {
                    note(
                        a,
                        b,
                        2,
                        format!("same e-mail user `{local}` at another domain, names agree"),
                    );
                }
            }
        }
    }
    let mut out: Vec<(u8, Suggestion)> = found
        .into_iter()
        .map(|((a, b), evidence)| {
            let (first, second) = if people[b].commits > people[a].commits {
                (b, a)
            } else {
                (a, b)
            };
            let strongest = evidence.iter().map(|(rank, _)| *rank).min().unwrap_or(9);
            let mut aliases: Vec<String> = people[first]
                .aliases
                .iter()
                .chain(&people[second].aliases)
                .map(|(n, e)| format!("{n} <{e}>"))
                .collect();
            aliases.dedup();
            (
                strongest,
                Suggestion {
                    identities: [
                        people[first].identity.clone(),
                        people[second].identity.clone(),
                    ],
                    evidence: evidence.into_iter().map(|(_, text)| text).collect(),
                    aliases,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.identities.cmp(&b.1.identities)));
    out.into_iter().map(|(_, s)| s).collect()
}

/// An `[[identity]]` block joining a suggestion's aliases, ready for the configuration file.
pub fn identity_block(suggestion: &Suggestion, id: &str) -> String {
    let quote = |s: &str| {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let mut block = format!("[[identity]]\nid = {}\naliases = [\n", quote(id));
    for alias in &suggestion.aliases {
        block.push_str(&format!("  {},\n", quote(alias)));
    }
    block.push_str("]\n");
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, aliases: &[(&str, &str)], commits: u64) -> Person {
        Person {
            identity: id.to_owned(),
            aliases: aliases
                .iter()
                .map(|(n, e)| (n.to_string(), e.to_string()))
                .collect(),
            commits,
        }
    }

    #[test]
    fn likely_duplicates_come_with_their_evidence() {
        let people = [
            person("dev_a", &[("Alice Martin", "alice@corp.example")], 40),
            person("dev_b", &[("Alice Martin", "alice.m@home.example")], 3),
            person(
                "dev_c",
                &[("bobstone", "12345+bobstone@users.noreply.github.com")],
                2,
            ),
            person("dev_d", &[("Bob Stone", "bobstone@corp.example")], 9),
            person("dev_e", &[("Carol Diaz", "carol.diaz@corp.example")], 5),
            person("dev_f", &[("Carol", "carol.diaz@home.example")], 1),
            // Traps: a shared first name, a generic user, different people with one user name.
            person("dev_g", &[("Alice", "alice.w@other.example")], 1),
            person("dev_h", &[("Dan Lee", "dev@one.example")], 1),
            person("dev_i", &[("Eve Ray", "dev@two.example")], 1),
            person("dev_j", &[("Frank Ho", "jsmith@one.example")], 1),
            person("dev_k", &[("Gina Wu", "jsmith@two.example")], 1),
        ];
        let found = suggest(&people);
        let pairs: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|s| {
                (
                    s.identities[0].as_str(),
                    s.identities[1].as_str(),
                    s.evidence[0].as_str(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                (
                    "dev_d",
                    "dev_c",
                    "GitHub login `bobstone` matches the other's user name"
                ),
                ("dev_a", "dev_b", "same full name `alice martin`"),
                (
                    "dev_e",
                    "dev_f",
                    "same e-mail user `carol.diaz` at another domain, names agree"
                ),
            ]
        );
        assert_eq!(
            identity_block(&found[1], "alice-martin"),
            "[[identity]]\nid = \"alice-martin\"\naliases = [\n  \"Alice Martin <alice@corp.example>\",\n  \"Alice Martin <alice.m@home.example>\",\n]\n"
        );
    }
}
