//! `casebook serve` in-process: a copy of a fixture is served on a free port, edited, and watched
//! through the event stream a page would open. Every wait is bounded; none asserts on timing.

mod common;

use casebook::BuildOptions;
use casebook::serve::{Cause, ServeOptions, Server};
use common::Fixture;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The longest any one event may take to arrive before a test fails (instead of hanging).
const PATIENCE: Duration = Duration::from_secs(30);

const PAGE: &str = "content/practices/cold-chain.zh.md";

fn serve(fixture: &Fixture) -> Server {
    let mut options = ServeOptions::new(fixture.root());
    options.port = 0;
    casebook::serve::start(options).expect("the server starts")
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request, sent exactly as written (no normalization of the target), on its own connection.
fn request(server: &Server, method: &str, target: &str, host: &str) -> Response {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    // A server that turns the connection away may answer and close before reading the request.
    let _ = write!(
        stream,
        "{method} {target} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn get(server: &Server, target: &str) -> Response {
    request(server, "GET", target, &server.addr().to_string())
}

/// `/tags/冷链/` as a browser sends it.
fn encode(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A page's view of the server: the event stream at `/__casebook/events`.
struct Events {
    reader: BufReader<TcpStream>,
}

#[derive(Debug)]
struct Event {
    name: String,
    data: String,
}

impl Event {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

impl Events {
    /// Connects and reads up to the first event, `hello`: from then on no event is missed.
    fn connect(server: &Server) -> Events {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        write!(
            stream,
            "GET /__casebook/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            server.addr()
        )
        .unwrap();
        let mut events = Events {
            reader: BufReader::new(stream),
        };
        let status = events.line();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let mut content_type = String::new();
        loop {
            let line = events.line();
            if line.is_empty() {
                break;
            }
            if line.to_ascii_lowercase().starts_with("content-type:") {
                content_type = line;
            }
        }
        assert!(content_type.contains("text/event-stream"), "{content_type}");
        let hello = events.next();
        assert_eq!(hello.name, "hello");
        events
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self
            .reader
            .read_line(&mut line)
            .expect("an event within the time allowed");
        assert!(n > 0, "the server closed the event stream");
        line.trim_end_matches(['\r', '\n']).to_string()
    }

    fn next(&mut self) -> Event {
        let (mut name, mut data) = (String::new(), Vec::new());
        // The server's keep-alive comments come more often than the read times out.
        let deadline = Instant::now() + PATIENCE;
        loop {
            assert!(Instant::now() < deadline, "no event in time");
            let line = self.line();
            if line.is_empty() {
                if !name.is_empty() {
                    return Event {
                        name,
                        data: data.join("\n"),
                    };
                }
                continue;
            }
            if let Some(value) = line.strip_prefix("event: ") {
                name = value.to_string();
            } else if let Some(value) = line.strip_prefix("data: ") {
                data.push(value.to_string());
            }
        }
    }

    /// Skips events until one named `name` arrives (within [`PATIENCE`]).
    fn wait_for(&mut self, name: &str) -> Event {
        let deadline = Instant::now() + PATIENCE;
        loop {
            assert!(Instant::now() < deadline, "no `{name}` event in time");
            let event = self.next();
            if event.name == name {
                return event;
            }
        }
    }

    /// Waits for a `reload` whose changed files include `path`.
    fn wait_for_reload_of(&mut self, path: &str) -> Event {
        let deadline = Instant::now() + PATIENCE;
        loop {
            assert!(Instant::now() < deadline, "no reload of {path} in time");
            let event = self.wait_for("reload");
            if event.json()["files"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == path)
            {
                return event;
            }
        }
    }
}

/// An editor's atomic save: a temporary file beside the target, renamed over it.
fn save_atomically(fixture: &Fixture, path: &str, text: &str) {
    let target = fixture.root().join(path);
    let temporary = target.with_file_name(format!(
        ".{}.tmp",
        target.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, &target).unwrap();
}

fn read(fixture: &Fixture, path: &str) -> String {
    std::fs::read_to_string(fixture.root().join(path)).unwrap()
}

/// The served bytes without the live-reload tag, which only serve mode adds.
fn without_live_script(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let start = "<script src=\"/__casebook/live.js\" data-build=\"";
    let Some(at) = text.find(start) else {
        return bytes.to_vec();
    };
    let end = text[at..].find("</script>").unwrap() + at + "</script>".len();
    assert!(!text[end..].contains(start), "the script is injected once");
    format!("{}{}", &text[..at], &text[end..]).into_bytes()
}

#[test]
fn an_edit_reloads_open_pages_and_serves_the_new_text() {
    let fixture = Fixture::copy("basic");
    let server = serve(&fixture);
    let page = get(&server, "/practices/cold-chain/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("/__casebook/live.js"));
    let mut events = Events::connect(&server);

    fixture.write(
        PAGE,
        &format!("{}\n第一次修改的段落。\n", read(&fixture, PAGE)),
    );
    events.wait_for_reload_of("practices/cold-chain/index.html");
    assert!(
        get(&server, "/practices/cold-chain/")
            .text()
            .contains("第一次修改的段落。")
    );

    // A save through a temporary file and a rename is seen under the real name.
    let text = read(&fixture, PAGE).replace("第一次修改的段落。", "原子保存的段落。");
    save_atomically(&fixture, PAGE, &text);
    events.wait_for_reload_of("practices/cold-chain/index.html");
    let page = get(&server, "/practices/cold-chain/").text();
    assert!(page.contains("原子保存的段落。"), "{page}");
    assert!(!page.contains("第一次修改的段落。"));
    server.shutdown();
}

/// A server with this debounce time, and the report of each of its builds.
fn serve_reporting(
    fixture: &Fixture,
    debounce: Duration,
) -> (
    Server,
    std::sync::mpsc::Receiver<casebook::serve::BuildReport>,
) {
    let (reports, received) = std::sync::mpsc::channel();
    let mut options = ServeOptions::new(fixture.root());
    options.port = 0;
    options.debounce = debounce;
    options.on_build = Some(Box::new(move |report: &casebook::serve::BuildReport| {
        let _ = reports.send(report.clone());
    }));
    (casebook::serve::start(options).unwrap(), received)
}

#[test]
fn one_save_is_one_rebuild() {
    let fixture = Fixture::copy("basic");
    // Long enough that no scheduler hiccup can split one save into two bursts.
    let (server, received) = serve_reporting(&fixture, Duration::from_millis(300));
    let next = || received.recv_timeout(PATIENCE).expect("a build in time");
    assert_eq!(next().cause, Cause::Start);

    // vim's save: the file renamed to a backup, written anew, the backup removed. Every step
    // raises events; the page never builds without the file.
    let target = fixture.root().join(PAGE);
    let backup = target.with_file_name("cold-chain.zh.md~");
    let text = read(&fixture, PAGE);
    std::fs::rename(&target, &backup).unwrap();
    std::fs::write(&target, format!("{text}\n保存一次。\n")).unwrap();
    std::fs::remove_file(&backup).unwrap();
    let first = next();
    assert_eq!(first.cause, Cause::Changed(vec![PAGE.to_string()]));
    assert!(!first.failed, "{}", first.line());

    // Then another file: its rebuild must be the very next one.
    fixture.write("content/about.zh.md", "---\ntitle: 关于\n---\n改过。\n");
    let second = next();
    assert_eq!(
        second.cause,
        Cause::Changed(vec!["content/about.zh.md".to_string()])
    );
    assert!(
        second
            .line()
            .starts_with("rebuilt after content/about.zh.md changed: "),
        "{}",
        second.line()
    );
    drop(server);
}

#[test]
fn files_written_without_pause_do_not_hold_back_the_preview() {
    let fixture = Fixture::copy("basic");
    let (_server, received) = serve_reporting(&fixture, Duration::from_millis(200));
    assert_eq!(received.recv_timeout(PATIENCE).unwrap().cause, Cause::Start);
    // A generator writing a file every few milliseconds, never quiet for the debounce time: the
    // preview still rebuilds while it runs.
    let writing = Instant::now();
    let mut n = 0;
    let rebuilt = loop {
        n += 1;
        fixture.write(
            "content/about.zh.md",
            &format!("---\ntitle: 关于\n---\n第 {n} 版。\n"),
        );
        std::thread::sleep(Duration::from_millis(20));
        if let Ok(report) = received.try_recv() {
            break report;
        }
        assert!(
            writing.elapsed() < PATIENCE,
            "no rebuild while files kept changing"
        );
    };
    assert!(
        matches!(rebuilt.cause, Cause::Changed(_)),
        "{}",
        rebuilt.line()
    );
}

#[test]
fn a_broken_edit_shows_its_errors_and_keeps_the_last_good_site() {
    let fixture = Fixture::copy("basic");
    let server = serve(&fixture);
    let mut events = Events::connect(&server);
    let good = read(&fixture, PAGE);
    assert_eq!(good.lines().nth(2), Some("aspect: green"));

    fixture.write(PAGE, &good.replace("aspect: green", "aspect: grean"));
    let errors = events.wait_for("errors").json();
    let found = errors["diagnostics"].as_array().unwrap();
    let here = found
        .iter()
        .find(|d| d["file"] == PAGE)
        .unwrap_or_else(|| panic!("no diagnostic for {PAGE}: {found:?}"));
    assert_eq!(here["line"], 3);
    assert_eq!(here["severity"], "error");
    // The overlay shows what the terminal prints.
    let options = BuildOptions {
        base_url: Some(server.url().to_string()),
        drafts: true,
        serve_mode: true,
        ..BuildOptions::new(fixture.root())
    };
    let expected = casebook::diagnostics::to_human(&casebook::check(&options).diagnostics, false);
    assert_eq!(errors["text"], expected);
    assert!(
        expected.contains(&format!("{PAGE}:3:9: error:")),
        "{expected}"
    );

    // Still up, still serving the last good page.
    let page = get(&server, "/practices/cold-chain/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("冷链物流标准化"));
    // A page opened now learns of the errors as soon as it connects.
    let mut late = Events::connect(&server);
    assert_eq!(late.next().name, "errors");

    fixture.write(
        PAGE,
        &good.replace("冷链物流标准化", "冷链物流标准化（修订）"),
    );
    events.wait_for("ok");
    events.wait_for_reload_of("practices/cold-chain/index.html");
    late.wait_for("ok");
    assert!(
        get(&server, "/practices/cold-chain/")
            .text()
            .contains("冷链物流标准化（修订）")
    );
}

#[test]
fn a_stylesheet_change_is_swapped_without_a_reload() {
    let fixture = Fixture::copy("basic");
    let server = serve(&fixture);
    let mut events = Events::connect(&server);
    let theme_css = get(&server, "/style.css");
    assert_eq!(
        theme_css.header("Content-Type"),
        Some("text/css; charset=utf-8")
    );

    let css = "body { background: rgb(1, 2, 3); }\n";
    fixture.write("static/style.css", css);
    // Creating static/ and the file may be seen as one burst or two; every event is `css`.
    let deadline = Instant::now() + PATIENCE;
    loop {
        assert!(
            Instant::now() < deadline,
            "the new stylesheet was not served in time"
        );
        let event = events.next();
        assert_eq!(event.name, "css", "{event:?}");
        let files = event.json()["files"].clone();
        assert!(
            files.as_array().unwrap().contains(&"style.css".into()),
            "{files}"
        );
        if get(&server, "/style.css?casebook=2").text() == css {
            break;
        }
    }
}

#[test]
fn nothing_outside_the_site_is_served() {
    let fixture = Fixture::copy("basic");
    fixture.write("secret.txt", "do not serve\n");
    let server = serve(&fixture);
    for target in [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/practices/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/\\secret.txt",
        "/index.html%00",
        "/%00",
        "//secret.txt",
        "/secret.txt",
        "/site.yaml",
        "/content/practices/cold-chain.zh.md",
    ] {
        let response = get(&server, target);
        assert!(
            matches!(response.status, 400 | 404),
            "{target}: {}",
            response.status
        );
        let body = response.text();
        assert!(
            !body.contains("do not serve") && !body.contains("root:"),
            "{target}"
        );
    }
    // The preview answers only to local names: a page elsewhere cannot read it by pointing its
    // own name at 127.0.0.1.
    let foreign = request(&server, "GET", "/", "evil.example");
    assert_eq!(foreign.status, 403);
    assert_eq!(request(&server, "GET", "/", "localhost").status, 200);
    let post = request(&server, "POST", "/", "localhost");
    assert_eq!(post.status, 405);
}

#[test]
fn files_folders_redirects_and_the_404_page() {
    let fixture = Fixture::copy("basic");
    let server = serve(&fixture);
    let missing = get(&server, "/no/such/page/");
    assert_eq!(missing.status, 404);
    let site_404 = get(&server, "/404.html");
    assert_eq!(
        without_live_script(&missing.body),
        without_live_script(&site_404.body),
        "the site's own 404 page"
    );
    assert!(missing.text().contains("/__casebook/live.js"));

    let redirect = get(&server, "/practices/cold-chain");
    assert_eq!(redirect.status, 302);
    assert_eq!(redirect.header("Location"), Some("/practices/cold-chain/"));
    let home = get(&server, "/");
    assert_eq!(
        home.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.header("Cache-Control"), Some("no-store"));
    assert_eq!(get(&server, "/index.html").body, home.body);
    assert_eq!(
        get(&server, "/atom.xml").header("Content-Type"),
        Some("application/xml; charset=utf-8")
    );
    assert_eq!(
        get(&server, "/robots.txt").header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    // Canonical links point at the preview, and drafts are shown.
    assert!(home.text().contains(&format!("href=\"{}\"", server.url())));
    assert_eq!(get(&server, "/practices/unfinished/").status, 200);
    // HEAD: the headers of GET, no body.
    let head = request(&server, "HEAD", "/", "localhost");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    // Chinese paths, percent-encoded as browsers send them.
    let tag = server
        .served_paths()
        .into_iter()
        .find(|p| p.starts_with("tags/") && !p.is_ascii())
        .expect("a Chinese tag page");
    assert_eq!(get(&server, &encode(&format!("/{tag}"))).status, 200);
}

#[test]
fn after_any_edits_the_served_site_equals_a_fresh_build() {
    let fixture = Fixture::copy("basic");
    let server = serve(&fixture);
    let mut events = Events::connect(&server);

    fixture.write(PAGE, &format!("{}\n修改一。\n", read(&fixture, PAGE)));
    events.wait_for_reload_of("practices/cold-chain/index.html");

    // A burst of edits without waiting: a new page, a removed one, a changed title, an atomic
    // save, a changed site title. The last edit, of a page no other edit touches, marks the end.
    fixture.write(
        "content/practices/new-one.zh.md",
        "---\ntitle: 新的做法\naspect: trade\ndate: 2024-05-01\ntags: [新标签]\n---\n正文。\n",
    );
    std::fs::remove_file(fixture.root().join("content/practices/older-green.zh.md")).unwrap();
    let joint = "content/practices/joint-delivery.zh.md";
    fixture.write(
        joint,
        &read(&fixture, joint).replace("统仓共配\n", "统仓共配（二）\n"),
    );
    let english = "content/practices/cold-chain.en.md";
    save_atomically(
        &fixture,
        english,
        &read(&fixture, english).replace("Background", "Context"),
    );
    fixture.write(
        "site.yaml",
        &read(&fixture, "site.yaml").replace("测试案例集", "测试案例集二"),
    );
    fixture.write(
        "content/about.zh.md",
        &format!("{}\n最后的修改。\n", read(&fixture, "content/about.zh.md")),
    );
    events.wait_for_reload_of("about/index.html");

    // A broken edit, then its fix with different text.
    fixture.write(
        PAGE,
        &read(&fixture, PAGE).replace("date: 2023-01-19", "date: 2023-02-30"),
    );
    events.wait_for("errors");
    fixture.write(
        PAGE,
        &read(&fixture, PAGE).replace("date: 2023-02-30", "date: 2023-02-28"),
    );
    events.wait_for("ok");
    events.wait_for_reload_of("practices/cold-chain/index.html");

    // The site's own strings: every page shows them.
    fixture.write("strings.yaml", "zh:\n  home: 起始页\n");
    events.wait_for_reload_of("about/index.html");

    // A new folder with a page and its image; then the image replaced, and a file renamed.
    let bundle = "content/practices/bundled/index.zh.md";
    fixture.write(
        bundle,
        "---\ntitle: 带图的做法\naspect: trade\ndate: 2024-06-01\n---\n![图](map.svg)\n",
    );
    let image = "content/practices/bundled/map.svg";
    fixture.write(
        image,
        "<svg xmlns='http://www.w3.org/2000/svg' width='4' height='3'/>",
    );
    events.wait_for_reload_of("practices/bundled/index.html");
    fixture.write(
        image,
        "<svg xmlns='http://www.w3.org/2000/svg' width='8' height='6'/>",
    );
    events.wait_for("reload");
    std::fs::rename(
        fixture.root().join("content/practices/new-one.zh.md"),
        fixture.root().join("content/practices/renamed.zh.md"),
    )
    .unwrap();
    events.wait_for_reload_of("practices/renamed/index.html");
    // A new file alone, and a removed one alone.
    fixture.write(
        "content/practices/alone.zh.md",
        "---\ntitle: 单独的做法\naspect: trade\ndate: 2024-07-01\n---\n正文。\n",
    );
    events.wait_for_reload_of("practices/alone/index.html");
    std::fs::remove_file(fixture.root().join("content/practices/renamed.zh.md")).unwrap();
    events.wait_for_reload_of("practices/renamed/index.html");

    // Every edit above was seen before its event arrived; should the kernel have split a burst
    // after all, the rebuild still pending brings one more reload.
    while let Some(difference) = difference_from_a_fresh_build(&server, &fixture) {
        eprintln!("{difference}; waiting for a rebuild still pending");
        events.wait_for("reload");
    }
}

/// What differs between the served site and a fresh build of the same tree, if anything.
fn difference_from_a_fresh_build(server: &Server, fixture: &Fixture) -> Option<String> {
    let options = BuildOptions {
        base_url: Some(server.url().to_string()),
        drafts: true,
        serve_mode: true,
        ..BuildOptions::new(fixture.root())
    };
    let (fresh, diagnostics) = casebook::render(&options);
    let fresh = fresh.unwrap_or_else(|| panic!("{diagnostics:?}"));
    let mut fresh_paths: Vec<&str> = (fresh.files.iter().map(|f| f.path.as_str()))
        .chain(fresh.copied.iter().map(|c| c.path.as_str()))
        .collect();
    fresh_paths.sort_unstable();
    assert!(fresh_paths.contains(&"practices/alone/index.html"));
    assert!(!fresh_paths.contains(&"practices/renamed/index.html"));
    assert!(fresh_paths.contains(&"practices/bundled/map.svg"));
    assert!(!fresh_paths.contains(&"practices/older-green/index.html"));
    let served = server.served_paths();
    if served != fresh_paths {
        return Some(format!(
            "served {served:?}, a fresh build has {fresh_paths:?}"
        ));
    }
    for file in &fresh.files {
        let response = get(server, &encode(&format!("/{}", file.path)));
        assert_eq!(response.status, 200, "{}", file.path);
        if without_live_script(&response.body) != file.bytes {
            return Some(format!("{} differs from a fresh build", file.path));
        }
    }
    for asset in &fresh.copied {
        let response = get(server, &encode(&format!("/{}", asset.path)));
        if response.body != std::fs::read(&asset.source).unwrap() {
            return Some(format!("{} differs from its file", asset.path));
        }
    }
    None
}

#[test]
fn a_site_that_does_not_build_at_first_is_served_once_fixed() {
    let fixture = Fixture::copy("basic");
    let good = read(&fixture, "site.yaml");
    fixture.write(
        "site.yaml",
        &good.replace("default_language: zh", "default_language: [zh"),
    );
    let server = serve(&fixture);
    let placeholder = get(&server, "/");
    assert_eq!(placeholder.status, 503);
    assert!(placeholder.text().contains("/__casebook/live.js"));
    let mut events = Events::connect(&server);
    let errors = events.next();
    assert_eq!(errors.name, "errors");
    assert_eq!(errors.json()["diagnostics"][0]["file"], "site.yaml");

    fixture.write("site.yaml", &good);
    events.wait_for("ok");
    events.wait_for("reload");
    assert_eq!(get(&server, "/").status, 200);
}

#[test]
fn shutdown_stops_answering() {
    let fixture = Fixture::copy("basic");
    let server = serve(&fixture);
    let addr = server.addr();
    let _events = Events::connect(&server);
    server.shutdown();
    // The listener is closed once shutdown returns: a connection is refused, or if one got in
    // it is reset, never answered.
    if let Ok(mut stream) = TcpStream::connect(addr) {
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let _ = stream.write_all(b"GET / HTTP/1.0\r\n\r\n");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    }
}

/// A request whose head is over the limit is answered 431 (or the connection closed before the
/// answer could be read) instead of read whole, and the server goes on.
#[test]
fn a_request_head_over_the_limit_gets_431_and_the_server_goes_on() {
    let fixture = Fixture::copy("basic");
    let server = serve(&fixture);
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sending = std::thread::spawn(move || {
        let mut head = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ".to_vec();
        head.extend(std::iter::repeat_n(b'a', 1 << 20));
        head.extend_from_slice(b"\r\n\r\n");
        let _ = writer.write_all(&head);
    });
    let mut answer = Vec::new();
    // A reset after the answer leaves what was read in `answer`.
    let _ = stream.read_to_end(&mut answer);
    sending.join().unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431 "),
        "{}",
        answer.lines().next().unwrap_or_default()
    );
    assert_eq!(get(&server, "/").status, 200);
}

/// Past the limit of connections served at once, a new one is told the server is busy; once the
/// others close, it serves again.
#[test]
fn connections_past_the_limit_are_turned_away_until_others_close() {
    let fixture = Fixture::copy("basic");
    let server = serve(&fixture);
    let idle: Vec<TcpStream> = (0..casebook::serve::MAX_CONNECTIONS)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    let busy = get(&server, "/");
    assert_eq!(busy.status, 503, "{}", busy.text());
    drop(idle);
    let deadline = Instant::now() + PATIENCE;
    while get(&server, "/").status != 200 {
        assert!(
            Instant::now() < deadline,
            "no answer after the others closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `casebook serve` fed an endless request head by several connections at once reads a bounded
/// part of each and does not grow.
#[cfg(target_os = "linux")]
#[test]
fn endless_request_heads_do_not_grow_the_server() {
    use std::process::{Command, Stdio};
    const FLOOD: usize = 16 << 20;
    let fixture = Fixture::copy("basic");
    /// Stops the server however the test ends.
    struct Running(std::process::Child);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args(["serve", "--port", "0", "--root"])
            .arg(fixture.root())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let address = BufReader::new(child.0.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            let rest = line.split("http://").nth(1)?;
            Some(rest.split('/').next()?.to_string())
        })
        .expect("serve prints its address");
    let proc_status = format!("/proc/{}/status", child.0.id());
    let resident = || {
        let text = std::fs::read_to_string(&proc_status).unwrap();
        let line = text.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<usize>()
            .unwrap()
            * 1024
    };
    // The site is up (and its first build's memory counted) before the flood.
    let mut first = TcpStream::connect(&address).unwrap();
    first.set_read_timeout(Some(PATIENCE)).unwrap();
    first
        .write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut status = [0u8; 12];
    first.read_exact(&mut status).unwrap();
    assert_eq!(&status[8..], b" 200");
    let before = resident();
    let floods: Vec<_> = (0..4)
        .map(|_| {
            let address = address.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&address).unwrap();
                stream
                    .set_write_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                stream
                    .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Flood: ")
                    .unwrap();
                let chunk = vec![b'a'; 64 << 10];
                let mut sent = 0;
                while sent < FLOOD {
                    match stream.write(&chunk) {
                        Ok(n) => sent += n,
                        Err(_) => break,
                    }
                }
                (sent, stream)
            })
        })
        .collect();
    let floods: Vec<(usize, TcpStream)> = floods.into_iter().map(|f| f.join().unwrap()).collect();
    let after = resident();
    drop(child);
    for (sent, _) in &floods {
        assert!(*sent < FLOOD, "the server read a whole {FLOOD}-byte head");
    }
    assert!(
        after < before + (8 << 20),
        "the server grew from {before} to {after} bytes"
    );
}
