//! CSV for spreadsheets and scripts (`devspm findings --format csv`, `devspm ai --format csv`).
//!
//! Two attacks go through CSV. A cell that starts with `=`, `+`, `-` or `@` is a formula to
//! Excel, LibreOffice and Google Sheets (`=HYPERLINK(…)`, DDE `+cmd|' /C calc'!A0`): a scanner
//! message or a commit author can run it on the reader's machine. And a quote, comma or line
//! break in a value that is not quoted shifts every later column or forges a row.
//!
//! [`field`] is the one function report cells go through: the value is made terminal-safe
//! ([`crate::terminal::escape`]: controls, bidi and invisible characters become visible
//! escapes, a line break becomes `\n`, so every record is one line), a value that a
//! spreadsheet would read as a formula gets a leading `'` (OWASP's advice; spreadsheets show
//! it as text), and the cell is quoted as RFC 4180 says when it holds a comma or a quote
//! (quotes doubled).
//!
//! [`quote`] only quotes, and changes no character: it is for exports whose cells must stay
//! byte-exact (`devspm audit export` writes each event's hashed payload, which a verifier
//! re-hashes). Those cells are devspm's own keys, ids and JSON, which never start with a
//! formula character.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula when they come first (tab and
/// carriage return too, but [`crate::terminal::escape`] has already made those visible).
const FORMULA_START: &[char] = &['=', '+', '-', '@'];

/// One report cell: terminal-safe, formula-safe and quoted when needed.
pub fn field(value: &str) -> Cow<'_, str> {
    let escaped = crate::terminal::escape(value);
    let escaped = if escaped.starts_with(FORMULA_START) {
        Cow::Owned(format!("'{escaped}"))
    } else {
        escaped
    };
    match quote(&escaped) {
        Cow::Borrowed(_) => escaped,
        Cow::Owned(quoted) => Cow::Owned(quoted),
    }
}

/// RFC 4180 quoting only: a value with a comma, a quote or a line break is wrapped in quotes
/// with its quotes doubled; nothing else changes.
pub fn quote(value: &str) -> Cow<'_, str> {
    if value.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(value)
    }
}

/// One CSV line of report cells (each through [`field`]), ending in a line feed.
pub fn record<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&field(cell.as_ref()));
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(
            field("=HYPERLINK(\"https://evil.example\",\"x\")"),
            "\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\""
        );
        assert_eq!(field("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(field("@SUM(1+1)"), "'@SUM(1+1)");
        assert_eq!(field("-2+3"), "'-2+3");
        assert_eq!(field("a=b"), "a=b");
    }

    #[test]
    fn quoting_keeps_columns_and_rows() {
        assert_eq!(field("a\",\"b"), "\"a\"\",\"\"b\"");
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("two\nlines"), "two\\nlines");
        assert_eq!(field("bell\u{7}"), "bell\\x07");
        assert_eq!(record(&["a,b", "c", ""]), "\"a,b\",c,\n");
    }

    #[test]
    fn quote_changes_nothing_but_quoting() {
        assert_eq!(quote("{\"a\":\"=1\"}"), "\"{\"\"a\"\":\"\"=1\"\"}\"");
        assert_eq!(quote("=x\u{1b}"), "=x\u{1b}");
        assert_eq!(quote("line\nbreak"), "\"line\nbreak\"");
    }
}
