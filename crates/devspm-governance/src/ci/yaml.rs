//! A YAML tree that keeps a 1-based source span on every node.
//!
//! # Why our own tree
//!
//! GitHub Actions and GitLab CI are full of "string, list or map" fields (`on:`, `runs-on:`,
//! `needs:`, `permissions:`, `container:`, `include:` …). Typed serde models need untagged enums
//! for those, and serde-saphyr's `Spanned<T>` loses its location inside untagged enums and
//! `#[serde(flatten)]`. Rules must report a line for every node they look at, so we build an
//! untyped tree straight from the event stream of `granit-parser` (the YAML 1.2 parser under
//! serde-saphyr, re-exported by it, so no extra dependency) and attach a span to every scalar,
//! sequence, mapping and key.
//!
//! # Hostile input
//!
//! The builder never panics and bounds its work:
//! - anchors and aliases are expanded by copying, counted against a node budget, so an alias
//!   bomb ("billion laughs") stops with an error instead of exhausting memory;
//! - merge keys (`<<: *base`) are applied with YAML 1.1 semantics (explicit keys win);
//! - duplicate keys keep the last value (as PyYAML does) and produce a [`YamlIssue`];
//! - a leading byte-order mark is stripped; tabs used for indentation are parse errors;
//! - only the documents of a multi-document stream are returned, the caller decides.

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span as RawSpan};

/// A position in a source file: 1-based line and 1-based column (in characters), plus the
/// byte offset into the text that was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// Byte offset into the parsed text.
    pub offset: usize,
}

/// The source range of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First character of the node.
    pub start: Pos,
    /// Position just past the node.
    pub end: Pos,
}

/// One YAML node with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The node's content.
    pub value: Value,
    /// Where the node is written. For an alias, this is where the anchored node is defined.
    pub span: Span,
}

/// The content of a [`Node`]. Scalars keep their text: rules compare strings, and YAML
/// typing of `on`/`yes`/`1.10` is exactly what workflow authors trip over.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null`, or an empty value.
    Null,
    /// Any scalar, with its text after escape processing.
    Scalar {
        /// The scalar's text.
        text: String,
        /// `true` when the scalar was quoted or a block scalar (so `'true'` is not a bool).
        quoted: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order, with the key nodes kept for their spans.
    Map(Vec<(Node, Node)>),
}

/// A problem found while reading YAML that did not stop parsing (for example a duplicate key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlIssue {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong, in one sentence.
    pub message: String,
}

/// Why a YAML text could not be turned into a tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    /// The text is not valid YAML.
    #[error("invalid YAML at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line of the error.
        line: u32,
        /// 1-based column of the error.
        column: u32,
        /// The parser's message.
        message: String,
    },
    /// Expanding aliases would exceed the node budget (an alias bomb, or an absurd file).
    #[error("more than {budget} YAML nodes after alias expansion (alias bomb?), near line {line}")]
    Budget {
        /// The budget that was exceeded.
        budget: usize,
        /// Line where the budget ran out.
        line: u32,
    },
    /// An alias refers to a node that is still being built (a recursive structure).
    #[error("recursive alias at line {line}")]
    RecursiveAlias {
        /// Line of the alias.
        line: u32,
    },
}

impl YamlError {
    /// The 1-based line the error points at.
    pub fn line(&self) -> u32 {
        match self {
            YamlError::Syntax { line, .. }
            | YamlError::Budget { line, .. }
            | YamlError::RecursiveAlias { line } => *line,
        }
    }
}

/// The result of parsing a YAML stream.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Every document in the stream, in order. An empty stream has none.
    pub documents: Vec<Node>,
    /// Non-fatal problems (duplicate keys …).
    pub issues: Vec<YamlIssue>,
}

static NULL_NODE: Node = Node {
    value: Value::Null,
    span: Span {
        start: Pos {
            line: 0,
            column: 0,
            offset: 0,
        },
        end: Pos {
            line: 0,
            column: 0,
            offset: 0,
        },
    },
};

impl Node {
    /// A shared null node, handy as a default.
    pub fn null() -> &'static Node {
        &NULL_NODE
    }

    /// The value under `key` if this is a mapping with a scalar key equal to `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The key node and value under `key`.
    pub fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The entries if this is a mapping; empty otherwise.
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items if this is a sequence; empty otherwise.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// `true` for a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// `true` for a null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The boolean meaning of a scalar, the way GitHub reads workflow booleans (`true`/`false`
    /// in any case). Quoted strings count too, since `with:` inputs are strings anyway.
    pub fn as_bool(&self) -> Option<bool> {
        let text = self.as_str()?.trim();
        if text.eq_ignore_ascii_case("true") {
            Some(true)
        } else if text.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }

    /// A string, or each string of a sequence of strings (`on: push` vs `on: [push, pull]`).
    pub fn str_or_seq(&self) -> Vec<&Node> {
        match &self.value {
            Value::Scalar { .. } => vec![self],
            Value::Seq(items) => items.iter().filter(|n| n.as_str().is_some()).collect(),
            _ => Vec::new(),
        }
    }

    /// Depth-first walk over every scalar node (values and keys), in source order.
    pub fn walk_scalars<'a>(&'a self, visit: &mut dyn FnMut(&'a Node)) {
        match &self.value {
            Value::Scalar { .. } => visit(self),
            Value::Seq(items) => items.iter().for_each(|n| n.walk_scalars(visit)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                k.walk_scalars(visit);
                v.walk_scalars(visit);
            }),
            Value::Null => {}
        }
    }

    /// Give this node and everything under it the span `span`.
    fn respan(&mut self, span: Span) {
        self.span = span;
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| n.respan(span)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.respan(span);
                v.respan(span);
            }),
            Value::Null | Value::Scalar { .. } => {}
        }
    }

    fn size(&self) -> usize {
        match &self.value {
            Value::Null | Value::Scalar { .. } => 1,
            Value::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            Value::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

/// Parse a YAML stream into trees, with at most `node_budget` nodes (after alias expansion).
pub fn parse(text: &str, node_budget: usize) -> Result<Parsed, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut builder = Builder {
        text,
        budget: node_budget,
        used: 0,
        anchors: HashMap::new(),
        stack: Vec::new(),
        documents: Vec::new(),
        issues: Vec::new(),
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| syntax_error(&e))?;
        builder.event(event, span)?;
    }
    Ok(Parsed {
        documents: builder.documents,
        issues: builder.issues,
    })
}

fn syntax_error(err: &ScanError) -> YamlError {
    let marker = err.marker();
    YamlError::Syntax {
        line: clamp(marker.line()),
        column: clamp(marker.col() + 1),
        message: err.info(),
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        start: Pos,
        anchor: usize,
    },
}

struct Builder<'t> {
    text: &'t str,
    budget: usize,
    used: usize,
    anchors: HashMap<usize, Node>,
    stack: Vec<Frame>,
    documents: Vec<Node>,
    issues: Vec<YamlIssue>,
}

impl Builder<'_> {
    fn pos(&self, marker: &Marker) -> Pos {
        // Byte offsets are always present for string input; fall back to a char → byte
        // conversion if a future parser version drops them.
        let offset = marker.byte_offset().unwrap_or_else(|| {
            self.text
                .char_indices()
                .nth(marker.index())
                .map_or(self.text.len(), |(i, _)| i)
        });
        Pos {
            line: clamp(marker.line()),
            column: clamp(marker.col() + 1),
            offset,
        }
    }

    fn charge(&mut self, nodes: usize, line: u32) -> Result<(), YamlError> {
        self.used = self.used.saturating_add(nodes);
        if self.used > self.budget {
            Err(YamlError::Budget {
                budget: self.budget,
                line,
            })
        } else {
            Ok(())
        }
    }

    fn event(&mut self, event: Event<'_>, raw: RawSpan) -> Result<(), YamlError> {
        let start = self.pos(&raw.start);
        let end = self.pos(&raw.end);
        match event {
            Event::Scalar(text, style, anchor, _tag) => {
                self.charge(1, start.line)?;
                let quoted = !matches!(style, ScalarStyle::Plain);
                let value = if !quoted && matches!(&*text, "" | "~" | "null" | "Null" | "NULL") {
                    Value::Null
                } else {
                    Value::Scalar {
                        text: text.into_owned(),
                        quoted,
                    }
                };
                let node = Node {
                    value,
                    span: Span { start, end },
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.complete(node)
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(YamlError::RecursiveAlias { line: start.line });
                };
                let size = target.size();
                let mut node = target.clone();
                self.charge(size, start.line)?;
                // The copy is reported where it is *used*: two jobs sharing an anchored step
                // are two findings, at the two places a reader looks.
                node.respan(Span { start, end });
                self.complete(node)
            }
            Event::SequenceStart(_, anchor, _) => {
                self.charge(1, start.line)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start,
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(_, anchor, _) => {
                self.charge(1, start.line)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    start,
                    anchor,
                });
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                }) => {
                    let node = Node {
                        value: Value::Seq(items),
                        span: Span { start, end },
                    };
                    self.finish_collection(node, anchor)
                }
                _ => Ok(()),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    entries,
                    start,
                    anchor,
                    ..
                }) => {
                    let entries = self.resolve_map(entries)?;
                    let node = Node {
                        value: Value::Map(entries),
                        span: Span { start, end },
                    };
                    self.finish_collection(node, anchor)
                }
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    fn finish_collection(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            // Keeping a copy for later aliases costs as much as the node itself.
            self.charge(node.size(), node.span.start.line)?;
            self.anchors.insert(anchor, node.clone());
        }
        self.complete(node)
    }

    fn complete(&mut self, node: Node) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }

    /// Apply merge keys and drop duplicate keys (last one wins).
    fn resolve_map(&mut self, entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, YamlError> {
        let has_merge = entries.iter().any(
            |(k, _)| matches!(&k.value, Value::Scalar { text, quoted: false } if text == "<<"),
        );
        let mut explicit: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
        let mut merged: Vec<(Node, Node)> = Vec::new();
        for (key, value) in entries {
            if has_merge
                && matches!(&key.value, Value::Scalar { text, quoted: false } if text == "<<")
            {
                let sources: Vec<Node> = match value.value {
                    Value::Map(_) => vec![value],
                    Value::Seq(items) => items,
                    _ => {
                        self.issues.push(YamlIssue {
                            line: key.span.start.line,
                            column: key.span.start.column,
                            message: "merge key `<<` needs a mapping or a list of mappings"
                                .to_owned(),
                        });
                        Vec::new()
                    }
                };
                for source in sources {
                    if let Value::Map(src_entries) = source.value {
                        for (k, v) in src_entries {
                            // Earlier merge sources win over later ones.
                            if !merged.iter().any(|(mk, _)| mk.value == k.value) {
                                merged.push((k, v));
                            }
                        }
                    }
                }
                continue;
            }
            if let Some(index) = explicit.iter().position(|(k, _)| k.value == key.value) {
                if let Value::Scalar { text, .. } = &key.value {
                    self.issues.push(YamlIssue {
                        line: key.span.start.line,
                        column: key.span.start.column,
                        message: format!("duplicate key `{}`; the last value is used", short(text)),
                    });
                }
                explicit.remove(index);
            }
            explicit.push((key, value));
        }
        for (k, v) in merged {
            if !explicit.iter().any(|(ek, _)| ek.value == k.value) {
                explicit.push((k, v));
            }
        }
        Ok(explicit)
    }
}

fn short(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        let parsed = parse(text, 10_000).expect("valid yaml");
        parsed.documents.into_iter().next().expect("one document")
    }

    #[test]
    fn spans_are_one_based() {
        let root = doc("jobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n");
        let step = &root
            .get("jobs")
            .unwrap()
            .get("build")
            .unwrap()
            .get("steps")
            .unwrap()
            .items()[0];
        let uses = step.get("uses").unwrap();
        assert_eq!(uses.as_str(), Some("actions/checkout@v4"));
        assert_eq!((uses.span.start.line, uses.span.start.column), (4, 15));
        let (key, _) = step.get_entry("uses").unwrap();
        assert_eq!((key.span.start.line, key.span.start.column), (4, 9));
    }

    #[test]
    fn nulls_and_quoted_scalars() {
        let root = doc("a: ~\nb:\nc: 'null'\nd: true\n");
        assert!(root.get("a").unwrap().is_null());
        assert!(root.get("b").unwrap().is_null());
        assert_eq!(root.get("c").unwrap().as_str(), Some("null"));
        assert_eq!(root.get("d").unwrap().as_bool(), Some(true));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let root = doc("base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  y: 3\nother: *b\n");
        let used = root.get("use").unwrap();
        assert_eq!(used.get("x").unwrap().as_str(), Some("1"));
        assert_eq!(used.get("y").unwrap().as_str(), Some("3"));
        assert_eq!(
            root.get("other").unwrap().get("y").unwrap().as_str(),
            Some("2")
        );
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&text, 100_000).unwrap_err();
        assert!(matches!(err, YamlError::Budget { .. }), "{err}");
    }

    #[test]
    fn duplicate_keys_warn_and_keep_last() {
        let parsed = parse("a: 1\na: 2\n", 100).unwrap();
        assert_eq!(parsed.documents[0].get("a").unwrap().as_str(), Some("2"));
        assert_eq!(parsed.issues.len(), 1);
        assert_eq!(parsed.issues[0].line, 2);
    }

    #[test]
    fn bom_and_tabs() {
        let root = doc("\u{feff}on: push\n");
        assert_eq!(root.get("on").unwrap().as_str(), Some("push"));
        let err = parse("a:\n\tb: 1\n", 100).unwrap_err();
        assert!(matches!(err, YamlError::Syntax { line: 2, .. }), "{err}");
    }

    #[test]
    fn invalid_yaml_is_an_error_not_a_panic() {
        for text in [
            "a: [1, 2",
            "a: b: c",
            "*unknown",
            "- a\nb: c",
            "key: \"unterminated",
            "&a [*a]",
        ] {
            let _ = parse(text, 1000);
        }
        assert!(parse("a: [1, 2", 1000).is_err());
    }

    #[test]
    fn multiple_documents() {
        let parsed = parse("a: 1\n---\nb: 2\n", 100).unwrap();
        assert_eq!(parsed.documents.len(), 2);
    }
}
