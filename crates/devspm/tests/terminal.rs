//! Terminal conventions: colour on a terminal only, `--color always|never`, `NO_COLOR` and
//! `CLICOLOR_FORCE` honoured, never in machine formats; and colour never lets outside text
//! through raw.

mod common;

use common::*;

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\n", "code");
    import_line_sarif(
        &sb,
        &r,
        "lint.sarif",
        &[("R1", "error"), ("R\u{1b}[2J", "note")],
    );
    let with = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = sb.devspm();
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.args(args).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let sgr = "\u{1b}[31mhigh\u{1b}[0m";
    // A pipe: no colour unless forced.
    assert!(!with(&["findings", "--all-repos"], &[]).contains('\u{1b}'));
    let always = with(&["--color", "always", "findings", "--all-repos"], &[]);
    assert!(always.contains(sgr), "{always}");
    let forced = with(&["findings", "--all-repos"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains(sgr), "{forced}");
    let off = with(
        &["findings", "--all-repos"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(
        !off.contains('\u{1b}'),
        "NO_COLOR wins over CLICOLOR_FORCE: {off}"
    );
    assert!(
        !with(
            &["--color", "never", "findings", "--all-repos"],
            &[("CLICOLOR_FORCE", "1")]
        )
        .contains('\u{1b}')
    );
    // The hostile rule name stays escaped inside a coloured table: the only ESC bytes are
    // colour sequences.
    assert!(always.contains("R\\x1b[2J"), "{always}");
    let stripped = always
        .replace("\u{1b}[0m", "")
        .replace("\u{1b}[1;31m", "")
        .replace("\u{1b}[31m", "")
        .replace("\u{1b}[2m", "")
        .replace("\u{1b}[36m", "")
        .replace("\u{1b}[1m", "");
    assert!(!stripped.contains('\u{1b}'), "{stripped}");
    // Machine formats are never coloured.
    for format in ["json", "csv", "markdown"] {
        let out = with(
            &[
                "--color",
                "always",
                "--format",
                format,
                "findings",
                "--all-repos",
            ],
            &[],
        );
        assert!(!out.contains("\u{1b}["), "{format}: {out}");
    }
}
