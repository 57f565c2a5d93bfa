//! pip requirements files: the pinned `name==version` (or `===`) requirements.
//!
//! Lines continued with a trailing `\` are joined (pip-compile's `--hash` lines); comments
//! (`#` at the start or after whitespace), option lines (`-r`, `-c`, `-e`, `--index-url`, …),
//! environment markers (`; python_version < "3.8"`), trailing options (`--hash=…`) and extras
//! (`pkg[extra]==1`) are dropped. Unpinned requirements (`>=`, `~=`, `==1.*`), URL and path
//! requirements, and anything else not understood are skipped, never an error.

use std::borrow::Cow;

use super::LockedPackage;

pub(super) fn parse(text: &str) -> Vec<LockedPackage> {
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(head) = line.strip_suffix('\\') {
            let joined = pending.get_or_insert_with(String::new);
            joined.push_str(head);
            joined.push(' ');
            continue;
        }
        let logical: Cow<str> = match pending.take() {
            Some(mut joined) => {
                joined.push_str(line);
                Cow::Owned(joined)
            }
            None => Cow::Borrowed(line),
        };
        if let Some(package) = pinned(&logical) {
            out.push(package);
        }
    }
    if let Some(joined) = pending
        && let Some(package) = pinned(&joined)
    {
        out.push(package);
    }
    out
}

/// The package a requirement line pins, if it pins one.
fn pinned(line: &str) -> Option<LockedPackage> {
    let line = strip_comment(line).trim();
    if line.is_empty() || line.starts_with('-') {
        return None;
    }
    let line = line.split(';').next()?;
    let line = cut_options(line);
    let at = line.find("==")?;
    let (name_part, rest) = line.split_at(at);
    let after = rest.trim_start_matches('=');
    if rest.len() - after.len() > 3 {
        return None;
    }
    let version = after.trim_start().split([',', ' ', '\t', ')']).next()?;
    if version.is_empty() || version.contains('*') {
        return None;
    }
    let name = name_part
        .split('[')
        .next()?
        .trim()
        .trim_end_matches('(')
        .trim();
    let valid = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric());
    valid.then(|| LockedPackage::new(name, version))
}

/// `line` without a comment: `#` at its start or after whitespace starts one.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// `line` without trailing options (` --hash=…`): whitespace followed by `-` starts them.
fn cut_options(line: &str) -> &str {
    let bytes = line.as_bytes();
    for i in 1..bytes.len() {
        if bytes[i] == b'-' && bytes[i - 1].is_ascii_whitespace() {
            return &line[..i];
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(String, String)> {
        parse(text)
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect()
    }

    fn p(name: &str, version: &str) -> (String, String) {
        (name.to_string(), version.to_string())
    }

    #[test]
    fn pinned_only() {
        let text = "# comment\n-r base.txt\n--index-url https://x/simple\n-e git+https://x/y.git#egg=y\n\
                    Django==4.2.1  # pinned\npsycopg[c,pool]==3.3.4\nrequests>=2\nflask~=2.0\n\
                    six == 1.16.0\narrow===1.0\nlegacy==1.*\nfoo==1.0; python_version < \"3.8\"\n\
                    pkg @ https://x/pkg-1.0.tar.gz\nbar==2.0 --hash=sha256:abc\n\
                    baz==3.0 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n\
                    qux (==4.0)\n!!garbage==1\n";
        assert_eq!(
            read(text),
            vec![
                p("Django", "4.2.1"),
                p("psycopg", "3.3.4"),
                p("six", "1.16.0"),
                p("arrow", "1.0"),
                p("foo", "1.0"),
                p("bar", "2.0"),
                p("baz", "3.0"),
                p("qux", "4.0"),
            ]
        );
    }

    #[test]
    fn continuation_at_end_of_file() {
        assert_eq!(read("a==1 \\"), vec![p("a", "1")]);
    }
}
