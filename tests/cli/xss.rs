//! The XSS suite: payloads in the spirit of the OWASP XSS filter-evasion cheat sheet, placed in
//! every place a value reaches the portal from — Markdown bodies, link targets, image sources,
//! front-matter fields, role names, commit messages and trailers (history pages show them) —
//! and none may arrive as live markup. Every built HTML page is parsed with a real HTML parser
//! (html5ever, through scraper) and checked for script elements, event-handler attributes and
//! script-bearing URLs.

use crate::support::*;
use scraper::{Html, Selector};

/// Each payload carries a distinct marker, so a failure says which one got through.
const PAYLOADS: &[&str] = &[
    "<script>alert('X01')</script>",
    "<SCRIPT SRC=http://xss.example/X02.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('X03');\">",
    "<IMG SRC=javascript:alert('X04')>",
    "<IMG SRC=JaVaScRiPt:alert('X05')>",
    "<IMG SRC=`javascript:alert(\"X06\")`>",
    "<IMG \"\"\"><SCRIPT>alert(\"X07\")</SCRIPT>\">",
    "<IMG SRC=# onmouseover=\"alert('X08')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,48,57))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert('X10')\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;X11&#39;&#41;>",
    "<IMG SRC=\"jav\tascript:alert('X12');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('X13');\">",
    "<SCRIPT/XSS SRC=\"http://xss.example/X14.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"X15\")>",
    "<<SCRIPT>alert(\"X16\");//\\<</SCRIPT>",
    "<iframe src=http://xss.example/X17.html <",
    "<svg/onload=alert('X18')>",
    "<svg><script>alert('X19')</script></svg>",
    "<a href=\"javascript:alert('X20')\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgnWDIxJyk8L3NjcmlwdD4=\">x</a>",
    "<BASE HREF=\"javascript:alert('X22');//\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('X23');\">",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"http://xss.example/X24.html\"></OBJECT>",
    "<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoJ1gyNScpPjwvc3ZnPg==\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('X26'))\">",
    "<STYLE>@import'http://xss.example/X27.css';</STYLE>",
    "<TABLE BACKGROUND=\"javascript:alert('X28')\">",
    "<form action=\"javascript:alert('X29')\"><button>x</button></form>",
    "<details open ontoggle=alert('X30')>",
    "\"><script>alert('X31')</script>",
    "'><img src=x onerror=alert('X32')>",
    "</title><script>alert('X33')</script>",
    "{{ site.title }}{% raw %}X34",
];

/// Markdown link and image targets (the URL positions of Markdown itself).
const URLS: &[&str] = &[
    "javascript:alert('U01')",
    "JAVASCRIPT:alert('U02')",
    " javascript:alert('U03')",
    "java\u{9}script:alert('U04')",
    "data:text/html,<script>alert('U05')</script>",
    "vbscript:msgbox('U06')",
    "&#106;avascript:alert('U07')",
];

fn yaml_quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn hostile_fixture() -> Fixture {
    let body_payloads: String = PAYLOADS.iter().map(|p| format!("{p}\n\n")).collect();
    let links: String = URLS
        .iter()
        .enumerate()
        .map(|(i, u)| format!("[link {i}]({u}) ![image {i}]({u}) <{u}>\n\n"))
        .collect();
    let standard = format!(
        "---\nid: STD-XSS\ntitle: {}\ntype: standard\nversion: \"1.0\"\nstatus: draft\nowner: CISO\nclassification: internal\nclauses: [{}]\naudience: [{}]\n---\n\n# Hostile\n\n## Purpose\n\n{body_payloads}\n## Scope\n\n{links}\n## Requirements\n\nNone.\n",
        yaml_quoted(PAYLOADS[0]),
        yaml_quoted(PAYLOADS[31]),
        yaml_quoted(PAYLOADS[2]),
    );
    // A role whose title and responsibilities carry payloads (ids are validated, so they
    // cannot).
    let roles = ROLES.replace(
        "    title: System Administrator",
        &format!(
            "    title: {}\n    responsibilities: [{}, {}]",
            yaml_quoted(PAYLOADS[17]),
            yaml_quoted(PAYLOADS[8]),
            yaml_quoted(PAYLOADS[32])
        ),
    );
    let mut message =
        String::from("<script>alert('C01')</script> \"><img src=x onerror=alert('C02')>\n\n");
    message.push_str("Body <svg/onload=alert('C03')> and javascript:alert('C04').\n\n");
    message.push_str("Reviewed-by: <script>alert('C05')</script> <x@example.com>\nApproved-by: \"><img src=x onerror=alert('C06')> <javascript:alert('C07')>\n");
    Fixture::clean()
        .committed()
        .file("content/standards/xss.md", standard)
        .file(ROLES_PATH, roles)
        .commit_as(
            // git refuses angle brackets in names; quotes and handlers it takes.
            "\" onmouseover=alert('A01') x=\"",
            "a@example.com",
            "2026-03-05T10:00:00Z",
            &message,
        )
        // A second approved version of the policy whose changed lines carry payloads: its
        // history page shows them as rows of the diff between the two versions.
        .edit(POLICY_PATH, "version: \"1.0\"", "version: \"1.1\"")
        .edit(
            POLICY_PATH,
            "We continually improve the ISMS.\n",
            &format!("{}\n\n{}\n", DIFF_PAYLOADS[0], DIFF_PAYLOADS[1]),
        )
        .commit_as(
            "Alice Example",
            "alice@example.com",
            "2026-03-06T10:00:00Z",
            "Information security policy v1.1\n\nApproved-by: Alice Example <alice@example.com>\n",
        )
}

/// Lines the second version of the policy adds: they reach its history page as diff rows.
const DIFF_PAYLOADS: [&str; 2] = [
    "<script>alert('D01')</script> & \"quoted\"",
    "<img src=x onerror=\"alert('D02')\">",
];

fn attribute_is_scripty(value: &str) -> bool {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    squeezed.starts_with("javascript:")
        || squeezed.starts_with("vbscript:")
        || squeezed.starts_with("data:")
        || squeezed.contains("expression(")
}

/// Every way the page could run the payloads' code; empty when it cannot.
fn live_markup(path: &str, html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let all = Selector::parse("*").unwrap();
    let mut found = Vec::new();
    for element in doc.select(&all) {
        let name = element.value().name();
        match name {
            "script" => {
                let src = element.value().attr("src").unwrap_or("");
                let ours = src.ends_with("assets/js/policybook.js")
                    || src.starts_with("assets/")
                    || src.contains("/assets/")
                    || src.ends_with("search-index.js");
                if !ours || element.text().any(|t| !t.trim().is_empty()) {
                    found.push(format!("{path}: <script src={src:?}> {}", element.html()));
                }
            }
            "iframe" | "object" | "embed" | "base" | "frame" | "frameset" | "applet" => {
                found.push(format!("{path}: <{name}> {}", element.html()));
            }
            "meta" if element.value().attr("http-equiv").is_some() => {
                found.push(format!("{path}: {}", element.html()));
            }
            "style" if element.inner_html().contains("xss.example") => {
                found.push(format!("{path}: {}", element.html()));
            }
            _ => {}
        }
        for (attribute, value) in element.value().attrs() {
            let attribute = attribute.to_ascii_lowercase();
            if attribute.starts_with("on") {
                found.push(format!("{path}: <{name} {attribute}={value:?}>"));
            }
            if matches!(
                attribute.as_str(),
                "href"
                    | "src"
                    | "action"
                    | "formaction"
                    | "background"
                    | "data"
                    | "style"
                    | "srcset"
                    | "xlink:href"
            ) && attribute_is_scripty(value)
            {
                found.push(format!("{path}: <{name} {attribute}={value:?}>"));
            }
        }
    }
    found
}

#[test]
fn no_payload_arrives_as_live_markup_anywhere_in_the_portal() {
    let f = hostile_fixture();
    let out = f.run(&["build", "--allow-errors", "--today", TODAY]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = f.tree("site");
    let pages: Vec<(&String, String)> = site
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8_lossy(b).into_owned()))
        .collect();
    assert!(
        pages
            .iter()
            .any(|(p, _)| p.as_str() == "docs/standards/xss.html"),
        "the hostile page was not built: {:?}\n{}",
        pages.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        out.stderr
    );
    assert!(
        pages
            .iter()
            .any(|(p, _)| p.as_str() == "history/STD-XSS.html")
    );
    let mut live = Vec::new();
    for (path, html) in &pages {
        live.extend(live_markup(path, html));
    }
    assert!(live.is_empty(), "live markup:\n{}", live.join("\n"));

    // The payloads are there as text (escaped), not silently dropped where text belongs.
    let page = &pages
        .iter()
        .find(|(p, _)| p.as_str() == "docs/standards/xss.html")
        .unwrap()
        .1;
    let around = |text: &str, marker: &str| {
        text.find(marker)
            .map(|i| text[i.saturating_sub(60)..(i + 40).min(text.len())].to_string())
    };
    assert!(
        around(page, "X01").is_some_and(|t| t.contains("&lt;script&gt;alert(")),
        "the title is not shown escaped: {:?}",
        around(page, "X01")
    );
    let history = &pages
        .iter()
        .find(|(p, _)| p.as_str() == "history/POL-001.html")
        .map(|(_, h)| h.clone());
    let roles_history = &pages
        .iter()
        .find(|(p, _)| p.as_str() == "history/ROL-001.html")
        .unwrap()
        .1;
    assert!(
        roles_history.contains("C01") && roles_history.contains("&lt;script&gt;"),
        "the commit summary is not shown escaped"
    );
    // The diff between the policy's approved versions shows the added payload lines as
    // text, and the line they replace as removed.
    let history = history.as_ref().expect("the policy has a history page");
    assert!(
        history.contains(
            "<span class=\"visually-hidden\">added: </span><code>&lt;script&gt;alert(&#39;D01&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;</code>"
        ),
        "the added line is not shown escaped: {:?}",
        around(history, "D01")
    );
    assert!(
        history.contains("<code>&lt;img src=x onerror=&quot;alert(&#39;D02&#39;)&quot;&gt;</code>"),
        "{:?}",
        around(history, "D02")
    );
    assert!(history.contains(
        "<span class=\"visually-hidden\">removed: </span><code>We continually improve the ISMS.</code>"
    ));
    let roles = &pages
        .iter()
        .find(|(p, _)| p.as_str() == "roles.html")
        .unwrap()
        .1;
    assert!(roles.contains("X18"), "the role title is not shown");

    // JSON outputs never carry markup the portal would execute either: they are data.
    let manifest = String::from_utf8_lossy(&site["manifest.json"]).into_owned();
    serde_json::from_str::<serde_json::Value>(&manifest).expect("manifest is JSON");
}

#[test]
fn the_checker_itself_finds_live_markup() {
    // The detector must be able to fail: a page with each kind of live markup is flagged.
    for html in [
        "<p><script>alert(1)</script></p>",
        "<img src=x onerror=alert(1)>",
        "<a href=\" JaVa\tScRiPt:alert(1)\">x</a>",
        "<a href=\"data:text/html,x\">x</a>",
        "<iframe src=x></iframe>",
        "<meta http-equiv=refresh content=\"0;url=x\">",
        "<form action=\"javascript:x\"></form>",
    ] {
        assert!(
            !live_markup("t.html", html).is_empty(),
            "{html} not flagged"
        );
    }
    assert!(
        live_markup(
            "t.html",
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><a href=\"docs/a.html\">a</a>"
        )
        .is_empty()
    );
}
