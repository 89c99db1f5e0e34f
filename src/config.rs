//! `book.toml`: typed configuration, mdBook-compatible where the two overlap. Unknown keys are
//! warnings (with "did you mean"), syntax and type errors carry file, line and column.
//! This module owns nothing but the configuration; paths are resolved here once.

use crate::dates::Interval;
use crate::diagnostic::did_you_mean;
use crate::diagnostic::{Code, Diagnostic, Pos};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "book.toml";

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
pub struct Config {
    pub book: BookConfig,
    pub build: BuildConfig,
    pub output: OutputConfig,
    pub isms: IsmsConfig,
    pub types: BTreeMap<String, TypeConfig>,
    pub approval: ApprovalConfig,
    pub communication: CommunicationConfig,
    pub history: HistoryConfig,
    pub acknowledgement: AcknowledgementConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BookConfig {
    pub title: Option<String>,
    pub src: String,
    pub language: String,
    pub authors: Vec<String>,
    pub description: Option<String>,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            title: None,
            src: "content".into(),
            language: "en".into(),
            authors: Vec::new(),
            description: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BuildConfig {
    pub build_dir: String,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            build_dir: "site".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
pub struct OutputConfig {
    pub html: HtmlConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HtmlConfig {
    pub theme: Option<String>,
    pub site_url: String,
    pub git_repository_url: Option<String>,
    pub commit_url: Option<String>,
    pub max_classification: String,
    /// Path (relative to the root) of a logo image shown in the header.
    pub logo: Option<String>,
}

/// The level of a document (or a revision) whose front matter states none.
pub const DEFAULT_CLASSIFICATION: &str = "internal";

/// The level given to a front matter whose `classification` is not one of the levels: it is
/// no level, so nothing so marked is published.
pub const UNKNOWN_CLASSIFICATION: &str = "(unknown)";

impl Default for HtmlConfig {
    fn default() -> Self {
        HtmlConfig {
            theme: None,
            site_url: "/".into(),
            git_repository_url: None,
            commit_url: None,
            max_classification: "internal".into(),
            logo: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct IsmsConfig {
    pub organization: Option<String>,
    pub classification_levels: Vec<String>,
    pub management_review_interval: String,
    pub required_roles: Vec<Vec<String>>,
}

impl Default for IsmsConfig {
    fn default() -> Self {
        IsmsConfig {
            organization: None,
            classification_levels: ["public", "internal", "confidential", "restricted"]
                .map(String::from)
                .to_vec(),
            management_review_interval: "12 months".into(),
            required_roles: [
                &["CIO", "CTO"][..],
                &["CISO", "ISO"],
                &["NETENG", "SYSADMIN"],
                &["END-USER"],
                &["VENDOR"],
            ]
            .iter()
            .map(|ids| ids.iter().map(|s| s.to_string()).collect())
            .collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
pub struct TypeConfig {
    pub approvers: Option<Vec<String>>,
    pub required_sections: Option<Vec<String>>,
    pub review_interval: Option<String>,
    /// `[[types.T.approval]]`: approval rules, all of which must hold.
    pub approval: Option<Vec<ApprovalRule>>,
}

/// One approval rule: `count` distinct people, each holding one of `roles`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRule {
    pub roles: Vec<String>,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    None,
    #[default]
    Trailer,
    Signed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct ApprovalConfig {
    pub evidence: Evidence,
    pub allowed_signers: Option<String>,
    /// Whether an `Approved-by:` trailer in a commit that someone other than the approver
    /// authored (a merge request's merge commit, say) evidences the approval.
    pub allow_proxy: bool,
    /// Whether an author of a content change since the last approved version is kept from
    /// approving it (`self-approval`).
    pub separation_of_duties: bool,
}

impl Default for ApprovalConfig {
    fn default() -> Self {
        ApprovalConfig {
            evidence: Evidence::default(),
            allowed_signers: None,
            allow_proxy: true,
            separation_of_duties: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct CommunicationConfig {
    pub deadline_days: u32,
}

/// `[history]`: how documents' histories are read from Git.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HistoryConfig {
    /// Follow a document's lineage to paths outside the content directory (a directory moved
    /// in from elsewhere in the repository keeps its history).
    pub follow_outside: bool,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            follow_outside: true,
        }
    }
}

impl Default for CommunicationConfig {
    fn default() -> Self {
        CommunicationConfig { deadline_days: 30 }
    }
}

/// `[acknowledgement]`: the population that must acknowledge documents and where the
/// per-person records live (see `acknowledgement`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct AcknowledgementConfig {
    /// The people file (`email,name,groups,joined,left`), relative to the root; none: no
    /// per-person acknowledgements.
    pub people: Option<String>,
    /// The directory of the record files (one CSV per import), relative to the root.
    pub records: String,
    /// Whether the portal names the people still to acknowledge (else only counts).
    pub show_names: bool,
    /// How long an acknowledgement counts (`"12 months"`): an older one no longer does, and
    /// the person is asked again; none: it counts for as long as its version does.
    pub renew: Option<String>,
    /// The roles whose holders keep the records: every commit that adds or changes a record
    /// file must be theirs, else its records do not count (see `custody`). Empty: not judged.
    pub custodians: Vec<String>,
}

impl Default for AcknowledgementConfig {
    fn default() -> Self {
        AcknowledgementConfig {
            people: None,
            records: "acknowledgements".into(),
            show_names: true,
            renew: None,
            custodians: Vec::new(),
        }
    }
}

/// The document types with built-in rules; `[types.X]` overrides them field by field and may
/// declare new controlled types.
pub const BUILTIN_CONTROLLED: &[&str] = &["policy", "standard", "procedure", "objective"];
/// Record types: not controlled, no version or approval.
pub const RECORD_TYPES: &[&str] = &["roles", "management-review", "communication"];

/// The effective rules of one controlled document type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeRules {
    /// Every role that may approve the type (the roles of all its rules).
    pub approvers: Vec<String>,
    /// The declared `[[types.T.approval]]` rules; empty when only `approvers` is given (one
    /// approval by any of them, which `approval-missing` and `approver-not-authorized` judge).
    pub quorum: Vec<ApprovalRule>,
    pub required_sections: Vec<String>,
    pub review_interval: Interval,
}

fn builtin_rules(name: &str) -> Option<TypeRules> {
    let (approvers, sections): (&[&str], &[&str]) = match name {
        "policy" => (&["CEO", "BOARD", "ISSC"], &["Purpose", "Scope"]),
        "standard" => (&["CISO", "ISSC"], &["Purpose", "Scope"]),
        "procedure" => (&["CISO"], &["Purpose", "Scope"]),
        "objective" => (&["CEO", "ISSC"], &["Purpose"]),
        _ => return None,
    };
    Some(TypeRules {
        approvers: approvers.iter().map(|s| s.to_string()).collect(),
        quorum: Vec::new(),
        required_sections: sections.iter().map(|s| s.to_string()).collect(),
        review_interval: Interval::months(12),
    })
}

/// A loaded configuration with its paths resolved against the project root.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    /// `[book] src`, absolute.
    pub src_dir: PathBuf,
    /// `[build] build-dir`, absolute.
    pub build_dir: PathBuf,
    /// The text of book.toml (for diagnostics and the content hash of the config).
    pub source: String,
    pub type_rules: BTreeMap<String, TypeRules>,
    pub management_review_interval: Interval,
    /// `[acknowledgement] renew`, parsed: how long an acknowledgement counts.
    pub acknowledgement_renew: Option<Interval>,
    /// The link template of a commit (`{commit}` stands for its id): `[output.html] commit-url`,
    /// else the commit page of `git-repository-url` on a forge whose URLs are known.
    pub commit_link: Option<String>,
}

impl Project {
    pub fn rules(&self, doc_type: &str) -> Option<&TypeRules> {
        self.type_rules.get(doc_type)
    }

    pub fn is_controlled(&self, doc_type: &str) -> bool {
        self.type_rules.contains_key(doc_type)
    }

    pub fn is_known_type(&self, doc_type: &str) -> bool {
        self.is_controlled(doc_type) || RECORD_TYPES.contains(&doc_type)
    }

    pub fn known_types(&self) -> Vec<&str> {
        let mut types: Vec<&str> = self.type_rules.keys().map(String::as_str).collect();
        types.extend(RECORD_TYPES);
        types
    }

    /// The rank of a classification level, lowest first; `None` when not a configured level.
    pub fn classification_rank(&self, level: &str) -> Option<usize> {
        self.config
            .isms
            .classification_levels
            .iter()
            .position(|l| l == level)
    }

    /// Whether a document of this classification may be published.
    pub fn publishable(&self, level: &str) -> bool {
        match (
            self.classification_rank(level),
            self.classification_rank(&self.config.output.html.max_classification),
        ) {
            (Some(level), Some(max)) => level <= max,
            _ => false,
        }
    }

    pub fn title(&self) -> String {
        self.config
            .book
            .title
            .clone()
            .or_else(|| {
                self.config
                    .isms
                    .organization
                    .as_ref()
                    .map(|o| format!("{o} ISMS"))
            })
            .unwrap_or_else(|| "ISMS".into())
    }
}

/// Finds the nearest directory at or above `start` that holds a book.toml.
pub fn discover_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(FILE_NAME).is_file())
        .map(Path::to_path_buf)
}

/// Loads `root/book.toml`. Warnings (unknown keys) come back with the project; errors (syntax,
/// types, impossible paths) come back instead of it.
pub fn load(root: &Path) -> Result<(Project, Vec<Diagnostic>), Vec<Diagnostic>> {
    let path = root.join(FILE_NAME);
    let source = std::fs::read_to_string(&path).map_err(|e| {
        vec![
            Diagnostic::new(Code::ConfigSyntax, format!("cannot read {FILE_NAME}: {e}"))
                .in_file(FILE_NAME)
                .help("create a book.toml at the root of the ISMS repository (see the README), or pass --root"),
        ]
    })?;
    parse(root, source)
}

/// Parses configuration text (the file name in diagnostics is always `book.toml`).
pub fn parse(root: &Path, source: String) -> Result<(Project, Vec<Diagnostic>), Vec<Diagnostic>> {
    let table = toml::de::DeTable::parse(&source).map_err(|e| {
        let pos = e
            .span()
            .map_or(Pos::new(1, 1), |s| Pos::of_offset(&source, s.start));
        vec![
            Diagnostic::new(
                Code::ConfigSyntax,
                format!("invalid TOML: {}", e.message().trim()),
            )
            .at(FILE_NAME, pos)
            .help("fix the syntax; see the configuration reference in the README"),
        ]
    })?;

    let mut unknown: Vec<Vec<String>> = Vec::new();
    let deserializer = toml::de::Deserializer::from(table.clone());
    let config: Config =
        serde_ignored::deserialize(deserializer, |path| unknown.push(path_segments(&path)))
            .map_err(|e: toml::de::Error| {
                let pos = e
                    .span()
                    .map_or(Pos::new(1, 1), |s| Pos::of_offset(&source, s.start));
                vec![
                    Diagnostic::new(
                        Code::InvalidField,
                        format!("book.toml: {}", e.message().trim()),
                    )
                    .at(FILE_NAME, pos)
                    .help("see the configuration reference in the README"),
                ]
            })?;

    let mut warnings = Vec::new();
    for path in unknown {
        let pos = span_of(&table, &path).map_or(Pos::new(1, 1), |o| Pos::of_offset(&source, o));
        let key = path.last().cloned().unwrap_or_default();
        let known = known_keys(&path[..path.len().saturating_sub(1)]);
        let mut d = Diagnostic::new(
            Code::UnknownField,
            format!(
                "unknown key `{}` in {FILE_NAME}; it is ignored",
                path.join(".")
            ),
        )
        .at(FILE_NAME, pos)
        .width(key.chars().count());
        if let Some(best) = did_you_mean(&key, known.iter().copied()) {
            d = d.help(format!("did you mean `{best}`?"));
        } else if !known.is_empty() {
            d = d.help(format!("known keys here: {}", known.join(", ")));
        }
        // A key meant for what is published (the portal's classification, approval rules,
        // the ISMS settings) that is ignored may publish more than intended: an error.
        let governs_output = matches!(path.first().map(String::as_str), Some("approval" | "isms"))
            || (path.first().map(String::as_str) == Some("output")
                && path.get(1).map(String::as_str) == Some("html"));
        if governs_output {
            d.severity = crate::diagnostic::Severity::Error;
            d.message = format!(
                "unknown key `{}` in {FILE_NAME}: it is ignored, and [{}] governs what is published",
                path.join("."),
                if path[0] == "output" {
                    "output.html"
                } else {
                    path[0].as_str()
                }
            );
        }
        warnings.push(d);
    }

    let mut errors = Vec::new();
    let project = resolve(root, config, source.clone(), &table, &mut errors);
    if errors.is_empty() {
        Ok((project, warnings))
    } else {
        Err(errors)
    }
}

fn resolve(
    root: &Path,
    config: Config,
    source: String,
    table: &toml::Spanned<toml::de::DeTable>,
    errors: &mut Vec<Diagnostic>,
) -> Project {
    let at = |path: &[&str]| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        span_of(table, &path).map_or(Pos::new(1, 1), |o| Pos::of_offset(&source, o))
    };
    let mut invalid = |path: &[&str], message: String, help: &str| {
        errors.push(
            Diagnostic::new(Code::InvalidField, message)
                .at(FILE_NAME, at(path))
                .help(help.to_string()),
        );
    };

    let management_review_interval = interval(
        &config.isms.management_review_interval,
        &["isms", "management-review-interval"],
        &mut invalid,
    );
    let acknowledgement_renew = config
        .acknowledgement
        .renew
        .as_deref()
        .map(|text| interval(text, &["acknowledgement", "renew"], &mut invalid));
    let type_rules = type_rules(&config, &mut invalid);
    check_classification_and_roles(&config, &mut invalid);

    let src_dir = root.join(&config.book.src);
    let build_dir = root.join(&config.build.build_dir);
    check_paths(root, &src_dir, &build_dir, &mut invalid);

    let commit_link = config.output.html.commit_url.clone().or_else(|| {
        config
            .output
            .html
            .git_repository_url
            .as_deref()
            .and_then(forge_commit_url)
    });
    Project {
        root: root.to_path_buf(),
        src_dir,
        build_dir,
        source,
        type_rules,
        management_review_interval,
        acknowledgement_renew,
        commit_link,
        config,
    }
}

/// Reports a field of book.toml (by its path of keys) as invalid, with a message and a help.
type Invalid<'a> = dyn FnMut(&[&str], String, &str) + 'a;

/// The interval `text` at `path`; an invalid one is reported and read as 12 months.
fn interval(text: &str, path: &[&str], invalid: &mut Invalid) -> Interval {
    Interval::parse(text).unwrap_or_else(|| {
        invalid(
            path,
            format!("`{}` = \"{text}\" is not an interval", path.join(".")),
            "write a number and a unit: \"12 months\", \"1 year\", \"6 weeks\", \"90 days\"",
        );
        Interval::months(12)
    })
}

/// The approval rules of each controlled type: the built-in types' defaults, with what
/// `[types]` declares over them (a declared record type is reported and skipped).
fn type_rules(config: &Config, invalid: &mut Invalid) -> BTreeMap<String, TypeRules> {
    let mut type_rules = BTreeMap::new();
    for name in BUILTIN_CONTROLLED {
        type_rules.insert(name.to_string(), builtin_rules(name).expect("builtin"));
    }
    for (name, declared) in &config.types {
        if RECORD_TYPES.contains(&name.as_str()) {
            invalid(
                &["types", name],
                format!("`{name}` is a record type; it has no approval rules"),
                "declare only controlled document types under [types]",
            );
            continue;
        }
        type_rules.insert(name.clone(), declared_rules(name, declared, invalid));
    }
    type_rules
}

/// The rules of type `name` as `[types.name]` declares them over its built-in defaults (none
/// for a type of the project's own).
fn declared_rules(name: &str, declared: &TypeConfig, invalid: &mut Invalid) -> TypeRules {
    let mut rules = builtin_rules(name).unwrap_or(TypeRules {
        approvers: Vec::new(),
        quorum: Vec::new(),
        required_sections: Vec::new(),
        review_interval: Interval::months(12),
    });
    if let Some(approvers) = &declared.approvers {
        rules.approvers = approvers.clone();
    }
    if let Some(quorum) = &declared.approval {
        for (n, rule) in quorum.iter().enumerate() {
            if rule.roles.is_empty() || rule.count == 0 {
                invalid(
                    &["types", name, "approval"],
                    format!(
                        "approval rule {} of `{name}` needs at least one role and a count of at least 1",
                        n + 1
                    ),
                    "write `[[types.T.approval]]` with `roles = [\"CEO\"]` and, for more than one approver, `count = 2`",
                );
            }
        }
        // Unless `approvers` says otherwise, the rules' roles are who may approve.
        if declared.approvers.is_none() {
            let mut all: Vec<String> = quorum.iter().flat_map(|r| r.roles.clone()).collect();
            all.sort();
            all.dedup();
            rules.approvers = all;
        }
        rules.quorum = quorum.clone();
    }
    if let Some(sections) = &declared.required_sections {
        rules.required_sections = sections.clone();
    }
    if let Some(text) = &declared.review_interval {
        rules.review_interval = interval(text, &["types", name, "review-interval"], invalid);
    }
    rules
}

/// Reports empty classification levels, a max-classification that is not one of them, and
/// an empty entry of the required roles.
fn check_classification_and_roles(config: &Config, invalid: &mut Invalid) {
    let levels = &config.isms.classification_levels;
    if levels.is_empty() {
        invalid(
            &["isms", "classification-levels"],
            "`isms.classification-levels` is empty".into(),
            "list the levels from lowest to highest, e.g. [\"public\", \"internal\", \"confidential\"]",
        );
    } else if !levels.contains(&config.output.html.max_classification) {
        invalid(
            &["output", "html", "max-classification"],
            format!(
                "max-classification `{}` is not one of the classification levels ({})",
                config.output.html.max_classification,
                levels.join(", ")
            ),
            "use one of the levels in [isms] classification-levels",
        );
    }
    if config.isms.required_roles.iter().any(Vec::is_empty) {
        invalid(
            &["isms", "required-roles"],
            "`isms.required-roles` has an empty entry".into(),
            "each entry lists the role ids that satisfy it, e.g. [\"CISO\", \"ISO\"]",
        );
    }
}

/// The commit URL template of a repository's web address on a known forge: GitHub and
/// Gitea/Forgejo/Codeberg (`/commit/`), GitLab (`/-/commit/`), Bitbucket (`/commits/`); none for
/// another host, rather than a guessed link.
fn forge_commit_url(repository: &str) -> Option<String> {
    let repository = repository.trim_end_matches('/');
    let repository = repository.strip_suffix(".git").unwrap_or(repository);
    let rest = repository
        .strip_prefix("https://")
        .or_else(|| repository.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    if path.is_empty() || path.contains(['?', '#']) {
        return None;
    }
    let host = host.to_ascii_lowercase();
    let path = if host == "github.com"
        || host.starts_with("gitea.")
        || host.starts_with("forgejo.")
        || host == "codeberg.org"
    {
        "/commit/{commit}"
    } else if host == "gitlab.com" || host.starts_with("gitlab.") {
        "/-/commit/{commit}"
    } else if host == "bitbucket.org" {
        "/commits/{commit}"
    } else {
        return None;
    };
    Some(format!("{repository}{path}"))
}

/// `src` must stay inside the project; the build directory must be a directory of its own that
/// holds no sources, since a build replaces it whole.
fn check_paths(
    root: &Path,
    src: &Path,
    build: &Path,
    invalid: &mut dyn FnMut(&[&str], String, &str),
) {
    let root_n = normalise(root);
    let src_n = normalise(src);
    let build_n = normalise(build);
    if !src_n.starts_with(&root_n) {
        invalid(
            &["book", "src"],
            format!(
                "`book.src` ({}) leaves the project directory",
                src.display()
            ),
            "use a path inside the repository, e.g. \"content\"",
        );
    }
    if build_n == root_n || root_n.starts_with(&build_n) || src_n.starts_with(&build_n) {
        invalid(
            &["build", "build-dir"],
            format!(
                "`build.build-dir` ({}) would contain the project or its sources; a build replaces it whole",
                build.display()
            ),
            "use a directory of its own, e.g. \"site\"",
        );
    } else if build_n.starts_with(&src_n) {
        invalid(
            &["build", "build-dir"],
            "`build.build-dir` is inside `book.src`".into(),
            "use a directory outside the content, e.g. \"site\"",
        );
    } else if !build_n.starts_with(&root_n) {
        invalid(
            &["build", "build-dir"],
            format!(
                "`build.build-dir` ({}) leaves the project directory",
                build.display()
            ),
            "use a path inside the repository, e.g. \"site\", or pass --out",
        );
    }
}

/// Lexically resolves `.` and `..` (the directories may not exist yet).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn path_segments(path: &serde_ignored::Path) -> Vec<String> {
    use serde_ignored::Path as P;
    let mut segments = match path {
        P::Root => return Vec::new(),
        P::Seq { parent, index } => {
            let mut s = path_segments(parent);
            s.push(index.to_string());
            return s;
        }
        P::Map { parent, key } => {
            let mut s = path_segments(parent);
            s.push(key.clone());
            return s;
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            path_segments(parent)
        }
    };
    segments.shrink_to_fit();
    segments
}

/// Byte offset of the key at `path` in the source.
fn span_of(table: &toml::Spanned<toml::de::DeTable>, path: &[String]) -> Option<usize> {
    use toml::de::DeValue;
    let mut current = table.get_ref();
    let mut found = None;
    for (i, segment) in path.iter().enumerate() {
        let (key, value) = current
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == segment)?;
        found = Some(key.span().start);
        if i + 1 < path.len() {
            match value.get_ref() {
                DeValue::Table(t) => current = t,
                _ => return found,
            }
        }
    }
    found
}

fn known_keys(table: &[String]) -> Vec<&'static str> {
    let path: Vec<&str> = table.iter().map(String::as_str).collect();
    match path.as_slice() {
        [] => vec![
            "book",
            "build",
            "output",
            "isms",
            "types",
            "approval",
            "communication",
            "history",
            "acknowledgement",
        ],
        ["book"] => vec!["title", "src", "language", "authors", "description"],
        ["build"] => vec!["build-dir"],
        ["output"] => vec!["html"],
        ["output", "html"] => vec![
            "theme",
            "site-url",
            "git-repository-url",
            "commit-url",
            "max-classification",
            "logo",
        ],
        ["isms"] => vec![
            "organization",
            "classification-levels",
            "management-review-interval",
            "required-roles",
        ],
        ["types", _] => vec![
            "approvers",
            "required-sections",
            "review-interval",
            "approval",
        ],
        ["approval"] => vec![
            "evidence",
            "allowed-signers",
            "allow-proxy",
            "separation-of-duties",
        ],
        ["communication"] => vec!["deadline-days"],
        ["history"] => vec!["follow-outside"],
        ["acknowledgement"] => vec!["people", "records", "show-names", "renew", "custodians"],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_urls_of_known_forges() {
        for (repository, expected) in [
            (
                "https://github.com/acme/isms",
                Some("https://github.com/acme/isms/commit/{commit}"),
            ),
            (
                "https://github.com/acme/isms.git",
                Some("https://github.com/acme/isms/commit/{commit}"),
            ),
            (
                "https://GitHub.com/acme/isms/",
                Some("https://GitHub.com/acme/isms/commit/{commit}"),
            ),
            (
                "https://gitlab.com/acme/sec/isms",
                Some("https://gitlab.com/acme/sec/isms/-/commit/{commit}"),
            ),
            (
                "https://gitlab.acme.example/isms",
                Some("https://gitlab.acme.example/isms/-/commit/{commit}"),
            ),
            (
                "https://gitea.acme.example/sec/isms",
                Some("https://gitea.acme.example/sec/isms/commit/{commit}"),
            ),
            (
                "https://codeberg.org/acme/isms",
                Some("https://codeberg.org/acme/isms/commit/{commit}"),
            ),
            (
                "https://bitbucket.org/acme/isms",
                Some("https://bitbucket.org/acme/isms/commits/{commit}"),
            ),
            ("https://git.example.com/isms", None),
            ("https://github.com/", None),
            ("javascript:alert(1)//github.com/x", None),
            ("git@github.com:acme/isms.git", None),
        ] {
            assert_eq!(
                forge_commit_url(repository).as_deref(),
                expected,
                "{repository}"
            );
        }
    }

    fn parse_str(text: &str) -> Result<(Project, Vec<Diagnostic>), Vec<Diagnostic>> {
        parse(Path::new("/repo"), text.to_string())
    }

    #[test]
    fn defaults() {
        let (project, warnings) = parse_str("").unwrap();
        assert!(warnings.is_empty());
        assert_eq!(project.src_dir, Path::new("/repo/content"));
        assert_eq!(
            project.rules("policy").unwrap().approvers,
            ["CEO", "BOARD", "ISSC"]
        );
        assert!(project.publishable("internal"));
        assert!(!project.publishable("confidential"));
    }

    #[test]
    fn acknowledgement_renew_is_an_interval() {
        let (project, _) = parse_str("").unwrap();
        assert_eq!(project.acknowledgement_renew, None);
        let (project, warnings) = parse_str("[acknowledgement]\nrenew = \"12 months\"\n").unwrap();
        assert!(warnings.is_empty());
        assert_eq!(project.acknowledgement_renew, Some(Interval::months(12)));
        let errors = parse_str("[acknowledgement]\nrenew = \"yearly\"\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "invalid-field");
        assert_eq!(errors[0].line, Some(2));
        assert!(errors[0].message.contains("acknowledgement.renew"));
    }

    #[test]
    fn unknown_key_warns_with_suggestion_and_position() {
        let (_, warnings) =
            parse_str("[book]\ntitle = \"x\"\n\n[output.html]\nmax-clasification = \"public\"\n")
                .unwrap();
        assert_eq!(warnings.len(), 1);
        let w = &warnings[0];
        assert_eq!(w.code, "unknown-field");
        assert_eq!((w.line, w.column), (Some(5), Some(1)));
        assert_eq!(
            w.help.as_deref(),
            Some("did you mean `max-classification`?")
        );
    }

    #[test]
    fn syntax_error_has_position() {
        let errors = parse_str("[book]\ntitle = \"x\ntitle2 = 3\n").unwrap_err();
        assert_eq!(errors[0].code, "config-syntax");
        assert_eq!(errors[0].line, Some(2));
    }

    #[test]
    fn type_error_has_position() {
        let errors = parse_str("[communication]\ndeadline-days = \"soon\"\n").unwrap_err();
        assert_eq!(errors[0].code, "invalid-field");
        assert_eq!(errors[0].line, Some(2));
    }

    #[test]
    fn build_dir_may_not_be_the_root() {
        let errors = parse_str("[build]\nbuild-dir = \".\"\n").unwrap_err();
        assert!(errors[0].message.contains("build-dir"));
        let errors = parse_str("[book]\nsrc = \"../elsewhere\"\n").unwrap_err();
        assert!(errors[0].message.contains("book.src"));
    }

    #[test]
    fn declared_types_are_controlled() {
        let (project, _) =
            parse_str("[types.guideline]\napprovers = [\"CISO\"]\nreview-interval = \"2 years\"\n")
                .unwrap();
        assert!(project.is_controlled("guideline"));
        assert_eq!(
            project
                .rules("guideline")
                .unwrap()
                .review_interval
                .to_string(),
            "2 years"
        );
    }
}
