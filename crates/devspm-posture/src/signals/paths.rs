//! Which paths are sensitive to the signal rules, and which files are build configuration or
//! opaque (binary, compressed) — by name only, so that a rule can judge a commit from its file
//! list.
//!
//! Sensitive paths are those whose change alters what is built, released or trusted without
//! being source code a reviewer reads: CI workflows, ownership and identity files (CODEOWNERS,
//! `.mailmap`), build scripts and build-system macros (Makefiles, CMake, autoconf and its m4
//! macros, meson, Bazel, Gradle, `build.rs`), release and packaging configuration, and the
//! files that decide what git tracks (`.gitignore`, `.gitattributes`). The xz-utils backdoor
//! (2024) ran from an m4 macro, shipped through a release tarball, and hid behind `.gitignore`
//! entries; Shai-Hulud (2025) spread as a CI workflow.

/// The category of a sensitive path, or `None`.
pub fn sensitive(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if path.starts_with(".github/workflows/")
        || path.starts_with(".github/actions/")
        || path.starts_with(".circleci/")
        || path.starts_with(".buildkite/")
        || path.starts_with(".gitlab/ci")
        || matches!(
            name,
            ".gitlab-ci.yml"
                | "Jenkinsfile"
                | ".travis.yml"
                | "azure-pipelines.yml"
                | ".drone.yml"
                | "appveyor.yml"
                | ".cirrus.yml"
        )
    {
        return Some("ci");
    }
    if matches!(name, "CODEOWNERS" | "OWNERS" | ".mailmap") {
        return Some("owners");
    }
    if matches!(name, ".gitignore" | ".gitattributes") {
        return Some("ignore");
    }
    if is_build_config(path) {
        return Some("build");
    }
    if matches!(
        lower.as_str(),
        ".goreleaser.yml"
            | ".goreleaser.yaml"
            | "pkgbuild"
            | "snapcraft.yaml"
            | "release.sh"
            | ".npmrc"
            | ".pypirc"
            | "manifest.in"
    ) || ext == "spec"
        || path.starts_with("debian/")
        || path.starts_with("packaging/")
        || path.starts_with("release/")
        || path.starts_with("scripts/release")
    {
        return Some("release");
    }
    None
}

/// Build configuration: what a build system reads to decide how to compile.
pub fn is_build_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        name,
        "Makefile"
            | "GNUmakefile"
            | "makefile"
            | "Makefile.am"
            | "CMakeLists.txt"
            | "configure.ac"
            | "configure.in"
            | "configure"
            | "meson.build"
            | "meson_options.txt"
            | "meson.options"
            | "build.rs"
            | "build.gradle"
            | "build.gradle.kts"
            | "settings.gradle"
            | "pom.xml"
            | "BUILD"
            | "BUILD.bazel"
            | "WORKSPACE"
            | "MODULE.bazel"
            | "SConstruct"
            | "SConscript"
            | "autogen.sh"
            | "build.sh"
            | "config.mak.uname"
            | "config.mak.in"
    ) || matches!(ext, "m4" | "cmake" | "mk" | "bzl" | "am" | "ac")
        || path.starts_with("build-aux/")
        || path.contains("/build-aux/")
}

/// Source and test folders: where an opaque file needs a reason to be.
pub fn in_source_or_tests(path: &str) -> bool {
    path.split('/').rev().skip(1).any(|dir| {
        matches!(
            dir.to_ascii_lowercase().as_str(),
            "src"
                | "lib"
                | "source"
                | "sources"
                | "test"
                | "tests"
                | "t"
                | "testdata"
                | "test-data"
                | "fixtures"
                | "files"
                | "spec"
                | "internal"
                | "pkg"
                | "cmd"
                | "include"
                | "liblzma"
                | "common"
        )
    })
}

/// Extensions of files that are compiled, interpreted or built from: a change to one of them
/// can explain a new test file.
pub fn is_code(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some(e) => matches!(
            e,
            "c" | "h"
                | "cc"
                | "cpp"
                | "cxx"
                | "hpp"
                | "hh"
                | "rs"
                | "go"
                | "java"
                | "kt"
                | "scala"
                | "py"
                | "rb"
                | "js"
                | "mjs"
                | "ts"
                | "tsx"
                | "jsx"
                | "cs"
                | "swift"
                | "m"
                | "mm"
                | "php"
                | "pl"
                | "pm"
                | "sh"
                | "bash"
                | "lua"
                | "zig"
                | "nu"
                | "ex"
                | "exs"
                | "erl"
                | "hs"
                | "ml"
                | "clj"
                | "dart"
                | "groovy"
                | "sql"
        ),
        None => false,
    }
}

/// Media whose binary content is expected in a source tree (icons, images, fonts): reported
/// low rather than high by the opaque-file rule.
pub fn is_media(path: &str) -> bool {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        ext.as_str(),
        "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "ico"
            | "svg"
            | "webp"
            | "bmp"
            | "ttf"
            | "otf"
            | "woff"
            | "woff2"
            | "eot"
            | "pdf"
            | "mp3"
            | "wav"
            | "ogg"
            | "mp4"
    )
}

/// Compressed or archive formats: opaque even when git does not see a NUL byte.
pub fn is_archive(path: &str) -> bool {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        ext.as_str(),
        "xz" | "lzma"
            | "gz"
            | "bz2"
            | "zst"
            | "lz"
            | "lz4"
            | "zip"
            | "7z"
            | "tar"
            | "tgz"
            | "bin"
            | "dat"
            | "so"
            | "dll"
            | "dylib"
            | "a"
            | "o"
            | "exe"
            | "jar"
            | "class"
            | "whl"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_categories() {
        assert_eq!(sensitive(".github/workflows/ci.yml"), Some("ci"));
        assert_eq!(sensitive(".github/CODEOWNERS"), Some("owners"));
        assert_eq!(sensitive(".gitignore"), Some("ignore"));
        assert_eq!(sensitive("m4/build-to-host.m4"), Some("build"));
        assert_eq!(sensitive("CMakeLists.txt"), Some("build"));
        assert_eq!(sensitive("debian/rules"), Some("release"));
        assert_eq!(sensitive("src/main.c"), None);
        assert_eq!(sensitive("docs/workflows.md"), None);
    }

    #[test]
    fn opaque_and_code() {
        assert!(in_source_or_tests("tests/files/bad-3-corrupt_lzma2.xz"));
        assert!(!in_source_or_tests("README"));
        assert!(is_archive("tests/files/good-large_compressed.lzma"));
        assert!(is_code("src/liblzma/check/crc64_fast.c"));
        assert!(!is_code("tests/files/README"));
        assert!(is_media("src/main/resources/icon.png"));
    }
}
