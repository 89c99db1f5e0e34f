//! One row of an export judged: each reason to reject it is its own variant, so the report
//! (and a test) names exactly which check failed.

use super::error::ImportError;
use super::request::{Fields, Request};
use crate::acknowledgement::{People, Record, RepeatedFields, utc_date};
use crate::history::versions::ApprovedVersion;
use crate::site::Site;

/// Why a row was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("no e-mail address")]
    NoEmail,
    #[error("`at` is `{0}`, not an RFC 3339 time (2026-03-05T09:30:00Z)")]
    BadTime(String),
    #[error("{0} is not in the people file")]
    UnknownPerson(String),
    #[error("{email} was not in the audience ({audience}) on {date}")]
    NotInAudience {
        email: String,
        audience: String,
        date: jiff::civil::Date,
    },
    #[error("version {0} was never approved")]
    NeverApproved(String),
    #[error("version {version} was not in force at {at}: it was approved later")]
    NotYetApproved { version: String, at: String },
    #[error("version {version} was not in force at {at}: {current} had replaced it")]
    Superseded {
        version: String,
        at: String,
        current: String,
    },
    #[error("no version was in force at {0}")]
    NothingInForce(String),
    #[error("content {given} is not the content of version {version} ({expected})")]
    WrongHash {
        given: String,
        version: String,
        expected: String,
    },
}

/// What every row is judged against.
pub struct Context<'s> {
    document: String,
    audience: Vec<String>,
    people: &'s People,
    versions: Vec<ApprovedVersion>,
    version: Option<String>,
    method: String,
}

impl<'s> Context<'s> {
    pub fn of(site: &'s Site, request: &Request) -> Result<Context<'s>, ImportError> {
        let refuse = |why: String| Err(ImportError::Refused(why));
        let Some(people) = &site.acknowledgements.people else {
            return refuse(
                "an import needs the population: set `[acknowledgement] people` in book.toml"
                    .into(),
            );
        };
        let Some(doc) = site.document(&request.document) else {
            return refuse(format!("no document has the id `{}`", request.document));
        };
        let Some(controlled) = site.effective(doc).controlled() else {
            return refuse(format!(
                "`{}` is not a controlled document; only those are acknowledged",
                request.document
            ));
        };
        let audience: Vec<String> = controlled
            .audience
            .iter()
            .map(|a| a.value.clone())
            .collect();
        if audience.is_empty() {
            return refuse(format!(
                "`{}` has no `audience`: nobody is asked to acknowledge it",
                request.document
            ));
        }
        let versions = approved_versions(site, doc);
        if let Some(v) = &request.version
            && !versions.iter().any(|a| &a.version == v)
        {
            return refuse(format!(
                "version {v} of {} was never approved",
                request.document
            ));
        }
        Ok(Context {
            document: request.document.clone(),
            audience,
            people,
            versions,
            version: request.version.clone(),
            method: request.method.clone(),
        })
    }

    /// The record a row makes, or why it makes none.
    pub fn judge(&self, fields: &Fields) -> Result<Record, Rejection> {
        let field = |name: &str| fields.get(name).map_or("", String::as_str);
        let email = field("email").to_lowercase();
        if email.is_empty() {
            return Err(Rejection::NoEmail);
        }
        let at: jiff::Timestamp = field("at")
            .parse()
            .map_err(|_| Rejection::BadTime(field("at").to_string()))?;
        let person = self
            .people
            .by_email(&email)
            .ok_or_else(|| Rejection::UnknownPerson(email.clone()))?;
        let date = utc_date(at);
        if !self.audience.iter().any(|g| person.in_group_on(g, date)) {
            return Err(Rejection::NotInAudience {
                email,
                audience: self.audience.join(", "),
                date,
            });
        }
        let stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let in_force = self
            .versions
            .iter()
            .filter(|v| v.approved_at <= at.as_second())
            .max_by_key(|v| v.approved_at);
        let named = match field("version") {
            "" => self.version.clone(),
            v => Some(v.to_string()),
        };
        let version = match (named, in_force) {
            (None, Some(current)) => current,
            (None, None) => return Err(Rejection::NothingInForce(stamp)),
            (Some(v), current) => {
                let Some(approved) = self.versions.iter().find(|a| a.version == v) else {
                    return Err(Rejection::NeverApproved(v));
                };
                match current {
                    Some(c) if c.version == v => c,
                    Some(c) if c.approved_at > approved.approved_at => {
                        return Err(Rejection::Superseded {
                            version: v,
                            at: stamp,
                            current: c.version.clone(),
                        });
                    }
                    _ => {
                        return Err(Rejection::NotYetApproved {
                            version: v,
                            at: stamp,
                        });
                    }
                }
            }
        };
        let given = field("content_sha256").to_lowercase();
        if !given.is_empty() && given != version.content_hash {
            return Err(Rejection::WrongHash {
                given,
                version: version.version.clone(),
                expected: version.content_hash.clone(),
            });
        }
        Ok(Record {
            email: email.into(),
            repeated: std::sync::Arc::new(RepeatedFields {
                document: self.document.as_str().into(),
                version: version.version.as_str().into(),
                content_sha256: version.content_hash.as_str().into(),
                method: self.method.as_str().into(),
                source: "".into(),
                file: "".into(),
            }),
            at,
            line: 0,
        })
    }
}

/// The approved versions of `doc`, oldest first (for `judge`).
fn approved_versions(site: &Site, doc: &crate::content::Document) -> Vec<ApprovedVersion> {
    site.history
        .as_ref()
        .map(|h| crate::history::versions::document_history(h, doc).versions)
        .unwrap_or_default()
}
