//! A small YAML writer for exported specs: block mappings in the order given, flow
//! lists of scalars, comments above keys. Strings are written plain only when YAML
//! cannot read them as anything else; otherwise double-quoted with JSON escapes (a
//! JSON string is a valid YAML double-quoted scalar).

use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A scalar, already written as YAML (see `string`, `bool`, `number`).
    Scalar(String),
    Map(Vec<Entry>),
    /// A list written in flow style: `[A, B]`.
    Flow(Vec<String>),
    /// A list of mappings, written in block style.
    List(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Node,
    /// Lines written above the key as `# ...`.
    pub comment: Vec<String>,
}

/// A mapping under construction.
#[derive(Debug, Default)]
pub struct MapBuilder(Vec<Entry>);

impl MapBuilder {
    pub fn new() -> MapBuilder {
        MapBuilder::default()
    }

    pub fn put(&mut self, key: &str, value: Node) -> &mut MapBuilder {
        self.0.push(Entry {
            key: key.to_owned(),
            value,
            comment: Vec::new(),
        });
        self
    }

    pub fn put_commented(
        &mut self,
        key: &str,
        value: Node,
        comment: Vec<String>,
    ) -> &mut MapBuilder {
        self.0.push(Entry {
            key: key.to_owned(),
            value,
            comment,
        });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn build(self) -> Node {
        Node::Map(self.0)
    }
}

pub fn string(value: &str) -> Node {
    Node::Scalar(quote(value))
}

pub fn bool(value: bool) -> Node {
    Node::Scalar(value.to_string())
}

pub fn number(value: impl std::fmt::Display) -> Node {
    Node::Scalar(value.to_string())
}

/// `value` as a YAML scalar that reads back as exactly this string.
pub fn quote(value: &str) -> String {
    let plain = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.@/-".contains(c))
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "inf" | "nan"
        );
    if plain {
        value.to_owned()
    } else {
        serde_json::Value::String(value.to_owned()).to_string()
    }
}

/// The document: a top-level mapping.
pub fn render(root: &Node) -> String {
    let mut out = String::new();
    write_node(&mut out, root, 0);
    out
}

fn write_node(out: &mut String, node: &Node, indent: usize) {
    let Node::Map(entries) = node else {
        return;
    };
    let pad = " ".repeat(indent);
    for entry in entries {
        for line in &entry.comment {
            let _ = writeln!(out, "{pad}# {line}");
        }
        let key = quote(&entry.key);
        match &entry.value {
            Node::Scalar(s) => {
                let _ = writeln!(out, "{pad}{key}: {s}");
            }
            Node::Flow(items) => {
                let _ = writeln!(out, "{pad}{key}: [{}]", items.join(", "));
            }
            Node::Map(inner) if inner.is_empty() => {
                let _ = writeln!(out, "{pad}{key}: {{}}");
            }
            Node::Map(_) => {
                let _ = writeln!(out, "{pad}{key}:");
                write_node(out, &entry.value, indent + 2);
            }
            Node::List(items) if items.is_empty() => {
                let _ = writeln!(out, "{pad}{key}: []");
            }
            Node::List(items) => {
                let _ = writeln!(out, "{pad}{key}:");
                for item in items {
                    let mut nested = String::new();
                    write_node(&mut nested, item, indent + 4);
                    // The first line of each item carries the dash.
                    let mut lines = nested.lines();
                    if let Some(first) = lines.next() {
                        let _ = writeln!(out, "{pad}  - {}", first.trim_start());
                    }
                    for line in lines {
                        let _ = writeln!(out, "{line}");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_plain_only_when_unambiguous() {
        assert_eq!(quote("ses-history"), "ses-history");
        assert_eq!(quote("example.com"), "example.com");
        assert_eq!(quote("yes"), "\"yes\"");
        assert_eq!(quote("123"), "\"123\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("${account_id}"), "\"${account_id}\"");
        assert_eq!(quote("a: b"), "\"a: b\"");
        assert_eq!(
            quote("error/!{firehose:error-output-type}/"),
            "\"error/!{firehose:error-output-type}/\""
        );
    }

    #[test]
    fn nested_maps_lists_and_comments() {
        let mut dims = MapBuilder::new();
        dims.put("name", string("campaign"))
            .put("default", string("none"));
        let mut inner = MapBuilder::new();
        inner
            .put("events", Node::Flow(vec!["SEND".into(), "BOUNCE".into()]))
            .put("dimensions", Node::List(vec![dims.build()]));
        let mut root = MapBuilder::new();
        root.put("version", number(1))
            .put_commented("set", inner.build(), vec!["a comment".into()])
            .put("tags", MapBuilder::new().build());
        assert_eq!(
            render(&root.build()),
            "version: 1\n# a comment\nset:\n  events: [SEND, BOUNCE]\n  dimensions:\n    - name: campaign\n      default: none\ntags: {}\n"
        );
    }
}
