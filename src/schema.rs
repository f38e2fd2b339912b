//! The JSON Schema of the spec, generated from the Rust types so the two cannot
//! disagree. `schemas/sesinfra.schema.json` is this output, committed for editors; a
//! test fails when they differ.

use crate::spec::Spec;

/// Where editors find the committed schema, relative to the repository root.
pub const COMMITTED_PATH: &str = "schemas/sesinfra.schema.json";

/// The schema as pretty JSON text with a trailing newline.
pub fn spec_schema_json() -> String {
    let schema = schemars::schema_for!(Spec);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
