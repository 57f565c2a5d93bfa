//! Placing a producer's file path in the repository.
//!
//! Scanners write paths relative to wherever they ran: repository-relative, absolute on a CI
//! runner (`/home/runner/work/app/app/src/a.py`), Windows (`C:\build\src\a.py`), or relative to
//! a subdirectory. A finding is only attributable once its path names a file of the repository
//! at the scanned revision; anything else is kept as a foreign path and reported, never guessed.

use std::collections::HashSet;
use std::path::Path;

/// Where a producer's path lands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placed {
    /// A repository-relative path (`/`-separated). `exists` says whether the revision's tree
    /// has a file there.
    InRepo { path: String, exists: bool },
    /// The path cannot be a file of this repository; why, in words.
    Outside { reason: String },
}

fn is_windows_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

/// Places `path` (already URI-decoded) in the repository whose work tree is `workdir` (if it
/// has one), given the files of the scanned revision.
pub fn place(path: &str, workdir: Option<&Path>, files: &HashSet<String>) -> Placed {
    let unified = path.replace('\\', "/");
    let absolute = unified.starts_with('/') || is_windows_absolute(&unified);
    if absolute {
        if let Some(root) = workdir {
            let root = root.to_string_lossy().replace('\\', "/");
            let root = root.trim_end_matches('/');
            if let Some(rest) = unified.strip_prefix(root)
                && let Some(rest) = rest.strip_prefix('/')
            {
                return placed_relative(rest, files);
            }
        }
        if let Some(rest) = strip_ci_workspace(&unified) {
            return placed_relative(rest, files);
        }
        return match suffix_match(&unified, files) {
            Some(found) => Placed::InRepo {
                path: found,
                exists: true,
            },
            None => Placed::Outside {
                reason: format!(
                    "absolute path {path} is outside the repository and no file of the repository ends with it"
                ),
            },
        };
    }
    placed_relative(&unified, files)
}

fn placed_relative(path: &str, files: &HashSet<String>) -> Placed {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Placed::Outside {
                        reason: format!("path {path} leaves the repository"),
                    };
                }
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Placed::Outside {
            reason: format!("path {path:?} names no file"),
        };
    }
    let joined = parts.join("/");
    if files.contains(&joined) {
        return Placed::InRepo {
            path: joined,
            exists: true,
        };
    }
    // Relative to a parent or sibling directory of the root (a scanner run one level up).
    if let Some(found) = suffix_match(&joined, files) {
        return Placed::InRepo {
            path: found,
            exists: true,
        };
    }
    Placed::InRepo {
        path: joined,
        exists: false,
    }
}

/// The repository-relative rest of a path under a well-known CI checkout directory:
/// GitHub Actions (`/home/runner/work/<repo>/<repo>/`, `/github/workspace/`), GitLab CI
/// (`/builds/<namespace>/<project>/`).
fn strip_ci_workspace(path: &str) -> Option<&str> {
    if let Some(rest) = path.strip_prefix("/github/workspace/") {
        return Some(rest);
    }
    for (prefix, skip) in [("/home/runner/work/", 2), ("/builds/", 2)] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let mut parts = rest.splitn(skip + 1, '/');
            let skipped: Vec<&str> = parts.by_ref().take(skip).collect();
            if skipped.len() == skip
                && let Some(tail) = parts.next()
            {
                return Some(tail);
            }
        }
    }
    None
}

/// The longest tail of `path` (whole components, at least the file name plus one directory
/// when there is one) that is a file of the revision.
fn suffix_match(path: &str, files: &HashSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let min_parts = if parts.len() >= 2 { 2 } else { 1 };
    for start in 1..parts.len() {
        if parts.len() - start < min_parts {
            break;
        }
        let candidate = parts[start..].join("/");
        if files.contains(&candidate) {
            return Some(candidate);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> HashSet<String> {
        ["src/app/main.py", "README.md", "lib/util.rs"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn relative_paths_are_normalised() {
        assert_eq!(
            place("./src/app/../app/main.py", None, &files()),
            Placed::InRepo {
                path: "src/app/main.py".into(),
                exists: true
            }
        );
        assert_eq!(
            place("src\\app\\main.py", None, &files()),
            Placed::InRepo {
                path: "src/app/main.py".into(),
                exists: true
            }
        );
        assert_eq!(
            place("gone.py", None, &files()),
            Placed::InRepo {
                path: "gone.py".into(),
                exists: false
            }
        );
        assert!(matches!(
            place("../../etc/passwd", None, &files()),
            Placed::Outside { .. }
        ));
    }

    #[test]
    fn absolute_paths_from_other_machines_match_by_suffix() {
        assert_eq!(
            place("/home/runner/work/x/x/src/app/main.py", None, &files()),
            Placed::InRepo {
                path: "src/app/main.py".into(),
                exists: true
            }
        );
        assert_eq!(
            place("C:\\build\\lib\\util.rs", None, &files()),
            Placed::InRepo {
                path: "lib/util.rs".into(),
                exists: true
            }
        );
        assert_eq!(
            place(
                "/srv/checkout/lib/util.rs",
                Some(Path::new("/srv/checkout")),
                &files()
            ),
            Placed::InRepo {
                path: "lib/util.rs".into(),
                exists: true
            }
        );
        assert_eq!(
            place("/home/runner/work/app/app/README.md", None, &files()),
            Placed::InRepo {
                path: "README.md".into(),
                exists: true
            }
        );
        // A bare file name elsewhere is not enough to claim a match.
        assert!(matches!(
            place("/etc/other/README.md", None, &files()),
            Placed::Outside { .. }
        ));
    }
}
