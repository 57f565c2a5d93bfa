//! A tolerant reader for the few top-level elements of a JetBrains `plugin.xml`.
//!
//! We need `<id>`, `<name>`, `<version>` and `<vendor>` of the root `<idea-plugin>`; a full XML
//! parser would be a heavy dependency for four strings. This tokenizer skips comments, CDATA
//! (descriptions are HTML in CDATA), processing instructions and doctypes, tracks depth so that
//! an `<id>` nested deeper (in `<extensions>`) is not mistaken for the plugin's, and decodes the
//! five predefined entities and numeric references. Malformed input yields what was read so far.

use std::collections::BTreeMap;

/// The text of the root element's direct children named in `wanted`, first occurrence each.
pub(crate) fn top_level_text(xml: &str, wanted: &[&str]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut depth = 0usize;
    // (name, start of text) of a wanted element being captured.
    let mut capture: Option<(String, String)> = None;
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        if let Some((_, text)) = capture.as_mut() {
            text.push_str(&rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |i| &after[i + 3..]);
            continue;
        }
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            if let Some((_, text)) = capture.as_mut() {
                text.push_str(&after[..end]);
            }
            rest = after.get(end + 3..).unwrap_or("");
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = rest.find('>').map_or("", |i| &rest[i + 1..]);
            continue;
        }
        let Some(gt) = tag_end(rest) else { break };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            depth = depth.saturating_sub(1);
            if depth == 1
                && let Some((open, text)) = capture.take()
                && open == name
            {
                found.entry(open).or_insert_with(|| decode(text.trim()));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name: String = tag
            .trim_end_matches('/')
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("")
            .to_owned();
        if depth == 1 && !self_closing && wanted.contains(&name.as_str()) && capture.is_none() {
            capture = Some((name, String::new()));
        }
        if !self_closing {
            depth += 1;
        }
    }
    found
}

/// The `>` closing a tag, skipping any inside quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Resolves `&amp;` and friends, and `&#NN;` / `&#xNN;`.
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_top_level_elements_only() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE x>
<idea-plugin require-restart="true">
  <!-- <id>commented</id> -->
  <id>com.example.tool</id>
  <name>Example &amp; Co</name>
  <vendor url="https://example.com" email="a@b">Example <![CDATA[Inc]]></vendor>
  <description><![CDATA[<id>not this</id> <b>bold</b>]]></description>
  <extensions defaultExtensionNs="com.intellij"><id>nested</id></extensions>
  <version>1.2.3</version>
  <idea-version since-build="233"/>
</idea-plugin>"#;
        let got = top_level_text(xml, &["id", "name", "version", "vendor"]);
        assert_eq!(got["id"], "com.example.tool");
        assert_eq!(got["name"], "Example & Co");
        assert_eq!(got["vendor"], "Example Inc");
        assert_eq!(got["version"], "1.2.3");
    }

    #[test]
    fn tolerates_garbage() {
        assert!(top_level_text("<idea-plugin><id>x", &["id"]).is_empty());
        assert!(top_level_text("not xml at all", &["id"]).is_empty());
        assert_eq!(decode("a &bogus; &#65; &#x42;"), "a &bogus; A B");
    }
}
