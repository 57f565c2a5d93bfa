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

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::catalogue::{AccountMatch, Catalogue, github_noreply};
use crate::config::Config;
#[cfg(test)]
use crate::event::Payload;
use crate::event::{AliasResolved, Attachment, IdentityKind, IdentityRegistered, NewEvent};
use crate::ids::{ALIAS_PREFIX, DEVELOPER_PREFIX, random_id};

/// Version of the resolution rules, recorded in every decision.
pub const RESOLVER_VERSION: u32 = 1;

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
}

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

    // 2. The graph of developer aliases. Everything below walks aliases and edges in an order
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
                });
            }
        }
    }
    for link in input.links {
        if person_ids.contains(link.alias.as_str()) && person_ids.contains(link.canonical.as_str())
        {
            edges.push(Edge {
                a: link.canonical.clone(),
                b: link.alias.clone(),
                rule: Rule::Mailmap,
                detail: Some(link.repo.clone()),
            });
        }
    }
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
                });
            }
        }
    };
    group(&|a| normal_email(&a.email), Rule::SameEmail);
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
    edges.sort_by_cached_key(|e| (e.rule.strength(), rank(&e.a), rank(&e.b)));

    // 3. Union-find, never joining two declared identities.
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
            continue;
        }
        uf.union(ra, rb);
    }
    let mut clusters: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for node in uf.names.clone() {
        let root = uf.find(&node);
        clusters.entry(root).or_default().push(node);
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
        let catalogue = Catalogue::builtin();
        let current = HashMap::new();
        let identities = HashMap::new();
        let events = resolve(&ResolverInput {
            aliases,
            links,
            current: &current,
            identities: &identities,
            catalogue: &catalogue,
            config,
        });
        events
            .into_iter()
            .filter_map(|e| match e.payload {
                Payload::AliasResolved(r) => Some((r.alias.clone(), r)),
                _ => None,
            })
            .collect()
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
        let links = vec![AliasLink {
            alias: "a_3".into(),
            canonical: "a_1".into(),
            repo: "r_x".into(),
        }];
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
        ];
        let catalogue = Catalogue::builtin();
        let config = Config::default();
        let empty = HashMap::new();
        let no_ids = HashMap::new();
        let first = resolve(&ResolverInput {
            aliases: &aliases,
            links: &[],
            current: &empty,
            identities: &no_ids,
            catalogue: &catalogue,
            config: &config,
        });
        let mut current = HashMap::new();
        let mut identities = HashMap::new();
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
                other => panic!("unexpected {other:?}"),
            }
        }
        let second = resolve(&ResolverInput {
            aliases: &aliases,
            links: &[],
            current: &current,
            identities: &identities,
            catalogue: &catalogue,
            config: &config,
        });
        assert!(second.is_empty(), "{second:?}");
    }
}
