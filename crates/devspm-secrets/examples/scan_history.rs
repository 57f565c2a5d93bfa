//! Drives the secret scanner from the command line, for benchmarks and manual checks.
//!
//! ```text
//! scan_history <repo> [--threads N] [--rev REV]... [--known FILE] [--save-known FILE] [--findings]
//! scan_history --dir <path> [--threads N] [--findings]
//! scan_history --staged <repo> [--findings]
//! ```
//!
//! Prints one JSON object (counters, timing, and with `--findings` the findings) on stdout and a
//! one-line summary with MB/s on stderr. The hash key comes from `DEVSPM_SECRETS_KEY` (64 hex
//! digits) or is all zeros: fine for a benchmark, never for a real ledger.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use devspm_secrets::{
    DirOptions, HashKey, HistoryOptions, Scanner, scan_dir, scan_history, scan_staged,
};

struct Args {
    target: PathBuf,
    dir: bool,
    staged: bool,
    threads: Option<usize>,
    revs: Vec<String>,
    known: Option<PathBuf>,
    save_known: Option<PathBuf>,
    findings: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut target = None;
    let mut parsed = Args {
        target: PathBuf::new(),
        dir: false,
        staged: false,
        threads: None,
        revs: Vec::new(),
        known: None,
        save_known: None,
        findings: false,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--dir" => parsed.dir = true,
            "--staged" => parsed.staged = true,
            "--findings" => parsed.findings = true,
            "--threads" => {
                parsed.threads = Some(
                    value("--threads")?
                        .parse()
                        .map_err(|e| format!("--threads: {e}"))?,
                )
            }
            "--rev" => parsed.revs.push(value("--rev")?),
            "--known" => parsed.known = Some(value("--known")?.into()),
            "--save-known" => parsed.save_known = Some(value("--save-known")?.into()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other => target = Some(PathBuf::from(other)),
        }
    }
    parsed.target = target.ok_or("usage: scan_history [--dir] <path> [options]")?;
    Ok(parsed)
}

fn key() -> Result<HashKey, String> {
    let Ok(hex) = std::env::var("DEVSPM_SECRETS_KEY") else {
        return Ok(HashKey::default());
    };
    let mut key = [0u8; 32];
    if hex.len() != 64 {
        return Err("DEVSPM_SECRETS_KEY must be 64 hex digits".into());
    }
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|e| format!("DEVSPM_SECRETS_KEY: {e}"))?;
    }
    Ok(HashKey(key))
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let scanner = Scanner::builtin().map_err(|e| e.to_string())?;
    let hash_key = key()?;
    let default_threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let threads = args.threads.unwrap_or(default_threads);
    if args.staged {
        let scan = scan_staged(&args.target, &scanner, &hash_key).map_err(|e| e.to_string())?;
        eprintln!(
            "devspm-staged changed_files={} findings={} seconds={:.4}",
            scan.changed_files,
            scan.findings.len(),
            scan.elapsed_seconds
        );
        println!(
            "{}",
            serde_json::to_string(&scan).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    if args.dir {
        let scan = scan_dir(&scanner, &args.target, &DirOptions { threads, hash_key })
            .map_err(|e| e.to_string())?;
        let mb = scan.bytes_scanned as f64 / 1e6;
        eprintln!(
            "devspm-dir files={} findings={} text_MB={mb:.1} seconds={:.3} MB/s={:.1}",
            scan.files,
            scan.findings.len(),
            scan.elapsed_seconds,
            mb / scan.elapsed_seconds.max(1e-9)
        );
        let mut value = serde_json::to_value(&scan).map_err(|e| e.to_string())?;
        if !args.findings
            && let Some(obj) = value.as_object_mut()
        {
            obj.insert("findings".into(), scan.findings.len().into());
        }
        println!("{value}");
        return Ok(());
    }
    let known: HashSet<String> = match &args.known {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .lines()
            .map(str::to_owned)
            .collect(),
        None => HashSet::new(),
    };
    let options = HistoryOptions {
        tips: args.revs.clone(),
        threads,
        known_blobs: known,
        hash_key,
        ..HistoryOptions::default()
    };
    let scan = scan_history(&args.target, &scanner, &options).map_err(|e| e.to_string())?;
    if let Some(path) = &args.save_known {
        std::fs::write(path, scan.scanned_blobs.join("\n")).map_err(|e| e.to_string())?;
    }
    let s = &scan.stats;
    let read = s.bytes_read as f64 / 1e6;
    eprintln!(
        "devspm-history commits={} unique_blobs={} scanned_blobs={} findings={} read_MB={read:.1} text_MB={:.1} seconds={:.3} MB/s={:.1}",
        s.commits,
        s.unique_blobs,
        scan.scanned_blobs.len(),
        scan.findings.len(),
        s.bytes_scanned as f64 / 1e6,
        scan.elapsed_seconds,
        read / scan.elapsed_seconds.max(1e-9)
    );
    let mut value = serde_json::to_value(&scan).map_err(|e| e.to_string())?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("scanned_blobs".into(), scan.scanned_blobs.len().into());
        if !args.findings {
            obj.insert("findings".into(), scan.findings.len().into());
        }
    }
    println!("{value}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scan_history: {e}");
            ExitCode::FAILURE
        }
    }
}
