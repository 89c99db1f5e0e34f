//! Markdown → safe HTML for one document: heading anchors identical to the outline's, relative
//! `.md` links rewritten to the pages they become, links to unpublished documents reduced to
//! their text, and everything sanitised with ammonia (raw HTML is allowed in Markdown, so a
//! document could otherwise carry script into every reader's browser).

use crate::content::outline::{self, Anchors};
use crate::validate::links::{Target, resolve};
use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::sync::LazyLock;

/// What the renderer needs to know about link targets.
pub trait LinkContext {
    /// Whether a path below src is a published document.
    fn is_published_document(&self, path: &str) -> bool;
    /// Whether a path below src is a Markdown document at all (published or not).
    fn is_document(&self, path: &str) -> bool;
}

/// The markup a rendered document may keep (ammonia's defaults, plus what pulldown-cmark
/// writes: heading ids, code classes, task-list checkboxes, table alignment). The portal and
/// the evidence pack both start from this, so they allow the same markup.
pub fn sanitizer<'a>() -> ammonia::Builder<'a> {
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["id"])
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("span", ["class"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tags(["input"])
        .add_tag_attributes("th", ["align", "scope"])
        .add_tag_attributes("td", ["align"]);
    b
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = sanitizer();
    b.link_rel(Some("noopener noreferrer"))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .id_prefix(None);
    b
});

/// Renders the body of the document at `rel_path` (below src). A leading `# Title` equal to
/// the document's title is left out: the page header already shows it.
pub fn to_html(rel_path: &str, body: &str, title: &str, links: &dyn LinkContext) -> String {
    let mut anchors = Anchors::default();
    let mut events: Vec<Event> = Parser::new_ext(body, outline::options()).collect();
    let leading_title_end = match events.first() {
        Some(Event::Start(Tag::Heading {
            level: pulldown_cmark::HeadingLevel::H1,
            ..
        })) => events
            .iter()
            .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
            .filter(|&end| {
                let text: String = events[1..end]
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                text.trim().eq_ignore_ascii_case(title.trim())
            }),
        _ => None,
    };

    // Headings: give each the anchor the outline computed (same algorithm, same order).
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) = &events[i]
        {
            let end = events[i..]
                .iter()
                .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
                .map_or(events.len(), |p| i + p);
            let text: String = events[i + 1..end]
                .iter()
                .filter_map(|e| match e {
                    Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let anchor = anchors.next(&text, id.as_deref());
            events[i] = Event::Start(Tag::Heading {
                level: *level,
                id: Some(CowStr::from(anchor)),
                classes: classes.clone(),
                attrs: attrs.clone(),
            });
        }
        i += 1;
    }

    // Links: `.md` → `.html`; links to unpublished documents keep only their text.
    let mut dropped_links = 0usize;
    let mut out_events = Vec::with_capacity(events.len());
    let skip = leading_title_end.map_or(0, |end| end + 1);
    for event in events.into_iter().skip(skip) {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => match rewrite(rel_path, &dest_url, links) {
                Rewrite::Keep => out_events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })),
                Rewrite::To(url) => out_events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(url),
                    title,
                    id,
                })),
                Rewrite::Drop => dropped_links += 1,
            },
            Event::End(TagEnd::Link) if dropped_links > 0 => dropped_links -= 1,
            other => out_events.push(other),
        }
    }

    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out_events.into_iter());
    SANITIZER.clean(&html).to_string()
}

enum Rewrite {
    Keep,
    To(String),
    Drop,
}

fn rewrite(rel_path: &str, dest: &str, links: &dyn LinkContext) -> Rewrite {
    match resolve(rel_path, dest) {
        Target::External | Target::Outside => Rewrite::Keep,
        Target::Local { path, anchor } => {
            if !links.is_document(&path) {
                return Rewrite::Keep;
            }
            if !links.is_published_document(&path) {
                return Rewrite::Drop;
            }
            let (file_part, _) = dest.split_once('#').unwrap_or((dest, ""));
            let file_part = file_part.split('?').next().unwrap_or("");
            if file_part.is_empty() {
                return Rewrite::Keep; // same-page anchor
            }
            let html = match file_part.strip_suffix(".md") {
                Some(stem) => format!("{stem}.html"),
                None => file_part.to_string(),
            };
            Rewrite::To(match anchor {
                Some(a) => format!("{html}#{a}"),
                None => html,
            })
        }
    }
}

/// Text for the search index and summaries: the body without markup.
pub fn plain_text(body: &str) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(body, outline::options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The set of document paths, for `LinkContext`.
pub struct Paths {
    pub all: HashSet<String>,
    pub published: HashSet<String>,
}

impl Paths {
    /// The files of `site` and which of them are published.
    pub fn of(site: &crate::Site) -> Paths {
        Paths {
            all: site
                .documents()
                .iter()
                .map(|d| d.rel_path.clone())
                .collect(),
            published: site.published().map(|d| d.rel_path.clone()).collect(),
        }
    }
}

impl LinkContext for Paths {
    fn is_published_document(&self, path: &str) -> bool {
        self.published.contains(path)
    }
    fn is_document(&self, path: &str) -> bool {
        self.all.contains(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Paths {
        Paths {
            all: ["a.md", "b.md", "secret.md"].map(String::from).into(),
            published: ["a.md", "b.md"].map(String::from).into(),
        }
    }

    #[test]
    fn script_is_removed_and_links_rewritten() {
        let html = to_html(
            "a.md",
            "# Scope\n\n<script>alert(1)</script>\n\n[b](b.md#scope) [x](javascript:alert(1)) [s](secret.md)\n",
            "T",
            &paths(),
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains(r#"<h1 id="scope">"#), "{html}");
        assert!(html.contains(r#"href="b.html#scope""#), "{html}");
        assert!(!html.contains("secret"), "{html}");
    }
}

#[cfg(test)]
mod title_tests {
    use super::*;

    #[test]
    fn leading_title_heading_is_dropped_but_others_kept() {
        let paths = Paths {
            all: Default::default(),
            published: Default::default(),
        };
        let html = to_html("a.md", "# My Policy\n\n## Scope\n", "My Policy", &paths);
        assert!(!html.contains("<h1"), "{html}");
        assert!(html.contains(r#"<h2 id="scope">"#), "{html}");
        let html = to_html("a.md", "# Other\n", "My Policy", &paths);
        assert!(html.contains("<h1"), "{html}");
    }
}
