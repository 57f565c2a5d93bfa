//! Stable pseudonymous identifiers.
//!
//! Events never carry a person's name, e-mail or login: they carry an alias id (`a_…`) or an
//! identity id (`dev_…`), and the mapping to personal data lives in a separate, erasable table.
//! Ids of people are random, not derived from the e-mail, so that once the mapping is erased
//! nobody can confirm a guess ("was alice@example.org here?") by hashing it again.
//! Agents and bots are not people: their ids are readable (`agent:claude-code`, `bot:dependabot`).
//! Repository ids are derived from the repository's locator so every clone of the same remote
//! shares one id.

use sha2::{Digest, Sha256};

/// A new random id: `prefix` followed by 20 hex digits (80 random bits).
pub fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 10];
    // The OS random source failing is not something devspm can recover from or work around.
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    format!("{prefix}{}", crate::hex::encode(&bytes))
}

/// Prefix of alias ids.
pub const ALIAS_PREFIX: &str = "a_";
/// Prefix of developer identity ids.
pub const DEVELOPER_PREFIX: &str = "dev_";

/// The id of a repository, derived from its locator (normalised remote URL or absolute path).
pub fn repository_id(locator: &str) -> String {
    let digest = Sha256::digest(locator.as_bytes());
    format!("r_{}", crate::hex::encode(&digest[..8]))
}

/// HMAC-SHA-256 (RFC 2104) of `message` under a 32-byte `key`: the keyed hash of secrets, and
/// the check value that tells which key a database's hashes were made with.
pub fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut ipad = [0x36u8; BLOCK];
    let mut opad = [0x5cu8; BLOCK];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

/// SHA-256 of `bytes` as hex: the address of a piece of content kept outside the chain.
pub fn content_hash(bytes: &[u8]) -> String {
    crate::hex::encode(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn random_ids_differ_and_have_the_prefix() {
        let a = super::random_id("a_");
        let b = super::random_id("a_");
        assert_ne!(a, b);
        assert!(a.starts_with("a_") && a.len() == 22);
    }

    #[test]
    fn repository_ids_are_stable() {
        assert_eq!(
            super::repository_id("github.com/git/git"),
            super::repository_id("github.com/git/git")
        );
        assert_ne!(super::repository_id("a"), super::repository_id("b"));
    }
}
