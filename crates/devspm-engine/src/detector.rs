//! The built-in detectors, behind one trait, and the one loop that runs them in a scan.
//!
//! A detector reads a repository (at HEAD, or its history) and records what it finds as
//! findings of its own producer (`devspm-secrets`, `devspm-advisories`), attributed like a
//! scanner's. What it did in one scan is a [`Detected`]: its own figures, which the scan's JSON
//! shows under its name (`detectors.secrets`), one line for the text summary, and its
//! warnings. The scan lists the detectors in one place (`scan::detectors` — a module cannot
//! register itself without a circle between it and this one), so adding a detector is one
//! module implementing [`Detector`] and one line there, as adding a CI rule is one file and one
//! line in `devspm_governance::ci::rules`.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::value::RawValue;

use crate::{Context, EngineError};

/// A built-in detector.
pub trait Detector<S> {
    /// Its name: its key in the scan's JSON (`detectors.<name>`) and its label in the text.
    fn name(&self) -> &'static str;

    /// Runs over `repo` and records its findings; what it did.
    fn detect(
        &self,
        ctx: &Context<'_>,
        store: &mut S,
        repo: &devspm_git::Repo,
    ) -> Result<Detected, EngineError>;
}

/// What a detector did in one scan.
#[derive(Debug)]
pub struct Detected {
    /// Its own figures, as the scan's JSON shows them under its name.
    pub figures: Box<RawValue>,
    /// What it did, in one line for the text summary (numbers and fixed words only).
    pub line: String,
    /// Set when it had nothing to work with: how to give it something (the scan's JSON shows
    /// it as `<name>_hint`, and the text line says it).
    pub hint: Option<&'static str>,
    /// What it could not read or use (they name repository files: escape them to show them).
    pub warnings: Vec<String>,
}

impl Detected {
    /// What a detector did: its figures (a plain `Serialize` struct of numbers and strings,
    /// kept as its JSON), its line and its warnings.
    pub fn new(figures: &impl Serialize, line: String, warnings: Vec<String>) -> Detected {
        Detected {
            // Only a map with keys that are not strings, or a `Serialize` impl that fails on
            // purpose, can fail here: a detector's figures are neither.
            figures: serde_json::value::to_raw_value(figures)
                .expect("a detector's figures serialise to JSON"),
            line,
            hint: None,
            warnings,
        }
    }
}

/// What the detectors did in one scan, in the order they ran. In JSON: an object with each
/// detector's figures under its name, then `<name>_hint` for each that had nothing to work
/// with.
#[derive(Debug, Default)]
pub struct DetectorsSection {
    pub runs: Vec<(&'static str, Detected)>,
}

impl Serialize for DetectorsSection {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        let hints = self.runs.iter().filter(|(_, d)| d.hint.is_some()).count();
        let mut map = serializer.serialize_map(Some(self.runs.len() + hints))?;
        for (name, detected) in &self.runs {
            map.serialize_entry(name, &detected.figures)?;
        }
        for (name, detected) in &self.runs {
            if let Some(hint) = detected.hint {
                map.serialize_entry(&format!("{name}_hint"), hint)?;
            }
        }
        map.end()
    }
}

/// Runs `detectors` over `repo` in order, stopping between them when the interrupt flag is
/// raised.
pub fn run_all<S>(
    ctx: &Context<'_>,
    store: &mut S,
    repo: &devspm_git::Repo,
    detectors: &[&dyn Detector<S>],
) -> Result<DetectorsSection, EngineError> {
    let mut section = DetectorsSection::default();
    for detector in detectors {
        ctx.interrupt.check()?;
        let detected = detector.detect(ctx, store, repo)?;
        section.runs.push((detector.name(), detected));
    }
    Ok(section)
}
