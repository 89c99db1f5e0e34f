//! `Site`: everything loaded and indexed — project, documents, roles, "today" — that the
//! validator, the compliance pack and the renderer read. Built once per run; read-only after.

use crate::config::Project;
use crate::content::document::{Communication, Controlled, ManagementReview, Meta, Role};
use crate::content::{Corpus, Document, Kind};
use crate::diagnostic::Pos;
use crate::history::signature::AllowedSigner;
use crate::history::{HistoryIndex, Unavailable};
use crate::in_force::InForce;
use jiff::civil::Date;

/// Run-wide choices that change how findings are judged.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `--strict`: uncommitted changes are errors.
    pub strict: bool,
    /// `--allow-shallow`: a shallow clone is a warning, and pages say history is incomplete.
    pub allow_shallow: bool,
    /// `--today`, overriding SOURCE_DATE_EPOCH and the clock.
    pub today: Option<Date>,
    /// `--drafts` (and `serve`): publish the working version of a document in force at an
    /// earlier version as a draft page beside it.
    pub drafts: bool,
}
use std::collections::BTreeMap;

/// Findings about each document, by file, with the blob id of the text they were found for.
pub type FindingsByFile =
    std::collections::HashMap<String, (String, Vec<crate::diagnostic::Diagnostic>)>;

pub struct Site {
    pub project: Project,
    pub corpus: Corpus,
    pub today: Date,
    /// The content's Git history, or why there is none.
    pub history: Result<HistoryIndex, Unavailable>,
    /// `[approval] allowed-signers`, parsed.
    pub signers: Vec<AllowedSigner>,
    pub options: Options,
    /// Document indices by id (more than one means a duplicate id).
    by_id: BTreeMap<String, Vec<usize>>,
    /// (document index, role index) by role id; the first definition wins.
    roles: BTreeMap<String, (usize, usize)>,
    /// The approved version in force of each draft or in-review document that has one, by file.
    in_force: std::collections::HashMap<String, InForce>,
    /// The approval rules in force at each commit that evidences an approval (read on demand).
    pub rules_at: crate::rules_at::RulesCache,
    /// The repository's signed approval tags (read on first use).
    approval_tags: std::sync::OnceLock<Vec<crate::history::approval_tags::ApprovalTag>>,
    /// The people and the acknowledgement records (`[acknowledgement]`), read.
    pub acknowledgements: crate::acknowledgement::Register,
    /// Who kept each record file (see `custody`); empty without `[acknowledgement] custodians`.
    pub record_custody: Vec<crate::acknowledgement::custody::FileCustody>,
    /// The history findings of each document (`validate::evidence`), kept for the next
    /// incremental rebuild.
    pub evidence_found: std::sync::Mutex<FindingsByFile>,
    /// The previous build's history findings, given by an incremental rebuild after a body
    /// edit: they still hold for every document whose text is the same (the history, the
    /// configuration, the roles and every front matter are; see `incremental`).
    pub evidence_reusable: FindingsByFile,
}

impl Site {
    pub fn new(
        project: Project,
        corpus: Corpus,
        today: Date,
        history: Result<HistoryIndex, Unavailable>,
        signers: Vec<AllowedSigner>,
        options: Options,
    ) -> Self {
        Site::with_in_force(
            project, corpus, today, history, signers, options, None, None,
        )
    }

    /// `new`, with the in-force versions given when they are known: they depend only on the
    /// documents' front matter, their order and the history, so an incremental rebuild after
    /// a body edit keeps the previous build's (see `take_in_force`); and the people and
    /// acknowledgement records when they were read already (else they are read here).
    #[allow(clippy::too_many_arguments)]
    pub fn with_in_force(
        project: Project,
        corpus: Corpus,
        today: Date,
        history: Result<HistoryIndex, Unavailable>,
        signers: Vec<AllowedSigner>,
        options: Options,
        in_force: Option<std::collections::HashMap<String, InForce>>,
        acknowledgements: Option<crate::acknowledgement::Register>,
    ) -> Self {
        let mut by_id: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut roles = BTreeMap::new();
        for (i, doc) in corpus.documents.iter().enumerate() {
            let Some(meta) = &doc.meta else { continue };
            by_id.entry(meta.id.value.clone()).or_default().push(i);
            if let Kind::Roles(list) = &meta.kind {
                for (r, role) in list.iter().enumerate() {
                    roles.entry(role.id.value.clone()).or_insert((i, r));
                }
            }
        }
        let started = crate::timing::start();
        let in_force = match (in_force, &history) {
            (Some(known), _) => known,
            (None, Ok(history)) => crate::in_force::find(&project, &corpus.documents, history),
            (None, Err(_)) => Default::default(),
        };
        crate::timing::phase("in-force versions", started);
        let registries = corpus
            .documents
            .iter()
            .filter(|d| matches!(d.meta.as_ref().map(|m| &m.kind), Some(Kind::Roles(_))))
            .map(|d| d.file.clone())
            .collect();
        let rules_at = match &history {
            Ok(history) => crate::rules_at::RulesCache::with_kept(registries, history),
            Err(_) => crate::rules_at::RulesCache::new(registries),
        };
        let acknowledgements =
            acknowledgements.unwrap_or_else(|| crate::acknowledgement::timed_load(&project));
        Site {
            rules_at,
            approval_tags: std::sync::OnceLock::new(),
            acknowledgements,
            record_custody: Vec::new(),
            evidence_found: Default::default(),
            evidence_reusable: Default::default(),
            project,
            corpus,
            today,
            history,
            signers,
            options,
            by_id,
            roles,
            in_force,
        }
    }

    /// Keeps the custody of the record files and drops the records of every file it
    /// withholds: a record file that no custodian committed as it stands proves nothing, so
    /// its acknowledgements count nowhere (`validate` reports it).
    pub fn withhold_records(&mut self, custody: Vec<crate::acknowledgement::custody::FileCustody>) {
        let withheld: std::collections::HashSet<String> = custody
            .iter()
            .filter(|c| c.withheld.is_some())
            .map(|c| c.file.clone())
            .collect();
        if !withheld.is_empty() {
            self.acknowledgements.withhold(&withheld);
        }
        self.record_custody = custody;
    }

    /// Takes the in-force versions out (for the next build's `with_in_force`).
    pub fn take_in_force(&mut self) -> std::collections::HashMap<String, InForce> {
        std::mem::take(&mut self.in_force)
    }

    /// The approved version in force while this document's working copy is a draft or in
    /// review (see `in_force`); `None` when the working copy is what is in force.
    pub fn in_force(&self, doc: &Document) -> Option<&InForce> {
        self.in_force.get(&doc.file)
    }

    /// The in-force version that `doc` is (not the working copy beside it).
    pub fn as_in_force(&self, doc: &Document) -> Option<&InForce> {
        self.in_force(doc)
            .filter(|f| std::ptr::eq(doc, &f.document))
    }

    /// The annotated tags that claim an approval of some content (see `approval_tags`).
    pub fn approval_tags(&self) -> &[crate::history::approval_tags::ApprovalTag] {
        self.approval_tags.get_or_init(|| {
            self.history
                .as_ref()
                .ok()
                .and_then(|h| git2::Repository::open(&h.git_dir).ok())
                .map(|repo| crate::history::approval_tags::read(&repo))
                .unwrap_or_default()
        })
    }

    /// What the portal shows of a document: its in-force version, else the working copy.
    pub fn effective<'s>(&'s self, doc: &'s Document) -> &'s Document {
        self.in_force(doc).map_or(doc, |f| &f.document)
    }

    /// Where a finding about a document's version in force is reported: at `pos` when that
    /// version is the working copy, else at the working copy's `status` line (the in-force text
    /// is in Git, and its lines are not the file's).
    pub fn finding_position<'s>(&'s self, doc: &'s Document, pos: Pos) -> (&'s str, Pos) {
        match self.in_force(doc) {
            None => (&doc.file, pos),
            Some(_) => {
                let working = self.working(doc);
                let status = working
                    .controlled()
                    .and_then(|c| c.status.as_ref())
                    .map_or(Pos::new(1, 1), |s| s.pos);
                (&working.file, status)
            }
        }
    }

    /// The working copy of a document (itself, unless `doc` is an in-force version).
    pub fn working<'s>(&'s self, doc: &'s Document) -> &'s Document {
        match self.in_force(doc) {
            Some(f) if std::ptr::eq(doc, &f.document) => &self.corpus.documents[f.working],
            _ => doc,
        }
    }

    /// The controlled documents as they are in force (see `effective`), published or not.
    pub fn controlled_in_force(&self) -> impl Iterator<Item = (&Document, &Meta, &Controlled)> {
        self.corpus
            .documents
            .iter()
            .map(|d| self.effective(d))
            .filter_map(|d| d.controlled_meta().map(|(m, c)| (d, m, c)))
    }

    pub fn documents(&self) -> &[Document] {
        &self.corpus.documents
    }

    /// The documents whose front matter does not parse, with the `id` and `type` their plain
    /// lines still name: such a document is reported once, for its syntax, and not again as
    /// missing or unknown.
    pub fn unreadable(&self) -> impl Iterator<Item = (&Document, Option<&str>, Option<&str>)> {
        self.corpus
            .documents
            .iter()
            .filter(|d| d.meta.is_none())
            .map(|d| {
                (
                    d,
                    crate::content::front_matter::salvage(&d.source, "id"),
                    crate::content::front_matter::salvage(&d.source, "type"),
                )
            })
    }

    /// Whether an unreadable document claims `id` (see [`Site::unreadable`]).
    pub fn unreadable_claims_id(&self, id: &str) -> bool {
        self.unreadable().any(|(_, claimed, _)| claimed == Some(id))
    }

    /// Whether an unreadable document claims type `doc_type`.
    pub fn unreadable_claims_type(&self, doc_type: &str) -> bool {
        self.unreadable()
            .any(|(_, _, claimed)| claimed == Some(doc_type))
    }

    pub fn document(&self, id: &str) -> Option<&Document> {
        self.by_id
            .get(id)
            .and_then(|v| v.first())
            .map(|&i| &self.corpus.documents[i])
    }

    pub fn ids(&self) -> impl Iterator<Item = (&str, &[usize])> {
        self.by_id.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles
            .get(id)
            .map(|&(d, r)| match &self.corpus.documents[d].meta {
                Some(meta) => match &meta.kind {
                    Kind::Roles(list) => &list[r],
                    _ => unreachable!("role index points at a roles document"),
                },
                None => unreachable!("role index points at a parsed document"),
            })
    }

    /// Every role definition with the document that defines it, duplicates included.
    pub fn all_roles(&self) -> impl Iterator<Item = (&Document, &Role)> {
        self.corpus.documents.iter().flat_map(|doc| {
            let list: &[Role] = match doc.meta.as_ref().map(|m| &m.kind) {
                Some(Kind::Roles(list)) => list,
                _ => &[],
            };
            list.iter().map(move |r| (doc, r))
        })
    }

    /// The roles by id, first definition of each.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.keys().filter_map(|id| self.role(id))
    }

    /// A role whose defining registry is published (what pages may show).
    pub fn published_role(&self, id: &str) -> Option<&Role> {
        let &(d, _) = self.roles.get(id)?;
        self.is_published(&self.corpus.documents[d])
            .then(|| self.role(id))
            .flatten()
    }

    /// The roles defined in published registries, by id.
    pub fn published_roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.keys().filter_map(|id| self.published_role(id))
    }

    /// The controlled documents (working copies), each with its front matter.
    pub fn controlled(&self) -> impl Iterator<Item = (&Document, &Meta, &Controlled)> {
        self.corpus
            .documents
            .iter()
            .filter_map(|d| d.controlled_meta().map(|(m, c)| (d, m, c)))
    }

    pub fn reviews(&self) -> impl Iterator<Item = (&Document, &ManagementReview)> {
        self.corpus
            .documents
            .iter()
            .filter_map(|d| match &d.meta.as_ref()?.kind {
                Kind::ManagementReview(r) => Some((d, r)),
                _ => None,
            })
    }

    pub fn communications(&self) -> impl Iterator<Item = (&Document, &Communication)> {
        self.corpus
            .documents
            .iter()
            .filter_map(|d| match &d.meta.as_ref()?.kind {
                Kind::Communication(c) => Some((d, c)),
                _ => None,
            })
    }

    pub fn roles_documents(&self) -> impl Iterator<Item = &Document> {
        self.corpus
            .documents
            .iter()
            .filter(|d| matches!(d.meta.as_ref().map(|m| &m.kind), Some(Kind::Roles(_))))
    }

    /// The information security policy (5.2) as it is in force: the policy whose clauses
    /// include 5.2, approved ones first.
    pub fn security_policy(&self) -> Option<(&Document, &Controlled)> {
        let mut candidates: Vec<_> = self
            .controlled_in_force()
            .filter(|(_, meta, _)| {
                meta.doc_type.value == "policy" && meta.clauses.iter().any(|c| c.value == "5.2")
            })
            .map(|(d, _, c)| (d, c))
            .collect();
        candidates.sort_by_key(|(_, c)| !c.is_approved());
        candidates.into_iter().next()
    }

    /// Whether a document may appear in any output: the version the portal shows (see
    /// `effective`) is classified at most `max-classification`. Documents without readable
    /// front matter are never published.
    pub fn is_published(&self, doc: &Document) -> bool {
        self.effective(doc)
            .meta
            .as_ref()
            .is_some_and(|m| self.project.publishable(&m.classification.value))
    }

    /// The Markdown files without front matter that a preview (`build --allow-errors`,
    /// `serve`) shows as "unregistered" pages, so that a team sees its portal before it has
    /// finished adopting. Such a file states no classification: it is taken to be of the
    /// default level (`internal`), as its revisions already are (`disclosure::of_facts`) and
    /// as the front matter `adopt` writes leaves it, and it is shown only when that level
    /// may be published — under `max-classification = "public"` no unregistered file
    /// reaches any output. A file whose front matter is broken may state a level that
    /// cannot be read, so it is never shown.
    pub fn unregistered(&self) -> impl Iterator<Item = &Document> {
        let shown = self
            .project
            .publishable(crate::config::DEFAULT_CLASSIFICATION);
        self.corpus
            .documents
            .iter()
            .filter(move |d| shown && d.is_unregistered())
    }

    /// The published documents as the portal shows them: each in its in-force version.
    pub fn published(&self) -> impl Iterator<Item = &Document> {
        self.corpus
            .documents
            .iter()
            .filter(|d| self.is_published(d))
            .map(|d| self.effective(d))
    }

    /// The working copies published as draft pages (`--drafts`): those of documents in force
    /// at an earlier version, when both versions may be published.
    pub fn published_drafts(&self) -> impl Iterator<Item = (&Document, &InForce)> {
        self.corpus
            .documents
            .iter()
            .filter_map(|d| self.published_draft(d).map(|f| (d, f)))
    }

    /// The version in force of `doc` when `doc` is a working copy published as a draft beside
    /// it (see `published_drafts`).
    pub fn published_draft(&self, doc: &Document) -> Option<&InForce> {
        let f = self.in_force(doc)?;
        let publishable = |doc: &Document| {
            doc.meta
                .as_ref()
                .is_some_and(|m| self.project.publishable(&m.classification.value))
        };
        (self.options.drafts && publishable(doc) && publishable(&f.document)).then_some(f)
    }

    /// Whether the id names a published document.
    pub fn is_published_id(&self, id: &str) -> bool {
        self.document(id).is_some_and(|d| self.is_published(d))
    }
}
