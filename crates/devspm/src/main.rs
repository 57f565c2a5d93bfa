//! The `devspm` binary: parse the command line, resolve settings, call the crates, and map
//! every failure to one clear sentence and an exit status a CI job can gate on.
//!
//! Exit status: 0 success, 1 error, 2 usage error (clap), 3 ledger verification failed, 4
//! findings at or above `--fail-on`.

mod cli;
mod commands;
mod output;
mod settings;

use clap::Parser;

// mimalloc instead of the system allocator: ingest allocates and frees blob and event buffers
// on four threads at once. Measured (release, 2 cores): git/git ingest 20.7 s -> 19.3 s, the
// synthetic 50,000-commit repository 4.2 s -> 3.0 s, at a higher peak RSS on git/git
// (623 -> 719 MB, half of it the memory-mapped pack) and a lower one on the synthetic.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `arena_eager_commit` and `purge_delay` options (the same numbers in its v2 and
/// v3 headers, `mi_option_e`).
const MI_OPTION_ARENA_EAGER_COMMIT: i32 = 4;
const MI_OPTION_PURGE_DELAY: i32 = 15;

/// Makes mimalloc commit arena memory on demand and hand freed memory back to the OS after
/// 10 ms. By default it commits whole arenas eagerly and keeps freed pages longer; during an
/// ingest that churns through blob buffers on four threads that kept ~70 MB more resident on
/// git/git (peak RSS 417 → 333 MB) for no measurable speed gain. Purging at once (delay 0)
/// instead of after 10 ms made the kernel zero ~9 GB of re-faulted pages per git/git ingest:
/// 1 s more system time for the same peak RSS (371 MB both, measured at stop 11). Transparent
/// huge pages are off: a purged 2 MiB huge page came back as a fresh zeroed 2 MiB page for the
/// next small allocation in it, which cost peak RSS (git/git 376–381 → 344–347 MB) and system
/// time for no speed gain.
fn tune_allocator() {
    // SAFETY: `mi_option_set` stores an option value in mimalloc's option table; it is called
    // first thing in `main`, before any other thread exists. `prctl(PR_SET_THP_DISABLE)` only
    // sets a flag on this process's memory map.
    unsafe {
        // mimalloc has already reserved (and advised for huge pages) its first arena when
        // `main` runs, so its own `allow_thp` option would come too late: the process opts out.
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10);
    }
}

/// The exit status of a run that found the ledger tampered with.
pub const EXIT_VERIFY_FAILED: i32 = 3;

/// The exit status of `devspm findings --fail-on` when a finding meets the threshold.
pub const EXIT_FINDINGS: i32 = 4;

fn main() {
    tune_allocator();
    let cli = cli::Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("devspm: error: {}", describe(&error));
            1
        }
    };
    std::process::exit(code);
}

fn run(cli: cli::Cli) -> anyhow::Result<i32> {
    let csv_ok = matches!(
        cli.command,
        cli::Command::Ai(_)
            | cli::Command::Findings(_)
            | cli::Command::Audit(cli::AuditCommand::Export { .. })
    );
    let markdown_ok = matches!(cli.command, cli::Command::Ai(_));
    let sarif_ok = matches!(cli.command, cli::Command::Ci(_));
    if (cli.global.format == cli::Format::Csv && !csv_ok)
        || (cli.global.format == cli::Format::Markdown && !markdown_ok)
        || (cli.global.format == cli::Format::Sarif && !sarif_ok)
    {
        anyhow::bail!(
            "--format csv is available for `devspm ai`, `devspm findings` and `devspm audit export`, --format markdown for `devspm ai`, --format sarif for `devspm ci audit` (findings: `devspm export sarif`); use table or json here"
        );
    }
    let settings = settings::Settings::resolve(&cli.global)?;
    let global = &cli.global;
    if global.verbose > 0 {
        eprintln!(
            "devspm: database {}; configuration {}",
            settings.db_path.display(),
            settings.config_path.as_ref().map_or_else(
                || "none (built-in defaults)".to_owned(),
                |p| p.display().to_string()
            )
        );
    }
    match cli.command {
        cli::Command::Scan(args) => commands::scan::scan(&settings, global, &args),
        cli::Command::Ingest(cli::IngestCommand::Git(args)) => {
            commands::scan::ingest_git(&settings, global, &args)
        }
        cli::Command::Identities(args) => commands::identities::run(&settings, global, args),
        cli::Command::Ai(args) => commands::ai::run(&settings, global, &args),
        cli::Command::Import(args) => commands::import::run(&settings, global, &args),
        cli::Command::Findings(args) => commands::findings::run(&settings, global, &args),
        cli::Command::Attribute(args) => commands::szz::run(&settings, global, &args),
        cli::Command::Export(command) => commands::findings::export(&settings, global, command),
        cli::Command::Audit(command) => commands::audit::run(&settings, global, command),
        cli::Command::Rebuild => commands::audit::rebuild(&settings, global),
        cli::Command::Ci(cli::CiCommand::Audit(args)) => {
            commands::ci::audit(&settings, global, &args)
        }
        cli::Command::Tools(cli::ToolsCommand::Scan(args)) => {
            commands::tools::scan(&settings, global, &args)
        }
        cli::Command::Tools(cli::ToolsCommand::List(args)) => {
            commands::tools::list(&settings, global, &args)
        }
        cli::Command::Policy(cli::PolicyCommand::Check(args)) => {
            commands::policy::check(&settings, global, &args)
        }
        cli::Command::Advisories(cli::AdvisoriesCommand::Import(args)) => {
            commands::advisories::check_paths(&args.paths)?;
            commands::advisories::import(&settings, global, &args)
        }
        cli::Command::Advisories(cli::AdvisoriesCommand::Status) => {
            commands::advisories::status(&settings, global)
        }
        cli::Command::Hook(cli::HookCommand::Install(args)) => {
            commands::hook::install(&settings, global, &args)
        }
        cli::Command::SecretKey(command) => commands::secret_key::run(&settings, global, command),
        cli::Command::Hook(cli::HookCommand::Run(args)) => {
            commands::hook::run(&settings, global, &args)
        }
    }
}

/// The error and its causes as one line, without repeating a cause already in the message.
fn describe(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}
