//! Live reload: the Server-Sent Events sent to open pages, which event follows a rebuild, the
//! script injected into served HTML, and one thread per connected page writing its events.

use crate::diagnostics::{self, Diagnostic};
use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// Where pages connect for events, and where the script is served.
pub const EVENTS_PATH: &str = "/__casebook/events";
pub const SCRIPT_PATH: &str = "/__casebook/live.js";

/// The browser side: reloads, stylesheet swaps, the error overlay and scroll restoration.
pub const SCRIPT: &str = include_str!("live.js");

/// A comment sent to idle connections, so that a closed page is noticed and its thread ends.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One event in the text/event-stream format. Multi-line data becomes several `data:` lines.
pub fn message(event: &str, data: &str) -> String {
    let mut out = format!("event: {event}\n");
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// The first event of every connection: which build the server holds, so that a page served
/// before a rebuild it did not hear about reloads at once.
pub fn hello(build: &str) -> String {
    message("hello", &serde_json::json!({ "build": build }).to_string())
}

/// The `errors` event: the diagnostics, and the text the terminal prints for them.
pub fn errors(found: &[Diagnostic]) -> String {
    let shown: Vec<&Diagnostic> = found.iter().filter(|d| d.is_error()).collect();
    let data = serde_json::json!({
        "summary": diagnostics::summary(found),
        "text": diagnostics::to_human(found, false),
        "diagnostics": shown,
    });
    message("errors", &data.to_string())
}

/// What open pages are told after a successful build: `ok` if the previous build had failed,
/// then `css` when only stylesheets changed (swapped in place) or `reload` when anything else
/// did. Nothing changed, nothing to do. The build manifest changes with every other file, but no
/// page shows it.
pub fn after_success(was_failing: bool, changed: &[String], build: &str) -> Vec<String> {
    let mut messages = Vec::new();
    if was_failing {
        messages.push(message("ok", "{}"));
    }
    if changed.is_empty() {
        return messages;
    }
    let data = serde_json::json!({ "build": build, "files": changed }).to_string();
    let unseen = |path: &str| path == crate::manifest::FILE_NAME;
    if changed
        .iter()
        .filter(|p| !unseen(p))
        .all(|p| p.ends_with(".css"))
    {
        messages.push(message("css", &data));
    } else {
        messages.push(message("reload", &data));
    }
    messages
}

/// The tag that loads [`SCRIPT`], naming the build the page belongs to.
pub fn script_tag(build: &str) -> String {
    format!("<script src=\"{SCRIPT_PATH}\" data-build=\"{build}\"></script>")
}

/// `html` with the live-reload script before its last `</body>` (at the end if there is none).
pub fn inject(html: &[u8], build: &str) -> Vec<u8> {
    let tag = script_tag(build);
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

/// Writes events to one page until it goes away or the server stops (its sender is dropped).
/// Every event is flushed on its own, in case the writer buffers.
pub fn stream(mut writer: Box<dyn Write + Send>, events: Receiver<Arc<str>>) {
    let head = "HTTP/1.1 200 OK\r\n\
        Content-Type: text/event-stream; charset=utf-8\r\n\
        Cache-Control: no-store\r\n\
        Connection: close\r\n\r\n\
        retry: 1000\n\n";
    let mut send = |chunk: &str| {
        writer
            .write_all(chunk.as_bytes())
            .and_then(|()| writer.flush())
            .is_ok()
    };
    if !send(head) {
        return;
    }
    loop {
        let sent = match events.recv_timeout(KEEP_ALIVE) {
            Ok(event) => send(&event),
            Err(RecvTimeoutError::Timeout) => send(": keep-alive\n\n"),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if !sent {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(messages: &[String]) -> Vec<&str> {
        messages
            .iter()
            .map(|m| m.lines().next().unwrap().trim_start_matches("event: "))
            .collect()
    }

    #[test]
    fn messages_follow_the_event_stream_format() {
        assert_eq!(message("ok", "{}"), "event: ok\ndata: {}\n\n");
        assert_eq!(message("x", "a\nb"), "event: x\ndata: a\ndata: b\n\n");
    }

    #[test]
    fn the_event_depends_on_what_changed() {
        let css = vec!["manifest.json".to_string(), "style.css".to_string()];
        let page = vec!["style.css".to_string(), "index.html".to_string()];
        assert_eq!(names(&after_success(false, &css, "b")), ["css"]);
        assert_eq!(names(&after_success(false, &page, "b")), ["reload"]);
        assert_eq!(names(&after_success(true, &page, "b")), ["ok", "reload"]);
        assert_eq!(names(&after_success(true, &[], "b")), ["ok"]);
        assert!(after_success(false, &[], "b").is_empty());
    }

    #[test]
    fn errors_carry_the_terminal_text_on_one_data_line() {
        let d = Diagnostic::error("content/a.zh.md", "bad <b>")
            .at("x\ny: z\n", 2, 4)
            .with_hint("fix it");
        let event = errors(&[d]);
        assert_eq!(event.lines().count(), 3, "{event}");
        let data: serde_json::Value =
            serde_json::from_str(event.lines().nth(1).unwrap().trim_start_matches("data: "))
                .unwrap();
        assert!(
            data["text"]
                .as_str()
                .unwrap()
                .starts_with("content/a.zh.md:2:4: error: bad <b>\n")
        );
        assert_eq!(data["diagnostics"][0]["line"], 2);
    }

    #[test]
    fn the_script_goes_before_the_last_closing_body() {
        let html = b"<html><body><p>&lt;/body&gt;</p></BODY></html>";
        let out = String::from_utf8(inject(html, "7")).unwrap();
        assert_eq!(
            out,
            "<html><body><p>&lt;/body&gt;</p><script src=\"/__casebook/live.js\" data-build=\"7\"></script></BODY></html>"
        );
        assert!(
            String::from_utf8(inject(b"<p>x", "7"))
                .unwrap()
                .ends_with("</script>")
        );
    }
}
