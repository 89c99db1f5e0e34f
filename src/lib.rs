//! policybook: a Git repository of Markdown policy documents in, a validated static ISMS portal
//! out. The pipeline, stage by stage:
//!
//! ```text
//! book.toml            ─► config::load       ─► Project
//! src/**/*.md          ─► content::load      ─► Corpus (typed front matter, outlines)
//! .git                 ─► history::load      ─► HistoryIndex (revisions, versions, blob facts)
//! Project + Corpus     ─► Site::new          ─► Site (indexed by id and role; "today")
//! Site                 ─► validate::run      ─► Vec<Diagnostic>
//!                         (pipeline::load composes the stages above)
//! Site                 ─► compliance::matrix ─► ClauseMatrix (ISO 27001 clause 5)
//! Site + diagnostics   ─► render::build      ─► pages in a temp dir, swapped into build-dir
//! ```
//!
//! Every stage reports into `diagnostic` (codes, positions, suggestions), the ground all others
//! stand on. Stages import only downward, in this order: `diagnostic` ← `config` ← `content` ←
//! `history` ← `site`/`stamp` ← `validate` ← `compliance` ← `render` ← `serve` ← `cmd`
//! (tests/layers.rs holds it, with the small modules' places). Commands (`cmd`) compose the
//! stages; a later stage never reaches back into an earlier one's inputs.

pub mod ack_import;
pub mod ack_status;
pub mod acknowledgement;
pub mod adopt;
pub mod approve;
pub mod atomic;
pub mod cmd;
pub mod communicate;
pub mod compare;
pub mod compliance;
pub mod config;
pub mod content;
pub mod custody;
pub mod dates;
pub mod diagnostic;
pub mod disclosure;
pub mod error;
pub mod file_history;
pub mod hex;
pub mod history;
pub mod in_force;
pub mod incremental;
pub mod pipeline;
pub mod prefetch;
pub mod progress;
pub mod render;
pub mod requirements;
pub mod rules_at;
pub mod serve;
pub mod site;
pub mod stamp;
pub mod stat_cache;
pub mod timing;
pub mod up_to_date;
pub mod validate;
pub mod verify;

pub use diagnostic::{Code, Diagnostic, Severity};
pub use error::Error;
pub use pipeline::{Loaded, find_root, load, load_reusing};
pub use site::Site;
