//! `pnpm-lock.yaml`, lockfileVersion 5.x to 9.x, by a line scanner (no YAML parser).
//!
//! Only the keys of the top-level `packages:` (and v9 `snapshots:`) maps are read:
//! - 5.x: `/name/1.2.3:` and `/@scope/name/1.2.3_peer@1.0.0:` (peer suffix after `_`);
//! - 6.x: `/name@1.2.3:` and `/name@1.2.3(peer@1.0.0):`;
//! - 9.x: `name@1.2.3:` and `'@scope/name@1.2.3(peer@1.0.0)':`.
//!
//! Peer suffixes are stripped. Entries for tarball, git or local packages carry `name:` and
//! `version:` fields, which win over the key; keys that are neither a registry path nor have
//! those fields are skipped, as are local folders (`file:` and `link:` keys or versions). YAML's `? key` form, which
//! js-yaml uses for keys over 1024 characters, is understood.

use super::{LockedPackage, split_npm_spec, unquote};

pub(super) fn parse(text: &str) -> Vec<LockedPackage> {
    let mut out = Vec::new();
    // Before the header is seen, keys are read by their shape.
    let mut major: Option<u32> = None;
    let mut in_packages = false;
    let mut entry: Option<Entry> = None;
    let mut entry_indent = 0usize;
    let mut field_indent: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            if let Some(e) = entry.take() {
                e.flush(&mut out);
            }
            let key = top_key(trimmed);
            in_packages = key == "packages" || key == "snapshots";
            if key == "lockfileVersion" {
                major = version_major(trimmed);
            }
            continue;
        }
        if !in_packages {
            continue;
        }
        let opens_entry = match &entry {
            None => true,
            Some(_) => indent <= entry_indent,
        };
        if opens_entry && trimmed.starts_with(':') {
            // The value of a `? key` entry: `: field: value`.
            field_indent = Some(indent + 2);
            if let Some(e) = entry.as_mut() {
                e.field(trimmed[1..].trim_start());
            }
            continue;
        }
        if opens_entry {
            if let Some(e) = entry.take() {
                e.flush(&mut out);
            }
            entry_indent = indent;
            field_indent = None;
            entry = entry_key(trimmed).map(|key| Entry::from_key(key, major));
            continue;
        }
        let Some(e) = entry.as_mut() else {
            continue;
        };
        let expected = *field_indent.get_or_insert(indent);
        if indent != expected {
            continue;
        }
        e.field(trimmed);
    }
    if let Some(e) = entry.take() {
        e.flush(&mut out);
    }
    out
}

/// The key of a top-level `key: value` or `key:` line.
fn top_key(line: &str) -> &str {
    line.split(':').next().unwrap_or("").trim()
}

/// The major of `lockfileVersion: 5.4` / `lockfileVersion: '9.0'`.
fn version_major(line: &str) -> Option<u32> {
    let value = unquote(line.split_once(':')?.1.trim());
    value.split('.').next()?.trim().parse().ok()
}

/// The key of a map entry line (`key:`, `key: {}`, `'key':`, `? key`).
fn entry_key(line: &str) -> Option<&str> {
    let line = line.trim_end();
    if let Some(rest) = line.strip_prefix("? ") {
        return Some(unquote(rest.trim()));
    }
    if let Some(quote @ ('\'' | '"')) = line.chars().next() {
        let end = line[1..].find(quote)? + 1;
        return line[end + 1..].starts_with(':').then_some(&line[1..end]);
    }
    let end = match line.find(": ") {
        Some(end) => end,
        None => line.strip_suffix(':')?.len(),
    };
    Some(&line[..end])
}

struct Entry<'a> {
    /// The name the key gives, and its version when that is a registry version.
    key: Option<(&'a str, Option<&'a str>)>,
    field_name: Option<&'a str>,
    field_version: Option<&'a str>,
    /// A local folder (`file:` or `link:` key), not a package.
    local: bool,
}

impl<'a> Entry<'a> {
    fn from_key(key: &'a str, major: Option<u32>) -> Entry<'a> {
        Entry {
            key: key_parts(key, major),
            field_name: None,
            field_version: None,
            local: key.starts_with("file:")
                || key.starts_with("link:")
                || key.contains("@file:")
                || key.contains("@link:"),
        }
    }

    fn field(&mut self, field: &'a str) {
        if let Some(value) = field.strip_prefix("name:") {
            self.field_name = Some(unquote(value.trim()));
        } else if let Some(value) = field.strip_prefix("version:") {
            self.field_version = Some(unquote(value.trim()));
        }
    }

    fn flush(self, out: &mut Vec<LockedPackage>) {
        if self.local {
            return;
        }
        let (key_name, key_version) = self.key.unwrap_or(("", None));
        let name = self.field_name.unwrap_or(key_name);
        let Some(version) = self.field_version.or(key_version) else {
            return;
        };
        let version = strip_peers(version);
        if name.is_empty()
            || version.is_empty()
            || version.starts_with("file:")
            || version.starts_with("link:")
        {
            return;
        }
        out.push(LockedPackage::new(name, version));
    }
}

/// Whether `name` has the shape of an npm package name (`a`, `@s/a`).
fn is_package_name(name: &str) -> bool {
    let slashes = name.bytes().filter(|&b| b == b'/').count();
    let expected = usize::from(name.starts_with('@'));
    !name.is_empty() && slashes == expected && !name.contains(':')
}

/// The name a key gives in the syntax of lockfile `major`, with its version (peer suffix kept)
/// when that is a registry version. `None` for keys that are not `name@…` or `/name/…` paths.
fn key_parts(key: &str, major: Option<u32>) -> Option<(&str, Option<&str>)> {
    let registry = |version: &str| version.starts_with(|c: char| c.is_ascii_digit());
    let slash_style = match major {
        Some(major) => major < 6,
        // No header: `/name@version` (v6) or `/name/version` (v5).
        None => {
            key.starts_with('/')
                && split_npm_spec(&key[1..]).is_none_or(|(name, _)| !is_package_name(name))
        }
    };
    if slash_style {
        // Only registry packages have `/`-keys; the version is the last segment (scoped peers
        // in the suffix are written `@s+p`).
        let (name, version) = key.strip_prefix('/')?.rsplit_once('/')?;
        return (is_package_name(name) && registry(version)).then_some((name, Some(version)));
    }
    let spec = key.strip_prefix('/').unwrap_or(key);
    let (name, version) = split_npm_spec(spec)?;
    is_package_name(name).then_some((name, Some(version).filter(|v| registry(v))))
}

/// `1.2.3` of `1.2.3(react@18.0.0)`, `1.2.3_react@18.0.0` or `1.2.3_hash`.
fn strip_peers(version: &str) -> &str {
    let end = version.find(['(', '_']).unwrap_or(version.len());
    version[..end].trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        let mut out: Vec<_> = parse(text)
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn p(name: &str, version: &str) -> (String, String) {
        (name.to_string(), version.to_string())
    }

    #[test]
    fn v5_keys() {
        let text = "lockfileVersion: 5.4\n\nspecifiers:\n  a: 1.0.0\n\npackages:\n\n  /a/1.0.0:\n    \
                    resolution: {integrity: x}\n    dependencies:\n      version: 9.9.9\n    dev: false\n\n  \
                    /@s/b/2.0.0_react@18.0.0:\n    dev: true\n\n  /c/3.0.0_@s+p@1.0.0:\n    dev: true\n\n  \
                    github.com/u/r/abcdef:\n    resolution: {tarball: x}\n    name: gitdep\n    version: 0.3.0\n\n  \
                    file:local:\n    resolution: {directory: local, type: directory}\n    name: local\n    version: 1.0.0\n";
        assert_eq!(
            pairs(text),
            vec![
                p("@s/b", "2.0.0"),
                p("a", "1.0.0"),
                p("c", "3.0.0"),
                p("gitdep", "0.3.0"),
            ]
        );
    }

    #[test]
    fn v6_keys() {
        let text = "lockfileVersion: '6.0'\n\ndependencies:\n  a:\n    specifier: 1\n    version: 1.0.0\n\n\
                    packages:\n\n  /a@1.0.0:\n    dev: false\n\n  /@s/b@2.0.0(react@18.0.0)(x@1.0.0):\n    dev: false\n";
        assert_eq!(pairs(text), vec![p("@s/b", "2.0.0"), p("a", "1.0.0")]);
    }

    #[test]
    fn v9_keys() {
        let text = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      a:\n        \
                    specifier: ^1\n        version: 1.0.0\n\npackages:\n\n  '@s/b@2.0.0':\n    \
                    resolution: {integrity: x}\n\n  a@1.0.0:\n    resolution: {integrity: y}\n\n  \
                    t@https://example.com/t.tgz:\n    resolution: {tarball: https://example.com/t.tgz}\n    \
                    version: 4.0.0\n\nsnapshots:\n\n  '@s/b@2.0.0(react@18.0.0)':\n    dependencies:\n      \
                    react: 18.0.0\n\n  a@1.0.0: {}\n\n  ? c@3.0.0(some-very-long-peer-list@1.0.0)\n  : dependencies: {}\n";
        assert_eq!(
            pairs(text),
            vec![
                p("@s/b", "2.0.0"),
                p("a", "1.0.0"),
                p("c", "3.0.0"),
                p("t", "4.0.0")
            ]
        );
    }

    #[test]
    fn headerless_keys_by_shape() {
        let text = "packages:\n  /a/1.0.0:\n    dev: false\n  /@s/b/2.0.0_@s+p@1.0.0:\n    dev: false\n  /c@3.0.0:\n    dev: false\n";
        assert_eq!(
            pairs(text),
            vec![p("@s/b", "2.0.0"), p("a", "1.0.0"), p("c", "3.0.0")]
        );
    }
}
