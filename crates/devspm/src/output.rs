//! Writing results: JSON, aligned tables, number and date formatting, and a closed pipe
//! treated as a normal end (`devspm identities | head` is not an error). The escaping of outside
//! text and the table live in `devspm-report`; they are re-exported here.

use std::borrow::Cow;
use std::io::Write;

pub use devspm_report::number::{count, percent};
pub use devspm_report::table::Table;
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
    let text = devspm_report::terminal::guard(text);
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

/// Unix seconds → "2026-11-28" (UTC).
pub fn date(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or_else(|| "-".to_owned(), |t| t.strftime("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::date(Some(0)), "1970-01-01");
        assert_eq!(super::date(None), "-");
    }
}
