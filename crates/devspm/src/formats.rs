//! Which `--format` each command writes, in one table: every command that produces findings
//! writes all five (table, JSON, CSV, Markdown, SARIF — the last three through
//! `devspm_report::findings` and `devspm_report::sarif`), reports write table and JSON (some
//! CSV and Markdown too), and any other choice is refused before anything runs, with exit
//! status 2 and the list of what the command supports.

use crate::cli::{
    AuditCommand, CiCommand, Command, ExportCommand, Format, IdentitiesCommand, PolicyCommand,
    PostureCommand, ToolsCommand,
};

/// Every format: the commands that produce findings.
pub const FINDINGS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Csv,
    Format::Markdown,
    Format::Sarif,
];
/// Reports with rows that spreadsheets and job summaries take.
const REPORT: &[Format] = &[Format::Table, Format::Json, Format::Csv, Format::Markdown];
/// Everything else.
const BASIC: &[Format] = &[Format::Table, Format::Json];

/// The command's name as typed (`tools scan`) and the formats it writes.
pub fn supported(command: &Command) -> (&'static str, &'static [Format]) {
    match command {
        Command::Scan(_) => ("scan", FINDINGS),
        Command::Ingest(_) => ("ingest git", BASIC),
        Command::Identities(args) => (
            match args.command {
                None | Some(IdentitiesCommand::List { .. }) => "identities",
                Some(IdentitiesCommand::Show { .. }) => "identities show",
                Some(IdentitiesCommand::Suggest) => "identities suggest",
                Some(IdentitiesCommand::Forget { .. }) => "identities forget",
            },
            BASIC,
        ),
        Command::Ai(_) => ("ai", REPORT),
        Command::Import(args) if args.list => ("import --list", BASIC),
        Command::Import(args) if args.undo.is_some() => ("import --undo", BASIC),
        Command::Import(_) => ("import", FINDINGS),
        Command::Findings(args) if args.command.is_some() => ("findings triage", BASIC),
        Command::Findings(_) => ("findings", FINDINGS),
        Command::Attribute(_) => ("attribute", BASIC),
        // The document they write is SARIF or CycloneDX whatever --format says.
        Command::Export(ExportCommand::Sarif { .. }) => ("export sarif", BASIC),
        Command::Export(ExportCommand::Vex { .. }) => ("export vex", BASIC),
        Command::Export(ExportCommand::Csv { .. }) => ("export csv", BASIC),
        Command::Audit(AuditCommand::Export { .. }) => {
            ("audit export", &[Format::Table, Format::Json, Format::Csv])
        }
        Command::Audit(command) => (
            match command {
                AuditCommand::Verify { .. } => "audit verify",
                AuditCommand::Keygen { .. } => "audit keygen",
                AuditCommand::Checkpoint { .. } => "audit checkpoint",
                AuditCommand::Prove { .. } => "audit prove",
                AuditCommand::Consistency { .. } => "audit consistency",
                AuditCommand::Evidence { .. } => "audit evidence",
                AuditCommand::Log { .. } => "audit log",
                AuditCommand::Export { .. } => "audit export",
            },
            BASIC,
        ),
        Command::Rebuild => ("rebuild", BASIC),
        Command::Migrate(_) => ("migrate", BASIC),
        Command::Ci(CiCommand::Audit(_)) => ("ci audit", FINDINGS),
        Command::Tools(ToolsCommand::Scan(_)) => ("tools scan", FINDINGS),
        Command::Tools(ToolsCommand::List(_)) => ("tools list", BASIC),
        Command::Policy(PolicyCommand::Check(_)) => ("policy check", FINDINGS),
        Command::Advisories(_) => ("advisories", BASIC),
        Command::Hook(_) => ("hook", BASIC),
        Command::Posture(args) => match args.command {
            Some(PostureCommand::Explain { .. }) => ("posture explain", REPORT),
            None => ("posture", REPORT),
        },
        // HTML is its default: `table` (the global default) means HTML here.
        Command::Report(_) => (
            "report",
            &[Format::Table, Format::Html, Format::Markdown, Format::Json],
        ),
        Command::Signals(_) => ("signals", &[Format::Table, Format::Json, Format::Csv]),
        Command::SecretKey(_) => ("secret-key", BASIC),
        Command::Config(_) => ("config show", BASIC),
        Command::Completions { .. } => ("completions", BASIC),
        Command::Man { .. } => ("man", BASIC),
    }
}

/// The format's name as typed.
pub fn name(format: Format) -> &'static str {
    match format {
        Format::Table => "table",
        Format::Json => "json",
        Format::Csv => "csv",
        Format::Markdown => "markdown",
        Format::Sarif => "sarif",
        Format::Html => "html",
    }
}

/// `Err` (a usage error: exit 2) when `command` does not write `format`, naming what it does.
pub fn check(command: &Command, format: Format) -> Result<(), crate::UsageError> {
    let (command, formats) = supported(command);
    if formats.contains(&format) {
        return Ok(());
    }
    let names: Vec<&str> = formats.iter().map(|f| name(*f)).collect();
    Err(crate::UsageError(format!(
        "--format {} is not available for `devspm {command}`; it writes {}",
        name(format),
        names.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser, ValueEnum};

    use super::*;
    use crate::cli::Cli;

    /// Every leaf of the command tree, as the words that reach it.
    fn leaves(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, clap::Command)>) {
        let subcommands: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        // A command whose subcommand is optional (`findings`, `identities`, `posture`) is a
        // leaf itself too.
        if subcommands.is_empty() || !cmd.is_subcommand_required_set() {
            out.push((path.clone(), cmd.clone()));
        }
        for s in subcommands {
            let mut p = path.clone();
            p.push(s.get_name().to_owned());
            leaves(s, p, out);
        }
    }

    /// A command line that reaches the leaf: a value for each required argument (its first
    /// possible value when it has a list); with `positionals`, for every positional one
    /// (those required unless another flag is given).
    fn command_line(
        path: &[String],
        leaf: &clap::Command,
        format: &str,
        positionals: bool,
    ) -> Vec<String> {
        let mut args = vec![
            "devspm".to_owned(),
            "--format".to_owned(),
            format.to_owned(),
        ];
        args.extend(path.iter().cloned());
        for arg in leaf
            .get_arguments()
            .filter(|a| a.is_required_set() || (positionals && a.is_positional()))
        {
            let value = arg
                .get_possible_values()
                .first()
                .map_or_else(|| "1".to_owned(), |v| v.get_name().to_owned());
            match arg.get_long() {
                Some(long) => {
                    args.push(format!("--{long}"));
                    args.push(value);
                }
                None => args.push(value),
            }
        }
        args
    }

    /// Walks every command of the clap tree with every format: each parses, each finding-
    /// producing command accepts all five formats, every command accepts table and JSON, and
    /// every other format is refused with a message naming the formats the command writes.
    #[test]
    fn every_command_states_its_formats() {
        let mut all = Vec::new();
        leaves(&Cli::command(), Vec::new(), &mut all);
        assert!(all.len() > 30, "{} commands", all.len());
        let mut finding_commands = Vec::new();
        let mut lines = Vec::new();
        for (path, leaf) in &all {
            for format in Format::value_variants() {
                let mut line = command_line(path, leaf, name(*format), false);
                if Cli::try_parse_from(&line).is_err() {
                    line = command_line(path, leaf, name(*format), true);
                }
                // Arguments required only without another (`--reason` unless `--state open`):
                // added as clap names them.
                for _ in 0..4 {
                    let Err(e) = Cli::try_parse_from(&line) else {
                        break;
                    };
                    let Some(clap::error::ContextValue::Strings(missing)) =
                        e.get(clap::error::ContextKind::InvalidArg)
                    else {
                        break;
                    };
                    for m in missing {
                        let flag = m.split_whitespace().next().unwrap_or_default();
                        line.push(flag.to_owned());
                        line.push("1".to_owned());
                    }
                }
                lines.push((line, *format));
            }
        }
        // The modes of `import` that list and withdraw.
        for format in Format::value_variants() {
            for mode in [&["--list"][..], &["--undo", "imp-1"]] {
                let mut line = vec!["devspm", "--format", name(*format), "import"];
                line.extend(mode);
                lines.push((line.into_iter().map(str::to_owned).collect(), *format));
            }
        }
        for (line, format) in &lines {
            let cli = Cli::try_parse_from(line)
                .unwrap_or_else(|e| panic!("{line:?} does not parse: {e}"));
            let (command_name, formats) = supported(&cli.command);
            assert!(
                formats.contains(&Format::Table) && formats.contains(&Format::Json),
                "{command_name}"
            );
            match check(&cli.command, *format) {
                Ok(()) => assert!(formats.contains(format)),
                Err(e) => {
                    assert!(!formats.contains(format));
                    for f in formats {
                        assert!(e.0.contains(name(*f)), "{}", e.0);
                    }
                    assert!(e.0.contains(command_name), "{}", e.0);
                }
            }
            if formats == FINDINGS && *format == Format::Sarif {
                finding_commands.push(command_name);
            }
        }
        finding_commands.sort_unstable();
        assert_eq!(
            finding_commands,
            vec![
                "ci audit",
                "findings",
                "import",
                "policy check",
                "scan",
                "tools scan"
            ]
        );
    }

    /// The README's command table and the command line agree: every command (but the hidden
    /// ones) has a row, and every row names a command that exists.
    #[test]
    fn every_command_is_in_the_readme_table() {
        let readme = include_str!("../../../README.md");
        let table = readme
            .split("| command | what it does |")
            .nth(1)
            .expect("the README has a command table");
        let mut documented = std::collections::BTreeSet::new();
        for row in table.lines().skip(1).take_while(|l| l.starts_with('|')) {
            // The first cell (a `\|` inside it is an escaped bar).
            let cell = row[1..].replace("\\|", "/");
            let cell = cell.split('|').next().unwrap_or_default();
            for span in cell.split('`').skip(1).step_by(2) {
                let Some(rest) = span.strip_prefix("devspm ") else {
                    continue;
                };
                let words: Vec<&str> = rest
                    .split_whitespace()
                    .take_while(|w| {
                        w.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !w.starts_with('-')
                    })
                    .collect();
                documented.insert(words.join(" "));
            }
        }
        let mut all = Vec::new();
        leaves(&Cli::command(), Vec::new(), &mut all);
        let mut commands = std::collections::BTreeSet::new();
        for (path, leaf) in &all {
            if leaf.is_hide_set() || path.is_empty() {
                continue;
            }
            let name = path.join(" ");
            // `identities list` is `identities [list]`.
            let shown = name.strip_suffix(" list").unwrap_or(&name).to_owned();
            assert!(
                documented.contains(&name) || documented.contains(&shown),
                "`devspm {name}` has no row in the README's command table"
            );
            commands.insert(name);
            commands.insert(shown);
        }
        for row in &documented {
            assert!(
                commands.contains(row),
                "the README documents `devspm {row}`, which is not a command"
            );
        }
    }
}
