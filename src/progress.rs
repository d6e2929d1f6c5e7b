//! Progress of work that takes minutes (checking the links to other sites, importing many Word
//! files): a bar on a terminal, a line per step otherwise (a CI log keeps every line, and a bar
//! redrawn a hundred times would fill it).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;

/// How a long task says how far it is. Shared between the threads doing the work.
pub struct Progress {
    shown: Shown,
}

enum Shown {
    Nothing,
    Lines(fn(&str)),
    Bar(ProgressBar),
}

impl Progress {
    /// A bar of `total` `unit`s on stderr when `bar` is asked for and stderr is a terminal, else
    /// a line per step told to `lines`, else nothing.
    pub fn new(total: u64, unit: &str, lines: Option<fn(&str)>, bar: bool) -> Self {
        let shown = match lines {
            _ if bar && std::io::stderr().is_terminal() => {
                Shown::Bar(progress_bar(total, unit, ProgressDrawTarget::stderr()))
            }
            Some(lines) => Shown::Lines(lines),
            None => Shown::Nothing,
        };
        Progress { shown }
    }

    /// A step begins: the bar's message, or a line.
    pub fn step(&self, line: &str) {
        match &self.shown {
            Shown::Nothing => {}
            Shown::Lines(lines) => lines(line),
            Shown::Bar(bar) => bar.set_message(line.to_string()),
        }
    }

    /// `done` more units are done.
    pub fn advance(&self, done: u64) {
        if let Shown::Bar(bar) = &self.shown {
            bar.inc(done);
        }
    }

    /// The work is over: the bar goes, so that the report that follows stands alone.
    pub fn finish(&self) {
        if let Shown::Bar(bar) = &self.shown {
            bar.finish_and_clear();
        }
    }

    /// How many units are done, on a bar.
    pub fn position(&self) -> Option<u64> {
        match &self.shown {
            Shown::Bar(bar) => Some(bar.position()),
            _ => None,
        }
    }
}

fn progress_bar(total: u64, unit: &str, target: ProgressDrawTarget) -> ProgressBar {
    let style = ProgressStyle::with_template(&format!(
        "{{bar:30}} {{pos}}/{{len}} {unit} · {{elapsed}} · {{wide_msg}}"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(total), target).with_style(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_counts_every_unit_from_every_thread() {
        let progress = Progress {
            shown: Shown::Bar(progress_bar(40, "links", ProgressDrawTarget::hidden())),
        };
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..10 {
                        progress.advance(1);
                    }
                });
            }
        });
        assert_eq!(progress.position(), Some(40));
        progress.finish();
    }
}
