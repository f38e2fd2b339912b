//! Reading a spec file: bounded read, YAML parse into `Spec` with serde-saphyr under
//! resource limits (alias bombs, deep nesting), duplicate and unknown keys rejected.

use std::path::Path as FsPath;

use serde_saphyr::Options;
use serde_saphyr::options::DuplicateKeyPolicy;

use super::source_map::{SourceMap, TextRange};
use super::types::Spec;
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, Site};

/// Largest spec file read. 10,000 configuration sets (AWS's quota) fit well within it.
pub const MAX_SPEC_BYTES: u64 = 32 * 1024 * 1024;

/// A spec file that parsed, with its text and source map for later diagnostics.
#[derive(Debug)]
pub struct SpecFile {
    pub file: String,
    pub text: String,
    pub source_map: SourceMap,
    pub spec: Spec,
}

/// Why a spec file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read spec file {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("spec file {file} is {size} bytes; the limit is {MAX_SPEC_BYTES}")]
    TooLarge { file: String, size: u64 },
    /// The file is not a valid spec document; the diagnostics say where and why.
    #[error("{} is not a valid spec", .0.file)]
    Invalid(Box<Diagnostics>),
}

/// Reads and parses the spec at `path`.
pub fn load(path: &FsPath) -> Result<SpecFile, LoadError> {
    let file = path.display().to_string();
    let io_err = |source| LoadError::Io {
        file: file.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io_err)?.len();
    if size > MAX_SPEC_BYTES {
        return Err(LoadError::TooLarge { file, size });
    }
    let bytes = std::fs::read(path).map_err(io_err)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        io_err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        ))
    })?;
    parse(file, text)
}

/// Parses spec text; `file` is the name used in messages.
pub fn parse(file: String, text: String) -> Result<SpecFile, LoadError> {
    let invalid = |file: String, text: String, diagnostic: Diagnostic| {
        LoadError::Invalid(Box::new(Diagnostics {
            file,
            text,
            source_map: SourceMap::default(),
            items: vec![diagnostic],
        }))
    };
    if text.trim().is_empty() || only_comments(&text) {
        let d = Diagnostic {
            severity: Severity::Error,
            message: "the spec file is empty".to_owned(),
            site: Site::File,
            help: Some("a spec needs at least `version: 1` and `stack: NAME`".to_owned()),
        };
        return Err(invalid(file, text, d));
    }
    if let Some(d) = root_shape_problem(&text) {
        return Err(invalid(file, text, d));
    }
    match serde_saphyr::from_str_with_options::<Spec>(&text, parse_options()) {
        Ok(spec) => {
            let source_map = SourceMap::build(&text);
            Ok(SpecFile {
                file,
                text,
                source_map,
                spec,
            })
        }
        Err(err) => {
            let d = parse_error_diagnostic(&text, &err);
            Err(invalid(file, text, d))
        }
    }
}

/// A spec is a mapping at the top level; say so plainly when it is not (the parser
/// would only say "expected mapping start").
fn root_shape_problem(text: &str) -> Option<Diagnostic> {
    use serde_saphyr::granit_parser::{Event, Parser};
    for item in Parser::new_from_str(text) {
        let (event, span) = item.ok()?;
        let found = match event {
            Event::MappingStart(..) => return None,
            Event::SequenceStart(..) => "a list",
            Event::Scalar(..) | Event::Alias(..) => "a single value",
            _ => continue,
        };
        let line = span.start.line();
        let column = span.start.col() + 1;
        return Some(Diagnostic {
            severity: Severity::Error,
            message: format!(
                "the spec must be a mapping of keys at the top level, but it is {found}"
            ),
            site: Site::Text(text_range(text, line, column)),
            help: Some(
                "start with `version: 1` and `stack: NAME`, each on its own line".to_owned(),
            ),
        });
    }
    None
}

fn only_comments(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}

/// Parser limits. A spec is small and flat; these stop alias bombs ("billion laughs")
/// and pathological nesting early, with bounded memory.
fn parse_options() -> Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 2_000_000,
            max_aliases: 10_000,
            max_anchors: 10_000,
            max_depth: 32,
            max_documents: 1,
            max_nodes: 1_000_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
            max_alias_expansions_per_anchor: 1_000,
        },
        duplicate_keys: DuplicateKeyPolicy::Error,
        // `yes`/`no`/`on`/`off` are strings, not booleans (the YAML 1.1 "Norway problem").
        strict_booleans: true,
        with_snippet: false,
    }
}

/// Converts a serde-saphyr error into a diagnostic at the place it names, with a hint
/// for the common classes of mistakes.
fn parse_error_diagnostic(text: &str, err: &serde_saphyr::Error) -> Diagnostic {
    let message = plain_message(&strip_location_suffix(&err.without_snippet().to_string()));
    let site = match err.location() {
        Some(loc) if loc.line() > 0 => Site::Text(text_range(
            text,
            usize::try_from(loc.line()).unwrap_or(1),
            usize::try_from(loc.column()).unwrap_or(1),
        )),
        _ => Site::File,
    };
    Diagnostic {
        severity: Severity::Error,
        help: hint_for(&message),
        message,
        site,
    }
}

/// The range of the token at 1-based `line` and `column`.
fn text_range(text: &str, line: usize, column: usize) -> TextRange {
    let column = column.max(1);
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line_text = text[line_start.min(text.len())..]
        .lines()
        .next()
        .unwrap_or("");
    let col_offset: usize = line_text.chars().take(column - 1).map(char::len_utf8).sum();
    let start = (line_start + col_offset).min(text.len());
    // Underline the token at the spot: up to the next separator on the line.
    let rest = &text[start..];
    let token_len = rest.find(['\n', ',', '}', ']', '#']).unwrap_or(rest.len());
    let token = rest[..token_len].trim_end();
    // A key: underline the key, not its value.
    let token = token.split_once(": ").map_or(token, |(key, _)| key);
    let token = token.strip_suffix(':').unwrap_or(token);
    let end = start + token.len().max(1).min(rest.len());
    TextRange {
        line,
        column,
        start,
        end,
    }
}

/// serde-saphyr appends " at line L column C" to some messages; the snippet says that.
fn strip_location_suffix(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains("column") => message[..i].to_owned(),
        _ => message.to_owned(),
    }
}

/// Rewrites the parser's internal phrasings into the spec's terms.
fn plain_message(message: &str) -> String {
    let message = message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .replace("duplicate mapping key", "duplicate key");
    if message.contains("expected mapping start") {
        return "expected a mapping (key: value pairs) here".to_owned();
    }
    if message.contains("expected sequence start") {
        return "expected a list here".to_owned();
    }
    if message.contains("expected string scalar") {
        return "expected a single string here".to_owned();
    }
    if message.contains("Documents") && message.contains("budget") {
        return "a spec file holds one YAML document, but this one has several (`---`)".to_owned();
    }
    message
}

fn hint_for(message: &str) -> Option<String> {
    let m = message.to_ascii_lowercase();
    let hint = if m.contains("flow mapping") || m.contains("flow sequence") {
        "inside `{...}` or `[...]`, quote values that contain `{`, `}`, `[`, `]` or `,` \
         — e.g. name: \"ses-${account_id}\""
    } else if m.contains("unknown field") {
        "remove the key or fix its spelling; the spec reference lists every key (sesinfra schema)"
    } else if m.contains("duplicate") {
        "each key may appear once in a mapping; remove or merge the repeated key"
    } else if m.contains("missing field") {
        "add the required key"
    } else if m.contains("unknown variant") {
        "use one of the listed values (they are case-sensitive)"
    } else if m.contains("invalid boolean") {
        "write true or false"
    } else if m.contains("one yaml document") {
        "keep one document per spec file; use one file per stack"
    } else if m.contains("alias") || m.contains("budget") || m.contains("limit") {
        "the file exceeds sesinfra's parser limits (aliases, depth or size); write the values out"
    } else if m.contains("invalid type") {
        "the value has the wrong YAML type for this key"
    } else {
        return None;
    };
    Some(hint.to_owned())
}
