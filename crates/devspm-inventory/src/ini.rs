//! Two small INI readers: git's config syntax, and Python `configparser`'s (`.pypirc`,
//! `.aws/credentials`).
//!
//! They differ where it matters for us: git strips `#`/`;` comments anywhere outside quotes and
//! has case-insensitive sections with quoted, case-sensitive subsections; `configparser` only
//! knows whole-line comments (a password may contain `#`) and accepts `:` as well as `=`.
//! Values read here stay inside the scanner; only key names and verdicts leave it.

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

/// Parses git config text. Malformed lines are skipped (git would refuse the file; we report
/// what we can read).
pub(crate) fn parse_git(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut section = String::new();
    let mut subsection = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let mut line = raw.trim();
        if line.starts_with('[') {
            let Some(end) = line.find(']') else { continue };
            let header = &line[1..end];
            line = line[end + 1..].trim();
            if let Some((name, rest)) = header.split_once(char::is_whitespace) {
                section = name.trim().to_ascii_lowercase();
                let rest = rest.trim();
                subsection = Some(
                    rest.strip_prefix('"')
                        .and_then(|r| r.strip_suffix('"'))
                        .unwrap_or(rest)
                        .replace("\\\"", "\"")
                        .replace("\\\\", "\\"),
                );
            } else if let Some((name, sub)) = header.split_once('.') {
                // Deprecated `[section.subsection]`, lower-cased by git.
                section = name.to_ascii_lowercase();
                subsection = Some(sub.to_ascii_lowercase());
            } else {
                section = header.trim().to_ascii_lowercase();
                subsection = None;
            }
            // A key may follow the header on the same line.
        }
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') || section.is_empty() {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), Some(git_value(v))),
            None => (line.split(['#', ';']).next().unwrap_or("").trim(), None),
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            continue;
        }
        entries.push(Entry {
            section: section.clone(),
            subsection: subsection.clone(),
            key: key.to_ascii_lowercase(),
            value,
            line: line_no,
        });
    }
    entries
}

/// A git config value: quotes removed, escapes resolved, comments stripped.
fn git_value(raw: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = raw.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            },
            '#' | ';' if !quoted => break,
            _ => out.push(c),
        }
    }
    out.trim_end().to_owned()
}

/// Git's boolean words.
pub(crate) fn git_bool(value: Option<&str>) -> Option<bool> {
    match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => Some(true),
        Some(v) => match v.as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" | "" => Some(false),
            _ => None,
        },
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
        let e = parse_git(text);
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
    fn python_syntax() {
        let text = "# c\n[pypi]\nusername: __token__\npassword = a#b\n  continued\n";
        let e = parse_python(text);
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].section, "pypi");
        assert_eq!(e[1].value.as_deref(), Some("a#b"));
    }
}
