//! The CLI's ends of the engine's channels: warnings on standard error (escaped, none with
//! `-q`) and a progress bar for every phase the engine reports (`devspm_engine::phase`:
//! ingest, the secret scan, dependency matching, advisory data loading, imports, attribution,
//! SZZ, evidence packs, verification), drawn by indicatif on standard error only when it is a
//! terminal and never with `-q`: a pipe or a log file gets no progress bytes.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::output::escape;

/// Standard error as the engine's diagnostics and progress receiver.
pub struct Terminal {
    quiet: bool,
    /// The current phase's bar and what it counts.
    bar: Mutex<Option<(ProgressBar, &'static str)>>,
}

impl Terminal {
    pub fn new(quiet: bool) -> Terminal {
        Terminal {
            quiet,
            bar: Mutex::new(None),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar, &'static str)) {
        if let Ok(bar) = self.bar.lock()
            && let Some((bar, unit)) = bar.as_ref()
        {
            f(bar, unit);
        }
    }
}

impl devspm_engine::Diagnostics for Terminal {
    fn warn(&self, message: String) {
        if !self.quiet {
            eprintln!("devspm: warning: {}", escape(&message));
        }
    }

    fn note(&self, message: String) {
        if !self.quiet {
            eprintln!("devspm: {}", escape(&message));
        }
    }
}

/// What the bar of a phase counts (its unit).
fn unit(phase: &str) -> &'static str {
    use devspm_engine::phase;
    match phase {
        phase::INGEST => "new commits",
        phase::SECRETS => "blobs searched for secrets",
        phase::ADVISORIES => "lockfiles matched against advisories",
        phase::ADVISORY_DATA => "advisory files read",
        phase::IMPORT => "results imported",
        phase::ATTRIBUTION => "findings attributed",
        phase::SZZ => "fixes traced",
        phase::EVIDENCE => "changes gathered",
        phase::CHAIN => "events verified",
        phase::PROJECTIONS => "events replayed",
        phase::SIGNALS => "commits judged by the signal rules",
        devspm_engine::migrate::PHASE_MIGRATE => "events copied",
        _ => "steps",
    }
}

/// A bar of `unit`s: a bar with the total and an estimate when the total is known, else a
/// counter.
fn style(unit: &str, known: bool) -> ProgressStyle {
    let template = if known {
        format!(
            "{{prefix}} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} {unit} (eta {{eta}})"
        )
    } else {
        format!("{{prefix}} [{{elapsed_precise}}] {{spinner}} {{human_pos}} {unit}")
    };
    ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Every phase gets a bar (a counter until its total is known), only on a terminal and never
/// with `-q`; indicatif draws at most 20 times a second.
impl devspm_engine::Progress for Terminal {
    fn start(&self, phase: &str, subject: &str, total: Option<u64>) {
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let unit = unit(phase);
        let bar =
            ProgressBar::with_draw_target(total, indicatif::ProgressDrawTarget::stderr_with_hz(20));
        bar.set_style(style(unit, total.is_some()));
        bar.set_prefix(escape(subject).into_owned());
        if let Ok(mut slot) = self.bar.lock()
            && let Some((old, _)) = slot.replace((bar, unit))
        {
            old.finish_and_clear();
        }
    }

    fn total(&self, total: u64) {
        self.with_bar(|bar, unit| {
            bar.set_length(total);
            bar.set_style(style(unit, true));
        });
    }

    fn at(&self, done: u64) {
        self.with_bar(|bar, _| bar.set_position(done));
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some((bar, _)) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}
