//! The `devspm` binary: parse the command line, resolve settings, call the crates, and map
//! every failure to one clear sentence and an exit status a CI job can gate on.
//!
//! Exit status: 0 success, 1 error, 2 usage error (clap), 3 ledger verification failed, 4
//! findings at or above `--fail-on`, 130 interrupted (Ctrl-C or SIGTERM; what was recorded is
//! kept).

mod channels;
mod commands;
mod formats;
mod output;
mod settings;

use clap::Parser;
/// The command line's vocabulary (`devspm-cli`), as `crate::cli`.
use devspm_cli as cli;

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

/// A write past the file-size limit (`ulimit -f`) raises SIGXFSZ, whose default action kills
/// the process without a word. Ignored, the write fails with EFBIG instead, which the ledger
/// reports as one sentence (the transaction in progress rolls back; nothing is lost).
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN, before any other thread exists.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// The exit status of a command line that asks for something the command cannot do (as clap's
/// own usage errors).
pub const EXIT_USAGE: i32 = 2;

/// A command line that asks for something the command cannot do: exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The exit status of a run that found the ledger tampered with.
pub const EXIT_VERIFY_FAILED: i32 = 3;

/// The exit status of `devspm findings --fail-on` when a finding meets the threshold.
pub const EXIT_FINDINGS: i32 = 4;

/// The exit status of a run stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Ctrl-C (SIGINT) and SIGTERM raise the engine's interrupt flag: a long run stops at its next
/// step with what it recorded committed, and says so. A second signal while the first is being
/// honoured ends the process at once (the default action): the ledger's transactions keep it
/// consistent either way, and the next run goes on from its last commit.
fn watch_interrupts(interrupt: &devspm_engine::Interrupt) -> anyhow::Result<()> {
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let flag = interrupt.flag();
        // The conditional default goes first: on the second signal the flag is already set.
        signal_hook::flag::register_conditional_default(signal, std::sync::Arc::clone(&flag))?;
        signal_hook::flag::register(signal, flag)?;
    }
    Ok(())
}

/// Whether a run failed because it was interrupted.
fn interrupted(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<devspm_engine::EngineError>(),
            Some(devspm_engine::EngineError::Interrupted)
        )
    })
}

fn main() {
    tune_allocator();
    ignore_file_size_signal();
    let cli = cli::Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(error) => {
            // Errors name paths, repositories, identities and tool names: outside text.
            eprintln!("devspm: error: {}", output::escape(&describe(&error)));
            if interrupted(&error) {
                EXIT_INTERRUPTED
            } else if error.downcast_ref::<UsageError>().is_some() {
                EXIT_USAGE
            } else {
                1
            }
        }
    };
    std::process::exit(code);
}

fn run(cli: cli::Cli) -> anyhow::Result<i32> {
    formats::check(&cli.command, cli.global.format)?;
    devspm_report::style::set_enabled(
        output::colour_wanted(cli.global.color) && matches!(cli.global.format, cli::Format::Table),
    );
    // About devspm itself: no database or configuration needed.
    match &cli.command {
        cli::Command::Completions { shell } => return commands::meta::completions(*shell),
        cli::Command::Man { out } => return commands::meta::man(out),
        _ => {}
    }
    let settings = settings::Settings::resolve(&cli.global)?;
    watch_interrupts(&settings.interrupt)?;
    let global = &cli.global;
    if global.verbose > 0 {
        eprintln!(
            "devspm: database {}; configuration {}",
            output::escape(&devspm_engine::store::shown(
                &settings.db_path.display().to_string()
            )),
            settings.config_path.as_ref().map_or_else(
                || "none (built-in defaults)".to_owned(),
                |p| output::escape(&format!(
                    "{} (from {})",
                    p.display(),
                    settings.config_source
                ))
                .into_owned()
            )
        );
    }
    if global.verbose > 1 {
        eprintln!(
            "devspm: devspm {}; writer lock {}; secret-hashing key {}; {} thread(s) available",
            env!("CARGO_PKG_VERSION"),
            output::escape(&devspm_engine::store::shown(
                &devspm_engine::store::lock_path(&settings.db_path)
                    .display()
                    .to_string()
            )),
            match &settings.secret_key_source {
                Some(settings::SecretKeySource::File(p)) =>
                    output::escape(&format!("from the file {}", p.display())).into_owned(),
                Some(settings::SecretKeySource::Environment) =>
                    "from $DEVSPM_SECRET_KEY".to_owned(),
                None => "kept in the database".to_owned(),
            },
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
    }
    // A configuration in the current directory used to be read; it no longer is (it may be a
    // scanned repository's). Said once per run, unless the operator chose a file or -q.
    if let Some(local) = &settings.ignored_local_config
        && global.config.is_none()
        && !global.quiet
    {
        eprintln!(
            "devspm: note: ./{} is not read: identities, agents, teams and policy come only from --config, $DEVSPM_CONFIG or {}; pass --config ./{} if you trust it",
            local.display(),
            settings::user_config_location().map_or_else(
                || "$XDG_CONFIG_HOME/devspm/devspm.toml".to_owned(),
                |p| p.display().to_string()
            ),
            local.display()
        );
    }
    let started = std::time::Instant::now();
    let verbose = global.verbose;
    let result = dispatch(cli.command, &settings, global);
    if verbose > 0 {
        eprintln!(
            "devspm: {} after {:.2} s",
            match &result {
                Ok(code) => format!("finished with exit status {code}"),
                Err(_) => "failed".to_owned(),
            },
            started.elapsed().as_secs_f64()
        );
    }
    result
}

/// Runs one parsed command.
fn dispatch(
    command: cli::Command,
    settings: &settings::Settings,
    global: &cli::GlobalArgs,
) -> anyhow::Result<i32> {
    match command {
        cli::Command::Scan(args) => commands::scan::scan(settings, global, &args),
        cli::Command::Ingest(cli::IngestCommand::Git(args)) => {
            commands::scan::ingest_git(settings, global, &args)
        }
        cli::Command::Identities(args) => commands::identities::run(settings, global, args),
        cli::Command::Ai(args) => commands::ai::run(settings, global, &args),
        cli::Command::Import(args) => commands::import::run(settings, global, &args),
        cli::Command::Findings(args) => commands::findings::run(settings, global, &args),
        cli::Command::Attribute(args) => commands::szz::run(settings, global, &args),
        cli::Command::Export(command) => commands::findings::export(settings, global, command),
        cli::Command::Audit(command) => commands::audit::run(settings, global, command),
        cli::Command::Rebuild => commands::audit::rebuild(settings, global),
        cli::Command::Migrate(args) => commands::audit::migrate(settings, global, &args),
        cli::Command::Ci(cli::CiCommand::Audit(args)) => {
            commands::ci::audit(settings, global, &args)
        }
        cli::Command::Tools(cli::ToolsCommand::Scan(args)) => {
            commands::tools::scan(settings, global, &args)
        }
        cli::Command::Tools(cli::ToolsCommand::List(args)) => {
            commands::tools::list(settings, global, &args)
        }
        cli::Command::Policy(cli::PolicyCommand::Check(args)) => {
            commands::policy::check(settings, global, &args)
        }
        cli::Command::Advisories(cli::AdvisoriesCommand::Import(args)) => {
            commands::advisories::import(settings, global, &args)
        }
        cli::Command::Advisories(cli::AdvisoriesCommand::Status) => {
            commands::advisories::status(settings, global)
        }
        cli::Command::Hook(cli::HookCommand::Install(args)) => {
            commands::hook::install(settings, global, &args)
        }
        cli::Command::Posture(args) => commands::posture::run(settings, global, &args),
        cli::Command::Signals(args) => commands::signals::run(settings, global, &args),
        cli::Command::Report(args) => commands::report::run(settings, global, &args),
        cli::Command::SecretKey(command) => commands::secret_key::run(settings, global, command),
        cli::Command::Config(cli::ConfigCommand::Show) => commands::meta::show(settings, global),
        cli::Command::Completions { shell } => commands::meta::completions(shell),
        cli::Command::Man { out } => commands::meta::man(&out),
        cli::Command::Hook(cli::HookCommand::Run(args)) => {
            commands::hook::run(settings, global, &args)
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

#[cfg(test)]
mod tests {
    /// `migrate --batch`'s default is written in the command line's crate, which does not
    /// depend on the engine: it must be the engine's.
    #[test]
    fn the_migrate_batch_default_is_the_engines() {
        assert_eq!(
            super::cli::MIGRATE_BATCH,
            devspm_engine::migrate::DEFAULT_BATCH
        );
    }
}
