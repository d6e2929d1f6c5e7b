//! Times the search index of a casebook on its own, apart from the rest of the build:
//! `cargo run --release --example search_index -- DIR [RUNS]` (used by scripts/bench-search).
//!
//! Prints the best of RUNS (default 3) full builds of the index, in wall time and in CPU time
//! over all threads (steadier than wall time on a machine shared with other work), then the
//! median and the slowest of 20 rebuilds with serve's cache, each after an edit of one
//! document's body.

use casebook::search;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("usage: search_index DIR [RUNS]");
    let runs: usize = args
        .next()
        .map_or(3, |n| n.parse().expect("RUNS is a number"));
    let (rendered, diagnostics) = casebook::render(&casebook::BuildOptions::new(root));
    let Some(mut rendered) = rendered else {
        eprintln!("{}", casebook::diagnostics::to_human(&diagnostics, false));
        std::process::exit(1);
    };
    let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
    let mut files = 0;
    for _ in 0..runs {
        let (started, cpu) = (Instant::now(), cpu_seconds());
        files = search::build(&rendered.site).len();
        best = best.min(started.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu_seconds() - cpu);
    }

    let mut cache = search::Cache::default();
    search::build_cached(&rendered.site, Some(&mut cache));
    let mut edits = Vec::new();
    for run in 0..20 {
        let Some(page) = rendered.site.pages.first_mut() else {
            break;
        };
        // A new `Rendered`, as serve's Markdown cache gives an edited page.
        let mut markdown = (*page.rendered).clone();
        markdown.text.push_str(&format!(" edit {run} 修改 "));
        page.rendered = std::sync::Arc::new(markdown);
        let started = Instant::now();
        search::build_cached(&rendered.site, Some(&mut cache));
        edits.push(started.elapsed().as_secs_f64());
    }
    edits.sort_by(f64::total_cmp);
    println!(
        "{{\"seconds\": {best:.3}, \"cpu_seconds\": {best_cpu:.2}, \"files\": {files}, \
         \"pages\": {}, \"edit_median_seconds\": {:.4}, \"edit_max_seconds\": {:.4}}}",
        rendered.site.pages.len(),
        edits.get(edits.len() / 2).unwrap_or(&0.0),
        edits.last().unwrap_or(&0.0),
    );
}

/// CPU time of this process so far (user and system, all threads), from /proc; 0 elsewhere.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // After the command name in parentheses: state is field 3, utime and stime 14 and 15.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap_or(0) + 2..]
        .split(' ')
        .collect();
    let ticks: f64 =
        fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0);
    ticks / 100.0
}
