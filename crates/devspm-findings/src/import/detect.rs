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
    version: Option<String>,
    schema: Option<String>,
    bom_format: Option<String>,
    trivy_schema_version: Option<String>,
    vulnerabilities: Option<JsonKind>,
    /// For a top-level array: whether it has elements, and the member names of the first.
    array_len: u64,
    first_keys: Option<Vec<String>>,
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

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let s = self.survey;
        s.top = Some(JsonKind::Array);
        loop {
            self.ctx.push(Seg::Index(s.array_len));
            let more = if s.array_len == 0 {
                match seq.next_element_seed(FirstKeys)? {
                    Some(keys) => {
                        s.first_keys = keys;
                        true
                    }
                    None => false,
                }
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            self.ctx.pop();
            if !more {
                return Ok(());
            }
            s.array_len += 1;
        }
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

/// Reads the member names of an object (their values skipped); `None` for another value.
struct FirstKeys;

impl<'de> DeserializeSeed<'de> for FirstKeys {
    type Value = Option<Vec<String>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FirstKeys {
    type Value = Option<Vec<String>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
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
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut keys = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            if keys.len() < 64 {
                keys.push(key);
            }
        }
        Ok(Some(keys))
    }
}

impl Survey {
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
                if self.array_len == 0 {
                    // gitleaks writes `[]` when it finds nothing.
                    return Ok(Format::Gitleaks);
                }
                match &self.first_keys {
                    Some(keys) if keys.iter().any(|k| k == "RuleID") => Ok(Format::Gitleaks),
                    Some(keys)
                        if ["rule", "path", "secret"]
                            .iter()
                            .all(|k| keys.iter().any(|x| x == k)) =>
                    {
                        Ok(Format::Trufflehog3)
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
