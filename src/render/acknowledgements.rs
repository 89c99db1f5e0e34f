//! The acknowledgements of a document version on its page: per audience group, required,
//! received and outstanding (from `ack_status`), a progress bar's share, and the outstanding
//! people by name unless `[acknowledgement] show-names = false`.

use crate::content::document::Controlled;
use crate::site::Site;
use serde_json::{Value, json};

/// `null` when there is no people file or the version is not approved.
pub fn document_view(site: &Site, id: &str, c: &Controlled) -> Value {
    let tallies = crate::ack_status::of_version(site, id, c);
    if tallies.is_empty() {
        return Value::Null;
    }
    let show_names = site.project.config.acknowledgement.show_names;
    let groups: Vec<Value> = tallies
        .iter()
        .map(|(tally, _)| {
            let required = tally.required.len();
            let received = tally.received();
            let outstanding: Vec<Value> = tally
                .outstanding()
                .map(|due| {
                    json!({
                        "name": if due.person.name.is_empty() { &due.person.email } else { &due.person.name },
                        "deadline": due.deadline.to_string(),
                        "overdue": due.deadline < site.today,
                    })
                })
                .collect();
            json!({
                "audience": tally.audience,
                "required": required,
                "received": received,
                "outstanding": required - received,
                "overdue": tally.overdue(site.today).count(),
                "percent": (received * 100).checked_div(required).unwrap_or(100),
                "names": if show_names { json!(outstanding) } else { Value::Null },
            })
        })
        .collect();
    json!({"version": c.version.as_ref().map(|v| v.value.clone()), "groups": groups})
}
