//! The pipeline's stages import only downward (issue 15): reads every `crate::` path in
//! `src/**/*.rs` (use lines, groups, inline paths), maps each file and each path to its stage,
//! and fails when a stage imports a later one, or when files import each other in a circle.
//! Tests (`#[cfg(test)] mod tests`) may reach anywhere and are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The pipeline, lowest first. A file may import its own stage and any earlier one.
const STAGES: &[&[&str]] = &[
    &[
        "hex",
        "timing",
        "progress",
        "dates",
        "atomic",
        "prefetch",
        "stat_cache",
    ], // utilities that know nothing of policies
    &["diagnostic", "error"],
    &["config", "requirements"],
    &["content", "acknowledgement"], // acknowledgement: the people and record files, read
    &["history"],
    &["adopt"], // content and the work tree, written: only `cmd` uses it
    &[
        "site",
        "stamp",
        "in_force",
        "rules_at",
        "disclosure",
        "ack_status",
        "custody",
    ],
    &["file_history"], // a view over history, stamps and disclosure
    &["validate"],
    &["pipeline"],                             // config .. validate composed: `load`
    &["approve", "communicate", "ack_import"], // recorded: an approval, a communication, acknowledgements (only `cmd` uses them)
    &["compare"], // two commits loaded and compared: only `cmd` uses it
    &["compliance"],
    &["render"],
    &["incremental", "verify", "up_to_date"], // pipeline and render: re-done per change set, compared; a build skipped
    &["serve"],
    &["cmd"],
    &["lib", "main"],
];

/// Items lib.rs re-exports at the crate root, and the stage each comes from: `crate::Site` is
/// an arrow to `site` like `crate::site::Site` is.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Error", "error"),
    ("Site", "site"),
    ("Code", "diagnostic"),
    ("Diagnostic", "diagnostic"),
    ("Severity", "diagnostic"),
    ("Loaded", "pipeline"),
    ("load", "pipeline"),
    ("load_reusing", "pipeline"),
    ("find_root", "pipeline"),
];

fn level(stage: &str) -> Option<usize> {
    STAGES.iter().position(|names| names.contains(&stage))
}

/// `src/history/walk.rs` → `history::walk`; `src/history/mod.rs` → `history`.
fn module_of(src: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path named after `crate::`, with `use crate::{a, b::c}` groups flattened one level
/// (the crate's own style never nests them deeper; a nested group is reported, not guessed).
fn imports(text: &str) -> Result<BTreeSet<String>, String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        if at > 0 && text[..at].ends_with(is_ident) {
            continue; // `policybook::crate::`-like words, never ours
        }
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').ok_or("an unclosed `use crate::{`")?;
            let inner = &group[..end];
            if inner.contains('{') {
                return Err(format!("a nested group in `use crate::{{{inner}}}`"));
            }
            for item in inner.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                found.insert(item.split(" as ").next().unwrap().trim().to_string());
            }
        } else {
            let end = rest
                .find(|c: char| !(is_ident(c) || c == ':'))
                .unwrap_or(rest.len());
            found.insert(rest[..end].trim_end_matches(':').to_string());
        }
    }
    Ok(found)
}

fn sources(src: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(src, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(cut) => text[..cut].to_string(),
                None => text,
            };
            out.push((module_of(src, &path), text));
        }
    }
}

/// Files that import each other in a circle: the strongly connected components of more than
/// one file (Tarjan's algorithm).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in &s.edges[v] {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let at = s.stack.iter().rposition(|x| *x == v).unwrap();
            let component: Vec<String> = s.stack.drain(at..).map(str::to_string).collect();
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn stages_import_only_downward_and_files_form_no_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    assert!(files.len() > 50, "found only {} source files", files.len());
    let modules: BTreeSet<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, text) in &files {
        let stage = module.split("::").next().unwrap();
        let Some(own) = level(stage) else {
            problems.push(format!(
                "{module}: stage `{stage}` is not in tests/layers.rs's STAGES"
            ));
            continue;
        };
        let targets = edges.entry(module.clone()).or_default();
        let paths = match imports(text) {
            Ok(paths) => paths,
            Err(e) => {
                problems.push(format!("{module}: {e}"));
                continue;
            }
        };
        for path in paths {
            let mut parts: Vec<&str> = path.split("::").collect();
            if let Some((_, stage)) = ROOT_ITEMS.iter().find(|(item, _)| *item == parts[0]) {
                parts = vec![stage];
            }
            let Some(theirs) = level(parts[0]) else {
                problems.push(format!(
                    "{module}: crate::{path} is neither a stage nor a ROOT_ITEM"
                ));
                continue;
            };
            if theirs > own {
                problems.push(format!(
                    "{module}: imports crate::{path}, but `{}` is a later stage than `{stage}`",
                    parts[0]
                ));
            }
            // The longest prefix that is a file of its own is what the file depends on.
            if let Some(target) = (1..=parts.len())
                .rev()
                .map(|n| parts[..n].join("::"))
                .find(|m| modules.contains(m.as_str()))
                && &target != module
            {
                targets.insert(target);
            }
        }
    }
    // Within a stage: `super::x` is an arrow to the parent module (or its child `x`), and a
    // parent's `child::x` an arrow to the child.
    for (module, text) in &files {
        let parent = module.rsplit_once("::").map(|(p, _)| p.to_string());
        let targets = edges.entry(module.clone()).or_default();
        if let Some(parent) = &parent {
            for (at, _) in text.match_indices("super::") {
                let name: String = text[at + 7..]
                    .chars()
                    .take_while(|c| is_ident(*c))
                    .collect();
                let sibling = format!("{parent}::{name}");
                let target = if modules.contains(sibling.as_str()) {
                    sibling
                } else {
                    parent.clone()
                };
                if &target != module {
                    targets.insert(target);
                }
            }
        }
        for child in modules.iter().filter(|c| {
            c.strip_prefix(module.as_str())
                .and_then(|rest| rest.strip_prefix("::"))
                .is_some_and(|rest| !rest.contains("::"))
        }) {
            let name = child.rsplit("::").next().unwrap();
            let used = text
                .match_indices(&format!("{name}::"))
                .any(|(at, _)| !text[..at].ends_with(|c: char| is_ident(c) || c == ':'));
            if used {
                targets.insert(child.to_string());
            }
        }
    }
    for circle in circles(&edges) {
        problems.push(format!(
            "these files import each other in a circle: {}",
            circle.join(", ")
        ));
    }
    assert!(
        problems.is_empty(),
        "the stages must import only downward (order in tests/layers.rs):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_reader_sees_groups_inline_paths_and_root_items() {
    let text = "use crate::{Error, compliance};\nlet x = crate::history::walk::run();\n";
    let found = imports(text).unwrap();
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["Error", "compliance", "history::walk::run"]
    );
    assert!(imports("use crate::{a::{b, c}};").is_err());
}
