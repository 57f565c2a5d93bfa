//! `gitlab-echoed-variables`: a GitLab CI script prints a secret-looking variable or dumps
//! the whole environment into the job log.
//!
//! Why: job logs are readable by everyone with Reporter access — or by everyone, on public
//! projects. GitLab masks only variables marked "masked", only when they meet its format
//! rules, and not after transformations (base64, JSON). `env`, `printenv` or `export -p`
//! print every variable, including `CI_JOB_TOKEN` and unmasked secrets.

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::gitlab::script_lines;
use crate::ci::rules::{Rule, rule};
use crate::ci::shell::commands;
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    GitlabEchoedVariables {
        id: "gitlab-echoed-variables",
        severity: Medium,
        platform: GitlabCi,
        description: "GitLab CI script prints secrets or the whole environment to the job log",
        help: "Do not print credentials; mark secret variables masked and protected, and remove `env`/`printenv` debugging from scripts.",
    }
}

/// Name fragments of variables that usually hold credentials.
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PRIVATE",
    "CREDENTIAL",
    "API_KEY",
    "APIKEY",
    "AUTH",
];

/// Variables referenced in a word (`$NAME`, `${NAME}`), upper-cased.
fn variables(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        let inner = rest.strip_prefix('{').unwrap_or(rest);
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name.to_ascii_uppercase());
        }
    }
    out
}

fn check_line(node: &Node, cx: &mut Ctx<'_>) {
    let Some(script) = node.as_str() else {
        return;
    };
    for command in commands(script) {
        let program = command.program().to_ascii_lowercase();
        let args = &command.words[1..];
        let dumps_env = matches!(program.as_str(), "env" | "printenv") && args.is_empty()
            || (program == "export" && args.iter().any(|a| a == "-p"))
            || (program == "set" && args.is_empty());
        let printed_secret = if matches!(program.as_str(), "echo" | "printf") {
            args.iter()
                .flat_map(|a| variables(a))
                .find(|v| SECRET_WORDS.iter().any(|w| v.contains(w)))
        } else {
            None
        };
        let message = if dumps_env {
            "script prints every CI variable to the job log".to_owned()
        } else if let Some(var) = printed_secret {
            format!("script prints `${var}` to the job log")
        } else {
            continue;
        };
        let span = cx.span_within(node, command.offset, &command.text);
        cx.report(
            &GitlabEchoedVariables::INFO,
            Severity::Medium,
            Confidence::Medium,
            span,
            message,
            &command.text,
        );
    }
}

impl Rule for GitlabEchoedVariables {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn gitlab(&self, root: &Node, cx: &mut Ctx<'_>) {
        for line in script_lines(root) {
            check_line(line, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::gitlab;

    #[test]
    fn echoed_secrets_and_env_dumps() {
        let found = gitlab(
            "gitlab-echoed-variables",
            "job:\n  script:\n    - echo \"$DEPLOY_TOKEN\"\n    - env\n    - echo $CI_COMMIT_SHA\n    - env FOO=1 make\n    - printf '%s' \"${AWS_SECRET_ACCESS_KEY}\" | base64\n    - docker login -p $CI_JOB_TOKEN\n",
        );
        assert_eq!(found.iter().map(|f| f.line).collect::<Vec<_>>(), [3, 4, 7]);
    }
}
