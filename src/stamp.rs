//! Version stamps and approval evidence: for each document, its revisions (with what each
//! revision's blob says), its approved versions, and for every claimed approval the commit that
//! backs it — an `Approved-by` trailer or the authorship of a holder of the role, and with
//! `evidence = "signed"` a verified SSH signature (SPEC §5). Reads the site and the history
//! index; decides nothing about severity (the `evidence` rules do).

use crate::config::Evidence as Mode;
use crate::content::document::Holder;
use crate::content::facts::ClaimedApproval;
use crate::history::signature::{self, AllowedSigner};
use crate::history::trailers;
use crate::history::versions::{
    ApprovalEvidence, DocumentHistory, Evidence, current_window, document_history, evidence_window,
    short,
};
use crate::history::{CommitRecord, HistoryIndex};
use crate::site::Site;

/// What decides evidence: the mode, the allowed signers, and how to read a commit's signature.
pub struct Verifier<'a> {
    pub mode: Mode,
    pub signers: &'a [AllowedSigner],
    pub history: &'a HistoryIndex,
    /// `[approval] allow-proxy`.
    pub allow_proxy: bool,
}

/// What an approval approves: a document (its type and path) at a content hash.
pub struct Subject<'s> {
    pub doc_type: Option<&'s str>,
    pub repo_path: &'s str,
    pub content_hash: &'s str,
}

/// Whether a commit identity (`name`, `email`) is the holder's: by e-mail (case-insensitive)
/// where both have one, else by name.
pub fn is_holder(holder: &Holder, name: &str, email: &str) -> bool {
    if !email.is_empty() && !holder.email.is_empty() {
        holder.email.eq_ignore_ascii_case(email)
    } else {
        !name.is_empty() && holder.name == name
    }
}

/// The fingerprint of the key in `signers` allowed for `email` that signed `commit`, checked at
/// the commit's committer time, as git checks a key's validity window.
pub fn signed_by(
    history: &HistoryIndex,
    signers: &[AllowedSigner],
    commit: &CommitRecord,
    email: &str,
) -> Option<String> {
    let repo = git2::Repository::open(&history.git_dir).ok()?;
    let oid = git2::Oid::from_str(&commit.id).ok()?;
    let (sig, payload) = repo.extract_signature(&oid, None).ok()?;
    let sig = std::str::from_utf8(&sig).ok()?;
    signature::verify_ssh(signers, email, sig, &payload, commit.committer.time)
}

/// `Name <email>` of a commit identity, as committed.
fn identity(person: &crate::history::Person) -> String {
    format!("{} <{}>", person.name, person.email)
}

impl<'a> Verifier<'a> {
    /// The verifier the site's configuration asks for.
    pub fn of(site: &'a Site, history: &'a HistoryIndex) -> Self {
        Verifier {
            mode: site.project.config.approval.evidence,
            signers: &site.signers,
            history,
            allow_proxy: site.project.config.approval.allow_proxy,
        }
    }

    fn signed_by(
        &self,
        signers: &[AllowedSigner],
        commit: &CommitRecord,
        email: &str,
    ) -> Option<String> {
        signed_by(self.history, signers, commit, email)
    }

    /// A signed approval tag that evidences `claim` (`evidence = "signed"`): it names the
    /// approver and the approved content hash, points at a commit carrying that content, and
    /// its signature verifies, at the tagger's time, with a key the signer list in force before
    /// that commit allows for the approver.
    fn signed_tag(
        &self,
        site: &Site,
        claim: &ClaimedApproval,
        candidates: &[&CommitRecord],
        subject: &Subject,
    ) -> Option<Evidence> {
        let date = crate::dates::parse_date(&claim.date)?;
        let repo = std::cell::OnceCell::new();
        site.approval_tags()
            .iter()
            .filter(|tag| {
                !subject.content_hash.is_empty() && tag.content_hash == subject.content_hash
            })
            .find_map(|tag| {
                let rules = site.rules_at.at(&site.project, self.history, &tag.target)?;
                if self.mode != Mode::Signed && rules.mode != Mode::Signed {
                    return None;
                }
                if let Some(doc_type) = subject.doc_type
                    && !rules.may_approve(&claim.role, doc_type)
                {
                    return None;
                }
                let holder = rules
                    .role(&claim.role)?
                    .holders_on(date)
                    .find(|h| h.name.trim().eq_ignore_ascii_case(claim.name.trim()))?;
                let names = tag.approved_by.iter().any(|t| {
                    let (name, email) = trailers::person(&t.value);
                    is_holder(holder, &name, &email)
                });
                if !names {
                    return None;
                }
                // The tagged commit carries the approved content.
                let carries = candidates.iter().any(|c| c.id == tag.target) || {
                    let repo = repo
                        .get_or_init(|| git2::Repository::open(&self.history.git_dir).ok())
                        .as_ref()?;
                    let commit = repo
                        .find_commit(git2::Oid::from_str(&tag.target).ok()?)
                        .ok()?;
                    let entry = commit
                        .tree()
                        .ok()?
                        .get_path(std::path::Path::new(subject.repo_path))
                        .ok()?;
                    self.history
                        .facts(&entry.id().to_string())
                        .and_then(|f| f.content_hash.as_deref())
                        == Some(subject.content_hash)
                };
                if !carries {
                    return None;
                }
                let (armour, payload) = tag.signature.as_ref()?;
                let fingerprint = signature::verify_ssh(
                    &rules.signers,
                    &holder.email,
                    armour,
                    payload,
                    tag.time,
                )?;
                Some(Evidence::SignedTag {
                    tag: tag.name.clone(),
                    commit: tag.target.clone(),
                    fingerprint,
                    principal: holder.email.clone(),
                    tagger: tag.tagger.clone(),
                    time: tag.time,
                })
            })
    }

    /// The evidence for `claim` among `candidates` (the commits that carry the approved
    /// content, oldest first): the strongest kind any of them gives, the earliest of that kind.
    /// Only the person the claim names counts — a holder of the role on the claim's date whose
    /// name is the claim's — never another holder of the same role. Each commit is judged by
    /// the rules in force before it (`rules_at`: the registry, signer list and `book.toml` of
    /// its first parent), so a commit cannot grant what it uses.
    pub fn evidence(
        &self,
        site: &Site,
        claim: &ClaimedApproval,
        candidates: &[&CommitRecord],
        subject: &Subject,
    ) -> Evidence {
        if self.mode == Mode::None {
            return Evidence::FrontMatter;
        }
        let date = match judgeable(site, claim, candidates) {
            Ok(date) => date,
            Err(not_evidenced) => return *not_evidenced,
        };
        let mut missed = Missed::default();
        for commit in named_commits(site, claim, candidates) {
            match self.judge(site, claim, date, subject.doc_type, commit) {
                Judged::Evidence(evidence) => return evidence,
                Judged::Unsigned => missed.unsigned = Some(commit.id.clone()),
                Judged::RefusedProxy => missed.refused_proxy = Some(commit.id.clone()),
                Judged::NotGranted(why) => {
                    missed.not_granted.get_or_insert(why);
                }
                Judged::NotTheApprover => {}
            }
        }
        if let Some(tag) = self.signed_tag(site, claim, candidates, subject) {
            return tag;
        }
        missed.not_evidenced(claim)
    }

    /// What `commit` evidences of `claim`, judged by the rules in force before it: the named
    /// person held the role on `date`, the role could approve a `doc_type`, and the commit is
    /// theirs (authored, or carrying their `Approved-by:` trailer), signed when signing is due.
    fn judge(
        &self,
        site: &Site,
        claim: &ClaimedApproval,
        date: jiff::civil::Date,
        doc_type: Option<&str>,
        commit: &CommitRecord,
    ) -> Judged {
        let Some(rules) = site.rules_at.at(&site.project, self.history, &commit.id) else {
            return Judged::NotTheApprover;
        };
        let holder = rules.role(&claim.role).and_then(|role| {
            role.holders_on(date)
                .find(|h| h.name.trim().eq_ignore_ascii_case(claim.name.trim()))
        });
        let Some(holder) = holder else {
            return Judged::NotGranted(format!(
                "before commit {} (in {}), {} did not hold {} on {}",
                short(&commit.id),
                short(&rules.base),
                claim.name,
                claim.role,
                claim.date
            ));
        };
        if let Some(doc_type) = doc_type
            && !rules.may_approve(&claim.role, doc_type)
        {
            return Judged::NotGranted(format!(
                "before commit {} (in {}), role {} could not approve a {doc_type}",
                short(&commit.id),
                short(&rules.base),
                claim.role
            ));
        }
        let authored = is_holder(holder, &commit.author.name, &commit.author.email);
        let trailer = commit
            .trailers
            .iter()
            .filter(|t| t.is("Approved-by"))
            .find(|t| {
                let (name, email) = trailers::person(&t.value);
                is_holder(holder, &name, &email)
            });
        if !authored && trailer.is_none() {
            return Judged::NotTheApprover;
        }
        let (author, committer) = (identity(&commit.author), identity(&commit.committer));
        // The stricter of the two modes: the one in force then, and today's.
        if self.mode == Mode::Signed || rules.mode == Mode::Signed {
            return match self.signed_by(&rules.signers, commit, &holder.email) {
                Some(fingerprint) => Judged::Evidence(Evidence::Signed {
                    commit: commit.id.clone(),
                    fingerprint,
                    principal: holder.email.clone(),
                    author,
                    committer,
                }),
                None => Judged::Unsigned,
            };
        }
        match (authored, trailer) {
            (true, _) => Judged::Evidence(Evidence::Authored {
                commit: commit.id.clone(),
                author,
                committer,
            }),
            (false, Some(t)) if self.allow_proxy && rules.allow_proxy => {
                Judged::Evidence(Evidence::Proxy {
                    commit: commit.id.clone(),
                    value: t.value.clone(),
                    author,
                    committer,
                })
            }
            (false, _) => Judged::RefusedProxy,
        }
    }
}

/// What one commit says of a claimed approval.
enum Judged {
    Evidence(Evidence),
    /// Theirs, but not signed with their key in the signer list in force before it.
    Unsigned,
    /// Only their trailer, in a commit not theirs, and proxies are not allowed.
    RefusedProxy,
    /// The rules in force before it did not let them approve this (the reason).
    NotGranted(String),
    /// Not the approver's commit at all.
    NotTheApprover,
}

/// Why no commit evidenced a claim, the most telling reason first.
#[derive(Default)]
struct Missed {
    unsigned: Option<String>,
    refused_proxy: Option<String>,
    not_granted: Option<String>,
}

impl Missed {
    fn not_evidenced(self, claim: &ClaimedApproval) -> Evidence {
        Evidence::NotEvidenced {
            reason: match (self.unsigned, self.refused_proxy, self.not_granted) {
                (Some(c), _, _) => format!(
                    "commit {} names the approver but has no SSH signature that verifies with their key in the allowed-signers file in force before it",
                    short(&c)
                ),
                (None, Some(c), _) => format!(
                    "only a trailer by proxy backs it (commit {} is not {}'s own), and [approval] allow-proxy = false",
                    short(&c),
                    claim.name
                ),
                (None, None, Some(grant)) => format!(
                    "{grant}: a commit cannot use a role, authority or key it grants itself"
                ),
                (None, None, None) => format!(
                    "no commit since the content last changed carries `Approved-by:` from, or is authored by, {} as a holder of {} on {}",
                    claim.name, claim.role, claim.date
                ),
            },
        }
    }
}

/// The claim's date, when the claim can be judged at all: its role exists, its date is a date,
/// and the approved content is committed.
fn judgeable(
    site: &Site,
    claim: &ClaimedApproval,
    candidates: &[&CommitRecord],
) -> Result<jiff::civil::Date, Box<Evidence>> {
    let not = |reason: String| Err(Box::new(Evidence::NotEvidenced { reason }));
    if site.role(&claim.role).is_none() {
        return not(format!("`{}` is not a role", claim.role));
    }
    let Some(date) = crate::dates::parse_date(&claim.date) else {
        return not(format!("`{}` is not a date", claim.date));
    };
    if candidates.is_empty() {
        return not("the approved content is not committed".into());
    }
    Ok(date)
}

/// The commits that may be the approver's, their own first (the stronger kind), each kind
/// oldest first: the first that the rules in force before it accept is the evidence, so those
/// rules are read for as few commits as possible. Who the claim may be is read from today's
/// registry (any holding of the role under that name): commits of nobody like that are passed
/// over before the rules in force at them are read, which is the costly part.
fn named_commits<'c>(
    site: &Site,
    claim: &ClaimedApproval,
    candidates: &[&'c CommitRecord],
) -> Vec<&'c CommitRecord> {
    let known: Vec<&Holder> = site
        .role(&claim.role)
        .into_iter()
        .flat_map(|r| r.holders.iter())
        .filter(|h| h.name.trim().eq_ignore_ascii_case(claim.name.trim()))
        .collect();
    let may_be = |name: &str, email: &str| {
        known.iter().any(|h| is_holder(h, name, email))
            || name.trim().eq_ignore_ascii_case(claim.name.trim())
    };
    let mut named: Vec<(bool, &CommitRecord)> = candidates
        .iter()
        .filter_map(|commit| {
            let own = may_be(&commit.author.name, &commit.author.email);
            let trailer = commit
                .trailers
                .iter()
                .filter(|t| t.is("Approved-by"))
                .any(|t| {
                    let (name, email) = trailers::person(&t.value);
                    may_be(&name, &email)
                });
            (own || trailer).then_some((!own, *commit))
        })
        .collect();
    named.sort_by_key(|(by_proxy, _)| *by_proxy);
    named.into_iter().map(|(_, commit)| commit).collect()
}

/// Fills in the evidence of each approved version's approvals (those its blob claims).
pub fn evidence_for_versions(site: &Site, verifier: &Verifier, history: &mut DocumentHistory) {
    let mut filled = Vec::new();
    for v in &history.versions {
        let claims = history
            .revisions
            .iter()
            .find(|r| r.commit.id == v.approved_in)
            .and_then(|r| r.facts);
        let window = evidence_window(history, &v.content_hash, Some(&v.approved_in));
        let subject = Subject {
            doc_type: history.doc_type.as_deref(),
            repo_path: &history.repo_path,
            content_hash: &v.content_hash,
        };
        let approvals = claims
            .map(|f| evidence_of(site, verifier, &f.approvals, &window, &subject))
            .unwrap_or_default();
        filled.push(approvals);
    }
    for (v, approvals) in history.versions.iter_mut().zip(filled) {
        v.approvals = approvals;
    }
}

/// The evidence of the approvals of a version in force (see `in_force`), judged as every
/// approved version on a history page is: within the commits that carry its content, up to
/// the commit that approved it. Empty without a history.
pub fn in_force_evidence(
    site: &Site,
    in_force: &crate::in_force::InForce,
) -> Vec<ApprovalEvidence> {
    let Ok(history) = site.history.as_ref() else {
        return Vec::new();
    };
    let working = &site.corpus.documents[in_force.working];
    let mut dh = document_history(history, working);
    let verifier = Verifier::of(site, history);
    evidence_for_versions(site, &verifier, &mut dh);
    dh.versions
        .into_iter()
        .find(|v| v.blob == in_force.blob && v.approved_in == in_force.approved_in)
        .map(|v| v.approvals)
        .unwrap_or_default()
}

/// The evidence of the working copy's own approvals.
pub fn current_evidence(
    site: &Site,
    verifier: &Verifier,
    history: &DocumentHistory,
) -> Vec<ApprovalEvidence> {
    let subject = Subject {
        doc_type: history.doc_type.as_deref(),
        repo_path: &history.repo_path,
        content_hash: history.current.content_hash.as_deref().unwrap_or(""),
    };
    evidence_of(
        site,
        verifier,
        &history.current.approvals,
        &current_window(history),
        &subject,
    )
}

/// Why an approval's date cannot be right, if it cannot: it must lie between the commit
/// that brought the content it approves and the commit that evidences it (a day's tolerance
/// either way, for time zones), not after today, and within the named approver's holding of
/// the role.
pub fn date_mismatch(
    site: &Site,
    claim: &ApprovalEvidence,
    window: &[&CommitRecord],
) -> Option<String> {
    use crate::dates::{add_days, commit_date, parse_date};
    let date = parse_date(&claim.date)?;
    if date > site.today {
        return Some(format!("it is dated {date}, after today ({})", site.today));
    }
    let day_of = |c: &CommitRecord| parse_date(&commit_date(c.committer.time, c.committer.offset));
    if let Some(first) = window.first()
        && let Some(content) = day_of(first)
        && date < add_days(content, -1)
    {
        return Some(format!(
            "it is dated {date}, before the content it approves was committed on {content} ({})",
            short(&first.id)
        ));
    }
    if let Some(commit) = claim
        .evidence
        .commit()
        .and_then(|id| window.iter().find(|c| c.id == id))
        && let Some(evidenced) = day_of(commit)
        && date > add_days(evidenced, 1)
    {
        return Some(format!(
            "it is dated {date}, after the commit that evidences it on {evidenced} ({})",
            short(&commit.id)
        ));
    }
    let role = site.role(&claim.role)?;
    let holdings: Vec<&Holder> = role
        .holders
        .iter()
        .filter(|h| h.name.trim().eq_ignore_ascii_case(claim.name.trim()))
        .collect();
    if !holdings.is_empty() && !holdings.iter().any(|h| h.holds_on(date)) {
        let spans: Vec<String> = holdings
            .iter()
            .map(|h| {
                let since = h.since.map_or("the start".into(), |d| d.to_string());
                let until = h.until.map_or("now".into(), |d| d.to_string());
                format!("from {since} until {until}")
            })
            .collect();
        return Some(format!(
            "it is dated {date}, but {} held {} {}",
            claim.name,
            claim.role,
            spans.join(" and ")
        ));
    }
    None
}

/// The evidence of each claimed approval within `window`.
fn evidence_of(
    site: &Site,
    verifier: &Verifier,
    claims: &[ClaimedApproval],
    window: &[&CommitRecord],
    subject: &Subject,
) -> Vec<ApprovalEvidence> {
    claims
        .iter()
        .map(|c| {
            let evidence = verifier.evidence(site, c, window, subject);
            let at = match &evidence {
                Evidence::SignedTag { time, .. } => Some(*time),
                _ => evidence
                    .commit()
                    .and_then(|id| window.iter().find(|r| r.id == id))
                    .map(|r| r.committer.time),
            };
            ApprovalEvidence {
                role: c.role.clone(),
                name: c.name.clone(),
                date: c.date.clone(),
                meaning: c.meaning.clone().unwrap_or_else(|| "approved".into()),
                evidence,
                at,
            }
        })
        .collect()
}
