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
    let mut events: Vec<Event> = Parser::new_ext(body, outline::options()).collect();
    let skip = leading_title_end(&events, title).map_or(0, |end| end + 1);
    anchor_headings(&mut events);
    let out_events = rewrite_links(rel_path, events.into_iter().skip(skip), links);
    events_to_html(out_events, body.len())
}

/// The text of a heading's events (its inline text and code).
fn heading_text(events: &[Event]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect()
}

/// Where a leading `# Title` equal to the document's `title` ends (the index of its end
/// event), if the body starts with one.
fn leading_title_end(events: &[Event], title: &str) -> Option<usize> {
    match events.first() {
        Some(Event::Start(Tag::Heading {
            level: pulldown_cmark::HeadingLevel::H1,
            ..
        })) => events
            .iter()
            .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
            .filter(|&end| {
                heading_text(&events[1..end])
                    .trim()
                    .eq_ignore_ascii_case(title.trim())
            }),
        _ => None,
    }
}

/// Gives each heading the anchor the outline computed (same algorithm, same order).
fn anchor_headings(events: &mut [Event]) {
    let mut anchors = Anchors::default();
    for i in 0..events.len() {
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
            let text = heading_text(&events[i + 1..end]);
            let anchor = anchors.next(&text, id.as_deref());
            events[i] = Event::Start(Tag::Heading {
                level: *level,
                id: Some(CowStr::from(anchor)),
                classes: classes.clone(),
                attrs: attrs.clone(),
            });
        }
    }
}

/// Links: `.md` → `.html`; links to unpublished documents keep only their text.
fn rewrite_links<'a>(
    rel_path: &str,
    events: impl ExactSizeIterator<Item = Event<'a>>,
    links: &dyn LinkContext,
) -> Vec<Event<'a>> {
    let mut dropped_links = 0usize;
    let mut out_events = Vec::with_capacity(events.len());
    for event in events {
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
    out_events
}

/// The HTML of a document's events, sanitised.
///
/// Events that are all [`plain`] cannot make unsafe HTML: no raw HTML, no attributes but the
/// ones pulldown-cmark escapes, links only relative or to the schemes listed in [`SCHEMES`].
/// Their HTML is what ammonia would make of it, byte for byte (the unit tests check this on
/// every kind of plain event), so it is written directly, with the `rel` that the sanitiser
/// would add to each link: parsing and re-serialising it was about 8% of a cold build.
/// Anything else goes through ammonia.
fn events_to_html(events: Vec<Event>, size_hint: usize) -> String {
    let mut html = String::with_capacity(size_hint * 3 / 2);
    if events.iter().all(plain) {
        // In debug builds (every `cargo test` run, so every page of every test fixture), the
        // claim above is checked on the page itself: a pulldown-cmark or ammonia upgrade that
        // breaks it fails the tests instead of publishing unsanitised HTML.
        #[cfg(debug_assertions)]
        let through_sanitiser = {
            let mut raw = String::new();
            pulldown_cmark::html::push_html(&mut raw, events.clone().into_iter());
            SANITIZER.clean(&raw).to_string()
        };
        pulldown_cmark::html::push_html(&mut html, events.into_iter().map(with_link_rel));
        #[cfg(debug_assertions)]
        assert_eq!(
            html, through_sanitiser,
            "the fast path wrote other HTML than the sanitiser would"
        );
        html
    } else {
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        SANITIZER.clean(&html).to_string()
    }
}

/// For the differential fuzz target (`fuzz/`, `tests/fuzz_regressions.rs`): when every event of
/// `markdown` takes the fast path, the HTML it writes and the HTML the sanitiser makes of the
/// same events, which must be equal; `None` when the page would go through the sanitiser anyway.
#[doc(hidden)]
pub fn fast_path_and_sanitiser(markdown: &str) -> Option<(String, String)> {
    let events: Vec<Event> = Parser::new_ext(markdown, outline::options()).collect();
    if !events.iter().all(plain) {
        return None;
    }
    let mut raw = String::new();
    pulldown_cmark::html::push_html(&mut raw, events.clone().into_iter());
    let mut fast = String::new();
    pulldown_cmark::html::push_html(&mut fast, events.into_iter().map(with_link_rel));
    Some((fast, SANITIZER.clean(&raw).to_string()))
}

/// The schemes a plain link may name; other absolute links go through the sanitiser (which
/// keeps its own list of allowed schemes).
const SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Whether an event is one whose HTML, as pulldown-cmark writes it, is safe and exactly what
/// the sanitiser would write: see [`events_to_html`].
fn plain(event: &Event) -> bool {
    match event {
        Event::Start(tag) => match tag {
            Tag::Paragraph
            | Tag::List(_)
            | Tag::Item
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::BlockQuote(None)
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell
            | Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Indented) => true,
            // Aligned columns get a `style` the sanitiser removes.
            Tag::Table(alignments) => alignments
                .iter()
                .all(|a| matches!(a, pulldown_cmark::Alignment::None)),
            Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Fenced(info)) => info
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_+.".contains(c)),
            Tag::Heading {
                id, classes, attrs, ..
            } => {
                classes.is_empty()
                    && attrs.is_empty()
                    && id.as_deref().is_none_or(|id| {
                        id.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    })
            }
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                title.is_empty()
                    && !matches!(link_type, pulldown_cmark::LinkType::Email)
                    && plain_url(dest_url)
            }
            _ => false,
        },
        Event::End(_) | Event::SoftBreak => true,
        Event::Text(text) | Event::Code(text) => !text.contains(['"', '\u{a0}', '\r', '\0']),
        _ => false,
    }
}

/// A link target written the same by pulldown-cmark and the sanitiser, and allowed by both:
/// URL characters that need no escaping (but `&`), and relative or with a listed scheme.
fn plain_url(url: &str) -> bool {
    let characters = url
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~/#?=%:+@,;!$*()&".contains(c));
    let scheme = url
        .split(['/', '?', '#'])
        .next()
        .and_then(|first| first.split_once(':'))
        .map(|(scheme, _)| scheme);
    characters && !url.is_empty() && scheme.is_none_or(|s| SCHEMES.contains(&s))
}

/// A link's opening tag as the sanitiser writes it: with `rel="noopener noreferrer"`.
fn with_link_rel(event: Event) -> Event {
    match event {
        Event::Start(Tag::Link { dest_url, .. }) => {
            let mut tag = String::with_capacity(dest_url.len() + 40);
            tag.push_str("<a href=\"");
            pulldown_cmark_escape::escape_href(&mut tag, &dest_url)
                .expect("writing to a String does not fail");
            tag.push_str("\" rel=\"noopener noreferrer\">");
            Event::InlineHtml(CowStr::from(tag))
        }
        other => other,
    }
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
mod plain_tests {
    use super::*;

    fn events(markdown: &str) -> Vec<Event<'_>> {
        Parser::new_ext(markdown, outline::options()).collect()
    }

    /// What the sanitiser makes of the events' HTML.
    fn sanitised(markdown: &str) -> String {
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events(markdown).into_iter());
        SANITIZER.clean(&html).to_string()
    }

    /// Every kind of plain event, written directly, is exactly what the sanitiser writes.
    #[test]
    fn plain_events_are_written_as_the_sanitiser_writes_them() {
        let samples = [
            "## 1. Purpose {#purpose}\n\nText with *emphasis*, **strong**, ~~struck~~ and `code`.\n",
            "A [relative link](../procedures/prc-0002.md#scope) and [another](b.html?x=1&y=2).\n",
            "Links out: [site](https://example.com/a_b-c.d~e/(x)?q=1#frag), <https://example.com/auto>, [mail](mailto:dpo@example.com).\n",
            "- one\n- two\n  - nested\n\n1. first\n2. second\n",
            "> quoted\n> text\n",
            "```rust\nfn main() {}\n```\n\n    indented code\n",
            "| Role | Duty |\n| --- | --- |\n| CISO | owns & approves |\n",
            "Entities &copy; and <, >, & in text; a soft\nbreak; unicode é ü 日本.\n",
            "# Title\n\n### Deep heading\n\nParagraph.\n",
        ];
        for sample in samples {
            let evs = events(sample);
            assert!(evs.iter().all(plain), "not plain: {sample:?}");
            assert_eq!(events_to_html(evs, 0), sanitised(sample), "{sample:?}");
        }
    }

    /// What the sanitiser must see: raw HTML, unknown schemes, attributes it would drop.
    #[test]
    fn anything_else_is_sanitised() {
        let samples = [
            "<script>alert(1)</script>\n",
            "Inline <b onclick=\"x()\">html</b>.\n",
            "[x](javascript:alert(1))\n",
            "[x](JavaScript:alert(1))\n",
            "[x](data:text/html;base64,PHNjcmlwdD4=)\n",
            "[x](<javascript:alert(1)>)\n",
            "[x](https://example.com \"a title\")\n",
            "## Heading {.class onclick=alert(1)}\n",
            "![img](https://example.com/x.png)\n",
            "Footnote[^1].\n\n[^1]: Note.\n",
            "- [ ] task\n",
            "Say \"quoted\".\n",
            "Hard  \nbreak\n",
            "---\n",
            "| a |\n| :-: |\n| b |\n",
        ];
        for sample in samples {
            let evs = events(sample);
            assert!(!evs.iter().all(plain), "plain: {sample:?}");
            let html = events_to_html(evs, 0);
            assert_eq!(html, sanitised(sample), "{sample:?}");
            assert!(
                !html.contains("javascript") && !html.contains("JavaScript"),
                "{html}"
            );
            assert!(
                !html.contains("onclick") && !html.contains("<script"),
                "{html}"
            );
        }
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
