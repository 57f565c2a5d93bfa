//! The plain-text table every human-readable listing uses: aligned columns whose cells are
//! escaped for the terminal as they are added, so that no table can forget to.

use unicode_width::UnicodeWidthStr;

/// A plain-text table with left-aligned columns (right-aligned where `numeric`).
///
/// Every cell goes through [`crate::terminal::escape`] when it is added: give it the raw
/// text (never text escaped already, which would be escaped twice). A cell is one line;
/// a line break in it is shown as `\n`, so it cannot forge a row. Columns are aligned by
/// display width (a CJK character or an emoji takes two terminal cells).
pub struct Table {
    headers: Vec<&'static str>,
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these `(header, numeric)` columns.
    pub fn new(columns: &[(&'static str, bool)]) -> Table {
        Table {
            headers: columns.iter().map(|c| c.0).collect(),
            numeric: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row of raw cells (escaped here).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|cell| match crate::terminal::escape(&cell) {
                    std::borrow::Cow::Borrowed(_) => cell,
                    std::borrow::Cow::Owned(escaped) => escaped,
                })
                .collect(),
        );
    }

    /// The table, each line starting with `indent` and ending with a line feed.
    pub fn render(&self, indent: &str) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.width());
            }
        }
        let mut out = String::new();
        let line = |cells: Vec<&str>, out: &mut String| {
            out.push_str(indent);
            let last = cells.len() - 1;
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(cell.width());
                if self.numeric[i] {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    if i != last {
                        out.push_str(&" ".repeat(pad));
                    }
                }
                if i != last {
                    out.push_str("  ");
                }
            }
            out.push('\n');
        };
        line(self.headers.clone(), &mut out);
        for row in &self.rows {
            line(row.iter().map(String::as_str).collect(), &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn tables_align() {
        let mut t = Table::new(&[("name", false), ("n", true)]);
        t.row(vec!["a".into(), "10".into()]);
        t.row(vec!["long name".into(), "2".into()]);
        assert_eq!(
            t.render(""),
            "name        n\na          10\nlong name   2\n"
        );
    }

    #[test]
    fn cells_are_escaped_and_stay_on_their_row() {
        let mut t = Table::new(&[("name", false), ("n", true)]);
        t.row(vec!["Mallory\u{1b}]0;pwned\u{7}".into(), "1".into()]);
        t.row(vec!["ok\n[ERROR] forged".into(), "2".into()]);
        assert_eq!(
            t.render(""),
            "name                     n\n\
             Mallory\\x1b]0;pwned\\x07  1\n\
             ok\\n[ERROR] forged       2\n"
        );
    }

    #[test]
    fn wide_characters_align_by_display_width() {
        let mut t = Table::new(&[("name", false), ("n", true)]);
        t.row(vec!["中文".into(), "1".into()]);
        t.row(vec!["abcd".into(), "2".into()]);
        assert_eq!(t.render(""), "name  n\n中文  1\nabcd  2\n");
    }
}
