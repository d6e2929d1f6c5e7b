//! The HTTP side of `casebook serve`: from a request's target to a file of the site held in
//! memory (pure, with tests), content types, and the responses.

use super::live;
use super::{Shared, Snapshot};
use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::Arc;
use tiny_http::{Header, Method, Request, Response, StatusCode};

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

/// Answers one request. Events get a thread of their own; everything else is answered here.
pub fn handle(request: Request, shared: &Arc<Shared>) {
    let host = header(&request, "Host");
    if !host_allowed(host.as_deref(), shared.addr) {
        return respond_text(request, 403, "casebook serve answers only to localhost\n");
    }
    if !matches!(request.method(), Method::Get | Method::Head) {
        let response = text_response(405, "casebook serve only answers GET and HEAD\n")
            .with_header(header_of("Allow", "GET, HEAD"));
        let _ = request.respond(response);
        return;
    }
    let snapshot = shared.snapshot();
    let route = route(request.url(), |path| snapshot.files.contains_key(path));
    match route {
        Route::Events => {
            let events = shared.subscribe();
            let writer = request.into_writer();
            // If no thread can be had, the receiver goes with the closure and the page is
            // forgotten at the next event.
            let _ = std::thread::Builder::new()
                .name("casebook-events".into())
                .spawn(move || live::stream(writer, events));
        }
        Route::Script => respond(
            request,
            200,
            live::SCRIPT_PATH,
            live::SCRIPT.as_bytes().to_vec(),
        ),
        Route::File(path) => {
            let bytes = page(&snapshot, &path, &snapshot.files[&path]);
            respond(request, 200, &path, bytes);
        }
        Route::Redirect(location) => {
            let response = text_response(302, "").with_header(header_of("Location", &location));
            let _ = request.respond(response);
        }
        Route::NotFound if !snapshot.built => {
            let bytes = page(&snapshot, "index.html", PLACEHOLDER.as_bytes());
            respond(request, 503, "index.html", bytes);
        }
        Route::NotFound => match snapshot.files.get("404.html") {
            Some(bytes) => respond(request, 404, "404.html", page(&snapshot, "404.html", bytes)),
            None => respond_text(request, 404, "not found\n"),
        },
        Route::BadRequest(why) => respond_text(request, 400, &format!("bad request: {why}\n")),
    }
}

/// The bytes to send for a file: HTML gets the live-reload script.
fn page(snapshot: &Snapshot, path: &str, bytes: &[u8]) -> Vec<u8> {
    if content_type(path).starts_with("text/html") {
        live::inject(bytes, &snapshot.build)
    } else {
        bytes.to_vec()
    }
}

fn respond(request: Request, status: u16, path: &str, bytes: Vec<u8>) {
    let length = bytes.len();
    let response = Response::new(
        StatusCode(status),
        vec![
            header_of("Content-Type", content_type(path)),
            header_of("Cache-Control", "no-store"),
            header_of("X-Content-Type-Options", "nosniff"),
        ],
        Cursor::new(bytes),
        Some(length),
        None,
    )
    // A known length goes out as Content-Length, never chunked.
    .with_chunked_threshold(usize::MAX);
    let _ = request.respond(response);
}

fn respond_text(request: Request, status: u16, text: &str) {
    let _ = request.respond(text_response(status, text));
}

fn text_response(status: u16, text: &str) -> Response<Cursor<Vec<u8>>> {
    Response::from_string(text)
        .with_status_code(status)
        .with_header(header_of("Content-Type", "text/plain; charset=utf-8"))
        .with_header(header_of("Cache-Control", "no-store"))
}

fn header_of(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn header(request: &Request, name: &'static str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str().to_string())
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
}
