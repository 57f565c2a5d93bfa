//! A finding's path context: whether its file is production code or a test, a fixture, an
//! example, documentation, vendored or generated code.
//!
//! The context is derived from the repository-relative path alone, by the documented rules
//! below (`docs/configuration.md`, "Path contexts"), after the operator's own `[contexts]`
//! globs. A path matches the first context whose rule it meets, in this order: vendored,
//! generated, fixture, test, example, docs — so `tests/fixtures/key.pem` is a fixture and
//! `vendor/x/tests/a.rs` is vendored. A finding without a path (a commit message) is
//! production. Lockfiles are classified like any file: `Cargo.lock` at the root is production,
//! `tests/fixtures/Cargo.lock` a fixture.

use devspm_core::gating::{ContextsConfig, PathContext};

/// Directory names that mark everything below them as one context.
const DIRECTORIES: &[(PathContext, &[&str])] = &[
    (
        PathContext::Vendored,
        &[
            "vendor",
            "vendored",
            "third_party",
            "third-party",
            "thirdparty",
            "node_modules",
            "bower_components",
            "site-packages",
        ],
    ),
    (PathContext::Generated, &["generated", "__generated__"]),
    (
        PathContext::Fixture,
        &[
            "fixtures",
            "fixture",
            "testdata",
            "test-data",
            "test_data",
            "__fixtures__",
            "__snapshots__",
            "snapshots",
        ],
    ),
    (
        PathContext::Test,
        &["test", "tests", "__tests__", "spec", "specs", "testing"],
    ),
    (
        PathContext::Example,
        &["example", "examples", "sample", "samples", "demo", "demos"],
    ),
    (PathContext::Docs, &["doc", "docs", "documentation"]),
];

/// File-name rules: (context, suffixes, prefixes) of the file name.
const FILE_NAMES: &[(PathContext, &[&str], &[&str])] = &[
    (
        PathContext::Generated,
        &[
            ".pb.go",
            "_pb2.py",
            "_pb2_grpc.py",
            ".pb.cc",
            ".pb.h",
            ".g.dart",
            ".freezed.dart",
            ".generated.ts",
            ".generated.js",
            ".generated.cs",
            ".designer.cs",
            ".min.js",
            ".min.css",
        ],
        &[],
    ),
    (
        PathContext::Test,
        &[
            "_test.go",
            "_test.py",
            "_test.rs",
            "_tests.rs",
            ".test.js",
            ".test.ts",
            ".test.jsx",
            ".test.tsx",
            ".spec.js",
            ".spec.ts",
            ".spec.jsx",
            ".spec.tsx",
            "_spec.rb",
            "_test.rb",
            "test.java",
            "tests.java",
            "test.kt",
            "test.cs",
            "tests.cs",
            "test.php",
        ],
        &["test_", "testutil", "test_util", "test_helper"],
    ),
    (
        PathContext::Docs,
        &[".md", ".markdown", ".rst", ".adoc", ".asciidoc"],
        &[],
    ),
];

/// The built-in rules and the operator's globs, compiled once.
#[derive(Debug)]
pub struct ContextRules {
    extra: Vec<(PathContext, globset::GlobMatcher)>,
}

impl ContextRules {
    /// The rules with the `[contexts]` globs of the configuration (already validated when
    /// the file was read; a glob that does not compile here is skipped).
    pub fn new(config: &ContextsConfig) -> ContextRules {
        ContextRules {
            extra: config
                .globs
                .iter()
                .filter_map(|(context, glob)| {
                    Some((*context, globset::Glob::new(glob).ok()?.compile_matcher()))
                })
                .collect(),
        }
    }

    /// The context of a repository-relative path (`/`-separated); `None` is production.
    pub fn classify(&self, path: Option<&str>) -> PathContext {
        let Some(path) = path else {
            return PathContext::Production;
        };
        let path = path.trim_start_matches("./");
        for (context, glob) in &self.extra {
            if glob.is_match(path) {
                return *context;
            }
        }
        builtin(path)
    }
}

/// The built-in rules alone.
fn builtin(path: &str) -> PathContext {
    let parts: Vec<&str> = path.split('/').collect();
    let (file, dirs) = parts.split_last().unwrap_or((&"", &[]));
    let file_lower = file.to_ascii_lowercase();
    for context in PathContext::ALL {
        let by_dir = DIRECTORIES
            .iter()
            .filter(|(c, _)| *c == context)
            .any(|(_, names)| {
                dirs.iter()
                    .any(|d| names.iter().any(|n| d.eq_ignore_ascii_case(n)))
            });
        let by_name =
            FILE_NAMES
                .iter()
                .filter(|(c, _, _)| *c == context)
                .any(|(_, suffixes, prefixes)| {
                    suffixes.iter().any(|s| file_lower.ends_with(s))
                        || prefixes.iter().any(|p| file_lower.starts_with(p))
                });
        if by_dir || by_name {
            return context;
        }
    }
    PathContext::Production
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_rules() {
        let rules = ContextRules::new(&ContextsConfig::default());
        for (path, context) in [
            ("src/main.rs", PathContext::Production),
            ("Cargo.lock", PathContext::Production),
            ("README", PathContext::Production),
            ("crates/a/tests/e2e.rs", PathContext::Test),
            ("pkg/server_test.go", PathContext::Test),
            ("crates/x/src/testutil.rs", PathContext::Test),
            ("app/test_login.py", PathContext::Test),
            ("web/Button.spec.tsx", PathContext::Test),
            ("src/test/java/FooTest.java", PathContext::Test),
            ("tests/fixtures/key.pem", PathContext::Fixture),
            ("crates/x/testdata/a.json", PathContext::Fixture),
            ("examples/basic.rs", PathContext::Example),
            ("docs/setup.md", PathContext::Docs),
            ("README.md", PathContext::Docs),
            ("vendor/github.com/x/tests/a.go", PathContext::Vendored),
            ("web/node_modules/lib/index.js", PathContext::Vendored),
            ("api/v1/service.pb.go", PathContext::Generated),
            ("static/app.min.js", PathContext::Generated),
            ("contest/main.rs", PathContext::Production),
            ("src/latest.rs", PathContext::Production),
        ] {
            assert_eq!(rules.classify(Some(path)), context, "{path}");
        }
        assert_eq!(rules.classify(None), PathContext::Production);
    }

    #[test]
    fn configured_globs_come_first() {
        let rules = ContextRules::new(&ContextsConfig {
            globs: vec![
                (PathContext::Fixture, "qa/data/**".to_owned()),
                (PathContext::Production, "docs/api/**".to_owned()),
            ],
        });
        assert_eq!(
            rules.classify(Some("qa/data/token.txt")),
            PathContext::Fixture
        );
        assert_eq!(
            rules.classify(Some("docs/api/server.py")),
            PathContext::Production
        );
        assert_eq!(rules.classify(Some("docs/guide.md")), PathContext::Docs);
    }
}
