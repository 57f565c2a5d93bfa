//! Teams from CODEOWNERS: when `devspm.toml` names no teams, a developer's team is the owner
//! of the paths they change most, as the repository's CODEOWNERS file at HEAD says.
//!
//! The file is the one GitHub reads: `.github/CODEOWNERS`, else `CODEOWNERS` at the root, else
//! `docs/CODEOWNERS` ([`LOCATIONS`], first found wins). Each line is a gitignore-style pattern
//! followed by owners (`@org/team`, `@user`, an e-mail); `#` starts a comment; the **last**
//! matching line wins, and a matching line without owners leaves the path unowned. Patterns:
//! a leading `/` or a `/` inside anchors the pattern at the root, otherwise it matches at any
//! depth; a trailing `/` matches only a directory (and so everything below it); a pattern that
//! matches a directory matches every path below it; `*` and `?` stay within one path segment,
//! `**` spans any number of them. Character classes (`[abc]`) and `!` negation are not part of
//! CODEOWNERS syntax on GitHub and are read literally.
//!
//! Why "changes most": ownership is of paths, a team is of people. The owner of most of the
//! file changes a developer made in the window is the best single guess of the team whose work
//! they do; ties go to the owner with more changed lines, then the name. The report says the
//! teams came from CODEOWNERS and shows each developer's share of changes behind the choice.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

/// Where GitHub looks for the file, in order; the first that exists is used.
pub const LOCATIONS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// One line of a CODEOWNERS file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The pattern as written.
    pub pattern: String,
    /// Owners in the order written (none: the path is unowned).
    pub owners: Vec<String>,
    /// Line number in the file (1-based).
    pub line: usize,
    segments: Vec<String>,
    directory_only: bool,
}

/// A parsed CODEOWNERS file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Codeowners {
    pub rules: Vec<Rule>,
}

impl Codeowners {
    /// Parses the text of a CODEOWNERS file; lines it cannot read are skipped.
    pub fn parse(text: &str) -> Codeowners {
        let mut rules = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // A comment may follow the owners; `\#` is a literal `#` in a pattern.
            let mut tokens = Vec::new();
            for token in line.split_whitespace() {
                if token.starts_with('#') {
                    break;
                }
                tokens.push(token);
            }
            let Some((pattern, owners)) = tokens.split_first() else {
                continue;
            };
            let pattern = pattern.replace("\\#", "#");
            let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
            let directory_only = pattern.ends_with('/');
            let body = pattern.trim_start_matches('/').trim_end_matches('/');
            if body.is_empty() && !pattern.starts_with('/') {
                continue;
            }
            let mut segments: Vec<String> = Vec::new();
            if !anchored {
                segments.push("**".to_owned());
            }
            segments.extend(body.split('/').filter(|s| !s.is_empty()).map(str::to_owned));
            rules.push(Rule {
                pattern,
                owners: owners.iter().map(|o| (*o).to_owned()).collect(),
                line: i + 1,
                segments,
                directory_only,
            });
        }
        Codeowners { rules }
    }

    /// The rule that decides who owns `path` (relative to the root, `/`-separated): the last
    /// matching one. `None` when no rule matches.
    pub fn rule_for(&self, path: &str) -> Option<&Rule> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.rules.iter().rev().find(|r| r.matches(&parts))
    }

    /// The owners of `path` (empty when unowned).
    pub fn owners(&self, path: &str) -> &[String] {
        self.rule_for(path).map_or(&[], |r| r.owners.as_slice())
    }
}

impl Rule {
    /// Whether the rule matches the path or one of its parent directories.
    fn matches(&self, parts: &[&str]) -> bool {
        if self.segments.is_empty() {
            // `/` alone: the whole repository.
            return true;
        }
        // The path itself (a file: not for a directory-only pattern), or a directory above it.
        let last = if self.directory_only {
            parts.len().saturating_sub(1)
        } else {
            parts.len()
        };
        (1..=last).any(|k| segments_match(&self.segments, &parts[..k]))
    }
}

fn segments_match(pattern: &[String], parts: &[&str]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=parts.len()).any(|skip| segments_match(rest, &parts[skip..]))
        }
        Some((first, rest)) => match parts.split_first() {
            Some((part, others)) => glob(first, part) && segments_match(rest, others),
            None => false,
        },
    }
}

/// `*` (any run of characters) and `?` (one character) within one segment.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// One file change by a developer: which repository, which path, how many lines.
#[derive(Clone, Debug)]
pub struct PathChange<'a> {
    pub developer: &'a str,
    pub repo: &'a str,
    pub path: &'a str,
    pub lines: u64,
}

/// Why a developer was put in a team.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamChoice {
    /// The owner chosen as the team (as written in CODEOWNERS).
    pub team: String,
    /// File changes of the developer in the window, owned by that owner.
    pub owned_changes: u64,
    /// All their file changes in repositories with a CODEOWNERS file.
    pub changes: u64,
    /// Changed lines of the owned changes.
    pub owned_lines: u64,
}

/// The team of every developer with at least one owned change: the owner of most of their
/// file changes (ties: more changed lines, then the owner's name). `files` maps a repository
/// id to its CODEOWNERS; changes in other repositories are not counted.
pub fn assign(
    files: &HashMap<String, Codeowners>,
    changes: &[PathChange<'_>],
) -> BTreeMap<String, TeamChoice> {
    // developer → owner → (changes, lines); developer → changes in covered repositories.
    let mut owned: HashMap<&str, BTreeMap<&str, (u64, u64)>> = HashMap::new();
    let mut totals: HashMap<&str, u64> = HashMap::new();
    for c in changes {
        let Some(file) = files.get(c.repo) else {
            continue;
        };
        *totals.entry(c.developer).or_default() += 1;
        for owner in file.owners(c.path) {
            let entry = owned
                .entry(c.developer)
                .or_default()
                .entry(owner.as_str())
                .or_default();
            entry.0 += 1;
            entry.1 += c.lines;
        }
    }
    owned
        .into_iter()
        .filter_map(|(developer, owners)| {
            let (team, (n, lines)) = owners.into_iter().max_by(|a, b| {
                (a.1.0, a.1.1)
                    .cmp(&(b.1.0, b.1.1))
                    .then_with(|| b.0.cmp(a.0))
            })?;
            Some((
                developer.to_owned(),
                TeamChoice {
                    team: team.to_owned(),
                    owned_changes: n,
                    changes: totals.get(developer).copied().unwrap_or(0),
                    owned_lines: lines,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# the default owner
*                 @acme/core
*.js              @acme/web   # trailing comment
/docs/            @acme/docs
build/            @acme/release
src/**/crypto.rs  @acme/security alice@example.com
/vendor/
\\#notes           @acme/notes
";

    #[test]
    fn last_matching_line_wins() {
        let c = Codeowners::parse(FILE);
        assert_eq!(c.owners("README.md"), ["@acme/core"]);
        assert_eq!(c.owners("app/main.js"), ["@acme/web"]);
        assert_eq!(c.owners("docs/guide.js"), ["@acme/docs"]);
        assert_eq!(c.owners("docs/deep/er/x.md"), ["@acme/docs"]);
        // Not anchored: any directory named build.
        assert_eq!(c.owners("tools/build/run.sh"), ["@acme/release"]);
        assert_eq!(
            c.owners("src/a/b/crypto.rs"),
            ["@acme/security", "alice@example.com"]
        );
        assert_eq!(
            c.owners("src/crypto.rs"),
            ["@acme/security", "alice@example.com"]
        );
        // A line without owners leaves the path unowned.
        assert!(c.owners("vendor/lib/x.c").is_empty());
        assert_eq!(c.rule_for("vendor/lib/x.c").map(|r| r.line), Some(7));
        assert_eq!(c.owners("#notes"), ["@acme/notes"]);
    }

    #[test]
    fn anchoring_and_directories() {
        let c = Codeowners::parse("/docs/ @d\nbuild/ @b\napps/ @a\nlib/x @x\n*.md @m\n");
        // `/docs/` is anchored at the root.
        assert!(c.owners("src/docs/a.txt").is_empty());
        // A file named `build` is not the directory `build/`.
        assert!(c.owners("build").is_empty());
        assert_eq!(c.owners("build/a"), ["@b"]);
        // A slash inside anchors: `lib/x` does not match `src/lib/x`.
        assert!(c.owners("src/lib/x").is_empty());
        assert_eq!(c.owners("lib/x/deeper.c"), ["@x"]);
        assert_eq!(c.owners("a/b/c.md"), ["@m"]);
        assert!(glob("*.rs", "main.rs") && !glob("*.rs", "main.rsx") && glob("a?c", "abc"));
    }

    #[test]
    fn a_developer_joins_the_owner_of_most_of_their_changes() {
        let mut files = HashMap::new();
        files.insert("r1".to_owned(), Codeowners::parse(FILE));
        let change = |developer, repo, path, lines| PathChange {
            developer,
            repo,
            path,
            lines,
        };
        let changes = [
            change("ann", "r1", "a.js", 10),
            change("ann", "r1", "b.js", 10),
            change("ann", "r1", "README.md", 500),
            change("bob", "r1", "docs/x.md", 1),
            change("bob", "r1", "y.rs", 1),
            change("bob", "r2", "z.js", 100),
            change("eve", "r1", "vendor/a.c", 3),
        ];
        let teams = assign(&files, &changes);
        assert_eq!(
            teams["ann"],
            TeamChoice {
                team: "@acme/web".to_owned(),
                owned_changes: 2,
                changes: 3,
                owned_lines: 20
            }
        );
        // A tie on changes and lines: the name decides (`@acme/core` < `@acme/docs`).
        assert_eq!(teams["bob"].team, "@acme/core");
        assert_eq!(teams["bob"].changes, 2);
        // Only unowned changes: no team.
        assert!(!teams.contains_key("eve"));
    }
}
