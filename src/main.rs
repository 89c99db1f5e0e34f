//! The `policybook` command line: parses arguments, runs a command, maps the result to an
//! exit code (0 success, 1 validation errors, 2 usage or environment errors).

use clap::{CommandFactory, Parser, Subcommand};
use policybook::cmd;
use std::path::PathBuf;

/// Validate ISMS policy documents and build a version-stamped static portal from a Git repository.
#[derive(Debug, Parser)]
#[command(name = "policybook", version, about, long_about = None)]
struct Cli {
    /// Project directory (holding book.toml); default: the nearest parent with one.
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate every document and print the findings; exits 1 on errors.
    Check(cmd::check::Args),
    /// Validate, then render the portal into the build directory.
    Build(cmd::build::Args),
    /// Build, serve the portal on 127.0.0.1 and rebuild and reload on every change.
    Serve(cmd::serve::Args),
    /// The revisions, approved versions and approvals of one document (by id or path).
    History(cmd::history::Args),
    /// Rebuild the portal in memory and report every file of SITE that differs, is missing or was added.
    Verify(cmd::verify::Args),
    /// Scaffold an ISMS repository (book.toml, starter documents, CI workflow) that passes `check`.
    Init(cmd::init::Args),
    /// Adopt an existing repository of Markdown policies: front matter proposed for each, book.toml, starter records.
    Adopt(cmd::adopt::Args),
    /// Record that the current version of a document was communicated (a communication log entry).
    Communicate(cmd::communicate::Args),
    /// Record an approval: the front-matter entry and a commit with an `Approved-by:` trailer.
    Approve(cmd::approve::Args),
    /// Per-person acknowledgements: `ack import FILE --document ID` checks and records an export.
    Ack(cmd::ack::Args),
    /// What needs attention: reviews due, approvals missing, versions not communicated.
    Status(cmd::status::Args),
    /// A pull-request report of BASE..HEAD: documents changed, version bumps, approvals required, findings introduced.
    Diff(cmd::diff::Args),
    /// The auditor evidence pack: one self-contained HTML file (and, with --pdf, a PDF via headless Chromium).
    Export(cmd::export::Args),
    /// Print a shell completion script (e.g. `policybook completions bash > ~/.local/share/bash-completion/completions/policybook`).
    Completions {
        /// The shell: bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
    },
}

/// The zlib functions libgit2 calls, taken from zlib-rs instead of the system's zlib:
/// inflating objects is a fifth of a cold build's CPU time, and zlib-rs inflates faster.
/// Naming them here makes the linker take them from zlib-rs before it reaches `-lz`.
#[used]
static ZLIB_FROM_ZLIB_RS: ZlibSymbols = ZlibSymbols([
    libz_rs_sys::inflate as *const (),
    libz_rs_sys::inflateInit_ as *const (),
    libz_rs_sys::inflateEnd as *const (),
    libz_rs_sys::deflate as *const (),
    libz_rs_sys::deflateInit_ as *const (),
    libz_rs_sys::deflateEnd as *const (),
    libz_rs_sys::crc32 as *const (),
]);

#[allow(dead_code)] // read by the linker only
struct ZlibSymbols([*const (); 7]);
// SAFETY: the addresses of functions, never written nor called through this table.
unsafe impl Sync for ZlibSymbols {}

/// mimalloc: a fifth of a cold build's CPU time was glibc's allocator (thousands of small
/// strings and JSON values per page). Transparent huge pages stay off (`no_thp`): with them
/// its resident memory grew by a fifth, past the 300 MiB the large benchmark allows.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Check(args) => cmd::check::run(cli.root.as_ref(), args),
        Command::Build(args) => cmd::build::run(cli.root.as_ref(), args),
        Command::Serve(args) => cmd::serve::run(cli.root.as_ref(), args),
        Command::History(args) => cmd::history::run(cli.root.as_ref(), args),
        Command::Verify(args) => cmd::verify::run(cli.root.as_ref(), args),
        Command::Init(args) => cmd::init::run(cli.root.as_ref(), args),
        Command::Adopt(args) => cmd::adopt::run(cli.root.as_ref(), args),
        Command::Communicate(args) => cmd::communicate::run(cli.root.as_ref(), args),
        Command::Approve(args) => cmd::approve::run(cli.root.as_ref(), args),
        Command::Ack(args) => cmd::ack::run(cli.root.as_ref(), args),
        Command::Status(args) => cmd::status::run(cli.root.as_ref(), args),
        Command::Diff(args) => cmd::diff::run(cli.root.as_ref(), args),
        Command::Export(args) => cmd::export::run(cli.root.as_ref(), args),
        Command::Completions { shell } => {
            // Generated whole, then written: a closed pipe (`| head`) is not a panic.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "policybook", &mut script);
            use std::io::Write;
            let _ = std::io::stdout().write_all(&script);
            Ok(cmd::EXIT_OK)
        }
    };
    let code = match result {
        Ok(code) => code,
        Err(error) => cmd::fail(&error, cli.root.as_ref()),
    };
    std::process::exit(code);
}
