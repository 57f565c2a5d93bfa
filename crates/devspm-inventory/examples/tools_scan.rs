//! Prints the workstation inventory of `$HOME` (or of the directory given) as JSON, and how long
//! the scan took on stderr.
//!
//! `cargo run --release -p devspm-inventory --example tools_scan -- [HOME_DIR]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use devspm_inventory::{ScanOptions, report::count_by_kind, scan_home};

fn main() -> ExitCode {
    let Some(home) = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
    else {
        eprintln!("tools_scan: no directory given and HOME is not set");
        return ExitCode::FAILURE;
    };
    let options = ScanOptions::from_env();
    let started = Instant::now();
    let report = scan_home(&home, &options);
    let elapsed = started.elapsed();
    match serde_json::to_string_pretty(&report) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("tools_scan: cannot serialize the report: {e}");
            return ExitCode::FAILURE;
        }
    }
    eprintln!(
        "scanned {} in {:.1} ms: {} items {:?}, {} warnings",
        home.display(),
        elapsed.as_secs_f64() * 1000.0,
        report.items.len(),
        count_by_kind(&report.items),
        report.warnings.len()
    );
    ExitCode::SUCCESS
}
