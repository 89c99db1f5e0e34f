//! Integration tests of the `policybook` command line: the real binary, run against throw-away
//! Git repositories built by `support::Fixture`.

#[path = "cli/support.rs"]
mod support;

#[path = "cli/classification.rs"]
mod classification;

#[path = "cli/check_codes.rs"]
mod check_codes;

#[path = "cli/output_formats.rs"]
mod output_formats;

#[path = "cli/acknowledgements.rs"]
mod acknowledgements;
#[path = "cli/adopt.rs"]
mod adopt;
#[path = "cli/all_codes.rs"]
mod all_codes;
#[path = "cli/approval_evidence.rs"]
mod approval_evidence;
#[path = "cli/approve.rs"]
mod approve;
#[path = "cli/atomic_writes.rs"]
mod atomic_writes;
#[path = "cli/build_site.rs"]
mod build_site;
#[path = "cli/custody.rs"]
mod custody;
#[path = "cli/example.rs"]
mod example;
#[path = "cli/export.rs"]
mod export;
#[path = "cli/git_history.rs"]
mod git_history;
#[path = "cli/hostile.rs"]
mod hostile;
#[path = "cli/in_force.rs"]
mod in_force;
#[path = "cli/incremental.rs"]
mod incremental;
#[path = "cli/init_communicate.rs"]
mod init_communicate;
#[path = "cli/lineage.rs"]
mod lineage;
#[path = "cli/matrix.rs"]
mod matrix;
#[path = "cli/one_cause.rs"]
mod one_cause;
#[path = "cli/search.rs"]
mod search;
#[path = "cli/serve.rs"]
mod serve;
#[path = "cli/signers.rs"]
mod signers;
#[path = "cli/status_diff.rs"]
mod status_diff;
#[path = "cli/suggestions.rs"]
mod suggestions;
#[path = "cli/up_to_date.rs"]
mod up_to_date;
#[path = "cli/xss.rs"]
mod xss;
