//! `go.sum`: every `module version[/go.mod] h1:hash` line, the `/go.mod` suffix dropped.
//!
//! go.sum also lists modules whose `go.mod` only was needed to resolve the build graph; they
//! are listed too. Versions stay as written (`v1.2.3`). Other lines are skipped.

use super::LockedPackage;

pub(super) fn parse(text: &str) -> Vec<LockedPackage> {
    let mut out: Vec<LockedPackage> = Vec::with_capacity(text.len() / 100);
    let mut last: Option<(&str, &str)> = None;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(module), Some(version), Some(hash)) = (words.next(), words.next(), words.next())
        else {
            continue;
        };
        if !hash.contains(':') || !version.starts_with('v') {
            continue;
        }
        let version = version.strip_suffix("/go.mod").unwrap_or(version);
        // Consecutive lines usually repeat the module and version (the `/go.mod` line).
        if last == Some((module, version)) {
            continue;
        }
        last = Some((module, version));
        out.push(LockedPackage::new(module, version));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_deduplicated() {
        let text = "github.com/a/b v1.2.3 h1:abc=\ngithub.com/a/b v1.2.3/go.mod h1:def=\n\
                    golang.org/x/net v0.1.0/go.mod h1:ghi=\n\ngarbage\n";
        assert_eq!(
            parse(text),
            vec![
                LockedPackage::new("github.com/a/b", "v1.2.3"),
                LockedPackage::new("golang.org/x/net", "v0.1.0"),
            ]
        );
    }
}
