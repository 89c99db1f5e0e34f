//! `policybook serve`: HTTP on loopback, live-reload events after an edit, the error overlay's
//! status, and no path outside the build directory.

use crate::support::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Generous bound for "eventually": a hung server fails the test instead of hanging it. Not a
/// performance assertion.
const PATIENCE: Duration = Duration::from_secs(60);

struct Served {
    child: Child,
    port: u16,
    log: mpsc::Receiver<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(f: &Fixture, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policybook"))
        .arg("--root")
        .arg(f.path())
        .args(["serve", "--port", "0", "--today", TODAY])
        .args(extra)
        .current_dir(f.path())
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start policybook serve");
    let stderr = child.stderr.take().unwrap();
    let (send, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut served = Served {
        child,
        port: 0,
        log,
    };
    let line = served.wait_for_line("serving ");
    let port = line
        .rsplit("127.0.0.1:")
        .next()
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    served.port = port;
    served
}

impl Served {
    fn wait_for_line(&mut self, needle: &str) -> String {
        loop {
            match self.log.recv_timeout(PATIENCE) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(e) => panic!("serve never printed {needle:?}: {e}"),
            }
        }
    }

    /// A raw GET (the path is sent as given, `..` and all); status code and body.
    fn get(&self, path: &str) -> (u16, String) {
        self.get_as(&format!("localhost:{}", self.port), path)
    }

    /// A raw GET with the `Host` header given.
    fn get_as(&self, host: &str, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// Opens the event stream; returns a receiver of its `event:` names with their data.
    fn events(&self) -> mpsc::Receiver<(String, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "GET /__policybook/events HTTP/1.1\r\nHost: localhost:{}\r\n\r\n",
            self.port
        )
        .unwrap();
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let mut name = String::new();
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = n.to_string();
                } else if let Some(data) = line.strip_prefix("data: ")
                    && send.send((name.clone(), data.to_string())).is_err()
                {
                    break;
                }
            }
        });
        receive
    }
}

fn next_event(events: &mpsc::Receiver<(String, String)>, name: &str) -> String {
    loop {
        match events.recv_timeout(PATIENCE) {
            Ok((n, data)) if n == name => return data,
            Ok(_) => {}
            Err(e) => panic!("no {name} event: {e}"),
        }
    }
}

#[test]
fn serve_answers_on_loopback_injects_live_reload_and_refuses_paths_outside_the_site() {
    let f = Fixture::clean().committed();
    let served = serve(&f, &[]);
    let (status, body) = served.get("/");
    assert_eq!(status, 200);
    assert!(body.contains("<script src=\"/__policybook/live.js\"></script>"));
    // The built file itself carries no script: the site on disk is what `build` writes.
    let on_disk = std::fs::read_to_string(f.join("site/index.html")).unwrap();
    assert!(!on_disk.contains("__policybook"));
    assert_eq!(served.get("/__policybook/live.js").0, 200);
    assert_eq!(
        served
            .get("/docs/policies/information-security-policy.html")
            .0,
        200
    );
    for outside in [
        "/../book.toml",
        "/docs/../../book.toml",
        "/%2e%2e/book.toml",
        "/docs/..%2f..%2fbook.toml",
        "/..%5cbook.toml",
        "/missing.html",
    ] {
        assert_eq!(served.get(outside).0, 404, "{outside}");
    }
    // Loopback only: the listening socket's own address is 127.0.0.1 (a socket bound to
    // 0.0.0.0 answers on 127.0.0.1 too, so a connect there proves nothing) ...
    #[cfg(target_os = "linux")]
    assert_eq!(
        listening_addresses(served.port),
        vec!["127.0.0.1".to_string()],
        "serve must listen on 127.0.0.1 only"
    );
    // ... and the machine's own non-loopback address, when it has one, is refused.
    if let Some(ip) = non_loopback_address() {
        assert!(
            TcpStream::connect_timeout(&(ip, served.port).into(), Duration::from_secs(5)).is_err(),
            "serve answered on {ip}"
        );
    }
}

/// The local addresses of the IPv4 and IPv6 sockets listening on `port`, read from
/// /proc/net/tcp{,6} as `ss -ltn` reads them.
#[cfg(target_os = "linux")]
fn listening_addresses(port: u16) -> Vec<String> {
    let mut out = Vec::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        let Ok(table) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in table.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(&"0A")) = (fields.get(1), fields.get(3)) else {
                continue; // 0A: LISTEN
            };
            let Some((addr, hex_port)) = local.split_once(':') else {
                continue;
            };
            if u16::from_str_radix(hex_port, 16) != Ok(port) {
                continue;
            }
            out.push(if v6 {
                format!("ipv6 {addr}")
            } else {
                // Little-endian hex, as the kernel prints it.
                let n = u32::from_str_radix(addr, 16).unwrap();
                std::net::Ipv4Addr::from(n.swap_bytes()).to_string()
            });
        }
    }
    out
}

/// The address this machine would send from to a public network, if it is not loopback (a
/// UDP "connect" sends nothing; it only picks the route).
fn non_loopback_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn serve_answers_only_to_its_own_host_names_pages_and_event_stream_alike() {
    let f = Fixture::clean().committed();
    let served = serve(&f, &[]);
    let port = served.port;
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        assert_eq!(served.get_as(&host, "/").0, 200, "{host}");
    }
    // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("localhost:{}", port.wrapping_add(1)),
    ] {
        for path in [
            "/",
            "/docs/policies/information-security-policy.html",
            "/__policybook/live.js",
            "/__policybook/events",
        ] {
            let (status, body) = served.get_as(&host, path);
            assert_eq!(status, 421, "{host} {path}");
            assert!(!body.contains("Information Security Policy"), "{body}");
            assert!(!body.contains("event:"), "{body}");
        }
    }
}

#[cfg(unix)]
#[test]
fn serve_stops_on_sigterm() {
    // A liveness check, not a timing one: the server ends on SIGTERM (no handler keeps it up).
    let f = Fixture::clean().committed();
    let mut served = serve(&f, &[]);
    let _events = served.events();
    let pid = i32::try_from(served.child.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        if served.child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn an_edit_rebuilds_and_tells_open_pages_to_reload_and_shows_errors_until_fixed() {
    let f = Fixture::clean().committed();
    let mut served = serve(&f, &[]);
    let events = served.events();
    let first = next_event(&events, "status");
    assert!(first.contains("\"ok\":true"), "{first}");

    // A new sentence: the page changes, and the unapproved change is an error in the overlay.
    let policy = f.read(POLICY_PATH);
    std::fs::write(
        f.join(POLICY_PATH),
        policy.replace("## Purpose", "## Purpose\n\nServed sentence."),
    )
    .unwrap();
    let status = next_event(&events, "status");
    assert!(status.contains("\"ok\":false"), "{status}");
    assert!(status.contains("version-not-bumped"), "{status}");
    next_event(&events, "reload");
    served.wait_for_line("built ");
    let (_, page) = served.get("/docs/policies/information-security-policy.html");
    assert!(page.contains("Served sentence."));

    // Putting the text back clears the overlay and reloads again.
    std::fs::write(f.join(POLICY_PATH), &policy).unwrap();
    let status = next_event(&events, "status");
    assert!(status.contains("\"ok\":true"), "{status}");
    next_event(&events, "reload");
    let (_, page) = served.get("/docs/policies/information-security-policy.html");
    assert!(!page.contains("Served sentence."));
}

#[test]
fn the_polling_watcher_sees_edits_too() {
    let f = Fixture::clean().committed();
    let served = serve(&f, &["--poll"]);
    let events = served.events();
    next_event(&events, "status");
    let path = f.join(POLICY_PATH);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("## Purpose", "## Purpose\n\nPolled.")).unwrap();
    next_event(&events, "reload");
    assert!(
        served
            .get("/docs/policies/information-security-policy.html")
            .1
            .contains("Polled.")
    );
}

/// Editors' swap and backup files beside a document are not sources: writing them starts no
/// rebuild, and the edit that follows is the first change serve reports.
#[test]
fn editor_temp_files_do_not_trigger_rebuilds() {
    let f = Fixture::clean().committed();
    let mut served = serve(&f, &[]);
    let events = served.events();
    next_event(&events, "status");
    let path = f.join(POLICY_PATH);
    let dir = path.parent().unwrap().to_path_buf();
    std::fs::write(dir.join(".information-security-policy.md.swp"), b"\0swap").unwrap();
    std::fs::write(dir.join("information-security-policy.md~"), b"backup").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("## Purpose", "## Purpose\n\nSaved.")).unwrap();
    let changed = served.wait_for_line("changed: ");
    assert!(
        changed.contains("information-security-policy.md")
            && !changed.contains(".swp")
            && !changed.contains("md~"),
        "{changed}"
    );
    next_event(&events, "reload");
}

/// The overlay is part of the portal: an error in a document above `max-classification` is
/// counted there, never named (not its file, id or title).
#[test]
fn the_overlay_counts_errors_of_unpublished_documents_without_naming_them() {
    let f = Fixture::clean()
        .file(
            "content/procedures/osprey-vault.md",
            "---\nid: PRC-OSPREY\ntitle: Osprey Vault Procedure\ntype: procedure\nclassification: confidential\nversion: \"0.1\"\nstatus: draft\nowner: NOBODY\n---\n\n## Purpose\n\nThe vault.\n\n## Scope\n\nThe vault.\n",
        )
        .committed();
    let served = serve(&f, &[]);
    let status = next_event(&served.events(), "status");
    assert!(status.contains("\"ok\":false"), "{status}");
    assert!(
        status.contains("1 more in documents that are not published"),
        "{status}"
    );
    for name in ["osprey", "PRC-OSPREY", "Osprey Vault", "NOBODY"] {
        assert!(
            !status.contains(name),
            "the overlay names `{name}`: {status}"
        );
    }
}

#[test]
fn serve_shows_files_without_front_matter_as_unregistered_pages_and_rebuilds_them() {
    let f = Fixture::clean()
        .committed()
        .file(
            "content/imported/05-roles_policy.md",
            "# 5. Roles policy\n\nImported text.\n",
        )
        .commit_as(
            CEO_NAME,
            CEO_EMAIL,
            "2026-03-03T09:00:00Z",
            "Import the roles policy",
        );
    let mut served = serve(&f, &[]);
    let events = served.events();
    let status = next_event(&events, "status");
    assert!(status.contains("front-matter-missing"), "{status}");
    let (code, page) = served.get("/docs/imported/05-roles_policy.html");
    assert_eq!(code, 200);
    assert!(
        page.contains("Unregistered.") && page.contains("Imported text."),
        "{page}"
    );
    let (code, history) = served.get("/history/unregistered/imported/05-roles_policy.html");
    assert_eq!(code, 200);
    assert!(history.contains("Import the roles policy"), "{history}");

    // An edit of its body is rebuilt like any document's.
    std::fs::write(
        f.join("content/imported/05-roles_policy.md"),
        "# 5. Roles policy\n\nEdited text.\n",
    )
    .unwrap();
    next_event(&events, "reload");
    served.wait_for_line("built ");
    let (_, page) = served.get("/docs/imported/05-roles_policy.html");
    assert!(page.contains("Edited text."), "{page}");
}

/// The people file and the acknowledgement records live outside the content directory, and
/// the records directory appears only with the first import: a change of either rebuilds, and
/// the document page's acknowledgement table follows.
#[test]
fn serve_rebuilds_when_the_people_file_or_a_record_file_changes() {
    let people = "email,name,groups,joined,left\nada@example.com,Ada,all-staff,2020-01-01,\n";
    let f = Fixture::clean()
        .file(
            "book.toml",
            format!("{BOOK_TOML}\n[acknowledgement]\npeople = \"people.csv\"\n"),
        )
        .file("people.csv", people)
        .committed();
    let served = serve(&f, &[]);
    let events = served.events();
    next_event(&events, "status");
    let page = || {
        served
            .get("/docs/policies/information-security-policy.html")
            .1
    };
    // Each change may take more than one rebuild to show (the directory, then its file).
    let eventually = |row: &str| {
        while !page().contains(row) {
            next_event(&events, "reload");
        }
    };
    assert!(
        page().contains("<td>all-staff</td><td>1</td><td>0</td>"),
        "{}",
        page()
    );

    // The first import creates the records directory and its first file.
    std::fs::create_dir(f.join("acknowledgements")).unwrap();
    std::fs::write(
        f.join("acknowledgements/a.csv"),
        "email,document,version,content_sha256,at,method,source\n\
         ada@example.com,POL-001,1.0,,2026-03-05T09:00:00Z,form,x\n",
    )
    .unwrap();
    eventually("<td>all-staff</td><td>1</td><td>1</td>");

    // A second record file in the now watched directory.
    std::fs::write(
        f.join("acknowledgements/b.csv"),
        "email,document,version,content_sha256,at,method,source\n\
         bob@example.com,POL-001,1.0,,2026-03-06T09:00:00Z,form,x\n",
    )
    .unwrap();
    // A person joins: two required, both acknowledged.
    std::fs::write(
        f.join("people.csv"),
        format!("{people}bob@example.com,Bob,all-staff,2020-01-01,\n"),
    )
    .unwrap();
    eventually("<td>all-staff</td><td>2</td><td>2</td>");
}
