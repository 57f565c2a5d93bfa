//! The tool policy: which actions, images, extensions, AI tools and MCP servers are approved,
//! and the verdict for each inventory item.
//!
//! The policy lives in `devspm.toml` under `[policy]` (see `docs/governance.md` for a complete
//! example). Each category has an `allow` and a `deny` list of patterns; a pattern is a
//! case-insensitive glob on the item's name, optionally followed by `@` and a glob on its
//! version or ref (`ms-python.python@2025.*`, `actions/*@v4`).
//!
//! The order of the checks is deliberate:
//!
//! 1. **deny** wins over everything: a denied item stays denied even if a broader allow pattern
//!    matches it, because a deny entry is usually written during an incident
//!    ("tj-actions/changed-files, everywhere, now").
//! 2. An **allow** list, when the category has one, is exhaustive: an item it does not match
//!    is *unapproved* — shadow IT.
//! 3. A category without an allow list is not governed: its items are approved, and the verdict
//!    says so, so nobody mistakes "no policy" for "reviewed".
//!
//! Actions and reusable workflows can also require a pin level per owner (`[policy.actions.pin]`):
//! `sha` (a full commit SHA), `tag`, or `any`. An item pinned below the required level is denied
//! with the pin as the reason, whatever the lists say.

use std::fmt;

use globset::{GlobBuilder, GlobMatcher};
use serde::{Deserialize, Serialize};

/// What kind of tool an inventory item is, as far as the policy is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A GitHub Action (`owner/repo[/path]`).
    Action,
    /// A reusable workflow (`owner/repo/.github/workflows/x.yml`).
    ReusableWorkflow,
    /// A container image used by CI or a Dockerfile.
    ContainerImage,
    /// A pre-commit hook repository.
    PrecommitHook,
    /// An editor extension or IDE plugin (VS Code family, JetBrains).
    Extension,
    /// A browser extension.
    BrowserExtension,
    /// An AI coding tool (CLI, IDE agent, instruction files for one).
    AiTool,
    /// An MCP server.
    McpServer,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 8] = [
        Category::Action,
        Category::ReusableWorkflow,
        Category::ContainerImage,
        Category::PrecommitHook,
        Category::Extension,
        Category::BrowserExtension,
        Category::AiTool,
        Category::McpServer,
    ];

    /// The name used in `devspm.toml` and in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Action => "actions",
            Category::ReusableWorkflow => "reusable_workflows",
            Category::ContainerImage => "images",
            Category::PrecommitHook => "precommit_hooks",
            Category::Extension => "extensions",
            Category::BrowserExtension => "browser_extensions",
            Category::AiTool => "ai_tools",
            Category::McpServer => "mcp_servers",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How firmly a CI dependency is pinned, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinLevel {
    /// No ref at all, or a branch name.
    None,
    /// A tag or version (mutable: a tag can be moved, as in the tj-actions incident).
    Tag,
    /// A full commit SHA or an image digest (immutable).
    Sha,
}

impl PinLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PinLevel::None => "none",
            PinLevel::Tag => "tag",
            PinLevel::Sha => "sha",
        }
    }
}

/// The pin a policy requires: `any`, `tag` or `sha`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequiredPin {
    Any,
    Tag,
    Sha,
}

impl RequiredPin {
    fn satisfied_by(self, pin: PinLevel) -> bool {
        match self {
            RequiredPin::Any => true,
            RequiredPin::Tag => pin >= PinLevel::Tag,
            RequiredPin::Sha => pin == PinLevel::Sha,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            RequiredPin::Any => "any",
            RequiredPin::Tag => "tag",
            RequiredPin::Sha => "sha",
        }
    }
}

/// One category's lists, as written in `devspm.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListConfig {
    /// Patterns of approved items. Absent = the category is not governed.
    pub allow: Option<Vec<String>>,
    /// Patterns of denied items.
    pub deny: Vec<String>,
    /// For actions and reusable workflows: owner glob → required pin (`sha`, `tag`, `any`).
    /// The most specific matching glob (the longest) applies.
    pub pin: Option<toml::Table>,
}

/// Thresholds for `devspm policy check` and `devspm ci audit`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// The lowest CI audit severity that fails a check (`critical`, `high`, `medium`, `low`,
    /// `info`). Default `high`.
    pub ci_severity: String,
    /// Fail when any unapproved (shadow IT) item is found, not only denied ones. Default false:
    /// unapproved items are reported, denied items fail.
    pub fail_on_unapproved: bool,
    /// The highest share of unsigned commits tolerated when `require_signed_commits` is on,
    /// as a fraction (0.0 = every commit must be signed). Default 0.0.
    pub max_unsigned_ratio: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            ci_severity: "high".into(),
            fail_on_unapproved: false,
            max_unsigned_ratio: 0.0,
        }
    }
}

/// `[policy]` as written in `devspm.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    pub actions: ListConfig,
    pub reusable_workflows: ListConfig,
    pub images: ListConfig,
    pub precommit_hooks: ListConfig,
    pub extensions: ListConfig,
    pub browser_extensions: ListConfig,
    pub ai_tools: ListConfig,
    pub mcp_servers: ListConfig,
    /// Commits must be signed (gpg, ssh or x509).
    pub require_signed_commits: bool,
    /// The baseline of `require_signed_commits`: commits authored before this day
    /// (`YYYY-MM-DD`, UTC) are not checked — the history from before a team adopted signing
    /// is not a violation.
    pub require_signed_commits_since: Option<String>,
    pub thresholds: Thresholds,
}

/// A policy that could not be used; the message names the file, the line and the fix.
#[derive(Debug, thiserror::Error)]
#[error("policy in {origin}: {message}")]
pub struct PolicyError {
    pub origin: String,
    pub message: String,
}

/// A compiled pattern: a glob on the name and an optional glob on the version.
#[derive(Clone, Debug)]
struct Pattern {
    text: String,
    name: GlobMatcher,
    version: Option<GlobMatcher>,
}

impl Pattern {
    fn compile(text: &str) -> Result<Pattern, String> {
        let (name, version) = match split_version(text) {
            Some((n, v)) => (n, Some(v)),
            None => (text, None),
        };
        if name.is_empty() {
            return Err(format!("pattern `{text}` has no name"));
        }
        let glob = |g: &str| {
            GlobBuilder::new(g)
                .case_insensitive(true)
                .literal_separator(false)
                .build()
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("pattern `{text}` is not a valid glob: {e}"))
        };
        Ok(Pattern {
            text: text.to_owned(),
            name: glob(name)?,
            version: version.map(glob).transpose()?,
        })
    }

    fn matches(&self, name: &str, version: Option<&str>) -> bool {
        if !self.name.is_match(name) {
            return false;
        }
        match (&self.version, version) {
            (None, _) => true,
            (Some(v), Some(version)) => v.is_match(version),
            (Some(_), None) => false,
        }
    }
}

/// Splits `name@version`, keeping a leading `@` (npm scopes: `@scope/pkg@1.2`) in the name.
fn split_version(text: &str) -> Option<(&str, &str)> {
    let start = usize::from(text.starts_with('@'));
    let at = text[start..].rfind('@')? + start;
    Some((&text[..at], &text[at + 1..]))
}

#[derive(Clone, Debug, Default)]
struct Lists {
    allow: Option<Vec<Pattern>>,
    deny: Vec<Pattern>,
    /// (owner glob text, matcher, required pin), most specific first.
    pin: Vec<(String, GlobMatcher, RequiredPin)>,
}

/// An item to judge.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    pub category: Category,
    /// `owner/repo[/path]` for actions, the image name without tag, the extension id, the MCP
    /// server's package or name, the AI tool's id.
    pub name: &'a str,
    /// Version, tag, ref or digest, when known.
    pub version: Option<&'a str>,
    /// For actions, workflows, images and hooks: how firmly it is pinned.
    pub pin: Option<PinLevel>,
}

/// The outcome for one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Approved,
    /// Not on the allow list: shadow IT.
    Unapproved,
    Denied,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::Unapproved => "unapproved",
            Status::Denied => "denied",
        }
    }
}

/// A verdict with the reason a person can check against the policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub status: Status,
    /// One sentence: which entry decided, or why none did.
    pub reason: String,
    /// The policy entry that decided (`extensions.deny: "*.malicious"`), if one did.
    pub rule: Option<String>,
}

/// A compiled policy.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    lists: Vec<(Category, Lists)>,
    pub require_signed_commits: bool,
    /// Commits authored before this time (Unix seconds) are not checked for signatures.
    pub signed_commits_since: Option<i64>,
    pub thresholds: Thresholds,
    /// Whether the file had a `[policy]` table at all.
    pub declared: bool,
}

/// Just the `[policy]` table of a `devspm.toml`; other tables belong to other readers.
#[derive(Deserialize)]
struct PolicyFile {
    policy: Option<PolicyConfig>,
}

impl Policy {
    /// Reads `[policy]` from the text of a `devspm.toml`. A file without one gives the empty
    /// policy (nothing governed, every item approved).
    pub fn from_config_text(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError {
            origin: origin.to_owned(),
            message: describe(text, &e),
        })?;
        match file.policy {
            Some(config) => {
                let mut policy = Policy::compile(&config).map_err(|message| PolicyError {
                    origin: origin.to_owned(),
                    message,
                })?;
                policy.declared = true;
                Ok(policy)
            }
            None => Ok(Policy::default()),
        }
    }

    /// Compiles a parsed configuration; `Err` names the bad pattern.
    pub fn compile(config: &PolicyConfig) -> Result<Policy, String> {
        let mut lists = Vec::new();
        for category in Category::ALL {
            let list = config.list(category);
            let compile_all = |patterns: &[String]| {
                patterns
                    .iter()
                    .map(|p| Pattern::compile(p))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("[policy.{category}]: {e}"))
            };
            let mut pin = Vec::new();
            if let Some(table) = &list.pin {
                if !matches!(category, Category::Action | Category::ReusableWorkflow) {
                    return Err(format!(
                        "[policy.{category}.pin]: pin levels apply to actions and reusable workflows only"
                    ));
                }
                for (owner, level) in table {
                    let level = match level.as_str() {
                        Some("sha") => RequiredPin::Sha,
                        Some("tag") => RequiredPin::Tag,
                        Some("any") => RequiredPin::Any,
                        _ => {
                            return Err(format!(
                                "[policy.{category}.pin]: `{owner}` must be \"sha\", \"tag\" or \"any\""
                            ));
                        }
                    };
                    let glob = GlobBuilder::new(owner)
                        .case_insensitive(true)
                        .build()
                        .map_err(|e| format!("[policy.{category}.pin]: `{owner}`: {e}"))?
                        .compile_matcher();
                    pin.push((owner.clone(), glob, level));
                }
                // Most specific first: longer globs with fewer wildcards win.
                pin.sort_by_key(|(text, _, _)| {
                    (
                        std::cmp::Reverse(text.len() - text.matches('*').count()),
                        text.clone(),
                    )
                });
            }
            lists.push((
                category,
                Lists {
                    allow: list.allow.as_deref().map(compile_all).transpose()?,
                    deny: compile_all(&list.deny)?,
                    pin,
                },
            ));
        }
        let severities = ["critical", "high", "medium", "low", "info"];
        if !severities.contains(&config.thresholds.ci_severity.as_str()) {
            return Err(format!(
                "[policy.thresholds] ci_severity = \"{}\" is not one of {}",
                config.thresholds.ci_severity,
                severities.join(", ")
            ));
        }
        if !(0.0..=1.0).contains(&config.thresholds.max_unsigned_ratio) {
            return Err(
                "[policy.thresholds] max_unsigned_ratio must be between 0.0 and 1.0".into(),
            );
        }
        let signed_commits_since = match &config.require_signed_commits_since {
            None => None,
            Some(day) => Some(
                day.trim()
                    .parse::<jiff::civil::Date>()
                    .ok()
                    .and_then(|d| format!("{d}T00:00:00Z").parse::<jiff::Timestamp>().ok())
                    .map(|t| t.as_second())
                    .ok_or_else(|| {
                        format!(
                            "require_signed_commits_since = \"{day}\" is not a day (YYYY-MM-DD)"
                        )
                    })?,
            ),
        };
        Ok(Policy {
            lists,
            require_signed_commits: config.require_signed_commits,
            signed_commits_since,
            thresholds: config.thresholds.clone(),
            declared: true,
        })
    }

    /// Whether the category has an allow list (items not on it are shadow IT).
    pub fn governs(&self, category: Category) -> bool {
        self.lists_of(category).is_some_and(|l| l.allow.is_some())
    }

    /// The pin level required for an action or workflow owner (`actions/checkout` → the entry
    /// for `actions/*`), if the policy sets one.
    pub fn required_pin(&self, category: Category, name: &str) -> Option<(&str, RequiredPin)> {
        let owner = name.split('/').next().unwrap_or(name);
        self.lists_of(category)?
            .pin
            .iter()
            .find(|(_, glob, _)| glob.is_match(name) || glob.is_match(owner))
            .map(|(text, _, level)| (text.as_str(), *level))
    }

    /// The pin requirements of a category as written: (owner or name glob, required pin), most
    /// specific first.
    pub fn pin_entries(&self, category: Category) -> Vec<(String, RequiredPin)> {
        self.lists_of(category)
            .map(|l| l.pin.iter().map(|(t, _, r)| (t.clone(), *r)).collect())
            .unwrap_or_default()
    }

    /// The verdict for one item.
    pub fn verdict(&self, item: &Item<'_>) -> Verdict {
        let category = item.category;
        let Some(lists) = self.lists_of(item.category) else {
            return not_governed(category);
        };
        if let Some(pattern) = lists
            .deny
            .iter()
            .find(|p| p.matches(item.name, item.version))
        {
            return Verdict {
                status: Status::Denied,
                reason: format!(
                    "{} matches the deny entry `{}`",
                    display(item),
                    pattern.text
                ),
                rule: Some(format!("{category}.deny: \"{}\"", pattern.text)),
            };
        }
        if let (Some(pin), Some((owner, required))) =
            (item.pin, self.required_pin(category, item.name))
            && !required.satisfied_by(pin)
        {
            return Verdict {
                status: Status::Denied,
                reason: format!(
                    "{} is pinned by {}, and the policy requires {} for `{owner}`",
                    display(item),
                    pin.as_str(),
                    required.as_str()
                ),
                rule: Some(format!(
                    "{category}.pin: \"{owner}\" = \"{}\"",
                    required.as_str()
                )),
            };
        }
        match &lists.allow {
            None => not_governed(category),
            Some(allow) => match allow.iter().find(|p| p.matches(item.name, item.version)) {
                Some(pattern) => Verdict {
                    status: Status::Approved,
                    reason: format!(
                        "{} matches the allow entry `{}`",
                        display(item),
                        pattern.text
                    ),
                    rule: Some(format!("{category}.allow: \"{}\"", pattern.text)),
                },
                None => Verdict {
                    status: Status::Unapproved,
                    reason: format!(
                        "{} is not on the allow list of [policy.{category}] (shadow IT)",
                        display(item)
                    ),
                    rule: Some(format!("{category}.allow")),
                },
            },
        }
    }

    fn lists_of(&self, category: Category) -> Option<&Lists> {
        self.lists
            .iter()
            .find(|(c, _)| *c == category)
            .map(|(_, l)| l)
    }
}

impl PolicyConfig {
    fn list(&self, category: Category) -> &ListConfig {
        match category {
            Category::Action => &self.actions,
            Category::ReusableWorkflow => &self.reusable_workflows,
            Category::ContainerImage => &self.images,
            Category::PrecommitHook => &self.precommit_hooks,
            Category::Extension => &self.extensions,
            Category::BrowserExtension => &self.browser_extensions,
            Category::AiTool => &self.ai_tools,
            Category::McpServer => &self.mcp_servers,
        }
    }
}

fn not_governed(category: Category) -> Verdict {
    Verdict {
        status: Status::Approved,
        reason: format!("[policy.{category}] has no allow list: {category} are not governed"),
        rule: None,
    }
}

fn display(item: &Item<'_>) -> String {
    match item.version {
        Some(v) => format!("`{}@{v}`", item.name),
        None => format!("`{}`", item.name),
    }
}

/// A TOML error as one line: the message and the line it is on.
fn describe(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end_matches('.');
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Policy {
        match Policy::from_config_text(text, "devspm.toml") {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    fn item<'a>(category: Category, name: &'a str, version: Option<&'a str>) -> Item<'a> {
        Item {
            category,
            name,
            version,
            pin: None,
        }
    }

    const EXAMPLE: &str = r#"
[[identity]]
id = "ann"

[policy]
require_signed_commits = true

[policy.actions]
allow = ["actions/*", "docker/*@v3*", "github/codeql-action/*"]
deny = ["tj-actions/changed-files"]
pin = { "*" = "sha", "actions" = "tag" }

[policy.extensions]
allow = ["ms-python.*", "rust-lang.rust-analyzer@0.3.*"]
deny = ["*.malicious-*"]

[policy.mcp_servers]
deny = ["@evil/*"]

[policy.thresholds]
ci_severity = "medium"
fail_on_unapproved = true
"#;

    #[test]
    fn deny_wins_over_allow_and_pins() {
        let p = policy(EXAMPLE);
        let v = p.verdict(&Item {
            category: Category::Action,
            name: "tj-actions/changed-files",
            version: Some("0e58ed8671d6b60d0890c21b07f8835ace038e67"),
            pin: Some(PinLevel::Sha),
        });
        assert_eq!(v.status, Status::Denied);
        assert_eq!(
            v.rule.as_deref(),
            Some("actions.deny: \"tj-actions/changed-files\"")
        );
    }

    #[test]
    fn pins_are_required_per_owner_most_specific_first() {
        let p = policy(EXAMPLE);
        let checkout = |pin| Item {
            category: Category::Action,
            name: "actions/checkout",
            version: Some("v4"),
            pin: Some(pin),
        };
        assert_eq!(p.verdict(&checkout(PinLevel::Tag)).status, Status::Approved);
        let v = p.verdict(&checkout(PinLevel::None));
        assert_eq!(v.status, Status::Denied);
        assert!(v.reason.contains("requires tag for `actions`"), "{v:?}");

        let docker = |pin| Item {
            category: Category::Action,
            name: "docker/login-action",
            version: Some("v3.1.0"),
            pin: Some(pin),
        };
        let v = p.verdict(&docker(PinLevel::Tag));
        assert_eq!(v.status, Status::Denied);
        assert_eq!(v.rule.as_deref(), Some("actions.pin: \"*\" = \"sha\""));
        // Pinned by SHA, but the allow entry wants a v3 tag: the ref is the SHA, so unapproved.
        let sha = Item {
            version: Some("74a5d142397b4f367a81961eba4e8cd7edddf772"),
            ..docker(PinLevel::Sha)
        };
        assert_eq!(p.verdict(&sha).status, Status::Unapproved);
    }

    #[test]
    fn allow_lists_make_the_rest_shadow_it() {
        let p = policy(EXAMPLE);
        let ext = |name, version| p.verdict(&item(Category::Extension, name, version));
        assert_eq!(
            ext("ms-python.python", Some("2025.1.0")).status,
            Status::Approved
        );
        assert_eq!(
            ext("MS-Python.Python", Some("2025.1.0")).status,
            Status::Approved,
            "extension ids are case-insensitive"
        );
        assert_eq!(
            ext("rust-lang.rust-analyzer", Some("0.3.2000")).status,
            Status::Approved
        );
        let v = ext("rust-lang.rust-analyzer", Some("0.4.1"));
        assert_eq!(v.status, Status::Unapproved);
        assert!(v.reason.contains("shadow IT"));
        assert_eq!(
            ext("evilcorp.malicious-theme", Some("1.0.0")).status,
            Status::Denied
        );
        assert_eq!(
            ext("ms-python.python", None).status,
            Status::Approved,
            "a pattern without version matches any version"
        );
    }

    #[test]
    fn categories_without_allow_lists_are_not_governed() {
        let p = policy(EXAMPLE);
        let v = p.verdict(&item(
            Category::McpServer,
            "@modelcontextprotocol/server-github",
            None,
        ));
        assert_eq!(v.status, Status::Approved);
        assert!(v.reason.contains("not governed"));
        assert_eq!(
            p.verdict(&item(Category::McpServer, "@evil/exfil", Some("1.0")))
                .status,
            Status::Denied,
            "npm scopes keep their leading @"
        );
        assert!(p.governs(Category::Extension));
        assert!(!p.governs(Category::McpServer));
        assert!(p.require_signed_commits);
        assert_eq!(p.thresholds.ci_severity, "medium");
    }

    #[test]
    fn a_file_without_policy_governs_nothing() {
        let p = policy("[[identity]]\nid = \"ann\"\n");
        assert!(!p.declared);
        assert_eq!(
            p.verdict(&item(Category::Action, "actions/checkout", Some("main")))
                .status,
            Status::Approved
        );
    }

    #[test]
    fn mistakes_name_the_line_and_the_fix() {
        let err = Policy::from_config_text("[policy.actions]\nalow = [\"x\"]\n", "devspm.toml")
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(
            err.contains("devspm.toml") && err.contains("line 2"),
            "{err}"
        );
        assert!(err.contains("alow"), "{err}");

        let err = Policy::from_config_text(
            "[policy.extensions]\npin = { \"*\" = \"sha\" }\n",
            "devspm.toml",
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("actions and reusable workflows only"), "{err}");

        let err = Policy::from_config_text(
            "[policy.actions]\npin = { \"*\" = \"commit\" }\n",
            "devspm.toml",
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("\"sha\", \"tag\" or \"any\""), "{err}");

        let err = Policy::from_config_text(
            "[policy.thresholds]\nci_severity = \"severe\"\n",
            "devspm.toml",
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("not one of critical"), "{err}");

        let err = Policy::from_config_text("[policy.actions]\ndeny = [\"a/[b\"]\n", "x.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("not a valid glob"), "{err}");
    }

    #[test]
    fn versions_split_at_the_last_at_sign() {
        assert_eq!(split_version("a@1"), Some(("a", "1")));
        assert_eq!(split_version("@scope/pkg@1.2"), Some(("@scope/pkg", "1.2")));
        assert_eq!(split_version("@scope/pkg"), None);
        assert_eq!(split_version("plain"), None);
    }
}
