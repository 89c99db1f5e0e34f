//! The portal's offline search: the index script (published documents only, deterministic,
//! its URLs resolving to pages), the library beside it, and the search form on every page.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeMap;

const INDEX: &str = "assets/search-index.js";
const LIBRARY: &str = "assets/js/elasticlunr.min.js";
const PREFIX: &str = "window.policybookSearchIndex = ";

fn build_ok(f: &Fixture) -> BTreeMap<String, Vec<u8>> {
    let out = f.run(&["build", "--today", TODAY]);
    assert_eq!(out.code, 0, "build failed:\n{}", out.stderr);
    f.tree("site")
}

fn index_text(site: &BTreeMap<String, Vec<u8>>) -> String {
    let bytes = site
        .get(INDEX)
        .unwrap_or_else(|| panic!("{INDEX} was not written; files: {:?}", site.keys()));
    String::from_utf8(bytes.clone()).expect("the index is UTF-8")
}

/// The JSON the index script assigns.
fn index_json(site: &BTreeMap<String, Vec<u8>>) -> Value {
    let text = index_text(site);
    let json = text
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.trim_end().strip_suffix(';'))
        .unwrap_or_else(|| panic!("{INDEX} is not `{PREFIX}{{…}};`: {text:.200}"));
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{INDEX} holds no JSON ({e})"))
}

/// The documents in the index's store, by id.
fn stored(index: &Value) -> BTreeMap<String, Value> {
    index["store"]
        .as_object()
        .expect("a store object")
        .iter()
        .map(|(reference, doc)| {
            let mut doc = doc.clone();
            doc["ref"] = reference.as_str().into();
            (doc["id"].as_str().expect("an id").to_string(), doc)
        })
        .collect()
}

/// Whether any field of the elasticlunr index has a term starting with `prefix` (terms are
/// stored as a trie of characters, lower-cased and stemmed, so a term is never one string).
fn indexed(index: &Value, prefix: &str) -> bool {
    let fields = index["index"]["index"]
        .as_object()
        .expect("inverted indexes");
    fields.values().any(|field| {
        let mut node = &field["root"];
        for c in prefix.chars() {
            node = &node[c.to_string()];
        }
        node.is_object()
    })
}

const PUBLISHED: &[(&str, &str, &str)] = &[
    (
        "POL-001",
        "Information Security Policy",
        "docs/policies/information-security-policy.html",
    ),
    (
        "ROL-001",
        "Roles and Responsibilities",
        "docs/roles/roles.html",
    ),
    (
        "MR-2026-Q1",
        "Management Review Q1 2026",
        "docs/reviews/2026-q1-management-review.html",
    ),
    (
        "COM-2026-03-02",
        "Information Security Policy v1.0: all-staff e-mail",
        "docs/communications/2026-03-02-isp-v1-0.html",
    ),
];

#[test]
fn the_index_lists_every_published_document_with_a_resolving_url() {
    let site = build_ok(&Fixture::clean());
    let index = index_json(&site);
    let docs = stored(&index);
    // Markup characters are escaped in the script (see also the hostile-HTML test of
    // build_site, whose title is `<script>…`).
    assert!(!index_text(&site).contains(['<', '>', '&']));
    assert_eq!(
        docs.keys().map(String::as_str).collect::<Vec<_>>(),
        {
            let mut ids: Vec<&str> = PUBLISHED.iter().map(|(id, _, _)| *id).collect();
            ids.sort();
            ids
        },
        "the store holds exactly the published documents"
    );
    for (id, title, url) in PUBLISHED {
        let doc = &docs[*id];
        assert_eq!(doc["title"], *title, "{doc}");
        assert_eq!(doc["url"], *url, "{doc}");
        let page = site
            .get(*url)
            .unwrap_or_else(|| panic!("{id}'s url {url} is no file of the site"));
        assert!(String::from_utf8_lossy(page).contains(id));
    }
    let policy = &docs["POL-001"];
    assert_eq!(policy["type"], "policy");
    assert_eq!(policy["status"], "approved");
    // The snippet text is plain text from the Markdown, not HTML.
    let snippet = policy["text"].as_str().unwrap();
    assert!(
        snippet.contains("Test Corp protects the information entrusted to it."),
        "{snippet}"
    );
    assert!(!snippet.contains('<'), "{snippet}");

    // An elasticlunr.js index of the fields searched, with every document in each field's
    // inverted index (a word of the policy's body below its snippet is found).
    let lunr = &index["index"];
    assert_eq!(lunr["version"], "0.9.5");
    assert_eq!(lunr["ref"], "ref");
    assert_eq!(
        lunr["fields"],
        serde_json::json!(["id", "title", "type", "status", "body"])
    );
    assert_eq!(
        lunr["documentStore"]["length"],
        PUBLISHED.len(),
        "{}",
        lunr["documentStore"]
    );
    // `continual` is stemmed to `continu`: c → o → n → t → i → n → u in the body's trie.
    let mut node = &lunr["index"]["body"]["root"];
    for c in "continu".chars() {
        node = &node[c.to_string()];
        assert!(node.is_object(), "no `continu` in the body index");
    }
    assert!(
        node["docs"]
            .as_object()
            .is_some_and(|d| d.contains_key(policy["ref"].as_str().unwrap())),
        "{node}"
    );

    // The library the index is for is beside it.
    let library = String::from_utf8_lossy(&site[LIBRARY]).to_string();
    assert!(library.contains("elasticlunr") && library.contains("0.9.5"));
}

const SECRET_PATH: &str = "content/procedures/strongroom.md";
const SECRET_ID: &str = "PRC-STRONGROOM";
const SECRET_TITLE: &str = "Strongroom Access Procedure";
const SECRET_PHRASE: &str = "QUOKKA-HARPSICHORD-4482";

fn with_secret() -> Fixture {
    Fixture::clean()
        .file(
            SECRET_PATH,
            format!(
                "---\nid: {SECRET_ID}\ntitle: {SECRET_TITLE}\ntype: procedure\nclassification: confidential\nversion: \"0.1\"\nstatus: draft\nowner: CISO\n---\n\n## Purpose\n\nThe code word is {SECRET_PHRASE}.\n\n## Scope\n\nThe strongroom.\n"
            ),
        )
        .commit("add a confidential procedure")
}

fn assert_absent(site: &BTreeMap<String, Vec<u8>>, present: bool) {
    let text = index_text(site);
    let index = index_json(site);
    let verb = if present {
        "is missing from"
    } else {
        "leaks into"
    };
    // Its id, title and phrase as text (the store, the filters)…
    for secret in [SECRET_ID, SECRET_TITLE, SECRET_PHRASE, "strongroom"] {
        let found = text.contains(secret) || text.contains(&secret.to_lowercase());
        assert_eq!(found, present, "`{secret}` {verb} the search index");
    }
    // …and as the terms it would be found by (stems: `harpsichord` may lose its ending).
    for term in ["quokk", "harpsich", "strongro"] {
        assert_eq!(
            indexed(&index, term),
            present,
            "the term `{term}…` {verb} the search index"
        );
    }
}

#[test]
fn documents_above_max_classification_are_not_indexed() {
    let f = with_secret();
    let site = build_ok(&f);
    assert!(!site.contains_key("docs/procedures/strongroom.html"));
    assert_absent(&site, false);
    assert_eq!(stored(&index_json(&site)).len(), PUBLISHED.len());

    // The same document is indexed once its classification may be published: the check above
    // looks for what would be there.
    let f = f.file(
        "book.toml",
        format!("{BOOK_TOML}\n[output.html]\nmax-classification = \"confidential\"\n"),
    );
    let site = build_ok(&f);
    assert_absent(&site, true);
    let docs = stored(&index_json(&site));
    assert_eq!(docs[SECRET_ID]["url"], "docs/procedures/strongroom.html");
}

#[test]
fn the_index_is_reproducible_and_follows_the_documents() {
    let f = Fixture::clean();
    let first = index_text(&build_ok(&f));
    let second = index_text(&build_ok(&f));
    assert!(
        first == second,
        "two builds of the same commit give different indexes"
    );
    // …and it is in the manifest, so `verify` compares it.
    let site = build_ok(&f);
    let manifest: Value = serde_json::from_slice(&site["manifest.json"]).unwrap();
    assert!(manifest["files"].get(INDEX).is_some(), "{manifest}");
    assert!(manifest["files"].get(LIBRARY).is_some(), "{manifest}");

    assert!(!indexed(&index_json(&site), "pelican"));
    let f = f.edit(
        POLICY_PATH,
        "We continually improve the ISMS.",
        "We continually improve the ISMS with PELICAN-TURBINE reviews.",
    );
    // (A preview: the approved policy changed without a new version.)
    let out = f.run(&["build", "--today", TODAY, "--allow-errors"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let changed = f.tree("site");
    assert!(
        indexed(&index_json(&changed), "pelican"),
        "the edit is not indexed"
    );
    let changed = index_text(&changed);
    assert_ne!(first, changed);
}

#[test]
fn every_page_has_the_search_form_and_loads_search_lazily() {
    let site = build_ok(&Fixture::clean());
    let pages: Vec<(&String, String)> = site
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8_lossy(b).to_string()))
        .collect();
    assert!(pages.len() >= 13, "{:?}", site.keys());
    for (path, html) in &pages {
        let root = "../".repeat(path.matches('/').count());
        for needle in [
            "<form role=\"search\" id=\"search-form\"".to_string(),
            "<input type=\"search\" id=\"search-input\"".to_string(),
            "<label for=\"search-input\"".to_string(),
            "id=\"search-type\"".to_string(),
            "id=\"search-status\"".to_string(),
            "<div id=\"search-results\" class=\"search-results\" aria-live=\"polite\">".to_string(),
            format!("data-root=\"{root}\""),
            // What the script inserts on first use, relative to the page.
            format!("data-search-library=\"{root}{LIBRARY}\""),
            format!("data-search-index=\"{root}{INDEX}\""),
            format!("<script src=\"{root}assets/js/policybook.js\" defer></script>"),
        ] {
            assert!(html.contains(&needle), "site/{path} lacks `{needle}`");
        }
        // Neither is loaded up front: the script inserts them on first use.
        assert!(
            !html.contains(&format!("src=\"{root}{INDEX}\"")),
            "site/{path}"
        );
        assert!(
            !html.contains("elasticlunr.min.js\"></script>"),
            "site/{path}"
        );
        assert!(!html.contains(" onclick=") && !html.contains(" oninput="));
    }
    // The filters offer the published documents' types and statuses.
    let index = String::from_utf8_lossy(&site["index.html"]).to_string();
    for option in [
        "<option value=\"policy\">policy</option>",
        "<option value=\"approved\">approved</option>",
    ] {
        assert!(index.contains(option), "index.html lacks `{option}`");
    }
    // The script loads both lazily and builds results from text, never markup.
    let js = String::from_utf8_lossy(&site["assets/js/policybook.js"]).to_string();
    for needle in [
        "data-search-library",
        "data-search-index",
        "createElement(\"script\")",
        "addEventListener(\"focus\", load)",
        "search-result",
        "textContent",
    ] {
        assert!(js.contains(needle), "policybook.js lacks `{needle}`");
    }
    assert!(!js.contains("innerHTML"), "policybook.js uses innerHTML");
}
