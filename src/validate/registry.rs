//! Clause 5.2 and 5.3 registry rules: `mandatory-document-missing` (an approved information
//! security policy and a roles registry must exist), `role-without-holder`,
//! `required-role-missing`.

use crate::diagnostic::{Code, Diagnostic};
use crate::site::Site;

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    match site.security_policy() {
        // A policy whose front matter does not parse is reported for that, once.
        None if site.unreadable_claims_type("policy") => {}
        None => out.push(
            Diagnostic::new(
                Code::MandatoryDocumentMissing,
                "there is no information security policy (a `type: policy` document with `clauses: [\"5.2\"]`)",
            )
            .help("ISO 27001 5.2 requires one: a policy with the sections Purpose, Scope, Information security objectives, Commitment to compliance and Continual improvement"),
        ),
        Some((doc, c)) if !c.is_approved() => out.push(
            Diagnostic::new(
                Code::MandatoryDocumentMissing,
                format!(
                    "the information security policy is `{}`, not approved",
                    c.status.as_ref().map_or("without status".into(), |s| s.value.to_string())
                ),
            )
            .at(&doc.file, c.status.as_ref().map_or(crate::diagnostic::Pos::new(1, 1), |s| s.pos))
            .doc(doc.id())
            .help("ISO 27001 5.2 requires top management to approve it"),
        ),
        Some(_) => {}
    }
    if site.roles_documents().next().is_none() && !site.unreadable_claims_type("roles") {
        out.push(
            Diagnostic::new(
                Code::MandatoryDocumentMissing,
                "there is no roles registry (a `type: roles` document)",
            )
            .help("ISO 27001 5.3 requires roles, responsibilities and authorities to be assigned and documented"),
        );
    }

    for (doc, role) in site.all_roles() {
        if role.group || role.holders_on(site.today).next().is_some() {
            continue;
        }
        let ended = !role.holders.is_empty();
        out.push(
            Diagnostic::new(
                Code::RoleWithoutHolder,
                if ended {
                    format!("role `{}` has no current holder (every holder's `until` has passed)", role.id.value)
                } else {
                    format!("role `{}` has no holder", role.id.value)
                },
            )
            .at(&doc.file, role.id.pos)
            .width(role.id.value.chars().count())
            .doc(doc.id())
            .help("assign someone (`holders: [{name, email, since}]`), or mark a collective role `group: true`"),
        );
    }

    if site.roles_documents().next().is_some() {
        let at = site.roles_documents().next().expect("checked");
        for alternatives in &site.project.config.isms.required_roles {
            if alternatives.iter().any(|id| site.role(id).is_some()) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::RequiredRoleMissing,
                    format!("no role {} is defined", alternatives.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(" or ")),
                )
                .at(&at.file, first_role_pos(at))
                .doc(at.id())
                .help("ISO 27001 5.3 expects the common ISMS roles to be assigned; define it, or change [isms] required-roles"),
            );
        }
    }
}

fn first_role_pos(doc: &crate::content::Document) -> crate::diagnostic::Pos {
    match doc.meta.as_ref().map(|m| &m.kind) {
        Some(crate::content::Kind::Roles(list)) if !list.is_empty() => list[0].pos,
        _ => crate::diagnostic::Pos::new(1, 1),
    }
}
