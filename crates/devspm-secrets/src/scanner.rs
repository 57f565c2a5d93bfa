//! The detection engine: rules compiled once, a keyword prefilter, and the per-file search.
//!
//! Most files contain no keyword of any rule, so one Aho-Corasick pass over the file (ASCII
//! case-insensitive) decides which rules run at all. A single-line rule then runs only on the
//! lines where one of its keywords occurs, each line once however many keywords it holds, so a
//! minified file with thousands of hits on one long line costs one regex pass per rule, not one
//! per hit. Line numbers come from one index of line starts and binary search, never by
//! rescanning from the start of the file.
//!
//! A match is a byte range into the caller's buffer: the secret itself is never copied here.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::SecretsError;
use crate::allow::Allowlist;
use crate::filter::{is_placeholder, shannon_entropy};
use crate::rules::{Rule, RuleConfig};

/// Bytes at the start of a file in which a NUL marks it as binary (git's heuristic).
pub const BINARY_PROBE_BYTES: usize = 8 << 10;

/// Markers that allow a secret on the line where they appear.
pub const INLINE_ALLOW: [&str; 2] = ["devspm:allow", "gitleaks:allow"];

/// Size limits that keep memory and time bounded on hostile input.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Files and blobs larger than this are not read (git blobs) or are read in chunks of this
    /// size (files on disk). Default 32 MiB.
    pub max_file_bytes: u64,
    /// Matches kept per file; a file holding more (a dump of test tokens) is reported as
    /// truncated. Default 500.
    pub max_matches_per_file: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 32 << 20,
            max_matches_per_file: 500,
        }
    }
}

/// Why a file was not searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Skipped {
    /// A NUL byte in the first 8 KiB.
    Binary,
    /// Larger than [`Limits::max_file_bytes`].
    TooLarge { bytes: u64 },
    /// The path is allowlisted.
    AllowedPath,
}

/// One secret found in a buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in [`Scanner::rules`].
    pub rule: usize,
    /// 1-based line of the secret's first byte.
    pub line: u32,
    /// 1-based byte column of the secret's first byte.
    pub column: u32,
    /// Byte range of the secret in the scanned buffer.
    pub secret: Range<usize>,
}

/// The result of searching one buffer.
#[derive(Clone, Debug, Default)]
pub struct ContentScan {
    pub matches: Vec<Match>,
    pub skipped: Option<Skipped>,
    /// More than [`Limits::max_matches_per_file`] matches: the rest were dropped.
    pub truncated: bool,
    /// Lines holding a secret that an inline marker (`gitleaks:allow`, `devspm:allow`) allows:
    /// not reported as matches, counted so that a summary can say how many were set aside.
    pub inline_allowed: usize,
    /// The secrets on those lines, each with the marker that allows it: a history scan records
    /// them as findings ignored by that marker, redaction replaces them (reporting the
    /// marker) and the staged check leaves them be.
    pub allowed: Vec<(Match, &'static str)>,
}

/// Compiled rules, prefilter and allowlist. Build once, share across threads (`Sync`).
pub struct Scanner {
    rules: Vec<Rule>,
    prefilter: Option<AhoCorasick>,
    /// For each prefilter pattern, the rules it belongs to.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords: they run on every text file.
    unconditional: Vec<usize>,
    pub(crate) allow: Allowlist,
    limits: Limits,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field(
                "rules",
                &self.rules.iter().map(|r| &r.id).collect::<Vec<_>>(),
            )
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Scanner {
    /// A scanner with the built-in rules and default limits.
    pub fn builtin() -> Result<Scanner, SecretsError> {
        Scanner::new(&RuleConfig::builtin()?, Limits::default())
    }

    /// A scanner with the built-in rules extended by each TOML text of `extra`, in order.
    pub fn with_extensions(extra: &[&str]) -> Result<Scanner, SecretsError> {
        Scanner::new(&RuleConfig::with_extensions(extra)?, Limits::default())
    }

    /// Compiles `config`.
    pub fn new(config: &RuleConfig, limits: Limits) -> Result<Scanner, SecretsError> {
        let rules: Vec<Rule> = config
            .rules
            .iter()
            .map(Rule::compile)
            .collect::<Result<_, _>>()?;
        // The prefilter searches a minimal set of keywords: one that contains another
        // (`secret_key` contains `secret`) is implied by it, so its rules are attached to the
        // shorter keyword instead. The automaton is then smaller (faster) and no pattern is a
        // substring of another, which lets a leftmost-longest search restarted one byte after
        // each hit report every keyword occurrence.
        let mut keywords: Vec<String> = rules.iter().flat_map(|r| r.keywords.clone()).collect();
        keywords.sort();
        keywords.dedup();
        let patterns: Vec<String> = keywords
            .iter()
            .filter(|k| !keywords.iter().any(|o| o != *k && k.contains(o.as_str())))
            .cloned()
            .collect();
        let mut keyword_rules: Vec<Vec<usize>> = vec![Vec::new(); patterns.len()];
        let mut unconditional = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                unconditional.push(i);
            }
            for (p, pattern) in patterns.iter().enumerate() {
                if rule.keywords.iter().any(|k| k.contains(pattern.as_str())) {
                    keyword_rules[p].push(i);
                }
            }
        }
        let prefilter = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .map_err(|e| SecretsError::Rules {
                        origin: "keywords".into(),
                        rule: None,
                        reason: e.to_string(),
                    })?,
            )
        };
        Ok(Scanner {
            rules,
            prefilter,
            keyword_rules,
            unconditional,
            allow: Allowlist::compile(&config.allowlist)?,
            limits,
        })
    }

    /// The compiled rules; [`Match::rule`] indexes this slice.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether the global allowlist excludes `path` (repository-relative, `/`-separated).
    pub fn path_allowed(&self, path: &str) -> bool {
        self.allow.path_allowed(path)
    }

    /// Searches `content`. `path` (repository-relative) enables the path allowlists.
    pub fn find(&self, path: Option<&str>, content: &[u8]) -> ContentScan {
        if let Some(path) = path
            && self.allow.path_allowed(path)
        {
            return ContentScan {
                skipped: Some(Skipped::AllowedPath),
                ..ContentScan::default()
            };
        }
        if content.len() as u64 > self.limits.max_file_bytes {
            return ContentScan {
                skipped: Some(Skipped::TooLarge {
                    bytes: content.len() as u64,
                }),
                ..ContentScan::default()
            };
        }
        if is_binary(content) {
            return ContentScan {
                skipped: Some(Skipped::Binary),
                ..ContentScan::default()
            };
        }
        self.find_in_text(path, content)
    }

    /// Searches `content` known to be text and within limits.
    pub(crate) fn find_in_text(&self, path: Option<&str>, content: &[u8]) -> ContentScan {
        // Keyword hits, as (rule, byte offset).
        let mut hits: Vec<(usize, usize)> = Vec::new();
        if let Some(ac) = &self.prefilter {
            let mut at = 0;
            while let Some(m) = ac.find(aho_corasick::Input::new(content).span(at..content.len())) {
                for &rule in &self.keyword_rules[m.pattern().as_usize()] {
                    hits.push((rule, m.start()));
                }
                at = m.start() + 1;
            }
        }
        if hits.is_empty() && self.unconditional.is_empty() {
            return ContentScan::default();
        }
        hits.sort_unstable();
        let mut search = Search {
            content,
            path,
            lines: LineIndex::default(),
            allowed_lines: HashMap::new(),
            allowed_hits: std::collections::BTreeSet::new(),
            candidates: Vec::new(),
            allowed: Vec::new(),
        };
        let mut i = 0;
        while i < hits.len() {
            let rule_index = hits[i].0;
            let end = hits[i..]
                .iter()
                .position(|(r, _)| *r != rule_index)
                .map_or(hits.len(), |n| i + n);
            let positions: Vec<usize> = hits[i..end].iter().map(|(_, p)| *p).collect();
            self.run_rule(rule_index, Some(&positions), &mut search);
            i = end;
        }
        for &rule_index in &self.unconditional {
            self.run_rule(rule_index, None, &mut search);
        }
        let mut kept = self.one_per_secret(std::mem::take(&mut search.candidates));
        let truncated = kept.len() > self.limits.max_matches_per_file;
        kept.truncate(self.limits.max_matches_per_file);
        let markers: HashMap<usize, &'static str> = search
            .allowed
            .iter()
            .map(|(m, marker)| (m.secret.start, *marker))
            .collect();
        let mut allowed =
            self.one_per_secret(search.allowed.iter().map(|(m, _)| m.clone()).collect());
        allowed.truncate(self.limits.max_matches_per_file);
        ContentScan {
            matches: kept,
            skipped: None,
            truncated,
            inline_allowed: search.allowed_hits.len(),
            allowed: allowed
                .into_iter()
                .map(|m| {
                    let marker = markers
                        .get(&m.secret.start)
                        .copied()
                        .unwrap_or("gitleaks:allow");
                    (m, marker)
                })
                .collect(),
        }
    }

    /// Overlapping matches are one secret seen by two rules (a `token = "ghp_…"` line is both
    /// a GitHub token and a generic secret): keeps the more confident, then the rule listed
    /// first (specific rules come before generic ones).
    fn one_per_secret(&self, mut candidates: Vec<Match>) -> Vec<Match> {
        candidates.sort_by_key(|m| (m.secret.start, m.rule));
        let mut kept: Vec<Match> = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            if let Some(last) = kept.last_mut()
                && candidate.secret.start < last.secret.end
            {
                let better = |m: &Match| (self.rules[m.rule].confidence, std::cmp::Reverse(m.rule));
                if better(&candidate) > better(last) {
                    *last = candidate;
                }
                continue;
            }
            kept.push(candidate);
        }
        kept
    }

    /// Runs one rule: over the lines holding its keywords (`positions`), from the first
    /// keyword to the end for multiline rules, or over everything when it has no keywords.
    fn run_rule(&self, rule_index: usize, positions: Option<&[usize]>, search: &mut Search<'_>) {
        let rule = &self.rules[rule_index];
        let content = search.content;
        if let Some(path) = search.path
            && rule.allow_paths.as_ref().is_some_and(|g| g.is_match(path))
        {
            return;
        }
        if !rule.requires.iter().all(|r| r.is_match(content)) {
            return;
        }
        match positions {
            None => self.collect(rule_index, content, 0, search),
            Some(positions) if rule.multiline => {
                let first = positions.iter().copied().min().unwrap_or(0);
                let line = search.lines.line_of(content, first);
                let from = search.lines.start_of(content, line);
                self.collect(rule_index, &content[from..], from, search);
            }
            Some(positions) => {
                let mut last_line = None;
                for &pos in positions {
                    let line = search.lines.line_of(content, pos);
                    if last_line == Some(line) {
                        continue;
                    }
                    last_line = Some(line);
                    let span = search.lines.span_of(content, line);
                    let start = span.start;
                    self.collect(rule_index, &content[span], start, search);
                }
            }
        }
    }

    /// Collects the matches of one rule in `haystack`, which starts at `offset` in the file.
    fn collect(&self, rule_index: usize, haystack: &[u8], offset: usize, search: &mut Search<'_>) {
        let rule = &self.rules[rule_index];
        let groups = rule.regex.captures_len();
        for caps in rule.regex.captures_iter(haystack) {
            let group = match rule.secret_group {
                Some(g) => caps.get(g),
                None => (1..groups)
                    .find_map(|g| caps.get(g))
                    .or_else(|| caps.get(0)),
            };
            let Some(group) = group else { continue };
            let secret = &haystack[group.range()];
            if !self.accept(rule, secret) {
                continue;
            }
            if let Some(whole) = caps.get(0)
                && rule
                    .allow_matches
                    .iter()
                    .any(|r| r.is_match(whole.as_bytes()))
            {
                continue;
            }
            let range = offset + group.start()..offset + group.end();
            let content = search.content;
            let line = search.lines.line_of(content, range.start);
            let end_line = search.lines.line_of(content, range.end.saturating_sub(1));
            let marker = search.line_allowed(line).or_else(|| {
                (end_line != line)
                    .then(|| search.line_allowed(end_line))
                    .flatten()
            });
            let line_start = search.lines.start_of(content, line);
            let found = Match {
                rule: rule_index,
                line: u32::try_from(line + 1).unwrap_or(u32::MAX),
                column: u32::try_from(range.start - line_start + 1).unwrap_or(u32::MAX),
                secret: range,
            };
            if let Some(marker) = marker {
                search.allowed_hits.insert(line);
                if search.allowed.len() <= self.limits.max_matches_per_file * 4 {
                    search.allowed.push((found, marker));
                }
                continue;
            }
            search.candidates.push(found);
            if search.candidates.len() > self.limits.max_matches_per_file * 4 {
                return;
            }
        }
    }

    /// Entropy, placeholders and the secret allowlists.
    fn accept(&self, rule: &Rule, secret: &[u8]) -> bool {
        if secret.is_empty() || is_placeholder(secret) {
            return false;
        }
        if let Some(min) = rule.entropy
            && shannon_entropy(secret) < min
        {
            return false;
        }
        if !rule.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if rule
                .stopwords
                .iter()
                .any(|w| memchr::memmem::find(&lower, w).is_some())
            {
                return false;
            }
        }
        if rule.allow_secrets.iter().any(|r| r.is_match(secret)) {
            return false;
        }
        !self.allow.secret_allowed(secret)
    }
}

/// Whether a buffer looks binary: a NUL byte in its first 8 KiB.
pub fn is_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(BINARY_PROBE_BYTES)]).is_some()
}

/// State of one file's search.
struct Search<'a> {
    content: &'a [u8],
    path: Option<&'a str>,
    lines: LineIndex,
    /// Lines (0-based) already checked for an inline allow marker, with the marker found.
    allowed_lines: HashMap<usize, Option<&'static str>>,
    /// Lines (0-based) where a secret was allowed by an inline marker.
    allowed_hits: std::collections::BTreeSet<usize>,
    candidates: Vec<Match>,
    /// Matches on lines an inline marker allows, with the marker.
    allowed: Vec<(Match, &'static str)>,
}

impl Search<'_> {
    /// The inline marker on `line` (0-based), if any.
    fn line_allowed(&mut self, line: usize) -> Option<&'static str> {
        if let Some(&allowed) = self.allowed_lines.get(&line) {
            return allowed;
        }
        let span = self.lines.span_of(self.content, line);
        let text = &self.content[span];
        let allowed = INLINE_ALLOW
            .iter()
            .copied()
            .find(|marker| memchr::memmem::find(text, marker.as_bytes()).is_some());
        self.allowed_lines.insert(line, allowed);
        allowed
    }
}

/// Start offsets of a file's lines, built on first use.
#[derive(Default)]
struct LineIndex {
    starts: Option<Vec<usize>>,
}

impl LineIndex {
    fn starts(&mut self, content: &[u8]) -> &[usize] {
        self.starts.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', content).map(|i| i + 1))
                .collect()
        })
    }

    /// 0-based line holding byte `pos`.
    fn line_of(&mut self, content: &[u8], pos: usize) -> usize {
        let starts = self.starts(content);
        starts.partition_point(|&s| s <= pos).saturating_sub(1)
    }

    fn start_of(&mut self, content: &[u8], line: usize) -> usize {
        self.starts(content)
            .get(line)
            .copied()
            .unwrap_or(content.len())
    }

    /// The bytes of `line` without its line ending.
    fn span_of(&mut self, content: &[u8], line: usize) -> Range<usize> {
        let starts = self.starts(content);
        let start = starts.get(line).copied().unwrap_or(content.len());
        let end = starts
            .get(line + 1)
            .map_or(content.len(), |next| next.saturating_sub(1));
        start..end.max(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HashKey;
    use crate::testutil::{ALNUM, pem, random, samples};

    fn scanner() -> Scanner {
        Scanner::builtin().expect("built-in rules compile")
    }

    fn ids(scanner: &Scanner, scan: &ContentScan) -> Vec<String> {
        scan.matches
            .iter()
            .map(|m| scanner.rules()[m.rule].id.clone())
            .collect()
    }

    #[test]
    fn every_rule_finds_its_sample_and_reports_the_secret_range() {
        let scanner = scanner();
        let samples = samples();
        for (rule, line, secret) in &samples {
            let content = format!("# config\n\n  {line}\n");
            let scan = scanner.find(Some("config/app.env"), content.as_bytes());
            assert_eq!(
                ids(&scanner, &scan),
                vec![rule.to_string()],
                "{rule}: {line}"
            );
            let m = &scan.matches[0];
            assert_eq!(
                &content.as_bytes()[m.secret.clone()],
                secret.as_bytes(),
                "{rule}"
            );
            assert_eq!(m.line, 3, "{rule}");
            let expected_column = 3 + line.find(secret.as_str()).expect("secret in line");
            assert_eq!(m.column as usize, expected_column, "{rule}");
        }
        // Every built-in rule except the multi-line ones has a sample.
        for rule in scanner.rules() {
            if rule.id == "private-key" || rule.id == "google-service-account-key" {
                continue;
            }
            assert!(
                samples.iter().any(|(id, _, _)| *id == rule.id),
                "no sample for {}",
                rule.id
            );
        }
    }

    #[test]
    fn private_keys_of_every_armour_are_found() {
        let scanner = scanner();
        for (i, kind) in ["RSA", "EC", "DSA", "OPENSSH", "ENCRYPTED", ""]
            .iter()
            .enumerate()
        {
            let key = pem(kind, i as u64);
            let content = format!("line one\n{key}\ntrailer\n");
            let scan = scanner.find(Some("id_rsa"), content.as_bytes());
            assert_eq!(ids(&scanner, &scan), vec!["private-key"], "{kind}");
            assert_eq!(scan.matches[0].line, 2);
            assert_eq!(
                &content.as_bytes()[scan.matches[0].secret.clone()],
                key.as_bytes()
            );
        }
        let pgp = format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n{}\n-----END PGP PRIVATE KEY BLOCK-----\n",
            random(ALNUM, 64, 90),
            random(ALNUM, 64, 91)
        );
        let scan = scanner.find(Some("key.asc"), pgp.as_bytes());
        assert_eq!(ids(&scanner, &scan), vec!["private-key"]);
        // A public key is not a secret.
        let public = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
        assert!(
            scanner
                .find(Some("key.pub"), public.as_bytes())
                .matches
                .is_empty()
        );
    }

    #[test]
    fn service_account_keys_need_the_service_account_type() {
        let scanner = scanner();
        let body: String = (0..10)
            .map(|i| random(crate::testutil::BASE64, 64, 70 + i) + "\\n")
            .collect();
        let key = format!("-----BEGIN PRIVATE KEY-----\\n{body}-----END PRIVATE KEY-----\\n");
        let json = format!(
            "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"p\",\n  \"private_key_id\": \"{}\",\n  \"private_key\": \"{key}\",\n  \"client_email\": \"x@p.iam.gserviceaccount.com\"\n}}\n",
            random(crate::testutil::HEX, 40, 80)
        );
        let scan = scanner.find(Some("sa.json"), json.as_bytes());
        assert_eq!(ids(&scanner, &scan), vec!["google-service-account-key"]);
        assert_eq!(scan.matches[0].line, 5);
        assert_eq!(
            &json.as_bytes()[scan.matches[0].secret.clone()],
            key.as_bytes()
        );
        // Without the type line the key is still a private key, found by the generic rule.
        let other = json.replace("service_account", "authorized_user");
        let scan = scanner.find(Some("sa.json"), other.as_bytes());
        assert_eq!(ids(&scanner, &scan), vec!["private-key"]);
    }

    #[test]
    fn placeholders_and_code_are_not_secrets() {
        let scanner = scanner();
        let text = [
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            "GITHUB_TOKEN=${GITHUB_TOKEN}",
            "token: ${{ secrets.GITHUB_TOKEN }}",
            "GH=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "api_key = \"<your-api-key>\"",
            "DATABASE_URL=postgres://user:password@localhost:5432/app",
            "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app",
            "let token = self.next_token();",
            "password: Option<String>,",
            "token = parser.tokens.next_token_kind",
            "secret_key = settings.SECRET_KEY_FALLBACK",
            "password = \"changeme\"",
            "api_key = \"aaaaaaaaaaaaaaaaaaaaaaaa\"",
            "  - Token: 'models/users/token.md'",
            "private_key = \"certs/server-2024.key\"",
        ]
        .join("\n");
        let scan = scanner.find(Some("src/lib.rs"), text.as_bytes());
        assert_eq!(ids(&scanner, &scan), Vec::<String>::new());
    }

    #[test]
    fn one_secret_seen_by_two_rules_is_reported_once_by_the_specific_rule() {
        let scanner = scanner();
        let token = format!("ghp_{}", random(ALNUM, 36, 40));
        let text = format!("github_token = \"{token}\"\n");
        let scan = scanner.find(None, text.as_bytes());
        assert_eq!(ids(&scanner, &scan), vec!["github-pat"]);
    }

    #[test]
    fn allowlists_inline_path_secret_and_fingerprint() {
        let token = format!("ghp_{}", random(ALNUM, 36, 41));
        let other = format!("ghp_{}", random(ALNUM, 36, 42));
        let text = format!(
            "a = \"{token}\" # devspm:allow\nb = \"{token}\" // gitleaks:allow\nc = \"{token}\"\nd = \"{other}\"\n"
        );
        let scanner = scanner();
        let scan = scanner.find(Some("src/a.py"), text.as_bytes());
        assert_eq!(
            scan.matches.iter().map(|m| m.line).collect::<Vec<_>>(),
            vec![3, 4]
        );
        assert_eq!(scan.inline_allowed, 2);
        // The allowed ones are kept apart, each with the marker that allows it.
        assert_eq!(
            scan.allowed
                .iter()
                .map(|(m, marker)| (m.line, *marker))
                .collect::<Vec<_>>(),
            vec![(1, "devspm:allow"), (2, "gitleaks:allow")]
        );
        assert_eq!(
            &text.as_bytes()[scan.allowed[1].0.secret.clone()],
            token.as_bytes()
        );

        let key = HashKey([7; 32]);
        let hash = crate::finding::hash_of(token.as_bytes(), 0..token.len(), &key);
        let extension = format!(
            "[allowlist]\npaths = [\"fixtures/**\", \"regex:^vendor/\"]\nsecrets = ['''^ghp_{}''']\nfingerprints = [\"github-pat:{hash}\"]\n",
            &other[4..12]
        );
        let allowing = Scanner::with_extensions(&[&extension]).expect("extension compiles");
        assert_eq!(
            allowing
                .find(Some("fixtures/x/a.py"), text.as_bytes())
                .skipped,
            Some(Skipped::AllowedPath)
        );
        assert_eq!(
            allowing.find(Some("vendor/a.py"), text.as_bytes()).skipped,
            Some(Skipped::AllowedPath)
        );
        // The secret regex drops `other`; the fingerprint drops `token` when findings are made.
        let scan = allowing.find(Some("src/a.py"), text.as_bytes());
        assert_eq!(
            scan.matches.iter().map(|m| m.line).collect::<Vec<_>>(),
            vec![3]
        );
        let findings = allowing.scan_bytes("src/a.py", text.as_bytes(), &key);
        assert!(findings.findings.is_empty(), "{findings:?}");
        let other_key = HashKey([8; 32]);
        assert_eq!(
            allowing
                .scan_bytes("src/a.py", text.as_bytes(), &other_key)
                .findings
                .len(),
            1
        );
    }

    #[test]
    fn binary_minified_and_invalid_utf8_input() {
        let scanner = scanner();
        let token = format!("ghp_{}", random(ALNUM, 36, 43));
        let mut binary = vec![0u8, 1, 2, 3];
        binary.extend_from_slice(token.as_bytes());
        assert_eq!(scanner.find(None, &binary).skipped, Some(Skipped::Binary));

        // Invalid UTF-8 around a secret.
        let mut bytes = vec![0xff, 0xfe, b' '];
        bytes.extend_from_slice(token.as_bytes());
        bytes.extend_from_slice(&[b' ', 0xc3, 0x28, b'\n']);
        let scan = scanner.find(None, &bytes);
        assert_eq!(ids(&scanner, &scan), vec!["github-pat"]);
        assert_eq!(scan.matches[0].column, 4);

        // A 4 MiB minified line full of keywords, with one secret at the end: linear work, one
        // finding, the right column.
        let mut line = String::new();
        while line.len() < 4 << 20 {
            line.push_str("var token=a.token||b;password:c,secret:d;");
        }
        let column = line.len() + 1;
        line.push_str(&format!("k=\"{token}\";"));
        let scan = scanner.find(Some("dist/app.min.js"), line.as_bytes());
        assert_eq!(ids(&scanner, &scan), vec!["github-pat"]);
        assert_eq!(
            (scan.matches[0].line, scan.matches[0].column as usize),
            (1, column + 3)
        );

        // Too large for the limit.
        let small = Scanner::new(
            &RuleConfig::builtin().expect("rules"),
            Limits {
                max_file_bytes: 1024,
                max_matches_per_file: 3,
            },
        )
        .expect("compiles");
        assert_eq!(
            small.find(None, &vec![b'a'; 2048]).skipped,
            Some(Skipped::TooLarge { bytes: 2048 })
        );
        let many: String = (0..10)
            .map(|i| format!("ghp_{}\n", random(ALNUM, 36, 100 + i)))
            .collect();
        let scan = small.find(None, many.as_bytes());
        assert!(scan.truncated);
        assert_eq!(scan.matches.len(), 3);
    }

    #[test]
    fn findings_hash_and_redact_and_never_show_the_secret() {
        let scanner = scanner();
        let key = HashKey([3; 32]);
        for (rule, line, secret) in samples() {
            let scan = scanner.scan_bytes("app.env", line.as_bytes(), &key);
            assert_eq!(scan.findings.len(), 1, "{rule}");
            let finding = &scan.findings[0];
            assert_eq!(finding.rule_id, rule);
            assert_eq!(
                finding.secret_hash,
                devspm_findings::fingerprint::secret_hash(&key.0, &secret)
            );
            let shown = format!(
                "{scan:?} {}",
                serde_json::to_string(&scan).expect("serialises")
            );
            assert!(!shown.contains(&secret), "{rule} leaks in {shown}");
        }
    }

    #[test]
    fn keywords_inside_other_keywords_still_trigger_their_rules() {
        // `secret_access_key` holds `secret` (generic) and `secret_access_key` (AWS); `akia`
        // starts inside a word that begins with another keyword.
        let scanner = scanner();
        let secret = random(crate::testutil::BASE64, 40, 60);
        let text = format!("AWS_SECRET_ACCESS_KEY={secret}\n");
        assert_eq!(
            ids(&scanner, &scanner.find(None, text.as_bytes())),
            vec!["aws-secret-access-key"]
        );
        let key = format!(
            "AKIA{}",
            random(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 61)
        );
        let text = format!("tokenx={key}\n");
        assert_eq!(
            ids(&scanner, &scanner.find(None, text.as_bytes())),
            vec!["aws-access-key-id"]
        );
    }
}
