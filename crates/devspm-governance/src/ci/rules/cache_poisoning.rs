//! `cache-poisoning`: a job that publishes release artifacts restores a GitHub Actions cache.
//!
//! Why: the Actions cache is shared between workflows of a repository, and any workflow that
//! runs code from the default branch — including ones started by pull requests or issue
//! comments — can write entries that a later release job restores. Restored dependencies or
//! compiler caches then end up inside the published artifact; the Ultralytics PyPI
//! compromise (December 2024) went exactly this way. Release jobs should build from a clean
//! state.
//!
//! A job counts as publishing when its workflow is triggered by a release, a tag push or a
//! push to a `release` branch, or when it uses a well-known publishing action. A step counts
//! as caching when it uses a cache-aware action whose cache is on (explicitly, or by
//! default for that action).

use crate::ci::Ctx;
use crate::ci::expr::{BinOp, Expr, extract_fenced};
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::{Job, Step, Workflow, major_version};
use crate::ci::rules::{Rule, rule};

rule! {
    /// See the module documentation.
    CachePoisoning {
        id: "cache-poisoning",
        severity: High,
        platform: GithubActions,
        description: "release or publishing job restores a cache that other workflows can write",
        help: "Disable caching in jobs that build release artifacts (e.g. `lookup-only: true`, `cache: false`, or drop the cache step), or build releases in a workflow that never shares a cache with untrusted runs.",
    }
}

/// How a cache-aware action is switched on.
enum CacheSwitch {
    /// Always caches.
    Always,
    /// Caches when `field` is set to a truthy value (any non-empty string for string
    /// fields), or when it is absent and `default_on`.
    OptIn {
        field: &'static str,
        default_on: bool,
    },
    /// Caches unless `field` is truthy.
    OptOut { field: &'static str },
    /// Caches when any of the switches is on.
    Any(&'static [CacheSwitch]),
    /// Caches when all of the switches are on.
    All(&'static [CacheSwitch]),
    /// `enable-cache` of astral-sh/setup-uv: `true` caches; absent or `auto` caches before
    /// v10 (an unknown version is assumed older, as zizmor does) and not from v10 on.
    SetupUv,
}

/// Cache-aware actions and their switches (from each action's documented inputs).
const CACHE_ACTIONS: &[(&str, CacheSwitch)] = &[
    (
        "actions/cache",
        CacheSwitch::OptOut {
            field: "lookup-only",
        },
    ),
    (
        "actions/setup-java",
        CacheSwitch::OptIn {
            field: "cache",
            default_on: false,
        },
    ),
    (
        "actions/setup-go",
        CacheSwitch::OptIn {
            field: "cache",
            default_on: true,
        },
    ),
    (
        "actions/setup-node",
        CacheSwitch::Any(&[
            CacheSwitch::OptIn {
                field: "cache",
                default_on: false,
            },
            CacheSwitch::OptIn {
                field: "package-manager-cache",
                default_on: true,
            },
        ]),
    ),
    (
        "actions/setup-python",
        CacheSwitch::OptIn {
            field: "cache",
            default_on: false,
        },
    ),
    (
        "actions/setup-dotnet",
        CacheSwitch::OptIn {
            field: "cache",
            default_on: false,
        },
    ),
    ("astral-sh/setup-uv", CacheSwitch::SetupUv),
    (
        "docker/setup-buildx-action",
        CacheSwitch::All(&[
            CacheSwitch::OptIn {
                field: "cache-binary",
                default_on: true,
            },
            CacheSwitch::OptIn {
                field: "version",
                default_on: false,
            },
        ]),
    ),
    (
        "swatinem/rust-cache",
        CacheSwitch::OptOut {
            field: "lookup-only",
        },
    ),
    (
        "ruby/setup-ruby",
        CacheSwitch::OptIn {
            field: "bundler-cache",
            default_on: false,
        },
    ),
    (
        "pyo3/maturin-action",
        CacheSwitch::OptIn {
            field: "sccache",
            default_on: false,
        },
    ),
    (
        "mlugg/setup-zig",
        CacheSwitch::OptIn {
            field: "use-cache",
            default_on: true,
        },
    ),
    (
        "oven-sh/setup-bun",
        CacheSwitch::OptOut { field: "no-cache" },
    ),
    (
        "determinatesystems/magic-nix-cache-action",
        CacheSwitch::OptIn {
            field: "use-gha-cache",
            default_on: true,
        },
    ),
    (
        "graalvm/setup-graalvm",
        CacheSwitch::OptIn {
            field: "cache",
            default_on: false,
        },
    ),
    (
        "gradle/actions/setup-gradle",
        CacheSwitch::OptOut {
            field: "cache-disabled",
        },
    ),
    (
        "actions-rust-lang/setup-rust-toolchain",
        CacheSwitch::OptIn {
            field: "cache",
            default_on: true,
        },
    ),
    ("mozilla-actions/sccache-action", CacheSwitch::Always),
    ("nix-community/cache-nix-action", CacheSwitch::Always),
    (
        "jdx/mise-action",
        CacheSwitch::OptIn {
            field: "cache",
            default_on: true,
        },
    ),
    (
        "ramsey/composer-install",
        CacheSwitch::OptOut {
            field: "ignore-cache",
        },
    ),
    ("awalsh128/cache-apt-pkgs-action", CacheSwitch::Always),
];

/// Actions whose use marks a job as publishing artifacts.
const PUBLISHERS: &[&str] = &[
    "pypa/gh-action-pypi-publish",
    "rubygems/release-gem",
    "jreleaser/release-action",
    "goreleaser/goreleaser-action",
    "softprops/action-gh-release",
    "release-drafter/release-drafter",
    "googleapis/release-please-action",
    "redhat-actions/push-to-registry",
    "aws-actions/amazon-ecs-deploy-task-definition",
    "aws-actions/aws-cloudformation-github-deploy",
    "azure/aci-deploy",
    "azure/container-apps-deploy-action",
    "azure/functions-action",
    "azure/sql-action",
    "cloudflare/wrangler-action",
    "google-github-actions/deploy-appengine",
    "google-github-actions/deploy-cloudrun",
    "google-github-actions/deploy-cloud-functions",
];

fn truthy(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    !matches!(t.as_str(), "" | "false" | "0" | "no" | "off")
}

/// The value of a cache toggle written as an expression, evaluated for a run started by a tag
/// push or a release (where `github.ref` is `refs/tags/…`): handles `startsWith(github.ref,
/// 'refs/tags/')`, its negation, and `true`/`false`. `None` when it cannot be known.
fn eval_on_tag(text: &str) -> Option<bool> {
    let (fenced, _) = extract_fenced(text.trim());
    let [only] = fenced.as_slice() else {
        return None;
    };
    fn eval(expr: &Expr) -> Option<bool> {
        match expr {
            Expr::Not(inner) => eval(inner).map(|v| !v),
            Expr::Call {
                name, args, access, ..
            } if name == "startswith" && access.is_empty() => match args.as_slice() {
                [Expr::Context(ctx), Expr::Literal(Some(prefix))]
                    if ctx.pattern().as_deref() == Some("github.ref") =>
                {
                    let prefix = prefix.to_ascii_lowercase();
                    if "refs/tags/".starts_with(prefix.as_str()) {
                        Some(true)
                    } else if prefix.starts_with("refs/tags/") {
                        None // depends on the tag's name
                    } else {
                        Some(false)
                    }
                }
                _ => None,
            },
            // `github.ref_type == 'tag'`, `github.event_name == 'push'` (tag pushes) and their
            // negations; `a && b`, `a || b` when both sides are known.
            Expr::Binary {
                op: op @ (BinOp::Eq | BinOp::Ne),
                lhs,
                rhs,
            } => {
                let (Expr::Context(ctx), Expr::Literal(Some(value))) = (lhs.as_ref(), rhs.as_ref())
                else {
                    return None;
                };
                let value = value.to_ascii_lowercase();
                let equal = match ctx.pattern()?.as_str() {
                    "github.ref_type" => value == "tag",
                    "github.event_name" => matches!(value.as_str(), "push" | "release"),
                    _ => return None,
                };
                Some(if *op == BinOp::Eq { equal } else { !equal })
            }
            Expr::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            } => Some(eval(lhs)? && eval(rhs)?),
            Expr::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => Some(eval(lhs)? || eval(rhs)?),
            _ => None,
        }
    }
    eval(&Expr::parse(only.inner).ok()?)
}

/// Whether a cache switch is on. `on_tag` says the job only runs for tags and releases, so
/// tag-guarded expressions can be evaluated.
fn switch_on(switch: &CacheSwitch, step: &Step<'_>, major: Option<u32>, on_tag: bool) -> bool {
    let expr_value = |text: &str| if on_tag { eval_on_tag(text) } else { None };
    match switch {
        CacheSwitch::SetupUv => match step.with("enable-cache").and_then(|n| n.as_str()) {
            // `auto` caches on GitHub-hosted runners before v10, and skips release runs since.
            Some(value) if value.trim().eq_ignore_ascii_case("auto") => {
                major.is_none_or(|v| v < 10)
            }
            Some(value) => value.contains("${{") || truthy(value),
            None => major.is_none_or(|v| v < 10),
        },
        CacheSwitch::All(switches) => switches.iter().all(|s| switch_on(s, step, major, on_tag)),
        CacheSwitch::Always => true,
        CacheSwitch::OptIn { field, default_on } => match step.with(field).and_then(|n| n.as_str())
        {
            Some(text) => expr_value(text).unwrap_or_else(|| truthy(text)),
            None => step.with(field).map_or(*default_on, |_| false),
        },
        CacheSwitch::OptOut { field } => {
            !step.with(field).and_then(|n| n.as_str()).is_some_and(|t| {
                // An expression might turn the cache off; unless it can be evaluated for
                // tag runs, it might not: treat as on.
                expr_value(t).unwrap_or_else(|| !t.contains("${{") && truthy(t))
            })
        }
        CacheSwitch::Any(switches) => switches.iter().any(|s| switch_on(s, step, major, on_tag)),
    }
}

/// `true` when a `push` trigger filters on a branch named like `release`.
fn pushes_release_branch(workflow: &Workflow<'_>) -> bool {
    workflow.triggers().iter().any(|t| {
        t.event == "push"
            && t.config.get("branches").is_some_and(|b| {
                b.str_or_seq()
                    .iter()
                    .filter_map(|n| n.as_str())
                    .any(|b| b.to_ascii_lowercase().contains("release"))
            })
    })
}

/// Why the workflow counts as a release workflow, if it does.
fn release_trigger(workflow: &Workflow<'_>) -> Option<&'static str> {
    for trigger in workflow.triggers() {
        match trigger.event {
            "release" => return Some("it runs on releases"),
            "push" => {
                let config = trigger.config;
                if config.get("tags").is_some() || config.get("tags-ignore").is_some() {
                    return Some("it runs on tag pushes");
                }
                let release_branch = config
                    .get("branches")
                    .map(|b| {
                        b.str_or_seq()
                            .iter()
                            .filter_map(|n| n.as_str())
                            .any(|b| b.to_ascii_lowercase().contains("release"))
                    })
                    .unwrap_or(false);
                if release_branch {
                    return Some("it runs on pushes to release branches");
                }
            }
            _ => {}
        }
    }
    None
}

impl Rule for CachePoisoning {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn job(&self, job: &Job<'_>, cx: &mut Ctx<'_>) {
        let steps = job.steps();
        // Tag-guarded toggles can be evaluated only if every release trigger is a tag push or
        // a release; a push to a release branch runs with a branch ref.
        let on_tag =
            release_trigger(&job.workflow).is_some() && !pushes_release_branch(&job.workflow);
        let reason = release_trigger(&job.workflow)
            .map(str::to_owned)
            .or_else(|| {
                steps.iter().find_map(|s| {
                    let (_, repo) = s.repo_uses()?;
                    let publishes = PUBLISHERS.iter().any(|p| repo.is(p))
                        || (repo.is("docker/build-push-action")
                            && s.with("push").and_then(|n| n.as_str()).is_some_and(truthy));
                    publishes.then(|| format!("it publishes with `{}`", repo.name()))
                })
            });
        let Some(reason) = reason else {
            return;
        };
        for step in &steps {
            let Some((uses_node, repo)) = step.repo_uses() else {
                continue;
            };
            let name = repo.name().to_ascii_lowercase();
            let Some((_, switch)) = CACHE_ACTIONS
                .iter()
                .find(|(a, _)| *a == name || repo.slug_lower() == *a)
            else {
                continue;
            };
            // The version: a tag ref, or the `# v1.2.3` comment next to a SHA pin.
            let major = repo
                .git_ref
                .and_then(major_version)
                .or_else(|| cx.trailing_comment(uses_node).and_then(major_version));
            if switch_on(switch, step, major, on_tag) {
                cx.report(
                    &Self::INFO,
                    Severity::High,
                    Confidence::Low,
                    uses_node.span,
                    format!(
                        "job `{}` restores a cache with `{}` although {reason}",
                        job.id,
                        repo.name()
                    ),
                    uses_node.as_str().unwrap_or_default(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::workflow;

    #[test]
    fn cache_in_tag_release_workflow() {
        let found = workflow(
            "cache-poisoning",
            "on:\n  push:\n    tags: ['v*']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/setup-go@v5\n      - uses: actions/setup-python@v5\n      - uses: Swatinem/rust-cache@v2\n      - uses: actions/cache@v4\n        with:\n          lookup-only: true\n",
        );
        assert_eq!(found.iter().map(|f| f.line).collect::<Vec<_>>(), [8, 10]);
    }

    #[test]
    fn publisher_action_marks_job() {
        let found = workflow(
            "cache-poisoning",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/setup-python@v5\n        with:\n          cache: pip\n      - uses: pypa/gh-action-pypi-publish@release/v1\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/setup-python@v5\n        with:\n          cache: pip\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 6);
    }

    #[test]
    fn setup_uv_versions_and_buildx() {
        let found = workflow(
            "cache-poisoning",
            "on: release\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: astral-sh/setup-uv@v5\n      - uses: astral-sh/setup-uv@v10\n      - uses: astral-sh/setup-uv@0123456789abcdef0123456789abcdef01234567 # v11.0.0\n      - uses: astral-sh/setup-uv@0123456789abcdef0123456789abcdef01234567\n      - uses: astral-sh/setup-uv@v10\n        with:\n          enable-cache: true\n      - uses: docker/setup-buildx-action@v3\n      - uses: docker/setup-buildx-action@v3\n        with:\n          version: latest\n",
        );
        assert_eq!(
            found.iter().map(|f| f.line).collect::<Vec<_>>(),
            [6, 9, 10, 14]
        );
    }

    #[test]
    fn tag_guarded_caches_are_off_for_tags() {
        let found = workflow(
            "cache-poisoning",
            "on:\n  push:\n    branches: [main]\n    tags: ['*']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: PyO3/maturin-action@v1\n        with:\n          sccache: ${{ !startsWith(github.ref, 'refs/tags/') }}\n      - uses: PyO3/maturin-action@v1\n        with:\n          sccache: ${{ startsWith(github.ref, 'refs/tags/') }}\n      - uses: actions/cache@v4\n        with:\n          lookup-only: ${{ startsWith(github.ref, 'refs/tags/') }}\n      - uses: PyO3/maturin-action@v1\n        with:\n          sccache: ${{ !(github.event_name == 'push' && github.ref_type == 'tag') }}\n",
        );
        assert_eq!(found.iter().map(|f| f.line).collect::<Vec<_>>(), [12]);
        let branch = workflow(
            "cache-poisoning",
            "on:\n  push:\n    branches: [release]\n    tags: ['*']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: PyO3/maturin-action@v1\n        with:\n          sccache: ${{ !startsWith(github.ref, 'refs/tags/') }}\n",
        );
        assert_eq!(branch.len(), 1);
    }

    #[test]
    fn ordinary_ci_is_clean() {
        let found = workflow(
            "cache-poisoning",
            "on:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/cache@v4\n",
        );
        assert!(found.is_empty());
    }
}
