//! Helpers every importer shares: advisory and weakness identifiers, severity words and
//! scores, package URLs and OSV ecosystem names, package and location builders, short messages,
//! and the blank finding importers fill in. The last checks applied to every finding are in
//! `finalize`, below the streaming plumbing that applies them.

use serde_json::Value;

use super::stream::Ctx;
use super::uri;
use crate::{FindingKind, Location, RawFinding, Severity, cvss};

/// Normalises one token to a known identifier: `CWE-79` (from `cwe-079`, `CWE-79`), `CVE-…`,
/// `GHSA-xxxx-xxxx-xxxx` (lower-case body), `RUSTSEC-…`, `PYSEC-…`, `GO-…`, `GSD-…`, `MAL-…`,
/// `OSV-…`. Anything else gives `None`.
pub(crate) fn normalize_id(token: &str) -> Option<String> {
    let t = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let upper = t.to_ascii_uppercase();
    if let Some(num) = upper.strip_prefix("CWE-") {
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = num.trim_start_matches('0').parse().ok()?;
        return Some(format!("CWE-{n}"));
    }
    if let Some(body) = upper.strip_prefix("GHSA-") {
        let groups: Vec<&str> = body.split('-').collect();
        let ok = groups.len() == 3
            && groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_alphanumeric()));
        return ok.then(|| format!("GHSA-{}", body.to_ascii_lowercase()));
    }
    for prefix in ["CVE", "RUSTSEC", "PYSEC", "GO", "GSD", "MAL", "OSV"] {
        if let Some(rest) = upper.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) {
            let (year, num) = rest.split_once('-')?;
            let min_digits = if prefix == "CVE" || prefix == "RUSTSEC" {
                4
            } else {
                1
            };
            let ok = year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && num.len() >= min_digits
                && num.bytes().all(|b| b.is_ascii_digit());
            return ok.then(|| format!("{prefix}-{year}-{num}"));
        }
    }
    None
}

/// Adds every identifier found in free text such as a tag (`external/cwe/cwe-079`,
/// `CWE-89: Improper Neutralization…`) or a rule id to `out`.
pub(crate) fn ids_in_text(text: &str, out: &mut Vec<String>) {
    for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        if token.len() >= 5
            && let Some(id) = normalize_id(token)
        {
            out.push(id);
        }
    }
}

/// An advisory id from a field that holds one (`"id": "OSV-2020-5"`): normalised when it is a
/// known kind, otherwise kept as written if it looks like an id (one word).
pub(crate) fn advisory_id(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() || t.len() > 128 || t.chars().any(char::is_whitespace) {
        return None;
    }
    Some(normalize_id(t).unwrap_or_else(|| t.to_string()))
}

/// The advisory ids among `ids` (see [`advisory_id`]), in order; `None`s and words that are not
/// ids are left out.
pub(crate) fn advisory_ids<'a>(ids: impl IntoIterator<Item = Option<&'a str>>) -> Vec<String> {
    ids.into_iter().flatten().filter_map(advisory_id).collect()
}

/// The rule of a result that names none: `unknown`, with a warning `message` about the field
/// at the current path followed by `suffix` (`.vulnerability.id`).
pub(crate) fn unknown_rule(ctx: &mut Ctx<'_>, suffix: &str, message: impl Into<String>) -> String {
    ctx.warn(ctx.path_with(suffix), message);
    "unknown".to_string()
}

/// A CWE given as a number or as text (`79`, `"CWE-79"`, `"79"`).
pub(crate) fn cwe_id(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Number(n) => n.as_u64().filter(|n| *n > 0).map(|n| format!("CWE-{n}")),
        serde_json::Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                normalize_id(&format!("CWE-{s}"))
            } else {
                let mut out = Vec::new();
                ids_in_text(s, &mut out);
                out.into_iter().find(|id| id.starts_with("CWE-"))
            }
        }
        _ => None,
    }
}

/// A severity named in words, as producers write them (`HIGH`, `Moderate`, `Negligible`,
/// `Informational`).
pub(crate) fn severity_word(word: &str) -> Option<Severity> {
    let w = word.trim().to_ascii_lowercase();
    Some(match w.as_str() {
        "critical" => Severity::Critical,
        "high" | "important" => Severity::High,
        "medium" | "moderate" => Severity::Medium,
        "low" => Severity::Low,
        "info" | "informational" | "information" | "negligible" | "none" => Severity::Info,
        "unknown" | "undefined" | "unspecified" => Severity::Unknown,
        _ => return None,
    })
}

/// A severity from a CVSS base score (`"7.5"`, `7.5`) or a CVSS v2, v3 or v4 vector.
pub(crate) fn severity_score(text: &str) -> Option<Severity> {
    let t = text.trim();
    if let Ok(score) = t.parse::<f64>() {
        return (score.is_finite() && (0.0..=10.0).contains(&score))
            .then(|| Severity::from_cvss(score));
    }
    cvss::base_score(t).map(Severity::from_cvss)
}

/// A severity from a JSON number or string holding a CVSS score or vector.
pub(crate) fn severity_from_value(value: &serde_json::Value) -> Option<Severity> {
    match value {
        serde_json::Value::Number(n) => n.as_f64().and_then(|s| severity_score(&s.to_string())),
        serde_json::Value::String(s) => severity_score(s),
        _ => None,
    }
}

/// The more severe of two optional severities; `Unknown` loses to any known one.
pub(crate) fn max_severity(a: Option<Severity>, b: Option<Severity>) -> Option<Severity> {
    match (a, b) {
        (Some(Severity::Unknown), Some(x)) | (Some(x), Some(Severity::Unknown)) => Some(x),
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A package URL, `pkg:type/namespace/name@version?qualifiers#subpath`, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Purl {
    pub(crate) ty: String,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    pub(crate) version: Option<String>,
}

/// Parses a package URL; `None` if it is not one.
pub(crate) fn parse_purl(text: &str) -> Option<Purl> {
    let t = text.trim();
    if t.len() < 4 || !t[..4].eq_ignore_ascii_case("pkg:") {
        return None;
    }
    let mut rest = t[4..].trim_start_matches('/');
    if let Some(i) = rest.find('#') {
        rest = &rest[..i];
    }
    if let Some(i) = rest.find('?') {
        rest = &rest[..i];
    }
    let (ty, path) = rest.split_once('/')?;
    if ty.is_empty() {
        return None;
    }
    let last_slash = path.rfind('/').map_or(0, |i| i + 1);
    let (path, version) = match path[last_slash..].rfind('@') {
        Some(i) => (&path[..last_slash + i], Some(&path[last_slash + i + 1..])),
        None => (path, None),
    };
    let path = path.trim_matches('/');
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, path),
    };
    if name.is_empty() {
        return None;
    }
    let decode = |s: &str| uri::percent_decode(s).unwrap_or_else(|_| s.to_string());
    Some(Purl {
        ty: ty.to_ascii_lowercase(),
        namespace: namespace
            .filter(|n| !n.is_empty())
            .map(|n| n.split('/').map(decode).collect::<Vec<_>>().join("/")),
        name: decode(name),
        version: version.filter(|v| !v.is_empty()).map(decode),
    })
}

impl Purl {
    /// The OSV ecosystem of this package (`cargo` → `crates.io`, `pypi` → `PyPI` …).
    pub(crate) fn ecosystem(&self) -> String {
        let ns = self.namespace.as_deref().unwrap_or("").to_ascii_lowercase();
        let distro = |known: &[(&str, &str)], fallback: &str| -> String {
            known
                .iter()
                .find(|(k, _)| *k == ns)
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| {
                    if ns.is_empty() {
                        fallback.to_string()
                    } else {
                        ns.clone()
                    }
                })
        };
        match self.ty.as_str() {
            "deb" => distro(&[("debian", "Debian"), ("ubuntu", "Ubuntu")], "Debian"),
            "apk" => distro(
                &[
                    ("alpine", "Alpine"),
                    ("wolfi", "Wolfi"),
                    ("chainguard", "Chainguard"),
                ],
                "Alpine",
            ),
            "rpm" => distro(
                &[
                    ("redhat", "Red Hat"),
                    ("rocky", "Rocky Linux"),
                    ("rocky-linux", "Rocky Linux"),
                    ("almalinux", "AlmaLinux"),
                    ("opensuse", "openSUSE"),
                    ("suse", "SUSE"),
                    ("mariner", "Mariner"),
                    ("azurelinux", "Azure Linux"),
                ],
                "Red Hat",
            ),
            ty => purl_type_ecosystem(ty).unwrap_or(ty).to_string(),
        }
    }

    /// The package name as OSV writes it (`group:artifact` for Maven, `@scope/name` for npm,
    /// the full module path for Go, `vendor/name` for Packagist).
    pub(crate) fn osv_name(&self) -> String {
        let Some(ns) = self.namespace.as_deref() else {
            return self.name.clone();
        };
        match self.ty.as_str() {
            "maven" => format!("{ns}:{}", self.name),
            "npm" if ns.starts_with('@') => format!("{ns}/{}", self.name),
            "npm" => format!("@{ns}/{}", self.name),
            "deb" | "apk" | "rpm" | "alpm" | "pypi" | "cargo" | "gem" | "nuget" => {
                self.name.clone()
            }
            _ => format!("{ns}/{}", self.name),
        }
    }
}

/// The ecosystem of a package: its purl's, else the OSV ecosystem `by_type` gives the
/// producer's package type (the type as written when it gives none), else empty.
pub(crate) fn package_ecosystem(
    purl: Option<&Purl>,
    ty: Option<&str>,
    by_type: fn(&str) -> Option<&'static str>,
) -> String {
    match purl {
        Some(p) => p.ecosystem(),
        None => ty
            .map(|t| {
                by_type(t)
                    .map(str::to_string)
                    .unwrap_or_else(|| t.to_string())
            })
            .unwrap_or_default(),
    }
}

/// The version of a package: the one the producer gives, else its purl's, else empty.
pub(crate) fn package_version(version: Option<String>, purl: Option<&Purl>) -> String {
    version
        .or_else(|| purl.and_then(|p| p.version.clone()))
        .unwrap_or_default()
}

/// A location that names a file but no lines (a manifest, a lockfile).
pub(crate) fn file_location(path: String) -> Location {
    Location {
        path,
        start_line: None,
        end_line: None,
    }
}

/// The OSV ecosystem of a purl type that has one fixed ecosystem.
fn purl_type_ecosystem(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "cargo" => "crates.io",
        "npm" => "npm",
        "pypi" => "PyPI",
        "golang" => "Go",
        "gem" => "RubyGems",
        "composer" => "Packagist",
        "maven" => "Maven",
        "nuget" => "NuGet",
        "hex" => "Hex",
        "pub" => "Pub",
        "swift" => "SwiftURL",
        "cocoapods" => "CocoaPods",
        "conan" => "ConanCenter",
        "cran" => "CRAN",
        "hackage" => "Hackage",
        "github" | "githubactions" => "GitHub Actions",
        "bitnami" => "Bitnami",
        _ => return None,
    })
}

/// Canonical spelling of an ecosystem name that is already an OSV name in some case
/// (`pypi` → `PyPI`); other names are kept as written.
pub(crate) fn osv_ecosystem(name: &str) -> String {
    const KNOWN: [&str; 20] = [
        "crates.io",
        "npm",
        "PyPI",
        "Go",
        "RubyGems",
        "Packagist",
        "Maven",
        "NuGet",
        "Hex",
        "Pub",
        "SwiftURL",
        "CocoaPods",
        "ConanCenter",
        "CRAN",
        "Hackage",
        "GitHub Actions",
        "Debian",
        "Ubuntu",
        "Alpine",
        "Bitnami",
    ];
    let t = name.trim();
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(t))
        .map(|k| k.to_string())
        .or_else(|| purl_type_ecosystem(&t.to_ascii_lowercase()).map(str::to_string))
        .unwrap_or_else(|| t.to_string())
}

/// The OSV ecosystem of a Trivy result `Type` (the kind of file or OS it read).
pub(crate) fn trivy_type_ecosystem(ty: &str) -> Option<&'static str> {
    Some(match ty.trim().to_ascii_lowercase().as_str() {
        "cargo" | "rust-binary" => "crates.io",
        "npm" | "yarn" | "pnpm" | "bun" | "node-pkg" | "javascript" => "npm",
        "pip" | "pipenv" | "poetry" | "uv" | "python-pkg" => "PyPI",
        "gomod" | "gobinary" => "Go",
        "bundler" | "gemspec" => "RubyGems",
        "composer" | "composer-vendor" => "Packagist",
        "pom" | "gradle" | "jar" | "sbt" => "Maven",
        "nuget" | "dotnet-core" | "packages-props" => "NuGet",
        "pub" => "Pub",
        "hex" => "Hex",
        "swift" => "SwiftURL",
        "cocoapods" => "CocoaPods",
        "conan" => "ConanCenter",
        "alpine" => "Alpine",
        "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        "wolfi" => "Wolfi",
        "chainguard" => "Chainguard",
        "redhat" => "Red Hat",
        "rocky" => "Rocky Linux",
        "alma" => "AlmaLinux",
        _ => return None,
    })
}

/// The OSV ecosystem of a Grype (Syft) package `type`.
pub(crate) fn grype_type_ecosystem(ty: &str) -> Option<&'static str> {
    Some(match ty.trim().to_ascii_lowercase().as_str() {
        "rust-crate" => "crates.io",
        "npm" => "npm",
        "python" => "PyPI",
        "go-module" => "Go",
        "gem" => "RubyGems",
        "php-composer" | "php-pecl" | "php-pear" => "Packagist",
        "java-archive" | "jenkins-plugin" => "Maven",
        "dotnet" => "NuGet",
        "dart-pub" => "Pub",
        "hex" | "erlang-otp" => "Hex",
        "swift" => "SwiftURL",
        "cocoapods" => "CocoaPods",
        "conan" => "ConanCenter",
        "github-action" | "github-action-workflow" => "GitHub Actions",
        "apk" => "Alpine",
        "deb" => "Debian",
        _ => return None,
    })
}

/// A finding of `tool` with only its rule, kind and severity set; the importer fills in the
/// rest (`RawFinding { message, .. common::finding(…) }`).
pub(crate) fn finding(
    tool: &str,
    rule: String,
    kind: FindingKind,
    severity: Severity,
) -> RawFinding {
    RawFinding {
        tool: tool.to_string(),
        tool_version: None,
        rule,
        kind,
        severity,
        message: String::new(),
        identifiers: Vec::new(),
        location: None,
        package: None,
        producer_fingerprint: None,
        revision: None,
        origin: String::new(),
        snippet: None,
        secret: None,
        suppression: None,
    }
}

/// A 1-based line number, or why the value is not one.
pub(crate) fn line_number(value: &Value) -> Result<Option<u32>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_u64() {
            Some(l) if l >= 1 => u32::try_from(l)
                .map(Some)
                .map_err(|_| format!("{l} is too large")),
            _ => Err(format!("{n} is not a line number (lines start at 1)")),
        },
        Value::String(s) => match s.trim().parse::<u32>() {
            Ok(l) if l >= 1 => Ok(Some(l)),
            _ => Err(format!("{s:?} is not a line number (lines start at 1)")),
        },
        other => Err(format!("{other} is not a line number")),
    }
}

/// The line range of a location from its start and end values. An invalid start drops both
/// lines; an invalid end, or one before the start, becomes the start; a missing end is the
/// start. Warnings name the field's JSON path: the current path followed by
/// `suffix(field name)` (built only when there is something to say).
pub(crate) fn line_range(
    ctx: &mut Ctx<'_>,
    (start, start_field): (&Value, &str),
    (end, end_field): (&Value, &str),
    suffix: &dyn Fn(&str) -> String,
) -> (Option<u32>, Option<u32>) {
    let start = match line_number(start) {
        Ok(Some(start)) => start,
        Ok(None) => return (None, None),
        Err(why) => {
            ctx.warn(
                ctx.path_with(&suffix(start_field)),
                format!("the start line {why}; the location is kept without lines"),
            );
            return (None, None);
        }
    };
    let end = match line_number(end) {
        Ok(Some(end)) if end >= start => end,
        Ok(None) => start,
        Ok(Some(end)) => {
            ctx.warn(
                ctx.path_with(&suffix(end_field)),
                format!(
                    "the end line {end} is before the start line {start}; using the start line"
                ),
            );
            start
        }
        Err(why) => {
            ctx.warn(
                ctx.path_with(&suffix(end_field)),
                format!("the end line {why}; using the start line"),
            );
            start
        }
    };
    (Some(start), Some(end))
}

/// The location of a result in the file `path` names (normalised), with its lines from the
/// start and end values (see [`line_range`]); `None`, with a warning about the field at the
/// current path followed by `path_suffix`, when the result names no file.
pub(crate) fn location(
    ctx: &mut Ctx<'_>,
    (path, path_suffix): (Option<&str>, &str),
    start: (&Value, &str),
    end: (&Value, &str),
    suffix: &dyn Fn(&str) -> String,
) -> Option<Location> {
    let Some(path) = path else {
        ctx.warn(
            ctx.path_with(path_suffix),
            "the result names no file; it is imported without a location",
        );
        return None;
    };
    let (start_line, end_line) = line_range(ctx, start, end, suffix);
    Some(Location {
        path: uri::normalize_path(path),
        start_line,
        end_line,
    })
}

/// The first line of a description, without markdown heading marks, at most `max`
/// characters (cut at a character boundary, with `…`).
pub(crate) fn short(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    truncate(line, max)
}

/// At most `max` characters of `text`, with `…` when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((i, _)) => {
            let mut s = text[..i].trim_end().to_string();
            s.push('…');
            s
        }
    }
}

/// A tool name as devspm stores it: lower case, words joined by `-`; every Semgrep edition
/// (`Semgrep OSS`, `Semgrep PRO`) is `semgrep`; Snyk Code's `SnykCode` is `snyk-code`.
pub(crate) fn tool_name(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    if lower == "semgrep" || lower.starts_with("semgrep ") {
        return "semgrep".to_string();
    }
    if lower == "snykcode" {
        return "snyk-code".to_string();
    }
    lower.split_whitespace().collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_normalised() {
        assert_eq!(normalize_id("cwe-079").as_deref(), Some("CWE-79"));
        assert_eq!(normalize_id("CWE-89:").as_deref(), Some("CWE-89"));
        assert_eq!(
            normalize_id("cve-2021-44228").as_deref(),
            Some("CVE-2021-44228")
        );
        assert_eq!(
            normalize_id("GHSA-JFH8-C2JP-5V3Q").as_deref(),
            Some("GHSA-jfh8-c2jp-5v3q")
        );
        assert_eq!(
            normalize_id("RUSTSEC-2024-0013").as_deref(),
            Some("RUSTSEC-2024-0013")
        );
        assert_eq!(
            normalize_id("PYSEC-2021-19").as_deref(),
            Some("PYSEC-2021-19")
        );
        assert_eq!(
            normalize_id("GO-2022-0493").as_deref(),
            Some("GO-2022-0493")
        );
        assert_eq!(normalize_id("go-module"), None);
        assert_eq!(normalize_id("CWE-"), None);
        assert_eq!(normalize_id("GHSA-123"), None);
        assert_eq!(normalize_id("security"), None);

        let mut out = Vec::new();
        ids_in_text("external/cwe/cwe-079", &mut out);
        ids_in_text(
            "CWE-89: Improper Neutralization of Special Elements used in an SQL Command",
            &mut out,
        );
        ids_in_text("OWASP-A03:2021 - Injection", &mut out);
        ids_in_text("CVE-2019-11358 (GHSA-6c3j-c64m-qhgq)", &mut out);
        assert_eq!(
            out,
            ["CWE-79", "CWE-89", "CVE-2019-11358", "GHSA-6c3j-c64m-qhgq"]
        );
    }

    #[test]
    fn severities_from_words_and_scores() {
        assert_eq!(severity_word("MODERATE"), Some(Severity::Medium));
        assert_eq!(severity_word("Negligible"), Some(Severity::Info));
        assert_eq!(severity_word("Informational"), Some(Severity::Info));
        assert_eq!(severity_word("error"), None);
        assert_eq!(severity_score("9.8"), Some(Severity::Critical));
        assert_eq!(severity_score("6.1"), Some(Severity::Medium));
        assert_eq!(
            severity_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
            Some(Severity::High)
        );
        assert_eq!(severity_score("11"), None);
        assert_eq!(severity_score(""), None);
        assert_eq!(
            max_severity(Some(Severity::Unknown), Some(Severity::Low)),
            Some(Severity::Low)
        );
    }

    #[test]
    fn purls_map_to_osv() {
        let p = parse_purl("pkg:cargo/h2@0.3.16").unwrap();
        assert_eq!(
            (p.ecosystem().as_str(), p.osv_name().as_str()),
            ("crates.io", "h2")
        );
        assert_eq!(p.version.as_deref(), Some("0.3.16"));
        let p = parse_purl("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(
            (p.ecosystem().as_str(), p.osv_name().as_str()),
            ("npm", "@babel/core")
        );
        let p =
            parse_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar").unwrap();
        assert_eq!(
            (p.ecosystem().as_str(), p.osv_name().as_str()),
            ("Maven", "org.apache.logging.log4j:log4j-core")
        );
        let p = parse_purl("pkg:golang/github.com/gin-gonic/gin@v1.6.0").unwrap();
        assert_eq!(
            (p.ecosystem().as_str(), p.osv_name().as_str()),
            ("Go", "github.com/gin-gonic/gin")
        );
        let p = parse_purl("pkg:pypi/django@3.2").unwrap();
        assert_eq!(p.ecosystem(), "PyPI");
        let p = parse_purl("pkg:gem/rails@6.0.0").unwrap();
        assert_eq!(p.ecosystem(), "RubyGems");
        let p = parse_purl("pkg:composer/league/flysystem").unwrap();
        assert_eq!(
            (p.ecosystem().as_str(), p.osv_name().as_str(), p.version),
            ("Packagist", "league/flysystem", None)
        );
        let p = parse_purl("pkg:deb/debian/openssl@1.1.1n-0+deb11u3?arch=amd64").unwrap();
        assert_eq!(
            (p.ecosystem().as_str(), p.osv_name().as_str()),
            ("Debian", "openssl")
        );
        assert_eq!(parse_purl("cpe:2.3:a:x"), None);
        assert_eq!(osv_ecosystem("pypi"), "PyPI");
        assert_eq!(osv_ecosystem("cargo"), "crates.io");
        assert_eq!(osv_ecosystem("Debian:12"), "Debian:12");
    }

    #[test]
    fn texts_are_shortened() {
        assert_eq!(short("\n## Impact\nmore", 80), "Impact");
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(tool_name("Semgrep OSS"), "semgrep");
        assert_eq!(tool_name("Nosey Parker"), "nosey-parker");
        assert_eq!(tool_name("SnykCode"), "snyk-code");
    }
}
