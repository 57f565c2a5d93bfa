//! The first pass over an input: recognise the format from the document's top-level shape
//! (member names and small scalar values) and collect what the second pass needs before it
//! meets the results (SARIF run metadata, CycloneDX components, Trivy targets …). Large values
//! are skipped with `IgnoredAny`, never kept, while the JSON path is still tracked so that a
//! syntax error or a truncated file is reported where it is — before any finding is emitted.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::stream::{Ctx, JsonKind, Seg, Skip, Text};
use super::{Format, ImportError, cyclonedx, grype, osv_scanner, sarif, trivy};

/// At most this many top-level member names are kept for the "unrecognised format" message.
const MAX_KEYS: usize = 16;

const NPM_EXPECTED: &str = "npm audit JSON with `auditReportVersion` 2 (npm 7 and later)";
const NPM_ADVICE: &str = "Re-run `npm audit --json` with npm 7 or later";

/// The visits of a visitor whose value is `None` for every scalar.
macro_rules! scalars_are_none {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    };
}

/// What the first pass found.
#[derive(Default)]
pub(crate) struct Survey {
    top: Option<JsonKind>,
    keys: Vec<String>,
    more_keys: bool,
    has_runs: bool,
    has_results: bool,
    has_trivy_results: bool,
    has_matches: bool,
    has_database: bool,
    has_lockfile: bool,
    has_plugins_used: bool,
    has_errors: bool,
    /// How many `errors` a Semgrep report lists.
    pub(crate) errors: u64,
    /// A log line's `logger` (TruffleHog's, when its log is mixed into its `--json` output).
    logger: Option<String>,
    has_paths: bool,
    has_source_metadata: bool,
    has_detector: bool,
    has_fixes: bool,
    has_advisories: bool,
    has_actions: bool,
    /// Snyk's project members (`packageManager`, `dependencyCount`).
    has_snyk_project: bool,
    /// SonarQube's Web API paging (`paging`, `ps`) or a sonar-report export (`sonarComponent`).
    has_sonar_paging: bool,
    issues: Option<JsonKind>,
    hotspots: Option<JsonKind>,
    /// The member names of the first element of `dependencies` (pip-audit), if an array.
    dependencies: Option<ArrayShape>,
    /// A Snyk report's manifest (`displayTargetFile`, else `targetFile`).
    snyk_target: Option<String>,
    snyk_target_file: Option<String>,
    /// The project of a sonar-report export (its components are `<project>:<path>`).
    pub(crate) sonar_component: Option<String>,
    /// A JSON Lines record's `type` (cargo-deny).
    record_type: Option<String>,
    audit_report_version: Option<String>,
    /// The top-level `version` (SARIF's schema version, Semgrep's own version).
    pub(crate) version: Option<String>,
    schema: Option<String>,
    bom_format: Option<String>,
    trivy_schema_version: Option<String>,
    vulnerabilities: Option<JsonKind>,
    /// For a top-level array: how many elements, and the member names of the first.
    array: ArrayShape,
    pub(crate) sarif: Vec<sarif::RunMeta>,
    pub(crate) osv: osv_scanner::Meta,
    pub(crate) trivy: trivy::Meta,
    pub(crate) grype: grype::Meta,
    pub(crate) cyclonedx: cyclonedx::Meta,
}

/// Runs the first pass over a whole document.
pub(crate) fn survey<'de, D: Deserializer<'de>>(
    d: D,
    ctx: &mut Ctx<'_>,
) -> Result<Survey, D::Error> {
    let mut survey = Survey::default();
    Top {
        ctx,
        survey: &mut survey,
    }
    .deserialize(d)?;
    Ok(survey)
}

struct Top<'c, 's, 'v> {
    ctx: &'c mut Ctx<'s>,
    survey: &'v mut Survey,
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.survey.top = Some(JsonKind::Bool);
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.survey.top = Some(JsonKind::Number);
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.survey.top = Some(JsonKind::Number);
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.survey.top = Some(JsonKind::Number);
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.survey.top = Some(JsonKind::String);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.survey.top = Some(JsonKind::Null);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.survey.top = Some(JsonKind::Array);
        self.survey.array = array_shape(seq, self.ctx)?;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let s = self.survey;
        s.top = Some(JsonKind::Object);
        while let Some(key) = map.next_key::<String>()? {
            self.ctx.push(Seg::Key(key.clone()));
            if s.keys.len() < MAX_KEYS {
                s.keys.push(key.clone());
            } else {
                s.more_keys = true;
            }
            let ctx = &mut *self.ctx;
            match key.as_str() {
                "version" => s.version = map.next_value::<Text>()?.owned(),
                "$schema" => s.schema = map.next_value::<Text>()?.owned(),
                "bomFormat" => s.bom_format = map.next_value::<Text>()?.owned(),
                "specVersion" => s.cyclonedx.spec_version = map.next_value::<Text>()?.owned(),
                "SchemaVersion" => s.trivy_schema_version = map.next_value::<Text>()?.owned(),
                "vulnerabilities" => {
                    s.vulnerabilities = Some(map.next_value_seed(Skip::new(ctx, 3))?);
                }
                "matches" => {
                    s.has_matches = true;
                    map.next_value_seed(Skip::new(ctx, 2))?;
                }
                "plugins_used" => {
                    s.has_plugins_used = true;
                    map.next_value_seed(Skip::new(ctx, 1))?;
                }
                "type" => s.record_type = map.next_value::<Text>()?.owned(),
                "displayTargetFile" => s.snyk_target = map.next_value::<Text>()?.owned(),
                "targetFile" => s.snyk_target_file = map.next_value::<Text>()?.owned(),
                "sonarComponent" => {
                    s.has_sonar_paging = true;
                    s.sonar_component = map.next_value::<Text>()?.owned();
                }
                "auditReportVersion" => {
                    s.audit_report_version = map.next_value::<Text>()?.owned();
                }
                "issues" => s.issues = Some(map.next_value_seed(Skip::new(ctx, 2))?),
                "hotspots" => s.hotspots = Some(map.next_value_seed(Skip::new(ctx, 2))?),
                "dependencies" => s.dependencies = map.next_value_seed(ShapeOf { ctx })?,
                "errors" => {
                    s.has_errors = true;
                    s.errors = map.next_value_seed(ShapeOf { ctx })?.map_or(0, |a| a.len);
                }
                "logger" => s.logger = map.next_value::<Text>()?.owned(),
                "paths" | "SourceMetadata" | "DetectorName" | "DetectorType" | "fixes"
                | "advisories" | "actions" | "packageManager" | "dependencyCount" | "paging"
                | "ps" => {
                    let flag = match key.as_str() {
                        "paths" => &mut s.has_paths,
                        "SourceMetadata" => &mut s.has_source_metadata,
                        "DetectorName" | "DetectorType" => &mut s.has_detector,
                        "fixes" => &mut s.has_fixes,
                        "advisories" => &mut s.has_advisories,
                        "actions" => &mut s.has_actions,
                        "packageManager" | "dependencyCount" => &mut s.has_snyk_project,
                        _ => &mut s.has_sonar_paging,
                    };
                    *flag = true;
                    map.next_value_seed(Skip::new(ctx, 2))?;
                }
                "database" | "lockfile" => {
                    s.has_database |= key == "database";
                    s.has_lockfile |= key == "lockfile";
                    map.next_value_seed(Skip::new(ctx, 1))?;
                }
                k => {
                    s.has_runs |= k == "runs";
                    s.has_results |= k == "results";
                    s.has_trivy_results |= k == "Results";
                    let handled = sarif::survey_field(&mut s.sarif, ctx, k, &mut map)?
                        || osv_scanner::survey_field(&mut s.osv, ctx, k, &mut map)?
                        || trivy::survey_field(&mut s.trivy, ctx, k, &mut map)?
                        || grype::survey_field(&mut s.grype, ctx, k, &mut map)?
                        || cyclonedx::survey_field(&mut s.cyclonedx, ctx, k, &mut map)?;
                    if !handled {
                        map.next_value_seed(Skip::new(ctx, 2))?;
                    }
                }
            }
            self.ctx.pop();
        }
        Ok(())
    }
}

/// The length of an array and the member names of its first element.
#[derive(Debug, Default)]
pub(crate) struct ArrayShape {
    pub(crate) len: u64,
    /// `None` when the first element is not an object (or there is none).
    pub(crate) first_keys: Option<Vec<String>>,
    /// The Snyk manifests of the elements that name one, by index.
    pub(crate) targets: Vec<(u64, String)>,
}

impl ArrayShape {
    /// Whether the first element is an object with all of `keys`.
    fn first_has(&self, keys: &[&str]) -> bool {
        self.first_keys
            .as_ref()
            .is_some_and(|have| keys.iter().all(|k| have.iter().any(|h| h == k)))
    }
}

/// Reads an array's [`ArrayShape`], skipping its elements with their index in the path.
fn array_shape<'de, A: SeqAccess<'de>>(
    mut seq: A,
    ctx: &mut Ctx<'_>,
) -> Result<ArrayShape, A::Error> {
    let mut shape = ArrayShape::default();
    loop {
        ctx.push(Seg::Index(shape.len));
        let seed = ElementSurvey {
            keep_keys: shape.len == 0,
        };
        let element = seq.next_element_seed(seed)?;
        ctx.pop();
        let Some(element) = element else {
            return Ok(shape);
        };
        if let Some(element) = element {
            if shape.len == 0 {
                shape.first_keys = Some(element.keys);
            }
            if let Some(target) = element.target {
                shape.targets.push((shape.len, target));
            }
        }
        shape.len += 1;
    }
}

/// The [`ArrayShape`] of a member's value; `None` (the value skipped) when it is no array.
struct ShapeOf<'c, 's> {
    ctx: &'c mut Ctx<'s>,
}

impl<'de> DeserializeSeed<'de> for ShapeOf<'_, '_> {
    type Value = Option<ArrayShape>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ShapeOf<'_, '_> {
    type Value = Option<ArrayShape>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    scalars_are_none!();
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        array_shape(seq, self.ctx).map(Some)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// What the first pass keeps of an array element that is an object.
struct Element {
    /// Its member names, for the first element only.
    keys: Vec<String>,
    /// A Snyk project's manifest (`displayTargetFile`, else `targetFile`).
    target: Option<String>,
}

/// A member name of an array element: the two a Snyk project's manifest is in, and the others,
/// allocated only when kept (most elements' names are not).
struct ElementKey {
    keep: bool,
}

impl ElementKey {
    const DISPLAY_TARGET: &str = "displayTargetFile";
    const TARGET: &str = "targetFile";
}

impl<'de> DeserializeSeed<'de> for ElementKey {
    type Value = std::borrow::Cow<'static, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for ElementKey {
    type Value = std::borrow::Cow<'static, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(match v {
            ElementKey::DISPLAY_TARGET => ElementKey::DISPLAY_TARGET.into(),
            ElementKey::TARGET => ElementKey::TARGET.into(),
            _ if self.keep => v.to_string().into(),
            _ => "".into(),
        })
    }
}

/// Reads an [`Element`] (member values skipped unless kept); `None` for a value that is not an
/// object.
struct ElementSurvey {
    keep_keys: bool,
}

impl<'de> DeserializeSeed<'de> for ElementSurvey {
    type Value = Option<Element>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElementSurvey {
    type Value = Option<Element>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    scalars_are_none!();
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut element = Element {
            keys: Vec::new(),
            target: None,
        };
        let mut target_file = None;
        let keep = |keys: &Vec<String>| self.keep_keys && keys.len() < 64;
        while let Some(key) = map.next_key_seed(ElementKey {
            keep: keep(&element.keys),
        })? {
            match key.as_ref() {
                ElementKey::DISPLAY_TARGET => {
                    element.target = map.next_value::<Text>()?.owned();
                }
                ElementKey::TARGET => target_file = map.next_value::<Text>()?.owned(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if keep(&element.keys) {
                element.keys.push(key.into_owned());
            }
        }
        element.target = element.target.or(target_file);
        Ok(Some(element))
    }
}

impl Survey {
    /// The manifest of each Snyk project that names one, by its index in a top-level array (0
    /// for a single project).
    pub(crate) fn snyk_targets(&self) -> Vec<(u64, String)> {
        match self.top {
            Some(JsonKind::Array) => self.array.targets.clone(),
            _ => self
                .snyk_target
                .clone()
                .or_else(|| self.snyk_target_file.clone())
                .map(|t| vec![(0, t)])
                .unwrap_or_default(),
        }
    }

    fn key_list(&self) -> String {
        let mut list = self
            .keys
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if self.more_keys {
            list.push_str(", …");
        }
        list
    }

    /// The format of the document, or why it is not one devspm reads.
    pub(crate) fn format(&self, file: &str) -> Result<Format, ImportError> {
        let unknown = |found: String| ImportError::UnknownFormat {
            file: file.to_string(),
            found,
        };
        match self.top {
            Some(JsonKind::Array) => {
                let array = &self.array;
                if array.len == 0 {
                    // gitleaks writes `[]` when it finds nothing.
                    return Ok(Format::Gitleaks);
                }
                match &array.first_keys {
                    Some(_) if array.first_has(&["RuleID"]) => Ok(Format::Gitleaks),
                    Some(_) if array.first_has(&["rule", "path", "secret"]) => {
                        Ok(Format::Trufflehog3)
                    }
                    // pip-audit before 2.4 wrote the dependencies as a bare array.
                    Some(_)
                        if array.first_has(&["name", "vulns"])
                            || array.first_has(&["name", "skip_reason"]) =>
                    {
                        Ok(Format::PipAudit)
                    }
                    // `snyk test --all-projects`: one report per project.
                    Some(_)
                        if array.first_has(&["vulnerabilities", "packageManager"])
                            || array.first_has(&["vulnerabilities", "dependencyCount"]) =>
                    {
                        Ok(Format::Snyk)
                    }
                    Some(keys) => Err(unknown(format!(
                        "a JSON array of objects with members {}",
                        keys.iter()
                            .take(MAX_KEYS)
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))),
                    None => Err(unknown(
                        "a JSON array whose first element is not an object".into(),
                    )),
                }
            }
            Some(JsonKind::Object) => self.object_format(file),
            Some(other) => Err(unknown(format!("the document is {}", other.name()))),
            None => Err(unknown("an empty document".into())),
        }
    }

    /// The JSON Lines format the (first) document is a record of: a cargo-deny diagnostic,
    /// log line or summary, or a TruffleHog result or log line. Further documents are read only
    /// then.
    pub(crate) fn json_lines(&self) -> Option<Format> {
        if self.top != Some(JsonKind::Object) {
            return None;
        }
        let trufflehog_log = self
            .logger
            .as_deref()
            .is_some_and(|l| l.starts_with("trufflehog"));
        if (self.has_source_metadata && self.has_detector) || trufflehog_log {
            return Some(Format::Trufflehog);
        }
        let cargo_deny = matches!(
            self.record_type.as_deref(),
            Some("diagnostic" | "log" | "summary")
        ) && self.keys.len() == 2
            && self.keys.iter().any(|k| k == "fields");
        cargo_deny.then_some(Format::CargoDeny)
    }

    fn object_format(&self, file: &str) -> Result<Format, ImportError> {
        let unsupported = |format, version: &str, json_path: &str, expected, advice| {
            ImportError::UnsupportedVersion {
                file: file.to_string(),
                format,
                version: version.to_string(),
                json_path: json_path.to_string(),
                expected,
                advice,
            }
        };
        if let Some(format) = self.json_lines() {
            return Ok(format);
        }
        if self.has_runs {
            const ADVICE: &str = "Re-run the scanner with its SARIF 2.1.0 output, or convert the \
                                  log with the SARIF Multitool (`sarif transform \
                                  --sarif-output-version Current`)";
            return match self.version.as_deref() {
                Some("2.1.0") => Ok(Format::Sarif),
                Some(v) => Err(unsupported(
                    Format::Sarif,
                    v,
                    "$.version",
                    "SARIF 2.1.0",
                    ADVICE,
                )),
                None if self.schema.as_deref().is_some_and(|s| s.contains("2.1.0")) => {
                    Ok(Format::Sarif)
                }
                None => Err(unsupported(
                    Format::Sarif,
                    "(none)",
                    "$.version",
                    "SARIF 2.1.0 (a log with `\"version\": \"2.1.0\"`)",
                    ADVICE,
                )),
            };
        }
        let cyclonedx = self
            .bom_format
            .as_deref()
            .is_some_and(|b| b.eq_ignore_ascii_case("CycloneDX"))
            || self
                .schema
                .as_deref()
                .is_some_and(|s| s.to_ascii_lowercase().contains("cyclonedx"));
        if cyclonedx {
            return Ok(Format::CycloneDx);
        }
        if self.trivy_schema_version.is_some() || self.has_trivy_results {
            return match self.trivy_schema_version.as_deref() {
                Some("2") | None => Ok(Format::Trivy),
                Some(v) => Err(unsupported(
                    Format::Trivy,
                    v,
                    "$.SchemaVersion",
                    "Trivy JSON with SchemaVersion 2 (Trivy 0.20 and later)",
                    "Re-run a current Trivy with `--format json`",
                )),
            };
        }
        if self.has_matches {
            return Ok(Format::Grype);
        }
        // Semgrep always writes `errors` and, since 0.x, `paths` beside its results.
        if self.has_results && self.osv.results_is_array && (self.has_errors || self.has_paths) {
            return Ok(Format::Semgrep);
        }
        if self.has_results && self.osv.results_is_array {
            return Ok(Format::OsvScanner);
        }
        if self.has_plugins_used && self.has_results {
            return Ok(Format::DetectSecrets);
        }
        if self.has_database && self.has_lockfile && self.vulnerabilities == Some(JsonKind::Object)
        {
            return Ok(Format::CargoAudit);
        }
        if let Some(version) = self.audit_report_version.as_deref() {
            return match version {
                "2" => Ok(Format::NpmAudit),
                v => Err(unsupported(
                    Format::NpmAudit,
                    v,
                    "$.auditReportVersion",
                    NPM_EXPECTED,
                    NPM_ADVICE,
                )),
            };
        }
        if self.has_advisories && self.has_actions {
            return Err(unsupported(
                Format::NpmAudit,
                "1 (npm 6)",
                "$.advisories",
                NPM_EXPECTED,
                NPM_ADVICE,
            ));
        }
        if let Some(deps) = &self.dependencies {
            let pip_audit = deps.first_has(&["name", "vulns"])
                || deps.first_has(&["name", "skip_reason"])
                || (deps.len == 0 && (self.has_fixes || self.keys.len() == 1));
            if pip_audit {
                return Ok(Format::PipAudit);
            }
        }
        if self.vulnerabilities == Some(JsonKind::Array) && self.has_snyk_project {
            return Ok(Format::Snyk);
        }
        if (self.issues == Some(JsonKind::Array) || self.hotspots == Some(JsonKind::Array))
            && self.has_sonar_paging
        {
            return Ok(Format::SonarQube);
        }
        Err(ImportError::UnknownFormat {
            file: file.to_string(),
            found: if self.keys.is_empty() {
                "an empty JSON object".to_string()
            } else {
                format!("a JSON object with members {}", self.key_list())
            },
        })
    }
}
