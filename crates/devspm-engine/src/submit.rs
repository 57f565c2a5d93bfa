//! Sending a report to a server (`devspm tools scan --submit URL`): one HTTP POST of JSON with
//! a bearer token, over `ureq` with rustls and its bundled web PKI roots — no `curl` or system
//! TLS library at run time.
//!
//! Every failure is a [`SubmitError`] that names the URL as the operator can show it: without
//! the user name and password a URL may carry (`https://user:secret@host/…`) and without its
//! query, which is where tokens tend to hide; the bearer token itself is never in an error.
//! The request has a deadline (60 s), follows no redirect (a POST body is not re-sent to
//! wherever a server points), and reads at most 4 KiB of a refusal's body to quote 200
//! characters of it.

use std::io::ErrorKind;
use std::time::Duration;

/// How long the whole exchange may take.
const DEADLINE: Duration = Duration::from_secs(60);

/// Characters of a refusal's body quoted in the error.
const QUOTED: usize = 200;

/// Why a report could not be submitted. `url` is always [`shown`]: no credentials.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("--submit {url}: not an http:// or https:// URL")]
    NotHttp { url: String },
    #[error("--submit {url}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error(
        "--submit to {url} failed: connection refused (is the server running and listening there?)"
    )]
    Refused { url: String },
    #[error("--submit to {url} failed: host not found")]
    HostNotFound { url: String },
    #[error("--submit to {url} failed: TLS: {reason}")]
    Tls { url: String, reason: String },
    #[error("--submit to {url} failed: no answer within {} s", DEADLINE.as_secs())]
    Timeout { url: String },
    #[error("--submit to {url} was refused: HTTP {status}{}", if body.is_empty() { String::new() } else { format!(" {body}") })]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    #[error("--submit to {url} failed: {reason}")]
    Other { url: String, reason: String },
}

/// `url` as it may be shown: `scheme://host[:port]/path`, any `user:password@` and query
/// replaced by `…`.
pub fn shown(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let host = match authority.rsplit_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => authority.to_owned(),
    };
    let path = match path.find(['?', '#']) {
        Some(at) => format!("{}?…", &path[..at]),
        None => path.to_owned(),
    };
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

/// POSTs `body` (JSON) to `url` with `Authorization: Bearer token`; the HTTP status of a
/// 2xx answer.
pub fn post_json(url: &str, token: &str, body: &[u8]) -> Result<u16, SubmitError> {
    let display = shown(url);
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(SubmitError::NotHttp { url: display });
    }
    if token.contains(['\r', '\n']) {
        return Err(SubmitError::BadUrl {
            url: display,
            reason: "the token must not contain line breaks".to_owned(),
        });
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(DEADLINE))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(format!("devspm/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let response = agent
        .post(url)
        .header("Authorization", &format!("Bearer {token}"))
        .content_type("application/json")
        .send(body)
        .map_err(|e| classify(e, display.clone(), lower.starts_with("https://")))?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(status);
    }
    let mut response = response;
    let text = response
        .body_mut()
        .with_config()
        .limit(4096)
        .read_to_string()
        .unwrap_or_default();
    Err(SubmitError::Status {
        url: display,
        status,
        body: text.trim().chars().take(QUOTED).collect(),
    })
}

/// A ureq error as the operator needs to read it.
fn classify(error: ureq::Error, url: String, tls: bool) -> SubmitError {
    match error {
        ureq::Error::Io(e) if e.kind() == ErrorKind::ConnectionRefused => {
            SubmitError::Refused { url }
        }
        ureq::Error::Io(e) if e.kind() == ErrorKind::TimedOut => SubmitError::Timeout { url },
        ureq::Error::Timeout(_) => SubmitError::Timeout { url },
        ureq::Error::HostNotFound => SubmitError::HostNotFound { url },
        ureq::Error::ConnectionFailed => SubmitError::Refused { url },
        ureq::Error::BadUri(reason) => SubmitError::BadUrl {
            url,
            reason: format!("not a valid URL ({reason})"),
        },
        ureq::Error::Rustls(e) => SubmitError::Tls {
            url,
            reason: e.to_string(),
        },
        ureq::Error::Tls(reason) => SubmitError::Tls {
            url,
            reason: reason.to_owned(),
        },
        // rustls reports a failed handshake or a corrupt record as invalid data on the
        // connection (a certificate for another name, a server that does not speak TLS).
        ureq::Error::Io(e) if tls && e.kind() == ErrorKind::InvalidData => SubmitError::Tls {
            url,
            reason: e.to_string(),
        },
        other => SubmitError::Other {
            url,
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(
            shown("https://alice:s3cret@inventory.example/api/v1/tools?token=abc#x"),
            "https://…@inventory.example/api/v1/tools?…"
        );
        assert_eq!(shown("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080/x");
        assert_eq!(shown("http://host"), "http://host");
    }

    #[test]
    fn a_refused_connection_names_the_url_without_credentials() {
        // A port that was just free: nothing listens on it any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://bob:hunter2@127.0.0.1:{port}/api?key=k");
        let e = post_json(&url, "tok", b"{}").unwrap_err();
        assert!(matches!(e, SubmitError::Refused { .. }), "{e:?}");
        let text = e.to_string();
        assert!(text.contains(&format!("127.0.0.1:{port}/api")), "{text}");
        assert!(text.contains("connection refused"), "{text}");
        for secret in ["hunter2", "bob", "key=k", "tok"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn a_server_that_does_not_speak_tls_is_a_tls_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 512];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        });
        let e = post_json(&format!("https://127.0.0.1:{port}/x"), "t", b"{}").unwrap_err();
        server.join().unwrap();
        assert!(matches!(e, SubmitError::Tls { .. }), "{e:?}");
        assert!(
            e.to_string().starts_with(&format!(
                "--submit to https://127.0.0.1:{port}/x failed: TLS:"
            )),
            "{e}"
        );
    }

    #[test]
    fn a_non_2xx_answer_quotes_the_status_and_the_body() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            read_request(&mut stream);
            let body = "token expired";
            let _ = write!(
                stream,
                "HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        });
        let e = post_json(&format!("http://127.0.0.1:{port}/inv"), "t", b"{}").unwrap_err();
        server.join().unwrap();
        assert_eq!(
            e.to_string(),
            format!("--submit to http://127.0.0.1:{port}/inv was refused: HTTP 403 token expired")
        );
        let e = post_json("ftp://127.0.0.1/x", "t", b"{}").unwrap_err();
        assert!(matches!(e, SubmitError::NotHttp { .. }), "{e:?}");
    }

    /// Reads one request's head and its Content-Length body.
    fn read_request(stream: &mut std::net::TcpStream) -> (String, Vec<u8>) {
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            data.extend_from_slice(&buf[..n]);
            if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&data[..end]).into_owned();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while data.len() < end + 4 + length {
                    let n = stream.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    data.extend_from_slice(&buf[..n]);
                }
                return (head, data[end + 4..].to_vec());
            }
        }
        (String::from_utf8_lossy(&data).into_owned(), Vec::new())
    }
}
