//! `devspm config show`: the effective configuration — every setting, its value and where it
//! came from — as the table the CLI prints (the engine computes the rows,
//! `devspm_engine::configuration::report`; a server's "effective configuration" endpoint
//! returns the same rows as JSON).

use serde::Serialize;

use crate::table::Table;

/// One setting of the effective configuration.
#[derive(Clone, Debug, Serialize)]
pub struct Setting {
    /// The setting's name (`database`, `posture.weights.finding_rate` …).
    pub setting: &'static str,
    /// Its value (paths and names in it are outside text: the table escapes its cells).
    pub value: String,
    /// Where the value came from: a flag, an environment variable, a file (and line), or
    /// `default`.
    pub from: String,
}

/// The table, then the precedence rule.
pub fn table(rows: &[Setting]) -> String {
    let mut t = Table::new(&[("setting", false), ("value", false), ("from", false)]);
    for r in rows {
        t.row(vec![r.setting.to_owned(), r.value.clone(), r.from.clone()]);
    }
    format!(
        "{}\nPrecedence: a flag, then its environment variable, then the configuration file, then the default. docs/configuration.md says more.\n",
        t.render("")
    )
}
