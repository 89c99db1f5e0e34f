//! `approver-not-authorized` and `approval-missing`: who may approve a controlled document, and
//! whether an approved document says who approved it and when it took effect. (Whether Git backs
//! the claim is `approval-not-evidenced`, decided against the history.)

use crate::diagnostic::{Code, Diagnostic};
use crate::site::Site;

/// The role ids that may approve a document of `doc_type`: the type's `approvers`, and every
/// role with the authority `approve-TYPE`; sorted, without duplicates.
pub fn authorised_roles(site: &Site, doc_type: &str) -> Vec<String> {
    let configured = site
        .project
        .rules(doc_type)
        .map_or(&[][..], |r| r.approvers.as_slice());
    configured
        .iter()
        .cloned()
        .chain(
            site.roles()
                .filter(|r| r.may_approve(doc_type))
                .map(|r| r.id.value.clone()),
        )
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The role ids that may approve a record (roles registry, management review) of `doc_type`:
/// top management — the roles that may approve the information security policy — and every
/// role with the authority `approve-TYPE`; sorted, without duplicates.
pub fn record_approvers(site: &Site, doc_type: &str) -> Vec<String> {
    authorised_roles(site, "policy")
        .into_iter()
        .chain(
            site.roles()
                .filter(|r| r.may_approve(doc_type))
                .map(|r| r.id.value.clone()),
        )
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The sign-off of records: whoever approves a roles registry or a management review must be
/// top management holding the role that day, and `approved` needs approvals.
pub fn check_records(site: &Site, out: &mut Vec<Diagnostic>) {
    for doc in site.documents() {
        let Some(meta) = &doc.meta else { continue };
        let Some(signoff) = &meta.signoff else {
            continue;
        };
        let doc_type = meta.doc_type.value.as_str();
        let id = Some(meta.id.value.as_str());
        let allowed = record_approvers(site, doc_type);
        approvers_held(
            site,
            doc,
            &signoff.approvals,
            &allowed,
            &format!("a {doc_type} record"),
            "top management approves records:",
            out,
        );
        if let Some(status) = signoff.status.as_ref().filter(|_| signoff.is_approved())
            && signoff.approvals.is_empty()
        {
            out.push(
                Diagnostic::new(Code::ApprovalMissing, "record is `approved` but lists no approvals")
                    .at(&doc.file, signoff.approvals_pos.unwrap_or(status.pos))
                    .doc(id)
                    .help(format!(
                        "add `approvals: [{{role: {}, name: …, date: YYYY-MM-DD}}]` and commit it with an `Approved-by:` trailer",
                        allowed.first().map_or("CEO", String::as_str),
                    )),
            );
        }
    }
}

/// `approver-not-authorized` for each approval whose role is not `allowed` to approve `what`
/// (`who` says who is, in the help), or whose named person did not hold the role that day.
fn approvers_held(
    site: &Site,
    doc: &crate::content::Document,
    approvals: &[crate::content::document::Approval],
    allowed: &[String],
    what: &str,
    who: &str,
    out: &mut Vec<Diagnostic>,
) {
    let doc_type = doc.meta.as_ref().map_or("", |m| m.doc_type.value.as_str());
    for a in approvals {
        let Some(role) = site.role(&a.role.value) else {
            continue;
        }; // unknown-role reports it
        if !allowed.contains(&a.role.value) {
            out.push(
                Diagnostic::new(
                    Code::ApproverNotAuthorized,
                    format!("role `{}` may not approve {what}", a.role.value),
                )
                .at(&doc.file, a.role.pos)
                .width(a.role.value.chars().count())
                .doc(doc.id())
                .help(format!(
                    "{who} {}; or give the role the authority `approve-{doc_type}`",
                    if allowed.is_empty() {
                        "no role yet".to_string()
                    } else {
                        allowed.join(", ")
                    }
                )),
            );
        } else if !role
            .holders_on(a.date.value)
            .any(|h| h.name == a.name.value)
        {
            let holders: Vec<&str> = role
                .holders_on(a.date.value)
                .map(|h| h.name.as_str())
                .collect();
            out.push(
                Diagnostic::new(
                    Code::ApproverNotAuthorized,
                    format!(
                        "`{}` did not hold role `{}` on {}",
                        a.name.value, a.role.value, a.date.value
                    ),
                )
                .at(&doc.file, a.name.pos)
                .width(a.name.value.chars().count())
                .doc(doc.id())
                .help(if holders.is_empty() {
                    format!(
                        "nobody held `{}` on that date; check the holders' `since`/`until`",
                        a.role.value
                    )
                } else {
                    format!(
                        "on that date `{}` was held by {}",
                        a.role.value,
                        holders.join(", ")
                    )
                }),
            );
        }
    }
}

/// `approval-quorum-not-met`: each declared `[[types.T.approval]]` rule needs `count`
/// distinct people, each holding one of its roles on the date of their approval.
fn quorum(
    site: &Site,
    doc: &crate::content::Document,
    c: &crate::content::document::Controlled,
    rules: &[crate::config::ApprovalRule],
    pos: crate::diagnostic::Pos,
    out: &mut Vec<Diagnostic>,
) {
    for (n, rule) in rules.iter().enumerate() {
        let mut people: Vec<&str> = c
            .approvals
            .iter()
            .filter(|a| rule.roles.contains(&a.role.value))
            .filter(|a| {
                site.role(&a.role.value)
                    .is_some_and(|r| r.holders_on(a.date.value).any(|h| h.name == a.name.value))
            })
            .map(|a| a.name.value.as_str())
            .collect();
        people.sort_unstable();
        people.dedup();
        let wanted = rule.count as usize;
        if people.len() >= wanted {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::ApprovalQuorumNotMet,
                format!(
                    "approval rule {} needs {wanted} distinct approver{} holding {}; it has {}{}",
                    n + 1,
                    if wanted == 1 { "" } else { "s" },
                    rule.roles.join(" or "),
                    people.len(),
                    if people.is_empty() { String::new() } else { format!(" ({})", people.join(", ")) }
                ),
            )
            .at(&doc.file, pos)
            .doc(doc.id())
            .help(format!(
                "{} more approval{} by a holder of {} (each a different person), or fix the rule in book.toml",
                wanted - people.len(),
                if wanted - people.len() == 1 { "" } else { "s" },
                rule.roles.join(" or ")
            )),
        );
    }
}

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    for (doc, meta, c) in site.controlled() {
        let doc_type = meta.doc_type.value.as_str();
        let rules = site
            .project
            .rules(doc_type)
            .expect("controlled types have rules");
        let id = Some(meta.id.value.as_str());

        approvers_held(
            site,
            doc,
            &c.approvals,
            &authorised_roles(site, doc_type),
            &format!("a {doc_type}"),
            &format!("a {doc_type} is approved by"),
            out,
        );

        if !c.is_approved() {
            continue;
        }
        let status_pos = c.status.as_ref().expect("approved has status").pos;
        if !c.approvals.is_empty() {
            quorum(
                site,
                doc,
                c,
                &rules.quorum,
                c.approvals_pos.unwrap_or(status_pos),
                out,
            );
        }
        if c.approvals.is_empty() {
            out.push(
                Diagnostic::new(Code::ApprovalMissing, "document is `approved` but lists no approvals")
                    .at(&doc.file, c.approvals_pos.unwrap_or(status_pos))
                    .doc(id)
                    .help(format!(
                        "add `approvals: [{{role: {}, name: …, date: YYYY-MM-DD}}]` and commit it with an `Approved-by:` trailer",
                        rules.approvers.first().map_or("CEO", String::as_str),
                    )),
            );
        } else if let Some(effective) = &c.effective {
            let last = c
                .approvals
                .iter()
                .map(|a| a.date.value)
                .max()
                .expect("non-empty");
            if effective.value < last {
                out.push(
                    Diagnostic::new(
                        Code::ApprovalMissing,
                        format!("effective date {} is before the last approval on {last}", effective.value),
                    )
                    .at(&doc.file, effective.pos)
                    .width(10)
                    .doc(id)
                    .help("a version cannot apply before it was approved; set `effective` on or after the last approval date"),
                );
            }
        }
    }
}
