//! Identity resolution: which developer, agent or bot is behind each alias (name + e-mail).
//!
//! Aliases are linked into one developer by evidence, strongest first: a `[[identity]]` in the
//! configuration file, a `.mailmap` entry, the same e-mail address, the same GitHub account in a
//! `users.noreply.github.com` address, and — only when the configuration asks for it — the same
//! full name. Agents and bots are recognised by the [catalogue](crate::catalogue) and never merged
//! with people. Two declared identities are never merged by weaker evidence. A shared first name
//! alone never links anyone.
//!
//! Every decision is an `alias_resolved` event naming the rule, the alias it went through and a
//! detail (repository, catalogue or config id): `devspm identities show` replays that evidence.
//!
//! ## A `.mailmap` line is evidence, not authority
//!
//! A `.mailmap` is a file of the repository: anyone whose commit lands can add a line to it. A
//! line that maps someone else's alias to its author's own identity would move the other
//! person's commits (and the findings they introduced) to the author; a line mapping the
//! author's alias to someone else would move the author's commits to them. So each link is
//! judged by who added its line (blame at the revision read; see `devspm-git`):
//!
//! - A link that joins nothing separate — the two sides are already one identity, or one side
//!   has no authored commit of its own (a rename, a trailer-only alias) — is applied.
//! - A link whose line was added by someone who is neither side (a maintainer keeping the
//!   file, as git/git's maintainer does for hundreds of contributors) is applied; when it joins
//!   two histories it is recorded as `merged`, with the line and its author, and shown so.
//! - A link whose line was added by one of the two sides is *self-asserted*: the author vouches
//!   for themself. It joins two histories only when the names the two sides committed under
//!   agree (the same full name, word for word, or one contained in the other: "Derrick Stolee"
//!   and "Derrick Stolee via GitGitGadget"; "Mazo, Andrey" and "Andrey Mazo") — a person
//!   mapping their own old address. Otherwise it is `contested`: not applied, recorded with the
//!   line and its author, until the operator joins the two with an `[[identity]]` of the
//!   configuration (`confirmed`).
//!
//! "One of the two sides" is decided on the graph of every link at once, so that a chain of
//! lines through an alias without commits of its own (`alice → spare`, `spare → mallory`)
//! cannot launder a self-asserted link; and the names compared are those the two sides
//! *authored commits* under, never the name written in the `.mailmap` line itself.
//!
//! The rule is as strong as the authorship of the commit that added the line: git does not
//! authenticate authors, so someone who forges the author of that commit (or commits it under
//! an address devspm cannot link to them) passes as a third party. That is why every link
//! that joins two histories is recorded and shown with its evidence, and why `findings
//! --developer <e-mail>` always finds what was introduced under that alias.
//!
//! ## Shared relay addresses
//!
//! A relay such as GitGitGadget sends every contributor's patches from one address
//! (`Name via GitGitGadget <gitgitgadget@gmail.com>`). When the `.mailmap` maps aliases of one
//! e-mail address to different people, that address is shared, and the same-e-mail rule does
//! not link its aliases to each other.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::catalogue::{AccountMatch, Catalogue, github_noreply};
use crate::config::Config;
#[cfg(test)]
use crate::event::Payload;
use crate::event::{
    AliasLinkJudged, AliasResolved, Attachment, IdentityKind, IdentityRegistered, NewEvent,
};
use crate::ids::{ALIAS_PREFIX, DEVELOPER_PREFIX, random_id};

/// Version of the resolution rules, recorded in every decision. 2: `.mailmap` links are
/// judged by who added their line; shared relay addresses.
pub const RESOLVER_VERSION: u32 = 2;

/// The rule that linked an alias to its identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// Declared in `devspm.toml`.
    Config,
    /// An agent or bot e-mail from the catalogue.
    CatalogueEmail,
    /// A GitHub numeric user id from the catalogue.
    CatalogueGithubId,
    /// A GitHub login from the catalogue.
    CatalogueLogin,
    /// A GitHub `[bot]` account not in the catalogue.
    GithubBotAccount,
    /// An automation account not in the catalogue, by its address (`release-bot@…`,
    /// `*-bot@users.noreply.github.com`) or by a bot's name at a no-reply address.
    AutomationAccount,
    /// `.mailmap` maps this alias to another.
    Mailmap,
    /// Same e-mail address (case-insensitive) as another alias.
    SameEmail,
    /// Same GitHub account (numeric id or login) in a no-reply address.
    GithubNoreply,
    /// Same full name (opt-in).
    SameFullName,
    /// The first alias of a developer: nothing else was needed.
    FirstAlias,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Config => "config",
            Rule::CatalogueEmail => "catalogue-email",
            Rule::CatalogueGithubId => "catalogue-github-id",
            Rule::CatalogueLogin => "catalogue-login",
            Rule::GithubBotAccount => "github-bot-account",
            Rule::AutomationAccount => "automation-account",
            Rule::Mailmap => "mailmap",
            Rule::SameEmail => "same-email",
            Rule::GithubNoreply => "github-noreply",
            Rule::SameFullName => "same-full-name",
            Rule::FirstAlias => "first-alias",
        }
    }

    pub fn parse(text: &str) -> Option<Rule> {
        [
            Rule::Config,
            Rule::CatalogueEmail,
            Rule::CatalogueGithubId,
            Rule::CatalogueLogin,
            Rule::GithubBotAccount,
            Rule::AutomationAccount,
            Rule::Mailmap,
            Rule::SameEmail,
            Rule::GithubNoreply,
            Rule::SameFullName,
            Rule::FirstAlias,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }

    /// A sentence explaining the rule; `via` is the other alias rendered for display.
    pub fn explain(self, via: Option<&str>, detail: Option<&str>) -> String {
        let via = via.unwrap_or("another alias");
        let detail = detail.unwrap_or("?");
        match self {
            Rule::Config => format!("declared as identity `{detail}` in the configuration file"),
            Rule::CatalogueEmail => format!("e-mail of catalogue entry `{detail}`"),
            Rule::CatalogueGithubId => {
                format!("GitHub user id of catalogue entry `{detail}` in a no-reply address")
            }
            Rule::CatalogueLogin => format!("GitHub login of catalogue entry `{detail}`"),
            Rule::GithubBotAccount => format!("GitHub bot account `{detail}`"),
            Rule::AutomationAccount => format!("automation account: {detail}"),
            Rule::Mailmap => format!(".mailmap of repository {detail} maps it to {via}"),
            Rule::SameEmail => format!("same e-mail address as {via}"),
            Rule::GithubNoreply => format!("same GitHub account ({detail}) as {via}"),
            Rule::SameFullName => format!("same full name as {via} (merge_on_full_name)"),
            Rule::FirstAlias => "first alias of this developer".to_owned(),
        }
    }

    /// Priority when several rules could link the same pair: lower is stronger.
    fn strength(self) -> u8 {
        match self {
            Rule::Config => 0,
            Rule::Mailmap => 1,
            Rule::SameEmail => 2,
            Rule::GithubNoreply => 3,
            Rule::SameFullName => 4,
            _ => 9,
        }
    }
}

/// Assigns alias ids to (name, e-mail) pairs, remembering the ones already known.
#[derive(Default, Debug)]
pub struct AliasBook {
    known: HashMap<(Vec<u8>, Vec<u8>), String>,
    /// The same entries by alias id, for the attachments that carry personal data.
    by_id: HashMap<String, (Vec<u8>, Vec<u8>)>,
}

impl AliasBook {
    /// A book of known aliases: `(alias id, name bytes, e-mail bytes)`.
    pub fn new(known: impl IntoIterator<Item = (String, Vec<u8>, Vec<u8>)>) -> AliasBook {
        let mut book = AliasBook::default();
        for (id, name, email) in known {
            book.known.insert((name.clone(), email.clone()), id.clone());
            book.by_id.insert(id, (name, email));
        }
        book
    }

    /// The alias id of `name <email>`; the attachment carrying its personal data when it is new.
    pub fn alias_for(&mut self, name: &[u8], email: &[u8]) -> (String, Option<Attachment>) {
        let key = (name.to_vec(), email.to_vec());
        if let Some(id) = self.known.get(&key) {
            return (id.clone(), None);
        }
        let id = random_id(ALIAS_PREFIX);
        self.known.insert(key, id.clone());
        self.by_id
            .insert(id.clone(), (name.to_vec(), email.to_vec()));
        let pii = Attachment::AliasPii {
            alias: id.clone(),
            name: name.to_vec(),
            email: email.to_vec(),
        };
        (id, Some(pii))
    }

    /// The attachment carrying an alias's personal data (`None` for an id this book never
    /// assigned or loaded).
    pub fn personal_data(&self, alias: &str) -> Option<Attachment> {
        self.by_id
            .get(alias)
            .map(|(name, email)| Attachment::AliasPii {
                alias: alias.to_owned(),
                name: name.clone(),
                email: email.clone(),
            })
    }

    /// Every alias: `(id, name, e-mail)`, in no particular order.
    pub fn entries(&self) -> Vec<(String, Vec<u8>, Vec<u8>)> {
        self.known
            .iter()
            .map(|((name, email), id)| (id.clone(), name.clone(), email.clone()))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

/// An alias with its personal data, as the resolver reads it.
#[derive(Clone, Debug)]
pub struct AliasRecord {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// A declared link between two aliases (from an `alias_linked` event).
#[derive(Clone, Debug)]
pub struct AliasLink {
    pub alias: String,
    pub canonical: String,
    pub repo: String,
    /// The alias that authored the commit adding the link's line; `None` when unknown.
    pub added_by: Option<String>,
}

/// What became of a `.mailmap` link (the `verdict` of an `alias_link_judged` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Applied; it joins nothing that was separate.
    Plain,
    /// Applied; it joined two identities that each authored commits.
    Merged,
    /// Not applied: self-asserted, and the names of the two sides do not agree.
    Contested,
    /// Not applied on its own word; the configuration joins the two.
    Confirmed,
    /// Not applied: the configuration declares the two sides different people.
    Overruled,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Plain => "plain",
            Verdict::Merged => "merged",
            Verdict::Contested => "contested",
            Verdict::Confirmed => "confirmed",
            Verdict::Overruled => "overruled",
        }
    }

    pub fn parse(text: &str) -> Option<Verdict> {
        [
            Verdict::Plain,
            Verdict::Merged,
            Verdict::Contested,
            Verdict::Confirmed,
            Verdict::Overruled,
        ]
        .into_iter()
        .find(|v| v.as_str() == text)
    }

    /// Whether the link joins its two aliases.
    pub fn applied(self) -> bool {
        matches!(self, Verdict::Plain | Verdict::Merged)
    }
}

/// Why a `.mailmap` link got its verdict (the `reason` of an `alias_link_judged` event).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkReason {
    /// The two sides were one identity already, or one side has no authored commit.
    JoinsNothing,
    /// The line was added by someone who is neither side.
    ThirdParty,
    /// Who added the line is unknown (a shallow clone's boundary, a link recorded before).
    AuthorUnknown,
    /// The line was added by one side, and the names both sides committed under agree.
    NamesAgree,
    /// The line was added by one side, and the names do not agree.
    SelfAsserted,
    /// An `[[identity]]` of the configuration lists both sides.
    DeclaredTogether,
    /// The configuration declares the two sides as different identities.
    DeclaredApart,
    /// Not applied, but the two sides are joined by other evidence anyway.
    JoinedOtherwise,
}

impl LinkReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkReason::JoinsNothing => "joins-nothing",
            LinkReason::ThirdParty => "third-party",
            LinkReason::AuthorUnknown => "author-unknown",
            LinkReason::NamesAgree => "names-agree",
            LinkReason::SelfAsserted => "self-asserted",
            LinkReason::DeclaredTogether => "declared-together",
            LinkReason::DeclaredApart => "declared-apart",
            LinkReason::JoinedOtherwise => "joined-otherwise",
        }
    }

    pub fn parse(text: &str) -> Option<LinkReason> {
        [
            LinkReason::JoinsNothing,
            LinkReason::ThirdParty,
            LinkReason::AuthorUnknown,
            LinkReason::NamesAgree,
            LinkReason::SelfAsserted,
            LinkReason::DeclaredTogether,
            LinkReason::DeclaredApart,
            LinkReason::JoinedOtherwise,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }

    /// The reason as a sentence (who added the line is shown beside it).
    pub fn explain(self) -> &'static str {
        match self {
            LinkReason::JoinsNothing => "applied: it joins nothing that was separate",
            LinkReason::ThirdParty => {
                "applied: it joins two histories, and the line's author is neither side"
            }
            LinkReason::AuthorUnknown => {
                "applied: it joins two histories; who added the line is unknown (a shallow clone's boundary, or a link recorded by an older devspm)"
            }
            LinkReason::NamesAgree => {
                "applied: it joins two histories; the line's author is one side, and the names both sides committed under agree"
            }
            LinkReason::SelfAsserted => {
                "not applied: the line's author is one side, and the names both sides committed under differ; a .mailmap line cannot vouch for its own author. To join them, list both aliases in one [[identity]] of your configuration"
            }
            LinkReason::DeclaredTogether => {
                "an [[identity]] of the configuration joins the two sides"
            }
            LinkReason::DeclaredApart => {
                "not applied: the configuration declares the two sides different identities"
            }
            LinkReason::JoinedOtherwise => {
                "not applied on its own word (its author is one side), but other evidence joins the two sides"
            }
        }
    }
}

/// The recorded judgement of a link (from the latest `alias_link_judged` event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judgement {
    pub verdict: String,
    pub reason: String,
    /// How many judgements this link has had.
    pub revision: u32,
}

/// A link's identity: (alias, canonical, repository).
pub type LinkKey = (String, String, String);

/// The current resolution of an alias (from the projection).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub identity: String,
    pub rule: String,
    pub via: Option<String>,
    pub detail: Option<String>,
    /// How many resolutions this alias has had.
    pub revision: u32,
}

/// A known identity (from the projection).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityState {
    pub kind: IdentityKind,
    pub team: Option<String>,
    pub revision: u32,
}

/// Everything resolution reads.
pub struct ResolverInput<'a> {
    pub aliases: &'a [AliasRecord],
    pub links: &'a [AliasLink],
    /// Aliases that authored at least one recorded commit.
    pub authored: &'a HashSet<String>,
    /// The recorded judgement of each link.
    pub judgements: &'a HashMap<LinkKey, Judgement>,
    pub current: &'a HashMap<String, Assignment>,
    pub identities: &'a HashMap<String, IdentityState>,
    pub catalogue: &'a Catalogue,
    pub config: &'a Config,
}

/// An edge between two nodes of the alias graph; node ids are alias ids or `cfg:<id>`.
#[derive(Clone, Debug)]
struct Edge {
    a: String,
    b: String,
    rule: Rule,
    detail: Option<String>,
    /// For a `.mailmap` edge: its index in [`ResolverInput::links`].
    link: Option<usize>,
}

/// How one alias was resolved: identity, its kind, the rule, the alias it went through, detail.
type Decision = (String, IdentityKind, Rule, Option<String>, Option<String>);

/// Resolves every alias and returns the events that change the recorded resolution.
pub fn resolve(input: &ResolverInput<'_>) -> Vec<NewEvent> {
    let mut decided: BTreeMap<String, Decision> = BTreeMap::new();
    let mut new_identities: BTreeMap<String, (IdentityKind, Option<String>, Option<String>)> =
        BTreeMap::new();

    // 1. Agents and bots by the catalogue.
    let mut people: Vec<&AliasRecord> = Vec::new();
    for alias in input.aliases {
        match input.catalogue.classify(&alias.name, &alias.email) {
            Some((known, how)) => {
                let identity = known.identity_id();
                let (rule, detail) = match how {
                    AccountMatch::Email => (Rule::CatalogueEmail, known.account.id.clone()),
                    AccountMatch::GithubId(_) => {
                        (Rule::CatalogueGithubId, known.account.id.clone())
                    }
                    AccountMatch::Login => (Rule::CatalogueLogin, known.account.id.clone()),
                    AccountMatch::GenericBot(login) => (Rule::GithubBotAccount, login),
                    AccountMatch::Automation { why, .. } => (Rule::AutomationAccount, why),
                };
                new_identities.entry(identity.clone()).or_insert((
                    known.kind,
                    Some(known.account.id.clone()),
                    None,
                ));
                decided.insert(
                    alias.id.clone(),
                    (identity, known.kind, rule, None, Some(detail)),
                );
            }
            None => people.push(alias),
        }
    }

    // 2. The graph of developer aliases: everything but `.mailmap` first. Everything below walks aliases and edges in an order
    // given by what the aliases are (e-mail, then name), never by their ids: ids are random
    // per database, and the same history must resolve the same way in every database, whatever
    // order its aliases were recorded in.
    people.sort_by(|a, b| content_order(a).cmp(&content_order(b)));
    let order: HashMap<&str, usize> = people
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let person_ids: HashSet<&str> = people.iter().map(|a| a.id.as_str()).collect();
    let mut edges: Vec<Edge> = Vec::new();
    for declared in &input.config.identity {
        let node = format!("cfg:{}", declared.id);
        for alias in &people {
            if declared
                .aliases
                .iter()
                .any(|pattern| config_alias_matches(pattern, alias))
            {
                edges.push(Edge {
                    a: node.clone(),
                    b: alias.id.clone(),
                    rule: Rule::Config,
                    detail: Some(declared.id.clone()),
                    link: None,
                });
            }
        }
    }
    let shared = shared_addresses(input, &person_ids);
    let mut group = |key_of: &dyn Fn(&AliasRecord) -> Option<String>, rule: Rule| {
        let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for alias in &people {
            if let Some(key) = key_of(alias) {
                groups.entry(key).or_default().push(&alias.id);
            }
        }
        for (key, members) in groups {
            let detail = (rule == Rule::GithubNoreply).then(|| key.clone());
            for pair in members.windows(2) {
                edges.push(Edge {
                    a: pair[0].to_owned(),
                    b: pair[1].to_owned(),
                    rule,
                    detail: detail.clone(),
                    link: None,
                });
            }
        }
    };
    group(
        &|a| normal_email(&a.email).filter(|e| !shared.contains(e)),
        Rule::SameEmail,
    );
    group(
        &|a| github_noreply(&a.email).and_then(|(id, _)| id.map(|id| format!("github id {id}"))),
        Rule::GithubNoreply,
    );
    group(
        &|a| github_noreply(&a.email).map(|(_, login)| format!("github login {login}")),
        Rule::GithubNoreply,
    );
    if input.config.resolution.merge_on_full_name {
        group(&|a| full_name_key(&a.name), Rule::SameFullName);
    }
    // Declared (`cfg:`) nodes sort before aliases, by their declared id.
    let rank = |node: &str| -> (usize, String) {
        match order.get(node) {
            Some(i) => (1, format!("{i:012}")),
            None => (0, node.to_owned()),
        }
    };

    // 3. `.mailmap` links, judged against that graph (see the module comment); the applied
    // ones join it.
    let mailmap: Vec<usize> = (0..input.links.len())
        .filter(|&i| {
            let link = &input.links[i];
            person_ids.contains(link.alias.as_str()) && person_ids.contains(link.canonical.as_str())
        })
        .collect();
    let mut verdicts = judge_links(input, &people, &edges, &mailmap);
    for &i in &mailmap {
        if verdicts[&i].0.applied() {
            let link = &input.links[i];
            edges.push(Edge {
                a: link.canonical.clone(),
                b: link.alias.clone(),
                rule: Rule::Mailmap,
                detail: Some(link.repo.clone()),
                link: Some(i),
            });
        }
    }
    edges.sort_by_cached_key(|e| (e.rule.strength(), rank(&e.a), rank(&e.b)));

    // Union-find, never joining two declared identities.
    let mut uf = UnionFind::default();
    for alias in &people {
        uf.add(&alias.id);
    }
    for edge in &edges {
        uf.add(&edge.a);
        uf.add(&edge.b);
        let (ra, rb) = (uf.find(&edge.a), uf.find(&edge.b));
        if ra == rb {
            continue;
        }
        let (ca, cb) = (uf.declared(ra), uf.declared(rb));
        if ca.is_some() && cb.is_some() && ca != cb {
            if let Some(i) = edge.link {
                verdicts.insert(i, (Verdict::Overruled, LinkReason::DeclaredApart));
            }
            continue;
        }
        uf.union(ra, rb);
    }
    let mut clusters: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for node in uf.names.clone() {
        let root = uf.find(&node);
        clusters.entry(root).or_default().push(node);
    }
    // A contested link whose two sides ended up together anyway says so.
    for (&i, verdict) in verdicts.iter_mut() {
        if verdict.0 != Verdict::Contested {
            continue;
        }
        let link = &input.links[i];
        let root = uf.find(&link.alias);
        if root == uf.find(&link.canonical) {
            *verdict = if uf.declared(root).is_some() {
                (Verdict::Confirmed, LinkReason::DeclaredTogether)
            } else {
                (Verdict::Plain, LinkReason::JoinedOtherwise)
            };
        }
    }

    // 4. One identity per cluster, with a spanning tree for the explanations.
    let mut adjacency: HashMap<&str, Vec<&Edge>> = HashMap::new();
    for edge in &edges {
        adjacency.entry(edge.a.as_str()).or_default().push(edge);
        adjacency.entry(edge.b.as_str()).or_default().push(edge);
    }
    for members in clusters.values() {
        let declared = members.iter().find(|m| m.starts_with("cfg:")).cloned();
        let aliases: Vec<&String> = members.iter().filter(|m| !m.starts_with("cfg:")).collect();
        if aliases.is_empty() {
            continue;
        }
        let identity = choose_identity(&aliases, input);
        let team = declared.as_ref().and_then(|d| {
            input
                .config
                .identity
                .iter()
                .find(|i| format!("cfg:{}", i.id) == *d)
                .and_then(|i| i.team.clone())
        });
        new_identities
            .entry(identity.clone())
            .or_insert((IdentityKind::Developer, None, team));
        let in_cluster: HashSet<&str> = members.iter().map(String::as_str).collect();
        let root = declared
            .clone()
            .unwrap_or_else(|| pick_root(&aliases, input, &edges, &order));
        let mut queue = std::collections::VecDeque::from([root.clone()]);
        let mut seen: HashSet<String> = HashSet::from([root.clone()]);
        if !root.starts_with("cfg:") {
            decided.insert(
                root.clone(),
                (
                    identity.clone(),
                    IdentityKind::Developer,
                    Rule::FirstAlias,
                    None,
                    None,
                ),
            );
        }
        while let Some(node) = queue.pop_front() {
            let mut next: Vec<&Edge> = adjacency.get(node.as_str()).cloned().unwrap_or_default();
            next.sort_by_key(|e| e.rule.strength());
            for edge in next {
                let other = if edge.a == node { &edge.b } else { &edge.a };
                if !in_cluster.contains(other.as_str()) || !seen.insert(other.clone()) {
                    continue;
                }
                let via = (!node.starts_with("cfg:")).then(|| node.clone());
                decided.insert(
                    other.clone(),
                    (
                        identity.clone(),
                        IdentityKind::Developer,
                        edge.rule,
                        via,
                        edge.detail.clone(),
                    ),
                );
                queue.push_back(other.clone());
            }
        }
    }

    // 5. Events for what changed.
    let mut events = Vec::new();
    for (identity, (kind, slug, team)) in new_identities {
        let current = input.identities.get(&identity);
        if current.is_some_and(|c| c.kind == kind && c.team == team) {
            continue;
        }
        let revision = current.map_or(0, |c| c.revision) + 1;
        let payload = IdentityRegistered {
            identity: identity.clone(),
            kind,
            slug,
            team,
        };
        events.push(NewEvent::new(
            format!("identity/{identity}/r{revision}"),
            "devspm:identity-resolver",
            identity.clone(),
            payload,
        ));
    }
    let mut judged: Vec<(usize, Verdict, LinkReason)> =
        verdicts.into_iter().map(|(i, (v, r))| (i, v, r)).collect();
    judged.sort_by_key(|j| j.0);
    for (i, verdict, reason) in judged {
        let link = &input.links[i];
        let key = (
            link.alias.clone(),
            link.canonical.clone(),
            link.repo.clone(),
        );
        let current = input.judgements.get(&key);
        let unchanged = match current {
            Some(c) => c.verdict == verdict.as_str() && c.reason == reason.as_str(),
            None => verdict == Verdict::Plain,
        };
        if unchanged {
            continue;
        }
        let revision = current.map_or(0, |c| c.revision) + 1;
        let payload = AliasLinkJudged {
            alias: link.alias.clone(),
            canonical: link.canonical.clone(),
            repo: link.repo.clone(),
            verdict: verdict.as_str().to_owned(),
            reason: reason.as_str().to_owned(),
            resolver: RESOLVER_VERSION,
        };
        events.push(NewEvent::new(
            format!(
                "link-judged/{}/{}/{}/r{revision}",
                link.repo, link.alias, link.canonical
            ),
            "devspm:identity-resolver",
            link.alias.clone(),
            payload,
        ));
    }
    for (alias, (identity, _kind, rule, via, detail)) in decided {
        let current = input.current.get(&alias);
        let unchanged = current.is_some_and(|c| {
            c.identity == identity && c.rule == rule.as_str() && c.via == via && c.detail == detail
        });
        if unchanged {
            continue;
        }
        let revision = current.map_or(0, |c| c.revision) + 1;
        let payload = AliasResolved {
            alias: alias.clone(),
            identity: identity.clone(),
            rule: rule.as_str().to_owned(),
            via,
            detail,
            resolver: RESOLVER_VERSION,
        };
        events.push(NewEvent::new(
            format!("alias/{alias}/r{revision}"),
            "devspm:identity-resolver",
            identity,
            payload,
        ));
    }
    events
}

/// Keeps the developer id most of the cluster already has, so ids stay stable across runs.
fn choose_identity(aliases: &[&String], input: &ResolverInput<'_>) -> String {
    let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
    for alias in aliases {
        if let Some(current) = input.current.get(alias.as_str())
            && current.identity.starts_with(DEVELOPER_PREFIX)
        {
            *votes.entry(current.identity.as_str()).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(id, _)| id.to_owned())
        .unwrap_or_else(|| random_id(DEVELOPER_PREFIX))
}

/// The alias a developer's explanation starts from: the `.mailmap` canonical alias if there is
/// one, else the alias already marked first, else the first by e-mail and name.
fn pick_root(
    aliases: &[&String],
    input: &ResolverInput<'_>,
    edges: &[Edge],
    order: &HashMap<&str, usize>,
) -> String {
    let set: HashSet<&str> = aliases.iter().map(|a| a.as_str()).collect();
    if let Some(edge) = edges
        .iter()
        .find(|e| e.rule == Rule::Mailmap && set.contains(e.a.as_str()))
    {
        return edge.a.clone();
    }
    if let Some(first) = aliases.iter().find(|a| {
        input
            .current
            .get(a.as_str())
            .is_some_and(|c| c.rule == Rule::FirstAlias.as_str())
    }) {
        return (*first).clone();
    }
    aliases
        .iter()
        .min_by_key(|a| order.get(a.as_str()).copied().unwrap_or(usize::MAX))
        .map(|a| (*a).clone())
        .unwrap_or_default()
}

/// The order aliases are resolved in: by e-mail (case-insensitive), then as written, then by
/// name; the id breaks ties only between identical people (never two different aliases).
fn content_order(alias: &AliasRecord) -> (String, &str, &str, &str) {
    (
        alias.email.to_ascii_lowercase(),
        &alias.email,
        &alias.name,
        &alias.id,
    )
}

/// E-mail addresses the `.mailmap` treats as shared: aliases of the address (told apart by
/// name) are mapped to different e-mail addresses, as git/git's `.mailmap` does for
/// `Name via GitGitGadget <gitgitgadget@gmail.com>`. The same-e-mail rule skips them.
fn shared_addresses(input: &ResolverInput<'_>, person_ids: &HashSet<&str>) -> HashSet<String> {
    let email_of: HashMap<&str, &str> = input
        .aliases
        .iter()
        .map(|a| (a.id.as_str(), a.email.as_str()))
        .collect();
    let mut targets: HashMap<String, HashSet<String>> = HashMap::new();
    for link in input.links {
        if !person_ids.contains(link.alias.as_str()) {
            continue;
        }
        let (Some(from), Some(to)) = (
            email_of
                .get(link.alias.as_str())
                .and_then(|e| normal_email(e)),
            email_of
                .get(link.canonical.as_str())
                .and_then(|e| normal_email(e)),
        ) else {
            continue;
        };
        targets.entry(from).or_default().insert(to);
    }
    targets
        .into_iter()
        .filter(|(_, to)| to.len() > 1)
        .map(|(from, _)| from)
        .collect()
}

/// Judges each `.mailmap` link (`mailmap`: indices into the input's links whose two aliases are
/// people) against the graph of the other evidence (`base`), as the module comment describes.
/// Returns each link's verdict and reason; links judged `plain` or `merged` are to be applied.
fn judge_links(
    input: &ResolverInput<'_>,
    people: &[&AliasRecord],
    base: &[Edge],
    mailmap: &[usize],
) -> HashMap<usize, (Verdict, LinkReason)> {
    // Which side the author of a line is on is decided with every link applied: whoever is
    // linked to either side by anything, other lines included, is not a third party.
    let mut all = Sides::new(people, input.authored);
    for edge in base {
        all.union(&edge.a, &edge.b);
    }
    for &i in mailmap {
        all.union(&input.links[i].alias, &input.links[i].canonical);
    }
    let self_asserted: HashSet<usize> = mailmap
        .iter()
        .copied()
        .filter(|&i| {
            let link = &input.links[i];
            link.added_by
                .as_deref()
                .is_some_and(|w| all.contains(w) && all.same(w, &link.alias))
        })
        .collect();

    // Then the links are applied one by one on the graph of the other evidence (without the
    // configuration, which confirms links rather than being judged with them): a third
    // party's first (in recorded order), then self-asserted ones while any still can be.
    let mut graph = Sides::new(people, input.authored);
    for edge in base.iter().filter(|e| e.rule != Rule::Config) {
        graph.union(&edge.a, &edge.b);
    }
    let mut verdicts = HashMap::new();
    let mut pending: Vec<usize> = Vec::new();
    for &i in mailmap {
        if self_asserted.contains(&i) {
            pending.push(i);
            continue;
        }
        let link = &input.links[i];
        let joins_two = graph.joins_two_histories(&link.alias, &link.canonical);
        graph.union(&link.alias, &link.canonical);
        let verdict = if !joins_two {
            (Verdict::Plain, LinkReason::JoinsNothing)
        } else if link.added_by.is_some() {
            (Verdict::Merged, LinkReason::ThirdParty)
        } else {
            (Verdict::Merged, LinkReason::AuthorUnknown)
        };
        verdicts.insert(i, verdict);
    }
    pending.sort_by(|&x, &y| {
        let (a, b) = (&input.links[x], &input.links[y]);
        (&a.alias, &a.canonical, &a.repo).cmp(&(&b.alias, &b.canonical, &b.repo))
    });
    loop {
        let before = pending.len();
        pending.retain(|&i| {
            let link = &input.links[i];
            let verdict = if !graph.joins_two_histories(&link.alias, &link.canonical) {
                (Verdict::Plain, LinkReason::JoinsNothing)
            } else if graph.names_agree(&link.alias, &link.canonical) {
                (Verdict::Merged, LinkReason::NamesAgree)
            } else {
                return true;
            };
            graph.union(&link.alias, &link.canonical);
            verdicts.insert(i, verdict);
            false
        });
        if pending.len() == before {
            break;
        }
    }
    for i in pending {
        verdicts.insert(i, (Verdict::Contested, LinkReason::SelfAsserted));
    }
    verdicts
}

/// Components of the alias graph while links are judged: for each, whether it authored
/// commits and the names it authored them under.
struct Sides {
    index: HashMap<String, usize>,
    parent: Vec<usize>,
    authored: Vec<bool>,
    names: Vec<Vec<Vec<String>>>,
}

impl Sides {
    fn new(people: &[&AliasRecord], authored: &HashSet<String>) -> Sides {
        let mut sides = Sides {
            index: HashMap::new(),
            parent: Vec::new(),
            authored: Vec::new(),
            names: Vec::new(),
        };
        for alias in people {
            let i = sides.parent.len();
            sides.index.insert(alias.id.clone(), i);
            sides.parent.push(i);
            let wrote = authored.contains(&alias.id);
            sides.authored.push(wrote);
            sides.names.push(if wrote {
                vec![name_words(&alias.name)]
            } else {
                Vec::new()
            });
        }
        sides
    }

    fn contains(&self, node: &str) -> bool {
        self.index.contains_key(node)
    }

    /// The component of a node; `None` for a configuration node (`cfg:…`).
    fn root(&mut self, node: &str) -> Option<usize> {
        let mut i = *self.index.get(node)?;
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        Some(i)
    }

    fn same(&mut self, a: &str, b: &str) -> bool {
        let (ra, rb) = (self.root(a), self.root(b));
        ra.is_some() && ra == rb
    }

    fn union(&mut self, a: &str, b: &str) {
        // Configuration nodes join the aliases they declare through an alias of their own:
        // link each to the first alias it was seen with.
        let (ra, rb) = match (self.root(a), self.root(b)) {
            (Some(ra), Some(rb)) => (ra, rb),
            (Some(r), None) | (None, Some(r)) => {
                let other = if self.index.contains_key(a) { b } else { a };
                self.index.insert(other.to_owned(), r);
                return;
            }
            (None, None) => return,
        };
        if ra == rb {
            return;
        }
        let (keep, gone) = if self.names[ra].len() >= self.names[rb].len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[gone] = keep;
        self.authored[keep] |= self.authored[gone];
        let moved = std::mem::take(&mut self.names[gone]);
        for name in moved {
            if !self.names[keep].contains(&name) {
                self.names[keep].push(name);
            }
        }
    }

    /// Whether `a` and `b` are in different components that both authored commits.
    fn joins_two_histories(&mut self, a: &str, b: &str) -> bool {
        match (self.root(a), self.root(b)) {
            (Some(ra), Some(rb)) => ra != rb && self.authored[ra] && self.authored[rb],
            _ => false,
        }
    }

    /// Whether a name `a`'s component authored under agrees with one of `b`'s.
    fn names_agree(&mut self, a: &str, b: &str) -> bool {
        let (Some(ra), Some(rb)) = (self.root(a), self.root(b)) else {
            return false;
        };
        self.names[ra]
            .iter()
            .any(|x| self.names[rb].iter().any(|y| names_agree(x, y)))
    }
}

/// The words of a name for comparing: lower-case letters and digits, sorted, without repeats
/// ("Mazo, Andrey" and "Andrey Mazo" give the same words).
fn name_words(name: &str) -> Vec<String> {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect();
    let mut words: Vec<String> = cleaned.split_whitespace().map(str::to_owned).collect();
    words.sort();
    words.dedup();
    words
}

/// Two names agree when, initials (one-letter words) aside, the shorter is a full name (two
/// or more words) whose every word is in the longer: "Derrick Stolee" and "Derrick Stolee via
/// GitGitGadget" agree, so do "D. Ben Knoble" and "Ben Knoble"; "Ann" and "Ann" do not (a first
/// name alone links no one).
fn names_agree(a: &[String], b: &[String]) -> bool {
    let words = |n: &[String]| -> Vec<String> {
        n.iter()
            .filter(|w| w.chars().count() >= 2)
            .cloned()
            .collect()
    };
    let (a, b) = (words(a), words(b));
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= 2 && short.iter().all(|w| long.contains(w))
}

/// A usable e-mail for linking: lower-case, with an `@` and something on both sides.
fn normal_email(email: &str) -> Option<String> {
    let email = email.trim().to_ascii_lowercase();
    let (local, host) = email.split_once('@')?;
    (!local.is_empty() && host.contains('.')).then_some(email)
}

/// A full name worth linking on: two or more words of two or more letters.
fn full_name_key(name: &str) -> Option<String> {
    let words: Vec<String> = name.split_whitespace().map(|w| w.to_lowercase()).collect();
    (words.len() >= 2 && words.iter().all(|w| w.chars().count() >= 2)).then(|| words.join(" "))
}

/// Whether a `devspm.toml` alias pattern (`email`, `Name <email>`, `github:login`) is this alias.
fn config_alias_matches(pattern: &str, alias: &AliasRecord) -> bool {
    let pattern = pattern.trim();
    if let Some(login) = pattern.strip_prefix("github:") {
        return github_noreply(&alias.email)
            .is_some_and(|(_, l)| l.eq_ignore_ascii_case(login.trim()));
    }
    if let Some((name, email)) = crate::commit::parse_ident(pattern) {
        return name == alias.name.trim() && email.eq_ignore_ascii_case(alias.email.trim());
    }
    pattern.eq_ignore_ascii_case(alias.email.trim())
}

#[derive(Default)]
struct UnionFind {
    index: HashMap<String, usize>,
    names: Vec<String>,
    parent: Vec<usize>,
    /// For each root: the declared (`cfg:`) node of its set, if any. A set never holds two
    /// (the resolver refuses such unions), so one slot per root is enough, and looking it up
    /// does not scan every node (that made resolution quadratic in the number of aliases).
    declared: Vec<Option<usize>>,
}

impl UnionFind {
    fn add(&mut self, name: &str) {
        if !self.index.contains_key(name) {
            let i = self.names.len();
            self.index.insert(name.to_owned(), i);
            self.parent.push(i);
            self.declared.push(name.starts_with("cfg:").then_some(i));
            self.names.push(name.to_owned());
        }
    }

    fn find(&mut self, name: &str) -> usize {
        let mut i = self.index[name];
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// The declared (`cfg:`) node in the set rooted at `root`, if any.
    fn declared(&self, root: usize) -> Option<String> {
        self.declared[root].map(|i| self.names[i].clone())
    }

    fn union(&mut self, a: usize, b: usize) {
        let (low, high) = if a < b { (a, b) } else { (b, a) };
        self.parent[high] = low;
        if self.declared[low].is_none() {
            self.declared[low] = self.declared[high];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(id: &str, name: &str, email: &str) -> AliasRecord {
        AliasRecord {
            id: id.into(),
            name: name.into(),
            email: email.into(),
        }
    }

    fn run(
        aliases: &[AliasRecord],
        links: &[AliasLink],
        config: &Config,
    ) -> HashMap<String, AliasResolved> {
        judge(aliases, links, &[], config).0
    }

    /// Resolves from nothing recorded, with `authored` aliases having commits: each alias's
    /// resolution, and each link's judgement by (alias, canonical).
    fn judge(
        aliases: &[AliasRecord],
        links: &[AliasLink],
        authored: &[&str],
        config: &Config,
    ) -> (
        HashMap<String, AliasResolved>,
        HashMap<(String, String), AliasLinkJudged>,
    ) {
        let catalogue = Catalogue::builtin();
        let current = HashMap::new();
        let identities = HashMap::new();
        let authored: HashSet<String> = authored.iter().map(|a| (*a).to_owned()).collect();
        let events = resolve(&ResolverInput {
            aliases,
            links,
            authored: &authored,
            judgements: &HashMap::new(),
            current: &current,
            identities: &identities,
            catalogue: &catalogue,
            config,
        });
        let mut resolved = HashMap::new();
        let mut judged = HashMap::new();
        for e in events {
            match e.payload {
                Payload::AliasResolved(r) => {
                    resolved.insert(r.alias.clone(), r);
                }
                Payload::AliasLinkJudged(j) => {
                    judged.insert((j.alias.clone(), j.canonical.clone()), j);
                }
                _ => {}
            }
        }
        (resolved, judged)
    }

    fn link(alias: &str, canonical: &str, added_by: Option<&str>) -> AliasLink {
        AliasLink {
            alias: alias.into(),
            canonical: canonical.into(),
            repo: "r_x".into(),
            added_by: added_by.map(str::to_owned),
        }
    }

    /// `(verdict, reason)` of the link `alias → canonical`, or `None` when none was recorded.
    fn verdict(
        judged: &HashMap<(String, String), AliasLinkJudged>,
        alias: &str,
        canonical: &str,
    ) -> Option<(String, String)> {
        judged
            .get(&(alias.to_owned(), canonical.to_owned()))
            .map(|j| (j.verdict.clone(), j.reason.clone()))
    }

    fn pair(verdict: &str, reason: &str) -> Option<(String, String)> {
        Some((verdict.to_owned(), reason.to_owned()))
    }

    const ALICE: (&str, &str, &str) = ("a_alice", "Alice Martin", "alice@example.com");
    const MALLORY: (&str, &str, &str) = ("a_mallory", "Mallory Evil", "mallory@example.net");
    const CAROL: (&str, &str, &str) = ("a_carol", "Carol Diaz", "carol@example.com");

    fn person((id, name, email): (&str, &str, &str)) -> AliasRecord {
        alias(id, name, email)
    }

    #[test]
    fn a_line_mapping_another_persons_alias_to_its_author_is_contested() {
        let aliases = vec![person(ALICE), person(MALLORY)];
        let authored = ["a_alice", "a_mallory"];
        let links = [link("a_alice", "a_mallory", Some("a_mallory"))];
        let (r, j) = judge(&aliases, &links, &authored, &Config::default());
        assert_ne!(r["a_alice"].identity, r["a_mallory"].identity);
        assert_eq!(r["a_alice"].rule, "first-alias");
        assert_eq!(
            verdict(&j, "a_alice", "a_mallory"),
            pair("contested", "self-asserted")
        );
        assert_eq!(j.len(), 1);

        // The other way round (the author's alias given to someone else) is the same claim.
        let links = [link("a_mallory", "a_alice", Some("a_mallory"))];
        let (r, j) = judge(&aliases, &links, &authored, &Config::default());
        assert_ne!(r["a_alice"].identity, r["a_mallory"].identity);
        assert_eq!(
            verdict(&j, "a_mallory", "a_alice"),
            pair("contested", "self-asserted")
        );

        // Written under the victim's name, the line still compares the names authored under.
        let disguised = alias("a_disguise", "Alice Martin", "mallory@example.net");
        let aliases = vec![person(ALICE), person(MALLORY), disguised];
        let links = [link("a_alice", "a_disguise", Some("a_mallory"))];
        let (r, j) = judge(&aliases, &links, &authored, &Config::default());
        assert_ne!(r["a_alice"].identity, r["a_mallory"].identity);
        assert_eq!(r["a_disguise"].identity, r["a_mallory"].identity);
        assert_eq!(
            verdict(&j, "a_alice", "a_disguise"),
            pair("contested", "self-asserted")
        );
    }

    #[test]
    fn a_chain_through_an_alias_without_commits_does_not_launder_a_claim() {
        let spare = alias("a_spare", "Alice Martin", "spare@example.net");
        let aliases = vec![person(ALICE), person(MALLORY), spare];
        let authored = ["a_alice", "a_mallory"];
        for links in [
            [
                link("a_alice", "a_spare", Some("a_mallory")),
                link("a_spare", "a_mallory", Some("a_mallory")),
            ],
            [
                link("a_spare", "a_mallory", Some("a_mallory")),
                link("a_alice", "a_spare", Some("a_mallory")),
            ],
        ] {
            let (r, j) = judge(&aliases, &links, &authored, &Config::default());
            assert_ne!(r["a_alice"].identity, r["a_mallory"].identity, "{links:?}");
            let contested = j.values().filter(|j| j.verdict == "contested").count();
            assert_eq!(contested, 1, "{j:?}");
        }
    }

    #[test]
    fn a_person_mapping_their_own_address_or_a_maintainer_doing_it_merges() {
        let work = alias("a_work", "Bob Stone", "bob@example.com");
        let home = alias("a_home", "bob stone", "bob@home.example");
        let aliases = vec![work, home, person(CAROL)];
        let authored = ["a_work", "a_home", "a_carol"];
        for (added_by, reason) in [
            ("a_work", "names-agree"),
            ("a_home", "names-agree"),
            ("a_carol", "third-party"),
        ] {
            let links = [link("a_home", "a_work", Some(added_by))];
            let (r, j) = judge(&aliases, &links, &authored, &Config::default());
            assert_eq!(r["a_home"].identity, r["a_work"].identity, "{added_by}");
            assert_eq!(r["a_home"].rule, "mailmap");
            assert_eq!(
                verdict(&j, "a_home", "a_work"),
                pair("merged", reason),
                "{added_by}"
            );
        }
        // A maintainer's line merges whatever the names; an unknown author's too.
        let aliases = vec![person(ALICE), person(MALLORY), person(CAROL)];
        let authored = ["a_alice", "a_mallory", "a_carol"];
        for (added_by, reason) in [(Some("a_carol"), "third-party"), (None, "author-unknown")] {
            let links = [link("a_alice", "a_mallory", added_by)];
            let (r, j) = judge(&aliases, &links, &authored, &Config::default());
            assert_eq!(r["a_alice"].identity, r["a_mallory"].identity);
            assert_eq!(verdict(&j, "a_alice", "a_mallory"), pair("merged", reason));
        }
    }

    #[test]
    fn a_link_that_joins_no_two_histories_is_applied_without_a_judgement() {
        // The canonical alias never authored anything: a rename.
        let aliases = vec![
            person(ALICE),
            alias("a_new", "Alice Martin-Lee", "alice@new.example"),
        ];
        let links = [link("a_alice", "a_new", Some("a_alice"))];
        let (r, j) = judge(&aliases, &links, &["a_alice"], &Config::default());
        assert_eq!(r["a_alice"].identity, r["a_new"].identity);
        assert!(j.is_empty(), "{j:?}");
    }

    #[test]
    fn the_configuration_confirms_or_overrules_a_link() {
        let aliases = vec![person(ALICE), person(MALLORY)];
        let authored = ["a_alice", "a_mallory"];
        let links = [link("a_alice", "a_mallory", Some("a_mallory"))];
        let together = Config::parse(
            "[[identity]]\nid = \"am\"\naliases = [\"alice@example.com\", \"mallory@example.net\"]\n",
            "t",
        )
        .unwrap();
        let (r, j) = judge(&aliases, &links, &authored, &together);
        assert_eq!(r["a_alice"].identity, r["a_mallory"].identity);
        assert_eq!(
            verdict(&j, "a_alice", "a_mallory"),
            pair("confirmed", "declared-together")
        );
        let apart = Config::parse(
            "[[identity]]\nid = \"a\"\naliases = [\"alice@example.com\"]\n[[identity]]\nid = \"m\"\naliases = [\"mallory@example.net\"]\n",
            "t",
        )
        .unwrap();
        let links = [link("a_alice", "a_mallory", Some("a_carol"))];
        let (r, j) = judge(&aliases, &links, &authored, &apart);
        assert_ne!(r["a_alice"].identity, r["a_mallory"].identity);
        assert_eq!(
            verdict(&j, "a_alice", "a_mallory"),
            pair("overruled", "declared-apart")
        );
    }

    #[test]
    fn a_relay_address_shared_by_several_people_does_not_join_them() {
        let relay = "gitgitgadget@gmail.com";
        let aliases = vec![
            alias("a_ds_relay", "Derrick Stolee via GitGitGadget", relay),
            alias("a_js_relay", "Johannes Schindelin via GitGitGadget", relay),
            alias("a_ds", "Derrick Stolee", "stolee@gmail.com"),
            alias("a_js", "Johannes Schindelin", "johannes.schindelin@gmx.de"),
        ];
        let authored = ["a_ds_relay", "a_js_relay", "a_ds", "a_js"];
        let links = [
            link("a_ds_relay", "a_ds", Some("a_ds")),
            link("a_js_relay", "a_js", Some("a_js")),
        ];
        let (r, j) = judge(&aliases, &links, &authored, &Config::default());
        assert_eq!(r["a_ds_relay"].identity, r["a_ds"].identity);
        assert_eq!(r["a_js_relay"].identity, r["a_js"].identity);
        assert_ne!(r["a_ds"].identity, r["a_js"].identity);
        assert_eq!(
            verdict(&j, "a_ds_relay", "a_ds"),
            pair("merged", "names-agree")
        );
    }

    #[test]
    fn names_agree_word_for_word_or_by_containment_never_on_a_first_name() {
        let agree = |a: &str, b: &str| names_agree(&name_words(a), &name_words(b));
        assert!(agree("Mazo, Andrey", "Andrey Mazo"));
        assert!(agree("Derrick Stolee", "Derrick Stolee via GitGitGadget"));
        assert!(agree("Jöhännës Schindëlin", "jöhännës schindëlin"));
        assert!(!agree("Ann", "Ann"));
        assert!(!agree("Alice Martin", "Mallory Martin"));
        assert!(
            !agree("A B", "A B"),
            "one-letter words are initials, not a name"
        );
    }

    #[test]
    fn links_by_email_mailmap_and_noreply_but_not_first_name() {
        let aliases = vec![
            alias("a_1", "Ann Lee", "ann@corp.example"),
            alias("a_2", "ann lee", "ANN@corp.example"),
            alias("a_3", "Ann", "ann@home.example"),
            alias("a_4", "Ann Lee", "ann@corp.example2"),
            alias("a_5", "Ann", "123+annlee@users.noreply.github.com"),
            alias("a_6", "annlee", "annlee@users.noreply.github.com"),
            alias("a_7", "Ann", "ann@other.example"),
            alias(
                "a_8",
                "dependabot[bot]",
                "49699333+dependabot[bot]@users.noreply.github.com",
            ),
            alias("a_9", "Claude", "noreply@anthropic.com"),
            alias("a_10", "Claude Dupont", "claude@example.org"),
        ];
        let links = vec![link("a_3", "a_1", None)];
        let r = run(&aliases, &links, &Config::default());
        let id = |a: &str| r[a].identity.clone();
        assert_eq!(id("a_1"), id("a_2"));
        assert_eq!(r["a_2"].rule, "same-email");
        assert_eq!(id("a_1"), id("a_3"));
        assert_eq!(r["a_3"].rule, "mailmap");
        assert_eq!(r["a_3"].via.as_deref(), Some("a_1"));
        assert_ne!(
            id("a_1"),
            id("a_4"),
            "same name alone does not link by default"
        );
        assert_eq!(id("a_5"), id("a_6"));
        assert_eq!(r["a_6"].rule, "github-noreply");
        assert_ne!(id("a_3"), id("a_7"), "shared first name never links");
        assert_eq!(id("a_8"), "bot:dependabot");
        assert_eq!(id("a_9"), "agent:claude-code");
        assert!(id("a_10").starts_with("dev_"));
    }

    #[test]
    fn config_declares_and_is_never_merged_with_another_declaration() {
        let aliases = vec![
            alias("a_1", "Al", "al@corp.example"),
            alias("a_2", "Al", "al@home.example"),
            alias("a_3", "Bo", "bo@corp.example"),
            alias("a_4", "Bo", "AL@home.example"),
        ];
        let config = Config::parse(
            "[[identity]]\nid=\"al\"\naliases=[\"al@corp.example\",\"al@home.example\"]\n[[identity]]\nid=\"bo\"\naliases=[\"bo@corp.example\"]\n",
            "t",
        )
        .unwrap();
        let r = run(&aliases, &[], &config);
        assert_eq!(r["a_1"].identity, r["a_2"].identity);
        assert_eq!(r["a_1"].rule, "config");
        assert_eq!(r["a_1"].detail.as_deref(), Some("al"));
        assert_ne!(r["a_3"].identity, r["a_1"].identity);
        // a_4 shares al's home e-mail (so joins al), and bo stays separate.
        assert_eq!(r["a_4"].identity, r["a_1"].identity);
    }

    #[test]
    fn full_name_merge_is_opt_in() {
        let aliases = vec![
            alias("a_1", "Ann Lee", "ann@corp.example"),
            alias("a_2", "Ann Lee", "ann@home.example"),
        ];
        let mut config = Config::default();
        config.resolution.merge_on_full_name = true;
        let r = run(&aliases, &[], &config);
        assert_eq!(r["a_1"].identity, r["a_2"].identity);
    }

    #[test]
    fn rerun_with_recorded_state_changes_nothing() {
        let aliases = vec![
            alias("a_1", "Ann Lee", "ann@corp.example"),
            alias("a_2", "Ann", "ann@corp.example"),
            alias("a_3", "Ann Lee", "ann@home.example"),
            person(ALICE),
            person(MALLORY),
        ];
        let links = [
            link("a_3", "a_1", Some("a_3")),
            link("a_alice", "a_mallory", Some("a_mallory")),
        ];
        let authored: HashSet<String> = ["a_1", "a_3", "a_alice", "a_mallory"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        let catalogue = Catalogue::builtin();
        let config = Config::default();
        let empty = HashMap::new();
        let no_ids = HashMap::new();
        let first = resolve(&ResolverInput {
            aliases: &aliases,
            links: &links,
            authored: &authored,
            judgements: &HashMap::new(),
            current: &empty,
            identities: &no_ids,
            catalogue: &catalogue,
            config: &config,
        });
        let mut current = HashMap::new();
        let mut identities = HashMap::new();
        let mut judgements = HashMap::new();
        for e in &first {
            match e.payload.clone() {
                Payload::AliasResolved(r) => {
                    current.insert(
                        r.alias.clone(),
                        Assignment {
                            identity: r.identity,
                            rule: r.rule,
                            via: r.via,
                            detail: r.detail,
                            revision: 1,
                        },
                    );
                }
                Payload::IdentityRegistered(r) => {
                    identities.insert(
                        r.identity,
                        IdentityState {
                            kind: r.kind,
                            team: r.team,
                            revision: 1,
                        },
                    );
                }
                Payload::AliasLinkJudged(j) => {
                    judgements.insert(
                        (j.alias, j.canonical, j.repo),
                        Judgement {
                            verdict: j.verdict,
                            reason: j.reason,
                            revision: 1,
                        },
                    );
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(judgements.len(), 2, "{first:?}");
        let second = resolve(&ResolverInput {
            aliases: &aliases,
            links: &links,
            authored: &authored,
            judgements: &judgements,
            current: &current,
            identities: &identities,
            catalogue: &catalogue,
            config: &config,
        });
        assert!(second.is_empty(), "{second:?}");
    }
}
