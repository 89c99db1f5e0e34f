//! `acknowledgement-record-not-evidenced`: a record file that no custodian committed as it
//! stands (see `custody`); its acknowledgements were left out of every count.

use crate::diagnostic::{Code, Diagnostic, Pos};
use crate::site::Site;

pub fn check(site: &Site, out: &mut Vec<Diagnostic>) {
    let custodians = site.project.config.acknowledgement.custodians.join(", ");
    for custody in &site.record_custody {
        let Some(why) = &custody.withheld else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::AcknowledgementRecordNotEvidenced,
                format!(
                    "the acknowledgements in {} do not count: {why}",
                    custody.file
                ),
            )
            .at(&custody.file, Pos::new(1, 1))
            .help(format!(
                "record files are imported and committed by a holder of {custodians} (`[acknowledgement] custodians`): have them commit it (`policybook ack import FILE --document ID --commit`), or restore it as committed"
            )),
        );
    }
}
