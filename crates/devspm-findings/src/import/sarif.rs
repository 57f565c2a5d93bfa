//! SARIF 2.1.0 logs from any producer (CodeQL, Semgrep, Bandit, zizmor, Checkov, gitleaks,
//! Trivy, Grype, OSV-Scanner …): every `runs[].results[]` entry becomes one finding.
//!
//! A run's `tool`, `originalUriBaseIds`, `versionControlProvenance` and `artifacts` may come
//! after its `results` in key order, so they are read in the first pass (which skips results
//! without keeping them) into a [`RunMeta`] per run; the second pass streams the results one at
//! a time against it. Memory is bounded by the rule table and the artifact list of a run, not by
//! the number of results.
//!
//! Mapping:
//! - tool: `driver.name` lower-cased (`Semgrep OSS` → `semgrep`); version: `driver.version`,
//!   else `semanticVersion`.
//! - severity: `properties.security-severity` (a CVSS score) of the result, else of its rule;
//!   else the producer's own severity word in `properties` (Bandit `issue_severity`, zizmor
//!   `zizmor/severity`, a plain `severity`); else the result's `level`, else the rule's
//!   `defaultConfiguration.level` (`error` → high, `warning` → medium, `note` → low, `none` →
//!   info); else SARIF's default level, `warning` (medium), or `none` (info) for results whose
//!   `kind` is not `fail`.
//! - kind: secret for secret scanners (gitleaks, TruffleHog, detect-secrets …), config for
//!   misconfiguration scanners (zizmor, Checkov, KICS, tfsec, hadolint …), dependency for
//!   Grype/OSV-Scanner, Trivy by its rule tags (`vulnerability`, `misconfiguration`, `secret`),
//!   code otherwise.
//! - identifiers: CWE/CVE/GHSA/… ids in the rule id, in the rule's and the result's
//!   `properties.tags` (`external/cwe/cwe-079`, `CWE-89: …`) and `properties.cwe`, and CWE
//!   taxa (`rule.relationships[].target`, `result.taxa`).
//! - fingerprint: `partialFingerprints.primaryLocationLineHash`, else the first other
//!   partial fingerprint in key order, else the first of `fingerprints`, as `name:value`
//!   (gitleaks' commit metadata and Semgrep's `requires login` placeholder are not fingerprints).
//! - revision: `versionControlProvenance[0].revisionId`; for gitleaks,
//!   `partialFingerprints.commitSha` when set.
//! - location: the first location with a `physicalLocation`; `uriBaseId` resolved through
//!   `originalUriBaseIds` (following their own base ids), the URI decoded (see [`super::uri`]).
//! - snippet: `region.snippet.text`, else `contextRegion.snippet.text`; none for secrets. For
//!   gitleaks the snippet is the secret itself and goes to `secret`.
//! - results whose `kind` is `pass`/`notApplicable` and results whose `baselineState` is
//!   `absent` are not findings: they are counted in one warning per reason.
//! - results the producer suppressed (a non-empty `suppressions` with none `underReview` or
//!   `rejected`, SARIF 2.1.0 §3.35.3) are findings with [`RawFinding::suppression`] set — the
//!   first entry's `kind` and `justification` — recorded as ignored by the scanner.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess};
use serde_json::{Map, Value};

use super::common::{self, ids_in_text};
use super::stream::{
    Abort, Array, ArrayField, Ctx, Each, Fields, List, Obj, ObjectEach, Skip, SkipEach, SurveyEach,
    Text, stream_array_field,
};
use super::uri;
use crate::{FindingKind, Location, RawFinding, Severity, Suppression};

/// What the first pass learned about one run.
#[derive(Debug, Default)]
pub(crate) struct RunMeta {
    pub(crate) tool: String,
    tool_version: Option<String>,
    kind: KindPolicy,
    gitleaks: bool,
    rules: Vec<RuleInfo>,
    driver_rules: Vec<Option<usize>>,
    extension_rules: Vec<Vec<Option<usize>>>,
    by_id: HashMap<String, usize>,
    /// Each `originalUriBaseIds` entry resolved to a full base URI (its own base ids
    /// followed), or why it could not be.
    base_uris: BTreeMap<String, Result<String, String>>,
    artifacts: Vec<Option<BaseId>>,
    revision: Option<String>,
}

/// A URI and the base id it is relative to (an `originalUriBaseIds` entry or an artifact).
#[derive(Debug, Default, Clone)]
struct BaseId {
    uri: Option<String>,
    base: Option<String>,
}

/// What a result needs from its rule.
#[derive(Debug, Default)]
struct RuleInfo {
    id: String,
    name: Option<String>,
    short: Option<String>,
    level: Option<String>,
    security_severity: Option<Severity>,
    producer_severity: Option<Severity>,
    identifiers: Vec<String>,
    tags: Vec<String>,
    message_strings: BTreeMap<String, String>,
}

/// How a run's results get their [`FindingKind`].
#[derive(Debug, Default, Clone, Copy)]
enum KindPolicy {
    #[default]
    Code,
    Fixed(FindingKind),
    /// Trivy mixes vulnerabilities, misconfigurations and secrets in one run; its rules say
    /// which in their tags.
    TrivyTags,
}

const SECRET_TOOLS: [&str; 12] = [
    "gitleaks",
    "trufflehog",
    "detectsecrets",
    "ggshield",
    "gitguardian",
    "secretlint",
    "noseyparker",
    "kingfisher",
    "talisman",
    "whispers",
    "betterleaks",
    "secretscanner",
];

const CONFIG_TOOLS: [&str; 20] = [
    "zizmor",
    "checkov",
    "kics",
    "tfsec",
    "hadolint",
    "terrascan",
    "kubelinter",
    "kubescape",
    "tflint",
    "cfnlint",
    "cfnnag",
    "actionlint",
    "poutine",
    "dockle",
    "conftest",
    "defsec",
    "regula",
    "ansiblelint",
    "kubeaudit",
    "snykiac",
];

const DEPENDENCY_TOOLS: [&str; 8] = [
    "grype",
    "osvscanner",
    "dependencycheck",
    "govulncheck",
    "cargoaudit",
    "cargodeny",
    "pipaudit",
    "npmaudit",
];

impl KindPolicy {
    fn for_tool(tool: &str) -> KindPolicy {
        let squashed: String = tool
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let has = |names: &[&str]| names.iter().any(|n| squashed.contains(n));
        if squashed.starts_with("trivy") {
            KindPolicy::TrivyTags
        } else if has(&SECRET_TOOLS) {
            KindPolicy::Fixed(FindingKind::Secret)
        } else if has(&CONFIG_TOOLS) {
            KindPolicy::Fixed(FindingKind::Config)
        } else if has(&DEPENDENCY_TOOLS) {
            KindPolicy::Fixed(FindingKind::Dependency)
        } else {
            KindPolicy::Code
        }
    }

    fn kind(self, rule: Option<&RuleInfo>) -> FindingKind {
        match self {
            KindPolicy::Code => FindingKind::Code,
            KindPolicy::Fixed(kind) => kind,
            KindPolicy::TrivyTags => {
                let tags = rule.map(|r| r.tags.as_slice()).unwrap_or(&[]);
                let has = |t: &str| tags.iter().any(|x| x == t);
                if has("secret") {
                    FindingKind::Secret
                } else if has("misconfiguration") {
                    FindingKind::Config
                } else {
                    FindingKind::Dependency
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Input shapes. Every field is lenient (odd values are ignored, not fatal); members not listed
// are skipped without being kept.

#[derive(Deserialize, Default)]
#[serde(default)]
struct ToolIn {
    driver: Obj<ComponentIn>,
    extensions: List<Obj<ComponentIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ComponentIn {
    name: Text,
    version: Text,
    semantic_version: Text,
    rules: List<Obj<RuleIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RuleIn {
    id: Text,
    name: Text,
    short_description: Obj<MessageIn>,
    default_configuration: Obj<ConfigurationIn>,
    properties: Obj<Map<String, Value>>,
    message_strings: Obj<BTreeMap<String, Obj<MessageIn>>>,
    relationships: List<Obj<RelationshipIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RelationshipIn {
    target: Obj<TaxonReferenceIn>,
}

/// A reference to a taxon, e.g. a CWE entry of a `CWE` taxonomy.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct TaxonReferenceIn {
    id: Text,
    tool_component: Obj<TaxonomyNameIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TaxonomyNameIn {
    name: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfigurationIn {
    level: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessageIn {
    text: Text,
    markdown: Text,
    id: Text,
    arguments: List<Text>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct VersionControlIn {
    revision_id: Text,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ArtifactLocationIn {
    uri: Text,
    uri_base_id: Text,
    index: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArtifactIn {
    location: Obj<ArtifactLocationIn>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ResultIn {
    rule_id: Text,
    rule_index: Value,
    rule: Obj<RuleReferenceIn>,
    kind: Text,
    level: Text,
    message: Obj<MessageIn>,
    locations: List<Obj<LocationIn>>,
    partial_fingerprints: Obj<BTreeMap<String, Text>>,
    fingerprints: Obj<BTreeMap<String, Text>>,
    properties: Obj<Map<String, Value>>,
    suppressions: List<Obj<SuppressionIn>>,
    baseline_state: Text,
    taxa: List<Obj<TaxonReferenceIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RuleReferenceIn {
    id: Text,
    index: Value,
    tool_component: Obj<ToolComponentReferenceIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ToolComponentReferenceIn {
    index: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SuppressionIn {
    kind: Text,
    status: Text,
    justification: Text,
}

/// The suppression that sets a result aside, if one does. SARIF 2.1.0 §3.35.3: a suppression
/// whose `status` is `underReview` or `rejected` does not suppress the result, and any such
/// entry means the result is not (yet, or no longer) suppressed — the rule the SARIF SDK's
/// `Result.TryIsSuppressed` applies. Otherwise a non-empty array (status `accepted` or absent)
/// suppresses it; the first entry's kind and justification are kept.
fn standing_suppression(list: &List<Obj<SuppressionIn>>) -> Option<Suppression> {
    let entries: Vec<&SuppressionIn> = list.iter().filter_map(Obj::get).collect();
    let pending = entries.iter().any(|s| {
        s.status.get().is_some_and(|status| {
            status.eq_ignore_ascii_case("underReview") || status.eq_ignore_ascii_case("rejected")
        })
    });
    if pending {
        return None;
    }
    let first = entries.first()?;
    Some(Suppression {
        kind: match first.kind.get() {
            Some(k) if k.eq_ignore_ascii_case("inSource") => "inSource".to_owned(),
            Some(k) if k.eq_ignore_ascii_case("external") => "external".to_owned(),
            // An unknown or missing kind: the producer set it aside, somewhere it did not say.
            _ => "external".to_owned(),
        },
        justification: first
            .justification
            .get()
            .map(str::trim)
            .filter(|j| !j.is_empty())
            .map(str::to_owned),
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LocationIn {
    physical_location: Obj<PhysicalLocationIn>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PhysicalLocationIn {
    artifact_location: Obj<ArtifactLocationIn>,
    region: Obj<RegionIn>,
    context_region: Obj<RegionIn>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RegionIn {
    start_line: Value,
    end_line: Value,
    snippet: Obj<SnippetIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SnippetIn {
    text: Text,
}

// ---------------------------------------------------------------------------------------------
// First pass: run metadata.

/// Reads the top-level `runs` member in the first pass; `false` for other members.
pub(super) fn survey_field<'de, A: MapAccess<'de>>(
    runs: &mut Vec<RunMeta>,
    ctx: &mut Ctx<'_>,
    key: &str,
    map: &mut A,
) -> Result<bool, A::Error> {
    if key != "runs" {
        return Ok(false);
    }
    let survey = SurveyEach::new(|run: RunSurvey| runs.push(run.finish()));
    map.next_value_seed(Array::lenient(ctx, survey))?;
    Ok(true)
}

#[derive(Default)]
struct RunSurvey {
    tool: Option<ToolIn>,
    base_ids: BTreeMap<String, BaseId>,
    revision: Option<String>,
    artifacts: Vec<Option<BaseId>>,
}

impl<'s> Fields<'s> for RunSurvey {
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "tool" => self.tool = map.next_value::<Obj<ToolIn>>()?.0,
            "originalUriBaseIds" => {
                let ids = map.next_value::<Obj<BTreeMap<String, Obj<ArtifactLocationIn>>>>()?;
                self.base_ids = ids
                    .0
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, base_id(v.get()?))))
                    .collect();
            }
            "versionControlProvenance" => {
                let list = map.next_value::<List<Obj<VersionControlIn>>>()?;
                self.revision = list
                    .first()
                    .and_then(|v| v.get())
                    .and_then(|v| v.revision_id.owned());
            }
            "artifacts" => {
                let list = map.next_value::<List<Obj<ArtifactIn>>>()?;
                self.artifacts = list
                    .0
                    .into_iter()
                    .map(|a| a.0.and_then(|a| a.location.get().map(base_id)))
                    .collect();
            }
            "results" => {
                map.next_value_seed(Array::lenient(ctx, SkipEach))?;
            }
            _ => {
                map.next_value_seed(Skip::new(ctx, 2))?;
            }
        }
        Ok(())
    }
}

fn base_id(loc: &ArtifactLocationIn) -> BaseId {
    BaseId {
        uri: loc.uri.owned(),
        base: loc.uri_base_id.owned(),
    }
}

impl RunSurvey {
    fn finish(self) -> RunMeta {
        let tool_in = self.tool.unwrap_or_default();
        let driver = tool_in.driver.0.unwrap_or_default();
        let tool = driver
            .name
            .get()
            .map(common::tool_name)
            .unwrap_or_else(|| "unknown".to_string());
        let tool_version = driver.version.owned().or(driver.semantic_version.owned());
        let mut meta = RunMeta {
            kind: KindPolicy::for_tool(&tool),
            gitleaks: tool == "gitleaks",
            tool,
            tool_version,
            base_uris: resolve_base_ids(&self.base_ids),
            artifacts: self.artifacts,
            revision: self.revision,
            ..RunMeta::default()
        };
        meta.driver_rules = meta.add_rules(driver.rules);
        for ext in tool_in.extensions.0 {
            let rules = ext.0.map(|e| e.rules).unwrap_or_default();
            let indexes = meta.add_rules(rules);
            meta.extension_rules.push(indexes);
        }
        meta
    }
}

impl RunMeta {
    fn add_rules(&mut self, rules: List<Obj<RuleIn>>) -> Vec<Option<usize>> {
        rules
            .0
            .into_iter()
            .map(|r| {
                let info = rule_info(r.0?);
                let index = self.rules.len();
                if !info.id.is_empty() {
                    self.by_id.entry(info.id.clone()).or_insert(index);
                }
                self.rules.push(info);
                Some(index)
            })
            .collect()
    }

    /// The rule a result refers to: by `rule.toolComponent.index` + `rule.index`, by
    /// `ruleIndex` (checked against the id), else by id (a hierarchical id `a/b` falls back to
    /// `a`, as SARIF allows).
    fn find_rule(&self, r: &ResultIn) -> Option<&RuleInfo> {
        let reference = r.rule.get();
        let id = r.rule_id.get().or(reference.and_then(|x| x.id.get()));
        let index = r
            .rule_index
            .as_u64()
            .or(reference.and_then(|x| x.index.as_u64()));
        let component = reference
            .and_then(|x| x.tool_component.get())
            .and_then(|c| c.index.as_u64());
        if let Some(i) = index {
            let list = match component {
                Some(c) => usize::try_from(c)
                    .ok()
                    .and_then(|c| self.extension_rules.get(c)),
                None => Some(&self.driver_rules),
            };
            let found = list
                .and_then(|l| l.get(usize::try_from(i).ok()?))
                .copied()
                .flatten()
                .map(|k| &self.rules[k]);
            if let Some(rule) = found
                && id.is_none_or(|id| {
                    id == rule.id
                        || id
                            .strip_prefix(rule.id.as_str())
                            .is_some_and(|rest| rest.starts_with('/'))
                })
            {
                return Some(rule);
            }
        }
        let mut id = id?;
        loop {
            if let Some(&k) = self.by_id.get(id) {
                return Some(&self.rules[k]);
            }
            id = &id[..id.rfind('/')?];
        }
    }

    /// Resolves a URI against its base id and decodes it. Returns the path and, if the base
    /// id or the URI could not be resolved, a warning (an undecodable URI is kept as written,
    /// with separators normalised).
    fn resolve(&self, uri: &str, base: Option<&str>) -> (String, Option<String>) {
        let mut warning = None;
        let joined = match base.map(|b| (b, self.base_uris.get(b))) {
            Some((_, Some(Ok(base_uri)))) if !uri::is_absolute(uri) => uri::join(base_uri, uri),
            Some((_, Some(Err(why)))) if !uri::is_absolute(uri) => {
                warning = Some(why.clone());
                uri.to_string()
            }
            // A base id the log does not define (Semgrep's `%SRCROOT%`): the URI stays
            // relative, which is what the producer meant.
            _ => uri.to_string(),
        };
        match uri::decode(&joined) {
            Ok(path) => (path, warning),
            Err(e) => (
                uri::normalize_path(&joined),
                Some(format!("{e}; the path is kept as written")),
            ),
        }
    }
}

/// Resolves every `originalUriBaseIds` entry to a full URI, following the entries' own base
/// ids. An entry without a URI resolves to its base's URI (or to nothing, left relative); a
/// chain that loops is an error reported on the results that use it.
fn resolve_base_ids(ids: &BTreeMap<String, BaseId>) -> BTreeMap<String, Result<String, String>> {
    ids.keys()
        .map(|name| {
            let mut full = String::new();
            let mut next = Some(name.as_str());
            let mut hops = 0;
            while let Some(id) = next {
                if !full.is_empty() && uri::is_absolute(&full) {
                    break;
                }
                hops += 1;
                if hops > 16 {
                    return (
                        name.clone(),
                        Err(format!(
                            "uriBaseId `{name}` does not resolve (its originalUriBaseIds chain \
                             loops); the path is kept relative"
                        )),
                    );
                }
                let Some(entry) = ids.get(id) else { break };
                if let Some(u) = &entry.uri {
                    full = if full.is_empty() {
                        u.clone()
                    } else {
                        uri::join(u, &full)
                    };
                }
                next = entry.base.as_deref();
            }
            (name.clone(), Ok(full))
        })
        .collect()
}

fn rule_info(r: RuleIn) -> RuleInfo {
    let id = r.id.owned().unwrap_or_default();
    let props = r.properties.0.unwrap_or_default();
    let mut identifiers = Vec::new();
    ids_in_text(&id, &mut identifiers);
    properties_ids(&props, &mut identifiers);
    identifiers.extend(
        r.relationships
            .iter()
            .filter_map(|rel| taxon_id(rel.get()?.target.get()?)),
    );
    let tags = tags(&props).map(|t| t.to_ascii_lowercase()).collect();
    RuleInfo {
        name: r.name.owned(),
        short: r.short_description.get().and_then(|m| m.text.owned()),
        level: r.default_configuration.get().and_then(|c| c.level.owned()),
        security_severity: security_severity(&props),
        producer_severity: producer_severity(&props),
        identifiers,
        tags,
        message_strings: r
            .message_strings
            .0
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, m)| Some((k, m.0?.text.owned()?)))
            .collect(),
        id,
    }
}

fn tags(props: &Map<String, Value>) -> impl Iterator<Item = &str> {
    props
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// Identifiers in a property bag: `tags` and `cwe`/`cwes`/`cwe_id` (text, number or list).
fn properties_ids(props: &Map<String, Value>, out: &mut Vec<String>) {
    for tag in tags(props) {
        ids_in_text(tag, out);
    }
    for (key, value) in props {
        if !matches!(
            key.to_ascii_lowercase().as_str(),
            "cwe" | "cwes" | "cwe_id" | "cwe_ids" | "cweid" | "cweids"
        ) {
            continue;
        }
        match value {
            Value::Array(items) => out.extend(items.iter().filter_map(common::cwe_id)),
            v => out.extend(common::cwe_id(v)),
        }
    }
}

/// The identifier a taxon reference names, for the CWE taxonomy (`{"id": "79",
/// "toolComponent": {"name": "CWE"}}` → `CWE-79`); taxon ids that are already identifiers
/// (`CWE-79`) are taken from any taxonomy.
fn taxon_id(t: &TaxonReferenceIn) -> Option<String> {
    let id = t.id.get()?;
    let taxonomy = t.tool_component.get().and_then(|c| c.name.get());
    if taxonomy.is_some_and(|n| n.eq_ignore_ascii_case("CWE"))
        && id.bytes().all(|b| b.is_ascii_digit())
    {
        return common::normalize_id(&format!("CWE-{id}"));
    }
    common::normalize_id(id)
}

fn security_severity(props: &Map<String, Value>) -> Option<Severity> {
    props
        .get("security-severity")
        .and_then(common::severity_from_value)
}

/// The producer's own severity word: Bandit's `issue_severity`, zizmor's `zizmor/severity`, a
/// plain `severity`.
fn producer_severity(props: &Map<String, Value>) -> Option<Severity> {
    props.iter().find_map(|(key, value)| {
        let k = key.to_ascii_lowercase();
        if k == "severity" || k == "issue_severity" || k.ends_with("/severity") {
            common::severity_word(value.as_str()?).filter(|s| *s != Severity::Unknown)
        } else {
            None
        }
    })
}

fn level_severity(level: &str) -> Option<Severity> {
    match level.trim() {
        "error" => Some(Severity::High),
        "warning" => Some(Severity::Medium),
        "note" => Some(Severity::Low),
        "none" => Some(Severity::Info),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Second pass: results.

/// Streams the results of a SARIF log, with the run metadata of the first pass.
pub(super) fn stream<'de, D: Deserializer<'de>>(
    d: D,
    ctx: &mut Ctx<'_>,
    runs: &[RunMeta],
) -> Result<(), D::Error> {
    static EMPTY: std::sync::OnceLock<RunMeta> = std::sync::OnceLock::new();
    stream_array_field(d, ctx, "runs", || {
        ObjectEach::new(|i: usize| {
            let meta = match runs.get(i) {
                Some(meta) => meta,
                None => EMPTY.get_or_init(RunMeta::default),
            };
            ArrayField::new("results", move || {
                Each::new(move |ctx: &mut Ctx<'_>, r: ResultIn| convert(ctx, meta, r))
            })
        })
    })
}

/// Partial fingerprints that are not fingerprints: gitleaks puts commit metadata there.
const NOT_FINGERPRINTS: [&str; 5] = ["commitSha", "email", "author", "date", "commitMessage"];

/// `name:value` of the preferred fingerprint in a map (see the module documentation).
fn pick_fingerprint(map: Option<&BTreeMap<String, Text>>) -> Option<String> {
    let map = map?;
    let usable = |k: &str, v: &Text| -> Option<String> {
        let v = v.get()?.trim();
        (!NOT_FINGERPRINTS.contains(&k) && !v.eq_ignore_ascii_case("requires login"))
            .then(|| format!("{k}:{v}"))
    };
    map.get("primaryLocationLineHash")
        .and_then(|v| usable("primaryLocationLineHash", v))
        .or_else(|| map.iter().find_map(|(k, v)| usable(k, v)))
}

fn substitute(text: &str, arguments: &List<Text>) -> String {
    if arguments.is_empty() || !text.contains('{') {
        return text.to_string();
    }
    let mut out = text.to_string();
    for (i, arg) in arguments.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), arg.get().unwrap_or(""));
    }
    out
}

fn message_text(message: Option<&MessageIn>, rule: Option<&RuleInfo>) -> String {
    if let Some(m) = message {
        if let Some(text) = m.text.get().or(m.markdown.get()) {
            return substitute(text, &m.arguments);
        }
        if let Some(text) = m.id.get().and_then(|id| rule?.message_strings.get(id)) {
            return substitute(text, &m.arguments);
        }
    }
    rule.and_then(|r| r.short.clone().or(r.name.clone()))
        .unwrap_or_default()
}

/// What a result's location gave: the location, the snippet, and the text of
/// `region.snippet` alone (gitleaks puts the secret there).
#[derive(Default)]
struct Found {
    location: Option<Location>,
    snippet: Option<String>,
    region_snippet: Option<String>,
}

fn location(ctx: &mut Ctx<'_>, run: &RunMeta, r: &ResultIn) -> Found {
    let mut found = Found::default();
    if r.locations.is_empty() {
        ctx.warn(
            ctx.path_with(".locations"),
            "the result has no location; it is imported without one",
        );
        return found;
    }
    let Some((i, phys)) = r
        .locations
        .iter()
        .enumerate()
        .find_map(|(i, l)| Some((i, l.get()?.physical_location.get()?)))
    else {
        ctx.warn(
            ctx.path_with(".locations"),
            "no location of the result has a physicalLocation (a file); it is imported without \
             one",
        );
        return found;
    };
    let here = || format!(".locations[{i}].physicalLocation");
    let artifact = phys.artifact_location.get();
    let from_index = artifact
        .and_then(|a| a.index.as_u64())
        .and_then(|k| run.artifacts.get(usize::try_from(k).ok()?))
        .and_then(Option::as_ref);
    let uri = artifact
        .and_then(|a| a.uri.get())
        .map(|u| (u, artifact.and_then(|a| a.uri_base_id.get())))
        .or_else(|| {
            let a = from_index?;
            Some((a.uri.as_deref()?, a.base.as_deref()))
        });
    let Some((uri, base)) = uri else {
        ctx.warn(
            ctx.path_with(&format!("{}.artifactLocation", here())),
            "the location names no file (no artifactLocation uri); the result is imported \
             without a location",
        );
        return found;
    };
    let (path, warning) = run.resolve(uri, base);
    if let Some(w) = warning {
        ctx.warn(
            ctx.path_with(&format!("{}.artifactLocation.uri", here())),
            w,
        );
    }
    let region = phys.region.get();
    let (start_line, end_line) = match region {
        Some(region) => common::line_range(
            ctx,
            (&region.start_line, "startLine"),
            (&region.end_line, "endLine"),
            &|field| format!("{}.region.{field}", here()),
        ),
        None => (None, None),
    };
    found.region_snippet = region
        .and_then(|r| r.snippet.get())
        .and_then(|s| s.text.0.clone())
        .filter(|s| !s.is_empty());
    found.snippet = found.region_snippet.clone().or_else(|| {
        phys.context_region
            .get()
            .and_then(|r| r.snippet.get())
            .and_then(|s| s.text.0.clone())
    });
    found.location = Some(Location {
        path,
        start_line,
        end_line,
    });
    found
}

fn convert(ctx: &mut Ctx<'_>, run: &RunMeta, r: ResultIn) -> Result<(), Abort> {
    let result_kind = r.kind.get().unwrap_or("fail");
    if matches!(result_kind, "pass" | "notApplicable") {
        ctx.skip(
            "their SARIF `kind` is `pass` or `notApplicable` (checks that passed)",
            ctx.path(),
        );
        return Ok(());
    }
    let suppression = standing_suppression(&r.suppressions);
    if r.baseline_state.get() == Some("absent") {
        ctx.skip(
            "their `baselineState` is `absent` (no longer present)",
            ctx.path(),
        );
        return Ok(());
    }

    let rule = run.find_rule(&r);
    let rule_id = r
        .rule_id
        .owned()
        .or_else(|| r.rule.get().and_then(|x| x.id.owned()))
        .or_else(|| rule.map(|x| x.id.clone()).filter(|id| !id.is_empty()));
    let rule_id = match rule_id {
        Some(id) => id,
        None => {
            ctx.warn(
                ctx.path(),
                "the result names no rule (no ruleId); its rule is recorded as `unknown`",
            );
            "unknown".to_string()
        }
    };
    let kind = run.kind.kind(rule);
    let empty = Map::new();
    let props = r.properties.get().unwrap_or(&empty);

    let default_level = if result_kind == "fail" {
        Severity::Medium
    } else {
        Severity::Info
    };
    let severity = security_severity(props)
        .or(rule.and_then(|x| x.security_severity))
        .or_else(|| producer_severity(props))
        .or(rule.and_then(|x| x.producer_severity))
        .or_else(|| r.level.get().and_then(level_severity))
        .or_else(|| rule.and_then(|x| x.level.as_deref().and_then(level_severity)))
        .unwrap_or(default_level);

    let mut identifiers = rule.map(|x| x.identifiers.clone()).unwrap_or_default();
    if rule.is_none_or(|x| x.id != rule_id) {
        ids_in_text(&rule_id, &mut identifiers);
    }
    properties_ids(props, &mut identifiers);
    identifiers.extend(r.taxa.iter().filter_map(|t| taxon_id(t.get()?)));

    let found = location(ctx, run, &r);
    let message = message_text(r.message.get(), rule);
    let producer_fingerprint = pick_fingerprint(r.partial_fingerprints.get())
        .or_else(|| pick_fingerprint(r.fingerprints.get()));

    let mut revision = run.revision.clone();
    let (mut snippet, mut secret) = (found.snippet, None);
    if kind == FindingKind::Secret {
        snippet = None;
        if run.gitleaks {
            secret = found.region_snippet;
            if let Some(commit) = r
                .partial_fingerprints
                .get()
                .and_then(|m| m.get("commitSha"))
                .and_then(Text::owned)
            {
                revision = Some(commit);
            }
        }
    }

    ctx.emit(RawFinding {
        tool: run.tool.clone(),
        tool_version: run.tool_version.clone(),
        rule: rule_id,
        kind,
        severity,
        message,
        identifiers,
        location: found.location,
        package: None,
        producer_fingerprint,
        revision,
        origin: ctx.path(),
        snippet,
        secret,
        suppression,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{import_str, import_str_err};
    use crate::{FindingKind, Severity};

    #[test]
    fn base_ids_chain_and_rules_come_after_results() {
        let log = r#"{
          "runs": [{
            "results": [
              {"ruleId": "js/xss", "ruleIndex": 0,
               "rule": {"id": "js/xss", "index": 0, "toolComponent": {"index": 0}},
               "message": {"text": "XSS from [user input](1)."},
               "locations": [{"physicalLocation": {
                  "artifactLocation": {"uri": "app%20dir/index.js", "uriBaseId": "SRC"},
                  "region": {"startLine": 12, "endLine": 14,
                             "snippet": {"text": "res.send(req.query.q)"}}}}],
               "partialFingerprints": {"primaryLocationStartColumnFingerprint": "4",
                                       "primaryLocationLineHash": "8bcb4fb39fd0f32f:1"}},
              {"ruleId": "custom", "level": "note",
               "locations": [{"physicalLocation": {"artifactLocation": {"index": 1},
                  "region": {"startLine": 0}}}],
               "fingerprints": {"b": "2", "a": "1"}}
            ],
            "tool": {"driver": {"name": "CodeQL", "semanticVersion": "2.20.1"},
                     "extensions": [{"name": "codeql/javascript-queries", "rules": [
                        {"id": "js/xss", "defaultConfiguration": {"level": "error"},
                         "properties": {"tags": ["security", "external/cwe/cwe-079",
                                                 "external/cwe/cwe-116"],
                                        "security-severity": "6.1"}}]}]},
            "artifacts": [{"location": {"uri": "a.js", "uriBaseId": "SRC"}},
                          {"location": {"uri": "lib\\b.js", "uriBaseId": "SRC"}}],
            "originalUriBaseIds": {
              "SRC": {"uri": "src/", "uriBaseId": "ROOT"},
              "ROOT": {"uri": "file:///builds/acme/x/"}},
            "versionControlProvenance": [{"repositoryUri": "https://github.com/x/x",
                                          "revisionId": "0123456789abcdef0123456789abcdef01234567"}]
          }],
          "version": "2.1.0"
        }"#;
        let (findings, summary) = import_str(log);
        assert_eq!(summary.results, 2);
        let f = &findings[0];
        assert_eq!(f.tool, "codeql");
        assert_eq!(f.tool_version.as_deref(), Some("2.20.1"));
        assert_eq!(f.kind, FindingKind::Code);
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.identifiers, ["CWE-116", "CWE-79"]);
        let loc = f.location.as_ref().unwrap();
        assert_eq!(loc.path, "/builds/acme/x/src/app dir/index.js");
        assert_eq!((loc.start_line, loc.end_line), (Some(12), Some(14)));
        assert_eq!(
            f.producer_fingerprint.as_deref(),
            Some("primaryLocationLineHash:8bcb4fb39fd0f32f:1")
        );
        assert_eq!(
            f.revision.as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        assert_eq!(f.origin, "$.runs[0].results[0]");
        assert_eq!(f.snippet.as_deref(), Some("res.send(req.query.q)"));

        let g = &findings[1];
        assert_eq!(g.severity, Severity::Low);
        assert_eq!(g.message, "custom");
        let loc = g.location.as_ref().unwrap();
        assert_eq!(loc.path, "/builds/acme/x/src/lib/b.js");
        assert_eq!((loc.start_line, loc.end_line), (None, None));
        assert_eq!(g.producer_fingerprint.as_deref(), Some("a:1"));
        assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
        assert_eq!(
            summary.warnings[0].json_path,
            "$.runs[0].results[1].locations[0].physicalLocation.region.startLine"
        );
    }

    #[test]
    fn multiple_runs_missing_locations_and_skipped_results() {
        let log = r#"{"version": "2.1.0", "runs": [
          {"tool": {"driver": {"name": "Semgrep OSS", "rules": [
              {"id": "r1", "properties": {"tags": ["CWE-89: Improper Neutralization of SQL",
                                                   "OWASP-A03:2021 - Injection"]}}]}},
           "results": [{"ruleId": "r1", "message": {"text": "sql"}},
                       {"ruleId": "r1", "kind": "pass", "message": {"text": "ok"}},
                       {"ruleId": "r1", "message": {"text": "nosem"},
                        "suppressions": [{"kind": "inSource"}]}]},
          {"tool": {"driver": {"name": "zizmor", "version": "1.0.0"}},
           "results": [{"ruleId": "zizmor/x", "message": {"text": "bad {0} in {1}"},
                        "properties": {"zizmor/severity": "Informational"},
                        "level": "note",
                        "locations": [{"physicalLocation": {"artifactLocation": {
                          "uri": "file:///C:/build/.github/workflows/ci.yml"},
                          "region": {"startLine": 3, "endLine": 1}}}]}]},
          {"tool": {"driver": {"name": "empty"}}, "results": null}
        ]}"#;
        let (findings, summary) = import_str(log);
        assert_eq!(findings.len(), 3);
        assert_eq!(findings[0].tool, "semgrep");
        assert_eq!(findings[0].identifiers, ["CWE-89"]);
        assert_eq!(findings[0].severity, Severity::Medium);
        assert!(findings[0].location.is_none());
        assert_eq!(findings[0].suppression, None);
        assert_eq!(findings[1].origin, "$.runs[0].results[2]");
        assert_eq!(
            findings[1].suppression.as_ref().map(|s| s.kind.as_str()),
            Some("inSource")
        );
        assert_eq!(findings[2].kind, FindingKind::Config);
        assert_eq!(findings[2].severity, Severity::Info);
        assert_eq!(findings[2].origin, "$.runs[1].results[0]");
        let loc = findings[2].location.as_ref().unwrap();
        assert_eq!(loc.path, "C:/build/.github/workflows/ci.yml");
        assert_eq!((loc.start_line, loc.end_line), (Some(3), Some(3)));
        let paths: Vec<&str> = summary
            .warnings
            .iter()
            .map(|w| w.json_path.as_str())
            .collect();
        assert!(
            paths.contains(&"$.runs[0].results[0].locations"),
            "{paths:?}"
        );
        assert!(paths.contains(&"$.runs[0].results[1]"), "{paths:?}");
        assert!(!paths.contains(&"$.runs[0].results[2]"), "{paths:?}");
    }

    #[test]
    fn only_suppressions_that_stand_set_a_result_aside() {
        // SARIF 2.1.0 §3.35.3: `underReview` and `rejected` do not suppress, and outvote an
        // `accepted` entry beside them; an absent status counts as accepted.
        let log = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "CodeQL"}},
          "results": [
            {"ruleId": "a", "message": {"text": "m"}, "suppressions": [
              {"kind": "external", "status": "accepted", "justification": " used only in tests "}]},
            {"ruleId": "b", "message": {"text": "m"}, "suppressions": [
              {"kind": "inSource", "status": "underReview"}]},
            {"ruleId": "c", "message": {"text": "m"}, "suppressions": [
              {"kind": "external", "status": "rejected"}, {"kind": "inSource"}]},
            {"ruleId": "d", "message": {"text": "m"}, "suppressions": [{"kind": "inSource"}]},
            {"ruleId": "e", "message": {"text": "m"}, "suppressions": []}]}]}"#;
        let (findings, summary) = import_str(log);
        type Kept<'a> = Option<(&'a str, Option<&'a str>)>;
        let got: Vec<(&str, Kept<'_>)> = findings
            .iter()
            .map(|f| {
                (
                    f.rule.as_str(),
                    f.suppression
                        .as_ref()
                        .map(|s| (s.kind.as_str(), s.justification.as_deref())),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a", Some(("external", Some("used only in tests")))),
                ("b", None),
                ("c", None),
                ("d", Some(("inSource", None))),
                ("e", None),
            ]
        );
        assert!(
            summary
                .warnings
                .iter()
                .all(|w| !w.message.contains("suppress"))
        );
    }

    #[test]
    fn trivy_sarif_kinds_come_from_rule_tags_and_bad_escapes_warn() {
        let log = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Trivy",
            "rules": [{"id": "CVE-2019-1549", "properties": {"tags": ["vulnerability", "MEDIUM"]}},
                      {"id": "DS002", "properties": {"tags": ["misconfiguration", "HIGH"]}}]}},
          "originalUriBaseIds": {"ROOTPATH": {"uri": "file:///"}},
          "results": [
            {"ruleId": "CVE-2019-1549", "ruleIndex": 0, "level": "warning",
             "message": {"text": "Package: libcrypto1.1"},
             "locations": [{"physicalLocation": {"artifactLocation": {
                "uri": "alpine-310.tar.gz", "uriBaseId": "ROOTPATH"}}}]},
            {"ruleId": "DS002", "ruleIndex": 1, "level": "error",
             "message": {"text": "root user"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "100%.Dockerfile"}}}]}
          ]}]}"#;
        let (findings, summary) = import_str(log);
        assert_eq!(findings[0].kind, FindingKind::Dependency);
        assert_eq!(findings[0].identifiers, ["CVE-2019-1549"]);
        assert_eq!(
            findings[0].location.as_ref().unwrap().path,
            "/alpine-310.tar.gz"
        );
        assert_eq!(findings[1].kind, FindingKind::Config);
        assert_eq!(findings[1].severity, Severity::High);
        assert_eq!(
            findings[1].location.as_ref().unwrap().path,
            "100%.Dockerfile"
        );
        assert_eq!(summary.warnings.len(), 1);
        assert!(
            summary.warnings[0]
                .message
                .contains("invalid percent-escape"),
            "{:?}",
            summary.warnings
        );
    }

    #[test]
    fn gitleaks_history_results_and_cwe_taxa() {
        let log = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "gitleaks",
            "semanticVersion": "v8.0.0", "rules": [{"id": "aws-access-token",
              "relationships": [{"target": {"id": "798", "toolComponent": {"name": "CWE"}}}]}]}},
          "results": [{"ruleId": "aws-access-token",
            "message": {"text": "aws-access-token has detected secret for file a.env."},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.env"},
              "region": {"startLine": 1, "snippet": {"text": "AKIAQYLPMN5HFIQR7XYB"}}}}],
            "partialFingerprints": {"commitSha": "d1c8a2f0e6c3b5a7d9e1f2a3b4c5d6e7f8091a2b",
              "email": "dev@example.com", "author": "Dev", "date": "2024-01-01T00:00:00Z",
              "commitMessage": "add AKIAQYLPMN5HFIQR7XYB by mistake"},
            "taxa": [{"id": "CWE-312"}]}]}]}"#;
        let (findings, _) = import_str(log);
        let f = &findings[0];
        assert_eq!(f.kind, FindingKind::Secret);
        assert_eq!(f.secret.as_deref(), Some("AKIAQYLPMN5HFIQR7XYB"));
        assert_eq!(f.snippet, None);
        assert_eq!(f.identifiers, ["CWE-312", "CWE-798"]);
        assert_eq!(
            f.revision.as_deref(),
            Some("d1c8a2f0e6c3b5a7d9e1f2a3b4c5d6e7f8091a2b")
        );
        assert_eq!(f.producer_fingerprint, None);
        let json = serde_json::to_string(f).unwrap();
        assert!(
            !json.contains("AKIA") && !json.contains("dev@example.com"),
            "{json}"
        );
    }

    #[test]
    fn versions_other_than_2_1_0_are_refused() {
        let err = import_str_err(r#"{"version": "2.0.0", "runs": []}"#);
        let text = err.to_string();
        assert!(
            text.contains("2.0.0") && text.contains("SARIF 2.1.0"),
            "{text}"
        );
        let err = import_str_err(r#"{"runs": []}"#);
        assert!(err.to_string().contains("version"), "{err}");
    }
}
