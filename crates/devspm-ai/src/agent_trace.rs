//! Agent Trace records (RFC v0.1.0, January 2026): JSON lines in `.agent-trace/traces.jsonl`,
//! each naming a revision, the tool, and per file the line ranges a contributor wrote.
//!
//! Only ranges whose contributor (the range's own, else the conversation's) is `ai` count as
//! AI-written; `human`, `mixed` and `unknown` are left out.

/// AI-written ranges of one file at one revision, by one tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceLines {
    /// The record's `vcs.revision` (a git commit id).
    pub revision: String,
    /// `tool.name`.
    pub tool: String,
    pub model: Option<String>,
    pub path: String,
    pub ranges: Vec<(u32, u32)>,
}

/// Parses a traces file: the AI line ranges, and the (1-based) lines that could not be used
/// with the reason.
pub fn parse_traces(text: &str) -> (Vec<TraceLines>, Vec<(usize, String)>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_record(line) {
            Ok(records) => found.extend(records),
            Err(reason) => errors.push((index + 1, reason)),
        }
    }
    (found, errors)
}

fn parse_record(line: &str) -> Result<Vec<TraceLines>, String> {
    let record: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let vcs = record.get("vcs").ok_or("no `vcs`")?;
    if vcs
        .get("type")
        .and_then(|t| t.as_str())
        .is_some_and(|t| t != "git")
    {
        return Ok(Vec::new());
    }
    let revision = vcs
        .get("revision")
        .and_then(|r| r.as_str())
        .filter(|r| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or("`vcs.revision` is not a commit id")?
        .to_ascii_lowercase();
    let tool = record
        .get("tool")
        .and_then(|t| t.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or("unknown")
        .to_owned();
    let files = record
        .get("files")
        .and_then(|f| f.as_array())
        .ok_or("no `files`")?;
    let mut out = Vec::new();
    for file in files {
        let path = file
            .get("path")
            .and_then(|p| p.as_str())
            .ok_or("a file without `path`")?;
        for conversation in file
            .get("conversations")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
        {
            let contributor = conversation.get("contributor");
            let model = contributor
                .and_then(|c| c.get("model_id"))
                .and_then(|m| m.as_str())
                .map(str::to_owned);
            let default_ai = contributor
                .and_then(|c| c.get("type"))
                .and_then(|t| t.as_str())
                == Some("ai");
            let mut ranges = Vec::new();
            for range in conversation
                .get("ranges")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
            {
                let own = range
                    .get("contributor")
                    .and_then(|c| c.get("type"))
                    .and_then(|t| t.as_str());
                let is_ai = own.map_or(default_ai, |t| t == "ai");
                if !is_ai {
                    continue;
                }
                let start = range
                    .get("start_line")
                    .and_then(|v| v.as_u64())
                    .ok_or("a range without `start_line`")?;
                let end = range
                    .get("end_line")
                    .and_then(|v| v.as_u64())
                    .ok_or("a range without `end_line`")?;
                if start == 0 || end < start || end > u64::from(u32::MAX) {
                    return Err(format!("bad range {start}-{end}"));
                }
                ranges.push((start as u32, end as u32));
            }
            if !ranges.is_empty() {
                out.push(TraceLines {
                    revision: revision.clone(),
                    tool: tool.clone(),
                    model,
                    path: path.to_owned(),
                    ranges,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ai_ranges_only_and_bad_lines_named() {
        let rev = "0123456789abcdef0123456789abcdef01234567";
        let text = format!(
            "{{\"version\":\"0.1.0\",\"id\":\"1\",\"vcs\":{{\"type\":\"git\",\"revision\":\"{rev}\"}},\"tool\":{{\"name\":\"claude-code\"}},\"files\":[{{\"path\":\"src/a.rs\",\"conversations\":[{{\"contributor\":{{\"type\":\"ai\",\"model_id\":\"opus\"}},\"ranges\":[{{\"start_line\":1,\"end_line\":4}},{{\"start_line\":9,\"end_line\":9,\"contributor\":{{\"type\":\"human\"}}}}]}},{{\"contributor\":{{\"type\":\"human\"}},\"ranges\":[{{\"start_line\":20,\"end_line\":30}}]}}]}}]}}\n\nnot json\n{{\"vcs\":{{\"type\":\"git\",\"revision\":\"abc\"}},\"files\":[]}}\n"
        );
        let (found, errors) = parse_traces(&text);
        assert_eq!(
            found,
            vec![TraceLines {
                revision: rev.into(),
                tool: "claude-code".into(),
                model: Some("opus".into()),
                path: "src/a.rs".into(),
                ranges: vec![(1, 4)],
            }]
        );
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), vec![3, 4]);
        assert!(errors[1].1.contains("revision"));
    }
}
