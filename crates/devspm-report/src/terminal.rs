//! Text for a terminal: outside text (names, e-mails, messages, paths, tool names) with every
//! character that could act on the terminal or hide from the reader shown as a visible escape.
//!
//! A terminal obeys what it is sent: ESC and CSI sequences set the window title, clear the
//! screen, recolour or hyperlink text (`ESC ] 8`), a carriage return or backspaces overwrite
//! what was printed before, C1 controls are CSI on some terminals, and bidirectional controls
//! (U+202E …) reorder what the reader sees ("Trojan Source"). Zero-width and other invisible
//! characters make two different names look the same. None of them may reach the screen raw.
//!
//! # The notation
//!
//! Rust's string-literal escapes, so that a reader (and a test) can tell exactly what the text
//! holds:
//!
//! | character | shown as |
//! |---|---|
//! | backslash | `\\` (always doubled, so `\x1b` in output can only mean ESC) |
//! | NUL, tab, line feed, carriage return | `\0`, `\t`, `\n`, `\r` |
//! | other C0 controls and DEL (U+0001–U+001F, U+007F) | `\x1b` (two lower-case hex digits) |
//! | C1 controls (U+0080–U+009F) | `\u{9b}` |
//! | bidirectional controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) | `\u{202e}` |
//! | zero-width and other invisible format characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, soft hyphen, tags …) | `\u{200b}` |
//! | line and paragraph separators (U+2028, U+2029) | `\u{2028}` |
//!
//! Everything else — letters of every script, emoji, CJK, homoglyphs — is shown as it is:
//! it cannot act on the terminal. (A homoglyph such as a Cyrillic `а` is visible text; telling
//! it from a Latin `a` is identity resolution's job, not the renderer's.)
//!
//! [`escape`] is for one-line fields (a table cell, a name in a sentence): a line break is
//! shown as `\n`, so a value can never forge an extra row or log line. [`escape_lines`] keeps
//! line feeds for multi-line text (a whole commit message) and escapes everything else.
//!
//! The ledger keeps the original text; escaping is for display only (JSON output carries the
//! exact strings, see [`crate::json`]).

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` may not reach a terminal raw: controls, bidirectional controls, line and
/// paragraph separators, and characters that are invisible by design (Unicode format
/// characters and fillers).
pub fn needs_escape(c: char) -> bool {
    matches!(
        c,
        // C0 controls, DEL, C1 controls.
        '\0'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            // Soft hyphen, combining grapheme joiner: invisible.
            | '\u{ad}'
            | '\u{34f}'
            // Arabic letter mark (bidi).
            | '\u{61c}'
            // Hangul choseong/jungseong fillers: blank letters used to fake empty names.
            | '\u{115f}'
            | '\u{1160}'
            // Khmer inherent vowels, Mongolian free variation selectors and vowel separator.
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            // Zero-width space, non-joiner, joiner; left-to-right and right-to-left marks.
            | '\u{200b}'..='\u{200f}'
            // Line and paragraph separators (a line break on some terminals).
            | '\u{2028}'
            | '\u{2029}'
            // Bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO).
            | '\u{202a}'..='\u{202e}'
            // Word joiner, invisible operators, bidi isolates (LRI, RLI, FSI, PDI), deprecated
            // format characters.
            | '\u{2060}'..='\u{206f}'
            // Hangul filler, halfwidth Hangul filler.
            | '\u{3164}'
            | '\u{ffa0}'
            // Zero-width no-break space (byte-order mark).
            | '\u{feff}'
            // Interlinear annotation controls.
            | '\u{fff9}'..='\u{fffb}'
            // Shorthand format controls, musical symbol format controls.
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            // Tag characters ("ASCII smuggling") and supplementary variation selectors.
            | '\u{e0000}'..='\u{e007f}'
            | '\u{e0100}'..='\u{e01ef}'
    )
}

/// One-line outside text for a terminal: every character of [`needs_escape`], line breaks
/// included, shown as a visible escape and backslashes doubled (see the module docs).
/// Borrows when nothing needs escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_unless(text, |c| c != '\\' && !needs_escape(c))
}

/// Like [`escape`], but line feeds stay line feeds (for multi-line text shown as a block).
/// A carriage return is still escaped: it would let a line overwrite itself.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    escape_unless(text, |c| c == '\n' || (c != '\\' && !needs_escape(c)))
}

/// The last line of defence for text about to be written to a terminal by a front end: every
/// character of [`needs_escape`] except the line feed, escaped as [`escape`] would. Unlike
/// [`escape`] it leaves backslashes alone, because the text was (or should have been) escaped
/// already and must not be escaped twice. Borrows when the text is clean, which is the case
/// whenever every renderer did its job.
pub fn guard(text: &str) -> Cow<'_, str> {
    escape_unless(text, |c| c == '\n' || !needs_escape(c))
}

/// [`guard`] for output painted by [`crate::style::paint`] (colour on): the colour sequences
/// it writes pass, every other character that needs it is escaped.
pub fn guard_painted(text: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut changed = false;
    let mut at = 0;
    while let Some(c) = text[at..].chars().next() {
        if let Some(len) = crate::style::sgr_at(text, at) {
            out.push_str(&text[at..at + len]);
            at += len;
            continue;
        }
        if c == '\n' || !needs_escape(c) {
            out.push(c);
        } else {
            changed = true;
            push_escape(&mut out, c);
        }
        at += c.len_utf8();
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// `text` with every character that is not `clean` replaced by its visible escape.
fn escape_unless(text: &str, clean: impl Fn(char) -> bool) -> Cow<'_, str> {
    if text.chars().all(&clean) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if clean(c) {
            out.push(c);
        } else {
            push_escape(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// Appends the visible escape of `c` (a backslash or a character of [`needs_escape`]).
fn push_escape(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\0' => out.push_str("\\0"),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\u{1}'..='\u{1f}' | '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        for text in [
            "Alice Martin",
            "alice@example.com",
            "src/lib.rs:12",
            "中文 👍",
            "",
        ] {
            assert!(matches!(escape(text), Cow::Borrowed(_)), "{text}");
            assert!(matches!(escape_lines(text), Cow::Borrowed(_)), "{text}");
            assert!(matches!(guard(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(
            escape("Mallory\u{1b}]0;pwned\u{7}"),
            "Mallory\\x1b]0;pwned\\x07"
        );
        assert_eq!(escape("x\u{1b}[2J\u{1b}[H"), "x\\x1b[2J\\x1b[H");
        assert_eq!(escape("safe\u{8}\u{8}EVIL"), "safe\\x08\\x08EVIL");
        assert_eq!(escape("approved\rDENIED"), "approved\\rDENIED");
        assert_eq!(escape("name\0hidden"), "name\\0hidden");
        assert_eq!(escape("a\tb\u{7f}"), "a\\tb\\x7f");
        assert_eq!(escape("c1 \u{9b}31m"), "c1 \\u{9b}31m");
        assert_eq!(escape("ok\n[ERROR] forged"), "ok\\n[ERROR] forged");
    }

    #[test]
    fn bidi_and_invisible_characters_become_visible() {
        assert_eq!(escape("invoice\u{202e}gnp.exe"), "invoice\\u{202e}gnp.exe");
        assert_eq!(
            escape("admin\u{2067} \u{2066} // check"),
            "admin\\u{2067} \\u{2066} // check"
        );
        assert_eq!(escape("ali\u{200b}ce"), "ali\\u{200b}ce");
        assert_eq!(escape("tag\u{e0041}"), "tag\\u{e0041}");
        assert_eq!(escape("bom\u{feff}"), "bom\\u{feff}");
        assert_eq!(escape("\u{3164}"), "\\u{3164}");
    }

    #[test]
    fn backslashes_are_doubled_so_escapes_are_unambiguous() {
        // The literal text `\x1b` and the ESC character must not look the same.
        assert_eq!(escape("\\x1b"), "\\\\x1b");
        assert_eq!(escape("\u{1b}"), "\\x1b");
        assert_eq!(escape("C:\\src"), "C:\\\\src");
    }

    #[test]
    fn lines_keep_line_feeds_only() {
        assert_eq!(
            escape_lines("subject\n\nbody\r\n\u{1b}[31m"),
            "subject\n\nbody\\r\n\\x1b[31m"
        );
    }

    #[test]
    fn guard_escapes_what_was_missed_without_touching_backslashes() {
        assert_eq!(
            guard("a\\x1b\n\u{1b}[2J\u{202e}"),
            "a\\x1b\n\\x1b[2J\\u{202e}"
        );
    }
}
