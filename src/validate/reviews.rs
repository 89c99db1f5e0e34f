//! Review dates: `review-overdue` and `review-due-soon` for controlled documents,
//! `management-review-overdue` (5.1) and `decision-overdue` for management reviews.

use crate::content::Document;
use crate::content::document::Controlled;
use crate::dates;
use crate::diagnostic::{Code, Diagnostic, Pos};
use crate::site::Site;
use jiff::civil::Date;

/// How many days before its due date a review is "due soon".
pub const DUE_SOON_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewState {
    Current,
    DueSoon,
    Overdue,
}

#[derive(Debug, Clone, Copy)]
pub struct ReviewDue {
    pub last: Date,
    pub due: Date,
    pub state: ReviewState,
    /// Where the date counted from was written.
    pub pos: Pos,
}

/// When an approved document is next due for review: `review.last` (else `effective`) plus
/// `review.interval` (else the type's interval).
pub fn review_due(site: &Site, doc: &Document, c: &Controlled) -> Option<ReviewDue> {
    if !c.is_approved() {
        return None;
    }
    let meta = doc.meta.as_ref()?;
    let last = c.review_last.as_ref().or(c.effective.as_ref())?;
    let interval = c
        .review_interval
        .as_ref()
        .map(|i| i.value)
        .unwrap_or(site.project.rules(&meta.doc_type.value)?.review_interval);
    let due = interval.after(last.value);
    let state = if due < site.today {
        ReviewState::Overdue
    } else if due <= dates::add_days(site.today, DUE_SOON_DAYS) {
        ReviewState::DueSoon
    } else {
        ReviewState::Current
    };
    Some(ReviewDue {
        last: last.value,
        due,
        state,
        pos: last.pos,
    })
}

/// The most recent management review, if any.
pub fn latest_management_review(site: &Site) -> Option<(&Document, Date)> {
    site.reviews()
        .filter_map(|(d, r)| r.date.as_ref().map(|date| (d, date.value)))
        .max_by_key(|(_, date)| *date)
}

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    for (doc, _, c) in site.controlled_in_force() {
        let Some(due) = review_due(site, doc, c) else {
            continue;
        };
        let (file, pos) = site.finding_position(doc, due.pos);
        let (code, message) = match due.state {
            ReviewState::Current => continue,
            ReviewState::Overdue => (
                Code::ReviewOverdue,
                format!("review was due on {} (last reviewed {})", due.due, due.last),
            ),
            ReviewState::DueSoon => (
                Code::ReviewDueSoon,
                format!("review is due on {} (last reviewed {})", due.due, due.last),
            ),
        };
        out.push(
            Diagnostic::new(code, message)
                .at(file, pos)
                .width(10)
                .doc(doc.id())
                .due(due.due)
                .help(
                    "review the document, then set `review: {last: YYYY-MM-DD}` to the review date",
                ),
        );
    }

    let interval = site.project.management_review_interval;
    match latest_management_review(site) {
        None => out.push(
            Diagnostic::new(Code::ManagementReviewOverdue, "no management review is recorded")
                .help("record top management's review as a `type: management-review` document (ISO 27001 5.1, 9.3)"),
        ),
        Some((doc, date)) => {
            let due = interval.after(date);
            if due < site.today {
                let pos = doc.meta.as_ref().and_then(|m| match &m.kind {
                    crate::content::Kind::ManagementReview(r) => r.date.as_ref().map(|d| d.pos),
                    _ => None,
                });
                out.push(
                    Diagnostic::new(
                        Code::ManagementReviewOverdue,
                        format!("the last management review was on {date}; the next was due on {due} ({interval} later)"),
                    )
                    .at(&doc.file, pos.unwrap_or(Pos::new(1, 1)))
                    .doc(doc.id())
                    .due(due)
                    .help("hold a management review and record it; [isms] management-review-interval sets the interval"),
                );
            }
        }
    }

    for (doc, review) in site.reviews() {
        for decision in &review.decisions {
            let Some(due) = &decision.due else { continue };
            if !decision.done && due.value < site.today {
                out.push(
                    Diagnostic::new(
                        Code::DecisionOverdue,
                        format!(
                            "decision {} is open and was due on {}",
                            decision.id, due.value
                        ),
                    )
                    .at(&doc.file, due.pos)
                    .width(10)
                    .doc(doc.id())
                    .due(due.value)
                    .help("mark it `status: done`, or record a new due date agreed by management"),
                );
            }
        }
    }
}
