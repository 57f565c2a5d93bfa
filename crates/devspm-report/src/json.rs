//! JSON for machines and pipes: the exact strings, with nothing a terminal would act on.
//!
//! serde_json already writes control characters U+0000–U+001F as escapes (`\u001b`, `\n`), so
//! the exact text round-trips. It writes DEL, C1 controls and the bidirectional and invisible
//! characters of [`crate::terminal::needs_escape`] raw, though, and JSON output is read on
//! terminals too (`devspm findings --format json | less`). These functions write them as
//! `\uXXXX` escapes (a surrogate pair above U+FFFF): still valid JSON that parses back to the
//! same strings, byte for byte.

use std::borrow::Cow;
use std::fmt::Write;

use serde::Serialize;

/// Pretty JSON (two-space indent, as `serde_json::to_string_pretty`) with no raw character
/// of [`crate::terminal::needs_escape`].
pub fn to_string_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    Ok(escape_serialized(&text).into_owned())
}

/// Compact JSON (one line, as `serde_json::to_string`) with no raw character of
/// [`crate::terminal::needs_escape`].
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let text = serde_json::to_string(value)?;
    Ok(escape_serialized(&text).into_owned())
}

/// Whether serde_json leaves `c` raw although a terminal must not see it: C0 controls are
/// escaped in strings already (a raw line feed is the pretty printer's own whitespace).
fn left_raw(c: char) -> bool {
    c > '\u{1f}' && crate::terminal::needs_escape(c)
}

/// Rewrites the characters of [`left_raw`] in text written by serde_json as `\uXXXX`.
/// Correct only for serde_json's output: there every such character can only be inside a
/// string literal (structure and whitespace are ASCII), where a `\uXXXX` escape means the
/// same character.
fn escape_serialized(json: &str) -> Cow<'_, str> {
    if !json.chars().any(left_raw) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    let mut units = [0u16; 2];
    for c in json.chars() {
        if left_raw(c) {
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_strings_round_trip_without_raw_characters() {
        let value = serde_json::json!({
            "name": "Mallory\u{1b}]0;pwned\u{7}",
            "c1": "\u{9b}31m\u{7f}",
            "bidi": "invoice\u{202e}gnp.exe",
            "tag": "x\u{e0041}",
        });
        for text in [
            to_string_pretty(&value).unwrap(),
            to_string(&value).unwrap(),
        ] {
            assert!(
                !text
                    .chars()
                    .any(|c| c != '\n' && crate::terminal::needs_escape(c)),
                "{text}"
            );
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, value);
        }
        assert!(to_string(&value).unwrap().contains("invoice\\u202egnp.exe"));
        assert!(to_string(&value).unwrap().contains("x\\udb40\\udc41"));
    }

    #[test]
    fn clean_json_is_unchanged() {
        let value = serde_json::json!({"a": [1, "b \\ \" 中文"]});
        assert_eq!(
            to_string_pretty(&value).unwrap(),
            serde_json::to_string_pretty(&value).unwrap()
        );
    }
}
