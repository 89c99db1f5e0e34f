//! git's `allowed_signers` file (`gpg.ssh.allowedSignersFile`), read as `ssh-keygen -Y verify`
//! reads it (OpenSSH `sshsig.c`, "ALLOWED SIGNERS" in ssh-keygen(1)):
//!
//! ```text
//! principals [options] keytype base64-key [comment]
//! ```
//!
//! - blank lines and lines whose first non-blank character is `#` are skipped;
//! - `principals` is a pattern-list (comma-separated, `*` and `?` wildcards, `!` negation); the
//!   field may be double-quoted;
//! - `options` is one comma-separated word (spaces only inside double quotes) of
//!   `cert-authority`, `namespaces="pattern-list"`, `valid-after="time"` and
//!   `valid-before="time"` (keywords case-insensitive, values quoted, `\"` for a quote); a time
//!   is `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally followed by `Z` or `UTC`.
//!
//! Two differences. For determinism, ssh-keygen reads a time without `Z` in the verifying
//! machine's time zone; policybook reads every time as UTC. And policybook verifies Ed25519 and
//! ECDSA (P-256) keys only: a line with an `ssh-rsa` key is an error that says so, since the
//! only RSA implementation `ssh-key` offers is the `rsa` crate, which carries an advisory with
//! no fixed version (RUSTSEC-2023-0071) and would keep `cargo audit` from ever passing.
//!
//! Nothing here panics or backtracks exponentially on hostile input: a line that cannot be
//! read is an error with its line number (and is skipped, as ssh-keygen skips it).

use ssh_key::{Algorithm, PublicKey};

/// One readable line of an allowed_signers file.
#[derive(Debug, Clone)]
pub struct AllowedSigner {
    /// Its line number (1-based).
    pub line: usize,
    /// The principals pattern-list, as written (unquoted).
    pub principals: String,
    pub options: SignerOptions,
    /// The key, or the certificate authority's key with `cert-authority`.
    pub key: PublicKey,
}

/// The options before the key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignerOptions {
    /// `cert-authority`: the key signs certificates, which sign.
    pub cert_authority: bool,
    /// `namespaces="…"`: the pattern-list of namespaces the key may sign in.
    pub namespaces: Option<String>,
    /// `valid-after="…"`, in seconds since the epoch: usable at or after.
    pub valid_after: Option<i64>,
    /// `valid-before="…"`, in seconds since the epoch: usable at or before.
    pub valid_before: Option<i64>,
}

/// Why a line does not let a key sign for a principal in a namespace at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Principal,
    Namespace,
    NotYetValid,
    Expired,
}

impl AllowedSigner {
    /// Whether this line's principals, namespaces and validity window admit a signature by
    /// `principal` in `namespace` made at `time` (seconds since the epoch). Principals are
    /// compared ASCII case-insensitively (they are e-mail addresses), namespaces exactly.
    pub fn admits(&self, principal: &str, namespace: &str, time: i64) -> Result<(), Refusal> {
        if match_pattern_list(principal, &self.principals, true) != Match::Positive {
            return Err(Refusal::Principal);
        }
        if let Some(namespaces) = &self.options.namespaces
            && match_pattern_list(namespace, namespaces, false) != Match::Positive
        {
            return Err(Refusal::Namespace);
        }
        if self.options.valid_after.is_some_and(|after| time < after) {
            return Err(Refusal::NotYetValid);
        }
        if self
            .options
            .valid_before
            .is_some_and(|before| time > before)
        {
            return Err(Refusal::Expired);
        }
        Ok(())
    }
}

/// Reads an allowed_signers file: its readable lines, and the others as (line number, why).
pub fn parse(text: &str) -> (Vec<AllowedSigner>, Vec<(usize, LineError)>) {
    let mut signers = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line) {
            Ok(None) => {}
            Ok(Some((principals, options, key))) => signers.push(AllowedSigner {
                line: i + 1,
                principals,
                options,
                key,
            }),
            Err(e) => errors.push((i + 1, e)),
        }
    }
    (signers, errors)
}

/// Why a line of an allowed_signers file cannot be read (shown as an `invalid-field` finding
/// with the line's number); OpenSSH skips such a line too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("expected `principals [options] keytype base64-key`: no key")]
    NoKey,
    #[error("the principals have an unterminated quote")]
    UnterminatedPrincipals,
    #[error("the options have an unterminated quote")]
    UnterminatedOptions,
    #[error("no key after the options")]
    NoKeyAfterOptions,
    #[error("a certificate as the key is not supported: list its CA's key with `cert-authority`")]
    CertificateAsKey,
    #[error("`{0}` is not an SSH key type (ssh-ed25519, ssh-rsa, ecdsa-…)")]
    NotAKeyType(String),
    #[error(
        "`ssh-rsa` keys are not verified by policybook: sign commits with an ssh-ed25519 or ecdsa-sha2-nistp256 key and list that key"
    )]
    RsaKey,
    #[error("unreadable key: {0}")]
    UnreadableKey(String),
    #[error("more than one `{0}` option")]
    RepeatedOption(&'static str),
    #[error("{option}: {error}")]
    BadTime {
        option: &'static str,
        error: TimeError,
    },
    #[error("unknown option `{0}` (known: cert-authority, namespaces, valid-after, valid-before)")]
    UnknownOption(String),
    #[error("the options end with a comma")]
    TrailingComma,
    #[error("valid-before is not after valid-after")]
    EmptyValidity,
    #[error("the value of `{0}` must be double-quoted")]
    Unquoted(&'static str),
    #[error("the value of `{0}` has no closing quote")]
    UnclosedValue(&'static str),
}

/// Why a `valid-after`/`valid-before` value is no time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "`{0}` is not a time (YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, optionally followed by Z)"
    )]
    NotATime(String),
    #[error("`{0}` is not after 1970-01-01")]
    BeforeTheEpoch(String),
}

const BLANK: &[char] = &[' ', '\t', '\r', '\n'];

type Line = (String, SignerOptions, PublicKey);

fn parse_line(line: &str) -> Result<Option<Line>, LineError> {
    let line = line.trim_start_matches(BLANK);
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (principals, rest) = principals_field(line)?;
    let first = rest.split([' ', '\t']).next().unwrap_or_default();
    let (options, key_text) = if is_key_type(first) || first.ends_with(CERTIFICATE) {
        (SignerOptions::default(), rest)
    } else {
        let end = options_end(rest).ok_or(LineError::UnterminatedOptions)?;
        let options = parse_options(&rest[..end])?;
        let key_text = rest[end..].trim_start_matches([' ', '\t']);
        if key_text.is_empty() {
            return Err(LineError::NoKeyAfterOptions);
        }
        (options, key_text)
    };
    let mut words = key_text.split([' ', '\t']).filter(|w| !w.is_empty());
    let key_type = words.next().unwrap_or_default();
    if key_type.ends_with(CERTIFICATE) {
        return Err(LineError::CertificateAsKey);
    }
    if !is_key_type(key_type) {
        return Err(LineError::NotAKeyType(clip(key_type)));
    }
    if matches!(Algorithm::new(key_type), Ok(Algorithm::Rsa { .. })) {
        return Err(LineError::RsaKey);
    }
    let base64 = words.next().unwrap_or_default();
    let key = PublicKey::from_openssh(&format!("{key_type} {base64}"))
        .map_err(|e| LineError::UnreadableKey(e.to_string()))?;
    Ok(Some((principals, options, key)))
}

/// A hostile line can be long: messages quote at most 40 characters of it.
fn clip(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// How the type of an OpenSSH certificate ends.
const CERTIFICATE: &str = "-cert-v01@openssh.com";

fn is_key_type(word: &str) -> bool {
    matches!(Algorithm::new(word), Ok(a) if !matches!(a, Algorithm::Other(_)))
}

/// The principals field and what follows it (blanks skipped), as OpenSSH's `strdelimw` splits
/// them: up to the first blank, or, from a double quote, up to the next one (the quotes
/// dropped). An error when nothing follows the field or a quote is not closed.
fn principals_field(line: &str) -> Result<(String, &str), LineError> {
    let at = line
        .find([' ', '\t', '\r', '\n', '"'])
        .ok_or(LineError::NoKey)?;
    let (field, rest) = if line[at..].starts_with('"') {
        let after = &line[at + 1..];
        let close = after.find('"').ok_or(LineError::UnterminatedPrincipals)?;
        (
            format!("{}{}", &line[..at], &after[..close]),
            &after[close + 1..],
        )
    } else {
        (line[..at].to_string(), &line[at + 1..])
    };
    let rest = rest.trim_start_matches(BLANK);
    if rest.is_empty() {
        return Err(LineError::NoKey);
    }
    Ok((field, rest))
}

/// Where the options word ends (at a blank outside double quotes; `\"` is not a quote).
fn options_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() && (quoted || (bytes[i] != b' ' && bytes[i] != b'\t')) {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'"') {
            i += 1;
        } else if bytes[i] == b'"' {
            quoted = !quoted;
        }
        i += 1;
    }
    (!quoted).then_some(i)
}

/// Parses the options word as OpenSSH's `sshsigopt_parse` does.
fn parse_options(word: &str) -> Result<SignerOptions, LineError> {
    let mut options = SignerOptions::default();
    let mut rest = word;
    while !rest.is_empty() {
        if let Some(after) = strip_prefix_ci(rest, "cert-authority") {
            options.cert_authority = true;
            rest = after;
        } else if let Some(after) = strip_prefix_ci(rest, "namespaces=") {
            if options.namespaces.is_some() {
                return Err(LineError::RepeatedOption("namespaces"));
            }
            let (value, after) = dequote(after, "namespaces")?;
            options.namespaces = Some(value);
            rest = after;
        } else if let Some(after) = strip_prefix_ci(rest, "valid-after=") {
            if options.valid_after.is_some() {
                return Err(LineError::RepeatedOption("valid-after"));
            }
            let (value, after) = dequote(after, "valid-after")?;
            options.valid_after = Some(parse_time(&value).map_err(|error| LineError::BadTime {
                option: "valid-after",
                error,
            })?);
            rest = after;
        } else if let Some(after) = strip_prefix_ci(rest, "valid-before=") {
            if options.valid_before.is_some() {
                return Err(LineError::RepeatedOption("valid-before"));
            }
            let (value, after) = dequote(after, "valid-before")?;
            options.valid_before =
                Some(parse_time(&value).map_err(|error| LineError::BadTime {
                    option: "valid-before",
                    error,
                })?);
            rest = after;
        }
        if rest.is_empty() {
            break;
        }
        let Some(after) = rest.strip_prefix(',') else {
            let option = rest.split(',').next().unwrap_or_default();
            return Err(LineError::UnknownOption(clip(option)));
        };
        if after.is_empty() {
            return Err(LineError::TrailingComma);
        }
        rest = after;
    }
    if let (Some(after), Some(before)) = (options.valid_after, options.valid_before)
        && before <= after
    {
        return Err(LineError::EmptyValidity);
    }
    Ok(options)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// A double-quoted option value (`\"` is a quote) and what follows it.
fn dequote<'a>(s: &'a str, option: &'static str) -> Result<(String, &'a str), LineError> {
    let Some(body) = s.strip_prefix('"') else {
        return Err(LineError::Unquoted(option));
    };
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &body[i + 1..])),
            '\\' if body[i + 1..].starts_with('"') => {
                chars.next();
                value.push('"');
            }
            c => value.push(c),
        }
    }
    Err(LineError::UnclosedValue(option))
}

/// A time of `valid-after`/`valid-before`: `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`,
/// optionally followed by `Z` or `UTC` (any case), in seconds since the epoch. ssh-keygen
/// reads a time without `Z`/`UTC` in the local time zone; policybook always reads UTC, so its
/// verdicts do not depend on the machine. A time that does not exist (February 30, 24:00) or
/// is not after the epoch is an error.
pub fn parse_time(value: &str) -> Result<i64, TimeError> {
    let digits = if value.len() > 1 && value.ends_with(['Z', 'z']) {
        &value[..value.len() - 1]
    } else if value.len() > 3 && value.is_char_boundary(value.len() - 3) && {
        value[value.len() - 3..].eq_ignore_ascii_case("UTC")
    } {
        &value[..value.len() - 3]
    } else {
        value
    };
    let bad = || TimeError::NotATime(clip(value));
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let field = |at: usize, len: usize| digits.get(at..at + len).map_or(Ok(0), str::parse::<i16>);
    let (Ok(year), Ok(month), Ok(day), Ok(hour), Ok(minute), Ok(second)) = (
        field(0, 4),
        field(4, 2),
        field(6, 2),
        field(8, 2),
        field(10, 2),
        field(12, 2),
    ) else {
        return Err(bad());
    };
    let narrow = |v: i16| i8::try_from(v).unwrap_or(i8::MAX);
    let time = jiff::civil::DateTime::new(
        year,
        narrow(month),
        narrow(day),
        narrow(hour),
        narrow(minute),
        narrow(second),
        0,
    )
    .and_then(|t| jiff::tz::TimeZone::UTC.to_timestamp(t))
    .map_err(|_| bad())?
    .as_second();
    if time <= 0 {
        return Err(TimeError::BeforeTheEpoch(clip(value)));
    }
    Ok(time)
}

/// What a pattern-list says of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// No pattern matches.
    None,
    /// A pattern matches and no negated one does.
    Positive,
    /// A negated pattern (`!pattern`) matches.
    Negated,
}

/// OpenSSH's `match_pattern_list`: `patterns` is comma-separated; `!pattern` negates, and a
/// negated match decides. A pattern of 1023 bytes or more makes the whole list fail, as in
/// OpenSSH. With `fold_case`, ASCII letters compare case-insensitively.
pub fn match_pattern_list(s: &str, patterns: &str, fold_case: bool) -> Match {
    const LONGEST: usize = 1023;
    let bytes = patterns.as_bytes();
    let mut positive = false;
    let mut i = 0;
    while i < bytes.len() {
        let negated = bytes[i] == b'!';
        if negated {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b',' {
            i += 1;
        }
        let pattern = &bytes[start..i];
        if pattern.len() >= LONGEST {
            return Match::None;
        }
        if i < bytes.len() {
            i += 1; // the comma
        }
        if match_pattern(s.as_bytes(), pattern, fold_case) {
            if negated {
                return Match::Negated;
            }
            positive = true;
        }
    }
    if positive {
        Match::Positive
    } else {
        Match::None
    }
}

/// OpenSSH's `match_pattern`: `*` matches any run of bytes, `?` any one byte, anything else
/// itself. Linear in the string times the pattern at worst (the last `*` is all that is ever
/// backtracked to), never exponential.
pub fn match_pattern(s: &[u8], pattern: &[u8], fold_case: bool) -> bool {
    let same = |a: u8, b: u8| {
        if fold_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut si, mut pi) = (0, 0);
    // The last `*` seen, and where in `s` its run currently ends.
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match pattern.get(pi) {
            Some(b'*') => {
                pi += 1;
                star = Some((pi, si));
            }
            Some(&p) if p == b'?' || same(p, s[si]) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((after_star, run_end)) => {
                    pi = after_star;
                    si = run_end + 1;
                    star = Some((after_star, run_end + 1));
                }
                None => return false,
            },
        }
    }
    pattern[pi..].iter().all(|&p| p == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtsw6j1MnvZYZtm7KNgfUx6XyS55oLoxBoV16Zn9dBC";

    fn one(line: &str) -> AllowedSigner {
        let (signers, errors) = parse(line);
        assert!(errors.is_empty(), "{line}: {errors:?}");
        assert_eq!(signers.len(), 1, "{line}");
        signers.into_iter().next().unwrap()
    }

    fn error(line: &str) -> String {
        let (signers, errors) = parse(line);
        assert!(signers.is_empty(), "{line} was read");
        assert_eq!(errors.len(), 1, "{line}");
        errors[0].1.to_string()
    }

    fn utc(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_second()
    }

    #[test]
    fn glob_patterns() {
        let m = |s: &str, p: &str| match_pattern(s.as_bytes(), p.as_bytes(), false);
        assert!(m("jane@example.com", "*@example.com"));
        assert!(!m("jane@example.org", "*@example.com"));
        assert!(m("jane@example.com", "j?ne@*.com"));
        assert!(!m("jne@example.com", "j?ne@*.com"));
        assert!(m("", "*"));
        assert!(!m("", "?"));
        assert!(m("abc", "a**c"));
        assert!(m("aXbYc", "a*b*c"));
        assert!(!m("aXbYd", "a*b*c"));
        assert!(m("mississippi", "*sip*"));
        assert!(!m("Jane@example.com", "jane@example.com"));
        assert!(match_pattern(b"Jane@Example.com", b"jane@*.COM", true));
        // A pattern that backtracks exponentially in a naive matcher.
        let s = "a".repeat(5000);
        let p = format!("{}b", "*a".repeat(60));
        assert!(!m(&s, &p));
        assert!(m(&s, &"*a".repeat(60)));
    }

    #[test]
    fn pattern_lists() {
        let l = |s: &str, p: &str| match_pattern_list(s, p, false);
        assert_eq!(
            l("jane@example.com", "bob@example.com,jane@example.com"),
            Match::Positive
        );
        assert_eq!(
            l("eve@example.com", "bob@example.com,jane@example.com"),
            Match::None
        );
        assert_eq!(
            l("jane@example.com", "*@example.com,!mallory@example.com"),
            Match::Positive
        );
        assert_eq!(
            l("mallory@example.com", "*@example.com,!mallory@example.com"),
            Match::Negated
        );
        // Order does not matter: a negated match decides.
        assert_eq!(
            l("mallory@example.com", "!mallory@example.com,*"),
            Match::Negated
        );
        // A negation alone admits no one.
        assert_eq!(l("jane@example.com", "!mallory@example.com"), Match::None);
        // Empty patterns match only the empty string; a trailing comma adds none.
        assert_eq!(l("", "a,"), Match::None);
        assert_eq!(l("", "a,,b"), Match::Positive);
        // An over-long pattern fails the whole list, as in OpenSSH.
        let long = format!("jane@example.com,{}", "x".repeat(1023));
        assert_eq!(l("jane@example.com", &long), Match::None);
        let fits = format!("jane@example.com,{}", "x".repeat(1022));
        assert_eq!(l("jane@example.com", &fits), Match::Positive);
    }

    #[test]
    fn comments_blank_lines_and_line_numbers() {
        let text = format!(
            "# comment\n\n   \t\n  # indented comment\njane@example.com {KEY} jane's laptop\r\nbroken\n"
        );
        let (signers, errors) = parse(&text);
        assert_eq!(signers.len(), 1);
        assert_eq!(signers[0].line, 5);
        assert_eq!(signers[0].principals, "jane@example.com");
        assert_eq!(signers[0].options, SignerOptions::default());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 6);
    }

    #[test]
    fn quoted_principals() {
        let s = one(&format!("\"jane@example.com,bob@example.com\" {KEY}"));
        assert_eq!(s.principals, "jane@example.com,bob@example.com");
        assert!(s.admits("bob@example.com", "git", 0).is_ok());
        // A quoted field may hold blanks (which then belong to the patterns).
        let s = one(&format!("\"jane@example.com, bob@example.com\" {KEY}"));
        assert_eq!(
            s.admits("bob@example.com", "git", 0),
            Err(Refusal::Principal)
        );
        assert!(error(&format!("\"jane@example.com {KEY}")).contains("unterminated quote"));
    }

    #[test]
    fn principal_option_holds_and_fails() {
        let s = one(&format!("*@example.com,!mallory@example.com {KEY}"));
        assert!(s.admits("jane@example.com", "git", 0).is_ok());
        assert!(s.admits("JANE@EXAMPLE.COM", "git", 0).is_ok());
        assert_eq!(
            s.admits("mallory@example.com", "git", 0),
            Err(Refusal::Principal)
        );
        assert_eq!(
            s.admits("jane@example.org", "git", 0),
            Err(Refusal::Principal)
        );
        let s = one(&format!("j?ne@example.com {KEY}"));
        assert!(s.admits("jane@example.com", "git", 0).is_ok());
        assert_eq!(
            s.admits("joanne@example.com", "git", 0),
            Err(Refusal::Principal)
        );
    }

    #[test]
    fn namespaces_option_holds_and_fails() {
        let s = one(&format!("jane@example.com namespaces=\"git\" {KEY}"));
        assert_eq!(s.options.namespaces.as_deref(), Some("git"));
        assert!(s.admits("jane@example.com", "git", 0).is_ok());
        assert_eq!(
            s.admits("jane@example.com", "file", 0),
            Err(Refusal::Namespace)
        );
        let s = one(&format!("jane@example.com namespaces=\"file\" {KEY}"));
        assert_eq!(
            s.admits("jane@example.com", "git", 0),
            Err(Refusal::Namespace)
        );
        let s = one(&format!("jane@example.com NAMESPACES=\"file,g*\" {KEY}"));
        assert!(s.admits("jane@example.com", "git", 0).is_ok());
        let s = one(&format!("jane@example.com namespaces=\"*,!git\" {KEY}"));
        assert_eq!(
            s.admits("jane@example.com", "git", 0),
            Err(Refusal::Namespace)
        );
        assert!(s.admits("jane@example.com", "file", 0).is_ok());
        // Namespaces are case-sensitive, as in OpenSSH.
        let s = one(&format!("jane@example.com namespaces=\"GIT\" {KEY}"));
        assert_eq!(
            s.admits("jane@example.com", "git", 0),
            Err(Refusal::Namespace)
        );
    }

    #[test]
    fn validity_options_hold_and_fail() {
        let s = one(&format!(
            "jane@example.com valid-after=\"20250101\",valid-before=\"20251231235959Z\" {KEY}"
        ));
        assert_eq!(s.options.valid_after, Some(utc("2025-01-01T00:00:00Z")));
        assert_eq!(s.options.valid_before, Some(utc("2025-12-31T23:59:59Z")));
        // Both ends are inclusive, as in ssh-keygen.
        for inside in [
            "2025-01-01T00:00:00Z",
            "2025-06-01T12:00:00Z",
            "2025-12-31T23:59:59Z",
        ] {
            assert!(
                s.admits("jane@example.com", "git", utc(inside)).is_ok(),
                "{inside}"
            );
        }
        assert_eq!(
            s.admits("jane@example.com", "git", utc("2024-12-31T23:59:59Z")),
            Err(Refusal::NotYetValid)
        );
        assert_eq!(
            s.admits("jane@example.com", "git", utc("2026-01-01T00:00:00Z")),
            Err(Refusal::Expired)
        );
        let s = one(&format!(
            "jane@example.com valid-before=\"202512311200\" {KEY}"
        ));
        assert!(
            s.admits("jane@example.com", "git", utc("2025-12-31T12:00:00Z"))
                .is_ok()
        );
        assert_eq!(
            s.admits("jane@example.com", "git", utc("2025-12-31T12:00:01Z")),
            Err(Refusal::Expired)
        );
        let s = one(&format!(
            "jane@example.com Valid-After=\"20270101utc\" {KEY}"
        ));
        assert_eq!(
            s.admits("jane@example.com", "git", utc("2026-12-31T23:59:59Z")),
            Err(Refusal::NotYetValid)
        );
        assert!(
            s.admits("jane@example.com", "git", utc("2027-01-01T00:00:00Z"))
                .is_ok()
        );
    }

    #[test]
    fn cert_authority_option() {
        let s = one(&format!(
            "*@example.com cert-authority,namespaces=\"git\" {KEY}"
        ));
        assert!(s.options.cert_authority);
        let s = one(&format!("*@example.com {KEY}"));
        assert!(!s.options.cert_authority);
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("20250101"), Ok(utc("2025-01-01T00:00:00Z")));
        assert_eq!(parse_time("20250101Z"), Ok(utc("2025-01-01T00:00:00Z")));
        assert_eq!(parse_time("202501011230"), Ok(utc("2025-01-01T12:30:00Z")));
        assert_eq!(
            parse_time("20250101123045z"),
            Ok(utc("2025-01-01T12:30:45Z"))
        );
        assert_eq!(
            parse_time("20250101123045UTC"),
            Ok(utc("2025-01-01T12:30:45Z"))
        );
        for bad in [
            "",
            "Z",
            "2025",
            "2025010",
            "202501011",
            "2025-1-01",
            "20250230",
            "20251301",
            "20250101240000",
            "20250101126000",
            "19700101",
            "19691231",
            "+2025010",
            "２０２５０１０１",
            "2025010１",
            "20250101ZZ",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unreadable_lines() {
        for (line, says) in [
            ("jane@example.com", "no key"),
            ("jane@example.com   ", "no key"),
            (
                &format!("jane@example.com valid-after=20250101 {KEY}"),
                "double-quoted",
            ),
            (
                &format!("jane@example.com valid-after=\"2025\" {KEY}"),
                "not a time",
            ),
            (
                &format!("jane@example.com namespaces=\"git {KEY}"),
                "unterminated",
            ),
            (
                &format!("jane@example.com namespaces=\"git\"x {KEY}"),
                "unknown option",
            ),
            (
                &format!("jane@example.com namespaces=\"git\", {KEY}"),
                "end with a comma",
            ),
            (
                &format!("jane@example.com namespaces=\"a\",namespaces=\"b\" {KEY}"),
                "more than one",
            ),
            (
                &format!(
                    "jane@example.com valid-after=\"20260101\",valid-before=\"20250101\" {KEY}"
                ),
                "not after",
            ),
            (
                &format!("jane@example.com verify-required {KEY}"),
                "unknown option",
            ),
            (
                "jane@example.com namespaces=\"git\"",
                "no key after the options",
            ),
            ("jane@example.com ssh-ed25519 AAAAnotakey", "unreadable key"),
            ("jane@example.com ssh-ed25519", "unreadable key"),
            (
                "jane@example.com cert-authority rsa AAAA",
                "`rsa` is not an SSH key type",
            ),
            (
                "jane@example.com ssh-ed25519-cert-v01@openssh.com AAAA",
                "certificate as the key",
            ),
            (
                "jane@example.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7",
                "`ssh-rsa` keys are not verified",
            ),
            (
                "ca@example.com cert-authority ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7",
                "`ssh-rsa` keys are not verified",
            ),
        ] {
            let e = error(line);
            assert!(e.contains(says), "{line}: {e}");
        }
    }

    #[test]
    fn escaped_quotes_in_values() {
        let s = one(&format!(
            "jane@example.com namespaces=\"git,a\\\"b c\" {KEY}"
        ));
        assert_eq!(s.options.namespaces.as_deref(), Some("git,a\"b c"));
    }

    #[test]
    fn hostile_input_yields_errors_not_panics() {
        let mut text = String::new();
        for s in [
            "\"",
            "\"\"",
            "a \"",
            "a \"\"",
            "a ,",
            "a ,,",
            "a =",
            "a \\",
            "a \\\"",
            "é é é",
            "a valid-after=\"é\" x",
            "a valid-after=\"2025010é\" x",
            "a namespaces=\"é\"é x",
            "a cert-authority",
            "a cert-authorityé x",
            "\u{0} \u{0} \u{0}",
        ] {
            text.push_str(s);
            text.push('\n');
        }
        text.push_str(&"x".repeat(100_000));
        text.push_str(&format!(" {}\n", "*".repeat(100_000)));
        let (signers, errors) = parse(&text);
        assert!(signers.is_empty());
        assert_eq!(errors.len(), 17, "{errors:?}");
        assert!(
            errors
                .iter()
                .all(|(_, e)| e.to_string().chars().count() < 200),
            "{errors:?}"
        );
    }
}
