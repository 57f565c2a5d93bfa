//! Tests a candidate secret must pass besides its rule's regex: entropy, and not being an
//! obvious placeholder.
//!
//! Placeholders are what documentation, templates and tests put where a secret goes
//! (`${TOKEN}`, `<your-key>`, `xxxx`, `AKIAIOSFODNN7EXAMPLE`, `aaaaaaaa`). Reporting them
//! teaches people to ignore the scanner, so every rule drops them before anything is reported.

/// Shannon entropy of `data` in bits per byte.
pub fn shannon_entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Substrings (lower case) that mark a value as a stand-in, not a credential.
const PLACEHOLDER_WORDS: &[&[u8]] = &[
    b"xxxx",
    b"example",
    b"placeholder",
    b"changeme",
    b"change_me",
    b"redacted",
    b"dummy",
    b"your_",
    b"your-",
    b"yourkey",
    b"yourtoken",
    b"insert_",
    b"insert-",
    b"replace_me",
    b"replaceme",
    b"abcdefgh",
    b"12345678",
    b"********",
];

/// Whether `secret` is an obvious placeholder: a template variable (`${VAR}`, `{{ var }}`,
/// `$VAR`, `%VAR%`), a bracketed hint (`<token>`), a well-known stand-in word, or mostly one
/// repeated character.
pub fn is_placeholder(secret: &[u8]) -> bool {
    if secret.is_empty() {
        return true;
    }
    if memchr::memmem::find(secret, b"${").is_some()
        || memchr::memmem::find(secret, b"{{").is_some()
    {
        return true;
    }
    if secret.first() == Some(&b'$')
        && secret[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return true;
    }
    if secret.len() > 2
        && secret.first() == Some(&b'%')
        && secret.last() == Some(&b'%')
        && secret[1..secret.len() - 1]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return true;
    }
    if memchr::memchr(b'<', secret).is_some() && memchr::memchr(b'>', secret).is_some() {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| memchr::memmem::find(&lower, w).is_some())
    {
        return true;
    }
    // One character repeated over most of the value (`ghp_aaaa…`, `0000…`).
    let mut longest = 0usize;
    let mut run = 0usize;
    let mut prev = None;
    for &b in secret {
        run = if Some(b) == prev { run + 1 } else { 1 };
        prev = Some(b);
        longest = longest.max(run);
    }
    longest * 2 >= secret.len() && secret.len() >= 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy(b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ2e8f3kLx") > 4.0);
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "${GITHUB_TOKEN}",
            "{{ secrets.TOKEN }}",
            "$API_KEY",
            "%PASSWORD%",
            "<your-token-here>",
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "0000000000000000",
            "your_api_key_goes_here",
            "sk_test_1234567890abcdef",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for real in [
            // Split so that no scanner flags this file.
            concat!("ghp_", "R2x7Pq9LmN4vB8cT1zK6wY3hJ5dF0sGaE7uI"),
            concat!("wJalrXUtnFEMI/K7MDENG", "/bPxRfiCYzQ2e8f3kLx"),
            "hunter2!Zq",
        ] {
            assert!(!is_placeholder(real.as_bytes()), "{real}");
        }
    }
}
