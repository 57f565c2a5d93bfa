//! Plaintext credential files a developer machine commonly holds, and who can read them.
//!
//! Each known file (`.git-credentials`, `.npmrc`, `.pypirc`, `.docker/config.json`,
//! `.config/gh/hosts.yml`, `.aws/credentials`, `.netrc`, `.cargo/credentials.toml`, `.env`,
//! `.aider.conf.yml`, `.claude/.credentials.json`, `.codex/auth.json`) is read by a small parser
//! that only decides, per entry, whether it is a literal credential or a reference to one held
//! elsewhere (`${NPM_TOKEN}`, a credential store), and what kind of token it is by its prefix.
//!
//! The values themselves never leave the parser: not in the report, not hashed, not in a
//! warning. A report says "2 `github-pat` in `.git-credentials`, mode 0644", which is what a
//! person needs to act, and nothing an attacker reading the report could use.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashSet};
use std::hash::{Hash, Hasher};
use std::path::Path;

use serde_json::Value;

use crate::home::{self, Home};
use crate::ini;
use crate::report::{
    CredentialFile, InventoryItem, ItemDetails, ItemKind, Risk, Severity, TokenCount,
};

/// Token kinds by prefix, most specific first.
const PREFIXES: &[(&str, &str)] = &[
    ("github_pat_", "github-pat-fine-grained"),
    ("ghp_", "github-pat"),
    ("gho_", "github-oauth"),
    ("ghu_", "github-user-token"),
    ("ghs_", "github-app-token"),
    ("ghr_", "github-refresh-token"),
    ("glpat-", "gitlab-pat"),
    ("npm_", "npm"),
    ("pypi-", "pypi"),
    ("AKIA", "aws-access-key"),
    ("ASIA", "aws-temporary-access-key"),
    ("sk-ant-oat", "anthropic-oauth"),
    ("sk-ant-ort", "anthropic-oauth-refresh"),
    ("sk-ant-api", "anthropic-api-key"),
    ("sk-ant-", "anthropic"),
    ("sk-", "openai-api-key"),
    ("xoxb-", "slack-bot-token"),
    ("xoxp-", "slack-user-token"),
    ("AIza", "google-api-key"),
    ("hf_", "huggingface"),
    ("cio", "crates-io"),
    ("eyJ", "jwt"),
];

/// The kind of a token by its prefix, if it has a known one.
pub(crate) fn token_kind(value: &str) -> Option<&'static str> {
    let value = value.trim();
    PREFIXES
        .iter()
        .find(|(prefix, _)| value.starts_with(prefix) && value.len() > prefix.len() + 8)
        .map(|(_, kind)| *kind)
}

/// Key names that hold credentials.
pub(crate) fn looks_secret_key(key: &str) -> bool {
    let key = key.to_ascii_uppercase();
    [
        "KEY",
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "AUTH",
        "CREDENTIAL",
        "COOKIE",
    ]
    .iter()
    .any(|w| key.contains(w))
}

/// A value that refers to a secret kept elsewhere (`${VAR}`, `$VAR`, `{env:X}`), or is empty.
pub(crate) fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.starts_with("${")
        || (v.starts_with('$') && !v.contains(' '))
        || v.starts_with("{env:")
}

/// What a parser found in one file.
#[derive(Default)]
struct Found {
    /// One kind per distinct literal credential.
    tokens: Vec<&'static str>,
    references: usize,
    targets: BTreeSet<String>,
    /// In-memory fingerprints of the values counted, so that a token written twice (gh writes
    /// the same one under the host and under the user) counts once. Never leaves this struct.
    seen: HashSet<u64>,
}

impl Found {
    /// Records a value: a reference, or a literal credential of its prefix's kind or `default`.
    fn value(&mut self, value: &str, default: &'static str, target: &str) {
        let value = value.trim().trim_matches(['"', '\'']);
        if value.is_empty() {
            return;
        }
        if is_reference(value) {
            self.references += 1;
        } else {
            let mut hasher = DefaultHasher::new();
            value.hash(&mut hasher);
            if self.seen.insert(hasher.finish()) {
                self.tokens.push(token_kind(value).unwrap_or(default));
            }
        }
        if !target.is_empty() {
            self.targets.insert(target.to_owned());
        }
    }
}

type Parser = fn(&str) -> Found;

/// A credential file: (path, id, source tool, parser, reported even when it holds nothing).
const FILES: &[(&str, &str, &str, Parser, bool)] = &[
    (
        ".git-credentials",
        "git-credentials",
        "git",
        git_credentials,
        true,
    ),
    (
        ".config/git/credentials",
        "git-credentials",
        "git",
        git_credentials,
        true,
    ),
    (".npmrc", "npmrc", "npm", npmrc, true),
    (".pypirc", "pypirc", "pypi", pypirc, true),
    (
        ".docker/config.json",
        "docker-config",
        "docker",
        docker_config,
        true,
    ),
    (".config/gh/hosts.yml", "gh-hosts", "gh", gh_hosts, true),
    (
        ".aws/credentials",
        "aws-credentials",
        "aws",
        aws_credentials,
        true,
    ),
    (".netrc", "netrc", "netrc", netrc, true),
    ("_netrc", "netrc", "netrc", netrc, true),
    (
        ".cargo/credentials.toml",
        "cargo-credentials",
        "cargo",
        cargo_credentials,
        true,
    ),
    (
        ".cargo/credentials",
        "cargo-credentials",
        "cargo",
        cargo_credentials,
        true,
    ),
    (
        ".claude/.credentials.json",
        "claude-credentials",
        "claude-code",
        claude_credentials,
        true,
    ),
    (".codex/auth.json", "codex-auth", "codex", codex_auth, true),
    (".env", "dotenv", "dotenv", dotenv, false),
    (".aider.conf.yml", "aider-conf", "aider", aider_conf, false),
];

pub(crate) fn scan(home: &mut Home, items: &mut Vec<InventoryItem>) {
    for &(path, id, source, parse, dedicated) in FILES {
        let rel = Path::new(path);
        let Some((bytes, meta)) = home.read_with_meta(rel) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        // JSON files are checked first so that a malformed one is warned about with its line.
        if path.ends_with(".json") && home::parse_json(home, rel, &bytes).is_none() {
            continue;
        }
        let found = parse(&text);
        if !dedicated && found.tokens.is_empty() && found.references == 0 {
            continue;
        }
        items.push(item(id, source, rel, found, &meta));
    }
}

fn item(
    id: &str,
    source: &str,
    rel: &Path,
    found: Found,
    meta: &std::fs::Metadata,
) -> InventoryItem {
    let mut tokens: Vec<TokenCount> = Vec::new();
    let mut kinds = found.tokens.clone();
    kinds.sort_unstable();
    for kind in kinds {
        match tokens.last_mut() {
            Some(last) if last.kind == kind => last.count += 1,
            _ => tokens.push(TokenCount {
                kind: kind.to_owned(),
                count: 1,
            }),
        }
    }
    let mode = unix_mode(meta);
    let group_readable = mode.is_some_and(|m| m & 0o040 != 0);
    let world_readable = mode.is_some_and(|m| m & 0o004 != 0);
    let mut risks = Vec::new();
    let total = found.tokens.len();
    if total > 0 {
        let kinds: Vec<String> = tokens.iter().map(|t| t.kind.clone()).collect();
        risks.push(Risk::new(
            "plaintext-credential",
            Severity::High,
            format!(
                "{total} credential{} in plaintext ({}); anything running as the user can read {}",
                if total == 1 { "" } else { "s" },
                kinds.join(", "),
                if total == 1 { "it" } else { "them" },
            ),
        ));
        if world_readable || group_readable {
            let who = if world_readable {
                "every user of the machine"
            } else {
                "the file's group"
            };
            risks.push(Risk::new(
                "credential-file-permissions",
                if world_readable {
                    Severity::High
                } else {
                    Severity::Medium
                },
                format!(
                    "mode {:04o}: readable by {who}; `chmod 600` it",
                    mode.unwrap_or(0)
                ),
            ));
        }
    }
    InventoryItem {
        kind: ItemKind::CredentialFile,
        id: id.to_owned(),
        name: id.to_owned(),
        version: None,
        source: source.to_owned(),
        path: home::display(rel),
        details: ItemDetails::CredentialFile(CredentialFile {
            tokens,
            references: found.references,
            targets: found.targets.into_iter().collect(),
            mode: mode.map(|m| format!("{m:04o}")),
            group_readable,
            world_readable,
        }),
        risks,
    }
}

#[cfg(unix)]
fn unix_mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn unix_mode(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

/// `https://user:token@host/path` lines.
fn git_credentials(text: &str) -> Found {
    let mut found = Found::default();
    for line in text.lines().map(str::trim) {
        let Some((_, rest)) = line.split_once("://") else {
            continue;
        };
        let authority = rest.split('/').next().unwrap_or(rest);
        let Some((userinfo, host)) = authority.rsplit_once('@') else {
            continue;
        };
        if let Some((_, password)) = userinfo.split_once(':') {
            found.value(password, "password", host);
        }
    }
    found
}

/// `//registry/:_authToken=…`, `_auth=…`, `_password=…`.
fn npmrc(text: &str) -> Found {
    let mut found = Found::default();
    for line in text.lines().map(str::trim) {
        if line.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let (scope, field) = key.rsplit_once(':').unwrap_or(("", key));
        let default = match field {
            "_authToken" => "npm-token",
            "_auth" => "npm-basic-auth",
            "_password" => "npm-password",
            _ => continue,
        };
        let target = if scope.is_empty() { "default" } else { scope };
        found.value(value, default, target);
    }
    found
}

/// `[pypi]` … `password = pypi-…`.
fn pypirc(text: &str) -> Found {
    let mut found = Found::default();
    for entry in ini::parse_python(text) {
        if entry.key == "password" {
            found.value(
                entry.value.as_deref().unwrap_or(""),
                "password",
                &entry.section,
            );
        }
    }
    found
}

/// `auths.<registry>.auth` / `identitytoken`; `credsStore` and `credHelpers` are references.
/// An `auth` left behind next to a credential store is still plaintext on disk, so it counts.
fn docker_config(text: &str) -> Found {
    let mut found = Found::default();
    let Ok(json) = serde_json::from_str::<Value>(text) else {
        return found;
    };
    for (registry, entry) in json
        .get("auths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (field, default) in [
            ("auth", "docker-auth"),
            ("identitytoken", "docker-identity-token"),
        ] {
            if let Some(value) = entry.get(field).and_then(Value::as_str) {
                found.value(value, default, registry);
            }
        }
    }
    if json
        .get("credsStore")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
    {
        found.references += 1;
    }
    found.references += json
        .get("credHelpers")
        .and_then(Value::as_object)
        .map_or(0, |h| h.len());
    found
}

/// gh's `hosts.yml`: top-level host keys, `oauth_token:` at any depth.
fn gh_hosts(text: &str) -> Found {
    let mut found = Found::default();
    let mut host = String::new();
    for line in text.lines() {
        if !line.starts_with([' ', '\t', '#', '-']) && line.trim_end().ends_with(':') {
            host = line.trim_end().trim_end_matches(':').to_owned();
            continue;
        }
        if let Some((key, value)) = line.trim().split_once(':')
            && key.trim() == "oauth_token"
        {
            found.value(value, "github-oauth", &host);
        }
    }
    found
}

/// `[profile]` … `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`;
/// `credential_process` is a reference.
fn aws_credentials(text: &str) -> Found {
    let mut found = Found::default();
    for entry in ini::parse_python(text) {
        let value = entry.value.as_deref().unwrap_or("");
        match entry.key.as_str() {
            "aws_access_key_id" => found.value(value, "aws-access-key", &entry.section),
            "aws_secret_access_key" => found.value(value, "aws-secret-key", &entry.section),
            "aws_session_token" => found.value(value, "aws-session-token", &entry.section),
            "credential_process" if !value.is_empty() => found.references += 1,
            _ => {}
        }
    }
    found
}

/// `machine <host> login <user> password <secret>` tokens.
fn netrc(text: &str) -> Found {
    let mut found = Found::default();
    let mut host = String::new();
    let mut words = text.split_whitespace();
    while let Some(word) = words.next() {
        match word {
            "machine" => host = words.next().unwrap_or("").to_owned(),
            "default" => host = "default".into(),
            "password" => {
                if let Some(secret) = words.next() {
                    found.value(secret, "password", &host);
                }
            }
            _ => {}
        }
    }
    found
}

/// `[registry]` / `[registries.<name>]` … `token = "…"`.
fn cargo_credentials(text: &str) -> Found {
    let mut found = Found::default();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header.trim().to_owned();
            continue;
        }
        if let Some((key, value)) = line.split_once('=')
            && key.trim() == "token"
        {
            found.value(value, "cargo-registry-token", &section);
        }
    }
    found
}

/// `KEY=value` lines; a value counts when it has a token prefix or its key names a secret.
fn dotenv(text: &str) -> Found {
    let mut found = Found::default();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim().trim_matches(['"', '\'']);
        if token_kind(value).is_some() || looks_secret_key(key) {
            found.value(value, "generic-secret", key);
        }
    }
    found
}

/// `openai-api-key: …`, `anthropic-api-key: …`, `api-key: [provider=key, …]`.
fn aider_conf(text: &str) -> Found {
    let mut found = Found::default();
    let mut in_api_keys = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if let Some(item) = trimmed.strip_prefix("- ") {
            if in_api_keys {
                let (provider, key) = item.split_once('=').unwrap_or(("api-key", item));
                found.value(key, "generic-secret", provider.trim());
            }
            continue;
        }
        in_api_keys = false;
        let Some((key, value)) = trimmed.split_once(':') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim();
        if key == "api-key" && value.is_empty() {
            in_api_keys = true;
        } else if key == "api-key" {
            for pair in value.trim_matches(['[', ']']).split(',') {
                let (provider, secret) = pair.split_once('=').unwrap_or(("api-key", pair));
                found.value(
                    secret,
                    "generic-secret",
                    provider.trim().trim_matches(['"', '\'']),
                );
            }
        } else if key.ends_with("api-key") {
            found.value(value, "generic-secret", key);
        }
    }
    found
}

/// String values under secret-looking keys, anywhere in the JSON.
fn json_secrets(text: &str, default: &'static str) -> Found {
    fn walk(value: &Value, default: &'static str, depth: usize, found: &mut Found) {
        if depth > 8 {
            return;
        }
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match v {
                        Value::String(s) if looks_secret_key(key) => found.value(s, default, key),
                        _ => walk(v, default, depth + 1, found),
                    }
                }
            }
            Value::Array(items) => {
                for v in items {
                    walk(v, default, depth + 1, found);
                }
            }
            _ => {}
        }
    }
    let mut found = Found::default();
    if let Ok(json) = serde_json::from_str::<Value>(text) {
        walk(&json, default, 0, &mut found);
    }
    found
}

fn claude_credentials(text: &str) -> Found {
    json_secrets(text, "anthropic-oauth")
}

fn codex_auth(text: &str) -> Found {
    json_secrets(text, "openai")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(found: &Found) -> Vec<&'static str> {
        found.tokens.clone()
    }

    #[test]
    fn prefixes() {
        assert_eq!(token_kind("ghp_FAKEFAKEFAKEFAKE"), Some("github-pat"));
        assert_eq!(
            token_kind("github_pat_FAKEFAKEFAKE"),
            Some("github-pat-fine-grained")
        );
        assert_eq!(
            token_kind("sk-ant-api03-FAKEFAKE"),
            Some("anthropic-api-key")
        );
        assert_eq!(token_kind("AKIAFAKEFAKEFAKE"), Some("aws-access-key"));
        assert_eq!(token_kind("ghp_"), None, "a bare prefix is not a token");
        assert_eq!(token_kind("hunter2"), None);
    }

    #[test]
    fn parsers_tell_literals_from_references() {
        let f = npmrc(
            "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n//npm.pkg.github.com/:_authToken=ghp_FAKEFAKEFAKEFAKE\n_auth=dXNlcjpwYXNz\n",
        );
        assert_eq!(kinds(&f), vec!["github-pat", "npm-basic-auth"]);
        assert_eq!(f.references, 1);
        let f = git_credentials(
            "https://me:ghp_FAKEFAKEFAKEFAKE@github.com\nhttps://nobody@example.com\n",
        );
        assert_eq!(kinds(&f), vec!["github-pat"]);
        assert_eq!(f.targets.iter().collect::<Vec<_>>(), vec!["github.com"]);
        let f =
            netrc("machine a.example login me password s3cretvalue\ndefault login x password y");
        assert_eq!(kinds(&f), vec!["password", "password"]);
        let f = dotenv("# c\nexport OPENAI_API_KEY=sk-FAKEFAKEFAKEFAKE\nDEBUG=1\nTOKEN=\"${X}\"\n");
        assert_eq!(kinds(&f), vec!["openai-api-key"]);
        assert_eq!(f.references, 1);
        let f = aider_conf(
            "api-key:\n  - gemini=AIzaFAKEFAKEFAKEFAKE\nopenai-api-key: sk-FAKEFAKEFAKEFAKE\n",
        );
        assert_eq!(kinds(&f), vec!["google-api-key", "openai-api-key"]);
        let f = docker_config(
            r#"{"auths": {"ghcr.io": {"auth": "FAKE"}, "x": {}}, "credsStore": "desktop"}"#,
        );
        assert_eq!(kinds(&f), vec!["docker-auth"]);
        assert_eq!(f.references, 1);
    }
}
