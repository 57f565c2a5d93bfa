//! Two INI readers: git's config syntax (gix-config's parser, already in the dependency graph
//! through gix), and Python `configparser`'s (`.pypirc`, `.aws/credentials`), which is ours.
//!
//! They differ where it matters for us: git strips `#`/`;` comments anywhere outside quotes and
//! has case-insensitive sections with quoted, case-sensitive subsections; `configparser` only
//! knows whole-line comments (a password may contain `#`) and accepts `:` as well as `=`.
//! Both give the same [`Entry`] rows, with the line each key is on. Values read here stay
//! inside the scanner; only key names and verdicts leave it.

/// One `key = value` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Section name, lower-cased (`user`, `credential`, `pypi`, `default`).
    pub section: String,
    /// Git's quoted subsection (`credential "https://github.com"` → `https://github.com`).
    pub subsection: Option<String>,
    /// Key, lower-cased.
    pub key: String,
    /// `None` for git's bare `key` (meaning true).
    pub value: Option<String>,
    /// 1-based line number.
    pub line: u32,
}

/// Reads git config bytes with gix-config's parser (git's grammar: quoting and escapes, line
/// continuations, comments after values, subsection rules, a byte-order mark). A file git would
/// refuse is refused whole, with gix-config's reason (naming the line): git reads none of it
/// either. Keys before any section are skipped, as git refuses them.
pub(crate) fn parse_git(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    use gix_config::parse::{EventRef, Events};

    let events = Events::from_bytes(bytes, None).map_err(|e| e.to_string())?;
    let mut entries = Vec::new();
    let mut line = 1u32;
    let mut section: Option<(String, Option<String>)> = None;
    let mut pending: Option<PendingKey> = None;
    for event in events.iter() {
        match event {
            EventRef::SectionHeader {
                name,
                separator,
                subsection_name,
            } => {
                flush(pending.take(), section.as_ref(), &mut entries);
                let name = String::from_utf8_lossy(name).to_ascii_lowercase();
                let subsection = subsection_name.map(|sub| {
                    let sub = String::from_utf8_lossy(sub).into_owned();
                    // The deprecated `[section.subsection]` form is lower-cased by git; the
                    // quoted form keeps its case.
                    if separator.is_some_and(|s| s == ".") {
                        sub.to_ascii_lowercase()
                    } else {
                        sub
                    }
                });
                section = Some((name, subsection));
            }
            EventRef::SectionValueName(key) => {
                flush(pending.take(), section.as_ref(), &mut entries);
                pending = Some(PendingKey {
                    key: String::from_utf8_lossy(key).to_ascii_lowercase(),
                    line,
                    separator: false,
                    raw: Vec::new(),
                });
            }
            EventRef::KeyValueSeparator => {
                if let Some(p) = &mut pending {
                    p.separator = true;
                }
            }
            EventRef::Value(part) | EventRef::ValueNotDone(part) | EventRef::ValueDone(part) => {
                if let Some(p) = &mut pending {
                    p.raw.extend_from_slice(part);
                }
            }
            EventRef::Newline(newlines) => {
                let n = newlines.iter().filter(|&&b| b == b'\n').count();
                line = line.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
            }
            EventRef::Comment { .. } | EventRef::Whitespace(_) => {}
        }
    }
    flush(pending, section.as_ref(), &mut entries);
    Ok(entries)
}

/// A key being read, until the next key or section.
struct PendingKey {
    key: String,
    line: u32,
    /// Whether `=` followed the key: without it, the key is a bare boolean.
    separator: bool,
    /// The value as written (quotes and escapes in place), continuation lines joined.
    raw: Vec<u8>,
}

fn flush(
    pending: Option<PendingKey>,
    section: Option<&(String, Option<String>)>,
    out: &mut Vec<Entry>,
) {
    let (Some(p), Some((section, subsection))) = (pending, section) else {
        return;
    };
    let value = p.separator.then(|| {
        let value = gix_config::value::normalize(p.raw.as_slice());
        String::from_utf8_lossy(&value).into_owned()
    });
    out.push(Entry {
        section: section.clone(),
        subsection: subsection.clone(),
        key: p.key,
        value,
        line: p.line,
    });
}

/// Git's booleans: a bare key is true; `true`/`yes`/`on`, `false`/`no`/`off`/empty, or any
/// integer (non-zero is true), as gix-config reads them. `None` for anything else.
pub(crate) fn git_bool(value: Option<&str>) -> Option<bool> {
    match value {
        None => Some(true),
        Some(v) => gix_config::Boolean::try_from(v.trim()).ok().map(|b| b.0),
    }
}

/// Parses `configparser`-style text: `[section]`, `key = value` or `key: value`, whole-line
/// `#`/`;` comments. Continuation lines are ignored.
pub(crate) fn parse_python(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut section = String::new();
    for (n, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = header.trim().to_owned();
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            continue; // continuation of the previous value
        }
        let split = line.find(['=', ':']);
        let Some(at) = split else { continue };
        let key = line[..at].trim();
        let value = line[at + 1..].trim();
        entries.push(Entry {
            section: section.clone(),
            subsection: None,
            key: key.to_ascii_lowercase(),
            value: Some(value.to_owned()),
            line: line_no,
        });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_syntax() {
        let text = "[user]\n\temail = a@b.c # me\n[commit]\n gpgsign\n[credential \"https://x\"]\n helper = \"!f() { echo a; }; f\"\n[gpg.ssh]\nallowedSignersFile = x\n";
        let e = parse_git(text.as_bytes()).unwrap();
        assert_eq!(e[0].key, "email");
        assert_eq!(e[0].value.as_deref(), Some("a@b.c"));
        assert_eq!(e[1].value, None);
        assert_eq!(git_bool(e[1].value.as_deref()), Some(true));
        assert_eq!(e[2].subsection.as_deref(), Some("https://x"));
        assert_eq!(e[2].value.as_deref(), Some("!f() { echo a; }; f"));
        assert_eq!(e[3].section, "gpg");
        assert_eq!(e[3].subsection.as_deref(), Some("ssh"));
        assert_eq!(e[3].line, 8);
    }

    #[test]
    fn git_syntax_the_old_reader_got_wrong() {
        let text = "[a]\n\tk = one \\\n  two\n\tempty =\n\tbare\n\tq = \"x # y\" ; c\n\tesc = a\\tb\n[includeIf \"gitdir/i:~/Work/\"]\n\tpath = ~/.gitconfig-work\n[Credential \"https://Host\"] helper = store\n";
        let e = parse_git(text.as_bytes()).unwrap();
        let get = |key: &str| e.iter().find(|e| e.key == key).unwrap();
        // A continued value is one value, and the line count goes on after it.
        assert_eq!(get("k").value.as_deref(), Some("one   two"));
        assert_eq!(get("empty").value.as_deref(), Some(""));
        assert_eq!(get("empty").line, 4);
        assert_eq!(git_bool(get("empty").value.as_deref()), Some(false));
        assert_eq!(get("bare").value, None);
        assert_eq!(git_bool(get("bare").value.as_deref()), Some(true));
        assert_eq!(get("q").value.as_deref(), Some("x # y"));
        assert_eq!(get("esc").value.as_deref(), Some("a\tb"));
        let include = get("path");
        assert_eq!(include.section, "includeif");
        assert_eq!(include.subsection.as_deref(), Some("gitdir/i:~/Work/"));
        // A key on the header's line, a section name in any case.
        let helper = get("helper");
        assert_eq!(helper.section, "credential");
        assert_eq!(helper.subsection.as_deref(), Some("https://Host"));
        assert_eq!(helper.line, 10);
        assert_eq!(git_bool(Some("2")), Some(true));
        assert_eq!(git_bool(Some("maybe")), None);
    }

    #[test]
    fn git_refuses_what_git_refuses() {
        for bad in ["[user\nemail = x\n", "[a]\nk = \"open\n"] {
            let error = parse_git(bad.as_bytes()).unwrap_err();
            assert!(error.contains("line"), "{bad:?}: {error}");
        }
        // Keys before any section are not entries.
        assert_eq!(parse_git(b"k = v\n[a]\nx = 1\n").unwrap().len(), 1);
    }

    #[test]
    fn python_syntax() {
        let text = "# c\n[pypi]\nusername: __token__\npassword = a#b\n  continued\n";
        let e = parse_python(text);
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].section, "pypi");
        assert_eq!(e[1].value.as_deref(), Some("a#b"));
    }
}
