//! Where each key and value of a spec file stands in its text. Validation works on
//! typed structures that have lost their positions; it names a `Path` instead, and this
//! index turns the path back into a line, column and byte range for the error snippet.
//!
//! Built from the YAML parser's event stream (granit-parser, the parser under
//! serde-saphyr) only after serde-saphyr accepted the file, so the budget limits there
//! have already been enforced. Aliases are not followed: a path through an alias
//! resolves to the alias itself.

use std::collections::BTreeMap;
use std::fmt;

use serde_saphyr::granit_parser::{Event, Parser, Span};

/// One step into the spec tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A location in the spec tree, e.g. `configuration_sets.Main.event_destinations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path(pub Vec<Seg>);

impl Path {
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// This path extended by a mapping key.
    pub fn key(&self, key: &str) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_owned()));
        Path(segs)
    }

    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> Path {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        Path(segs)
    }

    fn parent(&self) -> Option<Path> {
        let mut segs = self.0.clone();
        segs.pop().map(|_| Path(segs))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if plain {
                        f.write_str(k)?;
                    } else {
                        write!(f, "\"{}\"", k.replace('"', "\\\""))?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A place in the text: 1-based line and column, and the byte range it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRange {
    pub line: usize,
    pub column: usize,
    pub start: usize,
    pub end: usize,
}

/// The key and value text of one node.
#[derive(Debug, Clone, Copy)]
struct NodeText {
    /// The mapping key that leads to the node (none for sequence items and the root).
    key: Option<TextRange>,
    /// The node itself; for a collection, its first token.
    value: TextRange,
    /// Whether the node is a scalar or alias (its whole text is `value`).
    is_scalar: bool,
}

/// Which part of a node a diagnostic points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The key (for "unknown key", "name clash" and problems with a whole section).
    Key,
    /// The value (for "invalid value"); falls back to the key for collections.
    Value,
}

#[derive(Debug, Default)]
pub struct SourceMap {
    nodes: BTreeMap<Path, NodeText>,
}

impl SourceMap {
    /// Indexes `text`. A text the parser rejects gives an empty map (the caller has
    /// reported the parse error already).
    pub fn build(text: &str) -> SourceMap {
        let mut builder = Builder {
            text,
            nodes: BTreeMap::new(),
            stack: Vec::new(),
            skip_depth: 0,
            done: false,
        };
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            builder.event(&event, span);
            if builder.done {
                break;
            }
        }
        SourceMap {
            nodes: builder.nodes,
        }
    }

    /// The text range for `path`, or for its nearest ancestor that is in the file
    /// (a missing key points at the mapping that should hold it).
    pub fn locate(&self, path: &Path, focus: Focus) -> Option<TextRange> {
        let mut current = Some(path.clone());
        while let Some(p) = current {
            if let Some(node) = self.nodes.get(&p) {
                let pick_key = focus == Focus::Key || !node.is_scalar || p != *path;
                return Some(match (pick_key, node.key) {
                    (true, Some(key)) => key,
                    _ => node.value,
                });
            }
            current = p.parent();
        }
        None
    }
}

enum Frame {
    Map {
        path: Path,
        pending_key: Option<(String, TextRange)>,
    },
    Seq {
        path: Path,
        next_index: usize,
    },
}

struct Builder<'t> {
    text: &'t str,
    nodes: BTreeMap<Path, NodeText>,
    stack: Vec<Frame>,
    /// Depth inside a complex (non-scalar) mapping key, which is skipped.
    skip_depth: usize,
    done: bool,
}

impl Builder<'_> {
    fn range(&self, span: Span) -> TextRange {
        let start = byte_offset(self.text, span.start.byte_offset(), span.start.index());
        let end = byte_offset(self.text, span.end.byte_offset(), span.end.index()).max(start);
        TextRange {
            line: span.start.line(),
            column: span.start.col() + 1,
            start,
            end,
        }
    }

    fn event(&mut self, event: &Event<'_>, span: Span) {
        if self.skip_depth > 0 {
            match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => self.skip_depth += 1,
                Event::MappingEnd | Event::SequenceEnd => self.skip_depth -= 1,
                _ => {}
            }
            return;
        }
        match event {
            Event::Scalar(value, ..) => {
                let range = self.range(span);
                if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut()
                    && pending_key.is_none()
                {
                    *pending_key = Some((value.to_string(), range));
                    return;
                }
                self.node(range, true);
            }
            Event::Alias(_) => {
                let range = self.range(span);
                if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut()
                    && pending_key.is_none()
                {
                    *pending_key = Some(("*alias".to_owned(), range));
                    return;
                }
                self.node(range, true);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if let Some(Frame::Map {
                    pending_key: None, ..
                }) = self.stack.last()
                {
                    // A collection used as a mapping key: not a spec shape; skip it.
                    self.skip_depth = 1;
                    return;
                }
                let range = self.range(span);
                let path = self.node(range, false);
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Map {
                        path,
                        pending_key: None,
                    },
                    _ => Frame::Seq {
                        path,
                        next_index: 0,
                    },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }

    /// Records a node at the current position and returns its path.
    fn node(&mut self, value: TextRange, is_scalar: bool) -> Path {
        let (path, key) = match self.stack.last_mut() {
            None => (Path::root(), None),
            Some(Frame::Map { path, pending_key }) => match pending_key.take() {
                Some((name, key_range)) => (path.key(&name), Some(key_range)),
                None => (path.clone(), None),
            },
            Some(Frame::Seq { path, next_index }) => {
                let p = path.index(*next_index);
                *next_index += 1;
                (p, None)
            }
        };
        self.nodes.entry(path.clone()).or_insert(NodeText {
            key,
            value,
            is_scalar,
        });
        path
    }
}

/// The byte offset of a marker, from the parser's byte offset when it has one, else
/// from its character index.
fn byte_offset(text: &str, bytes: Option<usize>, chars: usize) -> usize {
    bytes.unwrap_or_else(|| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(offset, _)| offset)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "version: 1\nstack: s\nconfiguration_sets:\n  Main:\n    event_destinations:\n      d:\n        events: [SEND, BOUNCE]\n";

    fn p(segs: &[&str]) -> Path {
        let mut path = Path::root();
        for s in segs {
            path = match s.parse::<usize>() {
                Ok(n) => path.index(n),
                Err(_) => path.key(s),
            };
        }
        path
    }

    #[test]
    fn locates_scalar_values_and_keys() {
        let map = SourceMap::build(TEXT);
        let stack = map.locate(&p(&["stack"]), Focus::Value).unwrap();
        assert_eq!((stack.line, stack.column), (2, 8));
        assert_eq!(&TEXT[stack.start..stack.end], "s");
        let key = map.locate(&p(&["stack"]), Focus::Key).unwrap();
        assert_eq!((key.line, key.column), (2, 1));
    }

    #[test]
    fn locates_sequence_items() {
        let map = SourceMap::build(TEXT);
        let path = p(&[
            "configuration_sets",
            "Main",
            "event_destinations",
            "d",
            "events",
            "1",
        ]);
        let r = map.locate(&path, Focus::Value).unwrap();
        assert_eq!(&TEXT[r.start..r.end], "BOUNCE");
        assert_eq!((r.line, r.column), (7, 24));
    }

    #[test]
    fn missing_key_points_at_nearest_ancestor_key() {
        let map = SourceMap::build(TEXT);
        let path = p(&["configuration_sets", "Main", "tracking"]);
        let r = map.locate(&path, Focus::Value).unwrap();
        assert_eq!(&TEXT[r.start..r.end], "Main");
    }

    #[test]
    fn path_display_quotes_keys_with_dots() {
        let path = p(&["identities", "example.com", "feedback_forwarding"]);
        assert_eq!(
            path.to_string(),
            "identities.\"example.com\".feedback_forwarding"
        );
        assert_eq!(p(&["a", "b", "2"]).to_string(), "a.b[2]");
    }
}
