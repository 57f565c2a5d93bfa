//! devspm's command line as typed: the flags, subcommands, value lists and help text that clap
//! parses, before they are given meaning. This crate is vocabulary only — no behaviour: the
//! `devspm` binary parses with it (`Cli::parse()`), resolves the settings the flags name, picks
//! the store, calls the engine, writes the output and chooses the exit status. It depends on
//! clap and nothing of devspm's, so that `--help`, man pages and completions are the same
//! wherever they are built (the pattern of uv's `uv-cli`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const LONG_ABOUT: &str = "\
devspm links every security-relevant fact of your software lifecycle to the identity behind it \
— a developer, an AI coding agent or a bot — and keeps that record in a tamper-evident ledger.

Start with `devspm scan` in a repository: it records the repository's whole history (commits, \
people, trailers, signatures, changed files) and prints who built it. Run it again later: only \
new commits are read, and a force-push that rewrote history is recorded, never forgotten.

The record lives in one SQLite file (see --db). Every change to it is an event chained by \
SHA-256 to the one before; `devspm audit verify` proves nothing was altered or removed.";

const AFTER_HELP: &str = "\
Examples:
  devspm scan                          record the repository here and summarise it
  devspm scan ~/src/app --format json  the same summary as JSON, for a CI job
  devspm ingest git ~/src --recursive  record every repository under ~/src
  devspm identities                    who is who: developers, agents and bots
  devspm ai                            how much AI agents took part, and through whom
  devspm identities show alice@example.com   why each alias belongs to that person
  devspm import semgrep.sarif          import scanner results; attribute each finding
  devspm findings --severity high      who or what introduced each high+ finding
  devspm attribute --fix abc123        which commits introduced the bug abc123 fixed (SZZ)
  devspm audit verify                  re-check the whole hash chain
  devspm ci audit                      audit CI workflows; who wrote each risky line
  devspm tools list --name changed-files   which repositories use an action, at which ref
  devspm tools scan                    inventory this workstation against the policy
  devspm policy check                  exit 4 on denied tools, unsigned commits, CI findings
  devspm advisories import ~/advisory-db   load advisories; `scan` then checks lockfiles
  devspm hook install                  block commits that add secrets
  devspm posture                       posture and an explainable score per developer, team, agent
  devspm signals                       insider-threat signals an analyst should read, with evidence
  devspm report -o report.html         one self-contained HTML report, every number linked to evidence

Exit status: 0 success, 1 error, 2 usage error, 3 ledger verification failed, 4 findings at
or above --fail-on.";

/// `devspm --version`: the version, the commit and the date it was built from (`build.rs`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("DEVSPM_BUILD_COMMIT"),
    ", ",
    env!("DEVSPM_BUILD_DATE"),
    ")"
);

/// devspm — Developer Security Posture Management.
#[derive(Debug, Parser)]
#[command(
    name = "devspm",
    version = VERSION,
    about = "Developer Security Posture Management: who or what introduced every change.",
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The ledger database file. Default: $DEVSPM_DB, else devspm.db in the platform data
    /// directory (Linux: $XDG_DATA_HOME/devspm or ~/.local/share/devspm).
    #[arg(long, global = true, value_name = "PATH", env = "DEVSPM_DB")]
    pub db: Option<PathBuf>,

    /// Configuration file (identities, teams, extra agents and bots, policy, secret rules).
    /// Default: $XDG_CONFIG_HOME/devspm/devspm.toml (or ~/.config/devspm/devspm.toml) if present.
    /// A devspm.toml in the current directory is never read unless given here: it may belong to
    /// a repository being scanned.
    #[arg(long, global = true, value_name = "PATH", env = "DEVSPM_CONFIG")]
    pub config: Option<PathBuf>,

    /// File holding the key secrets are hashed with (64 hex digits), kept outside the database
    /// so that the database alone cannot confirm a guessed secret (docs/privacy.md). The key
    /// itself may be given in $DEVSPM_SECRET_KEY instead. Default: a key stored in the database.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "DEVSPM_SECRET_KEY_FILE"
    )]
    pub secret_key_file: Option<PathBuf>,

    /// Output format: a human table, JSON for scripts and CI jobs. The commands that produce
    /// findings (`scan`, `import`, `findings`, `ci audit`, `tools scan`, `policy check`) also
    /// write their findings as CSV, Markdown and SARIF 2.1.0 (with each finding's attribution);
    /// `ai` and `posture` write CSV and Markdown, `signals` and `audit export` CSV, `report`
    /// HTML (its default) and Markdown. Another choice is refused (exit 2) with the list of what
    /// the command writes.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Print only results and errors (no progress, no notes).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail about what is being done (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Colour severities, statuses and headings: `auto` on a terminal unless `NO_COLOR` is set
    /// (`CLICOLOR_FORCE=1` colours pipes too), `always`, or `never`. JSON, CSV, Markdown and
    /// SARIF are never coloured.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
    /// SARIF 2.1.0, from the commands that produce findings.
    Sarif,
    /// One self-contained HTML file (`devspm report`).
    Html,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Record a repository's history into the ledger and print a summary (start here).
    ///
    /// Reads every commit reachable from every branch and tag that is not yet recorded,
    /// resolves who each author, committer and co-author is, and prints the repository's
    /// commits, developers, bots, AI agents, signed-commit ratio, top contributors and any
    /// history rewrites seen. Running it again reads only what is new.
    ///
    /// Then the built-in detectors run: secrets anywhere in history (each blob read once, later
    /// scans read only new ones) and, when advisories are loaded (`devspm advisories import`),
    /// vulnerable dependency versions in every lockfile at HEAD — each finding attributed to the
    /// commit that introduced it. The CI configuration at HEAD is audited and inventoried too.
    Scan(ScanArgs),

    /// Record sources into the ledger without printing a summary.
    #[command(subcommand)]
    Ingest(IngestCommand),

    /// Developers, agents and bots, and the evidence that links each alias to them.
    Identities(IdentitiesArgs),

    /// AI involvement in recorded commits: by agent, by accountable developer, by month.
    ///
    /// Reads what `scan` / `ingest git` recorded (AI involvement is detected as commits are
    /// recorded): share of commits and changed lines with AI involvement, which agents, through
    /// whose hands, and how much rests on heuristic evidence only.
    Ai(AiArgs),

    /// Import scanner results (SARIF, CycloneDX, and the JSON of Semgrep, SonarQube, gitleaks,
    /// TruffleHog, Trivy, Grype, OSV-Scanner, cargo-audit, cargo-deny, npm audit, pip-audit,
    /// Snyk …) and attribute each finding to the commit, developer and AI agent that introduced
    /// it.
    ///
    /// The format is recognised from the content (the list is in the README, "Scanner
    /// formats"); JSON Lines (cargo-deny, TruffleHog) is read record by record. Files are
    /// streamed (a 1 GB input is fine)
    /// and all files of one run are recorded in one transaction: a malformed file imports
    /// nothing. Importing the same results again adds nothing; a finding that a later import
    /// of the same tool no longer reports is marked fixed at that revision, and reopened if it
    /// comes back.
    Import(ImportArgs),

    /// List findings with who or what introduced them, their age and status.
    Findings(FindingsArgs),

    /// Attribute findings again, or find the commits that introduced a fixed bug (SZZ).
    ///
    /// Without --fix/--fixes-from: attributes every open finding of the repository that has
    /// no attribution at its latest revision (import does this already).
    ///
    /// With --fix COMMIT: blames, in the fix's parent, the lines the fix deleted or changed
    /// (for a fix that only adds lines, the lines around the addition) and reports the commits
    /// that introduced them — the bug-inducing candidates.
    Attribute(AttributeArgs),

    /// Write findings out for other tools.
    #[command(subcommand)]
    Export(ExportCommand),

    /// Verify the ledger, sign checkpoints, prove events, export for auditors, build evidence
    /// packs.
    #[command(subcommand)]
    Audit(AuditCommand),

    /// Recreate every projection (query table) from the events alone.
    ///
    /// Projections are derived data; the events are the record. Use this after an upgrade that
    /// changes how projections are built, or to prove that what views show follows from the
    /// events.
    Rebuild,

    /// Copy an SQLite ledger to a PostgreSQL database and verify the copy.
    ///
    /// Copies the events in order, as they are (same hashes), with the commit messages,
    /// signed checkpoints, sealed personal data and the secret-hashing key, in batches of one
    /// transaction each; then verifies the whole copy and checks that its Merkle root is the
    /// source's. Run it again after an interruption (or after more was recorded in the
    /// source): it goes on after the copy's head, and refuses a database whose ledger has
    /// diverged from the source. Every command then runs with `--db postgres://…`.
    Migrate(MigrateArgs),

    /// Audit CI/CD configuration: GitHub Actions workflows and actions, Dependabot, GitLab CI.
    ///
    /// Finds unpinned and known-compromised actions, dangerous triggers, template injection,
    /// excessive token permissions, credential persistence, cache poisoning, curl|sh and more
    /// (rules: docs/governance.md). In a repository, each finding is recorded and attributed to
    /// the commit, developer and AI agent that wrote the offending line.
    #[command(subcommand)]
    Ci(CiCommand),

    /// The developer and CI tools in use: inventory this workstation, or list who uses what.
    #[command(subcommand)]
    Tools(ToolsCommand),

    /// Check the recorded inventory, commits and CI findings against the [policy] of
    /// devspm.toml (for CI gating: exit 4 on violations).
    #[command(subcommand)]
    Policy(PolicyCommand),

    /// Load vulnerability advisories (OSV, RustSec) for the built-in dependency detector.
    #[command(subcommand)]
    Advisories(AdvisoriesCommand),

    /// Git hooks: block commits that add secrets, record each commit as it is made.
    #[command(subcommand)]
    Hook(HookCommand),

    /// Security posture per developer, team, AI agent and repository: where risk enters, who
    /// fixes it, signing, self-merges, hook overrides, and an explainable 0–100 score
    /// (docs/posture.md).
    Posture(PostureArgs),

    /// Insider-threat signals: identity drift, unsigned commits from signers, odd hours and
    /// time zones, unreviewed changes to build and CI files, opaque test files, history
    /// rewrites … each with its evidence and baseline (docs/posture.md, "Signals").
    Signals(SignalsArgs),
    /// The organisation's report: one self-contained HTML file (overview and trends, teams,
    /// developers, agents, repositories, findings with who introduced them, AI usage, tools and
    /// shadow IT, CI audit, signals), every number linked to its evidence; or a Markdown summary
    /// for a pull-request comment or a CI job summary (docs/posture.md).
    Report(ReportArgs),

    /// The key secrets are hashed with: make a key file, or move the database's own key out
    /// of it (docs/privacy.md).
    #[command(subcommand)]
    SecretKey(SecretKeyCommand),

    /// The effective configuration: every setting, its value and where it came from (a flag,
    /// the environment, the configuration file, or the default).
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Print a shell completion script: `devspm completions bash > /etc/bash_completion.d/devspm`,
    /// `devspm completions zsh > "${fpath[1]}/_devspm"`, `devspm completions fish >
    /// ~/.config/fish/completions/devspm.fish`, `devspm completions powershell >> $PROFILE`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Write man pages: `devspm.1` and one page per subcommand (`devspm-scan.1` …) into DIR
    /// (then `man -l DIR/devspm.1`, or install them under a `man1` folder of MANPATH).
    Man {
        /// The folder to write the pages into (created if missing).
        #[arg(long, short, value_name = "DIR")]
        out: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretKeyCommand {
    /// Write a new random key to PATH (64 hex digits, readable by its owner only), for a new
    /// database to be used with --secret-key-file PATH from its first run.
    New {
        #[command(flatten)]
        key: KeyFile,
    },
    /// Write the database's own key to PATH and delete it from the database, which keeps only a
    /// check value: from then on every command that hashes secrets needs --secret-key-file PATH.
    MoveOut {
        #[command(flatten)]
        key: KeyFile,
    },
}

/// The key file `secret-key new` and `secret-key move-out` write.
#[derive(Debug, Args)]
pub struct KeyFile {
    /// The key file to create (never overwritten).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Install the pre-commit and post-commit hooks in a repository (respects core.hooksPath;
    /// a hook already there is kept and runs first).
    ///
    /// pre-commit scans the staged changes for secrets and blocks the commit, naming file, line
    /// and rule (never the value); `DEVSPM_ALLOW=1` commits anyway and records who overrode what
    /// (a hook_override event; `DEVSPM_ALLOW_REASON` says why). post-commit records the new
    /// commit, with its AI evidence, into the ledger at once. With the pre-commit framework, use
    /// the `devspm-secrets` hook of this repository's .pre-commit-hooks.yaml instead.
    Install(HookInstallArgs),

    /// Run one hook now (what the installed hooks call).
    Run(HookRunArgs),
}

#[derive(Debug, Args)]
pub struct HookInstallArgs {
    /// The repository.
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
}

#[derive(Debug, Args)]
pub struct HookRunArgs {
    /// Which hook.
    #[arg(value_enum)]
    pub hook: HookName,

    /// The repository.
    #[arg(long, default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HookName {
    PreCommit,
    PostCommit,
}

#[derive(Debug, Subcommand)]
pub enum AdvisoriesCommand {
    /// Load advisories into the database: a folder of OSV JSON or YAML files (e.g. PyPA's
    /// advisory-database), an OSV all.zip as published per ecosystem, or a RustSec advisory-db
    /// checkout (native or OSV layout). Loading the same source again replaces it; the load is
    /// recorded with its source, date and a digest of what was loaded.
    #[command(after_help = "\
Examples:
  devspm advisories import ~/data/rustsec-advisory-db
  devspm advisories import ~/data/osv/PyPI-all.zip ~/data/pypa-advisory-database
  devspm scan .        matches every lockfile at HEAD against what is loaded")]
    Import(AdvisoriesImportArgs),

    /// The advisory sources loaded, how many advisories each, and how fresh.
    Status,
}

#[derive(Debug, Args)]
pub struct AdvisoriesImportArgs {
    /// Folders or zip files of advisories.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CiCommand {
    /// Audit CI configuration files under each PATH (default: the current directory).
    #[command(after_help = "\
Examples:
  devspm ci audit                          audit the repository here, attribute findings
  devspm ci audit --format sarif > ci.sarif   for code-scanning dashboards
  devspm ci audit --fail-on medium         exit 4 when a medium or worse finding exists
  devspm ci audit .github/workflows/release.yml --no-record

Exit status: 0 below the threshold, 4 at or above it (default: [policy.thresholds]
ci_severity, else high), 1 on errors. Findings triaged (until their judgement expires) or
ignored ([[ignore]] in devspm.toml), and contexts [fail_on] leaves out, do not count.")]
    Audit(CiAuditArgs),
}

#[derive(Debug, Args)]
pub struct CiAuditArgs {
    /// Repositories, folders or single files to audit. Default: `.`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Exit with status 4 when a finding is at or above this severity. Default: the policy's
    /// thresholds.ci_severity, else high.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<SeverityArg>,

    /// Do not record findings in the ledger (and so do not attribute them).
    #[arg(long)]
    pub no_record: bool,

    /// Also list findings an ignore sets aside ([[ignore]] in devspm.toml), with the ignore's
    /// file, line and reason.
    #[arg(long)]
    pub show_ignored: bool,
}

#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Inventory this workstation: editor and browser extensions, JetBrains plugins, AI CLIs and
    /// their risky settings, MCP servers, git signing hygiene, plaintext credential files.
    ///
    /// Read-only and unprivileged; visits only the known locations under the home directory and
    /// never follows a symlink out of it. Credential files are reported by kind, count and file
    /// mode — never their values. Each item gets the policy's verdict (approved, unapproved =
    /// shadow IT, denied) and is recorded as a workstation_tool_seen event tied to the developer.
    #[command(after_help = "\
Examples:
  devspm tools scan                         this machine, as the current user
  devspm tools scan --format json           the report as JSON
  devspm tools scan --home /mnt/image/home/ann --identity ann@example.com --no-record")]
    Scan(ToolsScanArgs),

    /// Who uses which tool, at which ref, since when, in which repositories and on which
    /// workstations (the blast-radius question on the first day of an incident).
    #[command(after_help = "\
Examples:
  devspm tools list --name tj-actions/changed-files   every repository using it, and the ref
  devspm tools list --kind action --since 7d          actions that appeared this week
  devspm tools list --origin workstation --kind vscode_extension")]
    List(ToolsListArgs),
}

#[derive(Debug, Args)]
pub struct ToolsScanArgs {
    /// The home directory to inventory. Default: $HOME.
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// The developer's e-mail. Default: git's user.email in that home.
    #[arg(long, value_name = "EMAIL")]
    pub identity: Option<String>,

    /// The workstation's name. Default: this machine's host name.
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    /// Print the report only; record nothing.
    #[arg(long)]
    pub no_record: bool,

    /// With --home: also look for AI CLIs on this process's PATH (on by default without --home).
    #[arg(long)]
    pub search_path: bool,

    /// Exit with status 4 when a risk found is at or above this severity ([[ignore]] honoured).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<SeverityArg>,

    /// Also send the report (the JSON that --format json prints) to this URL with an HTTP POST,
    /// e.g. a devspm server's inventory endpoint, with `Authorization: Bearer TOKEN` (HTTPS
    /// through rustls with its bundled root certificates; no redirects; a 60 s deadline).
    #[arg(long, value_name = "URL", requires = "token")]
    pub submit: Option<String>,

    /// Bearer token for --submit (prefer the environment variable: a flag is visible to other
    /// users of the machine in the process list).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "DEVSPM_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

#[derive(Debug, Args)]
pub struct ToolsListArgs {
    /// Tools whose name contains this text (case-insensitive, taken literally: `%` and `_` are
    /// not wildcards), e.g. `changed-files`.
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,

    /// Only this kind: action, reusable_workflow, container_image, precommit_hook, ci_include,
    /// mcp_server, ai_instructions, agent_settings, vscode_extension, jetbrains_plugin,
    /// browser_extension, ai_cli, git_config, credential_file.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,

    /// Only this recorded repository (a path, name or id).
    #[arg(long, value_name = "REPO")]
    pub repo: Option<String>,

    /// Only tools first seen since this day (YYYY-MM-DD) or this long ago (7d, 36h).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// Only tools seen in repositories, or only on workstations.
    #[arg(long, value_enum, value_name = "ORIGIN")]
    pub origin: Option<OriginArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OriginArg {
    Repository,
    Workstation,
}

impl OriginArg {
    pub fn as_str(self) -> &'static str {
        match self {
            OriginArg::Repository => "repository",
            OriginArg::Workstation => "workstation",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Judge what is recorded against [policy]: denied and unapproved (shadow IT) tools in
    /// repositories and on workstations, unsigned commits when signing is required, and open CI
    /// findings at or above thresholds.ci_severity. Exit 4 when a violation fails the check.
    #[command(after_help = "\
The policy format, with a complete example: docs/governance.md.

Examples:
  devspm policy check                       everything recorded
  devspm policy check --repo . --format json  one repository, for a CI job")]
    Check(PolicyCheckArgs),
}

#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// Only this recorded repository (a path, name or id); workstations are then left out.
    #[arg(long, value_name = "REPO")]
    pub repo: Option<String>,

    /// Check commit signing only for commits authored since this day (YYYY-MM-DD) or this long
    /// ago (90d, 36h). The policy's `require_signed_commits_since` is a baseline this cannot
    /// reach behind.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// Also exit with status 4 when an open recorded finding of the repository (--repo, else
    /// the one the current directory is in) is at or above this severity, as `devspm findings
    /// --fail-on` (triage, ignores and [fail_on] contexts honoured).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<SeverityArg>,
}

/// `migrate --batch`'s default: the engine's `devspm_engine::migrate::DEFAULT_BATCH` (the
/// binary's tests check that the two agree).
pub const MIGRATE_BATCH: usize = 10_000;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The SQLite ledger to copy.
    #[arg(long, value_name = "PATH")]
    pub from: PathBuf,

    /// The PostgreSQL database to copy into: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.
    #[arg(long, value_name = "URL")]
    pub to: PathBuf,

    /// Events copied per transaction.
    #[arg(long, default_value_t = MIGRATE_BATCH, value_name = "N")]
    pub batch: usize,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The repository to scan (a work tree, a bare repository or a worktree).
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,

    #[command(flatten)]
    pub ingest: IngestFlags,

    /// How many top contributors to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,

    /// Skip the built-in detectors (secrets across history; vulnerable dependencies when
    /// advisory data is loaded).
    #[arg(long)]
    pub no_detectors: bool,

    /// Exit with status 4 when an open finding of this repository is at or above this
    /// severity, as `devspm findings --fail-on` (triage, ignores and [fail_on] contexts honoured).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<SeverityArg>,
}

/// Flags shared by `scan` and `ingest git`.
#[derive(Debug, Args)]
pub struct IngestFlags {
    /// Record only these refs (full names like refs/heads/main, short names like main, or a
    /// prefix ending in `*`). Repeatable. Default: every ref, as `git rev-list --all`.
    #[arg(long = "ref", value_name = "REF")]
    pub refs: Vec<String>,

    /// Threads that read and diff commits. Default: one per CPU.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Commits per ledger transaction (a killed run loses at most one). The record is the
    /// same whatever the batch size. Default: 2000.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_size: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum IngestCommand {
    /// Record git repositories: commits, people, trailers, signatures, changed files and refs.
    ///
    /// Incremental: only commits not yet recorded are read. When a ref's previous tip is no
    /// longer reachable from its new tip (a force-push), a history_rewritten event records
    /// the commits that became unreachable; they stay on record.
    Git(IngestGitArgs),
}

#[derive(Debug, Args)]
pub struct IngestGitArgs {
    /// Repositories to record (or folders of repositories, with --recursive).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Treat each PATH as a folder and record every repository found under it.
    #[arg(short, long)]
    pub recursive: bool,

    /// How deep --recursive looks for repositories.
    #[arg(long, default_value_t = 6, value_name = "N", requires = "recursive")]
    pub max_depth: usize,

    #[command(flatten)]
    pub ingest: IngestFlags,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Scanner output files (JSON or SARIF).
    #[arg(required_unless_present_any = ["undo", "list"], value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Withdraw an import recorded by mistake (its id is in the import's output and in
    /// `--list`): the findings only it saw are withdrawn, and those it fixed or reopened stand
    /// where they stood before it. Recorded as an `import_withdrawn` event; nothing is deleted.
    /// Only a producer's latest import in a repository can be withdrawn (withdraw later ones
    /// first).
    #[arg(long, value_name = "IMPORT_ID", conflicts_with_all = ["files", "list"])]
    pub undo: Option<String>,

    /// List the recorded imports (of the repository given by --repo, or the current one; all
    /// with --all-repos): id, tool, file, revision, counts, and whether withdrawn.
    #[arg(long, conflicts_with = "files")]
    pub list: bool,

    /// With --list: the imports of every recorded repository.
    #[arg(long, requires = "list")]
    pub all_repos: bool,

    /// The repository the results are about.
    #[arg(long, default_value = ".", value_name = "PATH")]
    pub repo: PathBuf,

    /// The commit the scan ran on. Default: the file's own (SARIF versionControlProvenance),
    /// else HEAD.
    #[arg(long, value_name = "REV")]
    pub revision: Option<String>,

    /// Record results under this tool name instead of the producer's.
    #[arg(long, value_name = "NAME")]
    pub tool: Option<String>,

    /// The scan covered only part of the repository: findings it does not report stay open
    /// instead of being marked fixed.
    #[arg(long)]
    pub partial: bool,

    /// Record findings without attributing them (run `devspm attribute` later).
    #[arg(long)]
    pub no_attribute: bool,

    /// Import a report even when most of its results name files the repository does not have
    /// at the revision (by default refused: it is probably of another repository).
    #[arg(long)]
    pub force: bool,

    /// Exit with status 4 when an open finding of the imported tools in this repository is at
    /// or above this severity (triage, ignores and [fail_on] contexts honoured).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<SeverityArg>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct FindingsArgs {
    #[command(subcommand)]
    pub command: Option<FindingsCommand>,
    /// Only findings of this recorded repository (a path, name or locator). Default: the
    /// repository the current directory is in, if any; else every repository.
    #[arg(long, value_name = "REPO", conflicts_with = "all_repos")]
    pub repo: Option<String>,
    /// Every recorded repository, even when run inside one (the list and the --fail-on gate).
    #[arg(long)]
    pub all_repos: bool,
    /// Only findings introduced by this developer: an identity id, or the name or e-mail of one
    /// of their aliases (exact, case-insensitive). Findings introduced under that alias are
    /// included whatever identity it resolved to.
    #[arg(long, value_name = "WHO")]
    pub developer: Option<String>,
    /// Only findings introduced by members of this team (from devspm.toml).
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    /// Only findings an AI agent took part in introducing (catalogue id, e.g. claude-code).
    #[arg(long, value_name = "AGENT")]
    pub agent: Option<String>,
    /// Only findings at or above this severity.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub severity: Option<SeverityArg>,
    /// Only findings of this tool (e.g. semgrep, bandit, gitleaks).
    #[arg(long, value_name = "TOOL")]
    pub tool: Option<String>,
    /// Only open, fixed or withdrawn findings (default: open and fixed).
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Option<StatusArg>,
    /// Exit with status 4 when a listed open finding is at or above this severity (for CI).
    /// Findings triaged as false positive, accepted risk or won't fix do not count until their
    /// judgement expires; ignored findings and contexts [fail_on] leaves out do not count.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<SeverityArg>,
    /// Also list findings an ignore sets aside ([[ignore]] in devspm.toml, the repository's
    /// .cargo/audit.toml or .gitleaksignore), with the ignore's file, line and reason.
    #[arg(long)]
    pub show_ignored: bool,
}

#[derive(Debug, Subcommand)]
pub enum FindingsCommand {
    /// Record a judgement of a finding: a false positive, an accepted risk, won't fix, or open
    /// again. Recorded as an event (the finding itself is not edited), shown in every view,
    /// honoured by --fail-on until it expires, and attributed to you (`git config user.name`
    /// and `user.email`, or --by).
    ///
    /// Example: devspm findings triage f_3a9c41d2 --state accepted-risk --reason "internal
    /// tool, no untrusted input" --expires 2027-06-30
    Triage(TriageArgs),
}

#[derive(Debug, Args)]
pub struct TriageArgs {
    /// The finding's id (`devspm findings --format json` lists them), or a unique prefix of
    /// at least 6 characters.
    #[arg(value_name = "FINDING")]
    pub finding: String,
    #[arg(long, value_enum)]
    pub state: TriageStateArg,
    /// Why (required except for `open`); secrets in it are redacted, and it is cut at 1 KiB.
    #[arg(long, value_name = "TEXT", required_if_eq_any = [("state", "false-positive"), ("state", "accepted-risk"), ("state", "wont-fix")])]
    pub reason: Option<String>,
    /// The last day the judgement holds (YYYY-MM-DD, UTC); after it the finding counts as open.
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// Who triages, as `Name <email>`. Default: `git config user.name` and `user.email`.
    #[arg(long, value_name = "WHO")]
    pub by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TriageStateArg {
    /// Not a problem: the scanner is wrong here.
    FalsePositive,
    /// A real problem, accepted (say why, and until when).
    AcceptedRisk,
    /// A real problem that will not be fixed.
    WontFix,
    /// Clear the judgement: the finding counts again.
    Open,
}

impl TriageStateArg {
    pub fn as_str(self) -> &'static str {
        match self {
            TriageStateArg::FalsePositive => "false-positive",
            TriageStateArg::AcceptedRisk => "accepted-risk",
            TriageStateArg::WontFix => "wont-fix",
            TriageStateArg::Open => "open",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl SeverityArg {
    pub fn as_str(self) -> &'static str {
        match self {
            SeverityArg::Critical => "critical",
            SeverityArg::High => "high",
            SeverityArg::Medium => "medium",
            SeverityArg::Low => "low",
            SeverityArg::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Open,
    Fixed,
    /// Found only by an import that was withdrawn (`devspm import --undo`); hidden otherwise.
    Withdrawn,
}

impl StatusArg {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusArg::Open => "open",
            StatusArg::Fixed => "fixed",
            StatusArg::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Debug, Args)]
pub struct AttributeArgs {
    /// The repository.
    #[arg(long, default_value = ".", value_name = "PATH")]
    pub repo: PathBuf,

    /// A bug- or vulnerability-fixing commit: find the commits that introduced what it fixed.
    #[arg(long, value_name = "COMMIT", conflicts_with = "fixes_from")]
    pub fix: Option<String>,

    /// A file of fixing commits, one per line: `COMMIT [ADVISORY-ID] [DISCLOSURE-DATE]`
    /// (CVE-…, GHSA-…, OSV-…, RUSTSEC-…, PYSEC-…, GO-…; date as YYYY-MM-DD: candidates
    /// committed after it are dropped). `#` starts a comment.
    #[arg(long, value_name = "FILE")]
    pub fixes_from: Option<PathBuf>,

    /// SZZ variant: `devspm` (leaves out blank and comment lines, follows lines past
    /// whitespace-only, moved-line and ignore-revs commits, traces fixes that only add code
    /// through the lines around the addition) or `basic` (plain B-SZZ: blame every deleted or
    /// changed line). Precision and recall of each: docs/attribution.md.
    #[arg(long, value_enum, default_value_t = SzzVariant::Devspm)]
    pub variant: SzzVariant,

    /// Which commit a traced line is blamed on. `auto` (default): `earliest` for a fix of a
    /// vulnerability (an advisory id — CVE, GHSA, OSV, RUSTSEC, PYSEC, GO — given with it, or
    /// an imported finding with an advisory id that it fixed), `change` for any other fix, and
    /// when both are traced the other answer is shown beside it if it differs. `change`: the
    /// commit that last changed the line (what `Fixes:` trailers name: "what broke it").
    /// `earliest` (V-SZZ): follow the line back through its earlier versions to the commit that
    /// first wrote the code ("since when was it exploitable").
    #[arg(long, value_enum, default_value_t = SzzTrace::Auto)]
    pub trace: SzzTrace,

    /// Same as `--trace earliest`.
    #[arg(long, hide = true, conflicts_with = "trace")]
    pub earliest: bool,

    /// With --fix: an advisory id (CVE-…, GHSA-…) the fix is for; makes it a vulnerability fix.
    #[arg(long, value_name = "ID", requires = "fix")]
    pub advisory: Option<String>,

    /// With --fix: the disclosure date (YYYY-MM-DD); candidates committed after it are dropped.
    #[arg(long, value_name = "DATE")]
    pub disclosed: Option<String>,

    /// Without --fix: attribute every open finding again, not only those without an
    /// attribution (blame results cached by file version are reused).
    #[arg(long, conflicts_with_all = ["fix", "fixes_from"])]
    pub again: bool,

    /// Do not record SZZ results on the ledger (print only).
    #[arg(long)]
    pub no_record: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SzzVariant {
    Devspm,
    Basic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SzzTrace {
    Auto,
    Change,
    Earliest,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write imported SARIF back with each result's attribution in `properties.devspm`
    /// (introducing commit, developer, agents, method, confidence), for GitHub code scanning.
    Sarif {
        /// The SARIF file that was imported.
        #[arg(value_name = "FILE")]
        input: PathBuf,
        /// The repository it was imported for.
        #[arg(long, default_value = ".", value_name = "PATH")]
        repo: PathBuf,
        /// The --revision it was imported with, if one was given.
        #[arg(long, value_name = "REV")]
        revision: Option<String>,
        #[command(flatten)]
        to: OutputFile,
    },
    /// Write the dependency findings as a CycloneDX 1.5 VEX document (JSON), for DefectDojo's
    /// CycloneDX parser and Dependency-Track's VEX upload: each vulnerability with its
    /// component, severity, fix versions, introducing commit, and devspm's analysis (resolved
    /// when fixed; a triage judgement as false_positive or will_not_fix).
    Vex {
        /// Only findings of this recorded repository (a path, name or locator). Default: the
        /// repository the current directory is in, if any; else every repository.
        #[arg(long, value_name = "REPO")]
        repo: Option<String>,
        #[command(flatten)]
        to: OutputFile,
    },
    /// Write every recorded finding as CSV (the columns of `findings --format csv`, with
    /// ignored findings and their ignore), for DefectDojo's Generic Findings Import or a
    /// spreadsheet.
    Csv {
        /// Only findings of this recorded repository (a path, name or locator). Default: every
        /// repository.
        #[arg(long, value_name = "REPO")]
        repo: Option<String>,
        #[command(flatten)]
        to: OutputFile,
    },
}

/// `-o FILE` of the `export` commands.
#[derive(Debug, Args)]
pub struct OutputFile {
    /// Where to write (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AiArgs {
    /// A recorded repository. Default: the repository the current directory is in, if any;
    /// else every recorded repository.
    #[arg(value_name = "PATH", conflicts_with = "all_repos")]
    pub path: Option<PathBuf>,

    /// Every recorded repository, even when run inside one.
    #[arg(long)]
    pub all_repos: bool,

    /// How many developers to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
}

#[derive(Debug, Args)]
pub struct IdentitiesArgs {
    #[command(subcommand)]
    pub command: Option<IdentitiesCommand>,
}

#[derive(Debug, Subcommand)]
pub enum IdentitiesCommand {
    /// List developers, agents and bots with their aliases and commit counts (the default).
    List {
        /// Only this kind of identity.
        #[arg(long, value_enum)]
        kind: Option<KindFilter>,
    },
    /// Show one identity: every alias, its commits, and why it was linked.
    Show {
        /// An identity id, alias id, e-mail address, name, or agent/bot catalogue id.
        query: String,
    },
    /// Developers that are likely one person, with the evidence and a ready `[[identity]]`
    /// block for your configuration (resolution never joins them on its own).
    ///
    /// Evidence: a GitHub no-reply login matching another identity's user name, the same full
    /// name under different e-mail addresses, the same distinctive e-mail user at another
    /// domain with names that agree. Add the block to the configuration (`--config`,
    /// `$DEVSPM_CONFIG` or ~/.config/devspm/devspm.toml) and the next `devspm identities` or
    /// `scan` joins them.
    Suggest,
    /// Erase a person's personal data (crypto-shredding; see docs/privacy.md).
    ///
    /// Deletes the encryption key and sealed name and e-mail of every alias of the person's
    /// identity, and every stored commit message that names them (Signed-off-by, Co-authored-by
    /// …), records the erasure as an `identity_forgotten` event, and rewrites the database file
    /// so the erased bytes are gone. The chain, the Merkle tree and signed checkpoints still
    /// verify; the person shows as their pseudonymous id from then on. Cannot be undone.
    Forget {
        /// An e-mail address, name, identity id (dev_…) or alias id (a_…) of the person.
        query: String,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindFilter {
    Developer,
    Agent,
    Bot,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-walk the hash chain from the first event and report the first bad one.
    ///
    /// Recomputes every event's SHA-256 from its content and its predecessor's hash, checks
    /// that sequence numbers have no gaps and that the chain ends at the recorded head,
    /// recomputes the Merkle tree and compares every stored node, checks the checkpoints
    /// recorded in the database, and checks stored commit messages against the hashes the
    /// chain commits to. Then replays every event into a scratch database and compares every
    /// projection table (what `findings`, `--fail-on` and every view read) with the replay,
    /// naming the first row edited, added or deleted behind the ledger's back (--quick skips
    /// this part). With --checkpoint and --public-key, also checks a signed checkpoint
    /// kept elsewhere: its signature, that the ledger's tree at its size has its root, and that
    /// the current tree extends it (a database older than the checkpoint is a rollback).
    /// Exits 3 when anything was altered, removed, reordered or rolled back.
    ///
    /// Writes nothing: a read-only copy verifies, and one consistent snapshot is read while
    /// other devspm processes keep appending.
    Verify {
        /// Check the chain, the Merkle tree, checkpoints and stored contents only, not the
        /// projections (much faster on a large ledger; an edited projection goes unnoticed).
        #[arg(long)]
        quick: bool,
        /// A checkpoint signed earlier (`devspm audit checkpoint -o FILE`).
        #[arg(long, value_name = "FILE", requires = "public_key")]
        checkpoint: Option<PathBuf>,
        /// The verifier key the checkpoint must be signed with: a .pub file written by
        /// `devspm audit keygen`, or the key string itself (`<name>+<id>+<key>`).
        #[arg(long, value_name = "KEY", requires = "checkpoint")]
        public_key: Option<String>,
    },

    /// Create an Ed25519 signing key for checkpoints.
    ///
    /// Writes the private key to PATH (mode 0600) and the verifier key to PATH.pub, and prints
    /// the verifier key. Refuses to overwrite either file.
    Keygen {
        /// Where to write the private key.
        #[arg(short = 'o', long = "output", value_name = "PATH")]
        output: PathBuf,
        /// The key name (and default checkpoint origin). Default: devspm/<hostname>.
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },

    /// Sign the current Merkle tree head as a C2SP checkpoint and record it.
    ///
    /// Verifies the ledger first and refuses to sign a ledger that does not verify. Prints
    /// the checkpoint, or writes it to FILE.
    Checkpoint {
        /// The private key file written by `devspm audit keygen`.
        #[arg(long, value_name = "PATH")]
        key: PathBuf,
        /// Write the checkpoint here instead of printing it.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// The checkpoint's origin line. Default: the key's name.
        #[arg(long, value_name = "ORIGIN")]
        origin: Option<String>,
    },

    /// Print the inclusion proof of one event (RFC 6962 audit path).
    Prove {
        /// The event's sequence number.
        #[arg(value_name = "SEQ")]
        seq: u64,
        /// The tree size to prove against. Default: the latest checkpoint's size when it
        /// contains the event, else the current size.
        #[arg(long, value_name = "N")]
        size: Option<u64>,
    },

    /// Print the RFC 6962 consistency proof between two tree sizes.
    Consistency {
        #[arg(value_name = "OLD_SIZE")]
        old_size: u64,
        #[arg(value_name = "NEW_SIZE")]
        new_size: u64,
    },

    /// Write what an auditor needs to verify the ledger without devspm: events.jsonl (each
    /// event with its leaf index and leaf hash), checkpoint.txt (the latest checkpoint),
    /// verifier.pub (its signer's key) and manifest.json (what was exported).
    ///
    /// Without filters the export is full: every event from event 1. With --since, --until,
    /// --repo or --identity it is partial: events.jsonl holds only the matching events covered by
    /// the latest checkpoint, and proofs.jsonl one RFC 6962 inclusion proof per exported event
    /// against that checkpoint, so each event verifies on its own
    /// (scripts/verify_checkpoint.py). A partial export needs a checkpoint. With --format csv,
    /// events.csv holds the same events as CSV.
    ///
    /// An event belongs to a repository when its payload's top-level "repo" is the repository's
    /// id or its subject is repo:<id>, commit:<id>/… or ref:<id>/…. It belongs to an identity
    /// when its actor or subject is the identity id or one of its alias ids, or when any string
    /// in its payload equals one of them. Filters combine with AND.
    #[command(after_help = "\
Examples:
  devspm audit export -o audit-full
  devspm audit export --repo . --since 2026-07-01 --until 2026-09-30 -o audit-q3
  devspm audit export --identity alice@example.com --format csv -o audit-alice
  python3 scripts/verify_checkpoint.py audit-q3 --key devspm-build-host.pub")]
    Export {
        #[command(flatten)]
        output: AuditExportArgs,
    },

    /// Write an evidence pack for an auditor: a sample of the period's changes, each with its
    /// people, signature, review and AI evidence and the findings it introduced; how the
    /// records support the framework's practices; and the checkpoint and inclusion proofs that
    /// make every cited event verifiable without devspm.
    ///
    /// The population is every recorded commit whose committer date falls in the period (of
    /// --repo, or of every recorded repository). The sample is deterministic: every change that
    /// introduced an open high or critical finding, then the others ranked by SHA-256 of the
    /// period, the repository and the commit id, up to --sample. With --key a fresh checkpoint
    /// is signed for the pack; without it the latest recorded checkpoint is used, and the pack
    /// is refused when there is none (or when it predates the events the pack cites).
    ///
    /// The folder holds index.md (start there), practices.md, changes/ (one Markdown and one
    /// JSON file per sampled change), checkpoint.txt, verifier.pub, events.jsonl, proofs/ and
    /// VERIFY.md (how to check it all with scripts/verify_checkpoint.py).
    #[command(after_help = "\
Examples:
  devspm audit keygen -o ~/.devspm/audit.key
  devspm audit evidence --framework soc2 --key ~/.devspm/audit.key -o evidence-2026-q3
  devspm audit evidence --framework ssdf --since 2026-07-01 --until 2026-09-30 --repo . --sample 40 -o ssdf-q3")]
    Evidence {
        /// The framework whose practices the pack is written for.
        #[arg(long, value_enum, value_name = "FRAMEWORK")]
        framework: Framework,
        /// First day of the period (YYYY-MM-DD, UTC, inclusive). Default: 90 days before
        /// --until.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Last day of the period (YYYY-MM-DD, UTC, inclusive). Default: the day of the newest
        /// recorded commit.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Only this recorded repository (a path, name or locator). Default: every repository.
        #[arg(long, value_name = "REPO")]
        repo: Option<String>,
        /// How many changes to sample (changes that introduced open high/critical findings are
        /// always included, even beyond this number).
        #[arg(long, default_value_t = 25, value_name = "N")]
        sample: usize,
        /// The folder to write (created; must be empty if it exists).
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: PathBuf,
        /// Sign a fresh checkpoint for the pack with this private key (`devspm audit keygen`).
        /// Default: use the latest recorded checkpoint.
        #[arg(long, value_name = "PATH")]
        key: Option<PathBuf>,
    },

    /// Print events as JSON lines (oldest first).
    Log {
        /// Only events of this kind (e.g. commit_recorded, history_rewritten, alias_resolved).
        #[arg(long)]
        kind: Option<String>,
        /// Start after this sequence number.
        #[arg(long, default_value_t = 0, value_name = "SEQ")]
        after: u64,
        /// At most this many events.
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: usize,
    },
}

/// The options of `devspm audit export` (flattened into [`AuditCommand::Export`]).
#[derive(Debug, Args)]
pub struct AuditExportArgs {
    /// The folder to write (created; must be empty if it exists).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "DIR",
        default_value = "devspm-audit-export"
    )]
    pub output: PathBuf,
    /// Only events appended on or after this day (YYYY-MM-DD, UTC, by the event's `at`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only events appended on or before this day (YYYY-MM-DD, UTC, inclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only events of this recorded repository (its path, name as `devspm scan` prints it, or
    /// id).
    #[arg(long, value_name = "REPO")]
    pub repo: Option<String>,
    /// Only events of this identity (an identity id, an alias id or an e-mail): caused by it,
    /// about it, or naming one of its aliases.
    #[arg(long, value_name = "IDENTITY")]
    pub identity: Option<String>,
}

/// Compliance frameworks an evidence pack can be written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Framework {
    /// NIST SP 800-218 Secure Software Development Framework (PS.1, PO.3, RV.2, RV.3).
    Ssdf,
    /// AICPA SOC 2 Trust Services Criteria (CC8.1 change management, CC7.1/CC7.2 monitoring).
    Soc2,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration and where each value came from.
    Show,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  devspm posture                               every developer, team, agent and repository, last 90 days
  devspm posture --team platform --since 2026-01-01
  devspm posture --repo . --format markdown    this repository's developers, for a CI job summary
  devspm posture explain alice@example.com     each factor of Alice's score, with its evidence
  devspm posture explain agent:claude-code --format json

The score is 0–100, higher is better: the weighted mean of the factors that are known
(docs/posture.md lists them, their formulas and default weights; [posture] of devspm.toml
overrides them). A factor without data is left out, never counted as zero risk.")]
pub struct PostureArgs {
    #[command(subcommand)]
    pub command: Option<PostureCommand>,

    /// Only this developer: an identity id, or an e-mail or name of one of their aliases.
    #[arg(long, value_name = "X")]
    pub developer: Option<String>,

    /// Only this team (from `team = …` in devspm.toml) and its developers.
    #[arg(long, value_name = "T")]
    pub team: Option<String>,

    /// Only this AI agent (its catalogue id, e.g. claude-code).
    #[arg(long, value_name = "A")]
    pub agent: Option<String>,

    /// Only facts of this recorded repository (a path to it, its name or id); the priors
    /// small samples are shrunk toward still come from every repository.
    #[arg(long, value_name = "R", global = true)]
    pub repo: Option<String>,

    /// First day of the window (YYYY-MM-DD, UTC). Default: [posture] window_days (90) days up
    /// to --until.
    #[arg(long, value_name = "DATE", global = true)]
    pub since: Option<String>,

    /// Last day of the window (YYYY-MM-DD, UTC, inclusive). Default: the day of the newest
    /// recorded commit.
    #[arg(long, value_name = "DATE", global = true)]
    pub until: Option<String>,

    /// Show every person (name, e-mail, identity id) as a stable pseudonym keyed by the
    /// ledger's secret key, for sharing beyond the security team.
    #[arg(long, global = true)]
    pub pseudonymize: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  devspm report -o report.html                       the last 90 days, every repository
  devspm report --format markdown >> \"$GITHUB_STEP_SUMMARY\"
  devspm report --repo . --since 2026-01-01 --pseudonymize -o shared.html

--format html (the default here), markdown or json. Teams come from devspm.toml, else from
CODEOWNERS at HEAD (the owner of the files each developer changes most); the report says which.")]
pub struct ReportArgs {
    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Only facts of this recorded repository (a path to it, its name or id).
    #[arg(long, value_name = "R")]
    pub repo: Option<String>,

    /// First day of the window (YYYY-MM-DD, UTC). Default: 90 days up to --until.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Last day of the window (YYYY-MM-DD, UTC, inclusive). Default: the newest commit's day.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    /// Show every person (name, e-mail, identity id) as a stable keyed pseudonym.
    #[arg(long)]
    pub pseudonymize: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  devspm signals                          medium and above, grouped by rule, person and repository
  devspm signals --all                    every signal of every severity
  devspm signals --developer alice@example.com --since 2026-01-01 --format json")]
pub struct SignalsArgs {
    /// Only activity on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Lowest severity shown: high, medium, low, info. Default: medium (info with --all).
    #[arg(long, value_name = "S")]
    pub severity: Option<String>,
    /// Only this developer: an identity id, or an e-mail or name of one of their aliases.
    #[arg(long, value_name = "X")]
    pub developer: Option<String>,
    /// Only this recorded repository (a path to it, its name or id).
    #[arg(long, value_name = "R")]
    pub repo: Option<String>,
    /// Every signal of every severity, none summarised away.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum PostureCommand {
    /// One subject's score factor by factor: raw value, normalised value, weight, contribution,
    /// the formula with its numbers, and the commits, findings and events behind it.
    Explain {
        /// `developer:X`, `team:X`, `agent:X`, `repo:X`, or X alone: an identity id, e-mail or
        /// name, an agent id, a team, a repository (path, name or id).
        #[arg(value_name = "SUBJECT")]
        subject: String,
    },
}
