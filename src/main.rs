//! The command line: parse arguments, call the library, print diagnostics, set the exit code.
//! Exit codes: 0 success, 1 content errors, 2 usage or I/O errors.

use casebook::diagnostics::{self, Diagnostic, Format};
use casebook::{BuildOptions, Report};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "casebook",
    version,
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
    },
    /// Check everything a build checks, without writing anything.
    Check {
        #[command(flatten)]
        site: SiteArgs,
        /// Also list the pages missing in a language.
        #[arg(long)]
        translations: bool,
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
}

impl SiteArgs {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            base_url: self.base_url.clone(),
            drafts: self.drafts,
            ..BuildOptions::new(&self.root)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build { site, output } => {
            let started = Instant::now();
            let mut options = site.options();
            options.output = output;
            let report = casebook::build(&options);
            finish(&site, report, started, true)
        }
        Command::Check { site, translations } => {
            let started = Instant::now();
            let options = BuildOptions {
                translations,
                ..site.options()
            };
            let report = casebook::check(&options);
            finish(&site, report, started, false)
        }
        Command::Init { dir } => match casebook::scaffold::init(&dir) {
            Ok(files) => {
                for file in files {
                    println!("created {}", file.display());
                }
                println!("next: cd {} && casebook build", dir.display());
                ExitCode::SUCCESS
            }
            Err(message) => usage_error(&message),
        },
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
                    return ExitCode::from(1);
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

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn finish(site: &SiteArgs, mut report: Report, started: Instant, wrote: bool) -> ExitCode {
    if site.deny_warnings {
        for d in &mut report.diagnostics {
            if d.severity == diagnostics::Severity::Warning {
                d.severity = diagnostics::Severity::Error;
            }
        }
    }
    let shown: Vec<Diagnostic> = report.diagnostics.clone();
    match site.format {
        Format::Human => eprint!("{}", diagnostics::to_human(&shown, color_stderr())),
        Format::Json => println!("{}", diagnostics::to_json(&shown)),
        Format::Github => print!("{}", diagnostics::to_github(&shown)),
    }
    let elapsed = started.elapsed().as_secs_f64();
    let summary = diagnostics::summary(&shown);
    let failed = report.has_errors();
    if failed {
        eprintln!(
            "{} failed: {summary}",
            if wrote { "build" } else { "check" }
        );
        if wrote {
            eprintln!("nothing was written; the previous site is unchanged");
        }
    } else if wrote {
        eprintln!(
            "built {} pages ({} files) in {elapsed:.2} s: {summary}",
            report.pages, report.files_written
        );
    } else {
        eprintln!(
            "checked {} pages in {elapsed:.2} s: {summary}",
            report.pages
        );
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn color_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}
