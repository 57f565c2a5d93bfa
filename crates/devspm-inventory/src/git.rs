//! Git hygiene from the user's global configuration: identity, commit signing, and whether
//! credentials are kept in plaintext (`credential.helper=store`).
//!
//! Files are read in git's order — `$XDG_CONFIG_HOME/git/config` (`.config/git/config`), then
//! `.gitconfig` — so later values win, and `[include] path` files are read in place (only when
//! they lie under home; at most a few levels deep, each file once). Each file is read with
//! gix-config's parser ([`crate::ini::parse_git`]); a file git would refuse is reported and
//! skipped.
//!
//! `[includeIf "<condition>"] path` files are read in place too, and their entries keep the
//! condition: they apply only inside repositories that match it (`gitdir:~/projects/`,
//! `onbranch:…`, `hasconfig:remote.*.url:…`), and this is the configuration outside any
//! repository. So the reported values are the unconditional ones, the conditional files are
//! listed with their conditions, and each condition is evaluated as git would in a matching
//! repository: a risk that appears only there (a work profile with `credential.helper = store`,
//! or with `commit.gpgsign = false`) is reported with the condition it depends on.

use std::path::{Path, PathBuf};

use crate::home::{self, Home};
use crate::ini;
use crate::report::{
    ConditionalInclude, GitConfig, InventoryItem, ItemDetails, ItemKind, Risk, Severity,
};

const FILES: &[&str] = &[".config/git/config", ".gitconfig"];
const MAX_INCLUDE_DEPTH: usize = 5;

/// An entry, the file it came from, and the `[includeIf]` condition it depends on.
struct Located {
    entry: ini::Entry,
    file: String,
    /// `None` for configuration that applies everywhere.
    condition: Option<String>,
}

/// What was read: every entry in git's order, and the files, each with its condition.
#[derive(Default)]
struct Read {
    entries: Vec<Located>,
    files: Vec<(String, Option<String>)>,
}

/// The git config item, and the file `user.email` came from.
pub(crate) fn scan(home: &mut Home) -> Option<(InventoryItem, Option<String>)> {
    let mut read = Read::default();
    for file in FILES {
        read_file(home, Path::new(file), 0, None, &mut read);
    }
    let files: Vec<String> = read
        .files
        .iter()
        .filter(|(_, condition)| condition.is_none())
        .map(|(file, _)| file.clone())
        .collect();
    if files.is_empty() {
        return None;
    }
    let path = if files.iter().any(|f| f == ".gitconfig") {
        ".gitconfig".to_owned()
    } else {
        files[0].clone()
    };
    let global = evaluate(read.entries.iter().filter(|l| l.condition.is_none()));
    let mut risks = global.risks(&path);
    let mut conditions: Vec<&str> = Vec::new();
    for (_, condition) in &read.files {
        if let Some(c) = condition.as_deref()
            && !conditions.contains(&c)
        {
            conditions.push(c);
        }
    }
    for condition in conditions {
        let applies = |l: &&Located| l.condition.as_deref().is_none_or(|c| c == condition);
        let inside = evaluate(read.entries.iter().filter(applies));
        for mut risk in inside.risks(&path) {
            if risks.iter().any(|r| r.rule == risk.rule) {
                continue;
            }
            risk.message = format!(
                "{} (in repositories matching [includeIf \"{condition}\"])",
                risk.message
            );
            risks.push(risk);
        }
    }
    let email_file = global.email_file.clone();
    let config = GitConfig {
        files,
        conditional_includes: read
            .files
            .iter()
            .filter_map(|(file, condition)| {
                Some(ConditionalInclude {
                    condition: condition.clone()?,
                    file: file.clone(),
                })
            })
            .collect(),
        ..global.config
    };
    let item = InventoryItem {
        kind: ItemKind::GitConfig,
        id: "git".into(),
        name: "git".into(),
        version: None,
        source: "git".into(),
        path,
        details: ItemDetails::GitConfig(config),
        risks,
    };
    Some((item, email_file))
}

/// The values a sequence of entries leaves, as git reads them (the last one wins).
struct Effective<'a> {
    config: GitConfig,
    email_file: Option<String>,
    /// The entry that made `store` an effective credential helper.
    store_helper: Option<&'a Located>,
}

fn evaluate<'a>(entries: impl Iterator<Item = &'a Located>) -> Effective<'a> {
    let mut config = GitConfig {
        files: Vec::new(),
        user_email: None,
        commit_gpgsign: None,
        tag_gpgsign: None,
        gpg_format: None,
        signing_key_present: false,
        credential_helpers: Vec::new(),
        conditional_includes: Vec::new(),
    };
    let mut email_file = None;
    let mut store_helper = None;
    for located in entries {
        let e = &located.entry;
        let value = e.value.as_deref();
        match (e.section.as_str(), e.subsection.as_deref(), e.key.as_str()) {
            ("user", None, "email") => {
                config.user_email = value.map(str::to_owned).filter(|v| !v.is_empty());
                email_file = Some(located.file.clone());
            }
            ("user", None, "signingkey") => {
                config.signing_key_present = value.is_some_and(|v| !v.is_empty());
            }
            ("commit", None, "gpgsign") => config.commit_gpgsign = ini::git_bool(value),
            ("tag", None, "gpgsign") => config.tag_gpgsign = ini::git_bool(value),
            ("gpg", None, "format") => config.gpg_format = value.map(str::to_owned),
            ("credential", _, "helper") => match value {
                None | Some("") => {
                    config.credential_helpers.clear();
                    store_helper = None;
                }
                Some(helper) => {
                    config.credential_helpers.push(helper.to_owned());
                    if helper == "store" || helper.starts_with("store ") {
                        store_helper = Some(located);
                    }
                }
            },
            _ => {}
        }
    }
    Effective {
        config,
        email_file,
        store_helper,
    }
}

impl Effective<'_> {
    /// The hygiene risks of these values; lines are given for entries of `path`.
    fn risks(&self, path: &str) -> Vec<Risk> {
        let config = &self.config;
        let mut risks = Vec::new();
        if let Some(located) = self.store_helper {
            let mut risk = Risk::new(
                "git-credential-store",
                Severity::High,
                "credential.helper = store: git keeps passwords and tokens in plaintext in ~/.git-credentials",
            );
            risk.line = (located.file == path).then_some(located.entry.line);
            risks.push(risk);
        }
        if config.commit_gpgsign != Some(true) {
            risks.push(Risk::new(
                "git-commits-unsigned",
                Severity::Low,
                "commit.gpgsign is not true: commits are not signed, so their author cannot be verified",
            ));
        } else if config.gpg_format.as_deref() == Some("ssh") && !config.signing_key_present {
            risks.push(Risk::new(
                "git-signing-key-missing",
                Severity::Medium,
                "commit.gpgsign is true with gpg.format = ssh but no user.signingkey: commits will fail to sign",
            ));
        }
        risks
    }
}

/// Reads one config file and, in place, the files it includes; `condition` is the
/// `[includeIf]` condition the file was brought in under.
fn read_file(home: &mut Home, rel: &Path, depth: usize, condition: Option<&str>, read: &mut Read) {
    let shown = home::display(rel);
    if read
        .files
        .iter()
        .any(|(file, c)| *file == shown && c.as_deref() == condition)
    {
        return; // included twice, or an include cycle
    }
    let Some(bytes) = home.read(rel) else {
        return;
    };
    read.files
        .push((shown.clone(), condition.map(str::to_owned)));
    let entries = match ini::parse_git(&bytes) {
        Ok(entries) => entries,
        Err(reason) => {
            home.warn(
                rel,
                None,
                format!("not a valid git config file, as git would refuse it: {reason}"),
            );
            return;
        }
    };
    let base: PathBuf = rel.parent().map(Path::to_path_buf).unwrap_or_default();
    for entry in entries {
        // `[include] path` keeps the condition of the file it is in; `[includeIf "c"] path`
        // adds `c` to it.
        let include = match (entry.section.as_str(), entry.key.as_str()) {
            ("include", "path") => Some(condition.map(str::to_owned)),
            ("includeif", "path") => entry.subsection.as_deref().map(|c| {
                Some(match condition {
                    Some(outer) => format!("{outer} and {c}"),
                    None => c.to_owned(),
                })
            }),
            _ => None,
        };
        let target = entry.value.clone();
        read.entries.push(Located {
            entry,
            file: shown.clone(),
            condition: condition.map(str::to_owned),
        });
        let (Some(included_condition), Some(target)) = (include, target) else {
            continue;
        };
        if depth >= MAX_INCLUDE_DEPTH {
            home.warn(rel, None, "includes nested too deeply; not followed");
            continue;
        }
        match home.relative_to_home(&target, &base) {
            Some(included) => read_file(
                home,
                &included,
                depth + 1,
                included_condition.as_deref(),
                read,
            ),
            None => home.warn(
                rel,
                None,
                format!(
                    "an [{}] path lies outside the home directory; not followed",
                    entry_section(condition, included_condition.as_deref())
                ),
            ),
        }
    }
}

/// The section name a followed include was written in, for warnings: an `[include]` keeps its
/// file's condition, an `[includeIf]` changes it.
fn entry_section(file_condition: Option<&str>, included_condition: Option<&str>) -> &'static str {
    if file_condition == included_condition {
        "include"
    } else {
        "includeIf"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_home(files: &[(&str, &str)]) -> (InventoryItem, Option<String>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let mut home = Home::new(dir.path(), 1 << 20, 1000);
        let (item, email_file) = scan(&mut home).expect("a git config");
        let warnings = home.warnings.iter().map(|w| w.message.clone()).collect();
        (item, email_file, warnings)
    }

    fn details(item: &InventoryItem) -> &GitConfig {
        match &item.details {
            ItemDetails::GitConfig(config) => config,
            other => panic!("not git config details: {other:?}"),
        }
    }

    #[test]
    fn include_if_files_apply_only_under_their_condition() {
        let (item, email_file, warnings) = scan_home(&[
            (
                ".gitconfig",
                "[user]\n\temail = me@home.example\n[commit]\n\tgpgsign = true\n[includeIf \"gitdir:~/projects/\"]\n\tpath = ~/.gitconfig-work\n[includeIf \"onbranch:main\"]\n\tpath = /etc/outside\n",
            ),
            (
                ".gitconfig-work",
                "[user]\n\temail = me@work.example\n[credential]\n\thelper = store\n[commit]\n\tgpgsign = false\n[include]\n\tpath = .gitconfig-work-more\n",
            ),
            (".gitconfig-work-more", "[tag]\n\tgpgsign = true\n"),
        ]);
        let config = details(&item);
        // Outside any repository the work profile does not apply.
        assert_eq!(config.files, [".gitconfig"]);
        assert_eq!(config.user_email.as_deref(), Some("me@home.example"));
        assert_eq!(email_file.as_deref(), Some(".gitconfig"));
        assert_eq!(config.commit_gpgsign, Some(true));
        assert_eq!(config.tag_gpgsign, None);
        assert!(config.credential_helpers.is_empty());
        // An include inside a conditional file is conditional on the same condition.
        let conditional: Vec<(&str, &str)> = config
            .conditional_includes
            .iter()
            .map(|c| (c.condition.as_str(), c.file.as_str()))
            .collect();
        assert_eq!(
            conditional,
            [
                ("gitdir:~/projects/", ".gitconfig-work"),
                ("gitdir:~/projects/", ".gitconfig-work-more")
            ]
        );
        // Inside a work repository: plaintext credentials and unsigned commits.
        let rules: Vec<(&str, &str, Option<u32>)> = item
            .risks
            .iter()
            .map(|r| (r.rule.as_str(), r.message.as_str(), r.line))
            .collect();
        assert_eq!(
            rules,
            [
                (
                    "git-credential-store",
                    "credential.helper = store: git keeps passwords and tokens in plaintext in ~/.git-credentials (in repositories matching [includeIf \"gitdir:~/projects/\"])",
                    None
                ),
                (
                    "git-commits-unsigned",
                    "commit.gpgsign is not true: commits are not signed, so their author cannot be verified (in repositories matching [includeIf \"gitdir:~/projects/\"])",
                    None
                ),
            ]
        );
        assert_eq!(
            warnings,
            ["an [includeIf] path lies outside the home directory; not followed"]
        );
    }

    #[test]
    fn a_file_git_refuses_is_skipped_with_a_warning() {
        let (item, _, warnings) = scan_home(&[
            (".config/git/config", "[user\n\temail = broken@example\n"),
            (".gitconfig", "[credential]\n\thelper = store\n"),
        ]);
        let config = details(&item);
        assert_eq!(config.files, [".config/git/config", ".gitconfig"]);
        assert_eq!(config.user_email, None);
        assert_eq!(item.risks[0].rule, "git-credential-store");
        assert_eq!(item.risks[0].line, Some(2));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("not a valid git config file, as git would refuse it:"),
            "{warnings:?}"
        );
    }
}
