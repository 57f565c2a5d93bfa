//! `go.mod`: the modules its `require` directives name, after its `replace` directives.
//!
//! Single-line (`require m v1.2.3`) and block (`require ( … )`) forms, `// indirect` or any
//! other comment allowed. A `replace old [v] => new v2` directive with a version on its right
//! substitutes `new@v2` for the required `old` (at `v`, if given), as the build does; a
//! replacement by a local path (no version) leaves the requirement as written. `exclude`,
//! `retract`, `go` and `toolchain` are ignored. Versions stay as written (`v1.2.3`).

use super::{LockedPackage, unquote};

#[derive(Clone, Copy, PartialEq)]
enum Block {
    None,
    Require,
    Replace,
    Other,
}

struct Replace<'a> {
    old: &'a str,
    old_version: Option<&'a str>,
    new: &'a str,
    new_version: &'a str,
}

pub(super) fn parse(text: &str) -> Vec<LockedPackage> {
    let mut requires: Vec<(&str, &str)> = Vec::new();
    let mut replaces: Vec<Replace> = Vec::new();
    let mut block = Block::None;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (directive, rest) = if block == Block::None {
            let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let kind = match word {
                "require" => Block::Require,
                "replace" => Block::Replace,
                _ => Block::Other,
            };
            let rest = rest.trim();
            if rest == "(" || (rest.starts_with('(') && rest[1..].trim().is_empty()) {
                block = kind;
                continue;
            }
            (kind, rest)
        } else if line.starts_with(')') {
            block = Block::None;
            continue;
        } else {
            (block, line)
        };
        match directive {
            Block::Require => {
                let mut words = rest.split_whitespace();
                if let (Some(module), Some(version)) = (words.next(), words.next()) {
                    requires.push((unquote(module), version));
                }
            }
            Block::Replace => {
                if let Some(replace) = parse_replace(rest) {
                    replaces.push(replace);
                }
            }
            _ => {}
        }
    }
    requires
        .into_iter()
        .map(|(module, version)| {
            let replaced = replaces
                .iter()
                .rev()
                .find(|r| r.old == module && r.old_version.is_none_or(|v| v == version));
            match replaced {
                Some(r) => LockedPackage::new(r.new, r.new_version),
                None => LockedPackage::new(module, version),
            }
        })
        .collect()
}

/// `old [v] => new v2`; `None` for a replacement by a local path (no version on the right).
fn parse_replace(rest: &str) -> Option<Replace<'_>> {
    let (left, right) = rest.split_once("=>")?;
    let mut left = left.split_whitespace();
    let mut right = right.split_whitespace();
    Some(Replace {
        old: unquote(left.next()?),
        old_version: left.next(),
        new: unquote(right.next()?),
        new_version: right.next()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_and_replaces() {
        let text = "module example.com/m\n\ngo 1.21\n\ntoolchain go1.21.5\n\n\
                    require github.com/a/b v1.2.3 // indirect\n\nrequire (\n\t\
                    golang.org/x/net v0.10.0\n\tgolang.org/x/text v0.3.0 // indirect\n\t\
                    \"example.com/quoted\" v2.0.0+incompatible\n\texample.com/local v1.0.0\n)\n\n\
                    exclude golang.org/x/net v0.9.0\n\n\
                    replace golang.org/x/net => golang.org/x/net v0.20.0\n\
                    replace (\n\tgolang.org/x/text v0.2.0 => golang.org/x/text v0.9.9\n\t\
                    example.com/local => ../local\n)\n";
        let mut got = parse(text);
        got.sort();
        assert_eq!(
            got,
            vec![
                LockedPackage::new("example.com/local", "v1.0.0"),
                LockedPackage::new("example.com/quoted", "v2.0.0+incompatible"),
                LockedPackage::new("github.com/a/b", "v1.2.3"),
                LockedPackage::new("golang.org/x/net", "v0.20.0"),
                LockedPackage::new("golang.org/x/text", "v0.3.0"),
            ]
        );
    }
}
