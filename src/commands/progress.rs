//! What plan, apply and drift show while they wait on AWS. On a terminal (`Style::
//! progress`), an indicatif spinner and bar draw on the terminal's stderr themselves:
//! they redraw in place and are never captured. Elsewhere the only progress is one
//! line per finished apply step, written to the `stderr` the command was given.

use std::io::Write;

use super::Style;

/// Apply's progress: a bar with the elapsed time and steps done out of all on a
/// terminal, one line per finished step otherwise (none with --quiet).
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

impl Progress {
    pub(super) fn new(steps: usize, style: Style) -> Progress {
        let bar = style.progress.then(|| {
            let bar = indicatif::ProgressBar::new(steps as u64);
            if let Ok(s) = indicatif::ProgressStyle::with_template(
                "[{elapsed_precise}] {bar:30} {pos}/{len} steps {msg}",
            ) {
                bar.set_style(s);
            }
            bar.tick();
            bar
        });
        Progress {
            bar,
            quiet: style.quiet,
        }
    }

    /// A step started (`ok` is `None`) or finished.
    pub(super) fn event(&self, label: &str, ok: Option<bool>, stderr: &mut dyn Write) {
        match (&self.bar, ok) {
            (Some(bar), None) => bar.set_message(label.to_owned()),
            (Some(bar), Some(_)) => bar.inc(1),
            (None, Some(ok)) if !self.quiet => {
                // Progress is best effort: a closed stderr must not stop the apply.
                let _ = writeln!(stderr, "{} {label}", if ok { "ok:    " } else { "failed:" });
            }
            _ => {}
        }
    }

    /// Leaves the final count and time on the terminal.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message("done");
        }
    }
}

/// `verify`'s wait for event records: on a terminal, a bar of the records found out
/// of those expected, with the elapsed time and the timeout.
pub(super) struct Waiting {
    bar: Option<indicatif::ProgressBar>,
}

impl Waiting {
    pub(super) fn start(expected: usize, timeout: std::time::Duration, style: Style) -> Waiting {
        let bar = style.progress.then(|| {
            let bar = indicatif::ProgressBar::new(expected as u64);
            if let Ok(s) = indicatif::ProgressStyle::with_template(
                "[{elapsed_precise}] {bar:30} {pos}/{len} event records {msg}",
            ) {
                bar.set_style(s);
            }
            bar.set_message(format!("(waiting up to {} s)", timeout.as_secs()));
            bar.enable_steady_tick(std::time::Duration::from_millis(500));
            bar
        });
        Waiting { bar }
    }

    pub(super) fn set(&self, found: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(found as u64);
        }
    }

    pub(super) fn finish(&self, found: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(found as u64);
            bar.finish_with_message("");
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.as_ref().filter(|b| !b.is_finished()) {
            bar.finish_and_clear();
        }
    }
}

/// A spinner with the elapsed time while plan, apply and drift read AWS (on a
/// terminal only); it ends with a line saying how much was read and how long it took.
pub(super) struct Reading {
    spinner: Option<indicatif::ProgressBar>,
}

impl Reading {
    pub(super) fn start(style: Style) -> Reading {
        let spinner = style.progress.then(|| {
            let spinner = indicatif::ProgressBar::new_spinner();
            if let Ok(s) = indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {msg}") {
                spinner.set_style(s);
            }
            spinner.set_message("connecting to AWS");
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            spinner
        });
        Reading { spinner }
    }

    pub(super) fn message(&self, message: String) {
        if let Some(s) = &self.spinner {
            s.set_message(message);
        }
    }

    pub(super) fn finish(&self, resources: usize, changes: usize) {
        if let Some(s) = &self.spinner {
            s.set_style(indicatif::ProgressStyle::default_spinner());
            s.finish_with_message(format!(
                "Read {resources} resource(s) from AWS in {:.1}s: {changes} change(s).",
                s.elapsed().as_secs_f64()
            ));
        }
    }
}

impl Drop for Reading {
    /// On an error the spinner goes away, so the message is not printed after it.
    fn drop(&mut self) {
        if let Some(s) = self.spinner.as_ref().filter(|s| !s.is_finished()) {
            s.finish_and_clear();
        }
    }
}
