//! The ground stage: what every other stage reports into. A `Diagnostic` is a stable code, a
//! severity, a message, where it applies and how to fix it; `suggest` finds the "did you mean";
//! `report` renders diagnostics in the format the user asked for. Stages never print; they return
//! diagnostics. This stage takes nothing from the pipeline and must not import any other stage of
//! the crate (`config`, `content`, `history`, … all stand on it).

mod code;
pub mod report;
mod suggest;

pub use code::{Code, Severity};
pub use suggest::did_you_mean;

use serde::Serialize;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub const fn new(line: usize, column: usize) -> Self {
        Pos { line, column }
    }

    /// The position of byte `offset` in `text`.
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Pos { line, column }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Spanned<T> {
    pub value: T,
    pub pos: Pos,
}

impl<T> Spanned<T> {
    pub fn new(value: T, pos: Pos) -> Self {
        Spanned { value, pos }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// One finding. `file` is relative to the project root with `/` separators; repository-wide
/// findings (a mandatory document missing) have no file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// How many characters the caret underlines in human output.
    #[serde(skip)]
    pub width: usize,
    pub doc_id: Option<String>,
    pub help: Option<String>,
    /// The date the finding falls due on (a review, a communication deadline, a decision), for
    /// ordering by urgency (`policybook status`); not part of the JSON diagnostics.
    #[serde(skip)]
    pub due: Option<jiff::civil::Date>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.as_str(),
            severity: code.severity(),
            message: message.into(),
            file: None,
            line: None,
            column: None,
            width: 1,
            doc_id: None,
            help: None,
            due: None,
        }
    }

    pub fn at(mut self, file: &str, pos: Pos) -> Self {
        self.file = Some(file.to_string());
        self.line = Some(pos.line.max(1));
        self.column = Some(pos.column.max(1));
        self
    }

    pub fn in_file(mut self, file: &str) -> Self {
        self.file = Some(file.to_string());
        self
    }

    pub fn width(mut self, width: usize) -> Self {
        self.width = width.max(1);
        self
    }

    pub fn doc(mut self, id: Option<&str>) -> Self {
        self.doc_id = id.map(str::to_string);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn due(mut self, date: jiff::civil::Date) -> Self {
        self.due = Some(date);
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Sort key: file, position, code — so output is stable whatever order rules ran in.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.file.is_some(),
            self.file.as_deref(),
            self.line,
            self.column,
            self.code,
            &self.message,
        )
    }
}

/// Sorts and removes exact duplicates.
pub fn normalise(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}
