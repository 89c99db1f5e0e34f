//! Commit signatures. SSH signatures (git's `gpg.format = ssh`) are verified against an
//! `allowed_signers` file in git's format; OpenPGP signatures are reported as present, with the
//! key id they name, but not verified (that would need the signer's keyring).

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use ssh_key::{PublicKey, SshSig};

/// What signature a commit carries (read from its `gpgsig` header).
/// (Serialised only into the history cache, whose binary format needs serde's default,
/// externally tagged enum representation.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SignatureKind {
    #[default]
    None,
    Ssh,
    Pgp {
        key_id: Option<String>,
    },
    Other,
}

pub fn kind(commit: &git2::Commit) -> SignatureKind {
    // Most commits are unsigned, and asking libgit2 for a field a commit lacks costs an error
    // (a formatted message, taken over by git2): a tenth of the walk's own work. The raw
    // header is at hand; a field starts a line of it.
    let raw = commit.raw_header_bytes();
    if !raw.starts_with(b"gpgsig ") && memchr::memmem::find(raw, b"\ngpgsig ").is_none() {
        return SignatureKind::None;
    }
    let Ok(header) = commit.header_field_bytes("gpgsig") else {
        return SignatureKind::None;
    };
    let text = String::from_utf8_lossy(&header);
    if text.contains("-----BEGIN SSH SIGNATURE-----") {
        SignatureKind::Ssh
    } else if text.contains("-----BEGIN PGP SIGNATURE-----") {
        SignatureKind::Pgp {
            key_id: pgp_key_id(&text),
        }
    } else {
        SignatureKind::Other
    }
}

/// The issuer key id of an ASCII-armoured OpenPGP signature (v4 signature packet, issuer or
/// issuer-fingerprint subpacket), upper-case hex.
pub fn pgp_key_id(armored: &str) -> Option<String> {
    let body: String = armored
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN PGP SIGNATURE"))
        .skip(1)
        .skip_while(|l| !l.is_empty() && l.contains(':')) // armour headers
        .take_while(|l| !l.starts_with('=') && !l.starts_with("-----END"))
        .collect();
    let bytes = Base64::decode_vec(&body).ok()?;
    let (tag, packet) = packet(&bytes)?;
    if tag != 2 || packet.first() != Some(&4) || packet.len() < 6 {
        return None;
    }
    let hashed_len = u16::from_be_bytes([packet[4], packet[5]]) as usize;
    let hashed = packet.get(6..6 + hashed_len)?;
    let rest = packet.get(6 + hashed_len..)?;
    let unhashed_len = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]) as usize;
    let unhashed = rest.get(2..2 + unhashed_len)?;
    let mut fingerprint = None;
    for area in [hashed, unhashed] {
        let mut i = 0;
        while i < area.len() {
            let (len, skip) = subpacket_length(&area[i..])?;
            let sub = area.get(i + skip..i + skip + len)?;
            match sub.first().map(|t| t & 0x7f) {
                Some(16) if sub.len() == 9 => return Some(hex(&sub[1..])),
                Some(33) if sub.len() >= 2 => fingerprint = Some(hex(&sub[2..])),
                _ => {}
            }
            i += skip + len;
        }
    }
    // A v4 fingerprint's last 8 bytes are the key id.
    fingerprint.map(|f| f[f.len().saturating_sub(16)..].to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn packet(bytes: &[u8]) -> Option<(u8, &[u8])> {
    let first = *bytes.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    if first & 0x40 != 0 {
        let tag = first & 0x3f;
        let (len, skip) = subpacket_length(&bytes[1..])?;
        Some((tag, bytes.get(1 + skip..1 + skip + len)?))
    } else {
        let tag = (first >> 2) & 0x0f;
        let (len, skip) = match first & 3 {
            0 => (*bytes.get(1)? as usize, 1),
            1 => (
                u16::from_be_bytes([*bytes.get(1)?, *bytes.get(2)?]) as usize,
                2,
            ),
            2 => (
                u32::from_be_bytes([
                    *bytes.get(1)?,
                    *bytes.get(2)?,
                    *bytes.get(3)?,
                    *bytes.get(4)?,
                ]) as usize,
                4,
            ),
            _ => (bytes.len() - 1, 0),
        };
        Some((tag, bytes.get(1 + skip..1 + skip + len)?))
    }
}

fn subpacket_length(bytes: &[u8]) -> Option<(usize, usize)> {
    let first = *bytes.first()? as usize;
    match first {
        0..=191 => Some((first, 1)),
        192..=254 => Some((((first - 192) << 8) + *bytes.get(1)? as usize + 192, 2)),
        _ => Some((
            u32::from_be_bytes([
                *bytes.get(1)?,
                *bytes.get(2)?,
                *bytes.get(3)?,
                *bytes.get(4)?,
            ]) as usize,
            5,
        )),
    }
}

/// One line of an allowed_signers file: principals (e-mail patterns) and their key.
#[derive(Debug, Clone)]
pub struct AllowedSigner {
    pub principals: Vec<String>,
    pub key: PublicKey,
}

/// Parses git's `allowed_signers` format: `principals [options] keytype base64 [comment]`.
/// Lines that cannot be read are returned as errors with their line numbers.
pub fn parse_allowed_signers(text: &str) -> (Vec<AllowedSigner>, Vec<(usize, String)>) {
    let mut signers = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((principals, rest)) = line.split_once(char::is_whitespace) else {
            errors.push((i + 1, "expected `principals keytype key`".into()));
            continue;
        };
        // Options (`namespaces="git"`, `valid-after=…`) come before the key type.
        let key_start = rest
            .split_whitespace()
            .position(|w| w.starts_with("ssh-") || w.starts_with("ecdsa-") || w.starts_with("sk-"));
        let Some(key_start) = key_start else {
            errors.push((
                i + 1,
                "no SSH key type (ssh-ed25519, ssh-rsa, ecdsa-…)".into(),
            ));
            continue;
        };
        let key_text: Vec<&str> = rest.split_whitespace().skip(key_start).take(2).collect();
        match PublicKey::from_openssh(&key_text.join(" ")) {
            Ok(key) => signers.push(AllowedSigner {
                principals: principals
                    .split(',')
                    .map(|p| p.trim_matches('"').to_string())
                    .collect(),
                key,
            }),
            Err(e) => errors.push((i + 1, format!("unreadable key: {e}"))),
        }
    }
    (signers, errors)
}

/// `*` matches any run of characters, as in git's principal patterns.
fn principal_matches(pattern: &str, email: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let email = email.to_ascii_lowercase();
    match pattern.split_once('*') {
        None => pattern == email,
        Some((prefix, suffix)) => {
            email.len() >= prefix.len() + suffix.len()
                && email.starts_with(prefix)
                && email.ends_with(suffix)
        }
    }
}

/// Whether `signature` (an armoured SSH signature) signs `payload` in the `git` namespace with
/// a key allowed for `email`. Returns the key's fingerprint when it does.
pub fn verify_ssh(
    signers: &[AllowedSigner],
    email: &str,
    signature: &str,
    payload: &[u8],
) -> Option<String> {
    let sig = SshSig::from_pem(signature.trim()).ok()?;
    signers
        .iter()
        .filter(|s| s.principals.iter().any(|p| principal_matches(p, email)))
        .find(|s| s.key.verify("git", payload, &sig).is_ok())
        .map(|s| s.key.fingerprint(ssh_key::HashAlg::Sha256).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_with_wildcards() {
        assert!(principal_matches("*@example.com", "Jane@Example.com"));
        assert!(!principal_matches("*@example.com", "jane@example.org"));
        assert!(principal_matches("jane@example.com", "JANE@example.com"));
    }

    #[test]
    fn allowed_signers_lines() {
        let (signers, errors) = parse_allowed_signers(
            "# comment\njane@example.com namespaces=\"git\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtsw6j1MnvZYZtm7KNgfUx6XyS55oLoxBoV16Zn9dBC jane\nbroken line\n",
        );
        assert_eq!(signers.len(), 1);
        assert_eq!(signers[0].principals, ["jane@example.com"]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 3);
    }
}
