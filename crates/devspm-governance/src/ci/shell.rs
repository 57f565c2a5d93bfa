//! Just enough shell reading for rules that look at `run:` and `script:` text: logical lines,
//! pipelines, and the words of each simple command.
//!
//! This is not a shell parser. It splits on `;`, `&&`, `||`, `|` and newlines outside
//! quotes, joins backslash continuations, and strips leading `VAR=value`, `sudo`, `env` and
//! `exec`. That is what is needed to tell `curl … | sh` or `npm publish` apart from their
//! look-alikes without pulling in a grammar.

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Words after prefix stripping, quotes removed.
    pub words: Vec<String>,
    /// The command text as written (trimmed).
    pub text: String,
    /// Byte offset of the text in the script.
    pub offset: usize,
    /// Position of this command in its pipeline (0 = first).
    pub pipe_index: usize,
    /// Identifies the pipeline this command belongs to.
    pub pipeline: usize,
}

impl Command {
    /// The program name without directories (`/usr/bin/curl` → `curl`).
    pub fn program(&self) -> &str {
        self.words
            .first()
            .map(|w| w.rsplit('/').next().unwrap_or(w))
            .unwrap_or_default()
    }
}

/// Split a script into simple commands.
pub fn commands(script: &str) -> Vec<Command> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let mut pipeline = 0;
    let mut pipe_index = 0;
    let mut paren_depth = 0usize;
    let push =
        |from: usize, to: usize, pipeline: usize, pipe_index: usize, out: &mut Vec<Command>| {
            let raw = &script[from..to];
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                return;
            }
            let lead = raw.len() - raw.trim_start().len();
            let words = strip_prefixes(words(trimmed));
            if words.is_empty() {
                return;
            }
            out.push(Command {
                words,
                text: trimmed.to_owned(),
                offset: from + lead,
                pipe_index,
                pipeline,
            });
        };
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' && q == b'"' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' => quote = Some(c),
            // PowerShell continues lines with a trailing backtick.
            b'`' if bytes.get(i + 1) == Some(&b'\n') => {
                i += 2;
                continue;
            }
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => {
                i += 2;
                continue;
            }
            b'\\' => {
                i += 2;
                continue;
            }
            b'(' => paren_depth += 1,
            b')' => paren_depth = paren_depth.saturating_sub(1),
            b'#' if paren_depth == 0 && (i == start || bytes[i - 1].is_ascii_whitespace()) => {
                // A comment runs to the end of the line.
                push(start, i, pipeline, pipe_index, &mut out);
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                start = i;
                continue;
            }
            b'\n' | b';' if paren_depth == 0 => {
                push(start, i, pipeline, pipe_index, &mut out);
                pipeline += 1;
                pipe_index = 0;
                start = i + 1;
            }
            b'&' | b'|' if paren_depth == 0 && bytes.get(i + 1) == Some(&c) => {
                push(start, i, pipeline, pipe_index, &mut out);
                pipeline += 1;
                pipe_index = 0;
                i += 2;
                start = i;
                continue;
            }
            b'|' if paren_depth == 0 => {
                push(start, i, pipeline, pipe_index, &mut out);
                pipe_index += 1;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    push(start, bytes.len(), pipeline, pipe_index, &mut out);
    out
}

fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut has = false;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                has = true;
            }
            None if c.is_whitespace() => {
                if has || !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                    has = false;
                }
            }
            None if c == '\\' || c == '`' => {}
            None => current.push(c),
        }
    }
    if has || !current.is_empty() {
        out.push(current);
    }
    out
}

fn strip_prefixes(mut words: Vec<String>) -> Vec<String> {
    loop {
        let Some(first) = words.first() else {
            return words;
        };
        let is_assignment = first.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        let is_wrapper = matches!(
            first.as_str(),
            "sudo" | "env" | "exec" | "time" | "command" | "-E"
        );
        if (is_assignment || is_wrapper) && words.len() > 1 {
            words.remove(0);
        } else {
            return words;
        }
    }
}

/// Programs that execute code read from standard input or a downloaded file.
pub const INTERPRETERS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "fish",
    "python",
    "python3",
    "python2",
    "perl",
    "ruby",
    "node",
    "php",
    "pwsh",
    "powershell",
    "iex",
];

/// Programs that download.
pub const DOWNLOADERS: &[&str] = &[
    "curl",
    "wget",
    "iwr",
    "invoke-webrequest",
    "irm",
    "invoke-restmethod",
];

/// A `curl|wget … | sh|bash|python` pipeline, or `sh -c "$(curl …)"` / `bash <(curl …)`:
/// returns the offending command text and its offset.
pub fn download_and_execute(script: &str) -> Vec<(String, usize)> {
    let cmds = commands(script);
    let mut out = Vec::new();
    for (i, cmd) in cmds.iter().enumerate() {
        let program = cmd.program().to_ascii_lowercase();
        // `curl … | sh`: a downloader, and a later member of the same pipeline runs a shell.
        if DOWNLOADERS.contains(&program.as_str()) && cmd.pipe_index == 0 {
            let sink = cmds[i + 1..]
                .iter()
                .take_while(|c| c.pipeline == cmd.pipeline)
                .find(|c| INTERPRETERS.contains(&c.program().to_ascii_lowercase().as_str()));
            if let Some(sink) = sink {
                let end = sink.offset + sink.text.len();
                let text = script.get(cmd.offset..end).unwrap_or(&cmd.text).to_owned();
                out.push((text, cmd.offset));
                continue;
            }
        }
        // `bash <(curl …)` and `sh -c "$(curl …)"`.
        if INTERPRETERS.contains(&program.as_str()) {
            let lower = cmd.text.to_ascii_lowercase();
            let substituted = ["<(curl", "<(wget", "$(curl", "$(wget", "`curl", "`wget"]
                .iter()
                .any(|p| lower.contains(p));
            if substituted {
                out.push((cmd.text.clone(), cmd.offset));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_and_pipelines() {
        let cmds = commands(
            "FOO=1 sudo npm publish --tag x && echo 'a | b' | tee log # c | sh\nnext \\\n  line",
        );
        let programs: Vec<_> = cmds.iter().map(|c| c.program().to_owned()).collect();
        assert_eq!(programs, ["npm", "echo", "tee", "next"]);
        assert_eq!(cmds[0].words, ["npm", "publish", "--tag", "x"]);
        assert_eq!(cmds[2].pipe_index, 1);
        assert_eq!(cmds[3].words, ["next", "line"]);
    }

    #[test]
    fn finds_download_and_execute() {
        for script in [
            "curl -fsSL https://x.sh | sh",
            "curl -sSf https://sh.rustup.rs | sudo bash -s -- -y",
            "wget -qO- https://x | python3 -",
            "bash <(curl -s https://x)",
            "sh -c \"$(curl -fsSL https://x)\"",
            "set -e\n  curl https://a/b.sh \\\n   | bash\n",
        ] {
            assert_eq!(download_and_execute(script).len(), 1, "{script}");
        }
        for script in [
            "curl -o x.sh https://x && sha256sum -c sums && sh x.sh",
            "curl https://x | jq .",
            "echo 'curl x | sh'",
            "# curl x | sh",
            "curl x || sh fallback.sh",
        ] {
            assert!(download_and_execute(script).is_empty(), "{script}");
        }
    }
}
