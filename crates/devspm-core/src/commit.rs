//! Facts read from a commit object that need no repository to interpret: trailers, signer
//! identities (`Name <email>`) and the kind of signature in the commit header.

use serde::{Deserialize, Serialize};

/// The kind of signature a commit carries, read from its `gpgsig` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    None,
    Gpg,
    Ssh,
    X509,
    /// A signature header whose armour devspm does not recognise.
    Unknown,
}

impl SignatureKind {
    /// Classifies the armoured signature text of a `gpgsig`/`gpgsig-sha256` header.
    pub fn from_armor(signature: &[u8]) -> SignatureKind {
        let text = String::from_utf8_lossy(signature);
        let text = text.trim_start();
        if text.starts_with("-----BEGIN PGP SIGNATURE-----")
            || text.starts_with("-----BEGIN PGP MESSAGE-----")
        {
            SignatureKind::Gpg
        } else if text.starts_with("-----BEGIN SSH SIGNATURE-----") {
            SignatureKind::Ssh
        } else if text.starts_with("-----BEGIN SIGNED MESSAGE-----")
            || text.starts_with("-----BEGIN CERTIFICATE-----")
        {
            SignatureKind::X509
        } else {
            SignatureKind::Unknown
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SignatureKind::None => "none",
            SignatureKind::Gpg => "gpg",
            SignatureKind::Ssh => "ssh",
            SignatureKind::X509 => "x509",
            SignatureKind::Unknown => "unknown",
        }
    }

    /// Whether the commit carries any signature at all.
    pub fn is_signed(self) -> bool {
        self != SignatureKind::None
    }
}

/// Trailer keys (lower case) that record a review or an approval by someone else: the evidence
/// pack's review evidence and posture's self-merge rule read the same list.
pub const REVIEW_TRAILERS: [&str; 5] = [
    "reviewed-by",
    "acked-by",
    "approved-by",
    "tested-by",
    "reviewed-on",
];

/// A `Key: value` line from a message's trailer block (continuation lines folded in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trailer {
    pub key: String,
    pub value: String,
}

impl Trailer {
    /// Whether the trailer names a person or an agent: a `Name <email>` value, or any `*-by` key
    /// (`Signed-off-by`, `Reported-by`, `Assisted-by` …) even without an e-mail.
    pub fn names_someone(&self) -> bool {
        self.key.to_ascii_lowercase().ends_with("-by") || parse_ident(&self.value).is_some()
    }
}

/// Splits `Name <email>` into its parts; `None` when there is no `<…>` part.
pub fn parse_ident(value: &str) -> Option<(&str, &str)> {
    let open = value.rfind('<')?;
    let close = value[open..].find('>')? + open;
    if !value[close + 1..].trim().is_empty() {
        return None;
    }
    Some((value[..open].trim(), value[open + 1..close].trim()))
}

/// Parses the trailer block of a commit message the way `git interpret-trailers` finds it.
///
/// The block is the message's last paragraph, and never its first (a subject line such as
/// `fix: handle x` is not a trailer). It counts when every line is a trailer or a continuation,
/// or when at least a quarter are trailers and one of them is git-generated (`Signed-off-by:`,
/// `(cherry picked from commit …)`), as git decides. Trailers quoted earlier in a body are not
/// in the last paragraph and so are never returned: a message that *mentions* a trailer is not
/// one.
pub fn parse_trailers(message: &[u8]) -> Vec<Trailer> {
    let text = String::from_utf8_lossy(message);
    // No `---` patch divider here: git ignores it for commit messages (`%(trailers)` parses
    // with `no_divider`), and commit bodies often contain a Markdown `---` rule.
    let body: Vec<&str> = text.lines().map(|line| line.trim_end()).collect();
    let end = body
        .iter()
        .rposition(|line| !line.is_empty())
        .map_or(0, |i| i + 1);
    let body = &body[..end];
    let Some(blank) = body.iter().rposition(|line| line.is_empty()) else {
        return Vec::new();
    };
    let block = &body[blank + 1..];
    let mut trailers: Vec<Trailer> = Vec::new();
    let mut other_lines = 0usize;
    let mut git_generated = false;
    for line in block {
        if line.starts_with([' ', '\t']) {
            match trailers.last_mut() {
                Some(last) => {
                    last.value.push(' ');
                    last.value.push_str(line.trim());
                }
                None => other_lines += 1,
            }
            continue;
        }
        if line.starts_with("(cherry picked from commit ") {
            git_generated = true;
            other_lines += 1;
            continue;
        }
        match split_trailer_line(line) {
            Some((key, value)) => {
                if key.eq_ignore_ascii_case("Signed-off-by") {
                    git_generated = true;
                }
                trailers.push(Trailer {
                    key: key.to_owned(),
                    value: value.to_owned(),
                });
            }
            None => other_lines += 1,
        }
    }
    let total = trailers.len() + other_lines;
    let accepted = !trailers.is_empty()
        && (other_lines == 0 || (git_generated && trailers.len() * 4 >= total));
    if accepted { trailers } else { Vec::new() }
}

/// `Key: value` where the key is a token of letters, digits and dashes.
fn split_trailer_line(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let key = line[..colon].trim_end();
    let valid_key = !key.is_empty()
        && key.as_bytes()[0].is_ascii_alphanumeric()
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !valid_key {
        return None;
    }
    Some((key, line[colon + 1..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(message: &str) -> Vec<(String, String)> {
        parse_trailers(message.as_bytes())
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect()
    }

    #[test]
    fn reads_the_last_paragraph() {
        let msg = "Fix parser\n\nLonger body.\n\nCo-authored-by: Claude <noreply@anthropic.com>\nSigned-off-by: Ann Lee <ann@example.org>\n";
        assert_eq!(
            keys(msg),
            vec![
                (
                    "Co-authored-by".into(),
                    "Claude <noreply@anthropic.com>".into()
                ),
                ("Signed-off-by".into(), "Ann Lee <ann@example.org>".into()),
            ]
        );
    }

    #[test]
    fn subject_alone_is_not_a_trailer() {
        assert!(keys("fix: handle empty input").is_empty());
        assert!(keys("fix: handle empty input\n").is_empty());
    }

    #[test]
    fn a_trailer_quoted_in_the_body_is_not_one() {
        let msg = "Document trailers\n\nWe now accept lines like\nCo-authored-by: Copilot <copilot@github.com>\nin the middle of text.\n\nThanks to everyone.\n";
        assert!(keys(msg).is_empty());
    }

    #[test]
    fn mixed_block_needs_a_git_generated_trailer() {
        let msg = "Subject\n\nSome words here\nReviewed-by: Bo <bo@x.org>\n";
        assert!(keys(msg).is_empty());
        let msg = "Subject\n\nSome words here\nReviewed-by: Bo <bo@x.org>\nSigned-off-by: Al <al@x.org>\n";
        assert_eq!(keys(msg).len(), 2);
    }

    #[test]
    fn continuation_lines_fold_in() {
        let msg = "Subject\n\nFixes: 1234abcd (\"long\n  title\")\nChange-Id: I123\n";
        assert_eq!(
            keys(msg),
            vec![
                ("Fixes".into(), "1234abcd (\"long title\")".into()),
                ("Change-Id".into(), "I123".into())
            ]
        );
    }

    #[test]
    fn a_markdown_rule_in_the_body_does_not_hide_the_trailers() {
        // Seen in nushell: a `---` rule in the body, trailers at the end (git reads them).
        let msg = "Subject\n\nBody\n\n---\n\nMore\n\nCo-authored-by: Claude Opus 4.5 <noreply@anthropic.com>\n";
        assert_eq!(keys(msg).len(), 1);
    }

    #[test]
    fn idents_and_person_trailers() {
        assert_eq!(
            parse_ident("Ann Lee <ann@example.org>"),
            Some(("Ann Lee", "ann@example.org"))
        );
        assert_eq!(parse_ident("no email"), None);
        assert_eq!(parse_ident("a <b> trailing"), None);
        let t = Trailer {
            key: "Reported-by".into(),
            value: "somebody".into(),
        };
        assert!(t.names_someone());
        let t = Trailer {
            key: "Change-Id".into(),
            value: "I1".into(),
        };
        assert!(!t.names_someone());
    }

    #[test]
    fn signature_kinds() {
        assert_eq!(
            SignatureKind::from_armor(b"-----BEGIN PGP SIGNATURE-----\n\nabc"),
            SignatureKind::Gpg
        );
        assert_eq!(
            SignatureKind::from_armor(b"-----BEGIN SSH SIGNATURE-----\nabc"),
            SignatureKind::Ssh
        );
        assert_eq!(
            SignatureKind::from_armor(b"-----BEGIN SIGNED MESSAGE-----\nabc"),
            SignatureKind::X509
        );
        assert_eq!(
            SignatureKind::from_armor(b"garbage"),
            SignatureKind::Unknown
        );
    }
}
