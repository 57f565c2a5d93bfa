//! Renderers shared by devspm's front ends (the CLI today, the dashboard later): one escaping
//! function per output format, and the plain-text table.
//!
//! Text from outside — author names and e-mails, commit messages, paths, ref names, scanner
//! tool and rule names and messages, extension and MCP server names — is attacker-controlled:
//! anyone who can push a commit, name a file or write a SARIF file chooses it. Every renderer
//! passes it through the function of its format, so that what is shown is the text itself and
//! never an instruction to the terminal, the Markdown renderer or the spreadsheet:
//!
//! | format | function | what it stops |
//! |---|---|---|
//! | terminal text | [`terminal::escape`] (one line), [`terminal::escape_lines`] | escape sequences (title, screen clear, colours, hyperlinks), overwriting (`\r`, `\b`), C1 controls, bidi reordering, invisible characters, forged rows and log lines |
//! | tables | [`table::Table`] escapes every cell | the same, for every table |
//! | Markdown | [`markdown::text`], [`markdown::code`] | the terminal's list, plus links, images, raw HTML, entities, emphasis, broken table rows, forged headings and lists |
//! | CSV | [`csv::cell`], records written by [`csv::Writer`] (the `csv` crate; [`csv::Writer::exact`] for byte-exact exports) | the terminal's list, plus formulas and quote breakout |
//! | JSON | [`json::to_string_pretty`], [`json::to_string`] | raw DEL, C1, bidi and invisible characters (written as `\uXXXX`; the strings round-trip exactly) |
//! | HTML | [`html::text`] (element content and quoted attributes) | the terminal's list, plus tags, scripts, attribute breakout, entities; very long text is cut with the length said; links only to anchors devspm makes (no `javascript:` URL) |
//!
//! [`findings`] renders findings — from any command that produces them — as a table fitted
//! to the terminal, CSV and Markdown, and [`sarif`] as SARIF 2.1.0 with each result's
//! attribution: one view and one builder for every command. [`signals`] renders `devspm
//! signals`, [`posture`] `devspm posture` and `devspm posture explain`, [`ai`] `devspm ai`. [`report`] is the organisation's report (`devspm report`): its data, one
//! self-contained HTML file and a Markdown summary. [`evidence`] renders the evidence pack (`devspm audit evidence`) in Markdown; [`number`]
//! formats counts and percentages; [`vex`] writes dependency findings as a CycloneDX VEX
//! document (for DefectDojo and Dependency-Track).
//!
//! Every other command's text has its module: [`scan`] (the summary, `ingest git`), [`import`],
//! [`szz`] and [`attribution`] (`attribute`), [`tools`], [`ci`] (`ci audit`), [`policy`],
//! [`identities`], [`audit`] (verify, checkpoints, proofs, export, evidence, rebuild, migrate),
//! [`advisories`], [`triage`], [`hook`], [`secret_key`] and [`config`] (`config show`). Their
//! inputs are plain views the engine fills (this crate never depends on the engine or the
//! ledger).
//!
//! Escaping is for display only: the ledger records the original text, and JSON carries it.
//! The notation is described in [`terminal`].

pub mod advisories;
pub mod ai;
pub mod attribution;
pub mod audit;
pub mod ci;
pub mod config;
pub mod csv;
pub mod evidence;
pub mod findings;
pub mod hook;
pub mod html;
pub mod identities;
pub mod import;
pub mod json;
pub mod markdown;
pub mod number;
pub mod policy;
pub mod posture;
pub mod report;
pub mod sarif;
pub mod scan;
pub mod secret_key;
pub mod signals;
pub mod style;
pub mod szz;
pub mod table;
pub mod terminal;
pub mod tools;
pub mod triage;
pub mod vex;

#[cfg(test)]
mod catalogue {
    //! Every escaping function against every case of the shared catalogue of hostile strings
    //! (`tests/fixtures/hostile-strings.json`, see its README).

    use crate::terminal::needs_escape;

    fn cases() -> Vec<(String, String)> {
        let text = include_str!("../tests/fixtures/hostile-strings.json");
        let value: serde_json::Value = serde_json::from_str(text).expect("catalogue is JSON");
        let cases: Vec<(String, String)> = value["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().expect("id").to_owned(),
                    c["text"].as_str().expect("text").to_owned(),
                )
            })
            .collect();
        assert_eq!(cases.len(), 29, "the catalogue has 29 cases");
        cases
    }

    /// No byte a terminal acts on, no bidi control, no invisible character.
    fn assert_inert(id: &str, shown: &str, line_feeds_allowed: bool) {
        for c in shown.chars() {
            assert!(
                !needs_escape(c) || (line_feeds_allowed && c == '\n'),
                "{id}: {:?} left raw in {shown:?}",
                c
            );
        }
    }

    /// Undoes [`crate::terminal::escape`]: the notation must be unambiguous.
    fn unescape(shown: &str) -> String {
        let mut out = String::new();
        let mut chars = shown.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('0') => out.push('\0'),
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('x') => {
                    let hex: String = chars.by_ref().take(2).collect();
                    out.push(char::from(u8::from_str_radix(&hex, 16).expect("hex")));
                }
                Some('u') => {
                    assert_eq!(chars.next(), Some('{'));
                    let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).expect("hex")).unwrap());
                }
                other => panic!("unknown escape {other:?} in {shown:?}"),
            }
        }
        out
    }

    #[test]
    fn terminal_escape_is_inert_one_line_and_reversible() {
        for (id, text) in cases() {
            let shown = crate::terminal::escape(&text);
            assert_inert(&id, &shown, false);
            assert!(!shown.contains('\n'), "{id}: a line break survived");
            assert_eq!(unescape(&shown), text, "{id}: escaping lost information");
            let lines = crate::terminal::escape_lines(&text);
            assert_inert(&id, &lines, true);
            assert_eq!(unescape(&lines), text, "{id}");
            assert_inert(&id, &crate::terminal::guard(&text), true);
        }
    }

    #[test]
    fn tables_stay_aligned_rows() {
        for (id, text) in cases() {
            let mut t = crate::table::Table::new(&[("a", false), ("b", false)]);
            t.row(vec![text.clone(), "end".into()]);
            let out = t.render("");
            assert_inert(&id, &out, true);
            assert_eq!(
                out.lines().count(),
                2,
                "{id}: the cell forged a row: {out:?}"
            );
            assert!(out.lines().nth(1).unwrap().ends_with("  end"), "{id}");
        }
    }

    #[test]
    fn markdown_text_is_plain_text_in_one_cell() {
        for (id, text) in cases() {
            let shown = crate::markdown::text(&text);
            assert_inert(&id, &shown, false);
            assert!(!shown.contains('\n'), "{id}");
            // Every markup character is backslash-escaped: no unescaped `|`, `[`, `<`, `` ` ``
            // or `&` remains (pairs `\\` are literal backslashes; `_` only between letters).
            let mut chars = shown.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    chars.next();
                    continue;
                }
                assert!(
                    !"|[]<>`&*~#$!".contains(c),
                    "{id}: unescaped {c:?} in {shown:?}"
                );
            }
            let code = crate::markdown::code(&text);
            assert_inert(&id, &code, false);
        }
    }

    #[test]
    fn html_text_is_inert_and_markup_free() {
        for (id, text) in cases() {
            let shown = crate::html::text(&text);
            assert_inert(&id, &shown, false);
            assert!(!shown.contains(['<', '>', '"', '\'']), "{id}: {shown:?}");
            // Every `&` starts one of the references the function writes.
            for (at, _) in shown.match_indices('&') {
                let rest = &shown[at..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                        .iter()
                        .any(|r| rest.starts_with(r)),
                    "{id}: {shown:?}"
                );
            }
        }
    }

    #[test]
    fn csv_fields_are_inert_and_formula_free() {
        for (id, text) in cases() {
            let field = crate::csv::field(&text);
            assert_inert(&id, &field, false);
            let unquoted = field
                .strip_prefix('"')
                .and_then(|f| f.strip_suffix('"'))
                .unwrap_or(&field);
            assert!(
                !unquoted.starts_with(['=', '+', '-', '@']),
                "{id}: formula left in {field:?}"
            );
            if unquoted.len() != field.len() {
                assert!(!unquoted.replace("\"\"", "").contains('"'), "{id}");
            } else {
                assert!(!field.contains([',', '"']), "{id}");
            }
            // A record of it, written by the csv crate, is the same cell twice and one line.
            let line = crate::csv::record(&[text.as_str(), text.as_str()]);
            assert_eq!(line, format!("{field},{field}\n"), "{id}");
        }
    }

    #[test]
    fn json_round_trips_every_string_exactly() {
        let strings: Vec<String> = cases().into_iter().map(|(_, text)| text).collect();
        for text in [
            crate::json::to_string_pretty(&strings).unwrap(),
            crate::json::to_string(&strings).unwrap(),
        ] {
            assert_inert("json", &text, true);
            let back: Vec<String> = serde_json::from_str(&text).unwrap();
            assert_eq!(back, strings);
        }
    }

    /// Every finding renderer with every hostile string in every outside field: the table and
    /// CSV stay one row per finding and inert, Markdown keeps its table rows, and SARIF (as
    /// the front end writes it, through [`crate::json`]) is inert and carries the exact text.
    #[test]
    fn finding_renderers_keep_hostile_text_inert() {
        use crate::findings::{Attribution, Finding};
        for (id, text) in cases() {
            let finding = Finding {
                id: "f1".into(),
                repository: text.clone(),
                tool: text.clone(),
                rule: text.clone(),
                kind: "code".into(),
                severity: "high".into(),
                status: "open".into(),
                message: text.clone(),
                path: Some(format!("{text}.py")),
                line: Some(7),
                attribution: Attribution {
                    state: Some("attributed".into()),
                    developer_name: Some(text.clone()),
                    agents: vec![text.clone()],
                    ..Attribution::default()
                },
                ..Finding::default()
            };
            let findings = [finding];
            for width in [None, Some(60), Some(160)] {
                let table = crate::findings::table(&findings, 0, width, 0);
                assert_inert(&id, &table, true);
                assert_eq!(table.lines().count(), 4, "{id}: {table:?}");
                assert!(table.contains(":7"), "{id}: the line was cut: {table}");
            }
            let csv = crate::findings::csv(&findings).unwrap();
            assert_inert(&id, &csv, true);
            assert_eq!(csv.lines().count(), 2, "{id}: {csv:?}");
            let md = crate::findings::markdown("t", &findings, 0, 0);
            assert_inert(&id, &md, true);
            let row = md.lines().last().unwrap();
            assert_eq!(
                row.replace("\\\\", "")
                    .replace("\\|", "")
                    .matches('|')
                    .count(),
                11,
                "{id}: {row}"
            );
            let producer = crate::sarif::Producer {
                version: "0",
                information_uri: "https://example.invalid",
            };
            let sarif = crate::sarif::document(&producer, &[], &findings);
            let written = crate::json::to_string_pretty(&sarif).unwrap();
            assert_inert(&id, &written, true);
            let back: serde_json::Value = serde_json::from_str(&written).unwrap();
            let result = &back["runs"][0]["results"][0];
            assert_eq!(
                result["message"]["text"].as_str(),
                Some(text.as_str()),
                "{id}"
            );
            assert_eq!(result["ruleId"].as_str(), Some(text.as_str()), "{id}");
        }
    }
}
