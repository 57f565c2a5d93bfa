//! The CLI's ends of the engine's channels: warnings on standard error (escaped, none with
//! `-q`) and a progress bar for ingest on a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::output::escape;

/// Standard error as the engine's diagnostics and progress receiver.
pub struct Terminal {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Terminal {
    pub fn new(quiet: bool) -> Terminal {
        Terminal {
            quiet,
            bar: Mutex::new(None),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(bar) = self.bar.lock()
            && let Some(bar) = bar.as_ref()
        {
            f(bar);
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

/// Ingest (new commits read) and `migrate` (events copied) show a bar, only on a terminal and
/// never with `-q`.
impl devspm_engine::Progress for Terminal {
    fn start(&self, phase: &str, subject: &str, total: Option<u64>) {
        let unit = match phase {
            "ingest" => "new commits",
            devspm_engine::migrate::PHASE_MIGRATE => "events copied",
            _ => return,
        };
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::new(total.unwrap_or(0));
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{prefix}} [{{elapsed_precise}}] {{wide_bar}} {{human_pos}}/{{human_len}} {unit} (eta {{eta}})"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(escape(subject).into_owned());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn total(&self, total: u64) {
        self.with_bar(|bar| bar.set_length(total));
    }

    fn at(&self, done: u64) {
        self.with_bar(|bar| bar.set_position(done));
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}
