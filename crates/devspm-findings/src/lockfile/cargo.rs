//! `Cargo.lock` (formats v1 to v4): the `name` and `version` of every `[[package]]` table.
//!
//! A line scanner, not a TOML parser: Cargo writes one key per line, and attribution parses
//! thousands of versions of files of hundreds of kilobytes. Keys of other tables (`[metadata]`
//! of v1, `[[patch.unused]]`) are not packages and are ignored. Workspace members and path or
//! git packages are listed like registry ones. A committed merge conflict (conflict markers
//! inside the file, which history has) yields the packages of both sides.

use super::LockedPackage;

pub(super) fn parse(text: &str) -> Vec<LockedPackage> {
    let mut out = Vec::with_capacity(text.len() / 256);
    let mut in_package = false;
    let mut name: Option<&str> = None;
    // A version met before the table's name (Cargo writes the name first).
    let mut early_version: Option<&str> = None;
    for line in text.lines() {
        let line = line.trim_start();
        match line.as_bytes().first() {
            Some(b'[') => {
                in_package = line.trim_end() == "[[package]]";
                name = None;
                early_version = None;
            }
            Some(b'n') if in_package => {
                if let Some(value) = value_of(line, "name") {
                    name = Some(value);
                    if let Some(version) = early_version.take() {
                        out.push(LockedPackage::new(value, version));
                    }
                }
            }
            Some(b'v') if in_package => {
                if let Some(value) = value_of(line, "version") {
                    // Each version line counts: a committed merge conflict may hold both sides.
                    match name {
                        Some(name) => out.push(LockedPackage::new(name, value)),
                        None => early_version = Some(value),
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The string value of `key = "value"` (spacing free, either quote style, a trailing comment
/// allowed). Cargo writes no escapes in names and versions.
fn value_of<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|&c| c == '"' || c == '\'')?;
    let value = &rest[1..rest[1..].find(quote)? + 1];
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_and_not_other_tables() {
        let text = "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\
                    dependencies = [\n \"b 2.0.0 (registry+x)\",\n]\n\n[[package]]\nname=\"b\"\r\n\
                    version='2.0.0'\n\n[metadata]\nname = \"x\"\nversion = \"9\"\n\n\
                    [[patch.unused]]\nname = \"c\"\nversion = \"3.0.0\"\n";
        assert_eq!(
            parse(text),
            vec![
                LockedPackage::new("a", "1.0.0"),
                LockedPackage::new("b", "2.0.0")
            ]
        );
    }

    #[test]
    fn merge_conflicts_yield_both_sides() {
        let text = "[[package]]\nname = \"a\"\n<<<<<<< HEAD\nversion = \"1.0.0\"\n=======\n\
                    version = \"1.1.0\"\n>>>>>>> other\nsource = \"x\"\n\n[[package]]\n<<<<<<< HEAD\n\
                    name = \"b\"\nversion = \"2.0.0\"\n=======\nname = \"c\"\nversion = \"3.0.0\"\n>>>>>>> other\n";
        assert_eq!(
            parse(text),
            vec![
                LockedPackage::new("a", "1.0.0"),
                LockedPackage::new("a", "1.1.0"),
                LockedPackage::new("b", "2.0.0"),
                LockedPackage::new("c", "3.0.0"),
            ]
        );
    }

    #[test]
    fn incomplete_tables_are_skipped() {
        let text = "[[package]]\nname = \"a\"\n[[package]]\nversion = \"1\"\nname = \"b\"\n[[package]]\nversion = \"2\"\n";
        assert_eq!(parse(text), vec![LockedPackage::new("b", "1")]);
    }
}
