//! The plain-text table every human-readable listing uses: aligned columns whose cells are
//! escaped for the terminal as they are added, so that no table can forget to.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::style::{Style, paint};

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
    /// Per column: how to colour a cell (by its text), when colour is on.
    painters: Vec<Option<Painter>>,
    /// Per column: whether [`Table::render_fit`] may shorten it (in the middle).
    shrinkable: Vec<bool>,
    /// Per column: the narrowest [`Table::render_fit`] shortens it to.
    minimum: Vec<usize>,
    /// Per column: shortened at its end (prose) rather than in the middle (paths).
    cut_end: Vec<bool>,
    /// Per column: when [`Table::render_fit`] drops it (rank 1 first), if ever.
    drop_rank: Vec<Option<u8>>,
}

/// How a column's cells are coloured: the style for a cell's text, if any.
pub type Painter = fn(&str) -> Option<Style>;

/// The narrowest a shrinkable column becomes.
const MIN_SHRUNK: usize = 12;

impl Table {
    /// A table with these `(header, numeric)` columns.
    pub fn new(columns: &[(&'static str, bool)]) -> Table {
        Table {
            headers: columns.iter().map(|c| c.0).collect(),
            numeric: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
            painters: vec![None; columns.len()],
            shrinkable: vec![false; columns.len()],
            minimum: vec![MIN_SHRUNK; columns.len()],
            cut_end: vec![false; columns.len()],
            drop_rank: vec![None; columns.len()],
        }
    }

    /// Colours the cells of `column` by their text (e.g. [`crate::style::severity`]).
    pub fn paint(&mut self, column: usize, painter: Painter) -> &mut Table {
        self.painters[column] = Some(painter);
        self
    }

    /// Lets [`Table::render_fit`] shorten `column` in the middle when the table is too wide
    /// (paths, names, messages; never counts or dates). A trailing `:LINE` is always kept.
    pub fn shrink(&mut self, column: usize) -> &mut Table {
        self.shrinkable[column] = true;
        self
    }

    /// [`Table::shrink`], down to `minimum` cells instead of the default 12.
    pub fn shrink_to(&mut self, column: usize, minimum: usize) -> &mut Table {
        self.shrinkable[column] = true;
        self.minimum[column] = minimum;
        self
    }

    /// Lets [`Table::render_fit`] shorten `column` at its end, down to `minimum` cells: for
    /// prose (a message), whose start says the most.
    pub fn shrink_end(&mut self, column: usize, minimum: usize) -> &mut Table {
        self.cut_end[column] = true;
        self.shrink_to(column, minimum)
    }

    /// Lets [`Table::render_fit`] leave `column` out when shrinking is not enough: the column
    /// of the lowest `rank` goes first (a message before the agents, the agents before the
    /// tool). Columns never given a rank are never dropped.
    pub fn drop_rank(&mut self, column: usize, rank: u8) -> &mut Table {
        self.drop_rank[column] = Some(rank);
        self
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
        self.render_fit(indent, None)
    }

    /// The table fitted to `width` terminal cells when given (a terminal's width; `None` in a
    /// pipe, where scripts want every character): shrinkable columns are shortened in the
    /// middle, widest first, down to their minimum; when that is not enough, columns with a
    /// drop rank are left out, lowest rank first, until the table fits. It may stay wider than
    /// `width` when nothing more may go.
    pub fn render_fit(&self, indent: &str, width: Option<usize>) -> String {
        let mut natural: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                natural[i] = natural[i].max(cell.width());
            }
        }
        let mut shown = vec![true; natural.len()];
        let mut widths = natural.clone();
        if let Some(max) = width {
            // Shrink what may shrink; when that is not enough, drop the next column by rank
            // and start again from the natural widths.
            loop {
                widths = natural.clone();
                let total = |w: &[usize]| {
                    let (sum, n) = w
                        .iter()
                        .zip(&shown)
                        .filter(|(_, s)| **s)
                        .fold((0, 0), |(sum, n), (w, _)| (sum + w, n + 1));
                    indent.width() + sum + 2 * usize::saturating_sub(n, 1)
                };
                // Columns that may be dropped shrink before those that may not (lowest rank
                // first), and the widest of a rank first.
                while total(&widths) > max {
                    let widest = (0..widths.len())
                        .filter(|&i| {
                            shown[i]
                                && self.shrinkable[i]
                                && widths[i] > self.minimum[i].max(self.headers[i].width())
                        })
                        .min_by_key(|&i| {
                            (
                                self.drop_rank[i].unwrap_or(u8::MAX),
                                std::cmp::Reverse(widths[i]),
                            )
                        });
                    match widest {
                        Some(i) => widths[i] -= 1,
                        None => break,
                    }
                }
                if total(&widths) <= max {
                    break;
                }
                let next = (0..shown.len())
                    .filter(|&i| shown[i])
                    .filter_map(|i| self.drop_rank[i].map(|rank| (rank, i)))
                    .min();
                match next {
                    Some((_, i)) => shown[i] = false,
                    None => break,
                }
            }
        }
        let mut out = String::new();
        let last = shown.iter().rposition(|s| *s).unwrap_or(0);
        let line = |cells: Vec<&str>, header: bool, out: &mut String| {
            out.push_str(indent);
            for (i, cell) in cells.iter().enumerate() {
                if !shown[i] {
                    continue;
                }
                let shortened;
                let cell = if cell.width() > widths[i] {
                    shortened = if self.cut_end[i] {
                        format!("{}…", take_start(cell, widths[i].saturating_sub(1)))
                    } else {
                        middle(cell, widths[i])
                    };
                    shortened.as_str()
                } else {
                    cell
                };
                let pad = widths[i].saturating_sub(cell.width());
                let painted = match (header, self.painters[i]) {
                    (true, _) => paint(cell, Style::Heading),
                    (false, Some(painter)) => match painter(cell) {
                        Some(style) => paint(cell, style),
                        None => cell.to_owned(),
                    },
                    (false, None) => cell.to_owned(),
                };
                if self.numeric[i] {
                    out.push_str(&" ".repeat(pad));
                    out.push_str(&painted);
                } else {
                    out.push_str(&painted);
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
        line(self.headers.clone(), true, &mut out);
        for row in &self.rows {
            line(row.iter().map(String::as_str).collect(), false, &mut out);
        }
        out
    }
}

/// `cell` cut to `width` terminal cells in the middle (`src/very/lo…/file.rs:12`): a third of
/// the room for the start, the rest for the end, where the file name and the line number are.
/// A trailing `:LINE` is kept whole.
fn middle(cell: &str, width: usize) -> String {
    let line = cell
        .rfind(':')
        .filter(|&at| at + 1 < cell.len() && cell[at + 1..].chars().all(|c| c.is_ascii_digit()))
        .map_or("", |at| &cell[at..]);
    let body = &cell[..cell.len() - line.len()];
    let room = width.saturating_sub(line.width() + 1);
    if room < 2 {
        // Too narrow for both ends: the end is what tells files apart.
        return format!("…{}", take_end(cell, width.saturating_sub(1)));
    }
    let head = room / 3;
    format!(
        "{}…{}{line}",
        take_start(body, head),
        take_end(body, room - head)
    )
}

fn take_start(text: &str, width: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > width {
            return &text[..at];
        }
    }
    text
}

fn take_end(text: &str, width: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices().rev() {
        used += c.width().unwrap_or(0);
        if used > width {
            return &text[at + c.len_utf8()..];
        }
    }
    text
}

impl Table {
    /// Rows added so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::{Style, Table};

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
    fn a_wide_table_is_fitted_by_shortening_paths_in_the_middle() {
        let mut t = Table::new(&[("sev", false), ("where", false), ("n", true)]);
        t.shrink(1);
        t.row(vec![
            "high".into(),
            "crates/devspm-findings/src/import/very_long_module_name.rs:1234".into(),
            "7".into(),
        ]);
        let fitted = t.render_fit("", Some(40));
        let row = fitted.lines().nth(1).unwrap();
        assert!(row.width() <= 40, "{fitted}");
        assert!(
            row.contains('…') && row.contains("name.rs:1234"),
            "{fitted}"
        );
        assert!(row.starts_with("high  crates"), "{fitted}");
        // In a pipe (no width), nothing is cut.
        assert!(t.render("").contains("very_long_module_name.rs:1234"));
        // Too narrow for every column: shrinkable ones stop at their minimum.
        let tight = t.render_fit("", Some(5));
        assert!(tight.lines().nth(1).unwrap().contains(":1234"), "{tight}");
    }

    #[test]
    fn colour_wraps_cells_after_alignment() {
        let mut t = Table::new(&[("sev", false), ("n", true)]);
        t.paint(0, crate::style::severity);
        t.row(vec!["high".into(), "1".into()]);
        t.row(vec!["x\u{1b}[31m".into(), "2".into()]);
        crate::style::set_enabled(true);
        let out = t.render("");
        crate::style::set_enabled(false);
        assert_eq!(
            out,
            "\x1b[1msev\x1b[0m        \x1b[1mn\x1b[0m\n\x1b[31mhigh\x1b[0m       1\nx\\x1b[31m  2\n"
        );
        // The painted guard passes the colour and still escapes anything else; the plain one
        // passes nothing.
        assert_eq!(crate::terminal::guard_painted(&out), out.as_str());
        assert_eq!(crate::terminal::guard_painted("\x1b[2J"), "\\x1b[2J");
        assert_ne!(crate::terminal::guard(&out), out.as_str());
        // Off (the default), paint changes nothing.
        assert_eq!(crate::style::paint("high", Style::High), "high");
    }

    #[test]
    fn wide_characters_align_by_display_width() {
        let mut t = Table::new(&[("name", false), ("n", true)]);
        t.row(vec!["中文".into(), "1".into()]);
        t.row(vec!["abcd".into(), "2".into()]);
        assert_eq!(t.render(""), "name  n\n中文  1\nabcd  2\n");
    }
}
