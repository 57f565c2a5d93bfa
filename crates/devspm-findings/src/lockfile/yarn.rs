//! `yarn.lock`, classic (v1) and berry (v2+), by a line scanner.
//!
//! An entry starts with an unindented header listing the specs it satisfies
//! (`"@scope/a@^1", "@scope/a@~1.2":` in classic, `"a@npm:^1":` in berry) and holds an
//! indented `version "1.2.3"` (classic) or `version: 1.2.3` (berry). The name comes from the
//! first spec; an alias spec (`my-lodash@npm:lodash@4.17.21`) names the real package, and so
//! does berry's `resolution:` field, which wins when present. Berry's `__metadata` and its
//! local entries (`@workspace:`, `@link:`, `@portal:` resolutions) are skipped.

use super::{LockedPackage, split_npm_spec, unquote};

pub(super) fn parse(text: &str) -> Vec<LockedPackage> {
    let mut out = Vec::new();
    let mut entry = Entry::default();
    for line in text.lines() {
        let Some(&first) = line.as_bytes().first() else {
            continue;
        };
        if first == b'#' {
            continue;
        }
        if first != b' ' && first != b'\t' {
            entry.flush(&mut out);
            entry = Entry::header(line);
            continue;
        }
        if entry.name.is_none() {
            continue;
        }
        // Only the entry's own fields, at its first indentation (2 spaces), not those of its
        // `dependencies:` block.
        let Some(field) = line
            .strip_prefix("  ")
            .filter(|f| !f.starts_with([' ', '\t']))
        else {
            continue;
        };
        if let Some(value) = field_value(field, "version") {
            entry.version = Some(value);
        } else if let Some(value) = field_value(field, "resolution") {
            entry.resolution = Some(value);
        }
    }
    entry.flush(&mut out);
    out
}

#[derive(Default)]
struct Entry<'a> {
    name: Option<&'a str>,
    version: Option<&'a str>,
    resolution: Option<&'a str>,
}

impl<'a> Entry<'a> {
    fn header(line: &'a str) -> Entry<'a> {
        let line = line.trim_end();
        let Some(specs) = line.strip_suffix(':') else {
            return Entry::default();
        };
        let first = match specs.strip_prefix('"') {
            Some(rest) => rest.split('"').next().unwrap_or(""),
            None => specs.split(',').next().unwrap_or("").trim(),
        };
        let name = split_npm_spec(first).map(|(name, range)| {
            // An alias: `alias@npm:real@range` names `real`.
            range
                .strip_prefix("npm:")
                .and_then(split_npm_spec)
                .map_or(name, |(real, _)| real)
        });
        Entry {
            name: name.filter(|n| !n.is_empty() && *n != "__metadata"),
            version: None,
            resolution: None,
        }
    }

    fn flush(&self, out: &mut Vec<LockedPackage>) {
        let (Some(mut name), Some(version)) = (self.name, self.version) else {
            return;
        };
        if let Some((resolved_name, how)) = self.resolution.and_then(split_npm_spec) {
            if ["workspace:", "link:", "portal:"]
                .iter()
                .any(|local| how.starts_with(local))
            {
                return;
            }
            name = resolved_name;
        }
        if version.is_empty() || version == "0.0.0-use.local" {
            return;
        }
        out.push(LockedPackage::new(name, version));
    }
}

/// The value of `key "value"` (classic; npm writes `"key" "value"`) or `key: value` (berry),
/// unquoted.
fn field_value<'a>(field: &'a str, key: &str) -> Option<&'a str> {
    let rest = match field.strip_prefix('"') {
        Some(quoted) => quoted.strip_prefix(key)?.strip_prefix('"')?,
        None => field.strip_prefix(key)?,
    };
    let rest = match rest.strip_prefix(':') {
        Some(rest) => rest,
        None if rest.starts_with(' ') => rest,
        None => return None,
    };
    Some(unquote(rest.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic() {
        let text = "# yarn lockfile v1\n\n\n\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  \
                    version \"7.12.13\"\n  resolved \"https://r/x.tgz\"\n  dependencies:\n    \
                    version \"9\"\n\nleft-pad@1.3.0, left-pad@^1.0.0:\n  version \"1.3.0\"\n\n\
                    \"my-lodash@npm:lodash@4.17.21\":\n  version \"4.17.21\"\n\n\
                    \"quoted@^2.0.0\":\n  \"resolved\" \"https://r/q.tgz\"\n  \"version\" \"2.1.0\"\n";
        assert_eq!(
            parse(text),
            vec![
                LockedPackage::new("@babel/code-frame", "7.12.13"),
                LockedPackage::new("left-pad", "1.3.0"),
                LockedPackage::new("lodash", "4.17.21"),
                LockedPackage::new("quoted", "2.1.0"),
            ]
        );
    }

    #[test]
    fn berry() {
        let text = "__metadata:\n  version: 6\n  cacheKey: 8\n\n\"@s/a@npm:^1.0.0, @s/a@npm:^1.1.0\":\n  \
                    version: 1.2.0\n  resolution: \"@s/a@npm:1.2.0\"\n  dependencies:\n    \
                    b: \"npm:^2\"\n\n\"root@workspace:.\":\n  version: 0.0.0-use.local\n  \
                    resolution: \"root@workspace:.\"\n\n\"al@npm:real@^3\":\n  version: 3.1.0\n  \
                    resolution: \"real@npm:3.1.0\"\n\n\"resolve@patch:resolve@npm%3A^1.20.0#~builtin<compat/resolve>\":\n  \
                    version: 1.22.1\n  resolution: \"resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1\"\n";
        assert_eq!(
            parse(text),
            vec![
                LockedPackage::new("@s/a", "1.2.0"),
                LockedPackage::new("real", "3.1.0"),
                LockedPackage::new("resolve", "1.22.1"),
            ]
        );
    }
}
