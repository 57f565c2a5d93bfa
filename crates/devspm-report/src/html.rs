//! Text for HTML (the report of `devspm report --format html`): outside text that a browser
//! shows as the same text, never as markup, a script, a link or a reordered line.
//!
//! In HTML, `<` opens a tag (`<script>`, `<img onerror=…>`), `&` an entity (`&#x202E;` is a
//! bidi override), and a quote ends an attribute value so that the rest of a name becomes
//! attributes of its own (`" onmouseover="…`). A `javascript:` URL runs when clicked. Bidi
//! controls reorder what the reader sees, invisible characters make two names look alike, and
//! a name of a megabyte fills the page.
//!
//! So outside text is first made visible as the terminal shows it ([`crate::terminal::escape`]:
//! controls, bidi and invisible characters become `\x1b`, `\u{202e}` …, line breaks `\n`),
//! shortened past [`MAX_CHARS`] characters with the number left out said, and then `&`, `<`,
//! `>`, `"` and `'` are written as character references — the same escaping inside an element
//! and inside a quoted attribute. The report never puts outside text into a URL: every link is
//! to an anchor inside the page whose id devspm made ([`crate::report::commit_anchor`] …),
//! written only of ASCII letters, digits, `-`, `_` and `.`, so a `javascript:` URL cannot
//! occur.

use std::fmt::Write;

/// Longest outside text shown whole; longer text is cut there with `… (N more characters)`.
pub const MAX_CHARS: usize = 400;

/// Outside text for an element's content or a quoted attribute value.
pub fn text(value: &str) -> String {
    let visible = crate::terminal::escape(value);
    let count = visible.chars().count();
    let (shown, cut) = if count > MAX_CHARS {
        let end = visible
            .char_indices()
            .nth(MAX_CHARS)
            .map_or(visible.len(), |(i, _)| i);
        (&visible[..end], count - MAX_CHARS)
    } else {
        (&visible[..], 0)
    };
    let mut out = String::with_capacity(shown.len() + 16);
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    if cut > 0 {
        let _ = write!(out, "… ({cut} more characters)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_shown_as_text() {
        assert_eq!(
            text("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            text("\" onmouseover=\"x' &amp;"),
            "&quot; onmouseover=&quot;x&#39; &amp;amp;"
        );
        assert_eq!(text("invoice\u{202e}gnp.exe"), "invoice\\u{202e}gnp.exe");
        assert_eq!(text("a\nb"), "a\\nb");
        let long = "x".repeat(1000);
        assert_eq!(
            text(&long),
            format!("{}… (600 more characters)", "x".repeat(400))
        );
    }
}
