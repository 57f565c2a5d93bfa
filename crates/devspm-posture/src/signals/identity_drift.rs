//! `identity-drift`: a known developer appears under a new alias — a new e-mail or name, a
//! known developer's name at a domain nobody in the organisation commits from, or a first
//! commit under a new alias that goes straight for sensitive paths.
//!
//! **Why.** Taking over a maintainer's account, or posing as one, starts with an alias the
//! record has not seen: a lookalike address, a personal address in place of the company one,
//! the maintainer's name typed into `git config` on another machine. The xz-utils attacker
//! committed as "Jia Tan" under two addresses and once as "Jia Cheong Tan". Identity
//! resolution joins such aliases (`docs/identities.md`); this rule says when one appears, so
//! that a person can confirm it.
//!
//! **Cases and severities.**
//! - `new alias` (low): the alias's first commit, for an identity with at least
//!   [`super::Thresholds::min_history`] commits under other aliases; medium when its e-mail
//!   domain is one the identity never used.
//! - `known name, unknown domain` (medium): the author's name is that of another developer
//!   identity with history, and the domain is used by no developer before.
//! - `new alias, sensitive paths` (high): either case above, and the commit changes a
//!   sensitive path (`paths.rs`).
//!
//! **Noise.** People change employers and addresses; every developer's first commit from a new
//! address is listed (low). Common names ("Alex") at a webmail domain raise the second case:
//! the evidence names both identities so that an analyst can dismiss it in seconds.

use super::{Observed, Raised, RuleMeta};

pub const RULE: RuleMeta = RuleMeta {
    id: "identity-drift",
    severity: "medium",
    description: "a known developer under a new alias, a known name at an unknown domain, or a new alias that goes straight for sensitive paths",
    noise: "every first commit from a new address of an established developer (low); common names at webmail domains",
};

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    let a = &seen.author;
    if !a.is_developer() {
        return;
    }
    let t = seen.thresholds;
    let domain = a.domain();
    let mut cases: Vec<String> = Vec::new();
    let mut severity = "low";
    let mut baseline = String::new();
    if let Some(p) = seen.author_history()
        && !p.aliases.contains_key(a.alias)
        && p.authored >= t.min_history
    {
        let new_domain = domain.as_ref().is_some_and(|d| !p.domains.contains_key(d));
        cases.push(if new_domain {
            severity = "medium";
            "a new alias at a domain this developer never committed from".to_owned()
        } else {
            "a new alias of this developer".to_owned()
        });
        baseline = format!(
            "{} earlier commits under {} other alias{} at {} domain{}",
            p.authored,
            p.aliases.len(),
            if p.aliases.len() == 1 { "" } else { "es" },
            p.domains.len(),
            if p.domains.len() == 1 { "" } else { "s" }
        );
    }
    if let (Some(name), Some(d)) = (a.name_key(), domain.as_ref())
        && !seen.state.domains.contains_key(d)
    {
        let others: Vec<&String> = seen
            .state
            .names
            .get(&name)
            .map(|ids| ids.iter().filter(|i| i.as_str() != a.id).collect())
            .unwrap_or_default();
        let established: Vec<&String> = others
            .into_iter()
            .filter(|i| {
                seen.state
                    .people
                    .get(i.as_str())
                    .is_some_and(|p| p.authored >= t.min_history)
            })
            .collect();
        if !established.is_empty() {
            severity = "medium";
            cases.push(format!(
                "the name of developer {} at a domain no developer committed from before",
                established
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            if baseline.is_empty() {
                baseline = format!(
                    "{} developer commit{} from {} known domain{}",
                    seen.state.domains.values().sum::<u64>(),
                    if seen.state.domains.values().sum::<u64>() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    seen.state.domains.len(),
                    if seen.state.domains.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
            }
        }
    }
    if cases.is_empty() {
        return;
    }
    // `.gitignore` is not what an impostor goes for first; CI, ownership, build and release
    // files are. `.mailmap` is where a developer announces a new address (git/git: most first
    // commits from a new address add it there), so it does not make the drift high.
    let sensitive: Vec<(&str, String)> = seen
        .sensitive_paths()
        .into_iter()
        .filter(|(c, p)| *c != "ignore" && !p.ends_with(".mailmap"))
        .collect();
    if !sensitive.is_empty() {
        severity = "high";
        cases.push(format!(
            "its first commit changes sensitive paths ({})",
            sensitive
                .iter()
                .map(|(c, _)| *c)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut raised = seen.raise(
        &RULE,
        severity,
        baseline,
        format!(
            "First commit under alias {}: {}.",
            a.alias,
            cases.join("; ")
        ),
    );
    raised.signal.paths = sensitive.into_iter().map(|(_, p)| p).collect();
    out.push(raised);
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use devspm_core::event::ChangeKind;

    fn with_new_alias(email: &str, name: &str) -> World {
        let mut aliases = people();
        aliases.push(alias("a_alice2", "dev_alice", "developer", name, email));
        let mut w = World::new(aliases);
        let end = w.routine(ALICE, T0, 25);
        w.commit("a_alice2", end);
        w
    }

    #[test]
    fn new_alias_at_a_new_domain_is_medium() {
        let mut w = with_new_alias("alice@mail.example.net", "Alice Martin");
        w.examine(detail(vec![file("src/a.c", ChangeKind::Modified, 3, 1)]));
        let r = w.run();
        let s = of(&r, "identity-drift");
        assert_eq!(s.len(), 1, "{r:?}");
        assert_eq!(s[0].signal.severity, "medium");
        assert_eq!(s[0].signal.subject, "dev_alice");
        assert!(
            s[0].signal
                .baseline
                .starts_with("25 earlier commits under 1 other alias")
        );
    }

    #[test]
    fn new_alias_touching_ci_is_high() {
        let mut w = with_new_alias("alice@example.com", "Alice M.");
        w.examine(detail(vec![file(
            ".github/workflows/release.yml",
            ChangeKind::Modified,
            3,
            1,
        )]));
        let r = w.run();
        let s = of(&r, "identity-drift");
        assert_eq!(s[0].signal.severity, "high");
        assert_eq!(s[0].signal.paths, vec![".github/workflows/release.yml"]);
    }

    #[test]
    fn known_name_at_an_unknown_domain() {
        let mut aliases = people();
        aliases.push(alias(
            "a_fake",
            "dev_fake",
            "developer",
            "alice martin",
            "alice@evil.example",
        ));
        let mut w = World::new(aliases);
        let end = w.routine(ALICE, T0, 25);
        w.commit("a_fake", end);
        w.examine(detail(vec![file("src/a.c", ChangeKind::Modified, 1, 1)]));
        let r = w.run();
        let s = of(&r, "identity-drift");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].signal.subject, "dev_fake");
        assert!(s[0].signal.explanation.contains("dev_alice"));
    }

    #[test]
    fn announcing_the_new_address_in_mailmap_is_not_high() {
        let mut w = with_new_alias("alice@mail.example.net", "Alice Martin");
        w.examine(detail(vec![file(".mailmap", ChangeKind::Modified, 1, 0)]));
        let r = w.run();
        assert_eq!(of(&r, "identity-drift")[0].signal.severity, "medium");
    }

    #[test]
    fn usual_alias_and_newcomers_are_quiet() {
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 25);
        w.commit(ALICE, end);
        w.examine(detail(vec![file(
            ".github/workflows/ci.yml",
            ChangeKind::Modified,
            1,
            1,
        )]));
        // Bob's first commit ever: a newcomer, not a drift.
        w.commit(BOB, end + 3600);
        w.examine(detail(vec![file("src/b.c", ChangeKind::Added, 10, 0)]));
        assert!(of(&w.run(), "identity-drift").is_empty());
        // A new alias of someone with too little history says nothing either.
        let mut aliases = people();
        aliases.push(alias(
            "a_alice2",
            "dev_alice",
            "developer",
            "Alice",
            "a@x.example",
        ));
        let mut w = World::new(aliases);
        let end = w.routine(ALICE, T0, 3);
        w.commit("a_alice2", end);
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "identity-drift").is_empty());
    }
}
