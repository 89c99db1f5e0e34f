//! Commit signatures. SSH signatures (git's `gpg.format = ssh`) are verified against an
//! `allowed_signers` file in git's format (see `allowed_signers`), at the commit's time;
//! OpenPGP signatures are reported as present, with the key id they name, but not verified
//! (that would need the signer's keyring).

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};
use ssh_key::certificate::CertType;
use ssh_key::{Certificate, HashAlg, PublicKey, Signature, SshSig};

// The allowed_signers format lives next to this file (`src/history/allowed_signers.rs`).
#[path = "allowed_signers.rs"]
pub mod allowed_signers;

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

pub use allowed_signers::{AllowedSigner, parse as parse_allowed_signers};

/// An SSH signature as `ssh-keygen -Y sign` writes it: by a plain key, or by a certificate
/// (then the certificate is in the signature, and its key signed).
enum SshSignature {
    Key(SshSig),
    Certificate { sig: SshSig, cert: Box<Certificate> },
}

impl SshSignature {
    fn parse(armored: &str) -> Option<Self> {
        match SshSig::from_pem(armored.trim()) {
            Ok(sig) => Some(Self::Key(sig)),
            Err(_) => certificate_signature(armored).map(|(sig, cert)| Self::Certificate {
                sig,
                cert: Box::new(cert),
            }),
        }
    }
}

/// `ssh-key` reads no certificate inside an SSHSIG blob (PROTOCOL.sshsig): this reads the blob
/// itself, and when its public key is a certificate, returns the signature as made by the
/// certificate's key, with the certificate.
fn certificate_signature(armored: &str) -> Option<(SshSig, Certificate)> {
    let body: String = armored
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != "-----BEGIN SSH SIGNATURE-----")
        .skip(1)
        .take_while(|l| *l != "-----END SSH SIGNATURE-----")
        .collect();
    let blob = Base64::decode_vec(&body).ok()?;
    let mut rest = blob.strip_prefix(b"SSHSIG")?;
    let version = take(&mut rest, 4)?;
    if version != [0, 0, 0, 1] {
        return None;
    }
    let public_key = string(&mut rest)?;
    let namespace = std::str::from_utf8(string(&mut rest)?).ok()?;
    let _reserved = string(&mut rest)?;
    let hash_alg = HashAlg::new(std::str::from_utf8(string(&mut rest)?).ok()?).ok()?;
    let signature = Signature::try_from(string(&mut rest)?).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let cert = Certificate::from_bytes(public_key).ok()?;
    let sig = SshSig::new(cert.public_key().clone(), namespace, hash_alg, signature).ok()?;
    Some((sig, cert))
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if bytes.len() < n {
        return None;
    }
    let (head, tail) = bytes.split_at(n);
    *bytes = tail;
    Some(head)
}

/// An SSH wire-format string: a big-endian u32 length, then that many bytes.
fn string<'a>(bytes: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = u32::from_be_bytes(take(bytes, 4)?.try_into().ok()?);
    take(bytes, usize::try_from(len).ok()?)
}

/// The namespace git signs commits in.
const NAMESPACE: &str = "git";

/// Whether `signature` (an armoured SSH signature) signs `payload` in the `git` namespace with
/// a key that `signers` allow for `email` at `time` (the commit's committer time, in seconds
/// since the epoch: what git passes to `ssh-keygen -Y verify -Overify-time=`). Returns the
/// signing key's fingerprint when it does.
///
/// A line admits the signature as `ssh-keygen -Y verify -n git -I EMAIL` does: its principals
/// match `email` (ASCII case-insensitively, unlike ssh-keygen), its `namespaces` (if any)
/// admit `git`, `time` is within `valid-after`..=`valid-before`, and either the line's key
/// signed, or (`cert-authority`) a user certificate signed by the line's key, valid at `time`
/// and naming `email` among its principals, is in the signature and its key signed.
pub fn verify_ssh(
    signers: &[AllowedSigner],
    email: &str,
    signature: &str,
    payload: &[u8],
    time: i64,
) -> Option<String> {
    let signature = SshSignature::parse(signature)?;
    signers
        .iter()
        .filter(|s| s.admits(email, NAMESPACE, time).is_ok())
        .find_map(|s| match (&signature, s.options.cert_authority) {
            (SshSignature::Key(sig), false) => s
                .key
                .verify(NAMESPACE, payload, sig)
                .is_ok()
                .then(|| s.key.fingerprint(HashAlg::Sha256).to_string()),
            (SshSignature::Certificate { sig, cert }, true) => {
                certificate_admitted(cert, &s.key, email, time)
                    .then(|| PublicKey::from(cert.public_key().clone()))
                    .filter(|key| key.verify(NAMESPACE, payload, sig).is_ok())
                    .map(|key| key.fingerprint(HashAlg::Sha256).to_string())
            }
            _ => None,
        })
}

/// Whether `cert` is a user certificate signed by `ca`, valid at `time`, for `email` (as
/// OpenSSH's `sshkey_cert_check_authority`, but comparing e-mails ASCII case-insensitively).
fn certificate_admitted(cert: &Certificate, ca: &PublicKey, email: &str, time: i64) -> bool {
    let Ok(time) = u64::try_from(time) else {
        return false;
    };
    cert.cert_type() == CertType::User
        && cert.signature_key() == ca.key_data()
        && cert
            .valid_principals()
            .iter()
            .any(|p| p.eq_ignore_ascii_case(email))
        && cert
            .validate_at(time, [&ca.fingerprint(HashAlg::Sha256)])
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::PrivateKey;
    use ssh_key::certificate::Builder;

    const PAYLOAD: &[u8] = b"tree 0000\nauthor Jane <jane@example.com> 1750000000 +0000\n\nv1\n";
    /// 2025-06-15T15:06:40Z.
    const T: i64 = 1_750_000_000;

    fn key(seed: u8) -> PrivateKey {
        PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[seed; 32]))
    }

    fn openssh(key: &PrivateKey) -> String {
        key.public_key().to_openssh().unwrap()
    }

    fn signers(text: &str) -> Vec<AllowedSigner> {
        let (signers, errors) = parse_allowed_signers(text);
        assert!(errors.is_empty(), "{errors:?}");
        signers
    }

    fn signed(key: &PrivateKey, namespace: &str) -> String {
        key.sign(namespace, HashAlg::Sha512, PAYLOAD)
            .unwrap()
            .to_pem(ssh_key::LineEnding::LF)
            .unwrap()
    }

    fn ssh_string(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend(u32::try_from(bytes.len()).unwrap().to_be_bytes());
        out.extend(bytes);
    }

    /// What `ssh-keygen -Y sign` writes when the key has a certificate: the certificate as the
    /// SSHSIG's public key.
    fn signed_with_certificate(key: &PrivateKey, cert: &Certificate, namespace: &str) -> String {
        let sig = key.sign(namespace, HashAlg::Sha512, PAYLOAD).unwrap();
        let mut blob = b"SSHSIG".to_vec();
        blob.extend(1u32.to_be_bytes());
        ssh_string(&mut blob, &cert.to_bytes().unwrap());
        ssh_string(&mut blob, namespace.as_bytes());
        ssh_string(&mut blob, b"");
        ssh_string(&mut blob, b"sha512");
        ssh_string(
            &mut blob,
            &Vec::<u8>::try_from(sig.signature().clone()).unwrap(),
        );
        let body = Base64::encode_string(&blob);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(70)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
            lines.join("\n")
        )
    }

    fn certificate(
        key: &PrivateKey,
        ca: &PrivateKey,
        principals: &[&str],
        window: (u64, u64),
        cert_type: CertType,
    ) -> Certificate {
        let mut builder = Builder::new([7u8; 16], key.public_key(), window.0, window.1).unwrap();
        builder.serial(1).unwrap().key_id("jane").unwrap();
        builder.cert_type(cert_type).unwrap();
        for p in principals {
            builder.valid_principal(*p).unwrap();
        }
        builder.sign(ca).unwrap()
    }

    #[test]
    fn a_plain_key_verifies_only_where_its_line_admits_it() {
        let jane = key(1);
        let sig = signed(&jane, "git");
        let verify = |line: &str, email: &str, time: i64| {
            verify_ssh(&signers(line), email, &sig, PAYLOAD, time)
        };
        let fp = jane.public_key().fingerprint(HashAlg::Sha256).to_string();
        let k = openssh(&jane);
        assert_eq!(
            verify(&format!("jane@example.com {k}"), "jane@example.com", T),
            Some(fp.clone())
        );
        assert_eq!(
            verify(&format!("bob@example.com {k}"), "jane@example.com", T),
            None
        );
        assert_eq!(
            verify(
                &format!("jane@example.com {}", openssh(&key(2))),
                "jane@example.com",
                T
            ),
            None
        );
        let window =
            format!("jane@example.com valid-after=\"20250101\",valid-before=\"20251231\" {k}");
        assert_eq!(verify(&window, "jane@example.com", T), Some(fp.clone()));
        assert_eq!(verify(&window, "jane@example.com", T + 365 * 86400), None);
        assert_eq!(verify(&window, "jane@example.com", T - 365 * 86400), None);
        assert_eq!(
            verify(
                &format!("jane@example.com namespaces=\"file\" {k}"),
                "jane@example.com",
                T
            ),
            None
        );
        // A later line can admit what an earlier one does not.
        let two = format!(
            "jane@example.com namespaces=\"file\" {k}\njane@example.com namespaces=\"git\" {k}"
        );
        assert_eq!(verify(&two, "jane@example.com", T), Some(fp.clone()));
        // A plain key's line never admits it as a certificate authority.
        assert_eq!(
            verify(
                &format!("jane@example.com cert-authority {k}"),
                "jane@example.com",
                T
            ),
            None
        );
        // A signature in another namespace is no commit signature.
        let file_sig = signed(&jane, "file");
        assert_eq!(
            verify_ssh(
                &signers(&format!("* {k}")),
                "jane@example.com",
                &file_sig,
                PAYLOAD,
                T
            ),
            None
        );
        // Another payload does not verify.
        assert_eq!(
            verify_ssh(
                &signers(&format!("* {k}")),
                "jane@example.com",
                &sig,
                b"other",
                T
            ),
            None
        );
    }

    #[test]
    fn a_certificate_verifies_under_its_certificate_authority() {
        let jane = key(1);
        let ca = key(3);
        let year = (1_735_689_600, 1_767_225_600); // 2025-01-01 .. 2026-01-01
        let ca_line = format!("*@example.com cert-authority {}", openssh(&ca));
        let cert = certificate(&jane, &ca, &["jane@example.com"], year, CertType::User);
        let sig = signed_with_certificate(&jane, &cert, "git");
        let fp = jane.public_key().fingerprint(HashAlg::Sha256).to_string();
        let verify = |line: &str, sig: &str, email: &str, time: i64| {
            verify_ssh(&signers(line), email, sig, PAYLOAD, time)
        };
        assert_eq!(verify(&ca_line, &sig, "jane@example.com", T), Some(fp));
        // Not a principal of the certificate, though the line's pattern matches.
        assert_eq!(verify(&ca_line, &sig, "bob@example.com", T), None);
        // Outside the certificate's validity.
        assert_eq!(
            verify(&ca_line, &sig, "jane@example.com", 1_767_225_600),
            None
        );
        assert_eq!(
            verify(&ca_line, &sig, "jane@example.com", 1_735_689_599),
            None
        );
        // The line's own options still apply.
        let expired = format!(
            "*@example.com cert-authority,valid-before=\"20250301\" {}",
            openssh(&ca)
        );
        assert_eq!(verify(&expired, &sig, "jane@example.com", T), None);
        // Without `cert-authority`, or with another CA, or the subject key itself: no.
        assert_eq!(
            verify(
                &format!("*@example.com {}", openssh(&ca)),
                &sig,
                "jane@example.com",
                T
            ),
            None
        );
        assert_eq!(
            verify(
                &format!("*@example.com cert-authority {}", openssh(&key(4))),
                &sig,
                "jane@example.com",
                T
            ),
            None
        );
        assert_eq!(
            verify(
                &format!("*@example.com {}", openssh(&jane)),
                &sig,
                "jane@example.com",
                T
            ),
            None
        );
        // A host certificate, or one with no principals, signs nothing.
        let host = certificate(&jane, &ca, &["jane@example.com"], year, CertType::Host);
        let sig_host = signed_with_certificate(&jane, &host, "git");
        assert_eq!(verify(&ca_line, &sig_host, "jane@example.com", T), None);
        // A certificate altered after the CA signed it (its principal rewritten).
        let mut bytes = cert.to_bytes().unwrap();
        let at = bytes
            .windows(16)
            .position(|w| w == b"jane@example.com")
            .unwrap();
        bytes[at..at + 16].copy_from_slice(b"mallory@exam.com");
        let altered = Certificate::from_bytes(&bytes).unwrap();
        assert_eq!(altered.valid_principals(), ["mallory@exam.com"]);
        let sig_altered = signed_with_certificate(&jane, &altered, "git");
        assert_eq!(verify(&ca_line, &sig_altered, "mallory@exam.com", T), None);
        let any = format!("* cert-authority {}", openssh(&ca));
        assert_eq!(verify(&any, &sig_altered, "mallory@exam.com", T), None);
        // In another namespace.
        let sig_file = signed_with_certificate(&jane, &cert, "file");
        assert_eq!(verify(&ca_line, &sig_file, "jane@example.com", T), None);
    }

    #[test]
    fn malformed_signatures_verify_nothing() {
        let k = openssh(&key(1));
        let s = signers(&format!("* {k}\n* cert-authority {k}"));
        for junk in [
            "",
            "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----",
            "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----",
            "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAf////8=\n-----END SSH SIGNATURE-----",
            "-----BEGIN SSH SIGNATURE-----\n!!!\n-----END SSH SIGNATURE-----",
        ] {
            assert_eq!(
                verify_ssh(&s, "jane@example.com", junk, PAYLOAD, T),
                None,
                "{junk}"
            );
        }
    }
}
