//! One sampled change as the pack shows it: its people (aliases resolved to identities, with
//! the rule that resolved them), its review evidence (trailers, the merge that brought it in, a
//! pull-request reference), its AI involvement, files and the findings it introduced, and
//! every ledger event it cites.

use std::collections::{HashMap, HashSet, VecDeque};

use devspm_core::evidence::{
    AiPart, ChangeEvidence, Cited, Files, MergedBy, Person, RepositoryRow, Review, ReviewTrailer,
    Signature,
};
use devspm_ledger::evidence::{AiRecord, AliasIdentity, ChangeFacts, REVIEW_TRAILERS};

use super::PackStore;
use crate::EngineError;

/// Resolves aliases to people, caching identities.
pub(super) struct People<'s, S> {
    store: &'s S,
    book: HashMap<String, (String, String)>,
    cache: HashMap<String, Option<AliasIdentity>>,
}

impl<'s, S: PackStore> People<'s, S> {
    pub(super) fn new(store: &'s S) -> Result<People<'s, S>, EngineError> {
        let book = store
            .alias_book()?
            .entries()
            .into_iter()
            .map(|(id, name, email)| {
                (
                    id,
                    (
                        String::from_utf8_lossy(&name).into_owned(),
                        String::from_utf8_lossy(&email).into_owned(),
                    ),
                )
            })
            .collect();
        Ok(People {
            store,
            book,
            cache: HashMap::new(),
        })
    }

    pub(super) fn identity(&mut self, alias: &str) -> Result<Option<AliasIdentity>, EngineError> {
        if let Some(hit) = self.cache.get(alias) {
            return Ok(hit.clone());
        }
        let found = self.store.alias_identity(alias)?;
        self.cache.insert(alias.to_owned(), found.clone());
        Ok(found)
    }

    fn person(&mut self, alias: &str) -> Result<Person, EngineError> {
        let id = self.identity(alias)?;
        let pii = self.book.get(alias).cloned();
        let resolved_by = id.as_ref().map(|i| {
            let via = i.via.as_ref().map(|v| match self.book.get(v) {
                Some((n, e)) => format!("{n} ({e})"),
                None => format!("alias {v}"),
            });
            devspm_core::identity::Rule::parse(&i.rule).map_or_else(
                || i.rule.clone(),
                |r| r.explain(via.as_deref(), i.detail.as_deref()),
            )
        });
        Ok(Person {
            alias: alias.to_owned(),
            name: pii.as_ref().map(|p| p.0.clone()),
            email: pii.map(|p| p.1),
            identity: id.as_ref().map(|i| i.identity.clone()),
            kind: id.as_ref().map(|i| i.kind.clone()),
            slug: id.as_ref().and_then(|i| i.slug.clone()),
            resolved_by,
        })
    }
}

/// Child commits of each commit of a repository (with the parent position), and parents.
pub(super) struct Graph {
    children: HashMap<String, Vec<(String, usize)>>,
    parents: HashMap<String, Vec<String>>,
}

pub(super) fn graph_of<S: PackStore>(store: &S, repo: &str) -> Result<Graph, EngineError> {
    let parents = store.recorded_commits(repo)?.commits;
    let mut children: HashMap<String, Vec<(String, usize)>> = HashMap::new();
    for (sha, list) in &parents {
        for (i, p) in list.iter().enumerate() {
            children
                .entry(p.clone())
                .or_default()
                .push((sha.clone(), i));
        }
    }
    for list in children.values_mut() {
        list.sort();
    }
    Ok(Graph { children, parents })
}

impl Graph {
    /// Whether `ancestor` is reachable from `from` through parents.
    fn reaches(&self, from: &str, ancestor: &str) -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(at) = stack.pop() {
            if at == ancestor {
                return true;
            }
            if seen.insert(at.clone())
                && let Some(ps) = self.parents.get(&at)
            {
                stack.extend(ps.iter().cloned());
            }
        }
        false
    }

    /// The nearest merge commit that brought `sha` in: a descendant reached through one of its
    /// non-first parents whose first parent does not already contain `sha` (a merge of the
    /// main branch into a topic branch brings nothing in).
    fn merged_by(&self, sha: &str) -> Option<String> {
        let mut queue = VecDeque::from([sha.to_owned()]);
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(at) = queue.pop_front() {
            if seen.len() > 200_000 {
                break;
            }
            for (child, position) in self
                .children
                .get(&at)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if *position >= 1 {
                    let first = self.parents.get(child).and_then(|p| p.first());
                    if first.is_some_and(|f| !self.reaches(f, sha)) {
                        return Some(child.clone());
                    }
                    continue;
                }
                if seen.insert(child.clone()) {
                    queue.push_back(child.clone());
                }
            }
        }
        None
    }
}

fn subject_of<S: PackStore>(
    store: &S,
    message_sha256: &str,
) -> Result<Option<String>, EngineError> {
    Ok(store.content(message_sha256)?.map(|bytes| {
        String::from_utf8_lossy(&bytes)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }))
}

/// Unix seconds at an offset → `2026-07-01 14:03:07 +02:00`.
fn time_at(seconds: i64, offset: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_second(seconds) else {
        return seconds.to_string();
    };
    let offset = jiff::tz::Offset::from_seconds(offset as i32).unwrap_or(jiff::tz::Offset::UTC);
    let local = offset.to_datetime(ts);
    let minutes = offset.seconds() / 60;
    format!(
        "{} {}{:02}:{:02}",
        local.strftime("%Y-%m-%d %H:%M:%S"),
        if minutes < 0 { '-' } else { '+' },
        minutes.abs() / 60,
        minutes.abs() % 60
    )
}

/// The first 12 hex digits of a commit id.
pub(super) fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// `#123` from a subject like `Fix it (#123)` or `Merge pull request #123 from …`.
fn pull_request(subject: &str) -> Option<String> {
    let bytes = subject.as_bytes();
    let mut found = None;
    for (i, _) in subject.match_indices('#') {
        let digits: String = subject[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.is_empty() {
            continue;
        }
        let before = subject[..i].trim_end();
        if (i > 0 && bytes[i - 1] == b'(') || before.ends_with("pull request") {
            found = Some(format!("#{digits}"));
        }
    }
    found
}

/// An event the pack cites, with its leaf and its proof's file.
fn cite<S: PackStore>(store: &S, seq: u64, kind: &str) -> Cited {
    let leaf_hash = store
        .events(None, seq - 1, 1)
        .ok()
        .and_then(|mut e| e.pop())
        .map(|e| crate::audit::leaf_hash(&e.hash))
        .unwrap_or_default();
    Cited {
        seq,
        kind: kind.to_owned(),
        leaf_index: seq - 1,
        leaf_hash,
        proof: format!("proofs/{seq}.json"),
    }
}

/// Everything the pack says about one sampled change (`why`: why it was sampled).
pub(super) fn change_evidence<S: PackStore>(
    store: &S,
    people: &mut People<'_, S>,
    graph: &Graph,
    facts: &ChangeFacts,
    why: &str,
    multi_repo: bool,
) -> Result<ChangeEvidence, EngineError> {
    let author = people.person(&facts.author_alias)?;
    let committer = people.person(&facts.committer_alias)?;
    let subject = subject_of(store, &facts.message_sha256)?;
    let mut trailers = Vec::new();
    let mut other_trailers = Vec::new();
    for t in &facts.trailers {
        let row = ReviewTrailer {
            key: t.key.clone(),
            person: t.alias.as_deref().map(|a| people.person(a)).transpose()?,
            value: t.value.clone(),
        };
        if REVIEW_TRAILERS.contains(&t.key.to_ascii_lowercase().as_str()) {
            trailers.push(row);
        } else {
            other_trailers.push(row);
        }
    }
    let merged = match graph.merged_by(&facts.sha) {
        Some(m) => match store.change_facts(&facts.repo, &m)? {
            Some(mf) => {
                let merger = people.person(&mf.committer_alias)?;
                Some(MergedBy {
                    subject: subject_of(store, &mf.message_sha256)?,
                    // A person other than the author; a bot (GitHub's web-flow committing a
                    // pull-request merge) is not a reviewer.
                    different_person: merger.kind.as_deref() == Some("developer")
                        && merger.identity != author.identity,
                    committer: merger,
                    committed_at: time_at(mf.committer_time, mf.committer_offset),
                    merge_commit: m,
                })
            }
            None => None,
        },
        None => None,
    };
    let web_flow = committer.slug.as_deref() == Some("github-web-flow")
        || committer.email.as_deref() == Some("noreply@github.com");
    let pr = subject.as_deref().and_then(pull_request).or_else(|| {
        merged
            .as_ref()
            .and_then(|m| m.subject.as_deref())
            .and_then(pull_request)
    });
    let other_reviewer = trailers.iter().any(|t| {
        t.person
            .as_ref()
            .is_some_and(|p| p.identity.is_some() && p.identity != author.identity)
            || (t.person.is_none() && t.key.eq_ignore_ascii_case("reviewed-on"))
    });
    let independent = other_reviewer || merged.as_ref().is_some_and(|m| m.different_person);
    let mut summary = Vec::new();
    if !trailers.is_empty() {
        summary.push(format!(
            "{} review trailer(s): {}",
            trailers.len(),
            trailers
                .iter()
                .map(|t| format!(
                    "{}: {}",
                    t.key,
                    t.person.as_ref().map_or_else(
                        || t.value.clone().unwrap_or_default(),
                        |p| p.name.clone().unwrap_or_else(|| p.alias.clone())
                    )
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if let Some(m) = &merged {
        summary.push(format!(
            "merged by {} in merge commit {}{}",
            m.committer
                .name
                .clone()
                .unwrap_or_else(|| m.committer.alias.clone()),
            short(&m.merge_commit),
            if m.different_person {
                " (another person than the author)"
            } else if m.committer.kind.as_deref() == Some("developer") {
                " (the author's own identity)"
            } else {
                " (a bot, not a reviewer)"
            }
        ));
    }
    if web_flow {
        summary.push("committed through GitHub's web interface (web-flow), as pull-request merges are; the review itself, if any, is recorded on GitHub, not in git".into());
    }
    if let Some(pr) = &pr {
        summary.push(format!(
            "references pull request {pr}: look there for the review"
        ));
    }
    let summary = if summary.is_empty() {
        "none recorded: no review trailer, no merge by another person, no pull-request reference"
            .to_owned()
    } else {
        summary.join("; ")
    };

    let mut events = vec![cite(store, facts.seq, "commit_recorded")];
    let mut ai = Vec::new();
    for AiRecord {
        agent,
        role,
        confidence,
        accountable,
        evidence,
        lines,
        seq,
    } in store.ai_records(&facts.repo, &facts.sha)?
    {
        events.push(cite(store, seq, "ai_involvement"));
        ai.push(AiPart {
            agent,
            role,
            confidence,
            accountable: accountable
                .as_deref()
                .map(|a| people.person(a))
                .transpose()?,
            evidence: evidence
                .into_iter()
                .map(|(marker, matched)| {
                    let shown = if matched.starts_with("a_") {
                        people
                            .book
                            .get(&matched)
                            .map_or(matched.clone(), |(n, e)| format!("{n} ({e})"))
                    } else {
                        matched
                    };
                    format!("{marker}: {shown}")
                })
                .collect(),
            lines,
            event_seq: seq,
        });
    }
    let findings = store.findings_introduced_by(&facts.repo, &facts.sha)?;
    for f in &findings {
        events.push(cite(store, f.finding_seq, "finding_recorded"));
        events.push(cite(store, f.attribution_seq, "attribution"));
    }
    events.sort_by_key(|e| e.seq);
    events.dedup_by_key(|e| e.seq);
    let recorded = events
        .iter()
        .find(|e| e.seq == facts.seq)
        .cloned()
        .expect("the commit's event is cited");
    let file = if multi_repo {
        format!(
            "{}-{}",
            facts
                .repo_name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                })
                .collect::<String>(),
            short(&facts.sha)
        )
    } else {
        short(&facts.sha).to_owned()
    };
    Ok(ChangeEvidence {
        file,
        repository: RepositoryRow {
            repo: facts.repo.clone(),
            name: facts.repo_name.clone(),
            locator: facts.repo_locator.clone(),
        },
        commit: facts.sha.clone(),
        subject,
        merge: facts.parents.len() > 1,
        unreachable: facts.unreachable_seq.is_some(),
        sampled_because: why.to_owned(),
        authored_at: time_at(facts.author_time, facts.author_offset),
        committed_at: time_at(facts.committer_time, facts.committer_offset),
        author,
        committer,
        signature: Signature {
            kind: facts.signature.clone(),
            signed: facts.signature != "none",
        },
        review: Review {
            trailers,
            merged_by: merged,
            pull_request: pr,
            committed_via_github: web_flow,
            independent,
            summary,
        },
        other_trailers,
        ai,
        files: Files {
            changed: facts.files_changed,
            by_change: facts.files_by_change.iter().cloned().collect(),
            binary: facts.binary_files,
            lines_added: facts.lines_added,
            lines_removed: facts.lines_removed,
        },
        findings_introduced: findings,
        recorded,
        events,
    })
}
