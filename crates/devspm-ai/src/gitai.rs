//! git-ai authorship notes (`refs/notes/ai`, Git AI Standard v3.0.0): which lines of which
//! files of a commit an AI session wrote.
//!
//! A note is an attestation section — a file path line, then indented `<key> <ranges>` lines
//! (`1-4,9-10,12`, 1-based) — then a line `---`, then a JSON object whose `sessions` (keys
//! `s_<hex>`, written as `s_<hex>::t_<hex>` in the attestation) and `prompts` (legacy bare hex
//! keys) name the agent (`agent_id.tool`, `agent_id.model`); `h_<hex>` keys are humans.

use std::collections::BTreeMap;

/// The tool of lines whose session the note's metadata does not describe: git-ai can be set
/// not to store prompts (`"prompts": {}`), and the attestation still says the lines are AI's.
pub const UNDESCRIBED_SESSION: &str = "";

/// AI-written line ranges of one file in one commit, by one agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AiLines {
    pub path: String,
    /// `agent_id.tool` as written (`claude`, `cursor` …); [`UNDESCRIBED_SESSION`] when the
    /// metadata does not describe the session.
    pub tool: String,
    pub model: Option<String>,
    /// Inclusive, 1-based line ranges.
    pub ranges: Vec<(u32, u32)>,
}

/// (path, tool, model): what one group of ranges belongs to.
type FileAgent = (String, String, Option<String>);

/// Parses a note into AI line ranges (human ranges are left out). `Err` says what is wrong.
pub fn parse_note(text: &str) -> Result<Vec<AiLines>, String> {
    let (attestation, metadata) = match text
        .find("\n---\n")
        .map(|i| (i, i + 5))
        .or_else(|| text.starts_with("---\n").then_some((0, 4)))
    {
        Some((end, start)) => (&text[..end], &text[start..]),
        None => return Err("no `---` line between the attestation and the metadata".into()),
    };
    let meta: serde_json::Value =
        serde_json::from_str(metadata.trim()).map_err(|e| format!("metadata is not JSON: {e}"))?;
    let agent_of = |key: &str| -> Option<(String, Option<String>)> {
        let (table, id) = if let Some((session, _)) = key.split_once("::") {
            ("sessions", session)
        } else if key.starts_with("h_") {
            return None;
        } else if key.starts_with("s_") {
            ("sessions", key)
        } else {
            ("prompts", key)
        };
        // A session or prompt key the metadata does not describe is still an AI session.
        let Some(agent) = meta
            .get(table)
            .and_then(|t| t.get(id))
            .and_then(|s| s.get("agent_id"))
        else {
            return Some((UNDESCRIBED_SESSION.to_owned(), None));
        };
        Some((
            agent
                .get("tool")
                .and_then(|t| t.as_str())
                .unwrap_or(UNDESCRIBED_SESSION)
                .to_owned(),
            agent
                .get("model")
                .and_then(|m| m.as_str())
                .map(str::to_owned),
        ))
    };
    let mut by_file_agent: BTreeMap<FileAgent, Vec<(u32, u32)>> = BTreeMap::new();
    let mut path: Option<String> = None;
    for (number, line) in attestation.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            path = Some(line.trim().to_owned());
            continue;
        }
        let Some(file) = &path else {
            return Err(format!("line {}: ranges before any file path", number + 1));
        };
        let (key, ranges) = line
            .trim()
            .split_once(' ')
            .ok_or_else(|| format!("line {}: expected `<key> <ranges>`", number + 1))?;
        let ranges = parse_ranges(ranges).map_err(|e| format!("line {}: {e}", number + 1))?;
        if let Some((tool, model)) = agent_of(key) {
            by_file_agent
                .entry((file.clone(), tool, model))
                .or_default()
                .extend(ranges);
        }
    }
    Ok(by_file_agent
        .into_iter()
        .map(|((path, tool, model), ranges)| AiLines {
            path,
            tool,
            model,
            ranges,
        })
        .collect())
}

/// `1-4,9-10,12` → [(1,4), (9,10), (12,12)].
fn parse_ranges(text: &str) -> Result<Vec<(u32, u32)>, String> {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let (a, b): (u32, u32) = (
                a.parse().map_err(|_| format!("bad range `{part}`"))?,
                b.parse().map_err(|_| format!("bad range `{part}`"))?,
            );
            if a == 0 || b < a {
                return Err(format!("bad range `{part}`"));
            }
            Ok((a, b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_prompts_and_humans() {
        let note = "src/main.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-10,15-20\n  s_c9883b05a2487d::t_a1b2c3d4e5f678 25\n  h_31dce776f88375 42-50\nsrc/lib.rs\n  abcd1234abcd1234 1-5\n---\n{\"schema_version\": \"authorship/3.0.0\", \"prompts\": {\"abcd1234abcd1234\": {\"agent_id\": {\"tool\": \"cursor\", \"model\": \"gpt-4\"}}}, \"humans\": {\"h_31dce776f88375\": {}}, \"sessions\": {\"s_c9883b05a2487d\": {\"agent_id\": {\"tool\": \"claude\", \"model\": \"claude-sonnet-4-5\"}}}}\n";
        let lines = parse_note(note).unwrap();
        assert_eq!(
            lines,
            vec![
                AiLines {
                    path: "src/lib.rs".into(),
                    tool: "cursor".into(),
                    model: Some("gpt-4".into()),
                    ranges: vec![(1, 5)]
                },
                AiLines {
                    path: "src/main.rs".into(),
                    tool: "claude".into(),
                    model: Some("claude-sonnet-4-5".into()),
                    ranges: vec![(1, 10), (15, 20), (25, 25)]
                },
            ]
        );
    }

    /// git-ai set not to store prompts: the attestation names sessions the metadata does not
    /// describe. The lines are still AI-written, by an agent not named.
    #[test]
    fn lines_of_sessions_without_metadata_are_kept() {
        let note = "src/a.rs\n  s_0123456789abcd::t_0123456789abcd 3-7\n  h_31dce776f88375 8\n  feedbeeffeedbeef 9\n---\n{\"schema_version\": \"authorship/3.0.0\", \"prompts\": {}, \"sessions\": {}}\n";
        assert_eq!(
            parse_note(note).unwrap(),
            vec![AiLines {
                path: "src/a.rs".into(),
                tool: UNDESCRIBED_SESSION.into(),
                model: None,
                ranges: vec![(3, 7), (9, 9)]
            }]
        );
    }

    #[test]
    fn a_human_only_note_has_no_ai_lines_and_broken_notes_say_why() {
        assert_eq!(
            parse_note("---\n{\"schema_version\": \"authorship/3.0.0\", \"prompts\": {}}").unwrap(),
            vec![]
        );
        assert!(
            parse_note("src/a.rs\n  s_1::t_2 1-3\n")
                .unwrap_err()
                .contains("---")
        );
        assert!(
            parse_note("src/a.rs\n  s_1::t_2 3-1\n---\n{}")
                .unwrap_err()
                .contains("bad range")
        );
        assert!(
            parse_note("src/a.rs\n---\nnot json")
                .unwrap_err()
                .contains("JSON")
        );
        assert!(
            parse_note("  s_1 1-2\n---\n{}")
                .unwrap_err()
                .contains("before any file")
        );
    }
}
