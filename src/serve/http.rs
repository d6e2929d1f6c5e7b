//! The HTTP side of `casebook serve`: reading a request's head within bounds, from its target to
//! a file of the site held in memory (pure, with tests), content types, and the responses.
//!
//! A small HTTP/1.1 server of its own, for GET and HEAD: a request's line and headers are read up
//! to [`MAX_HEAD`] bytes (431 past that) and within [`HEAD_TIMEOUT`] (408), bodies are never read
//! (the connection closes after a request that has one), and each connection has a thread of its
//! own, at most [`MAX_CONNECTIONS`] at once (503 past that).

use super::live;
use super::{Shared, Snapshot};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most bytes a request's line and headers may take together: well above what a browser
/// sends (with the cookies other local servers may have left for `localhost`), far below what
/// could hurt.
pub const MAX_HEAD: usize = 16 * 1024;
/// Connections served at once, event streams of open pages included.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a request's head may take to arrive, counted from the connection or the previous
/// answer: an idle or trickling connection is closed then.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a client may take to read an answer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// After an error answer, what is still read (and dropped) before closing, so that a client still
/// sending reads the answer instead of a reset.
const LINGER_BYTES: usize = 2 << 20;
const LINGER_TIME: Duration = Duration::from_secs(2);

/// A request's line and headers.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// As sent: `/practices/x/?q=1`.
    pub target: String,
    /// HTTP/1.1, or else 1.0.
    pub http11: bool,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header of this name (names compare without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client keeps the connection for another request.
    fn keep_alive(&self) -> bool {
        let connection = self.header("Connection").map(str::to_ascii_lowercase);
        match connection {
            Some(c) if c.contains("close") => false,
            Some(c) if c.contains("keep-alive") => true,
            _ => self.http11,
        }
    }

    /// Whether a body follows the head (never read: the connection closes after the answer).
    fn has_body(&self) -> bool {
        self.header("Transfer-Encoding").is_some()
            || self
                .header("Content-Length")
                .is_some_and(|n| n.trim() != "0")
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub enum HeadError {
    /// The connection closed, or stayed idle, before a request began: nothing to answer.
    Closed,
    /// Over [`MAX_HEAD`] bytes: 431.
    TooLarge,
    /// Not all there in [`HEAD_TIMEOUT`]: 408.
    TimedOut,
    /// Not HTTP/1.0 or 1.1: 505.
    Version,
    /// Anything else: 400.
    Malformed(&'static str),
}

impl HeadError {
    fn answer(&self) -> Option<(u16, &'static str)> {
        match self {
            HeadError::Closed => None,
            HeadError::TooLarge => Some((431, "the request's headers are too large\n")),
            HeadError::TimedOut => Some((408, "the request took too long to arrive\n")),
            HeadError::Version => Some((505, "casebook serve speaks HTTP/1.0 and HTTP/1.1\n")),
            HeadError::Malformed(why) => Some((400, why)),
        }
    }
}

/// Reads one request's head: at most [`MAX_HEAD`] bytes, whatever the client sends. Empty lines
/// before the request line are skipped (within the same bound).
pub fn read_head(reader: &mut impl BufRead) -> Result<Request, HeadError> {
    let mut head: Vec<u8> = Vec::new();
    let mut skipped = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) && head.is_empty() => return Err(HeadError::Closed),
            Err(e) if is_timeout(&e) => return Err(HeadError::TimedOut),
            Err(_) => return Err(HeadError::Closed),
        };
        if available.is_empty() {
            return Err(if head.is_empty() {
                HeadError::Closed
            } else {
                HeadError::Malformed("the request ended before its headers did\n")
            });
        }
        if head.is_empty() {
            let blank = available
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            if blank > 0 {
                skipped += blank;
                reader.consume(blank);
                if skipped > MAX_HEAD {
                    return Err(HeadError::TooLarge);
                }
                continue;
            }
        }
        let searched_from = head.len().saturating_sub(3);
        let take = available.len().min(MAX_HEAD + 1 - head.len());
        let before = head.len();
        head.extend_from_slice(&available[..take]);
        if let Some(end) = end_of_head(&head, searched_from) {
            reader.consume(end - before);
            head.truncate(end);
            return parse_head(&head);
        }
        reader.consume(take);
        if head.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// Where the head ends (after its empty line), searching from `from`.
fn end_of_head(head: &[u8], from: usize) -> Option<usize> {
    (from..head.len()).find_map(|i| {
        if head[i..].starts_with(b"\r\n\r\n") {
            Some(i + 4)
        } else if head[i..].starts_with(b"\n\n") {
            Some(i + 2)
        } else if head[i..].starts_with(b"\n\r\n") {
            Some(i + 3)
        } else {
            None
        }
    })
}

/// The request line and the headers of a complete head.
fn parse_head(head: &[u8]) -> Result<Request, HeadError> {
    let text = std::str::from_utf8(head)
        .map_err(|_| HeadError::Malformed("the request's head is not text\n"))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed(
            "the request line is not METHOD TARGET HTTP/1.1\n",
        ));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) || target.is_empty() {
        return Err(HeadError::Malformed(
            "the request line is not METHOD TARGET HTTP/1.1\n",
        ));
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        v if v.starts_with("HTTP/") => return Err(HeadError::Version),
        _ => {
            return Err(HeadError::Malformed(
                "the request line is not METHOD TARGET HTTP/1.1\n",
            ));
        }
    };
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(HeadError::Malformed("a header line has no colon\n"));
        };
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(HeadError::Malformed("a header's name is not valid\n"));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        http11,
        headers,
    })
}

/// The connections being served, so that there are never more than [`MAX_CONNECTIONS`] and
/// stopping the server can close them all.
#[derive(Default)]
pub struct Connections {
    next: AtomicU64,
    open: Mutex<HashMap<u64, TcpStream>>,
}

/// A connection's place among [`Connections`], given back when dropped.
pub struct Admitted {
    id: u64,
    connections: Arc<Connections>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        super::lock(&self.connections.open).remove(&self.id);
    }
}

impl Connections {
    /// A place for `stream`, unless [`MAX_CONNECTIONS`] are taken.
    pub fn admit(self: &Arc<Self>, stream: &TcpStream) -> Option<Admitted> {
        let mut open = super::lock(&self.open);
        if open.len() >= MAX_CONNECTIONS {
            return None;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        open.insert(id, stream.try_clone().ok()?);
        Some(Admitted {
            id,
            connections: Arc::clone(self),
        })
    }

    /// Closes every connection: their threads see it and end.
    pub fn close_all(&self) {
        for stream in super::lock(&self.open).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Tells a connection past the limit to come back later, and closes it.
pub fn turn_away(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = send(
        &mut stream,
        &Answer::text(
            503,
            "casebook serve is answering too many connections; try again\n",
        )
        .with("Retry-After", "1"),
        false,
        true,
    );
    let _ = stream.shutdown(Shutdown::Write);
    // Closing with the request unread would reset the connection, and the client could lose the
    // answer: read what came, briefly and boundedly, first.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let _ = std::io::copy(&mut (&stream).take(MAX_HEAD as u64), &mut std::io::sink());
}

/// A stream that gives up reading at a deadline, so that a head cannot trickle in forever.
struct Timed {
    stream: TcpStream,
    deadline: Instant,
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

/// Serves one connection: request after request while the client keeps it, or one event stream.
pub fn serve_connection(stream: TcpStream, shared: &Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(
        4096,
        Timed {
            stream,
            deadline: Instant::now(),
        },
    );
    loop {
        reader.get_mut().deadline = Instant::now() + HEAD_TIMEOUT;
        let request = match read_head(&mut reader) {
            Ok(request) => request,
            Err(error) => {
                if let Some((status, why)) = error.answer() {
                    let _ = send(&mut writer, &Answer::text(status, why), false, true);
                    linger(&mut reader, &writer);
                }
                return;
            }
        };
        let close = !request.keep_alive() || request.has_body();
        // A bug answering one request must not take the server down.
        let answered =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(&request, shared)));
        let head_only = request.method == "HEAD";
        match answered {
            Ok(Reply::Answer(answer)) => {
                if send(&mut writer, &answer, head_only, close).is_err() || close {
                    return;
                }
            }
            Ok(Reply::Events) => {
                let events = shared.subscribe();
                live::stream(Box::new(writer), events);
                return;
            }
            Err(_) => {
                let _ = send(
                    &mut writer,
                    &Answer::text(500, "casebook serve failed to answer\n"),
                    head_only,
                    true,
                );
                return;
            }
        }
    }
}

/// Before closing after an error: stop sending, and read for a moment what the client still
/// sends, so that it sees the answer rather than a reset.
fn linger(reader: &mut BufReader<Timed>, writer: &TcpStream) {
    let _ = writer.shutdown(Shutdown::Write);
    reader.get_mut().deadline = Instant::now() + LINGER_TIME;
    let mut dropped = reader.buffer().len();
    let mut buffer = [0u8; 8192];
    while dropped < LINGER_BYTES {
        match reader.get_mut().read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => dropped += n,
        }
    }
}

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    Events,
    Script,
    /// A file of the site, by its output path (`practices/x/index.html`).
    File(String),
    /// A folder asked for without its slash: `/practices/x` to `/practices/x/`.
    Redirect(String),
    NotFound,
    BadRequest(&'static str),
}

/// Resolves a request target (`/practices/x/?q=1`) against the site's files, `exists` telling
/// which output paths there are. Nothing outside the site can be named: the path is decoded once
/// and refused if any segment is `.`, `..` or empty, or it holds a backslash or a control
/// character (NUL included), or is not UTF-8.
pub fn route(target: &str, exists: impl Fn(&str) -> bool) -> Route {
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let path = path.split('#').next().unwrap_or_default();
    let Some(rest) = path.strip_prefix('/') else {
        return Route::BadRequest("the path must start with /");
    };
    if path == live::EVENTS_PATH {
        return Route::Events;
    }
    if path == live::SCRIPT_PATH {
        return Route::Script;
    }
    let decoded = match percent_decode(rest) {
        Some(decoded) => decoded,
        None => return Route::BadRequest("the path is not valid percent-encoded UTF-8"),
    };
    if decoded.chars().any(|c| c == '\\' || c.is_control()) {
        return Route::BadRequest("the path holds a backslash or a control character");
    }
    let folder = decoded.is_empty() || decoded.ends_with('/');
    let segments: Vec<&str> = decoded
        .strip_suffix('/')
        .unwrap_or(&decoded)
        .split('/')
        .collect();
    if !decoded.is_empty()
        && segments
            .iter()
            .any(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return Route::BadRequest("the path has an empty, . or .. segment");
    }
    if folder {
        let index = format!("{decoded}index.html");
        return if exists(&index) {
            Route::File(index)
        } else {
            Route::NotFound
        };
    }
    if exists(&decoded) {
        return Route::File(decoded);
    }
    if exists(&format!("{decoded}/index.html")) {
        // `path` was checked above: one leading slash, so the redirect stays on this server.
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        return Route::Redirect(format!("{path}/{query}"));
    }
    Route::NotFound
}

/// `%e4%b8%ad` to `中`; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `Content-Type` of an output path, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, x)| x);
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Whether a `Host` header may reach a server listening on `addr`. On a loopback address only
/// local names are accepted, so that a web page whose name was pointed at 127.0.0.1 (DNS
/// rebinding) cannot read the preview. Listening elsewhere was asked for: any name goes.
pub fn host_allowed(host: Option<&str>, addr: SocketAddr) -> bool {
    let Some(host) = host else {
        return true;
    };
    if !addr.ip().is_loopback() {
        return true;
    }
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What every page shows until the site builds for the first time (the overlay says why).
const PLACEHOLDER: &str = "<!doctype html><meta charset=\"utf-8\"><title>casebook</title>\
    <body><p>The site has not built yet: see the errors in the terminal.</p></body>";

/// What to send for a request.
enum Reply {
    Answer(Answer),
    /// The event stream of an open page: the connection is the stream's from then on.
    Events,
}

/// A response: status, headers (besides `Content-Length` and `Connection`) and body.
pub struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn file(status: u16, path: &str, body: Vec<u8>) -> Self {
        Answer {
            status,
            headers: vec![
                ("Content-Type", content_type(path).to_string()),
                ("Cache-Control", "no-store".to_string()),
                ("X-Content-Type-Options", "nosniff".to_string()),
            ],
            body,
        }
    }

    fn text(status: u16, text: &str) -> Self {
        Answer {
            status,
            headers: vec![
                ("Content-Type", "text/plain; charset=utf-8".to_string()),
                ("Cache-Control", "no-store".to_string()),
            ],
            body: text.as_bytes().to_vec(),
        }
    }

    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Writes `answer`, its body left out for HEAD, saying `Connection: close` when the connection
/// closes after it.
fn send(
    out: &mut impl Write,
    answer: &Answer,
    head_only: bool,
    close: bool,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", answer.body.len()));
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    if !head_only {
        out.write_all(&answer.body)?;
    }
    out.flush()
}

/// The answer to one request, from the build being served.
fn handle(request: &Request, shared: &Arc<Shared>) -> Reply {
    if !host_allowed(request.header("Host"), shared.addr) {
        return Reply::Answer(Answer::text(
            403,
            "casebook serve answers only to localhost\n",
        ));
    }
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return Reply::Answer(
            Answer::text(405, "casebook serve only answers GET and HEAD\n")
                .with("Allow", "GET, HEAD"),
        );
    }
    let snapshot = shared.snapshot();
    let route = route(&request.target, |path| snapshot.files.contains_key(path));
    Reply::Answer(match route {
        Route::Events => return Reply::Events,
        Route::Script => Answer::file(200, live::SCRIPT_PATH, live::SCRIPT.as_bytes().to_vec()),
        Route::File(path) => {
            let bytes = page(&snapshot, &path, &snapshot.files[&path]);
            Answer::file(200, &path, bytes)
        }
        Route::Redirect(location) => Answer::text(302, "").with("Location", &location),
        Route::NotFound if !snapshot.built => {
            let bytes = page(&snapshot, "index.html", PLACEHOLDER.as_bytes());
            Answer::file(503, "index.html", bytes)
        }
        Route::NotFound => match snapshot.files.get("404.html") {
            Some(bytes) => Answer::file(404, "404.html", page(&snapshot, "404.html", bytes)),
            None => Answer::text(404, "not found\n"),
        },
        Route::BadRequest(why) => Answer::text(400, &format!("bad request: {why}\n")),
    })
}

/// The bytes to send for a file: HTML gets the live-reload script.
fn page(snapshot: &Snapshot, path: &str, bytes: &[u8]) -> Vec<u8> {
    if content_type(path).starts_with("text/html") {
        live::inject(bytes, &snapshot.build)
    } else {
        bytes.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(path: &str) -> Route {
        let files = [
            "index.html",
            "404.html",
            "style.css",
            "practices/x/index.html",
            "tags/冷链/index.html",
        ];
        route(path, |p| files.contains(&p))
    }

    #[test]
    fn files_folders_and_redirects() {
        assert_eq!(site("/"), Route::File("index.html".into()));
        assert_eq!(site("/?x=1"), Route::File("index.html".into()));
        assert_eq!(
            site("/style.css?casebook=3"),
            Route::File("style.css".into())
        );
        assert_eq!(
            site("/practices/x/"),
            Route::File("practices/x/index.html".into())
        );
        assert_eq!(
            site("/practices/x/index.html"),
            Route::File("practices/x/index.html".into())
        );
        assert_eq!(
            site("/practices/x"),
            Route::Redirect("/practices/x/".into())
        );
        assert_eq!(
            site("/practices/x?a=b"),
            Route::Redirect("/practices/x/?a=b".into())
        );
        assert_eq!(
            site("/tags/%E5%86%B7%E9%93%BE/"),
            Route::File("tags/冷链/index.html".into())
        );
        assert_eq!(site("/practices/"), Route::NotFound);
        assert_eq!(site("/nothing"), Route::NotFound);
        assert_eq!(site("/__casebook/events"), Route::Events);
        assert_eq!(site("/__casebook/live.js"), Route::Script);
    }

    #[test]
    fn nothing_outside_the_site() {
        for target in [
            "/../etc/passwd",
            "/practices/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/%2e%2e/etc/passwd",
            "/practices/%2e%2e/%2e%2e/x",
            "/./index.html",
            "/..%2fetc%2fpasswd",
            "/..\\etc\\passwd",
            "/%5c..%5cetc",
            "/index.html%00.css",
            "/a%0ab",
            "//etc/passwd",
            "//evil.example/x",
            "/%",
            "/%zz",
            "/%ff",
            "etc/passwd",
            "*",
        ] {
            assert!(
                matches!(site(target), Route::BadRequest(_)),
                "{target}: {:?}",
                site(target)
            );
        }
    }

    #[test]
    fn content_types_by_extension() {
        for (path, expected) in [
            ("a/index.html", "text/html; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("search.js", "text/javascript; charset=utf-8"),
            ("atom.xml", "application/xml; charset=utf-8"),
            ("search/index.json", "application/json"),
            ("logo.SVG", "image/svg+xml"),
            ("a.png", "image/png"),
            ("a.jpg", "image/jpeg"),
            ("a.webp", "image/webp"),
            ("font.woff2", "font/woff2"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("LICENSE", "application/octet-stream"),
        ] {
            assert_eq!(content_type(path), expected, "{path}");
        }
    }

    #[test]
    fn only_local_names_reach_a_loopback_server() {
        let local: SocketAddr = "127.0.0.1:1111".parse().unwrap();
        for host in [
            "127.0.0.1:1111",
            "localhost:1111",
            "LOCALHOST",
            "[::1]:1111",
            "a.localhost",
        ] {
            assert!(host_allowed(Some(host), local), "{host}");
        }
        assert!(host_allowed(None, local));
        assert!(!host_allowed(Some("evil.example:1111"), local));
        assert!(!host_allowed(Some("127.0.0.1.evil.example"), local));
        let open: SocketAddr = "0.0.0.0:1111".parse().unwrap();
        assert!(host_allowed(Some("laptop.lan:1111"), open));
    }

    fn head(bytes: &[u8]) -> Result<Request, HeadError> {
        read_head(&mut std::io::BufReader::with_capacity(7, bytes))
    }

    #[test]
    fn heads_are_read_up_to_their_empty_line() {
        let mut reader = std::io::BufReader::with_capacity(
            5,
            &b"\r\nGET /a?b HTTP/1.1\r\nHost: x\r\nX-A:  1 \r\n\r\nGET /c HTTP/1.0\n\n"[..],
        );
        let first = read_head(&mut reader).unwrap();
        assert_eq!(
            first,
            Request {
                method: "GET".into(),
                target: "/a?b".into(),
                http11: true,
                headers: vec![("Host".into(), "x".into()), ("X-A".into(), "1".into())],
            }
        );
        assert_eq!(first.header("host"), Some("x"));
        assert!(first.keep_alive() && !first.has_body());
        let second = read_head(&mut reader).unwrap();
        assert_eq!((second.target.as_str(), second.http11), ("/c", false));
        assert!(!second.keep_alive());
        assert!(matches!(read_head(&mut reader), Err(HeadError::Closed)));
    }

    #[test]
    fn heads_over_the_limit_or_malformed_are_refused() {
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        assert!(matches!(head(&big), Err(HeadError::TooLarge)));
        big.extend_from_slice(b"\r\n\r\n");
        assert!(matches!(head(&big), Err(HeadError::TooLarge)));
        assert!(matches!(
            head(&[b'\n'; MAX_HEAD + 1]),
            Err(HeadError::TooLarge)
        ));
        assert!(matches!(
            head(b"GET / HTTP/2.0\r\n\r\n"),
            Err(HeadError::Version)
        ));
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nA B: c\r\n\r\n",
            b"GET / HTTP/1.1\r\n\xff: c\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n",
        ] {
            assert!(
                matches!(head(bad), Err(HeadError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let post = head(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde").unwrap();
        assert!(post.has_body());
    }
}
