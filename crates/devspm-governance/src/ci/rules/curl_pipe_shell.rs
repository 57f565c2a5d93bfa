//! `curl-pipe-shell`: a script downloads code and runs it in one go (`curl … | sh`,
//! `bash <(curl …)`, `wget -O- … | python`).
//!
//! Why: whatever the server (or anyone who controls DNS, the CDN, or the project's hosting)
//! returns at that moment runs with the job's token and secrets, and nothing records what
//! it was. Downloading a versioned file and checking its hash, or using a pinned action or
//! package, makes the step reproducible and reviewable.

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::gitlab;
use crate::ci::model::Step;
use crate::ci::rules::{Rule, rule};
use crate::ci::shell::download_and_execute;
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    CurlPipeShell {
        id: "curl-pipe-shell",
        severity: Medium,
        platform: Both,
        description: "script downloads code and executes it without verification",
        help: "Download to a file from a versioned URL, verify its SHA-256 against a checksum committed to the repository, then run it; or use a pinned action, package or container image instead.",
    }
}

fn check_script(node: &Node, cx: &mut Ctx<'_>) {
    let Some(script) = node.as_str() else {
        return;
    };
    for (command, offset) in download_and_execute(script) {
        let span = cx.span_within(node, offset, command.lines().next().unwrap_or(&command));
        cx.report(
            &CurlPipeShell::INFO,
            Severity::Medium,
            Confidence::High,
            span,
            "downloaded script is executed directly",
            &command,
        );
    }
}

impl Rule for CurlPipeShell {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn step(&self, step: &Step<'_>, cx: &mut Ctx<'_>) {
        if let Some(run) = step.run() {
            check_script(run, cx);
        }
    }

    fn gitlab(&self, root: &Node, cx: &mut Ctx<'_>) {
        for line in gitlab::script_lines(root) {
            check_script(line, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::{gitlab, workflow};

    #[test]
    fn run_and_gitlab_scripts() {
        let found = workflow(
            "curl-pipe-shell",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: |\n          set -e\n          curl -sSf https://sh.rustup.rs | sh -s -- -y\n      - run: curl -o x https://x && sha256sum -c x.sha256\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].line, found[0].column), (8, 11));
        assert!(found[0].evidence.starts_with("curl -sSf"));
        let found = gitlab(
            "curl-pipe-shell",
            "job:\n  script:\n    - apt-get update\n    - wget -qO- https://x/install | bash\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 4);
    }
}
