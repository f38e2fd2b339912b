//! IAM policy documents compared by meaning, never as text. IAM returns documents
//! URL-encoded, with keys reordered, and with single-element lists collapsed to a
//! string (or the reverse); none of that is a change.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Map, Value};

/// A policy document. Equality is semantic (see `normalized`).
#[derive(Clone)]
pub struct PolicyDocument {
    value: Value,
    normalized: Value,
}

#[derive(Debug, thiserror::Error)]
#[error("not a JSON policy document: {0}")]
pub struct PolicyParseError(String);

impl PolicyDocument {
    pub fn new(value: Value) -> PolicyDocument {
        let normalized = normalize_document(&value);
        PolicyDocument { value, normalized }
    }

    /// Parses a document as IAM returns it: URL-encoded JSON (plain JSON is accepted too).
    pub fn from_iam(text: &str) -> Result<PolicyDocument, PolicyParseError> {
        let decoded = if text.trim_start().starts_with('{') {
            text.to_owned()
        } else {
            urlencoding::decode(text)
                .map_err(|e| PolicyParseError(e.to_string()))?
                .into_owned()
        };
        let value: Value =
            serde_json::from_str(&decoded).map_err(|e| PolicyParseError(e.to_string()))?;
        if !value.is_object() {
            return Err(PolicyParseError("the document is not a JSON object".into()));
        }
        Ok(PolicyDocument::new(value))
    }

    /// The document as written (for sending to AWS).
    pub fn to_json(&self) -> String {
        self.value.to_string()
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The canonical form used for comparison.
    pub fn normalized(&self) -> &Value {
        &self.normalized
    }

    /// Length of the document as IAM counts it for size quotas (whitespace excluded).
    pub fn compact_len(&self) -> usize {
        self.value.to_string().len()
    }
}

impl PartialEq for PolicyDocument {
    fn eq(&self, other: &Self) -> bool {
        self.normalized == other.normalized
    }
}

impl Eq for PolicyDocument {}

impl fmt::Debug for PolicyDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PolicyDocument({})", self.value)
    }
}

/// Keys whose value may be a string or a list of strings, meaning the same set.
const SET_KEYS: [&str; 4] = ["Action", "NotAction", "Resource", "NotResource"];

fn normalize_document(doc: &Value) -> Value {
    let Value::Object(map) = doc else {
        return doc.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let v = if key == "Statement" {
            let statements: Vec<Value> = match value {
                Value::Array(items) => items.iter().map(normalize_statement).collect(),
                single => vec![normalize_statement(single)],
            };
            let mut statements = statements;
            statements.sort_by(compare_values);
            statements.dedup();
            Value::Array(statements)
        } else {
            value.clone()
        };
        out.insert(key.clone(), v);
    }
    Value::Object(out)
}

fn normalize_statement(statement: &Value) -> Value {
    let Value::Object(map) = statement else {
        return statement.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let v = match key.as_str() {
            k if SET_KEYS.contains(&k) => string_set(value),
            // {"Service": "x"} vs {"Service": ["x"]}; "*" stays a string.
            "Principal" | "NotPrincipal" => match value {
                Value::Object(p) => {
                    Value::Object(p.iter().map(|(k, v)| (k.clone(), string_set(v))).collect())
                }
                other => other.clone(),
            },
            // {"StringEquals": {"k": "v"}} vs {"k": ["v"]}.
            "Condition" => match value {
                Value::Object(ops) => Value::Object(
                    ops.iter()
                        .map(|(op, kv)| {
                            let kv = match kv {
                                Value::Object(kv) => Value::Object(
                                    kv.iter()
                                        // Condition keys are case-insensitive in IAM.
                                        .map(|(k, v)| (k.to_ascii_lowercase(), string_set(v)))
                                        .collect(),
                                ),
                                other => other.clone(),
                            };
                            (op.clone(), kv)
                        })
                        .collect(),
                ),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), v);
    }
    Value::Object(out)
}

/// A string or list of strings as a sorted, deduplicated list.
fn string_set(value: &Value) -> Value {
    match value {
        Value::String(_) => Value::Array(vec![value.clone()]),
        Value::Array(items) => {
            let mut items = items.clone();
            items.sort_by(compare_values);
            items.dedup();
            Value::Array(items)
        }
        other => other.clone(),
    }
}

fn compare_values(a: &Value, b: &Value) -> Ordering {
    a.to_string().cmp(&b.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reordered_and_collapsed_documents_are_equal() {
        let a = PolicyDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "ses.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"}}
            }]
        }));
        let b = PolicyDocument::new(json!({
            "Statement": {
                "Condition": {"StringEquals": {"aws:SourceAccount": ["123456789012"]}},
                "Action": ["sts:AssumeRole"],
                "Principal": {"Service": ["ses.amazonaws.com"]},
                "Effect": "Allow"
            },
            "Version": "2012-10-17"
        }));
        assert_eq!(a, b);
    }

    #[test]
    fn url_encoded_iam_documents_parse() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22s3%3APutObject%22%2C%22s3%3AGetObject%22%5D%2C%22Resource%22%3A%22*%22%7D%5D%7D";
        let parsed = PolicyDocument::from_iam(encoded).unwrap();
        let expected = PolicyDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["*"]}]
        }));
        assert_eq!(parsed, expected);
    }

    #[test]
    fn real_changes_are_not_equal() {
        let base = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]});
        let mut changed = base.clone();
        changed["Statement"][0]["Action"] = json!(["s3:PutObject", "s3:DeleteObject"]);
        assert_ne!(
            PolicyDocument::new(base.clone()),
            PolicyDocument::new(changed)
        );
        let mut no_condition = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ses.amazonaws.com"}}]});
        let with_condition = {
            let mut v = no_condition.clone();
            v["Statement"][0]["Condition"] = json!({"StringEquals": {"aws:SourceAccount": "1"}});
            v
        };
        assert_ne!(
            PolicyDocument::new(no_condition.take()),
            PolicyDocument::new(with_condition)
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(PolicyDocument::from_iam("not json").is_err());
        assert!(PolicyDocument::from_iam("%5B%5D").is_err());
    }
}
