//! The HTML report in a real browser: Debian's headless Chromium (`/usr/bin/chromium`, or
//! `$DEVSPM_CHROMIUM`) opens the report of a repository whose names, messages, paths and
//! findings carry the shared catalogue of hostile strings, takes a screenshot, and the test
//! fails on any console message — a script error, a Content-Security-Policy violation (a
//! resource the page tried to load), a parse problem. A control page that does log to the
//! console proves the check sees what Chromium reports.
//!
//! The screenshot and the page are written to `$CARGO_TARGET_TMPDIR/report-screenshot.png` and
//! `report.html` (outside the source tree) for a person to look at. Without Chromium the test says so and passes:
//! `.ci/run` installs it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::report_world::*;

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("DEVSPM_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.exists().then_some(path)
}

/// Renders `page` headless, screenshot to `png`; returns Chromium's console lines.
fn render(chromium: &Path, page: &Path, png: &Path, profile: &Path) -> Vec<String> {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1400,3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chromium failed ({}): {stderr}",
        out.status
    );
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("Refused to"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_report_renders_in_headless_chromium_without_console_errors() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "SKIPPED: no Chromium at /usr/bin/chromium (or $DEVSPM_CHROMIUM): install Debian's \
             `chromium` and `chromium-driver` (as .ci/run does) to render the report in a browser"
        );
        return;
    };
    let (sb, _repo) = hostile_world();
    let page = sb.path().join("report.html");
    sb.run(&["report", "-o", page.to_str().unwrap()])
        .assert_code(0);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);

    // The control: a page that logs and tries to load a stylesheet is caught.
    let control = sb.path().join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><script>console.error('control')</script><p>x</p>",
    )
    .unwrap();
    let profile = sb.path().join("chromium-profile");
    let control_png = sb.path().join("control.png");
    let seen = render(&chromium, &control, &control_png, &profile);
    assert!(
        !seen.is_empty(),
        "the console check saw nothing on a page that must log a CSP violation"
    );

    let kept = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::copy(&page, kept.join("report.html")).unwrap();
    let png = kept.join("report-screenshot.png");
    let _ = std::fs::remove_file(&png);
    let console = render(&chromium, &page, &png, &profile);
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );
    let bytes = std::fs::read(&png).expect("a screenshot");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // A blank 1400×3000 page compresses to a few kilobytes; the report's text does not.
    assert!(bytes.len() > 50_000, "screenshot of {} bytes", bytes.len());
    eprintln!("screenshot: {}", png.display());
}
