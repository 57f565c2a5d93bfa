//! Text for Markdown (evidence packs, `devspm ai --format markdown` for a pull-request comment
//! or a wiki page): outside text that renders as the same text, never as markup.
//!
//! Markdown turns punctuation into structure: `|` ends a table cell, a line break ends a table
//! row or starts a forged heading, `[text](url)` and `![x](url)` make links and remote images
//! (tracking pixels in a pull-request comment), `<img onerror=…>` is raw HTML, `&#x202E;` is an
//! entity for a bidi override, `` ` `` opens code, `*`/`_`/`~` emphasise, `$` opens maths on
//! GitHub. And the file is also read raw, in a terminal or an editor.
//!
//! So outside text is first made terminal-safe with [`crate::terminal::escape`] (controls,
//! bidi and invisible characters become visible escapes such as `\x1b` and `\u{202e}`; line
//! breaks become `\n`, so no value can add a row or a line), then every character Markdown
//! could read as markup is backslash-escaped, which CommonMark and GitHub render as the
//! character itself. What a reader sees rendered is exactly what a terminal would show.

use crate::terminal;

/// Punctuation escaped wherever it appears: CommonMark renders `\c` as `c` for any ASCII
/// punctuation `c`. (`_` is escaped too, except between two letters or digits, where it can
/// never start or end emphasis: `mcp_server` and `dev_3f2a` stay readable.)
const ALWAYS: &[char] = &[
    '\\', '`', '*', '[', ']', '<', '>', '|', '~', '&', '#', '$', '!',
];

/// Inline outside text (a table cell, a name in a sentence, a list item's text). The result
/// holds no line break, so it cannot end a table row or start a block of its own.
pub fn text(value: &str) -> String {
    let escaped = terminal::escape(value);
    let mut out = String::with_capacity(escaped.len() + 8);
    // A list marker or an ordered-list number at the start of a list item's text would open a
    // nested list: escape it there.
    let digits = escaped.chars().take_while(char::is_ascii_digit).count();
    let chars: Vec<char> = escaped.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let starts_block = (i == 0 && matches!(c, '-' | '+' | '='))
            || (digits > 0 && i == digits && matches!(c, '.' | ')'));
        let intraword = |at: Option<usize>| {
            at.and_then(|at| chars.get(at))
                .is_some_and(|c| c.is_alphanumeric())
        };
        let emphasis = c == '_' && !(intraword(i.checked_sub(1)) && intraword(Some(i + 1)));
        if ALWAYS.contains(&c) || starts_block || emphasis {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Outside text as an inline code span: shown verbatim (terminal-escaped) in a monospace font.
/// The fence is one backtick longer than the longest run of backticks inside, so the text
/// cannot close it, and `|` is written `\|` because GitHub splits table cells on it even inside
/// code (in a table it renders as `|`; elsewhere as `\|`).
pub fn code(value: &str) -> String {
    let escaped = terminal::escape(value).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in escaped.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    // A space on both sides keeps a leading or trailing backtick off the fence; CommonMark
    // strips one space on each side when both are there.
    let pad = if escaped.starts_with('`') || escaped.ends_with('`') || escaped.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{escaped}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(text("Alice Martin"), "Alice Martin");
        assert_eq!(
            text("[click](javascript:alert(5))"),
            "\\[click\\](javascript:alert(5))"
        );
        assert_eq!(
            text("![x](https://evil.example/t.png)"),
            "\\!\\[x\\](https://evil.example/t.png)"
        );
        assert_eq!(
            text("<img src=x onerror=alert(3)>"),
            "\\<img src=x onerror=alert(3)\\>"
        );
        assert_eq!(text("a | b | c\n|---|"), "a \\| b \\| c\\\\n\\|---\\|");
        assert_eq!(
            text("\n# Approved by security"),
            "\\\\n\\# Approved by security"
        );
        assert_eq!(text("&#x202E;"), "\\&\\#x202E;");
        assert_eq!(text("snake_case *bold*"), "snake_case \\*bold\\*");
        assert_eq!(text("_em_ a__b _"), "\\_em\\_ a\\_\\_b \\_");
    }

    #[test]
    fn list_markers_at_the_start_are_escaped() {
        assert_eq!(text("- item"), "\\- item");
        assert_eq!(text("+ item"), "\\+ item");
        assert_eq!(text("12. item"), "12\\. item");
        assert_eq!(text("3) item"), "3\\) item");
        assert_eq!(text("a - b 1. c"), "a - b 1. c");
        assert_eq!(text("2026-11-28"), "2026-11-28");
    }

    #[test]
    fn controls_are_shown_as_the_terminal_shows_them() {
        // Rendered, `\\x1b` reads `\x1b`: the same as `devspm` prints on a terminal.
        assert_eq!(text("x\u{1b}[2J"), "x\\\\x1b\\[2J");
        assert_eq!(text("invoice\u{202e}gnp"), "invoice\\\\u{202e}gnp");
    }

    #[test]
    fn code_spans_cannot_be_closed_from_inside() {
        assert_eq!(code("refs/heads/main"), "`refs/heads/main`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x``"), "``` `x`` ```");
        assert_eq!(code("a|b\u{1b}"), "`a\\|b\\x1b`");
        assert_eq!(code(""), "`  `");
    }
}
