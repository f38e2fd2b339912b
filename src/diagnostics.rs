//! Problems found in a spec, collected rather than returned one at a time, and rendered
//! for people: severity, message, `file:line:column`, a source snippet with the spot
//! underlined, the key path, and what would be valid.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::spec::source_map::{Focus, Path, SourceMap, TextRange};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// Where a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    /// A node of the spec tree (resolved through the source map when rendering).
    Path(Path, Focus),
    /// A place the YAML parser reported directly.
    Text(TextRange),
    /// The file as a whole (e.g. it is empty).
    File,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub site: Site,
    /// What would be valid, or how to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(path: &Path, focus: Focus, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            site: Site::Path(path.clone(), focus),
            help: None,
        }
    }

    pub fn warning(path: &Path, focus: Focus, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, focus, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// All diagnostics of one spec file, with what is needed to render them.
#[derive(Debug)]
pub struct Diagnostics {
    pub file: String,
    pub text: String,
    pub source_map: SourceMap,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// The text range a diagnostic points at, if it points into the file.
    pub fn range_of(&self, diagnostic: &Diagnostic) -> Option<TextRange> {
        match &diagnostic.site {
            Site::Path(path, focus) => self.source_map.locate(path, *focus),
            Site::Text(range) => Some(*range),
            Site::File => None,
        }
    }

    /// Renders the diagnostics (warnings too if `warnings`), errors first, each in
    /// file order.
    pub fn render(&self, color: bool, warnings: bool) -> String {
        let mut sorted: Vec<(&Diagnostic, Option<TextRange>)> = self
            .items
            .iter()
            .filter(|d| warnings || d.severity == Severity::Error)
            .map(|d| (d, self.range_of(d)))
            .collect();
        sorted.sort_by_key(|(d, r)| (d.severity, r.map(|r| r.start)));

        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let mut out = String::new();
        for (diagnostic, range) in sorted {
            let _ = writeln!(out, "{}", renderer.render(&self.report(diagnostic, range)));
        }
        out
    }

    fn report<'a>(&'a self, d: &'a Diagnostic, range: Option<TextRange>) -> Vec<Group<'a>> {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = level.primary_title(d.message.as_str());
        let mut group = match range {
            Some(r) => {
                let label = match &d.site {
                    Site::Path(path, _) => Some(path.to_string()),
                    _ => None,
                };
                // An empty range (e.g. end of file) still needs one character to point at.
                let end = if r.end > r.start {
                    r.end
                } else {
                    next_char_boundary(&self.text, r.start)
                };
                title.element(
                    Snippet::source(self.text.as_str())
                        .path(self.file.as_str())
                        .annotation(AnnotationKind::Primary.span(r.start..end).label(label)),
                )
            }
            None => title.element(Level::NOTE.message(format!("in {}", self.file))),
        };
        if let Some(help) = &d.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        vec![group]
    }
}

fn next_char_boundary(text: &str, at: usize) -> usize {
    text[at.min(text.len())..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8())
}
