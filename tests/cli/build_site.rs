//! `policybook build`: the portal's files, escaping and sanitising, classification, refusing
//! to publish with errors, the atomic swap, and theme overrides.

use crate::support::*;
use std::collections::BTreeMap;

fn build(f: &Fixture) -> Output {
    f.run(&["build", "--today", TODAY])
}

fn build_ok(f: &Fixture) -> BTreeMap<String, Vec<u8>> {
    let out = build(f);
    assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
    f.tree("site")
}

fn text(site: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    let bytes = site.get(path).unwrap_or_else(|| {
        panic!(
            "site/{path} was not written; files: {:?}",
            site.keys().collect::<Vec<_>>()
        )
    });
    String::from_utf8(bytes.clone()).unwrap_or_else(|_| panic!("site/{path} is not UTF-8"))
}

/// Every written file (not directories) with its text, lossily decoded.
fn files(site: &BTreeMap<String, Vec<u8>>) -> impl Iterator<Item = (&str, String)> {
    site.iter()
        .filter(|(p, _)| !p.ends_with('/'))
        .map(|(p, b)| (p.as_str(), String::from_utf8_lossy(b).to_string()))
}

/// Names of the entries directly in `dir` that start with `prefix`.
fn entries_starting_with(dir: &std::path::Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

const DOC_PAGES: &[&str] = &[
    "docs/policies/information-security-policy.html",
    "docs/roles/roles.html",
    "docs/reviews/2026-q1-management-review.html",
    "docs/communications/2026-03-02-isp-v1-0.html",
];

#[test]
fn build_writes_every_page() {
    let f = Fixture::clean();
    let out = build(&f);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = f.tree("site");
    for page in [
        "index.html",
        "documents.html",
        "roles.html",
        "communications.html",
        "leadership.html",
        "control-changes.html",
        "assets/css/policybook.css",
    ] {
        assert!(
            site.contains_key(page),
            "site/{page} missing; files: {:?}",
            site.keys()
        );
    }
    for page in DOC_PAGES {
        assert!(
            site.contains_key(*page),
            "site/{page} missing; files: {:?}",
            site.keys()
        );
    }
    // Exactly the six top pages, one page per document and one history page per document.
    let html: Vec<&String> = site.keys().filter(|k| k.ends_with(".html")).collect();
    assert_eq!(html.len(), 6 + 2 * DOC_PAGES.len(), "{html:?}");
    for id in ["POL-001", "ROL-001", "MR-2026-Q1"] {
        assert!(
            site.contains_key(&format!("history/{id}.html")),
            "no history page for {id}"
        );
    }
    // The manifest lists every other file with its SHA-256.
    let manifest: serde_json::Value = serde_json::from_slice(&site["manifest.json"]).unwrap();
    let listed = manifest["files"].as_object().unwrap();
    assert_eq!(listed.len(), files(&site).count() - 1);
    assert!(listed.contains_key("index.html"));

    // Real pages, not placeholders: each names the portal and the date it describes.
    for (path, page) in files(&site).filter(|(p, _)| p.ends_with(".html")) {
        assert!(
            page.contains("<html"),
            "site/{path} is not an HTML page:\n{page}"
        );
        assert!(
            page.contains("Test Corp ISMS"),
            "site/{path} lacks the site title"
        );
        assert!(
            page.contains("2026-06-01"),
            "site/{path} does not say `status as of 2026-06-01`"
        );
    }
    let policy = text(&site, "docs/policies/information-security-policy.html");
    assert!(policy.contains("Information Security Policy"));
    assert!(policy.contains("POL-001"));
    assert!(policy.contains("Continual improvement"));
    assert!(text(&site, "roles.html").contains("SYSADMIN"));
    assert!(text(&site, "leadership.html").contains("MR-2026-Q1"));
    assert!(text(&site, "communications.html").contains("all-staff e-mail"));
    assert!(text(&site, "documents.html").contains("POL-001"));
}

#[test]
fn build_leaves_no_staging_directories() {
    let f = Fixture::clean();
    build_ok(&f);
    build_ok(&f);
    assert_eq!(
        entries_starting_with(f.path(), ".site"),
        Vec::<String>::new()
    );
}

#[test]
fn build_is_reproducible() {
    let f = Fixture::clean();
    let first = build_ok(&f);
    let second = build_ok(&f);
    assert_eq!(first, second, "two builds of the same commit differ");
}

#[test]
fn verify_accepts_the_built_site_and_names_every_difference() {
    let f = Fixture::clean();
    let site = build_ok(&f);
    // The manifest's digest is the SHA-256 of its `hash  path` lines.
    let manifest: serde_json::Value = serde_json::from_slice(&site["manifest.json"]).unwrap();
    let listed = manifest["files"].as_object().unwrap();
    assert_eq!(listed["index.html"].as_str().unwrap().len(), 64);

    // verify uses the day recorded in the manifest, so no --today is needed.
    let ok = f.run(&["verify"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert_eq!(ok.stdout, "");

    std::fs::write(f.join("site/roles.html"), "tampered").unwrap();
    std::fs::remove_file(f.join("site/assets/css/print.css")).unwrap();
    std::fs::write(f.join("site/extra.html"), "<p>added</p>").unwrap();
    let bad = f.run(&["verify", "site"]);
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    let mut lines: Vec<&str> = bad.stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "added    extra.html",
            "differs  roles.html",
            "missing  assets/css/print.css"
        ]
    );
}

#[test]
fn verify_reports_a_site_built_from_a_working_copy() {
    let f =
        Fixture::clean()
            .committed()
            .edit("book.toml", "Test Corp ISMS", "Test Corp ISMS (draft)");
    build_ok(&f);
    // The same edits are still in the working tree: the site matches it, but no commit.
    let out = f.run(&["verify"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("working copy"), "{}", out.stderr);
    assert!(
        out.stderr.contains("uncommitted: book.toml"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("verified"), "{}", out.stderr);
    let allowed = f.run(&["verify", "--allow-working-copy"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(
        allowed.stderr.contains("match the working copy on top of"),
        "{}",
        allowed.stderr
    );
    // Committed and rebuilt: verified against the commit, in the singular where it applies.
    let f = f.commit("Draft title");
    build_ok(&f);
    let out = f.run(&["verify"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("match the repository at"),
        "{}",
        out.stderr
    );
    std::fs::write(f.join("site/roles.html"), "tampered").unwrap();
    let out = f.run(&["verify"]);
    assert!(out.stderr.contains("1 file differs from"), "{}", out.stderr);
}

#[test]
fn pages_make_no_external_requests() {
    let f = Fixture::clean()
        // An external link in a document is fine: following it is the reader's choice.
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            "See [ISO](https://www.iso.org/standard/27001).",
        );
    let site = build_ok(&f);
    for (path, text) in files(&site)
        .filter(|(p, _)| p.ends_with(".html") || p.ends_with(".css") || p.ends_with(".js"))
    {
        for needle in [
            "src=\"http",
            "src=\"//",
            "url(http",
            "url(//",
            "@import",
            "fetch(",
            "XMLHttpRequest",
            "<link rel=\"stylesheet\" href=\"http",
        ] {
            assert!(!text.contains(needle), "site/{path} loads `{needle}`");
        }
    }
    assert!(
        text(&site, "docs/policies/information-security-policy.html")
            .contains("https://www.iso.org/")
    );
}

#[test]
fn build_out_writes_elsewhere() {
    let f = Fixture::clean();
    let out = f.run(&["build", "--today", TODAY, "--out", "public"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(f.join("public/index.html").is_file());
    assert!(!f.join("site").exists());
}

#[test]
fn build_with_warnings_only_publishes() {
    let f = Fixture::clean().edit(POLICY_PATH, "  last: 2026-03-01", "  last: 2025-06-15");
    let site = build_ok(&f);
    assert!(site.contains_key("index.html"));
    // The dashboard shows the review that is due soon.
    assert!(text(&site, "index.html").contains("2026-06-15"));
}

/// The targets of `href="…"` and `src="…"` in a page.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

fn resolve(page: &str, href: &str) -> String {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for segment in href.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Every `href`/`src` in the site's pages that does not reach a written file, or whose
/// `#fragment` is no `id` in the target page.
fn broken_links(site: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut broken = Vec::new();
    for (page, html) in files(site).filter(|(p, _)| p.ends_with(".html")) {
        for href in references(&html) {
            if href.contains("://") || href.starts_with("mailto:") || href.starts_with("//") {
                continue;
            }
            let (path, fragment) = href.split_once('#').unwrap_or((&href, ""));
            let path = path.split('?').next().unwrap_or("");
            let target = if path.is_empty() {
                page.to_string()
            } else {
                resolve(page, path)
            };
            let Some(bytes) = site.get(&target) else {
                broken.push(format!("{page}: {href} -> {target} (missing)"));
                continue;
            };
            if !fragment.is_empty() && target.ends_with(".html") {
                let text = String::from_utf8_lossy(bytes);
                if !text.contains(&format!("id=\"{fragment}\"")) {
                    broken.push(format!("{page}: {href} (no id `{fragment}` in {target})"));
                }
            }
        }
    }
    broken
}

#[test]
fn internal_links_resolve() {
    let site = build_ok(&Fixture::clean());
    let broken = broken_links(&site);
    assert!(
        broken.is_empty(),
        "broken links in the site:\n{}",
        broken.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Escaping and sanitising

const HOSTILE_PATH: &str = "content/standards/hostile.md";
const HOSTILE: &str = r#"---
id: STD-XSS
title: '<script>alert("t")</script>'
type: standard
version: "0.1"
status: draft
owner: CISO
---

## Purpose

<script>alert(1)</script>

<img src=x onerror=alert(1)>

[x](javascript:alert(1))

<a href="javascript:alert(2)">y</a> <a href="JaVaScRiPt:alert(3)">z</a>

<iframe src="javascript:alert(4)"></iframe>

## Scope

<div onclick="alert(5)" style="background:url(javascript:alert(6))">Everything.</div>
"#;

#[test]
fn hostile_html_is_escaped_and_sanitised() {
    let f = Fixture::clean()
        .file(HOSTILE_PATH, HOSTILE)
        .commit("hostile");
    let site = build_ok(&f);
    let page = "docs/standards/hostile.html";
    assert!(site.contains_key(page), "{:?}", site.keys());
    for (path, content) in files(&site).filter(|(p, _)| !p.starts_with("assets/js/")) {
        let lower = content.to_ascii_lowercase();
        for bad in [
            "<script>alert",
            "onerror=",
            "javascript:",
            "onclick=",
            "<iframe",
        ] {
            assert!(
                !lower.contains(bad),
                "site/{path} contains `{bad}`:\n{content}"
            );
        }
    }
    let html = text(&site, page);
    assert!(
        html.contains("&lt;script&gt;"),
        "the escaped title is not on its page:\n{html}"
    );
    assert!(html.contains("Everything."));
    // The register lists it, escaped too.
    assert!(text(&site, "documents.html").contains("&lt;script&gt;"));
}

#[test]
fn html_and_svg_attachments_are_refused_and_never_published() {
    let f = Fixture::clean()
        .file("content/evidence/page.html", "<script>alert(1)</script>")
        .file(
            "content/evidence/image.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>",
        )
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            "See [the page](../evidence/page.html) and ![a diagram](../evidence/image.svg).",
        );
    // Each link is an `unsafe-attachment` error at its own position.
    let diags = f.diagnostics();
    let unsafe_links: Vec<_> = diags
        .iter()
        .filter(|d| d.code == "unsafe-attachment")
        .collect();
    assert_eq!(unsafe_links.len(), 2, "{diags:#?}");
    assert!(
        unsafe_links
            .iter()
            .all(|d| d.file.as_deref() == Some(POLICY_PATH))
    );
    assert_eq!(
        build(&f).code,
        1,
        "a build with unsafe attachments must not publish"
    );
    // Even a preview never copies them.
    let out = f.run(&["build", "--allow-errors", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = f.tree("site");
    assert!(!site.contains_key("docs/evidence/page.html"));
    assert!(!site.contains_key("docs/evidence/image.svg"));
    for (path, content) in files(&site).filter(|(p, _)| !p.starts_with("assets/js/")) {
        assert!(
            !content.contains("<script>alert"),
            "site/{path} carries script:\n{content}"
        );
        assert!(
            !content.contains("onload="),
            "site/{path} carries script:\n{content}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Classification

const SECRET_PATH: &str = "content/procedures/vault.md";
const SECRET_PHRASE: &str = "ZEBRA-MOONLIGHT-7731";
const SECRET: &str = r#"---
id: PRC-VAULT
title: Vault Combination Procedure
type: procedure
classification: confidential
version: "0.1"
status: draft
owner: CISO
---

## Purpose

The combination is ZEBRA-MOONLIGHT-7731.

## Scope

The vault.
"#;

fn with_secret() -> Fixture {
    Fixture::clean()
        .file(SECRET_PATH, SECRET)
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            "We continually improve the ISMS; see [the restricted procedure](../procedures/vault.md#purpose).",
        )
        .file(
            "content/communications/2026-04-01-briefing.md",
            "---\nid: COM-2026-04-01\ntitle: Briefing for the keyholders\ntype: communication\ndate: 2026-04-01\ndocuments:\n  - id: PRC-VAULT\n    version: \"0.1\"\naudience: [vault-team]\nchannel: meeting\nsender: CISO\n---\n\nWe briefed the team.\n",
        )
        .commit("add a confidential procedure")
}

fn assert_nothing_leaks(site: &BTreeMap<String, Vec<u8>>) {
    for (path, content) in files(site) {
        for secret in [
            SECRET_PHRASE,
            "PRC-VAULT",
            "Vault Combination Procedure",
            "procedures/vault",
        ] {
            assert!(
                !content.contains(secret),
                "site/{path} leaks `{secret}`:\n{content}"
            );
        }
    }
}

#[test]
fn documents_above_max_classification_are_not_published() {
    let f = with_secret();
    assert_eq!(f.diagnostics(), Vec::new(), "{}", show(&f.diagnostics()));
    let site = build_ok(&f);
    assert!(!site.contains_key("docs/procedures/vault.html"));
    assert!(
        !site.keys().any(|k| k.contains("vault.")),
        "{:?}",
        site.keys()
    );
    assert_nothing_leaks(&site);

    // The published policy keeps the link text but not the link.
    let policy = text(&site, "docs/policies/information-security-policy.html");
    assert!(policy.contains("the restricted procedure"), "{policy}");
    assert!(!policy.contains("vault"), "{policy}");
    // The communication entry about it is published without naming it.
    assert!(site.contains_key("docs/communications/2026-04-01-briefing.html"));
    assert!(text(&site, "communications.html").contains("Briefing for the keyholders"));
}

#[test]
fn max_classification_can_be_raised() {
    let f = with_secret().file(
        "book.toml",
        format!("{BOOK_TOML}\n[output.html]\nmax-classification = \"confidential\"\n"),
    );
    let site = build_ok(&f);
    assert!(text(&site, "docs/procedures/vault.html").contains(SECRET_PHRASE));
    let policy = text(&site, "docs/policies/information-security-policy.html");
    assert!(
        policy.contains("href=\"../procedures/vault.html#purpose\""),
        "{policy}"
    );
}

#[test]
fn a_preview_does_not_leak_unpublished_documents_through_diagnostics() {
    let f = with_secret()
        .edit(SECRET_PATH, "owner: CISO", "owner: VAULT-KEEPER")
        .edit(POLICY_PATH, "owner: CISO", "owner: CSO");
    let diags = f.diagnostics();
    assert_eq!(
        with_code(&diags, "unknown-role").len(),
        2,
        "{}",
        show(&diags)
    );
    let out = f.run(&["build", "--today", TODAY, "--allow-errors"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = f.tree("site");
    assert_nothing_leaks(&site);
    for (path, content) in files(&site) {
        assert!(
            !content.contains("VAULT-KEEPER"),
            "site/{path} leaks a finding about the secret document"
        );
    }
    assert!(text(&site, "index.html").contains("unknown-role"));
}

// ---------------------------------------------------------------------------------------------
// Refusing to publish with errors

#[test]
fn build_refuses_to_publish_with_errors() {
    let f = Fixture::clean()
        .edit(POLICY_PATH, "owner: CISO", "owner: CSO")
        .commit("seed");
    let out = build(&f);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        !f.join("site").exists(),
        "a site was written despite errors"
    );
    assert_eq!(
        entries_starting_with(f.path(), ".site"),
        Vec::<String>::new()
    );
    assert!(
        out.stderr.contains("unknown-role"),
        "diagnostics go to stderr:\n{}",
        out.stderr
    );
    assert!(out.stderr.contains("--allow-errors"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn build_with_errors_keeps_the_previous_site() {
    let f = Fixture::clean();
    let before = build_ok(&f);
    let f = f.edit(POLICY_PATH, "owner: CISO", "owner: CSO");
    assert_eq!(build(&f).code, 1);
    assert_eq!(f.tree("site"), before);
}

#[test]
fn allow_errors_builds_a_preview_listing_the_errors() {
    let f = Fixture::clean()
        .edit(POLICY_PATH, "owner: CISO", "owner: CSO")
        .commit("seed");
    let out = f.run(&["build", "--today", TODAY, "--allow-errors"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = f.tree("site");
    let index = text(&site, "index.html");
    assert!(
        index.contains("unknown-role"),
        "the dashboard does not list the error:\n{index}"
    );
    assert!(
        index.contains("content/policies/information-security-policy.md"),
        "{index}"
    );
    // Every page still renders.
    for page in DOC_PAGES {
        assert!(site.contains_key(*page), "{page} missing");
    }
}

// ---------------------------------------------------------------------------------------------
// The atomic swap

fn with_theme_file(f: Fixture, rel: &str, content: &str) -> Fixture {
    f.file(&format!("theme/{rel}"), content).file(
        "book.toml",
        format!("{BOOK_TOML}\n[output.html]\ntheme = \"theme\"\n"),
    )
}

#[test]
fn a_broken_template_leaves_the_previous_site_whole() {
    let f = Fixture::clean();
    let before = build_ok(&f);
    assert!(!before.is_empty());

    let f = with_theme_file(
        f,
        "templates/index.html",
        "{% extends \"base.html\" %}{% if %}\n",
    );
    let out = build(&f);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("index.html"), "{}", out.stderr);
    assert_eq!(
        f.tree("site"),
        before,
        "site/ changed although the build failed"
    );
    assert_eq!(
        entries_starting_with(f.path(), ".site"),
        Vec::<String>::new()
    );
}

#[test]
fn a_template_failing_at_render_time_leaves_the_previous_site_whole() {
    let f = Fixture::clean();
    let before = build_ok(&f);
    let f = with_theme_file(
        f,
        "templates/roles.html",
        "{{ page.no_such_field.deeper }}\n",
    );
    let out = build(&f);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(f.tree("site"), before);
    assert_eq!(
        entries_starting_with(f.path(), ".site"),
        Vec::<String>::new()
    );
}

/// Document pages render largest first, in parallel; when several fail, the error reported is
/// still the one of the first document in document order (the communication record sorts
/// first, and is smaller than the policy, whose approved version and history make it the
/// first rendered).
#[test]
fn of_several_failing_pages_the_first_in_document_order_is_reported() {
    let f = Fixture::clean();
    build_ok(&f);
    let f = with_theme_file(
        f,
        "templates/document.html",
        "{{ page.no_such_field.deeper }}\n",
    );
    let out = build(&f);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("cannot render"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(
        errors[0].contains("cannot render docs/communications/2026-03-02-isp-v1-0.html"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_failure_while_writing_leaves_the_previous_site_whole() {
    // `policies/a.md` becomes docs/policies/a.html, and the attachment below
    // `policies/a.html/` needs a directory of that name: writing the staged site fails midway.
    let f = Fixture::clean();
    let before = build_ok(&f);
    let f = f
        .file(
            "content/policies/a.md",
            "---\nid: POL-A\ntitle: A\ntype: policy\nversion: \"0.1\"\nstatus: draft\nowner: CISO\n---\n\n## Purpose\n\nSee the [annex](a.html/annex.pdf).\n\n## Scope\n",
        )
        .file("content/policies/a.html/annex.pdf", "%PDF-1.4\n")
        .commit("Draft policy A");
    assert_eq!(f.diagnostics(), Vec::new(), "{}", show(&f.diagnostics()));
    let out = build(&f);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        f.tree("site"),
        before,
        "site/ changed although the build failed"
    );
    assert_eq!(
        entries_starting_with(f.path(), ".site"),
        Vec::<String>::new()
    );
}

#[test]
fn a_build_recovers_from_a_killed_swap() {
    // A build killed between its two renames leaves `.site.old` and no `site`.
    let f = Fixture::clean();
    let before = build_ok(&f);
    std::fs::rename(f.join("site"), f.join(".site.old")).unwrap();
    std::fs::create_dir(f.join(".site.new-leftover")).unwrap();
    let f = with_theme_file(f, "templates/index.html", "{% if %}");
    assert_eq!(build(&f).code, 2);
    assert_eq!(f.tree("site"), before, "the previous site was not restored");
    assert!(!f.join(".site.new-leftover").exists());
}

// ---------------------------------------------------------------------------------------------
// Theme overrides

const MARKER: &str = "THEME-OVERRIDE-MARKER-9f3c";

#[test]
fn a_theme_base_template_override_is_used() {
    let base = format!(
        "<!DOCTYPE html>\n<html><head><title>{{{{ page_title }}}}</title></head>\n<body><p>{MARKER} {{{{ site.title }}}} as of {{{{ site.today }}}}</p>\n{{% block content %}}{{% endblock content %}}\n</body></html>\n"
    );
    let f = with_theme_file(Fixture::clean(), "templates/base.html", &base);
    let site = build_ok(&f);
    for page in [
        "index.html",
        "documents.html",
        "roles.html",
        "communications.html",
        "leadership.html",
    ]
    .iter()
    .chain(DOC_PAGES)
    {
        let html = text(&site, page);
        assert!(
            html.contains(MARKER),
            "site/{page} does not use the override:\n{html}"
        );
    }
    // Other default templates still render their content into it.
    assert!(
        text(&site, "docs/policies/information-security-policy.html")
            .contains("Continual improvement")
    );
    // Files the theme does not override come from the default theme.
    assert!(site.contains_key("assets/css/policybook.css"));
}

#[test]
fn a_theme_css_override_is_copied() {
    let f = with_theme_file(
        Fixture::clean(),
        "css/policybook.css",
        "/* custom */ body { color: red; }\n",
    );
    let site = build_ok(&f);
    assert_eq!(
        text(&site, "assets/css/policybook.css"),
        "/* custom */ body { color: red; }\n"
    );
}

#[test]
fn roles_of_an_unpublished_registry_are_not_published() {
    let f = Fixture::clean().file(
        "content/roles/covert.md",
        "---\nid: ROL-COVERT\ntitle: Covert roles\ntype: roles\nclassification: restricted\nroles:\n  - id: SHADOW-OPS\n    title: Covert Operations Lead\n    holders:\n      - name: Zed Example\n        email: zed@example.com\n---\n",
    );
    assert_eq!(f.diagnostics(), Vec::new(), "{}", show(&f.diagnostics()));
    let site = build_ok(&f);
    for (path, content) in files(&site) {
        for secret in [
            "ROL-COVERT",
            "SHADOW-OPS",
            "Covert Operations Lead",
            "Zed Example",
        ] {
            assert!(!content.contains(secret), "site/{path} leaks `{secret}`");
        }
    }
}

#[test]
fn a_preview_does_not_leak_unpublished_paths_through_link_findings() {
    let f = with_secret().edit(
        POLICY_PATH,
        "(../procedures/vault.md#purpose)",
        "(../procedures/vault.md#purpos)",
    );
    let diags = f.diagnostics();
    only(&diags, "broken-link");
    let out = f.run(&["build", "--today", TODAY, "--allow-errors"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_nothing_leaks(&f.tree("site"));
}

#[test]
fn deny_warnings_makes_build_refuse() {
    let f = Fixture::clean().edit(POLICY_PATH, "  last: 2026-03-01", "  last: 2025-06-15");
    let out = f.run(&["build", "--today", TODAY, "--deny", "warnings"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!f.join("site").exists());
}

#[test]
fn build_diagnostics_go_to_stderr_in_the_requested_format() {
    let f = Fixture::clean().edit(POLICY_PATH, "  last: 2026-03-01", "  last: 2025-06-15");
    let out = f.run(&["build", "--today", TODAY, "--format", "github"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.lines().any(|l| l.starts_with(
            "::warning file=content/policies/information-security-policy.md,line=11,col=9,title=review-due-soon::"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn attachments_linked_from_published_documents_are_copied() {
    let f = Fixture::clean()
        .file(
            "content/evidence/diagram.png",
            [0x89u8, b'P', b'N', b'G', 0, 1, 2],
        )
        .file("content/evidence/mail.txt", "From: CISO\n")
        .file("content/evidence/unused.pdf", "%PDF-1.4\n")
        .file("content/evidence/vault-plan.pdf", "%PDF-1.4 secret\n")
        .file(
            SECRET_PATH,
            SECRET.replace("The vault.", "See [the plan](../evidence/vault-plan.pdf)."),
        )
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            "We continually improve the ISMS: ![diagram](../evidence/diagram.png)",
        )
        .edit(
            COMMUNICATION_PATH,
            "sender: CISO\n",
            "sender: CISO\nevidence: [evidence/mail.txt]\n",
        );
    assert_eq!(f.diagnostics(), Vec::new(), "{}", show(&f.diagnostics()));
    let site = build_ok(&f);
    assert_eq!(
        site.get("docs/evidence/diagram.png").map(Vec::as_slice),
        Some(&[0x89u8, b'P', b'N', b'G', 0, 1, 2][..])
    );
    assert_eq!(
        site.get("docs/evidence/mail.txt").map(Vec::as_slice),
        Some(&b"From: CISO\n"[..])
    );
    assert!(
        !site.contains_key("docs/evidence/unused.pdf"),
        "unreferenced attachments are not published"
    );
    assert!(
        !site.contains_key("docs/evidence/vault-plan.pdf"),
        "attachments of unpublished documents are not published"
    );
    let policy = text(&site, "docs/policies/information-security-policy.html");
    assert!(
        policy.contains("src=\"../evidence/diagram.png\""),
        "{policy}"
    );
}

#[test]
fn internal_links_resolve_with_attachments_and_evidence() {
    let f = Fixture::clean()
        .file("content/evidence/mail.txt", "From: CISO\n")
        .file("content/evidence/diagram.png", [0x89u8, b'P', b'N', b'G'])
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.",
            "We continually improve the ISMS: ![diagram](../evidence/diagram.png), [scope](#scope), [review](../reviews/2026-q1-management-review.md#management-review).",
        )
        .edit(COMMUNICATION_PATH, "sender: CISO\n", "sender: CISO\nevidence: [evidence/mail.txt]\n");
    assert_eq!(f.diagnostics(), Vec::new(), "{}", show(&f.diagnostics()));
    let site = build_ok(&f);
    let broken = broken_links(&site);
    assert!(
        broken.is_empty(),
        "broken links in the site:\n{}",
        broken.join("\n")
    );
}

#[test]
fn source_date_epoch_makes_builds_reproducible() {
    let f = Fixture::clean();
    let flagged = build_ok(&f);
    let out = f.run_with_env(&["build"], &[("SOURCE_DATE_EPOCH", "1780272000")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        f.tree("site"),
        flagged,
        "SOURCE_DATE_EPOCH=2026-06-01 and --today 2026-06-01 differ"
    );
    assert!(text(&flagged, "index.html").contains("Status as of 2026-06-01"));
}

#[cfg(unix)]
fn inode(f: &Fixture, rel: &str) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(f.join(rel)).unwrap().ino()
}

#[test]
#[cfg(unix)]
fn a_rebuild_reuses_unchanged_pages_and_renders_changed_ones() {
    let f = Fixture::clean();
    let first = build_ok(&f);
    let policy = "docs/policies/information-security-policy.html";
    let roles_before = inode(&f, "site/roles.html");
    let policy_before = inode(&f, &format!("site/{policy}"));

    // Nothing changed: every page is the previous build's file (same inode), bytes equal.
    let second = build_ok(&f);
    assert_eq!(first, second);
    assert_eq!(inode(&f, "site/roles.html"), roles_before);

    // A page edited by hand in the published site is not trusted: it is rendered again.
    std::fs::write(f.join("site/roles.html"), "tampered").unwrap();
    let third = build_ok(&f);
    assert_eq!(third["roles.html"], first["roles.html"]);

    // A changed document is rendered again, and the result is what a build without any
    // earlier site gives. (The edit is not approved: the builds are previews.)
    let f = f.edit(
        POLICY_PATH,
        "## Purpose",
        "## Purpose\n\nA sentence added for the rebuild.",
    );
    let preview = |f: &Fixture| {
        let out = f.run(&["build", "--today", TODAY, "--allow-errors"]);
        assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
        f.tree("site")
    };
    let fourth = preview(&f);
    assert!(text(&fourth, policy).contains("A sentence added for the rebuild."));
    assert_ne!(inode(&f, &format!("site/{policy}")), policy_before);
    std::fs::remove_dir_all(f.join("site")).unwrap();
    let fresh = preview(&f);
    assert_eq!(
        fourth, fresh,
        "a rebuild that reused pages differs from a fresh build"
    );
    // A preview of uncommitted edits verifies only as such.
    let ok = f.run(&["verify", "--allow-working-copy"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
}

/// Without `commit-url`, commits link to the forge that `git-repository-url` names (issue 23):
/// GitHub's `/commit/<id>`; an unknown host gives no link rather than a guessed one.
#[test]
fn commit_links_follow_the_repository_url_of_a_known_forge() {
    let f = Fixture::clean()
        .file(
            "book.toml",
            format!("{BOOK_TOML}\n[output.html]\ngit-repository-url = \"https://github.com/acme/isms\"\n"),
        )
        .committed();
    let head = f.head_id();
    let site = build_ok(&f);
    let history = text(&site, "history/POL-001.html");
    assert!(
        history.contains(&format!(
            "href=\"https://github.com/acme/isms/commit/{head}\""
        )),
        "{history}"
    );

    let f = Fixture::clean()
        .file(
            "book.toml",
            format!("{BOOK_TOML}\n[output.html]\ngit-repository-url = \"https://git.example.com/isms\"\n"),
        )
        .committed();
    let site = build_ok(&f);
    let history = text(&site, "history/POL-001.html");
    assert!(!history.contains("/commit/"), "{history}");
}

/// Role ids are shown with their names (issue 23, item 7): the RACI columns, the attendees of a
/// management review; "Defined in" names the roles registry by id and title, not by path.
#[test]
fn role_names_stand_beside_role_ids() {
    let f = Fixture::clean().committed();
    let site = build_ok(&f);
    let roles = text(&site, "roles.html");
    assert!(
        roles.contains(
            "<abbr title=\"Chief Information Security Officer\">CISO</abbr><br><small class=\"muted\">Chief Information Security Officer</small>"
        ),
        "{roles}"
    );
    assert!(roles.contains(">ROL-001 "), "{roles}");
    assert!(!roles.contains(">docs/roles/"), "{roles}");
    let leadership = text(&site, "leadership.html");
    assert!(
        leadership.contains("Chief Information Security Officer (CISO)"),
        "{leadership}"
    );
}
