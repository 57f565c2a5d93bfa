//! Colour for the terminal: severity, status and headings, on a terminal only and never in a
//! pipe unless asked (`--color always`, `CLICOLOR_FORCE`), and never with `NO_COLOR`. The front
//! end decides once ([`set_enabled`]); renderers paint with [`paint`], which is a no-op when
//! colour is off.
//!
//! Only the Select Graphic Rendition sequences made here (`ESC [ <digits;> m`) are ever
//! written; outside text is escaped before it is painted ([`crate::terminal::escape`] turns its
//! ESC into the visible `\x1b`), and [`crate::terminal::guard_painted`] lets through exactly these
//! sequences (the front end uses it while colour is on) — nothing that moves the cursor, sets a title or links.

use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns colour on or off for the whole process (the front end's choice).
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether renderers paint.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// What a piece of text means, and so its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Critical,
    High,
    Medium,
    Low,
    /// Informational, withdrawn, not applicable.
    Quiet,
    /// Fixed, verified, passed.
    Good,
    Heading,
}

impl Style {
    fn sgr(self) -> &'static str {
        match self {
            Style::Critical => "\x1b[1;31m",
            Style::High => "\x1b[31m",
            Style::Medium => "\x1b[33m",
            Style::Low => "\x1b[36m",
            Style::Quiet => "\x1b[2m",
            Style::Good => "\x1b[32m",
            Style::Heading => "\x1b[1m",
        }
    }
}

const RESET: &str = "\x1b[0m";

/// `text` in `style` when colour is on; `text` itself otherwise. Give it escaped text.
pub fn paint(text: &str, style: Style) -> String {
    if enabled() && !text.is_empty() {
        format!("{}{text}{RESET}", style.sgr())
    } else {
        text.to_owned()
    }
}

/// The style of a severity name (`critical` … `info`).
pub fn severity(name: &str) -> Option<Style> {
    match name {
        "critical" => Some(Style::Critical),
        "high" => Some(Style::High),
        "medium" => Some(Style::Medium),
        "low" => Some(Style::Low),
        "info" | "unknown" => Some(Style::Quiet),
        _ => None,
    }
}

/// The style of a finding status as shown (`open`, `fixed`, `open (accepted-risk …)`).
pub fn status(text: &str) -> Option<Style> {
    if text.starts_with("fixed") {
        Some(Style::Good)
    } else if text.starts_with("withdrawn") || text.contains('(') {
        // Withdrawn, or set aside by a triage judgement.
        Some(Style::Quiet)
    } else {
        None
    }
}

/// Whether `text[at..]` starts with a sequence [`paint`] writes, and its length.
pub(crate) fn sgr_at(text: &str, at: usize) -> Option<usize> {
    let rest = text.get(at..)?.strip_prefix("\x1b[")?;
    let body = rest.find('m')?;
    rest[..body]
        .chars()
        .all(|c| c.is_ascii_digit() || c == ';')
        .then_some(2 + body + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paint_sequences_are_recognised() {
        assert_eq!(sgr_at("a\x1b[1;31mb", 1), Some(7));
        assert_eq!(sgr_at("\x1b[2J", 0), None);
        assert_eq!(sgr_at("\x1b]0;t\x07", 0), None);
    }
}
