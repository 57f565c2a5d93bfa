//! GitHub Actions `${{ … }}` expressions: finding them in text and parsing them far enough to
//! know which contexts can flow into the expanded value.
//!
//! The grammar is small (literals, context paths, function calls, `!`, comparison, `&&`,
//! `||`, parentheses), so a hand-written recursive-descent parser is shorter and more
//! predictable than a generated one. What rules need from it:
//! - [`Expr::dataflow`]: the contexts whose *value* can end up in the result. `a == b`
//!   yields a boolean, so neither side flows; `a && b` can only yield `b`; `a || b` either;
//!   `format`, `join`, `toJSON` and `fromJSON` pass their arguments through, `case` its values
//!   and its default.
//!
//! Kept over the `github-actions-expressions` crate (zizmor's), after comparing the two on
//! every expression of our rule tests and of 73 workflows in the crates.io sources on this
//! machine (126 distinct expressions): both parse all of them, at under 1 µs each, and find
//! the same flows (the crate's `fromJSON` and `case` semantics, which ours lacked, are
//! adopted here);
//! the crate would add six crates (among them `tracing` and a proc-macro) and turn on the
//! Unicode tables of the workspace's `regex`, and would not replace [`extract_fenced`]. See
//! `docs/architecture.md`, "Hand-written, on purpose".
//! - [`Expr::exposes_all_secrets`]: `toJSON(secrets)` or `secrets[<computed>]`.

/// One `${{ … }}` occurrence in a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fenced<'a> {
    /// The whole text, `${{` through `}}`.
    pub raw: &'a str,
    /// The expression between the fences, trimmed.
    pub inner: &'a str,
    /// Byte offset of `raw` in the searched string.
    pub offset: usize,
}

/// Every fenced expression in `text`, and the byte offset of an opening `${{` that is never
/// closed, if any (scanning stops there).
pub fn extract_fenced(text: &str) -> (Vec<Fenced<'_>>, Option<usize>) {
    let mut found = Vec::new();
    let mut from = 0;
    let bytes = text.as_bytes();
    while let Some(rel) = text[from..].find("${{") {
        let start = from + rel;
        let body = start + 3;
        let mut i = body;
        let mut in_string = false;
        let mut close = None;
        while i < bytes.len() {
            match bytes[i] {
                b'\'' => {
                    // `''` inside a string is an escaped quote.
                    if in_string && bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    in_string = !in_string;
                }
                b'}' if !in_string && bytes.get(i + 1) == Some(&b'}') => {
                    close = Some(i);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        let Some(close) = close else {
            return (found, Some(start));
        };
        found.push(Fenced {
            raw: &text[start..close + 2],
            inner: text[body..close].trim(),
            offset: start,
        });
        from = close + 2;
    }
    (found, None)
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A string, number, boolean or null literal (strings keep their text).
    Literal(Option<String>),
    /// A context path such as `github.event.issue.title` or `matrix['os']`.
    Context(Context),
    /// A function call, possibly followed by property access (`fromJSON(x).y`).
    Call {
        /// Function name, lower-cased (functions are case-insensitive).
        name: String,
        /// Arguments.
        args: Vec<Expr>,
        /// Property access after the call, if any.
        access: Vec<Part>,
        /// The source text of the call.
        raw: String,
    },
    /// `!x`.
    Not(Box<Expr>),
    /// A binary operator.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left side.
        lhs: Box<Expr>,
        /// Right side.
        rhs: Box<Expr>,
    },
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `==` (case-insensitive for strings in GitHub's evaluator)
    Eq,
    /// `!=`
    Ne,
    /// `<`, `<=`, `>`, `>=`
    Order,
}

/// A context path.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// The path parts; the first is always an identifier.
    pub parts: Vec<Part>,
    /// The source text of the path.
    pub raw: String,
}

/// One step of a context path.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// `.name` or the head identifier.
    Ident(String),
    /// `.*` or `[*]`.
    Star,
    /// `[expr]`.
    Index(Box<Expr>),
}

impl Context {
    /// The path as a lower-case dotted pattern (`github.event.pull_request.title`), with `*`
    /// for stars; `None` if an index is computed at run time.
    pub fn pattern(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            if !out.is_empty() {
                out.push('.');
            }
            match part {
                Part::Ident(name) => out.push_str(&name.to_ascii_lowercase()),
                Part::Star => out.push('*'),
                Part::Index(expr) => match expr.as_ref() {
                    Expr::Literal(Some(text)) => out.push_str(&text.to_ascii_lowercase()),
                    _ => return None,
                },
            }
        }
        Some(out)
    }

    /// The lower-case head identifier (`github`, `inputs`, `env` …).
    pub fn head(&self) -> String {
        match self.parts.first() {
            Some(Part::Ident(name)) => name.to_ascii_lowercase(),
            _ => String::new(),
        }
    }
}

impl Expr {
    /// Parse an expression (the text between `${{` and `}}`, or an `if:` condition).
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        let tokens = lex(text)?;
        let mut parser = ExprParser {
            tokens,
            pos: 0,
            text,
            depth: 0,
        };
        let expr = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err(ExprError(format!(
                "unexpected token at offset {}",
                parser.tokens[parser.pos].start
            )));
        }
        Ok(expr)
    }

    /// The sub-expressions that can be the result: `a && b` → leaves of `b`; `a || b` →
    /// leaves of both; anything else is a leaf itself.
    pub fn leaves(&self) -> Vec<&Expr> {
        match self {
            Expr::Binary {
                op: BinOp::And,
                rhs,
                ..
            } => rhs.leaves(),
            Expr::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => {
                let mut out = lhs.leaves();
                out.extend(rhs.leaves());
                out
            }
            other => vec![other],
        }
    }

    /// Contexts (or opaque `call().x` accesses) whose value can flow into the result.
    pub fn dataflow(&self) -> Vec<Flow<'_>> {
        let mut out = Vec::new();
        self.collect_flow(&mut out);
        out
    }

    fn collect_flow<'e>(&'e self, out: &mut Vec<Flow<'e>>) {
        match self {
            Expr::Context(ctx) => out.push(Flow::Context(ctx)),
            Expr::Call {
                name,
                args,
                access,
                raw,
            } => {
                if !access.is_empty() {
                    out.push(Flow::Opaque(raw));
                } else if matches!(name.as_str(), "tojson" | "fromjson" | "format" | "join") {
                    // `fromJSON` too: `fromJSON('"$(id)"')` is the string `$(id)`.
                    args.iter().for_each(|a| a.collect_flow(out));
                } else if name == "case" {
                    // `case(pred1, val1, …, default)` yields one of its values or the default;
                    // the predicates are booleans.
                    for (i, arg) in args.iter().enumerate() {
                        if i % 2 == 1 || i + 1 == args.len() {
                            arg.collect_flow(out);
                        }
                    }
                }
            }
            Expr::Binary {
                op: BinOp::And,
                rhs,
                ..
            } => rhs.collect_flow(out),
            Expr::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } => {
                lhs.collect_flow(out);
                rhs.collect_flow(out);
            }
            _ => {}
        }
    }

    /// `true` for `toJSON(secrets)` or `secrets[<computed>]` anywhere in the expression.
    pub fn exposes_all_secrets(&self) -> bool {
        match self {
            Expr::Call { name, args, .. } => {
                let direct = name == "tojson"
                    && args.iter().any(|a| {
                        matches!(a, Expr::Context(c) if c.parts.len() == 1 && c.head() == "secrets")
                    });
                direct || args.iter().any(Expr::exposes_all_secrets)
            }
            Expr::Context(ctx) => {
                let dynamic = ctx.head() == "secrets"
                    && matches!(ctx.parts.get(1), Some(Part::Index(e)) if !matches!(e.as_ref(), Expr::Literal(_)));
                dynamic
                    || ctx
                        .parts
                        .iter()
                        .any(|p| matches!(p, Part::Index(e) if e.exposes_all_secrets()))
            }
            Expr::Not(e) => e.exposes_all_secrets(),
            Expr::Binary { lhs, rhs, .. } => lhs.exposes_all_secrets() || rhs.exposes_all_secrets(),
            Expr::Literal(_) => false,
        }
    }

    /// Every context path mentioned anywhere in the expression (not only those that flow).
    pub fn contexts(&self) -> Vec<&Context> {
        let mut out = Vec::new();
        self.collect_contexts(&mut out);
        out
    }

    fn collect_contexts<'e>(&'e self, out: &mut Vec<&'e Context>) {
        match self {
            Expr::Context(ctx) => {
                out.push(ctx);
                for part in &ctx.parts {
                    if let Part::Index(e) = part {
                        e.collect_contexts(out);
                    }
                }
            }
            Expr::Call { args, .. } => args.iter().for_each(|a| a.collect_contexts(out)),
            Expr::Not(e) => e.collect_contexts(out),
            Expr::Binary { lhs, rhs, .. } => {
                lhs.collect_contexts(out);
                rhs.collect_contexts(out);
            }
            Expr::Literal(_) => {}
        }
    }
}

/// Something whose value may flow into an expression's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Flow<'e> {
    /// A context path.
    Context(&'e Context),
    /// A call followed by property access, e.g. `fromJSON(steps.x.outputs.y).z`.
    Opaque(&'e str),
}

/// An expression that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid expression: {0}")]
pub struct ExprError(String);

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Punct(&'static str),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match text[i..].find('\'') {
                    None => return Err(ExprError("unterminated string".into())),
                    Some(rel) => {
                        s.push_str(&text[i..i + rel]);
                        i += rel + 1;
                        if bytes.get(i) == Some(&b'\'') {
                            s.push('\'');
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            out.push(Token {
                tok: Tok::Str(s),
                start,
                end: i,
            });
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'-'))
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(text[start..i].to_owned()),
                start,
                end: i,
            });
            continue;
        }
        if c.is_ascii_digit() || (c == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            i += 1;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'_'))
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Num(text[start..i].to_owned()),
                start,
                end: i,
            });
            continue;
        }
        let two = text.get(i..i + 2).unwrap_or("");
        let punct: &'static str = match two {
            "&&" => "&&",
            "||" => "||",
            "==" => "==",
            "!=" => "!=",
            "<=" => "<=",
            ">=" => ">=",
            _ => match c {
                b'(' => "(",
                b')' => ")",
                b'[' => "[",
                b']' => "]",
                b'.' => ".",
                b',' => ",",
                b'!' => "!",
                b'<' => "<",
                b'>' => ">",
                b'*' => "*",
                _ => {
                    return Err(ExprError(format!(
                        "unexpected character {:?} at offset {i}",
                        text[i..].chars().next().unwrap_or(' ')
                    )));
                }
            },
        };
        i += punct.len();
        out.push(Token {
            tok: Tok::Punct(punct),
            start,
            end: i,
        });
    }
    Ok(out)
}

fn distribute_access(inner: Expr, access: &[Part], raw: &str) -> Expr {
    match inner {
        Expr::Context(mut ctx) => {
            ctx.parts.extend(access.iter().cloned());
            ctx.raw = raw.to_owned();
            Expr::Context(ctx)
        }
        Expr::Binary {
            op: op @ (BinOp::Or | BinOp::And),
            lhs,
            rhs,
        } => Expr::Binary {
            op,
            lhs: Box::new(distribute_access(*lhs, access, raw)),
            rhs: Box::new(distribute_access(*rhs, access, raw)),
        },
        other => Expr::Call {
            name: "(group)".to_owned(),
            args: vec![other],
            access: access.to_vec(),
            raw: raw.to_owned(),
        },
    }
}

struct ExprParser<'t> {
    tokens: Vec<Token>,
    pos: usize,
    text: &'t str,
    depth: usize,
}

impl ExprParser<'_> {
    fn peek_punct(&self, p: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token { tok: Tok::Punct(q), .. }) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.peek_punct(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) -> Result<(), ExprError> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(ExprError(format!("expected `{p}`")))
        }
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(ExprError("expression nested too deeply".into()));
        }
        let mut lhs = self.and()?;
        while self.eat("||") {
            let rhs = self.and()?;
            lhs = Expr::Binary {
                op: BinOp::Or,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.compare()?;
        while self.eat("&&") {
            let rhs = self.compare()?;
            lhs = Expr::Binary {
                op: BinOp::And,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
        Ok(lhs)
    }

    fn compare(&mut self) -> Result<Expr, ExprError> {
        let mut lhs = self.unary()?;
        while let Some(op) = [
            ("==", BinOp::Eq),
            ("!=", BinOp::Ne),
            ("<", BinOp::Order),
            ("<=", BinOp::Order),
            (">", BinOp::Order),
            (">=", BinOp::Order),
        ]
        .iter()
        .find(|(p, _)| self.peek_punct(p))
        .map(|(_, op)| *op)
        {
            self.pos += 1;
            let rhs = self.unary()?;
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.eat("!") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err(ExprError("unexpected end of expression".into()));
        };
        self.pos += 1;
        match token.tok {
            Tok::Str(s) => Ok(Expr::Literal(Some(s))),
            Tok::Num(n) => Ok(Expr::Literal(Some(n))),
            Tok::Punct("(") => {
                let inner = self.or()?;
                self.expect(")")?;
                let access = self.access()?;
                if access.is_empty() {
                    return Ok(inner);
                }
                // `(a || b).x` is `a.x || b.x` when every alternative is a context path.
                Ok(distribute_access(
                    inner,
                    &access,
                    self.text
                        .get(token.start..self.prev_end())
                        .unwrap_or_default(),
                ))
            }
            Tok::Ident(name) => {
                let lower = name.to_ascii_lowercase();
                if self.eat("(") {
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            args.push(self.or()?);
                            if self.eat(")") {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    let access = self.access()?;
                    let end = self
                        .tokens
                        .get(self.pos.wrapping_sub(1))
                        .map_or(token.end, |t| t.end);
                    return Ok(Expr::Call {
                        name: lower,
                        args,
                        access,
                        raw: self
                            .text
                            .get(token.start..end)
                            .unwrap_or_default()
                            .to_owned(),
                    });
                }
                if matches!(lower.as_str(), "true" | "false" | "null") {
                    return Ok(Expr::Literal(None));
                }
                let mut parts = vec![Part::Ident(name)];
                parts.extend(self.access()?);
                let end = self
                    .tokens
                    .get(self.pos.wrapping_sub(1))
                    .map_or(token.end, |t| t.end);
                Ok(Expr::Context(Context {
                    parts,
                    raw: self
                        .text
                        .get(token.start..end)
                        .unwrap_or_default()
                        .to_owned(),
                }))
            }
            Tok::Punct(p) => Err(ExprError(format!("unexpected `{p}`"))),
        }
    }

    fn prev_end(&self) -> usize {
        self.tokens
            .get(self.pos.wrapping_sub(1))
            .map_or(0, |t| t.end)
    }

    fn access(&mut self) -> Result<Vec<Part>, ExprError> {
        let mut parts = Vec::new();
        loop {
            if self.eat(".") {
                match self.tokens.get(self.pos).map(|t| t.tok.clone()) {
                    Some(Tok::Ident(name)) => {
                        self.pos += 1;
                        parts.push(Part::Ident(name));
                    }
                    Some(Tok::Punct("*")) => {
                        self.pos += 1;
                        parts.push(Part::Star);
                    }
                    // `steps.x.outputs.1abc` style names lex as numbers.
                    Some(Tok::Num(n)) => {
                        self.pos += 1;
                        parts.push(Part::Ident(n));
                    }
                    _ => return Err(ExprError("expected a name after `.`".into())),
                }
            } else if self.eat("[") {
                if self.eat("*") {
                    parts.push(Part::Star);
                } else {
                    parts.push(Part::Index(Box::new(self.or()?)));
                }
                self.expect("]")?;
            } else {
                return Ok(parts);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flows(text: &str) -> Vec<String> {
        Expr::parse(text)
            .expect("parses")
            .dataflow()
            .into_iter()
            .map(|f| match f {
                Flow::Context(c) => c.pattern().unwrap_or_else(|| format!("dyn:{}", c.raw)),
                Flow::Opaque(raw) => format!("opaque:{raw}"),
            })
            .collect()
    }

    #[test]
    fn extracts_fenced_expressions() {
        let (found, open) =
            extract_fenced("echo ${{ github.event.issue.title }} and ${{ format('}}', x) }}");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].inner, "github.event.issue.title");
        assert_eq!(found[0].offset, 5);
        assert_eq!(found[1].inner, "format('}}', x)");
        assert_eq!(open, None);
    }

    #[test]
    fn unterminated_expression_is_reported() {
        let (found, open) = extract_fenced("a ${{ x }} b ${{ github.head_ref");
        assert_eq!(found.len(), 1);
        assert_eq!(open, Some(13));
    }

    #[test]
    fn dataflow_follows_value_semantics() {
        assert_eq!(
            flows("github.event.issue.title"),
            ["github.event.issue.title"]
        );
        assert!(flows("github.event.issue.title == 'x'").is_empty());
        assert!(flows("contains(github.event.issue.title, 'x')").is_empty());
        assert_eq!(flows("a.b && c.d || 'e'"), ["c.d"]);
        assert_eq!(flows("format('{0}', github.head_ref)"), ["github.head_ref"]);
        assert_eq!(
            flows("github.event['pull_request'].title"),
            ["github.event.pull_request.title"]
        );
        assert_eq!(
            flows("fromJSON(steps.x.outputs.y).z"),
            ["opaque:fromJSON(steps.x.outputs.y).z"]
        );
        assert_eq!(
            flows("github.event.commits[0].message"),
            ["github.event.commits.0.message"]
        );
        assert_eq!(
            flows("github.event.commits.*.message"),
            ["github.event.commits.*.message"]
        );
        // Found by comparing with the `github-actions-expressions` crate.
        assert_eq!(
            flows("fromJSON(github.event.issue.body)"),
            ["github.event.issue.body"]
        );
        assert_eq!(
            flows(
                "case(github.event_name == 'push', github.head_ref, inputs.x == 'y', 'b', github.event.issue.title)"
            ),
            ["github.head_ref", "github.event.issue.title"]
        );
    }

    #[test]
    fn secrets_exposure() {
        for (text, expected) in [
            ("toJSON(secrets)", true),
            ("TOJSON(SECRETS)", true),
            ("format('{0}', toJSON(secrets))", true),
            ("secrets[format('T_{0}', matrix.x)]", true),
            ("secrets['LITERAL']", false),
            ("toJSON(secrets.foo)", false),
            ("secrets.GITHUB_TOKEN", false),
        ] {
            assert_eq!(
                Expr::parse(text).unwrap().exposes_all_secrets(),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn bad_expressions_error() {
        for text in ["", "a ==", "(a", "'open", "a.", "f(a,", "a $ b"] {
            assert!(Expr::parse(text).is_err(), "{text}");
        }
    }
}
