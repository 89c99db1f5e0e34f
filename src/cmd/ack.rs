//! `policybook ack import FILE --document ID`: imports an export of acknowledgements (see
//! `crate::ack_import`) and reports accepted, rejected and duplicate rows.

use super::{EXIT_INVALID, EXIT_OK};
use crate::ack_import::{self, ImportError, Request};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Check a CSV export (form tool, LMS, e-signature tool) row by row and keep the accepted
    /// rows as a record file, the export itself beside it.
    Import(ImportArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The CSV export; its header names the columns (email, at, and optionally version,
    /// content_sha256).
    pub file: PathBuf,
    /// The acknowledged document's id.
    #[arg(long)]
    pub document: String,
    /// The version every row acknowledges (default: the export's `version` column, else the
    /// version in force at each row's time).
    #[arg(long)]
    pub version: Option<String>,
    /// The export's headers for our columns: `email=Employee Email,at=Signed At`.
    #[arg(long, value_delimiter = ',', value_parser = parse_mapping)]
    pub map: Vec<(String, String)>,
    /// How the acknowledgements were collected (lms, esign, form, meeting, …).
    #[arg(long, default_value = "form")]
    pub method: String,
    /// Commit the record file and the raw export.
    #[arg(long)]
    pub commit: bool,
}

fn parse_mapping(text: &str) -> anyhow::Result<(String, String)> {
    let (column, header) = text
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("`{text}` is not column=header"))?;
    Ok((column.trim().to_string(), header.trim().to_string()))
}

pub fn run(root: Option<&PathBuf>, args: &Args) -> super::Outcome {
    let Command::Import(args) = &args.command;
    let root = super::root(root)?;
    let loaded = crate::load(&root, crate::site::Options::default())?;
    let request = Request {
        file: args.file.clone(),
        document: args.document.clone(),
        version: args.version.clone(),
        map: args.map.iter().cloned().collect::<BTreeMap<_, _>>(),
        method: args.method.clone(),
        commit: args.commit,
    };
    let report = match ack_import::import(&root, &loaded.site, &request) {
        Ok(report) => report,
        Err(ImportError::Refused(why)) => anyhow::bail!("{why}"),
        Err(e) => return Err(anyhow::Error::new(e).context("nothing was imported")),
    };
    for (line, why) in &report.rejected {
        println!("rejected  line {line}: {why}");
    }
    for (line, email) in &report.duplicates {
        println!("duplicate line {line}: {email} already acknowledged this version");
    }
    println!(
        "{} accepted, {} rejected, {} duplicate",
        report.accepted.len(),
        report.rejected.len(),
        report.duplicates.len()
    );
    match &report.written {
        Some((records, raw)) => println!("wrote {records} (raw export: {raw})"),
        None => println!("nothing written"),
    }
    if let Some(commit) = &report.commit {
        println!("committed {}", &commit[..10]);
    }
    Ok(if report.rejected.is_empty() {
        EXIT_OK
    } else {
        EXIT_INVALID
    })
}
