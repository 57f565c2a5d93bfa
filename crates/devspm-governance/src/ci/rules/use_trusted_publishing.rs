//! `use-trusted-publishing`: a package is published to PyPI, npm, crates.io, RubyGems or
//! NuGet with a long-lived token, although the registry supports trusted publishing (OIDC).
//!
//! Why: a registry token stored as a repository secret is valid until someone revokes it,
//! works from anywhere, and is exactly what secret-stealing payloads (tj-actions,
//! Shai-Hulud) look for. With trusted publishing the registry accepts a short-lived OIDC
//! token that only this repository's workflow can mint, so there is nothing to steal.
//!
//! Reported: publishing actions configured with a token (`pypa/gh-action-pypi-publish`
//! with `password:`, `rubygems/release-gem` with trusted publishing turned off,
//! `rubygems/configure-rubygems-credentials` with `api-token:`, `actions/setup-node` with
//! the npm registry and `always-auth`), and publish commands (`cargo publish`, `twine
//! upload`, `npm publish`, `gem push` …) in jobs that cannot mint an OIDC token (no
//! `id-token: write`).

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::Step;
use crate::ci::rules::{Rule, rule};
use crate::ci::shell::commands;

rule! {
    /// See the module documentation.
    UseTrustedPublishing {
        id: "use-trusted-publishing",
        severity: Low,
        platform: GithubActions,
        description: "package published with a long-lived token where trusted publishing exists",
        help: "Configure trusted publishing on the registry (PyPI, npm, crates.io, RubyGems, NuGet), grant the job `permissions: id-token: write`, remove the token secret and revoke it.",
    }
}

fn has(args: &[String], word: &str) -> bool {
    args.iter().any(|a| a == word)
}

/// The first argument that is not an option or a toolchain selector (`cargo +nightly publish`).
fn subcommand(args: &[String]) -> &str {
    args.iter()
        .map(String::as_str)
        .find(|a| !a.starts_with('-') && !a.starts_with('+'))
        .unwrap_or_default()
}

/// The registry a publish command targets, if the words are one.
pub(crate) fn publish_target(words: &[String]) -> Option<&'static str> {
    let program = words.first()?.rsplit('/').next()?.to_ascii_lowercase();
    let args = &words[1..];
    let dry = has(args, "--dry-run") || has(args, "-n");
    let sub = subcommand(args);
    let target = match program.as_str() {
        "cargo" if sub == "publish" && !dry => "crates.io",
        "twine" if sub == "upload" => "PyPI",
        "uv" if sub == "publish" && !dry => "PyPI",
        "uv" | "uvx" | "pipx"
            if args.iter().any(|a| a.starts_with("twine")) && has(args, "upload") =>
        {
            "PyPI"
        }
        "hatch" | "pdm" if sub == "publish" => "PyPI",
        "poetry" if sub == "publish" && !dry => "PyPI",
        p if p.starts_with("python")
            && has(args, "-m")
            && has(args, "twine")
            && has(args, "upload") =>
        {
            "PyPI"
        }
        "gem" if sub == "push" => "RubyGems",
        "bundle" if has(args, "exec") && has(args, "gem") && has(args, "push") => "RubyGems",
        "npm" | "pnpm" | "bun" if sub == "publish" && !dry => "npm",
        "yarn" if (sub == "publish" || (sub == "npm" && has(args, "publish"))) && !dry => "npm",
        "bunx" | "npx"
            if args.iter().any(|a| a == "npm" || a.starts_with("npm@"))
                && has(args, "publish")
                && !dry =>
        {
            "npm"
        }
        "nuget" | "nuget.exe" if has(args, "push") => "NuGet",
        "dotnet" if has(args, "nuget") && has(args, "push") => "NuGet",
        _ => return None,
    };
    Some(target)
}

impl Rule for UseTrustedPublishing {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn step(&self, step: &Step<'_>, cx: &mut Ctx<'_>) {
        if let Some((uses_node, repo)) = step.repo_uses() {
            let text = uses_node.as_str().unwrap_or_default();
            let token_input = if repo.is("pypa/gh-action-pypi-publish") {
                let index = step
                    .with("repository-url")
                    .or_else(|| step.with("repository_url"))
                    .and_then(|n| n.as_str())
                    .unwrap_or("https://upload.pypi.org/legacy/");
                let public_index =
                    index.contains("upload.pypi.org") || index.contains("test.pypi.org");
                step.with("password")
                    .filter(|_| public_index)
                    .map(|n| (n, "PyPI"))
            } else if repo.is("rubygems/release-gem") {
                step.with("setup-trusted-publisher")
                    .filter(|n| n.as_bool() == Some(false))
                    .map(|n| (n, "RubyGems"))
            } else if repo.is("rubygems/configure-rubygems-credentials") {
                // Only rubygems.org offers trusted publishing.
                let public_server = step
                    .with("gem-server")
                    .and_then(|n| n.as_str())
                    .is_none_or(|u| u.trim_end_matches('/') == "https://rubygems.org");
                step.with("api-token")
                    .filter(|_| public_server)
                    .map(|n| (n, "RubyGems"))
            } else if repo.is("actions/setup-node") {
                let npmjs = step
                    .with("registry-url")
                    .and_then(|n| n.as_str())
                    .is_some_and(|u| u.trim_end_matches('/') == "https://registry.npmjs.org");
                step.with("always-auth")
                    .filter(|n| npmjs && n.as_bool() == Some(true))
                    .map(|n| (n, "npm"))
            } else {
                None
            };
            if let Some((node, registry)) = token_input {
                cx.report(
                    &Self::INFO,
                    Severity::Low,
                    Confidence::High,
                    node.span,
                    format!("`{}` publishes to {registry} with a manually configured credential instead of trusted publishing", repo.name()),
                    text,
                );
            }
        }
        let Some(run) = step.run() else {
            return;
        };
        if step.job.is_some_and(|j| j.has_id_token()) || step.job.is_none() {
            return;
        }
        let Some(script) = run.as_str() else {
            return;
        };
        for command in commands(script) {
            if let Some(registry) = publish_target(&command.words) {
                let span = cx.span_within(
                    run,
                    command.offset,
                    command.text.lines().next().unwrap_or(&command.text),
                );
                cx.report(
                    &Self::INFO,
                    Severity::Low,
                    Confidence::Medium,
                    span,
                    format!("publishes to {registry} from a job without `id-token: write`, so it must use a long-lived token"),
                    &command.text,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::workflow;

    #[test]
    fn token_publishing_is_flagged() {
        let found = workflow(
            "use-trusted-publishing",
            "on: release\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: cargo publish --token ${{ secrets.CRATES }}\n      - run: npm publish --dry-run\n      - run: uv build --out-dir publish\n      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          password: ${{ secrets.PYPI }}\n      - run: python -m twine upload dist/*\n      - run: bunx npm publish\n      - run: |\n          cargo `\n            publish `\n            --no-verify\n",
        );
        assert_eq!(
            found.iter().map(|f| f.line).collect::<Vec<_>>(),
            [6, 11, 12, 13, 15]
        );
    }

    #[test]
    fn oidc_jobs_are_clean() {
        let found = workflow(
            "use-trusted-publishing",
            "on: release\npermissions:\n  id-token: write\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: cargo publish\n      - uses: pypa/gh-action-pypi-publish@release/v1\n",
        );
        assert!(found.is_empty());
    }
}
