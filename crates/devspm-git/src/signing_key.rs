//! Which key a commit's signature names: the issuer of an OpenPGP signature, the public key
//! inside an SSH signature. Read from the signature's bytes alone — nothing is verified.
//!
//! A commit signature claims a signer; whether the claim holds needs the signer's public key,
//! which devspm does not have. What is recorded is therefore *who claims to have signed*: a
//! key an attacker made is recorded as faithfully as the developer's own, which is exactly what
//! the `signing-drift` signal compares with the keys a developer used before.
//!
//! - **OpenPGP** (`-----BEGIN PGP SIGNATURE-----`): the signature packet's issuer fingerprint
//!   subpacket (type 33), else its issuer key id (type 16), hashed subpackets first; version 3
//!   signatures carry the key id in the packet body. Upper-case hex, as `gpg` prints it.
//! - **SSH** (`-----BEGIN SSH SIGNATURE-----`, the `sshsig` format of OpenSSH's PROTOCOL.sshsig):
//!   the SHA-256 fingerprint of the embedded public key, `SHA256:` and unpadded base64, as
//!   `ssh-keygen -l` prints it.
//! - **X.509** (gpgsm) and anything else: no key is read.
//!
//! Every length in the bytes is checked: a malformed signature yields `None`, never a panic.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::Digest as _;

/// The key the armoured signature of a `gpgsig` header names, if it can be read.
pub fn signing_key(armor: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(armor).ok()?.trim_start();
    if let Some(rest) = text.strip_prefix("-----BEGIN PGP SIGNATURE-----") {
        openpgp_issuer(&armored_body(rest)?)
    } else if let Some(rest) = text.strip_prefix("-----BEGIN SSH SIGNATURE-----") {
        ssh_fingerprint(&armored_body(rest)?)
    } else {
        None
    }
}

/// The base64 body of an armoured block after its BEGIN line: armour headers (`Version: …`)
/// and blank lines are skipped (base64 has neither a colon nor an empty line), and the body
/// ends at the CRC line (`=abcd`; base64 lines never start with `=`) or the END line.
fn armored_body(rest: &str) -> Option<Vec<u8>> {
    let mut body = String::new();
    for line in rest.lines().map(str::trim) {
        if line.starts_with("-----END") || line.starts_with('=') {
            break;
        }
        if !line.is_empty() && !line.contains(':') {
            body.push_str(line);
        }
    }
    STANDARD.decode(body.as_bytes()).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A big-endian number of `n` bytes at `at`.
fn be(data: &[u8], at: usize, n: usize) -> Option<usize> {
    let bytes = data.get(at..at.checked_add(n)?)?;
    Some(bytes.iter().fold(0usize, |acc, &b| (acc << 8) | b as usize))
}

/// The issuer of the first packet of an OpenPGP message, when it is a signature packet.
fn openpgp_issuer(data: &[u8]) -> Option<String> {
    let first = *data.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    let (tag, start, len): (u8, usize, usize) = if first & 0x40 != 0 {
        // New format: tag in the low six bits, then a one-, two- or five-octet length.
        let o1 = *data.get(1)? as usize;
        match o1 {
            0..=191 => (first & 0x3f, 2, o1),
            192..=223 => (
                first & 0x3f,
                3,
                ((o1 - 192) << 8) + *data.get(2)? as usize + 192,
            ),
            255 => (first & 0x3f, 6, be(data, 2, 4)?),
            // A partial body length: a signature packet is never streamed in parts.
            _ => return None,
        }
    } else {
        // Old format: tag in bits 5–2, the length type in bits 1–0.
        let tag = (first >> 2) & 0x0f;
        match first & 0x03 {
            0 => (tag, 2, be(data, 1, 1)?),
            1 => (tag, 3, be(data, 1, 2)?),
            2 => (tag, 5, be(data, 1, 4)?),
            _ => (tag, 1, data.len() - 1),
        }
    };
    if tag != 2 {
        return None;
    }
    let body = data.get(start..start.checked_add(len)?.min(data.len()))?;
    match *body.first()? {
        // Version 3: the key id sits in the body, after the hashed material.
        3 => Some(hex(body.get(7..15)?)),
        4 | 5 => issuer_in_subpackets(body, 2),
        6 => issuer_in_subpackets(body, 4),
        _ => None,
    }
}

/// The issuer in a v4–v6 signature body whose subpacket areas have `width`-octet lengths: the
/// fingerprint where one is given, else the key id; hashed subpackets before unhashed ones.
fn issuer_in_subpackets(body: &[u8], width: usize) -> Option<String> {
    let hashed_len = be(body, 4, width)?;
    let hashed = body.get(4 + width..(4 + width).checked_add(hashed_len)?)?;
    let after = 4 + width + hashed_len;
    let unhashed = be(body, after, width)
        .and_then(|n| body.get(after + width..(after + width).checked_add(n)?))
        .unwrap_or_default();
    let mut key_id = None;
    for area in [hashed, unhashed] {
        for (kind, value) in subpackets(area) {
            match kind {
                // Issuer fingerprint: a key version octet, then 20 (v4) or 32 (v5, v6) octets.
                33 if value.len() > 1 => return Some(hex(&value[1..])),
                16 if value.len() == 8 && key_id.is_none() => key_id = Some(hex(value)),
                _ => {}
            }
        }
    }
    key_id
}

/// (type without the critical bit, value) of each subpacket of an area, up to the first
/// malformed one.
fn subpackets(mut area: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while let Some(&o1) = area.first() {
        let (header, len) = match o1 {
            0..=191 => (1, o1 as usize),
            192..=254 => match area.get(1) {
                Some(&o2) => (2, ((o1 as usize - 192) << 8) + o2 as usize + 192),
                None => break,
            },
            255 => match be(area, 1, 4) {
                Some(n) => (5, n),
                None => break,
            },
        };
        let Some(packet) = area.get(header..header + len).filter(|p| !p.is_empty()) else {
            break;
        };
        out.push((packet[0] & 0x7f, &packet[1..]));
        area = &area[header + len..];
    }
    out
}

/// `SHA256:…` of the public key embedded in an `sshsig` blob.
fn ssh_fingerprint(blob: &[u8]) -> Option<String> {
    // "SSHSIG", a uint32 version, then the public key as an SSH string (uint32 length, bytes).
    if blob.get(..6)? != b"SSHSIG" {
        return None;
    }
    let len = be(blob, 10, 4)?;
    let key = blob.get(14..14usize.checked_add(len)?)?;
    if key.is_empty() {
        return None;
    }
    let digest = sha2::Sha256::digest(key);
    Some(format!("SHA256:{}", STANDARD_NO_PAD.encode(digest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn armor(kind: &str, body: &[u8]) -> Vec<u8> {
        let b64 = STANDARD.encode(body);
        let mut out = format!("-----BEGIN {kind}-----\n\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).unwrap());
            out.push('\n');
        }
        out.push_str("=abcd\n");
        out.push_str(&format!("-----END {kind}-----\n"));
        out.into_bytes()
    }

    /// A v4 signature packet (new format) with the given hashed and unhashed subpackets.
    fn v4(hashed: &[u8], unhashed: &[u8]) -> Vec<u8> {
        let mut body = vec![4, 0x00, 1, 8];
        body.extend_from_slice(&(hashed.len() as u16).to_be_bytes());
        body.extend_from_slice(hashed);
        body.extend_from_slice(&(unhashed.len() as u16).to_be_bytes());
        body.extend_from_slice(unhashed);
        body.extend_from_slice(&[0xab, 0xcd, 0, 8, 1]);
        let mut packet = vec![0xc2, body.len() as u8];
        packet.extend(body);
        packet
    }

    #[test]
    fn openpgp_fingerprint_then_key_id() {
        let fp: Vec<u8> = (1..=20).collect();
        let mut sub33 = vec![22, 33, 4];
        sub33.extend(&fp);
        let sub16 = [9, 16, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4];
        let both = v4(&sub33, &sub16);
        assert_eq!(
            signing_key(&armor("PGP SIGNATURE", &both)).as_deref(),
            Some("0102030405060708090A0B0C0D0E0F1011121314")
        );
        let id_only = v4(&[5, 2, 0, 0, 0, 1], &sub16);
        assert_eq!(
            signing_key(&armor("PGP SIGNATURE", &id_only)).as_deref(),
            Some("DEADBEEF01020304")
        );
        // An old-format packet header (tag 2, one-octet length) reads the same.
        let mut old = id_only.clone();
        old[0] = 0x88;
        assert_eq!(
            signing_key(&armor("PGP SIGNATURE", &old)).as_deref(),
            Some("DEADBEEF01020304")
        );
    }

    #[test]
    fn malformed_signatures_yield_nothing() {
        for bytes in [
            b"-----BEGIN PGP SIGNATURE-----\n\n!!!!\n-----END PGP SIGNATURE-----\n".to_vec(),
            armor("PGP SIGNATURE", &[0xc2, 50, 4, 0]),
            armor("PGP SIGNATURE", &[0xc2]),
            armor("SSH SIGNATURE", b"SSHSIG\0\0\0\x01\xff\xff\xff\xff"),
            armor("SSH SIGNATURE", b"NOTSIG"),
            b"-----BEGIN SIGNED MESSAGE-----\nMIAG\n".to_vec(),
        ] {
            assert_eq!(signing_key(&bytes), None);
        }
    }
}
