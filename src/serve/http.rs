//! The preview server: the build directory over HTTP on the loopback interface only, a small
//! live-reload script injected into HTML responses (never into the built files, so the site on
//! disk stays what `build` writes), and a server-sent-events stream that tells open pages to
//! reload, or shows the last build's problems in an overlay.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the page script and the event stream live; no built file can have these paths
/// (policybook writes no file or directory starting with `__`).
pub const EVENTS: &str = "/__policybook/events";
pub const SCRIPT: &str = "/__policybook/live.js";

const LIVE_JS: &str = include_str!("live.js");

/// How often an idle event stream is written to. tiny_http gives a stream's thread no way to
/// see the page close except a failed write, so this bounds how long a closed page's thread
/// lives (two intervals: the first write after the close still succeeds). Fourteen bytes a
/// second on loopback cost nothing.
const KEEP_ALIVE: Duration = Duration::from_secs(1);

/// The open pages' event streams and the status every new page is told first.
#[derive(Default)]
pub struct Hub {
    clients: Mutex<Vec<Sender<String>>>,
    status: Mutex<String>,
}

fn event(name: &str, data: &str) -> String {
    // JSON from serde_json has no raw newlines, so one `data:` line carries it.
    format!("event: {name}\ndata: {data}\n\n")
}

impl Hub {
    /// Tells every open page to reload.
    pub fn reload(&self) {
        self.broadcast(&event("reload", "{}"));
    }

    /// Records the last build's status (JSON: `{"ok": bool, "title", "problems": [..]}`) and
    /// sends it to every open page.
    pub fn set_status(&self, json: String) {
        let message = event("status", &json);
        *self.status.lock().expect("no hub user panicked") = json;
        self.broadcast(&message);
    }

    fn broadcast(&self, message: &str) {
        self.clients
            .lock()
            .expect("no hub user panicked")
            .retain(|client| client.send(message.to_string()).is_ok());
    }

    fn subscribe(&self) -> Receiver<String> {
        let (sender, receiver) = mpsc::channel();
        let status = self.status.lock().expect("no hub user panicked").clone();
        if !status.is_empty() {
            let _ = sender.send(event("status", &status));
        }
        self.clients
            .lock()
            .expect("no hub user panicked")
            .push(sender);
        receiver
    }

    /// How many pages are listening (for tests and the log).
    pub fn listeners(&self) -> usize {
        self.clients.lock().expect("no hub user panicked").len()
    }
}

/// Binds 127.0.0.1:`port` (0: any free port). Never another interface: the preview shows
/// drafts and errors that are not for the network.
pub fn bind(port: u16) -> Result<tiny_http::Server, crate::Error> {
    tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|source| crate::Error::Bind { port, source })
}

/// Whether a request's `Host` names this server as the browser reached it: `127.0.0.1:PORT`
/// or `localhost:PORT` (the port may be left out only when it is 80). Any other name means a
/// page of another site reached the preview through DNS rebinding: it gets no page and no
/// event stream, drafts included.
pub fn host_allowed(host: Option<&str>, port: u16) -> bool {
    let Some(host) = host.map(str::trim) else {
        return false;
    };
    let (name, given) = match host.rsplit_once(':') {
        Some((name, given)) => (name, given.parse::<u16>().ok()),
        None => (host, Some(80)),
    };
    given == Some(port) && (name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1")
}

/// Answers requests until the server is unblocked: files from `root`, the script, events.
/// `port` is the one the server listens on (for the `Host` check).
pub fn serve(server: Arc<tiny_http::Server>, root: PathBuf, hub: Arc<Hub>, port: u16) {
    for request in server.incoming_requests() {
        let host = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str());
        if !host_allowed(host, port) {
            let _ = request.respond(text(
                421,
                "misdirected request: the preview answers only to Host 127.0.0.1 or localhost with its port",
            ));
            continue;
        }
        let path = request
            .url()
            .split(['?', '#'])
            .next()
            .unwrap_or("/")
            .to_string();
        if path == EVENTS {
            let hub = Arc::clone(&hub);
            std::thread::spawn(move || stream_events(request, &hub));
            continue;
        }
        let response = if !matches!(
            request.method(),
            tiny_http::Method::Get | tiny_http::Method::Head
        ) {
            text(405, "method not allowed")
        } else if path == SCRIPT {
            body(
                200,
                "text/javascript; charset=utf-8",
                LIVE_JS.as_bytes().to_vec(),
            )
        } else {
            match resolve(&root, &path) {
                Some(file) => file_response(&file),
                None => text(404, "not found"),
            }
        };
        let _ = request.respond(response);
    }
}

fn stream_events(request: tiny_http::Request, hub: &Hub) {
    let mut writer = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n";
    if writer
        .write_all(head.as_bytes())
        .and_then(|_| writer.flush())
        .is_err()
    {
        return;
    }
    let events = hub.subscribe();
    loop {
        let message = match events.recv_timeout(KEEP_ALIVE) {
            Ok(message) => message,
            // A comment line keeps an idle stream open, and finds closed pages: the write after
            // the page went away fails, and the thread ends.
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if writer
            .write_all(message.as_bytes())
            .and_then(|_| writer.flush())
            .is_err()
        {
            return;
        }
    }
}

/// The file of the build directory that `url_path` names, if it is inside it. Percent-escapes
/// are decoded first; any `..`, backslash, NUL or drive prefix makes it not found, and so does
/// a resolved path (after symbolic links) outside the build directory.
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }
    let relative = Path::new(decoded.trim_start_matches('/'));
    let mut path = root.to_path_buf();
    for component in relative.components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if path.is_dir() {
        path.push("index.html");
    }
    let canonical = path.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    (canonical.starts_with(&root) && canonical.is_file()).then_some(canonical)
}

/// The file's media type by its extension (mime_guess), text types in UTF-8, as policybook
/// writes every text. Markdown and CSV attachments are shown as plain text.
fn content_type(path: &Path) -> String {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if matches!(ext, "md" | "csv") {
        return "text/plain; charset=utf-8".into();
    }
    let mime = mime_guess::from_ext(ext).first_or_octet_stream();
    let text = mime.type_() == mime_guess::mime::TEXT
        || matches!(mime.subtype().as_str(), "javascript" | "json" | "xml");
    if text {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

fn file_response(path: &Path) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let Ok(mut bytes) = std::fs::read(path) else {
        return text(404, "not found");
    };
    let kind = content_type(path);
    if kind.starts_with("text/html") {
        bytes = inject(bytes);
    }
    body(200, &kind, bytes)
}

/// Adds the live-reload script before `</body>` (or at the end).
fn inject(html: Vec<u8>) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT}\"></script>");
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn body(status: u16, kind: &str, bytes: Vec<u8>) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut response = tiny_http::Response::from_data(bytes).with_status_code(status);
    for (name, value) in [
        ("Content-Type", kind),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
    ] {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    response
}

fn text(status: u16, message: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    body(
        status,
        "text/plain; charset=utf-8",
        message.as_bytes().to_vec(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_the_extension_text_in_utf8() {
        let of = |name: &str| content_type(Path::new(name));
        assert_eq!(of("index.html"), "text/html; charset=utf-8");
        assert_eq!(of("assets/style.css"), "text/css; charset=utf-8");
        assert!(of("assets/search.js").ends_with("javascript; charset=utf-8"));
        assert_eq!(of("search-index.json"), "application/json; charset=utf-8");
        assert_eq!(of("logo.png"), "image/png");
        assert_eq!(of("logo.svg"), "image/svg+xml");
        assert_eq!(of("evidence.pdf"), "application/pdf");
        assert_eq!(of("attachments/risk.csv"), "text/plain; charset=utf-8");
        assert_eq!(of("notes.md"), "text/plain; charset=utf-8");
        assert_eq!(of("blob.unknownext"), "application/octet-stream");
        assert_eq!(of("no-extension"), "application/octet-stream");
    }

    #[test]
    fn resolve_stays_inside_the_build_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("index.html"), "home").unwrap();
        std::fs::write(root.join("docs/a b.html"), "a").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        let found = |p: &str| resolve(&root, p).map(|f| std::fs::read_to_string(f).unwrap());
        assert_eq!(found("/").as_deref(), Some("home"));
        assert_eq!(found("/docs/a%20b.html").as_deref(), Some("a"));
        assert_eq!(found("/../secret.txt"), None);
        assert_eq!(found("/docs/../../secret.txt"), None);
        assert_eq!(found("/%2e%2e/secret.txt"), None);
        assert_eq!(found("/docs/..%2f..%2fsecret.txt"), None);
        assert_eq!(found("/docs\\..\\..\\secret.txt"), None);
        assert_eq!(found("/missing.html"), None);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt"))
                .unwrap();
            assert_eq!(found("/link.txt"), None);
        }
    }

    #[test]
    fn only_loopback_names_with_the_port_are_hosts_of_the_preview() {
        for good in ["127.0.0.1:3000", "localhost:3000", "LocalHost:3000"] {
            assert!(host_allowed(Some(good), 3000), "{good}");
        }
        for bad in [
            None,
            Some("evil.example:3000"),
            Some("evil.example"),
            Some("localhost"),
            Some("localhost:3001"),
            Some("127.0.0.1.evil.example:3000"),
            Some("localhost.:3000"),
            Some("[::1]:3000"),
            Some(""),
        ] {
            assert!(!host_allowed(bad, 3000), "{bad:?}");
        }
        assert!(host_allowed(Some("localhost"), 80));
    }

    #[test]
    fn the_script_goes_before_the_closing_body_tag() {
        let out =
            String::from_utf8(inject(b"<html><body><p>x</p></BODY></html>".to_vec())).unwrap();
        assert_eq!(
            out,
            format!("<html><body><p>x</p><script src=\"{SCRIPT}\"></script></BODY></html>")
        );
    }
}
