//! Byte strings that travel through JSON faithfully.
//!
//! Git stores paths and messages as bytes, not text. A path that is valid UTF-8 is written as a
//! plain JSON string (the overwhelmingly common case, and what a reader expects); any other path is
//! written as `{"hex": "…"}` so that the exact bytes survive the round trip. Display is lossy,
//! storage never is.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes from git (a path, a ref name) that may or may not be UTF-8.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct GitBytes(pub Vec<u8>);

impl GitBytes {
    /// The bytes as text, replacing invalid sequences with U+FFFD (for display only).
    pub fn to_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    /// Whether the bytes are valid UTF-8.
    pub fn is_utf8(&self) -> bool {
        std::str::from_utf8(&self.0).is_ok()
    }
}

impl std::fmt::Debug for GitBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_lossy())
    }
}

impl From<&str> for GitBytes {
    fn from(text: &str) -> Self {
        GitBytes(text.as_bytes().to_vec())
    }
}

impl From<&[u8]> for GitBytes {
    fn from(bytes: &[u8]) -> Self {
        GitBytes(bytes.to_vec())
    }
}

impl Serialize for GitBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => serializer.serialize_str(text),
            Err(_) => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("hex", &crate::hex::encode(&self.0))?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for GitBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Text(String),
            Hex { hex: String },
        }
        match Repr::deserialize(deserializer)? {
            Repr::Text(text) => Ok(GitBytes(text.into_bytes())),
            Repr::Hex { hex } => crate::hex::decode(&hex)
                .map(GitBytes)
                .ok_or_else(|| serde::de::Error::custom("invalid hex in byte string")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GitBytes;

    #[test]
    fn utf8_is_a_plain_string_and_other_bytes_survive() {
        let plain = GitBytes::from("src/main.rs");
        assert_eq!(serde_json::to_string(&plain).unwrap(), "\"src/main.rs\"");
        let odd = GitBytes(b"caf\xe9.txt".to_vec());
        let json = serde_json::to_string(&odd).unwrap();
        assert_eq!(json, r#"{"hex":"636166e92e747874"}"#);
        let back: GitBytes = serde_json::from_str(&json).unwrap();
        assert_eq!(back, odd);
        assert_eq!(odd.to_lossy(), "caf\u{fffd}.txt");
    }
}
