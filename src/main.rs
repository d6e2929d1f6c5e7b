//! The command line: parse arguments, call the library, print diagnostics, set the exit code.
//! Exit codes: 0 success, 1 content errors, 2 usage or I/O errors.

use casebook::diagnostics::{self, Format};
use casebook::output::OutputState;
use casebook::{BuildOptions, Report};
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The version and the commit the binary was built from (build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("CASEBOOK_BUILD_COMMIT"),
    ")"
);

#[derive(Parser)]
#[command(
    name = "casebook",
    version = VERSION,
    about = "Build bilingual, searchable casebooks of best practices from Markdown"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// Where to write the site.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Write the manifest (every file with its SHA-256) here instead of manifest.json in the output.
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// Leave out the search index.
        #[arg(long)]
        no_search: bool,
        /// Exit at once (code 2) when another build is writing into the output, instead of
        /// waiting for it.
        #[arg(long)]
        no_wait: bool,
    },
    /// Check a published tree against its manifest: names every file that differs, is missing or is extra.
    Verify {
        /// The published folder (public/ by default).
        #[arg(default_value = "public")]
        dir: PathBuf,
        /// The manifest, if not DIR/manifest.json.
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
    /// Check everything a build checks, without writing anything.
    Check {
        #[command(flatten)]
        site: SiteArgs,
        /// Also list the pages missing in a language.
        #[arg(long)]
        translations: bool,
        /// Also ask every linked site whether the linked page is still there (dead links are warnings).
        #[arg(long)]
        external: bool,
        /// The user agent for --external.
        #[arg(long)]
        user_agent: Option<String>,
        /// Seconds to wait for each site with --external.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Create a new casebook in DIR.
    Init { dir: PathBuf },
    /// Write a skeleton page: `casebook new practice SLUG`.
    New {
        /// The collection, as declared in site.yaml (practice and practices both work).
        collection: String,
        slug: String,
        /// The language of the file (the default language if not given).
        #[arg(long)]
        lang: Option<String>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Turn Word documents (.docx) into draft pages: one per document, or one per section.
    Import {
        /// The documents.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The collection, as declared in site.yaml (the first if not given).
        #[arg(long)]
        collection: Option<String>,
        /// The language of the pages (the default language if not given).
        #[arg(long)]
        lang: Option<String>,
        /// A page per heading of this level (2: aspects as level-1 headings, practices as level 2).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=6))]
        split: Option<u8>,
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Replace pages that exist.
        #[arg(long)]
        force: bool,
        /// How to print diagnostics.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Serve the site on 127.0.0.1 and reload open pages on every change (drafts included).
    Serve {
        /// The folder holding site.yaml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The port; 0 takes any free port.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// The address to listen on. Anything but a loopback address (127.0.0.1, ::1) opens the
        /// preview to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Leave out pages marked `draft: true`.
        #[arg(long)]
        no_drafts: bool,
    },
    /// Print the shell completion script: `casebook completions bash > /etc/bash_completion.d/casebook`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `casebook man > casebook.1`, or `casebook man | man -l -`;
    /// `casebook man build` prints casebook-build(1).
    Man {
        /// A subcommand, for its own page.
        subcommand: Option<String>,
    },
}

#[derive(Args)]
struct SiteArgs {
    /// The folder holding site.yaml.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Override base_url from site.yaml.
    #[arg(long)]
    base_url: Option<String>,
    /// Include pages marked `draft: true`.
    #[arg(long)]
    drafts: bool,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
    /// Print only warnings, errors and the summary.
    #[arg(long, short)]
    quiet: bool,
}

impl SiteArgs {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            base_url: self.base_url.clone(),
            drafts: self.drafts,
            deny_warnings: self.deny_warnings,
            ..BuildOptions::new(&self.root)
        }
    }
}

fn main() -> ExitCode {
    casebook::crash::quiet_panics();
    let cli = Cli::parse();
    if let Command::Build { site, .. } | Command::Check { site, .. } = &cli.command
        && let Some(url) = &site.base_url
        && let Err(why) = casebook::config::check_base_url(url)
    {
        return usage_error(&format!(
            "--base-url: {why}\n  = help: {}",
            casebook::config::BASE_URL_HINT
        ));
    }
    // No site to build: a usage error (exit 2), like any other wrong --root.
    if let Command::Build { site, .. } | Command::Check { site, .. } = &cli.command
        && let Some(report) = no_site(&site.root)
    {
        let wrote = matches!(cli.command, Command::Build { .. });
        return finish(site, report, Instant::now(), wrote);
    }
    match cli.command {
        Command::Build {
            site,
            output,
            manifest,
            no_search,
            no_wait,
        } => {
            let started = Instant::now();
            let mut options = site.options();
            options.output = output;
            options.manifest = manifest;
            options.no_search = no_search;
            options.no_wait = no_wait;
            let report = casebook::build(&options);
            finish(&site, report, started, true)
        }
        Command::Check {
            site,
            translations,
            external,
            user_agent,
            timeout,
        } => {
            let started = Instant::now();
            let external = external.then(|| {
                let defaults = casebook::links::ExternalOptions::default();
                casebook::links::ExternalOptions {
                    user_agent: user_agent.unwrap_or(defaults.user_agent.clone()),
                    timeout: std::time::Duration::from_secs(timeout),
                    progress: Some(|line| eprintln!("{line}")),
                    bar: true,
                    ..defaults
                }
            });
            let options = BuildOptions {
                translations,
                external,
                ..site.options()
            };
            let report = casebook::check(&options);
            finish(&site, report, started, false)
        }
        Command::Verify { dir, manifest } => verify(&dir, manifest),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "casebook",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Man { subcommand } => {
            let mut command = Cli::command();
            command.build();
            if let Some(name) = subcommand {
                let Some(sub) = command.find_subcommand(&name) else {
                    let names: Vec<&str> =
                        command.get_subcommands().map(|c| c.get_name()).collect();
                    return usage_error(&format!(
                        "\"{name}\" is not a subcommand; the subcommands are {}",
                        names.join(", ")
                    ));
                };
                // The page casebook(1) refers to: casebook-build(1), with the version.
                // clap names are 'static; the process ends once the page is printed.
                let page_name: &'static str =
                    Box::leak(format!("casebook-{name}").into_boxed_str());
                command = sub.clone().name(page_name).version(VERSION);
            }
            let mut page = Vec::new();
            match clap_mangen::Man::new(command).render(&mut page) {
                Ok(()) => {
                    use std::io::Write as _;
                    // A closed pipe (`casebook man | head`) is not an error worth a message.
                    let _ = std::io::stdout().write_all(&page);
                    ExitCode::SUCCESS
                }
                Err(e) => usage_error(&format!("cannot write the manual page: {e}")),
            }
        }
        Command::Init { dir } => match casebook::scaffold::init(&dir) {
            Ok(files) => {
                if let Some(note) = casebook::scaffold::no_release_note() {
                    eprintln!("{note}");
                }
                for file in files {
                    println!("created {}", file.display());
                }
                println!("next: cd {} && casebook build", dir.display());
                ExitCode::SUCCESS
            }
            Err(message) => usage_error(&message),
        },
        Command::Serve {
            root,
            port,
            bind,
            no_drafts,
        } => serve(root, port, bind, !no_drafts),
        Command::Import {
            files,
            collection,
            lang,
            split,
            root,
            force,
            format,
        } => {
            // One file takes a moment; many take minutes, and say how far they are.
            let many = files.len() > 1;
            let report = casebook::import::run(&casebook::import::ImportOptions {
                root,
                files,
                progress: many.then_some(|line: &str| eprintln!("{line}")),
                bar: many,
                collection,
                lang,
                split,
                force,
                today: casebook::scaffold::today(),
            });
            for line in &report.lines {
                match format {
                    Format::Json => eprintln!("{line}"),
                    _ => println!("{line}"),
                }
            }
            match format {
                Format::Human => eprint!(
                    "{}",
                    diagnostics::to_human(&report.diagnostics, color_stderr())
                ),
                Format::Json => println!("{}", diagnostics::to_json(&report.diagnostics)),
                Format::Github => print!("{}", diagnostics::to_github(&report.diagnostics)),
            }
            ExitCode::from(report.exit_code())
        }
        Command::New {
            collection,
            slug,
            lang,
            root,
        } => {
            let config = match casebook::config::load(&root) {
                Ok(config) => config,
                Err(found) => {
                    eprint!(
                        "{}",
                        diagnostics::to_human(&found, std::io::stderr().is_terminal())
                    );
                    let missing = no_site(&root).is_some();
                    return ExitCode::from(if missing { 2 } else { 1 });
                }
            };
            // `new practice` for a collection called `practices`.
            let key = if config.collection(&collection).is_none()
                && config.collection(&format!("{collection}s")).is_some()
            {
                format!("{collection}s")
            } else {
                collection
            };
            match casebook::scaffold::new_page(
                &root,
                &config,
                &key,
                &slug,
                lang.as_deref(),
                casebook::scaffold::today(),
            ) {
                Ok(path) => {
                    println!("created {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(message) => usage_error(&message),
            }
        }
    }
}

/// `casebook serve`: runs until interrupted. Ctrl-C ends the process at once, which is clean:
/// serving writes nothing to disk, and the kernel closes the port and the watches.
fn serve(root: PathBuf, port: u16, bind: std::net::IpAddr, drafts: bool) -> ExitCode {
    let mut options = casebook::serve::ServeOptions::new(&root);
    options.port = port;
    options.bind = bind;
    options.drafts = drafts;
    // Write errors are ignored: a server whose terminal or pipe has gone away keeps serving
    // (`println!` would panic and end the rebuilds).
    options.on_build = Some(Box::new(|report: &casebook::serve::BuildReport| {
        use std::io::Write;
        if report.failed || report.new_diagnostics {
            let shown = diagnostics::to_human(&report.diagnostics, color_stderr());
            let _ = std::io::stderr().write_all(shown.as_bytes());
        }
        let _ = writeln!(
            std::io::stdout(),
            "{}",
            diagnostics::visible(&report.line(), &[])
        );
    }));
    let server = match casebook::serve::start(options) {
        Ok(server) => server,
        Err(e) => return usage_error(&e.to_string()),
    };
    let network = if bind.is_loopback() {
        ""
    } else {
        " (reachable from the network)"
    };
    println!(
        "serving {} at {}{network}; drafts {}; Ctrl-C to stop",
        root.display(),
        server.url(),
        if drafts { "included" } else { "left out" }
    );
    server.wait();
    ExitCode::SUCCESS
}

/// The report of a build or check whose root holds no `site.yaml` to read, if it holds none.
fn no_site(root: &std::path::Path) -> Option<Report> {
    if root.join(casebook::config::CONFIG_FILE).is_file() {
        return None;
    }
    let diagnostics = casebook::config::load(root).err()?;
    Some(Report {
        diagnostics,
        io_error: true,
        ..Report::default()
    })
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn finish(site: &SiteArgs, mut report: Report, started: Instant, wrote: bool) -> ExitCode {
    if site.quiet {
        report
            .diagnostics
            .retain(|d| d.severity != diagnostics::Severity::Info);
    }
    let shown = &report.diagnostics;
    match site.format {
        Format::Human => eprint!("{}", diagnostics::to_human(shown, color_stderr())),
        Format::Json => println!("{}", diagnostics::to_json(shown)),
        Format::Github => print!("{}", diagnostics::to_github(shown)),
    }
    let elapsed = started.elapsed().as_secs_f64();
    let failed = report.has_errors();
    let verb = if wrote { "built" } else { "checked" };
    if failed {
        let what = if wrote { "build" } else { "check" };
        eprintln!("{what} failed: {}", diagnostics::summary(shown));
        if wrote {
            match report.output_state {
                // Shown even when quiet: the site stays broken until the next build.
                OutputState::PartlyUpdated => {
                    eprintln!("the output is partly updated; the next build writes it whole");
                }
                _ if site.quiet => {}
                OutputState::Unchanged => {
                    eprintln!("nothing was written; the previous site is unchanged");
                }
                OutputState::Updated => eprintln!("the new site was written"),
            }
        }
    } else {
        let count = |s: diagnostics::Severity| shown.iter().filter(|d| d.severity == s).count();
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let changed = if wrote {
            let n = report.files_written + report.files_removed;
            let s = if n == 1 { "" } else { "s" };
            format!(" ({} file{s} changed)", thousands(n))
        } else {
            String::new()
        };
        eprintln!(
            "{verb} {} pages in {elapsed:.1} s{changed}: {}, {}",
            thousands(report.pages),
            plural(count(diagnostics::Severity::Error), "error"),
            plural(count(diagnostics::Severity::Warning), "warning"),
        );
    }
    if report.io_error {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `2041` -> `2,041`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `casebook verify DIR`: exit 1 when the tree differs from its manifest.
fn verify(dir: &std::path::Path, manifest: Option<PathBuf>) -> ExitCode {
    let path = manifest.unwrap_or_else(|| dir.join(casebook::manifest::FILE_NAME));
    let manifest: casebook::manifest::Manifest = match std::fs::read(&path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
    {
        Ok(manifest) => manifest,
        Err(e) => return usage_error(&format!("cannot read the manifest {}: {e}", path.display())),
    };
    let differences = match casebook::manifest::verify(dir, &manifest) {
        Ok(d) => d,
        Err(e) => return usage_error(&format!("cannot read {}: {e}", dir.display())),
    };
    for (label, paths) in [
        ("changed", &differences.changed),
        ("missing", &differences.missing),
        ("extra", &differences.extra),
    ] {
        for path in paths {
            // A file's name can hold a line break: never a line of its own.
            println!("{label}: {}", diagnostics::visible(path, &[]));
        }
    }
    if differences.is_empty() {
        eprintln!(
            "verified {} files against {}",
            manifest.files.len(),
            path.display()
        );
        ExitCode::SUCCESS
    } else {
        let count = differences.changed.len() + differences.missing.len() + differences.extra.len();
        eprintln!("{count} files differ from {}", path.display());
        ExitCode::from(1)
    }
}

fn color_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}
