//! Decoding the file locations producers write into paths: `file://` URIs (`file:///home/x/a.rs`,
//! `file:///C:/x/a.rs`, `file://host/share/a.rs`), percent-escapes (`%20`, multi-byte UTF-8),
//! Windows separators (`src\a.rs`), `./` and `..` segments; and joining a relative reference
//! to a SARIF base URI (`originalUriBaseIds`).
//!
//! Paths are not made relative to a repository here: the caller knows the repository root.
//! URIs with another scheme (`https://…`) are returned unchanged.

/// A URI that cannot be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    #[error(
        "invalid percent-escape `{escape}` at byte {offset} of URI `{uri}`: `%` must be followed \
         by two hexadecimal digits (a literal `%` is written `%25`)"
    )]
    InvalidEscape {
        uri: String,
        offset: usize,
        escape: String,
    },
    #[error("the percent-escapes of URI `{uri}` do not decode to UTF-8 text")]
    NotUtf8 { uri: String },
}

/// Decodes `%XX` escapes (`%20` → space, `%C3%A9` → `é`).
pub fn percent_decode(text: &str) -> Result<String, UriError> {
    decode_escapes(text, text, 0)
}

/// Decodes the escapes of `part`, which starts at byte `offset` of `uri` (for error messages).
fn decode_escapes(part: &str, uri: &str, offset: usize) -> Result<String, UriError> {
    if !part.contains('%') {
        return Ok(part.to_string());
    }
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                    out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                    i += 3;
                    continue;
                }
                _ => {
                    let end = part[i..]
                        .char_indices()
                        .nth(3)
                        .map_or(part.len(), |(j, _)| i + j);
                    return Err(UriError::InvalidEscape {
                        uri: uri.to_string(),
                        offset: offset + i,
                        escape: part[i..end].to_string(),
                    });
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).map_err(|_| UriError::NotUtf8 {
        uri: uri.to_string(),
    })
}

/// The scheme of a URI (`file`, `https`), if it has one. A single letter before `:` is a
/// Windows drive, not a scheme.
fn scheme(uri: &str) -> Option<&str> {
    let colon = uri.find(':')?;
    let s = &uri[..colon];
    let mut chars = s.chars();
    let first = chars.next()?;
    (s.len() > 1
        && first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(s)
}

/// Whether `path` starts with a Windows drive (`C:`, `C:/…`, `C:\…`).
fn has_drive(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && (b[1] == b':' || b[1] == b'|')
        && (b.len() == 2 || b[2] == b'/' || b[2] == b'\\')
}

/// Whether a URI reference stands on its own (has a scheme, is an absolute path, or starts
/// with a drive) rather than being relative to a base.
pub fn is_absolute(reference: &str) -> bool {
    let r = reference.trim();
    scheme(r).is_some() || r.starts_with('/') || r.starts_with('\\') || has_drive(r)
}

/// Decodes a URI or path reference as a producer wrote it into a path: `file://` removed
/// (`file:///C:/x` → `C:/x`, `file://host/share/a` → `//host/share/a`, `file://localhost/x` →
/// `/x`), escapes decoded, separators normalised (see [`normalize_path`]). A URI with another
/// scheme is returned unchanged.
pub fn decode(uri: &str) -> Result<String, UriError> {
    let u = uri.trim();
    let path = match strip_prefix_ignore_case(u, "file:") {
        Some(rest) => {
            let start = u.len() - rest.len();
            match rest.strip_prefix("//") {
                Some(after) => {
                    let (authority, path) = match after.find('/') {
                        Some(i) => (&after[..i], &after[i..]),
                        None => (after, ""),
                    };
                    let path_offset = start + 2 + authority.len();
                    let path = decode_escapes(path, u, path_offset)?;
                    if authority.is_empty() || authority.eq_ignore_ascii_case("localhost") {
                        path
                    } else {
                        let host = decode_escapes(authority, u, start + 2)?;
                        format!("//{host}{path}")
                    }
                }
                None => decode_escapes(rest, u, start)?,
            }
        }
        None if scheme(u).is_some() => return Ok(u.to_string()),
        None => decode_escapes(u, u, 0)?,
    };
    let path = match path.strip_prefix('/') {
        Some(rest) if has_drive(rest) => rest.replacen('|', ":", 1),
        _ => path,
    };
    Ok(normalize_path(&path))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    (text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &text[prefix.len()..])
}

/// Normalises a file path as written by a producer (no percent-decoding): `\` → `/`, `.`
/// segments dropped (`./src/a.rs` → `src/a.rs`), `a/../b` → `b` (a leading `..` is kept).
pub fn normalize_path(path: &str) -> String {
    let trimmed = path.trim();
    let clean = !trimmed.is_empty()
        && !trimmed.contains('\\')
        && trimmed
            .split('/')
            .enumerate()
            .all(|(i, seg)| seg != "." && seg != ".." && (i == 0 || !seg.is_empty()));
    if clean {
        return trimmed.to_string();
    }
    let p = trimmed.replace('\\', "/");
    if p.is_empty() {
        return p;
    }
    let absolute = p.starts_with('/');
    let unc = p.starts_with("//");
    let mut stack: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "." => {}
            ".." => match stack.last() {
                Some(&last) if !last.is_empty() && last != ".." && !has_drive(last) => {
                    stack.pop();
                }
                _ if absolute || stack.last().is_some_and(|l| has_drive(l)) => {}
                _ => stack.push(".."),
            },
            seg => stack.push(seg),
        }
    }
    let mut out = stack.join("/");
    if unc && !out.starts_with("//") {
        out.insert(0, '/');
    }
    if out.is_empty() {
        return if absolute {
            "/".to_string()
        } else {
            ".".to_string()
        };
    }
    out
}

/// Joins a relative reference to a base URI (a SARIF `originalUriBaseIds` entry): the base is
/// taken as a directory (a missing trailing `/` is added); a reference that stands on its own
/// (see [`is_absolute`]) is returned as is.
pub fn join(base: &str, reference: &str) -> String {
    let base = base.trim();
    let reference = reference.trim();
    if base.is_empty() || is_absolute(reference) {
        return reference.to_string();
    }
    let mut out = base.to_string();
    if !out.ends_with('/') && !out.ends_with('\\') {
        out.push('/');
    }
    out.push_str(reference);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_decode_to_paths() {
        assert_eq!(decode("file:///home/x/a.rs").unwrap(), "/home/x/a.rs");
        assert_eq!(decode("file:///C:/x/a.rs").unwrap(), "C:/x/a.rs");
        assert_eq!(decode("FILE:///c%3A/x/a.rs").unwrap(), "c:/x/a.rs");
        assert_eq!(decode("file:///C|/x/a.rs").unwrap(), "C:/x/a.rs");
        assert_eq!(
            decode("file://host/share/a.rs").unwrap(),
            "//host/share/a.rs"
        );
        assert_eq!(
            decode("file://localhost/etc/passwd").unwrap(),
            "/etc/passwd"
        );
        assert_eq!(decode("file:/home/x/a.rs").unwrap(), "/home/x/a.rs");
        assert_eq!(
            decode("file:///home/x/my%20project/caf%C3%A9.rs").unwrap(),
            "/home/x/my project/café.rs"
        );
    }

    #[test]
    fn relative_references_and_windows_paths() {
        assert_eq!(decode("src\\a.rs").unwrap(), "src/a.rs");
        assert_eq!(decode("./src/./a.rs").unwrap(), "src/a.rs");
        assert_eq!(decode("src/x/../a.rs").unwrap(), "src/a.rs");
        assert_eq!(decode("../a.rs").unwrap(), "../a.rs");
        assert_eq!(decode("C:\\x\\a.rs").unwrap(), "C:/x/a.rs");
        assert_eq!(decode("src%2Fa%20b.rs").unwrap(), "src/a b.rs");
        assert_eq!(decode("%E6%97%A5%E6%9C%AC.rs").unwrap(), "日本.rs");
        assert_eq!(
            decode("https://example.com/a%20b").unwrap(),
            "https://example.com/a%20b"
        );
        assert_eq!(normalize_path("/a/../../b"), "/b");
        assert_eq!(normalize_path("."), ".");
    }

    #[test]
    fn invalid_escapes_are_errors_that_say_where() {
        let err = decode("src/100%.rs").unwrap_err();
        assert_eq!(
            err,
            UriError::InvalidEscape {
                uri: "src/100%.rs".into(),
                offset: 7,
                escape: "%.r".into()
            }
        );
        assert!(err.to_string().contains("`%.r` at byte 7"), "{err}");
        let err = decode("file:///x/%zz").unwrap_err();
        assert!(
            matches!(err, UriError::InvalidEscape { offset: 10, .. }),
            "{err:?}"
        );
        assert!(matches!(decode("a%"), Err(UriError::InvalidEscape { .. })));
        assert_eq!(
            decode("a%FF"),
            Err(UriError::NotUtf8 { uri: "a%FF".into() })
        );
    }

    #[test]
    fn references_join_their_base() {
        assert_eq!(
            join("file:///builds/acme/x/", "src/a.rs"),
            "file:///builds/acme/x/src/a.rs"
        );
        assert_eq!(join("file:///repo", "src/a.rs"), "file:///repo/src/a.rs");
        assert_eq!(join("file:///repo/", "/abs/a.rs"), "/abs/a.rs");
        assert_eq!(
            join("file:///repo/", "file:///other/a.rs"),
            "file:///other/a.rs"
        );
        assert_eq!(
            decode(&join("file:///repo/src/", "../lib/a.rs")).unwrap(),
            "/repo/lib/a.rs"
        );
    }
}
