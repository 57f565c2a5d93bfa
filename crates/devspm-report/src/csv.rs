//! CSV for spreadsheets and scripts (`devspm findings --format csv`, `devspm ai --format csv`,
//! `devspm audit export`'s `events.csv`).
//!
//! Two attacks go through CSV. A cell that starts with `=`, `+`, `-` or `@` is a formula to
//! Excel, LibreOffice and Google Sheets (`=HYPERLINK(…)`, DDE `+cmd|' /C calc'!A0`): a scanner
//! message or a commit author can run it on the reader's machine. And a quote, comma or line
//! break in a value that is not quoted shifts every later column or forges a row.
//!
//! [`cell`] is the one function report cells go through: the value is made terminal-safe
//! ([`crate::terminal::escape`]: controls, bidi and invisible characters become visible
//! escapes, a line break becomes `\n`, so every record is one line), and a value that a
//! spreadsheet would read as a formula gets a leading `'` (OWASP's advice; spreadsheets show
//! it as text). Records are written by the `csv` crate ([`Writer`], [`record`]), which quotes a
//! cell as RFC 4180 says when it holds a comma, a quote or a line break (quotes doubled) and
//! ends each record with a line feed. [`field`] is a cell quoted on its own, for a line put
//! together by hand.
//!
//! [`Writer::exact`] only quotes, and changes no character: it is for exports whose cells must
//! stay byte-exact (`devspm audit export` writes each event's hashed payload, which a verifier
//! re-hashes). Those cells are devspm's own keys, ids and JSON, which never start with a
//! formula character.

use std::borrow::Cow;
use std::io;

/// Characters that make a spreadsheet read a cell as a formula when they come first (tab and
/// carriage return too, but [`crate::terminal::escape`] has already made those visible).
const FORMULA_START: &[char] = &['=', '+', '-', '@'];

/// One report cell's text: terminal-safe and formula-safe, not yet quoted (a [`Writer`]
/// quotes it).
pub fn cell(value: &str) -> Cow<'_, str> {
    let escaped = crate::terminal::escape(value);
    if escaped.starts_with(FORMULA_START) {
        Cow::Owned(format!("'{escaped}"))
    } else {
        escaped
    }
}

/// One report cell, terminal-safe, formula-safe and quoted when needed: [`cell`] for a line
/// put together by hand. Prefer a [`Writer`].
pub fn field(value: &str) -> Cow<'_, str> {
    let cell = cell(value);
    if cell.contains([',', '"']) {
        // `cell` has no line break left to quote.
        Cow::Owned(format!("\"{}\"", cell.replace('"', "\"\"")))
    } else {
        cell
    }
}

/// One CSV line of report cells (each through [`cell`]), ending in a line feed.
pub fn record<S: AsRef<str>>(cells: &[S]) -> String {
    let mut writer = Writer::report(Vec::new());
    writer.record(cells).expect("writing to memory");
    writer.into_string()
}

/// Whether a [`Writer`] escapes its cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cells {
    Report,
    Exact,
}

/// CSV records written to `W` by the `csv` crate: RFC 4180 quoting, `,` between cells, a line
/// feed after each record. Records may differ in length (the caller owns its columns).
pub struct Writer<W: io::Write> {
    csv: csv::Writer<W>,
    cells: Cells,
}

impl<W: io::Write> Writer<W> {
    /// A writer of report records: every cell goes through [`cell`].
    pub fn report(out: W) -> Writer<W> {
        Writer::new(out, Cells::Report)
    }

    /// A writer of exact cells: quoted where RFC 4180 needs it, no character changed. Only for
    /// devspm's own text that must stay byte-exact (see the module note).
    pub fn exact(out: W) -> Writer<W> {
        Writer::new(out, Cells::Exact)
    }

    fn new(out: W, cells: Cells) -> Writer<W> {
        let csv = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(out);
        Writer { csv, cells }
    }

    /// Writes one record.
    pub fn record<S: AsRef<str>>(&mut self, cells: &[S]) -> io::Result<()> {
        match self.cells {
            Cells::Report => {
                for c in cells {
                    self.csv
                        .write_field(cell(c.as_ref()).as_bytes())
                        .map_err(io_error)?;
                }
                self.csv.write_record(None::<&[u8]>).map_err(io_error)
            }
            Cells::Exact => self
                .csv
                .write_record(cells.iter().map(AsRef::as_ref))
                .map_err(io_error),
        }
    }

    /// Flushes what is buffered and gives the output back.
    pub fn finish(self) -> io::Result<W> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}

/// The I/O error inside a `csv` error, so that a broken pipe stays one (a flexible writer has
/// no other kind of error).
fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl Writer<Vec<u8>> {
    /// The text written to memory.
    pub fn into_string(self) -> String {
        let bytes = self.finish().expect("writing to memory");
        String::from_utf8(bytes).expect("every cell is UTF-8")
    }
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
        assert_eq!(
            record(&["=1+1", "-x", "ok"]),
            "'=1+1,'-x,ok\n",
            "the same through the csv crate"
        );
    }

    #[test]
    fn quoting_keeps_columns_and_rows() {
        assert_eq!(field("a\",\"b"), "\"a\"\",\"\"b\"");
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("two\nlines"), "two\\nlines");
        assert_eq!(field("bell\u{7}"), "bell\\x07");
        assert_eq!(record(&["a,b", "c", ""]), "\"a,b\",c,\n");
        assert_eq!(
            record(&["a\",\"b", "two\nlines", "cr\r"]),
            "\"a\"\",\"\"b\",two\\nlines,cr\\r\n"
        );
        // A record is the fields joined by commas.
        let cells = ["x,y", "=z", "q\"", "\u{202e}rtl", "", "-"];
        let joined: Vec<String> = cells.iter().map(|c| field(c).into_owned()).collect();
        assert_eq!(record(&cells), format!("{}\n", joined.join(",")));
    }

    #[test]
    fn exact_cells_change_nothing_but_quoting() {
        let mut w = Writer::exact(Vec::new());
        w.record(&["{\"a\":\"=1\"}", "=x\u{1b}", "line\nbreak", "plain"])
            .unwrap();
        w.record(&["short"]).unwrap();
        assert_eq!(
            w.into_string(),
            "\"{\"\"a\"\":\"\"=1\"\"}\",=x\u{1b},\"line\nbreak\",plain\nshort\n"
        );
    }
}
