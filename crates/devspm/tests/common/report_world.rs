//! The repository the report tests share (`report.rs`, `chromium.rs`): authors, commit
//! messages, paths and scanner findings that carry the shared catalogue of hostile strings,
//! teams in CODEOWNERS, and what a self-contained page may hold.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::*;

/// The shared catalogue of hostile strings (id → text).
pub fn catalogue() -> BTreeMap<String, String> {
    let text = include_str!("../../../devspm-report/tests/fixtures/hostile-strings.json");
    let value: Value = serde_json::from_str(text).unwrap();
    value["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A person whose name carries terminal, bidi and markup characters (git drops `<`, `>` and
/// line breaks from names; everything else stays).
pub const MALLORY: Person<'static> = (
    "Mallory \u{1b}]0;pwned\u{7} \u{202e}gnp.exe\" onmouseover=\"alert(1)",
    "mallory@evil.example",
);

/// Alice works in `src/` (owned by @acme/backend), Bob in `web/` (@acme/web), Mallory adds
/// files with hostile names and messages; a SARIF import reports findings with hostile rule
/// ids and messages on Alice's and Mallory's lines. Returns the sandbox and the repository.
pub fn hostile_world() -> (Sandbox, Repo) {
    let sb = Sandbox::new();
    let repo = sb.repo("acme");
    repo.write(
        ".github/CODEOWNERS",
        "# owners\n*        @acme/core\n/src/    @acme/backend\n/web/    @acme/web\n",
    );
    repo.commit(ALICE, "Owners");
    let app: String = (1..=20).map(|i| format!("line {i}\n")).collect();
    repo.commit_file(ALICE, "src/app.py", &app, "App");
    repo.commit_file(BOB, "web/main.js", "let a = 1;\n", "Web");
    repo.commit_file(BOB, "web/more.js", "let b = 2;\n", "More web");
    let cases = catalogue();
    for (i, (id, text)) in cases.iter().enumerate() {
        // A file name cannot hold `/` or NUL; keep the rest of the attack.
        let name: String = text
            .chars()
            .filter(|c| *c != '/' && *c != '\0')
            .take(120)
            .collect();
        let path = format!("src/hostile/{i:02}-{name}");
        repo.write(&path, format!("{id}\n"));
    }
    let message: String = cases
        .values()
        .map(|t| t.replace('\0', "NUL"))
        .collect::<Vec<_>>()
        .join("\n");
    repo.commit(MALLORY, &message);
    repo.commit_file(
        MALLORY,
        "src/app.py",
        &format!("{app}token = 'x'\n"),
        "Mallory's line",
    );
    let results: Vec<Value> = cases
        .values()
        .enumerate()
        .map(|(i, text)| {
            serde_json::json!({
                "ruleId": format!("R{i}{}", text.chars().take(40).collect::<String>()),
                "level": if i % 2 == 0 { "error" } else { "warning" },
                "message": { "text": text },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": "src/app.py" },
                    "region": { "startLine": if i % 3 == 0 { 21 } else { 1 + i % 20 } }
                }}]
            })
        })
        .collect();
    let sarif = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "lint\u{202e}<b>" } }, "results": results }]
    });
    let path = sb.path().join("hostile.sarif");
    std::fs::write(&path, sarif.to_string()).unwrap();
    sb.scan(&repo.path);
    sb.run(&[
        "import",
        "--repo",
        repo.path.to_str().unwrap(),
        path.to_str().unwrap(),
    ])
    .assert_code(0);
    (sb, repo)
}

/// What a browser could load or run from a page: every tag and attribute of the page is one
/// the report writes (outside text reaches it only as text: a `<` from outside is `&lt;`), no
/// link leaves the page, every link lands on an anchor of the page, and the stylesheet fetches
/// nothing.
pub fn assert_self_contained(html: &str) {
    const TAGS: &[&str] = &[
        "!doctype", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3",
        "p", "nav", "a", "main", "section", "div", "table", "tr", "th", "td", "code", "span", "br",
        "svg", "rect", "line", "text", "ul", "li", "details", "summary",
    ];
    const ATTRIBUTES: &[&str] = &[
        "class",
        "id",
        "href",
        "lang",
        "charset",
        "http-equiv",
        "content",
        "name",
        "role",
        "viewbox",
        "width",
        "height",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "html",
    ];
    let mut ids = HashSet::new();
    let mut hrefs = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        let tag_end = rest[at..].find('>').expect("an unclosed tag") + at;
        let tag = &rest[at + 1..tag_end];
        rest = &rest[tag_end + 1..];
        let tag = tag.trim_end_matches('/');
        if let Some(closing) = tag.strip_prefix('/') {
            assert!(TAGS.contains(&closing), "closing tag {closing:?}");
            continue;
        }
        let name = tag.split_whitespace().next().unwrap().to_ascii_lowercase();
        assert!(TAGS.contains(&name.as_str()), "tag {name:?}");
        // Attributes: name="value" pairs (values never hold a quote: escaped as &quot;).
        let mut attrs = &tag[name.len()..];
        while let Some(eq) = attrs.find("=\"") {
            let attr = attrs[..eq].trim().to_ascii_lowercase();
            let value_end = attrs[eq + 2..].find('"').unwrap() + eq + 2;
            let value = &attrs[eq + 2..value_end];
            assert!(
                ATTRIBUTES.contains(&attr.as_str()),
                "attribute {attr:?} of {name}"
            );
            match attr.as_str() {
                "id" => {
                    ids.insert(value.to_owned());
                }
                "href" => hrefs.push(value.to_owned()),
                _ => {}
            }
            attrs = &attrs[value_end + 1..];
        }
        if name == "style" {
            let end = rest.find("</style>").unwrap();
            let css = rest[..end].to_ascii_lowercase();
            assert!(
                !css.contains("url(") && !css.contains("@import") && !css.contains("@font-face")
            );
            rest = &rest[end..];
        }
    }
    assert!(hrefs.len() > 20, "only {} links", hrefs.len());
    for target in &hrefs {
        let anchor = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("a link leaves the page: {target:?}"));
        assert!(
            ids.contains(anchor),
            "a link to a missing anchor: {target:?}"
        );
    }
    assert_eq!(
        html.matches("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"").count(),
        1
    );
}

/// Markdown with its code spans taken out (inside them everything is literal text).
pub fn outside_code(md: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = md.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '`' {
            let run = chars[i..].iter().take_while(|c| **c == '`').count();
            let mut j = i + run;
            // The span ends at the next run of exactly as many backticks.
            loop {
                if j >= chars.len() {
                    panic!("an unclosed code span in {md}");
                }
                if chars[j] == '`' {
                    let close = chars[j..].iter().take_while(|c| **c == '`').count();
                    j += close;
                    if close == run {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}
