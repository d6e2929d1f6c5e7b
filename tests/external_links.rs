//! `check --external` against a local HTTP server on 127.0.0.1 that answers 200, 404, a redirect,
//! 405 to HEAD, and slowly.

mod common;

use casebook::links::ExternalOptions;
use common::Fixture;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// (method, path, user agent, when) of every request.
type Log = Arc<Mutex<Vec<(String, String, String, Instant)>>>;

fn start_server() -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        // Bounded: the test makes fewer requests than this.
        for stream in listener.incoming().take(40) {
            let Ok(mut stream) = stream else { continue };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut agent = String::new();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    if let Some(value) = header.to_ascii_lowercase().strip_prefix("user-agent:") {
                        agent = value.trim().to_string();
                    }
                }
                let mut parts = request_line.split_whitespace();
                let (method, path) = (
                    parts.next().unwrap_or("").to_string(),
                    parts.next().unwrap_or("").to_string(),
                );
                seen.lock()
                    .unwrap()
                    .push((method.clone(), path.clone(), agent, Instant::now()));
                let response = match (method.as_str(), path.as_str()) {
                    (_, "/ok") => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_string(),
                    (_, "/moved") => {
                        "HTTP/1.1 301 Moved\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n"
                            .to_string()
                    }
                    ("HEAD", "/no-head") => {
                        "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n".to_string()
                    }
                    ("GET", "/no-head") => {
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_string()
                    }
                    (_, "/slow") => {
                        std::thread::sleep(Duration::from_secs(3));
                        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_string()
                    }
                    _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string(),
                };
                // One request per connection: a client must not send another on it (it would
                // find it reset).
                let response = response.replacen("\r\n", "\r\nConnection: close\r\n", 1);
                let _ = stream.write_all(response.as_bytes());
            });
        }
    });
    (base, log)
}

/// The progress lines `check --external` was told.
static PROGRESS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

#[test]
fn dead_links_are_reported_where_they_are_written_and_requests_are_spaced_per_host() {
    let (base, log) = start_server();
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/links.zh.md",
        &format!(
            "---\ntitle: 链接\naspect: trade\ndate: 2023-01-01\nsource: {base}/gone-source\n---\n[a]({base}/ok) [b]({base}/gone)\n\n[c]({base}/moved) [d]({base}/no-head)\n\n[e]({base}/slow)\n"
        ),
    );
    let mut options = casebook::BuildOptions::new(site.root());
    options.external = Some(ExternalOptions {
        user_agent: "casebook-test/1".into(),
        // Well under /slow's 3 s, and long enough that a loaded machine answers the others.
        timeout: Duration::from_millis(2500),
        delay_per_host: Duration::from_millis(150),
        concurrency: 4,
        progress: Some(|line| PROGRESS.lock().unwrap().push(line.to_string())),
        // Off a terminal (as here, or in CI), a bar asked for gives the lines instead.
        bar: true,
    });
    let report = casebook::check(&options);
    // Sites are asked at once, so their lines come in any order.
    let mut progress = PROGRESS.lock().unwrap().clone();
    progress.sort();
    assert_eq!(
        progress,
        [
            // The fixture's own source address.
            "checking 1 link on example.org (site 2 of 2)".to_string(),
            format!(
                "checking 6 links on {} (site 1 of 2)",
                base.trim_start_matches("http://")
            ),
        ],
        "one line as each site's links start being asked"
    );
    let dead: Vec<(usize, usize, String)> = report
        .diagnostics
        .iter()
        .filter(|d| d.file == "content/practices/links.zh.md")
        .map(|d| (d.line, d.column, d.message.replace(&base, "")))
        .collect();
    assert_eq!(
        dead,
        [
            (
                5,
                9,
                "dead link /gone-source: the server answers 404".to_string()
            ),
            // `[a](BASE/ok) ` comes first on the line.
            (
                7,
                base.len() + 10,
                "dead link /gone: the server answers 404".to_string()
            ),
            (11, 1, "dead link /slow: no answer in time".to_string()),
        ]
    );
    assert!(
        report.diagnostics.iter().all(|d| !d.is_error()),
        "dead links are warnings"
    );

    let log = log.lock().unwrap();
    assert!(
        log.iter()
            .all(|(_, _, agent, _)| agent == "casebook-test/1"),
        "{log:?}"
    );
    let mut times: Vec<Instant> = log.iter().map(|(.., t)| *t).collect();
    times.sort();
    // Checks of one host wait for each other: 6 URLs make 5 gaps of 150 ms (a redirect and a
    // HEAD-then-GET are follow-ups within one check). Without spacing the span would be a few
    // milliseconds; a margin of one gap absorbs connection set-up.
    let span = *times.last().unwrap() - times[0];
    assert!(span >= Duration::from_millis(4 * 150), "{span:?}");
}

#[test]
fn a_normal_build_never_checks_external_links() {
    let (base, log) = start_server();
    let site = Fixture::copy("basic");
    site.write(
        "content/practices/links.zh.md",
        &format!("---\ntitle: 链接\naspect: trade\ndate: 2023-01-01\n---\n[a]({base}/gone)\n"),
    );
    site.build_ok();
    assert!(
        casebook::check(&casebook::BuildOptions::new(site.root()))
            .diagnostics
            .iter()
            .all(|d| !d.message.contains("dead link"))
    );
    assert!(log.lock().unwrap().is_empty());
}
