//! Writing results: JSON, findings in the chosen format, warnings, the terminal's width and
//! colour, and a closed pipe treated as a normal end (`devspm identities | head` is not an
//! error). The escaping of outside text lives in `devspm-report`; it is re-exported here.

use std::borrow::Cow;
use std::io::Write;

/// One-line outside text (a name, an e-mail, a path, a tool or rule name, a message) made safe
/// for the terminal; every `format!` of such text into human output goes through it (tables
/// escape their cells themselves). See `devspm_report::terminal` for the notation.
pub use devspm_report::terminal::escape;

/// Writes `text` to standard output; a closed pipe ends the program quietly with status 0.
///
/// Renderers escape outside text where they interpolate it; this is the last line of defence:
/// a control, bidi or invisible character that still reaches it is escaped here (and, in debug
/// builds, which the tests run, is reported as the bug it is).
pub fn emit(text: &str) -> anyhow::Result<()> {
    let text = if devspm_report::style::enabled() {
        devspm_report::terminal::guard_painted(text)
    } else {
        devspm_report::terminal::guard(text)
    };
    debug_assert!(
        matches!(text, Cow::Borrowed(_)),
        "outside text reached standard output without devspm_report escaping: {text}"
    );
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(anyhow::anyhow!("cannot write to standard output: {e}")),
    }
}

/// Writes a value as pretty JSON followed by a newline. The strings are exact; DEL, C1, bidi
/// and invisible characters are written as `\uXXXX` escapes (`devspm_report::json`).
pub fn emit_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut text = devspm_report::json::to_string_pretty(value)?;
    text.push('\n');
    emit(&text)
}

/// Writes `text` to the file `-o` named, saying so on standard error (`what`: the sentence's
/// parenthesis, e.g. "12 finding(s)") unless `-q`; without a file, to standard output.
pub fn write_or_emit(
    output: Option<&std::path::Path>,
    text: &str,
    global: &crate::cli::GlobalArgs,
    what: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    let Some(path) = output else {
        return emit(text);
    };
    std::fs::write(path, text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    if !global.quiet {
        eprintln!(
            "devspm: wrote {} ({})",
            escape(&path.display().to_string()),
            what()
        );
    }
    Ok(())
}

/// Findings in the chosen format: the table fitted to the terminal, CSV, Markdown under
/// `title`, or SARIF 2.1.0 with `rules` as the producers' catalogue (`devspm_report::findings`,
/// `devspm_report::sarif`). JSON is each command's own report, written by the command.
pub fn emit_findings(
    format: crate::cli::Format,
    title: &str,
    findings: &[devspm_report::findings::Finding],
    hidden_ignored: usize,
    rules: &[devspm_report::sarif::Rule],
) -> anyhow::Result<()> {
    use crate::cli::Format;
    let now = jiff::Timestamp::now().as_second();
    match format {
        Format::Csv => emit(&devspm_report::findings::csv(findings)?),
        Format::Markdown => emit(&devspm_report::findings::markdown(
            title,
            findings,
            hidden_ignored,
            now,
        )),
        Format::Sarif => emit_json(&devspm_report::sarif::document(
            &devspm_engine::views::producer(),
            rules,
            findings,
        )),
        Format::Table | Format::Json | Format::Html => emit(&devspm_report::findings::table(
            findings,
            hidden_ignored,
            terminal_width(),
            now,
        )),
    }
}

/// Whether to colour: `--color`, then `NO_COLOR` (any value but empty turns colour off), then
/// `CLICOLOR_FORCE` (any value but empty or `0` turns it on in pipes too), then whether
/// standard output is a terminal (and `TERM` is not `dumb`).
pub fn colour_wanted(choice: crate::cli::ColorChoice) -> bool {
    use std::io::IsTerminal;
    let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    match choice {
        crate::cli::ColorChoice::Always => true,
        crate::cli::ColorChoice::Never => false,
        crate::cli::ColorChoice::Auto => {
            if set("NO_COLOR") {
                false
            } else if set("CLICOLOR_FORCE")
                && std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0")
            {
                true
            } else {
                std::io::stdout().is_terminal()
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}

/// The width of the terminal standard output writes to, for fitting tables; `None` in a pipe
/// or a file (scripts get every character). `COLUMNS` overrides the terminal's own size.
pub fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
    {
        return Some(n).filter(|&n: &usize| n >= 20);
    }
    window_columns()
}

/// The terminal's own width, from the `terminal_size` crate (already built for clap's help
/// wrapping; it asks the terminal on Unix and the console on Windows).
fn window_columns() -> Option<usize> {
    let (terminal_size::Width(w), _) = terminal_size::terminal_size_of(std::io::stdout())?;
    (w >= 20).then_some(usize::from(w))
}

/// Warnings shown by default before "… and N more"; `-v` shows every one, `-q` none.
pub const WARNINGS_SHOWN: usize = 20;

/// Writes warnings to standard error the same way on every command: none with `-q`, the first
/// [`WARNINGS_SHOWN`] by default, all that are held with `-v`. `total` also counts warnings
/// that were not held (a command keeps a bounded number).
pub fn warnings(global: &crate::cli::GlobalArgs, warnings: &[String], total: usize) {
    if global.quiet {
        return;
    }
    let shown = if global.verbose > 0 {
        warnings.len()
    } else {
        warnings.len().min(WARNINGS_SHOWN)
    };
    for w in &warnings[..shown] {
        eprintln!("devspm: warning: {}", escape(w));
    }
    let more = total.max(warnings.len()) - shown;
    if more > 0 {
        eprintln!(
            "devspm: warning: … and {more} more warning(s){}",
            if shown < warnings.len() {
                " (-v shows them)"
            } else {
                ", not kept"
            }
        );
    }
}
