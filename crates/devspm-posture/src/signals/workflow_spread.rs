//! `workflow-spread`: one CI workflow file introduced in several repositories at once.
//!
//! **Why.** The Shai-Hulud worm (npm, September 2025) used each stolen maintainer token to push
//! the same `.github/workflows/` file to every repository the token could write, within
//! minutes: the workflow then sent the repository's secrets away. In the record this is one
//! workflow path introduced, by commit time, in at least [`REPOSITORIES`] repositories within
//! [`WINDOW`] seconds.
//!
//! **What counts.** The recorded uses of tools in repository files (the CI inventory of each
//! scanned repository: actions, reusable workflows, images, with the commit that wrote each
//! line). For each `.github/workflows/` path, each repository's earliest introduction; the
//! largest group of repositories whose introductions fall within one window.
//!
//! **Subject.** Whoever introduced the file in the first repository of the group (the identity
//! the commit is attributed to; the repository when it is unknown). The evidence names every
//! repository, commit and time of the group.
//!
//! **Severity.** High.
//!
//! **Noise.** A shared workflow rolled out to many repositories on purpose, by a person or a
//! bot, fires once per rollout.
//!
//! Unlike the other rules it reads tool inventories across repositories, not an identity's
//! own history: the engine's analyzer `tool-spread-v1` runs it over every recorded use of a
//! tool whenever new ones are recorded, and `devspm tools list` shows the same sentence under
//! its table for the uses it lists.

use std::collections::BTreeMap;

use super::{Raised, RuleMeta, VERSION};
use devspm_core::signal::Signal;

pub const RULE: RuleMeta = RuleMeta {
    id: "workflow-spread",
    severity: "high",
    description: "one workflow file introduced in three or more repositories within a day",
    noise: "a shared workflow rolled out on purpose (once per rollout)",
};

/// Repositories that must gain the same workflow file within [`WINDOW`].
pub const REPOSITORIES: usize = 3;
/// Seconds.
pub const WINDOW: i64 = 24 * 3600;

/// One recorded introduction of a file in a repository: a tool used in it, with the commit
/// that wrote the line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Introduction {
    /// What tells repositories apart (the repository id).
    pub repo: String,
    /// What the sentence shows (the repository name).
    pub name: String,
    pub path: String,
    /// The introducing commit's author time (seconds since the epoch).
    pub at: i64,
    pub commit: Option<String>,
    /// Who introduced it: the identity id, and the alias the commit was made under.
    pub identity: Option<String>,
    pub alias: Option<String>,
}

/// A workflow file that spread: each repository's first introduction, in time order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spread {
    pub path: String,
    pub group: Vec<Introduction>,
}

/// Every workflow file introduced in at least [`REPOSITORIES`] repositories within [`WINDOW`],
/// in path order.
pub fn spreads(introductions: &[Introduction]) -> Vec<Spread> {
    // path → repository → its earliest introduction (ties: the smaller commit id).
    let mut first: BTreeMap<&str, BTreeMap<&str, &Introduction>> = BTreeMap::new();
    for i in introductions {
        if !i.path.starts_with(".github/workflows/") {
            continue;
        }
        let slot = first
            .entry(&i.path)
            .or_default()
            .entry(&i.repo)
            .or_insert(i);
        if (i.at, &i.commit) < (slot.at, &slot.commit) {
            *slot = i;
        }
    }
    let mut found = Vec::new();
    for (path, repos) in first {
        let mut times: Vec<&Introduction> = repos.into_values().collect();
        times.sort_by(|a, b| (a.at, &a.name, &a.repo).cmp(&(b.at, &b.name, &b.repo)));
        // The largest group of introductions within one window (the earliest such group).
        let mut best = (0, 0);
        let mut start = 0;
        for end in 0..times.len() {
            while times[end].at - times[start].at > WINDOW {
                start += 1;
            }
            if end + 1 - start > best.1 - best.0 {
                best = (start, end + 1);
            }
        }
        if best.1 - best.0 >= REPOSITORIES {
            found.push(Spread {
                path: path.to_owned(),
                group: times[best.0..best.1].iter().map(|i| (*i).clone()).collect(),
            });
        }
    }
    found
}

impl Spread {
    /// Whole hours between the first and the last introduction of the group.
    fn hours(&self) -> i64 {
        let first = self.group.first().map_or(0, |i| i.at);
        let last = self.group.last().map_or(0, |i| i.at);
        (last - first) / 3600
    }

    /// The spread in one sentence: the file, the repositories, the window and the first day.
    pub fn sentence(&self) -> String {
        let names: Vec<&str> = self.group.iter().map(|i| i.name.as_str()).collect();
        let day = self
            .group
            .first()
            .and_then(|i| jiff::Timestamp::from_second(i.at).ok())
            .map_or_else(|| "-".to_owned(), |t| t.strftime("%Y-%m-%d").to_string());
        format!(
            "{} was introduced in {} repositories within {} h ({}), from {day}: a workflow spreading across repositories at once is how the Shai-Hulud worm moved",
            self.path,
            self.group.len(),
            self.hours(),
            names.join(", "),
        )
    }

    /// The signal: about whoever introduced the file first, keyed by that first introduction
    /// (a later repository joining the group raises nothing new).
    pub fn raised(&self) -> Option<Raised> {
        let first = self.group.first()?;
        let subject = first
            .identity
            .clone()
            .or_else(|| first.alias.clone())
            .unwrap_or_else(|| format!("repo:{}", first.repo));
        let mark = first.commit.clone().unwrap_or_else(|| first.at.to_string());
        Some(Raised {
            key: format!("signal/{}/{}/{}@{mark}", RULE.id, first.repo, self.path),
            signal: Signal {
                rule: RULE.id.to_owned(),
                version: VERSION,
                severity: RULE.severity.to_owned(),
                subject,
                alias: first.alias.clone(),
                repo: first.repo.clone(),
                at: first.at,
                commits: self.group.iter().filter_map(|i| i.commit.clone()).collect(),
                seqs: Vec::new(),
                paths: vec![self.path.clone()],
                baseline: format!(
                    "a workflow file reaches fewer than {REPOSITORIES} repositories within {} h",
                    WINDOW / 3600
                ),
                explanation: format!("{}.", self.sentence()),
                probability: None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3600;
    const T0: i64 = 1_757_000_000;

    fn intro(repo: &str, path: &str, at: i64) -> Introduction {
        Introduction {
            repo: format!("id-{repo}"),
            name: repo.to_owned(),
            path: path.to_owned(),
            at,
            commit: Some(format!("{repo}{at}")),
            identity: Some("dev:eve".to_owned()),
            alias: Some("a_eve".to_owned()),
        }
    }

    const WORM: &str = ".github/workflows/shai-hulud-workflow.yml";

    #[test]
    fn three_repositories_within_a_day_fire_once_about_the_first_introducer() {
        let found = spreads(&[
            intro("api", WORM, T0 + 3600),
            intro("web", WORM, T0),
            intro("cli", WORM, T0 + 7200),
            // A later line of the same file in one repository is not another introduction.
            intro("web", WORM, T0 + 9000),
        ]);
        assert_eq!(found.len(), 1);
        let spread = &found[0];
        let names: Vec<&str> = spread.group.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["web", "api", "cli"]);
        assert!(spread.sentence().starts_with(&format!(
            "{WORM} was introduced in 3 repositories within 2 h (web, api, cli), from 2025-09-04"
        )));
        let raised = spread.raised().unwrap();
        assert_eq!(raised.signal.subject, "dev:eve");
        assert_eq!(raised.signal.repo, "id-web");
        assert_eq!(raised.signal.commits.len(), 3);
        assert_eq!(raised.signal.paths, [WORM]);
        assert_eq!(
            raised.key,
            format!("signal/workflow-spread/id-web/{WORM}@web{T0}")
        );
    }

    #[test]
    fn two_repositories_a_slow_rollout_or_another_folder_stay_quiet() {
        assert!(spreads(&[intro("api", WORM, T0), intro("web", WORM, T0 + 60)]).is_empty());
        assert!(
            spreads(&[
                intro("api", WORM, T0),
                intro("web", WORM, T0 + DAY + 1),
                intro("cli", WORM, T0 + 2 * DAY + 2),
            ])
            .is_empty()
        );
        let hook = ".pre-commit-config.yaml";
        assert!(
            spreads(&[
                intro("api", hook, T0),
                intro("web", hook, T0),
                intro("cli", hook, T0)
            ])
            .is_empty()
        );
    }

    #[test]
    fn the_largest_group_within_a_window_is_the_one_reported() {
        let found = spreads(&[
            intro("a", WORM, T0),
            intro("b", WORM, T0 + 3 * DAY),
            intro("c", WORM, T0 + 3 * DAY + 60),
            intro("d", WORM, T0 + 3 * DAY + 120),
        ]);
        let names: Vec<&str> = found[0].group.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "d"]);
        // Without a known introducer the signal is about the repository.
        let mut anonymous = found[0].clone();
        anonymous.group[0].identity = None;
        anonymous.group[0].alias = None;
        assert_eq!(anonymous.raised().unwrap().signal.subject, "repo:id-b");
    }
}
