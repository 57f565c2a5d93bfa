//! The commit-level detector (one function, no I/O): see the crate documentation.

use devspm_core::catalogue::{Catalogue, Confidence};
use devspm_core::commit::parse_ident;
use devspm_core::event::IdentityKind;

/// Version of the detection rules, recorded with every finding. Version 2: `Co-authored-by:`
/// lines inside squash-merge bodies, product variants named by the display name (Copilot
/// Autofix), the model a display name carries.
pub const DETECTOR_VERSION: u32 = 2;

/// A person line or person trailer of a commit.
#[derive(Clone, Debug)]
pub struct PersonView<'a> {
    pub alias: &'a str,
    pub name: &'a str,
    pub email: &'a str,
}

/// One trailer: a person (alias with name and e-mail) or a plain value.
#[derive(Clone, Debug)]
pub struct TrailerView<'a> {
    pub key: &'a str,
    pub value: Option<&'a str>,
    pub person: Option<PersonView<'a>>,
}

/// What the detector reads of a commit.
#[derive(Clone, Debug)]
pub struct CommitView<'a> {
    pub author: PersonView<'a>,
    pub committer: PersonView<'a>,
    pub trailers: Vec<TrailerView<'a>>,
    pub message: &'a str,
}

/// The part an agent played in a commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Author,
    Committer,
    CoAuthor,
    /// Named by an `Assisted-by:`-style trailer, a session trailer or a message marker.
    Assisted,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Committer => "committer",
            Role::CoAuthor => "co-author",
            Role::Assisted => "assisted",
        }
    }
}

/// One agent's involvement in one commit, with every piece of evidence for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Involvement {
    /// Catalogue id of the agent (`claude-code`).
    pub agent: String,
    pub role: Role,
    /// The strongest evidence's confidence.
    pub confidence: Confidence,
    /// (marker, matched text). Matched text never carries a person's name: identity evidence
    /// names the alias id.
    pub evidence: Vec<(String, String)>,
    /// The human accountable for the commit: the committer if human, else a human co-author,
    /// else the author if human.
    pub accountable: Option<String>,
    /// The model the agent's display name carries, if any (see [`model_in_name`]).
    pub model: Option<String>,
}

/// Trailer keys of the `Assisted-by: <agent>:<model>` conventions.
const ASSISTED_KEYS: [&str; 2] = ["assisted-by", "generated-by"];

/// Detects AI involvement in one commit.
pub fn detect(commit: &CommitView<'_>, catalogue: &Catalogue) -> Vec<Involvement> {
    let mut found: Vec<Involvement> = Vec::new();
    let mut models: Vec<(String, String)> = Vec::new();
    let mut add =
        |agent: &str, role: Role, confidence: Confidence, marker: String, matched: String| {
            match found
                .iter_mut()
                .find(|i| i.agent == agent && i.role == role)
            {
                Some(existing) => {
                    existing.confidence = existing.confidence.max(confidence);
                    existing.evidence.push((marker, matched));
                }
                None => found.push(Involvement {
                    agent: agent.to_owned(),
                    role,
                    confidence,
                    evidence: vec![(marker, matched)],
                    accountable: None,
                    model: None,
                }),
            }
        };
    // An agent identity, and the model its display name carries (kept as detail: the e-mail
    // or account id is the evidence, never the name).
    let mut agent_of = |person: &PersonView<'_>| {
        let agent = catalogue
            .classify(person.name, person.email)
            .filter(|(known, _)| known.kind == IdentityKind::Agent)
            .map(|(known, _)| known.account.id)?;
        if let Some(model) = model_in_name(person.name) {
            models.push((agent.clone(), model));
        }
        Some(agent)
    };

    // Author and committer identities, and name suffixes such as " (aider)".
    for (person, role) in [
        (&commit.author, Role::Author),
        (&commit.committer, Role::Committer),
    ] {
        if let Some(agent) = agent_of(person) {
            add(
                &agent,
                role,
                Confidence::Exact,
                format!("{} identity", role.as_str()),
                person.alias.to_owned(),
            );
        }
        for known in agents(catalogue) {
            for suffix in &known.name_suffixes {
                if person.name.len() > suffix.len() && person.name.ends_with(suffix.as_str()) {
                    add(
                        &known.id,
                        role,
                        Confidence::Exact,
                        format!("{} name suffix `{suffix}`", role.as_str()),
                        person.alias.to_owned(),
                    );
                }
            }
        }
    }

    // Trailers (only ever from the trailer block: the ledger records nothing else as one).
    for trailer in &commit.trailers {
        let key = trailer.key.to_ascii_lowercase();
        if let Some(person) = &trailer.person {
            if ASSISTED_KEYS.contains(&key.as_str()) {
                // `Assisted-by: AGENT:MODEL` (or a model name) — written by people following a
                // convention. With an e-mail it names an account: AI only if that account is a
                // catalogued agent (a person who helped is not AI).
                if !person.email.is_empty() {
                    if let Some(agent) = agent_of(person) {
                        add(
                            &agent,
                            Role::Assisted,
                            Confidence::Exact,
                            format!("`{}:` trailer identity", trailer.key),
                            person.alias.to_owned(),
                        );
                    }
                    continue;
                }
                let named = person.name.split(':').next().unwrap_or_default();
                let agent = agent_named(named, catalogue);
                add(
                    &agent,
                    Role::Assisted,
                    Confidence::Heuristic,
                    format!("`{}:` trailer", trailer.key),
                    person.alias.to_owned(),
                );
            } else if let Some(agent) = agent_of(person) {
                let role = if key == "co-authored-by" {
                    Role::CoAuthor
                } else {
                    Role::Assisted
                };
                add(
                    &agent,
                    role,
                    Confidence::Exact,
                    format!("`{}:` trailer identity", trailer.key),
                    person.alias.to_owned(),
                );
            }
        } else if let Some(value) = trailer.value {
            for known in agents(catalogue) {
                for marker in &known.trailers {
                    let prefix_ok = marker
                        .prefix
                        .as_deref()
                        .is_none_or(|p| value.starts_with(p));
                    if marker.key.eq_ignore_ascii_case(trailer.key) && prefix_ok {
                        add(
                            &known.id,
                            Role::Assisted,
                            marker.confidence,
                            format!("`{}:` trailer", marker.key),
                            format!("{}: {value}", trailer.key),
                        );
                    }
                }
            }
        }
    }

    // `Co-authored-by:` lines inside the body: GitHub's squash merges concatenate the
    // branch's commit messages (`* subject` lists, `---------` separators), so the trailers
    // of the squashed commits sit mid-body rather than in the final trailer block. A whole
    // line of that form naming a catalogued agent's identity is exact evidence; its line
    // number is recorded. A trailer quoted in prose (inside a sentence, indented, quoted with
    // `>`, or in a fenced code block) is not one.
    for (line, name, email) in body_co_authors(commit.message) {
        let person = PersonView {
            alias: "",
            name: &name,
            email: &email,
        };
        if let Some(agent) = agent_of(&person) {
            add(
                &agent,
                Role::CoAuthor,
                Confidence::Exact,
                format!("`Co-authored-by:` line {line} of the message body"),
                email.to_ascii_lowercase(),
            );
        }
    }

    // Message markers and subject prefixes (model- or tool-written text).
    let subject = commit.message.lines().next().unwrap_or_default();
    for known in agents(catalogue) {
        for marker in &known.messages {
            if commit.message.contains(marker.contains.as_str()) {
                add(
                    &known.id,
                    Role::Assisted,
                    marker.confidence,
                    "message marker".to_owned(),
                    marker.contains.clone(),
                );
            }
        }
        for prefix in &known.subject_prefixes {
            if subject.starts_with(prefix.as_str()) {
                add(
                    &known.id,
                    Role::Assisted,
                    Confidence::Heuristic,
                    "subject prefix".to_owned(),
                    prefix.clone(),
                );
            }
        }
    }

    if !found.is_empty() {
        let human = |person: &PersonView<'_>| {
            catalogue.classify(person.name, person.email).is_none()
                && !agents(catalogue).any(|a| {
                    a.name_suffixes
                        .iter()
                        .any(|s| person.name.ends_with(s.as_str()))
                })
        };
        let co_author = commit.trailers.iter().find_map(|t| {
            t.person
                .as_ref()
                .filter(|p| {
                    t.key.eq_ignore_ascii_case("co-authored-by")
                        && human(p)
                        && parse_ident(&format!("{} <{}>", p.name, p.email)).is_some()
                })
                .map(|p| p.alias.to_owned())
        });
        let accountable = if human(&commit.committer) && !commit.committer.email.is_empty() {
            Some(commit.committer.alias.to_owned())
        } else if let Some(co) = co_author {
            Some(co)
        } else if human(&commit.author) {
            Some(commit.author.alias.to_owned())
        } else {
            None
        };
        for involvement in &mut found {
            involvement.accountable = accountable.clone();
            involvement.model = models
                .iter()
                .find(|(agent, _)| *agent == involvement.agent)
                .map(|(_, model)| model.clone());
        }
    }
    found.sort_by(|a, b| a.agent.cmp(&b.agent).then(a.role.cmp(&b.role)));
    found
}

/// The model an agent's display name carries: a parenthesised `vendor/model`
/// (`aider (openai/gpt-5)`), else the name without a parenthesised remark when it has a
/// version number (`Claude Opus 4.7 (1M context)` → `Claude Opus 4.7`). `None` for plain
/// product names (`Claude`, `Cursor Agent`, `Copilot Autofix powered by AI`).
pub fn model_in_name(name: &str) -> Option<String> {
    let name = name.trim();
    if let (Some(open), Some(close)) = (name.find('('), name.rfind(')'))
        && open < close
    {
        let inside = name[open + 1..close].trim();
        if inside.contains('/') && !inside.contains(' ') {
            return Some(inside.to_owned());
        }
    }
    let bare = match name.find('(') {
        Some(open) => name[..open].trim(),
        None => name,
    };
    (bare.chars().any(|c| c.is_ascii_digit()) && bare.chars().any(|c| c.is_alphabetic()))
        .then(|| bare.to_owned())
}

/// Whether a line belongs with trailers: `Key: value` (the key a token), or an issue
/// reference that GitHub and others put beside them (`Closes #19731`, `Fixes org/repo#12`).
fn trailer_shaped(line: &str) -> bool {
    let trailer = line.split_once(':').is_some_and(|(key, _)| {
        !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    let reference = || {
        let mut words = line.split_whitespace();
        let (Some(verb), Some(target), None) = (words.next(), words.next(), words.next()) else {
            return false;
        };
        const VERBS: [&str; 12] = [
            "close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves",
            "resolved", "ref", "refs", "see",
        ];
        VERBS.contains(&verb.to_ascii_lowercase().as_str())
            && (target.contains('#') || target.starts_with("https://"))
    };
    trailer || reference()
}

/// `Co-authored-by: Name <e-mail>` lines of a message outside its final trailer block (which
/// the ledger records as trailers): (1-based line number, name, e-mail). Only whole lines at
/// the start of a line, in a paragraph made of trailer lines only (as each squashed commit's
/// trailer block is), outside fenced code blocks — a line of prose that happens to be a
/// trailer ("we now recognise lines like / Co-authored-by: … / in the middle") is not one.
fn body_co_authors(message: &str) -> Vec<(usize, String, String)> {
    let lines: Vec<&str> = message.lines().collect();
    // Paragraphs: runs of non-blank lines, as (first, end) line indexes.
    let mut paragraphs: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, line) in lines.iter().enumerate() {
        match (line.trim().is_empty(), start) {
            (true, Some(s)) => {
                paragraphs.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        paragraphs.push((s, lines.len()));
    }
    let all_trailers =
        |&(first, end): &(usize, usize)| lines[first..end].iter().all(|l| trailer_shaped(l));
    // The final paragraph is skipped when it is the trailer block the ledger records (the
    // ledger's rule, git's: all trailers, or a quarter with a git-generated one).
    let recorded_block = !devspm_core::commit::parse_trailers(message.as_bytes()).is_empty();
    let trailer_start = match paragraphs.last() {
        Some(last) if last.0 > 0 && recorded_block => last.0,
        _ => lines.len(),
    };
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().take(trailer_start) {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced || i == 0 {
            continue;
        }
        let in_trailer_paragraph = paragraphs
            .iter()
            .find(|(first, end)| (*first..*end).contains(&i))
            .is_some_and(all_trailers);
        if !in_trailer_paragraph {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !key.eq_ignore_ascii_case("co-authored-by") {
            continue;
        }
        let value = value.trim();
        if !value.ends_with('>') {
            continue;
        }
        if let Some((name, email)) = parse_ident(value)
            && !email.is_empty()
        {
            out.push((i + 1, name.to_owned(), email.to_owned()));
        }
    }
    out
}

/// The catalogue agent a tool or model name denotes: its id, one of its `assisted_names`, or a
/// name that starts with one (`Claude Opus 4.6` → claude-code), compared case-insensitively.
/// `unknown-assistant` when none does.
pub fn agent_named(name: &str, catalogue: &Catalogue) -> String {
    let name = name.trim().to_ascii_lowercase();
    agents(catalogue)
        .find(|a| {
            a.id.eq_ignore_ascii_case(&name)
                || a.assisted_names.iter().any(|n| {
                    let n = n.to_ascii_lowercase();
                    name == n
                        || name.starts_with(&format!("{n} "))
                        || name.starts_with(&format!("{n}-"))
                })
        })
        .map_or_else(|| "unknown-assistant".to_owned(), |a| a.id.clone())
}

/// The agent whose branch-name prefix this ref carries: `refs/remotes/<remote>/copilot/…` or
/// `refs/heads/copilot/…`. Heuristic: a person can name a branch anything.
pub fn branch_agent(ref_name: &str, catalogue: &Catalogue) -> Option<String> {
    let branch = if let Some(rest) = ref_name.strip_prefix("refs/remotes/") {
        rest.split_once('/')?.1
    } else {
        ref_name.strip_prefix("refs/heads/")?
    };
    agents(catalogue)
        .find(|a| {
            a.branches
                .iter()
                .any(|p| branch.starts_with(p.as_str()) && branch.len() > p.len())
        })
        .map(|a| a.id.clone())
}

fn agents(catalogue: &Catalogue) -> impl Iterator<Item = &devspm_core::catalogue::Account> {
    catalogue
        .accounts
        .iter()
        .filter(|k| k.kind == IdentityKind::Agent)
        .map(|k| &k.account)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person<'a>(alias: &'a str, name: &'a str, email: &'a str) -> PersonView<'a> {
        PersonView { alias, name, email }
    }

    const ANN: (&str, &str, &str) = ("a_ann", "Ann Lee", "ann@example.org");

    /// A trailer as (key, plain value, person as (alias, name, e-mail)).
    type Trailer<'a> = (
        &'a str,
        Option<&'a str>,
        Option<(&'a str, &'a str, &'a str)>,
    );

    /// Detects on a commit by Ann with the given trailers and message.
    fn run(
        author: (&str, &str, &str),
        committer: (&str, &str, &str),
        trailers: &[Trailer<'_>],
        message: &str,
    ) -> Vec<(String, &'static str, &'static str)> {
        let catalogue = Catalogue::builtin();
        let view = CommitView {
            author: person(author.0, author.1, author.2),
            committer: person(committer.0, committer.1, committer.2),
            trailers: trailers
                .iter()
                .map(|(key, value, p)| TrailerView {
                    key,
                    value: *value,
                    person: p.map(|(a, n, e)| person(a, n, e)),
                })
                .collect(),
            message,
        };
        detect(&view, &catalogue)
            .into_iter()
            .map(|i| (i.agent, i.role.as_str(), i.confidence.as_str()))
            .collect()
    }

    fn one(
        agent: &str,
        role: &'static str,
        confidence: &'static str,
    ) -> Vec<(String, &'static str, &'static str)> {
        vec![(agent.to_owned(), role, confidence)]
    }

    #[test]
    fn every_identity_marker() {
        let cases = [
            (("a_1", "Claude", "noreply@anthropic.com"), "claude-code"),
            (
                ("a_1", "Claude Opus 4.6", "no-reply@anthropic.com"),
                "claude-code",
            ),
            (
                (
                    "a_1",
                    "claude[bot]",
                    "209825114+claude[bot]@users.noreply.github.com",
                ),
                "claude-github-app",
            ),
            (
                (
                    "a_1",
                    "copilot-swe-agent[bot]",
                    "198982749+Copilot@users.noreply.github.com",
                ),
                "copilot-agent",
            ),
            (
                (
                    "a_1",
                    "Copilot",
                    "175728472+Copilot@users.noreply.github.com",
                ),
                "copilot",
            ),
            (("a_1", "Copilot", "copilot@github.com"), "copilot"),
            (("a_1", "Codex", "codex@openai.com"), "codex"),
            (("a_1", "Codex", "noreply@openai.com"), "codex"),
            (("a_1", "Cursor Agent", "cursoragent@cursor.com"), "cursor"),
            (("a_1", "aider (gpt-4o)", "aider@aider.chat"), "aider"),
            (
                (
                    "a_1",
                    "Devin AI",
                    "158243242+devin-ai-integration[bot]@users.noreply.github.com",
                ),
                "devin",
            ),
            (
                (
                    "a_1",
                    "google-labs-jules[bot]",
                    "161369871+google-labs-jules[bot]@users.noreply.github.com",
                ),
                "jules",
            ),
            (("a_1", "Amp", "amp@ampcode.com"), "amp"),
            (("a_1", "Firebender", "help@firebender.com"), "firebender"),
            (
                (
                    "a_1",
                    "factory-droid[bot]",
                    "1+factory-droid[bot]@users.noreply.github.com",
                ),
                "factory",
            ),
            (("a_1", "Roomote", "roomote@roocode.com"), "roo-code"),
        ];
        for (agent_person, agent) in cases {
            // As author (and committer), and as a co-author trailer of a human commit.
            assert_eq!(
                run(agent_person, agent_person, &[], "change\n"),
                vec![
                    (agent.to_owned(), "author", "exact"),
                    (agent.to_owned(), "committer", "exact")
                ],
                "{agent}"
            );
            assert_eq!(
                run(
                    ANN,
                    ANN,
                    &[("Co-authored-by", None, Some(agent_person))],
                    "change\n"
                ),
                one(agent, "co-author", "exact"),
                "{agent}"
            );
        }
    }

    #[test]
    fn trailer_message_and_name_markers() {
        assert_eq!(
            run(
                ANN,
                ANN,
                &[(
                    "Claude-Session",
                    Some("https://claude.ai/code/session_01abc"),
                    None
                )],
                "x\n"
            ),
            one("claude-code", "assisted", "exact")
        );
        assert_eq!(
            run(
                ANN,
                ANN,
                &[(
                    "Amp-Thread-ID",
                    Some("https://ampcode.com/threads/T-1"),
                    None
                )],
                "x\n"
            ),
            one("amp", "assisted", "exact")
        );
        assert_eq!(
            run(
                ANN,
                ANN,
                &[],
                "Fix\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n"
            ),
            one("claude-code", "assisted", "heuristic")
        );
        let aider = ("a_2", "Ann Lee (aider)", "ann@example.org");
        assert_eq!(
            run(aider, aider, &[], "fix\n"),
            vec![
                ("aider".to_owned(), "author", "exact"),
                ("aider".to_owned(), "committer", "exact")
            ]
        );
        assert_eq!(
            run(ANN, ANN, &[], "aider: fix parser\n"),
            one("aider", "assisted", "heuristic")
        );
        assert_eq!(
            run(
                ANN,
                ANN,
                &[(
                    "Assisted-by",
                    None,
                    Some(("a_3", "Claude:claude-3-opus", ""))
                )],
                "x\n"
            ),
            one("claude-code", "assisted", "heuristic")
        );
        assert_eq!(
            run(
                ANN,
                ANN,
                &[("Generated-by", None, Some(("a_3", "SomeTool:v2", "")))],
                "x\n"
            ),
            one("unknown-assistant", "assisted", "heuristic")
        );
    }

    #[test]
    fn agent_branches() {
        let c = Catalogue::builtin();
        assert_eq!(
            branch_agent("refs/remotes/origin/copilot/fix-tests", &c).as_deref(),
            Some("copilot-agent")
        );
        assert_eq!(
            branch_agent("refs/heads/codex/add-parser", &c).as_deref(),
            Some("codex")
        );
        assert_eq!(
            branch_agent("refs/remotes/upstream/cursor/x-1a2b", &c).as_deref(),
            Some("cursor")
        );
        assert_eq!(
            branch_agent("refs/remotes/origin/claude/issue-12", &c).as_deref(),
            Some("claude-code")
        );
        assert_eq!(branch_agent("refs/heads/feature/copilot-support", &c), None);
        assert_eq!(branch_agent("refs/tags/copilot/v1", &c), None);
        assert_eq!(branch_agent("refs/heads/copilot/", &c), None);
    }

    #[test]
    fn traps_are_not_ai() {
        // A human named Claude.
        let claude = ("a_9", "Claude Dupont", "claude@example.org");
        assert!(run(claude, claude, &[], "fix\n").is_empty());
        // A message that mentions Copilot and Claude Code.
        assert!(
            run(
                ANN,
                ANN,
                &[],
                "Compare with Copilot and Claude Code output\n"
            )
            .is_empty()
        );
        // Bots are automation, not AI.
        let bot = (
            "a_8",
            "dependabot[bot]",
            "49699333+dependabot[bot]@users.noreply.github.com",
        );
        assert!(run(bot, bot, &[], "Bump x\n").is_empty());
        let actions = (
            "a_7",
            "github-actions[bot]",
            "41898282+github-actions[bot]@users.noreply.github.com",
        );
        assert!(run(actions, actions, &[], "ci\n").is_empty());
        // A session trailer with a foreign URL, and a human co-author.
        assert!(
            run(
                ANN,
                ANN,
                &[("Claude-Session", Some("https://example.org/x"), None)],
                "x\n"
            )
            .is_empty()
        );
        assert!(
            run(
                ANN,
                ANN,
                &[(
                    "Co-authored-by",
                    None,
                    Some(("a_5", "Bo", "bo@example.org"))
                )],
                "x\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn the_human_is_accountable() {
        let catalogue = Catalogue::builtin();
        let agent = person(
            "a_agent",
            "copilot-swe-agent[bot]",
            "198982749+Copilot@users.noreply.github.com",
        );
        let view = CommitView {
            author: agent.clone(),
            committer: agent,
            trailers: vec![TrailerView {
                key: "Co-authored-by",
                value: None,
                person: Some(person("a_ann", "Ann Lee", "ann@example.org")),
            }],
            message: "Initial plan\n",
        };
        let found = detect(&view, &catalogue);
        assert_eq!(found.len(), 2);
        assert!(
            found
                .iter()
                .all(|i| i.accountable.as_deref() == Some("a_ann"))
        );
        assert_eq!(
            found[0].evidence,
            vec![("author identity".to_owned(), "a_agent".to_owned())]
        );
    }

    /// A GitHub squash merge: the squashed commits' trailers sit mid-body. The agent's
    /// co-author line is exact evidence with its line; the human one is not AI.
    #[test]
    fn co_author_lines_inside_a_squash_merge_body_are_evidence() {
        let message = "Add parser (#42)\n\n* first step\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n\
                       * second step\n\n---------\n\nCo-authored-by: Bob <bob@example.org>\n";
        assert_eq!(
            run(ANN, ANN, &[], message),
            vec![("claude-code".to_owned(), "co-author", "exact")]
        );
        let catalogue = Catalogue::builtin();
        let view = CommitView {
            author: person(ANN.0, ANN.1, ANN.2),
            committer: person(ANN.0, ANN.1, ANN.2),
            trailers: Vec::new(),
            message,
        };
        assert_eq!(
            detect(&view, &catalogue)[0].evidence,
            vec![(
                "`Co-authored-by:` line 5 of the message body".to_owned(),
                "noreply@anthropic.com".to_owned()
            )]
        );
    }

    /// A co-author line beside an issue reference in the last paragraph (`Closes #19731`):
    /// not a trailer block by git's rule, still the co-author GitHub shows.
    #[test]
    fn a_co_author_beside_an_issue_reference_is_evidence() {
        let message = "Add ModuleBayType (#22648)\n\nCo-authored-by: Claude Sonnet 4.6 <noreply@anthropic.com>\nCloses #19731\n";
        assert_eq!(
            run(ANN, ANN, &[], message),
            vec![("claude-code".to_owned(), "co-author", "exact")]
        );
    }

    /// Trailers quoted in prose, indented, quoted with `>` or inside a code block are text
    /// about a trailer, not one.
    #[test]
    fn a_quoted_co_author_line_is_not_evidence() {
        let message = "Document trailers\n\nAdd `Co-authored-by: Claude <noreply@anthropic.com>` to commits.\n\
                       \x20   Co-authored-by: Claude <noreply@anthropic.com>\n\
                       > Co-authored-by: Claude <noreply@anthropic.com>\n\
                       ```\nCo-authored-by: Claude <noreply@anthropic.com>\n```\n";
        assert_eq!(run(ANN, ANN, &[], message), vec![]);
    }

    /// The e-mail or account id decides; the display name adds the product variant and the
    /// model, never the verdict.
    #[test]
    fn display_names_give_variants_and_models_not_verdicts() {
        let catalogue = Catalogue::builtin();
        let co_author = |name: &'static str, email: &'static str| {
            let view = CommitView {
                author: person(ANN.0, ANN.1, ANN.2),
                committer: person(ANN.0, ANN.1, ANN.2),
                trailers: vec![TrailerView {
                    key: "Co-authored-by",
                    value: None,
                    person: Some(person("a_x", name, email)),
                }],
                message: "change\n",
            };
            detect(&view, &catalogue)
                .into_iter()
                .map(|i| (i.agent, i.model))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            co_author(
                "Copilot Autofix powered by AI",
                "175728472+Copilot@users.noreply.github.com"
            ),
            vec![("copilot-autofix".to_owned(), None)]
        );
        assert_eq!(
            co_author("Copilot App", "223556219+Copilot@users.noreply.github.com"),
            vec![("copilot".to_owned(), None)]
        );
        assert_eq!(
            co_author("Claude Opus 4.7 (1M context)", "noreply@anthropic.com"),
            vec![("claude-code".to_owned(), Some("Claude Opus 4.7".to_owned()))]
        );
        assert_eq!(
            co_author("aider (vendor/model-name)", "aider@aider.chat"),
            vec![("aider".to_owned(), Some("vendor/model-name".to_owned()))]
        );
        // A person whose display name says Claude is not an agent.
        assert_eq!(co_author("Claude Opus 4.7", "claude@example.org"), vec![]);
    }
}
