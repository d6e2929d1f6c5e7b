//! Times the search index of a casebook on its own, apart from the rest of the build:
//! `cargo run --release --example search_index -- DIR` (used by scripts/bench-search).

fn main() {
    let root = std::env::args().nth(1).expect("usage: search_index DIR");
    let (rendered, diagnostics) = casebook::render(&casebook::BuildOptions::new(root));
    let Some(rendered) = rendered else {
        eprintln!("{}", casebook::diagnostics::to_human(&diagnostics, false));
        std::process::exit(1);
    };
    let mut best = f64::MAX;
    let mut files = 0;
    for _ in 0..3 {
        let started = std::time::Instant::now();
        files = casebook::search::build(&rendered.site).len();
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "{{\"seconds\": {best:.3}, \"files\": {files}, \"pages\": {}}}",
        rendered.site.pages.len()
    );
}
