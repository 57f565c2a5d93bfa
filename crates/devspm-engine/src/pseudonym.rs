//! Pseudonymised output (`--pseudonymize` of `devspm posture` and `devspm report`): every
//! person's name, e-mail and identity id replaced by a stable pseudonym, for sharing a report
//! beyond the security team.
//!
//! A pseudonym is `person-` and 12 hex digits of HMAC-SHA-256 of the identity id under a key
//! derived from the ledger's secret-hashing key (`docs/privacy.md`): the same person gets the
//! same pseudonym in every run and every format of the same ledger, and nobody without the key
//! can tell whom it stands for — identity ids are random, and even someone who knows one cannot
//! compute its pseudonym. A CODEOWNERS owner that is a person (`@user`, an e-mail) becomes
//! `owner-…` the same way; organisation teams (`@org/team`) and agents stay as they are.
//!
//! Free text that can quote a person — notes, finding messages, paths, tool places — is
//! scrubbed: every name and e-mail of every developer's aliases (three characters or longer,
//! ASCII case-insensitive) is replaced by that person's pseudonym.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use devspm_core::posture::IdentityFact;
use devspm_posture::{Explanation, PostureReport, SubjectKind, SubjectPosture};
use devspm_report::report::Report;

/// Names shorter than this are not scrubbed from free text (they would match inside words);
/// fields that hold a name are replaced whatever its length.
const MIN_SCRUBBED: usize = 3;

/// The pseudonyms of one ledger.
pub struct Pseudonyms {
    key: [u8; 32],
    /// Identity id → its developer's pseudonym (people only).
    people: HashMap<String, String>,
    scrubber: Option<(AhoCorasick, Vec<String>)>,
}

impl Pseudonyms {
    /// The pseudonyms of `identities` under a key derived from `secret_key`.
    pub fn new(secret_key: &[u8; 32], identities: &[IdentityFact]) -> Pseudonyms {
        let key = devspm_core::ids::hmac_sha256(secret_key, b"devspm pseudonym v1");
        let mut p = Pseudonyms {
            key,
            people: HashMap::new(),
            scrubber: None,
        };
        let mut patterns: Vec<(String, String)> = Vec::new();
        for i in identities.iter().filter(|i| i.kind == "developer") {
            let name = p.token("person", &i.identity);
            let email = format!("{name}@pseudonym.invalid");
            for text in i.known_as.iter().chain(i.name.iter()).chain(i.email.iter()) {
                if text.chars().count() >= MIN_SCRUBBED {
                    let replacement = if text.contains('@') { &email } else { &name };
                    patterns.push((text.clone(), replacement.clone()));
                }
            }
            p.people.insert(i.identity.clone(), name);
        }
        // Longest first, so that `Alice Smith` wins over `Alice`.
        patterns.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        patterns.dedup_by(|a, b| a.0.eq_ignore_ascii_case(&b.0));
        if !patterns.is_empty()
            && let Ok(matcher) = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(patterns.iter().map(|(t, _)| t))
        {
            p.scrubber = Some((matcher, patterns.into_iter().map(|(_, r)| r).collect()));
        }
        p
    }

    fn token(&self, prefix: &str, id: &str) -> String {
        let mac = devspm_core::ids::hmac_sha256(&self.key, id.as_bytes());
        format!("{prefix}-{}", &devspm_core::hex::encode(&mac)[..12])
    }

    /// A developer's pseudonym (also for an identity id this ledger does not list).
    pub fn person(&self, identity: &str) -> String {
        self.people
            .get(identity)
            .cloned()
            .unwrap_or_else(|| self.token("person", identity))
    }

    /// A team's name: a CODEOWNERS owner that is a person (`@user`, `user@host`) is
    /// pseudonymised; a team (`@org/team`, a name from devspm.toml) is not a person.
    pub fn team(&self, team: &str) -> String {
        let user = team.starts_with('@') && !team.contains('/');
        let email = !team.starts_with('@') && team.contains('@');
        if user || email {
            self.token("owner", &team.to_ascii_lowercase())
        } else {
            team.to_owned()
        }
    }

    /// Free text with every known name and e-mail replaced.
    pub fn scrub(&self, text: &str) -> String {
        match &self.scrubber {
            Some((matcher, replacements)) => matcher.replace_all(text, replacements),
            None => text.to_owned(),
        }
    }

    fn subject(&self, s: &mut SubjectPosture) {
        match s.kind {
            SubjectKind::Developer => {
                s.name = self.person(&s.id);
                s.id = s.name.clone();
            }
            SubjectKind::Team => {
                s.id = self.team(&s.id);
                s.name = s.id.clone();
            }
            SubjectKind::Agent | SubjectKind::Repository => s.name = self.scrub(&s.name),
        }
        s.team = s.team.as_deref().map(|t| self.team(t));
        for f in &mut s.factors {
            f.evaluation.raw_text = self.scrub(&f.evaluation.raw_text);
            for e in &mut f.evaluation.evidence {
                e.detail = self.scrub(&e.detail);
            }
        }
    }

    /// `devspm posture`.
    pub fn posture(&self, r: &mut PostureReport) {
        for s in &mut r.subjects {
            self.subject(s);
        }
        for n in &mut r.notes {
            *n = self.scrub(n);
        }
        for c in &mut r.organisation.repositories {
            c.name = self.scrub(&c.name);
        }
        if let Some((_, name)) = &mut r.scope {
            *name = self.scrub(name);
        }
    }

    /// `devspm posture explain`.
    pub fn explanation(&self, e: &mut Explanation) {
        self.subject(&mut e.subject);
        for n in &mut e.notes {
            *n = self.scrub(n);
        }
        for c in &mut e.organisation.repositories {
            c.name = self.scrub(&c.name);
        }
        if let Some((_, name)) = &mut e.scope {
            *name = self.scrub(name);
        }
    }

    /// `devspm report`.
    pub fn report(&self, r: &mut Report) {
        r.pseudonymized = true;
        self.posture(&mut r.posture);
        for m in &mut r.teams.members {
            m.name = self.person(&m.identity);
            m.identity = m.name.clone();
            m.team = self.team(&m.team);
        }
        for f in &mut r.teams.files {
            f.repository = self.scrub(&f.repository);
        }
        for (repo, why) in &mut r.teams.unread {
            *repo = self.scrub(repo);
            *why = self.scrub(why);
        }
        for c in &mut r.commits {
            match &c.author {
                Some(id) => {
                    c.author_name = self.person(id);
                    c.author = Some(c.author_name.clone());
                }
                None => c.author_name = self.scrub(&c.author_name),
            }
        }
        for f in &mut r.findings {
            if let Some(id) = &f.developer {
                let name = self.person(id);
                f.developer = Some(name.clone());
                f.developer_name = Some(name);
            } else {
                f.developer_name = f.developer_name.as_deref().map(|n| self.scrub(n));
            }
            if let Some(id) = &f.fixed_by {
                let name = self.person(id);
                f.fixed_by = Some(name.clone());
                f.fixed_by_name = Some(name);
            }
            f.message = self.scrub(&f.message);
            f.location = self.scrub(&f.location);
            f.repository = self.scrub(&f.repository);
        }
        for t in &mut r.tools.tools {
            t.who = t.who.as_deref().map(|w| self.scrub(w));
            t.place = self.scrub(&t.place);
            t.path = self.scrub(&t.path);
        }
        for v in &mut r.tools.violations {
            if let Some(id) = &v.identity {
                v.who = Some(self.person(id));
                v.identity = v.who.clone();
            } else {
                v.who = v.who.as_deref().map(|w| self.scrub(w));
            }
            v.repository = v.repository.as_deref().map(|x| self.scrub(x));
            v.item = self.scrub(&v.item);
            v.place = self.scrub(&v.place);
            v.reason = self.scrub(&v.reason);
        }
        for c in &mut r.tools.by_subject {
            if c.kind == "developer" {
                c.name = self.person(&c.id);
                c.id = c.name.clone();
            } else {
                c.name = self.scrub(&c.name);
                c.id = self.scrub(&c.id);
            }
        }
        for s in &mut r.signals {
            if let Some(id) = &s.identity {
                s.name = self.person(id);
                s.identity = Some(s.name.clone());
            } else {
                s.name = self.scrub(&s.name);
            }
            s.summary = self.scrub(&s.summary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann() -> IdentityFact {
        IdentityFact {
            identity: "dev_1".into(),
            kind: "developer".into(),
            slug: None,
            team: None,
            name: Some("Ann Example".into()),
            email: Some("ann@corp.example".into()),
            known_as: vec![
                "ann@corp.example".into(),
                "ann example".into(),
                "a.e@home.example".into(),
            ],
        }
    }

    #[test]
    fn stable_keyed_and_scrubbing() {
        let p = Pseudonyms::new(&[7; 32], &[ann()]);
        let again = Pseudonyms::new(&[7; 32], &[ann()]);
        let other_key = Pseudonyms::new(&[8; 32], &[ann()]);
        let name = p.person("dev_1");
        assert!(name.starts_with("person-") && name.len() == "person-".len() + 12);
        assert_eq!(name, again.person("dev_1"));
        assert_ne!(name, other_key.person("dev_1"));
        let text = p.scrub("reported by ANN EXAMPLE <A.E@home.example>, ann@corp.example");
        assert_eq!(
            text,
            format!("reported by {name} <{name}@pseudonym.invalid>, {name}@pseudonym.invalid")
        );
        assert_eq!(p.team("@acme/web"), "@acme/web");
        assert!(p.team("@ann").starts_with("owner-"));
        assert!(p.team("ann@corp.example").starts_with("owner-"));
    }
}
