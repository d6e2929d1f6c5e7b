//! Measures `casebook serve` as an editor feels it: the time from writing a practice to the
//! `reload` event reaching a connected page. Used by `scripts/bench-serve`.
//!
//! `serve_latency CASEBOOK_BINARY SITE_DIR [EDITS] [body|title]`
//!
//! Starts `CASEBOOK_BINARY serve --root SITE_DIR --port 0`, connects to its event stream like a
//! page, then EDITS times appends a line to the body of the first practice (or, with `title`,
//! changes its title in the front matter) and waits for the reload. Prints each latency, then the
//! median, the 95th percentile and the server's own rebuild times.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: serve_latency CASEBOOK_BINARY SITE_DIR [EDITS] [body|title]");
        std::process::exit(2);
    }
    let (binary, site) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let edits: usize = args
        .get(2)
        .map_or(20, |n| n.parse().expect("EDITS is a number"));
    let edit_title = match args.get(3).map(String::as_str) {
        None | Some("body") => false,
        Some("title") => true,
        Some(other) => panic!("edit `body` or `title`, not `{other}`"),
    };
    let practice = first_practice(&site);
    let original = std::fs::read_to_string(&practice).unwrap();

    let mut child = Command::new(&binary)
        .args(["serve", "--port", "0", "--root"])
        .arg(&site)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("casebook starts");
    // The server's lines: the URL first, then one per rebuild.
    let (lines_sender, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_sender.send(line).is_err() {
                break;
            }
        }
    });
    let patience = Duration::from_secs(120);
    let url = loop {
        let line = lines
            .recv_timeout(patience)
            .expect("casebook serve prints its URL");
        println!("server: {line}");
        if let Some(at) = line.find("http://") {
            break line[at..]
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches(';')
                .to_string();
        }
    };
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut events = connect(&addr, patience);

    let mut latencies = Vec::with_capacity(edits);
    for i in 0..edits {
        let text = if edit_title {
            original.replacen("title: \"", &format!("title: \"({i}) "), 1)
        } else {
            format!("{original}\n第 {i} 次修改：测量从保存到重新载入的时间。\n")
        };
        assert_ne!(text, original, "the edit changes the practice");
        let started = Instant::now();
        std::fs::write(&practice, text).unwrap();
        wait_for(&mut events, "reload");
        let latency = started.elapsed();
        latencies.push(latency);
        println!("edit {:>2}: {:>6.1} ms", i + 1, ms(latency));
        // Like an editor between two saves: the server is idle again.
        std::thread::sleep(Duration::from_millis(150));
    }
    std::fs::write(&practice, &original).unwrap();
    wait_for(&mut events, "reload");
    let _ = child.kill();
    let _ = child.wait();

    let rebuilds: Vec<f64> = lines
        .try_iter()
        .filter_map(|line| {
            let rest = line.strip_prefix("rebuilt after ")?;
            let ms = rest.rsplit_once(" in ")?.1.strip_suffix(" ms")?;
            ms.parse().ok()
        })
        .collect();
    latencies.sort();
    let nearest_rank =
        |p: f64| latencies[((p * latencies.len() as f64).ceil() as usize).max(1) - 1];
    println!(
        "save to reload event, {} edits of {}: median {:.1} ms, p95 {:.1} ms (min {:.1}, max {:.1})",
        latencies.len(),
        practice.display(),
        ms(nearest_rank(0.5)),
        ms(nearest_rank(0.95)),
        ms(latencies[0]),
        ms(*latencies.last().unwrap()),
    );
    if !rebuilds.is_empty() {
        let mut sorted = rebuilds.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "rebuild as the server reports it: median {:.0} ms over {} rebuilds",
            sorted[sorted.len() / 2],
            sorted.len()
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn first_practice(site: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(site.join("content/practices"))
        .expect("SITE_DIR/content/practices")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files.into_iter().next().expect("a practice")
}

/// Opens the event stream and reads up to its first event (`hello`).
fn connect(addr: &str, patience: Duration) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(patience)).unwrap();
    write!(
        stream,
        "GET /__casebook/events HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    wait_for(&mut reader, "hello");
    reader
}

/// Reads lines until the event `name` is announced.
fn wait_for(reader: &mut BufReader<TcpStream>, name: &str) {
    let wanted = format!("event: {name}");
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("an event in time");
        assert!(n > 0, "the server closed the event stream");
        if line.trim_end() == wanted {
            return;
        }
    }
}
