//! Renders diagnostics for people and machines: `human` (rustc-style, with the source line and a
//! caret), `json` (an array of objects) and `github` (Actions workflow commands).

use super::{Diagnostic, Severity};
use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Chars, Config};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Source texts by file (relative to the root), for quoting lines in human output.
pub type Sources<'a> = BTreeMap<&'a str, &'a str>;

pub fn render(format: Format, diagnostics: &[Diagnostic], sources: &Sources) -> String {
    match format {
        Format::Human => human(diagnostics, sources),
        Format::Json => json(diagnostics),
        Format::Github => github(diagnostics),
    }
}

pub fn json(diagnostics: &[Diagnostic]) -> String {
    let mut text = serde_json::to_string_pretty(diagnostics).expect("diagnostics serialise");
    text.push('\n');
    text
}

fn github_escape(text: &str, property: bool) -> String {
    let mut out = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

pub fn github(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = vec![format!("title={}", github_escape(d.code, true))];
        if let Some(file) = &d.file {
            props.insert(0, format!("file={}", github_escape(file, true)));
            if let Some(line) = d.line {
                props.insert(1, format!("line={line}"));
            }
            if let Some(col) = d.column {
                props.insert(2, format!("col={col}"));
            }
        }
        let mut message = format!("[{}] {}", d.code, d.message);
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            github_escape(&message, false)
        ));
    }
    out
}

pub fn human(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut files = SimpleFiles::new();
    let mut ids = BTreeMap::new();
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let mut out = String::new();
    for d in diagnostics {
        let mut report = match d.severity {
            Severity::Error => Report::error(),
            Severity::Warning => Report::warning(),
        }
        .with_code(d.code)
        .with_message(&d.message);
        let located = match (&d.file, d.line, d.column) {
            (Some(file), Some(line), Some(column)) => sources
                .get(file.as_str())
                .map(|text| (file, line, column, *text)),
            _ => None,
        };
        match located {
            Some((file, line, column, text)) => {
                let id = *ids
                    .entry(file.clone())
                    .or_insert_with(|| files.add(file.clone(), text.to_string()));
                let range = byte_range(text, line, column, d.width);
                report = report.with_labels(vec![Label::primary(id, range)]);
            }
            None => {
                if let Some(file) = &d.file {
                    let place = match (d.line, d.column) {
                        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
                        _ => file.clone(),
                    };
                    report = report.with_notes(vec![format!("in {place}")]);
                }
            }
        }
        if let Some(help) = &d.help {
            let mut notes = report.notes.clone();
            notes.push(format!("help: {help}"));
            report = report.with_notes(notes);
        }
        if term::emit_to_string(&mut out, &config, &files, &report).is_err() {
            out.push_str(&format!("{}[{}]: {}\n", d.severity, d.code, d.message));
        }
    }
    out
}

/// The byte range of `width` characters at a 1-based line and column, clamped to the line.
fn byte_range(text: &str, line: usize, column: usize, width: usize) -> std::ops::Range<usize> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = text[line_start.min(text.len())..]
        .split('\n')
        .next()
        .unwrap_or("")
        .trim_end_matches('\r');
    let start = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(i, _)| i);
    let end = line_text[start..]
        .char_indices()
        .nth(width.max(1))
        .map_or(line_text.len(), |(i, _)| start + i);
    let end = if end == start {
        (start + 1).min(line_text.len())
    } else {
        end
    };
    (line_start + start)..(line_start + end.max(start))
}

/// A one-line tally such as `2 errors, 1 warning`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    format!("{}, {}", count(errors, "error"), count(warnings, "warning"))
}

/// `1 file`, `2 files`: a count with its noun in the right number (regular plurals).
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Human output of at most `max` findings (0: all), then, for the rest, a summary by code and
/// by file with counts: a repository with thousands of findings gets a readable report.
pub fn human_capped(diagnostics: &[Diagnostic], sources: &Sources, max: usize) -> String {
    if max == 0 || diagnostics.len() <= max {
        return human(diagnostics, sources);
    }
    let (shown, rest) = diagnostics.split_at(max);
    let mut out = human(shown, sources);
    let mut by_code: BTreeMap<&str, (usize, usize, std::collections::BTreeSet<&str>)> =
        BTreeMap::new();
    let mut by_file: BTreeMap<&str, usize> = BTreeMap::new();
    for d in rest {
        let entry = by_code.entry(d.code).or_default();
        if d.is_error() {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        let file = d.file.as_deref().unwrap_or("(the repository)");
        entry.2.insert(file);
        *by_file.entry(file).or_default() += 1;
    }
    out.push_str(&format!(
        "... {} more {} not shown ({}); --max-diagnostics 0 shows all, --format json lists all\n",
        rest.len(),
        if rest.len() == 1 {
            "finding"
        } else {
            "findings"
        },
        summary(rest)
    ));
    out.push_str("by code:\n");
    let mut codes: Vec<_> = by_code.into_iter().collect();
    codes.sort_by(|a, b| (b.1.0 + b.1.1).cmp(&(a.1.0 + a.1.1)).then(a.0.cmp(b.0)));
    for (code, (errors, warnings, files)) in codes {
        let what = match (errors, warnings) {
            (e, 0) => count(e, "error"),
            (0, w) => count(w, "warning"),
            (e, w) => format!("{}, {}", count(e, "error"), count(w, "warning")),
        };
        out.push_str(&format!(
            "  {code}: {what} in {}\n",
            count(files.len(), "file")
        ));
    }
    const FILES: usize = 10;
    let mut files: Vec<_> = by_file.into_iter().collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    out.push_str(&format!(
        "by file{}:\n",
        if files.len() > FILES {
            format!(" (the {FILES} with most, of {})", files.len())
        } else {
            String::new()
        }
    ));
    for (file, n) in files.iter().take(FILES) {
        out.push_str(&format!("  {file}: {n}\n"));
    }
    out
}
