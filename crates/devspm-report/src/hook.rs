//! The git hooks' words: what `devspm hook install` wrote, and what the pre-commit check says
//! when staged changes add secrets (on standard error: the commit is blocked, or overridden).

use crate::terminal::escape;

/// One hook file written by `devspm hook install`.
#[derive(Clone, Debug)]
pub struct Installed {
    pub path: String,
    /// devspm's hook was there already and was rewritten.
    pub updated: bool,
    /// Where a hook that was there before was kept (it runs first).
    pub chained_as: Option<String>,
}

/// A secret on an added line of a staged file.
#[derive(Clone, Debug)]
pub struct Staged<'a> {
    pub path: &'a str,
    pub line: u32,
    pub description: &'a str,
    pub rule: &'a str,
    /// The redacted preview (never the value).
    pub preview: &'a str,
}

/// Each hook written, then what the hooks do and where they record.
pub fn installed(hooks: &[Installed], db: &str) -> String {
    let lines: Vec<String> = hooks
        .iter()
        .map(|h| match (&h.chained_as, h.updated) {
            (_, true) => format!("{}: updated", escape(&h.path)),
            (Some(chained), false) => format!(
                "{}: installed; the hook that was there runs first, as {}",
                escape(&h.path),
                escape(chained)
            ),
            (None, false) => format!("{}: installed", escape(&h.path)),
        })
        .collect();
    format!(
        "{}\npre-commit blocks commits that add secrets (override once with DEVSPM_ALLOW=1, recorded on the ledger); post-commit records each commit into {}.\n",
        lines.join("\n"),
        escape(db)
    )
}

/// The secrets a commit adds; unless `allowed` (`DEVSPM_ALLOW=1`), how to fix or override it.
pub fn blocked(secrets: &[Staged<'_>], allowed: bool) -> String {
    let mut text = format!(
        "devspm: this commit adds {} secret{}:\n",
        secrets.len(),
        if secrets.len() == 1 { "" } else { "s" }
    );
    for f in secrets {
        text.push_str(&format!(
            "  {}:{}  {} ({})  {}\n",
            escape(f.path),
            f.line,
            escape(f.description),
            escape(f.rule),
            escape(f.preview)
        ));
    }
    if !allowed {
        text.push_str(
            "Remove the value (use an environment variable or a secret store) and stage again.\n\
             A false positive: add `devspm:allow` on that line. To commit anyway, once:\n\
             DEVSPM_ALLOW=1 DEVSPM_ALLOW_REASON='why' git commit …  (the override is recorded)\n",
        );
    }
    text
}

/// Said after [`blocked`] when the commit goes ahead.
pub const OVERRIDDEN: &str =
    "Committing anyway (DEVSPM_ALLOW=1); the override is recorded on the ledger.\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_secrets_are_escaped_and_the_way_out_is_said() {
        let secret = Staged {
            path: "src/\u{202e}x.rs",
            line: 3,
            description: "AWS key\x1b[2J",
            rule: "aws",
            preview: "AKIA…\r",
        };
        let text = blocked(std::slice::from_ref(&secret), false);
        assert!(text.starts_with("devspm: this commit adds 1 secret:\n"));
        assert!(!text.contains(['\x1b', '\r', '\u{202e}']), "{text}");
        assert!(text.contains("DEVSPM_ALLOW=1"));
        let allowed = blocked(&[secret.clone(), secret], true);
        assert!(allowed.starts_with("devspm: this commit adds 2 secrets:\n"));
        assert!(!allowed.contains("To commit anyway"));
    }

    #[test]
    fn installed_hooks_say_what_happened_to_each() {
        let text = installed(
            &[
                Installed {
                    path: "h/pre-commit".into(),
                    updated: true,
                    chained_as: None,
                },
                Installed {
                    path: "h/post-commit\n".into(),
                    updated: false,
                    chained_as: Some("h/post-commit.pre-devspm".into()),
                },
            ],
            "/l.db",
        );
        assert!(text.starts_with("h/pre-commit: updated\nh/post-commit\\n: installed; the hook that was there runs first, as h/post-commit.pre-devspm\n"));
        assert!(text.ends_with("records each commit into /l.db.\n"));
    }
}
