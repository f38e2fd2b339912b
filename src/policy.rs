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

// ----------------------------------------------------------------------------- evaluation

/// One request as IAM evaluates it against an identity-based policy: an action on a
/// resource, with the request's context keys (single-valued).
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: &'a str,
    pub context: &'a [(&'a str, &'a str)],
}

/// IAM's outcome for one policy: an explicit deny wins over any allow; with neither,
/// the request is implicitly denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// A part of a policy the evaluator does not understand; it refuses to guess.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot evaluate the policy: {0}")]
pub struct Unsupported(String);

impl PolicyDocument {
    /// Evaluates `request` against this document as IAM does for an identity policy:
    /// `Effect`, `Action`/`NotAction` (case-insensitive, `*` and `?` wildcards),
    /// `Resource`/`NotResource` (wildcards, case-sensitive), and `Condition` with the
    /// operators `StringEquals`, `StringNotEquals`, `StringLike`, `StringNotLike`
    /// (condition keys case-insensitive; several values of one key: any matches; several
    /// keys and operators: all must hold; a key absent from the request fails a positive
    /// operator). Anything else (other operators, `...IfExists`, `Principal` matching)
    /// is an `Unsupported` error rather than a guess.
    pub fn evaluate(&self, request: &Request<'_>) -> Result<Decision, Unsupported> {
        let statements = match self.value.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
            Some(single @ Value::Object(_)) => vec![single],
            _ => return Err(Unsupported("no Statement".into())),
        };
        let mut allowed = false;
        for statement in statements {
            if !statement_applies(statement, request)? {
                continue;
            }
            match statement.get("Effect").and_then(Value::as_str) {
                Some("Deny") => return Ok(Decision::ExplicitDeny),
                Some("Allow") => allowed = true,
                other => return Err(Unsupported(format!("Effect {other:?}"))),
            }
        }
        Ok(if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        })
    }
}

impl PolicyDocument {
    /// Whether a resource policy (a KMS key policy, a topic policy) lets the AWS service
    /// principal `service` (e.g. `ses.amazonaws.com`) do `action`: an `Allow` statement
    /// whose `Principal` names the service (or everyone) and whose `Action` matches, and
    /// no `Deny` statement that matches the same way. Conditions are not evaluated: they
    /// narrow a grant to the requests the service makes on the stack's behalf, which is
    /// what a statement for a service usually does.
    pub fn grants_service(&self, service: &str, action: &str) -> bool {
        let statements = match self.value.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
            Some(single @ Value::Object(_)) => vec![single],
            _ => return false,
        };
        let names = |v: Option<&Value>| -> Vec<String> {
            match v {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            }
        };
        let principal_matches = |statement: &Value| match statement.get("Principal") {
            Some(Value::String(star)) => star == "*",
            Some(Value::Object(p)) => {
                names(p.get("Service")).iter().any(|s| s == service)
                    || names(p.get("AWS")).iter().any(|s| s == "*")
            }
            _ => false,
        };
        let action_matches = |statement: &Value| {
            names(statement.get("Action"))
                .iter()
                .any(|a| wildcard_match(&a.to_ascii_lowercase(), &action.to_ascii_lowercase()))
        };
        let matching = |effect: &str| {
            statements.iter().any(|s| {
                s.get("Effect").and_then(Value::as_str) == Some(effect)
                    && principal_matches(s)
                    && action_matches(s)
            })
        };
        matching("Allow") && !matching("Deny")
    }
}

fn strings(value: &Value) -> Result<Vec<&str>, Unsupported> {
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| Unsupported(format!("not a string: {v}")))
            })
            .collect(),
        other => Err(Unsupported(format!("not a string or list: {other}"))),
    }
}

/// Whether `statement` matches by `key` (positive) or `not_key` (negated).
fn element_matches(
    statement: &Value,
    key: &str,
    not_key: &str,
    actual: &str,
    case_insensitive: bool,
) -> Result<bool, Unsupported> {
    let matches = |patterns: Vec<&str>| {
        patterns.iter().any(|p| {
            if case_insensitive {
                wildcard_match(&p.to_ascii_lowercase(), &actual.to_ascii_lowercase())
            } else {
                wildcard_match(p, actual)
            }
        })
    };
    match (statement.get(key), statement.get(not_key)) {
        (Some(v), None) => Ok(matches(strings(v)?)),
        (None, Some(v)) => Ok(!matches(strings(v)?)),
        _ => Err(Unsupported(format!(
            "a statement needs one of {key}, {not_key}"
        ))),
    }
}

fn statement_applies(statement: &Value, request: &Request<'_>) -> Result<bool, Unsupported> {
    if statement.get("Principal").is_some() || statement.get("NotPrincipal").is_some() {
        return Err(Unsupported("Principal (not an identity policy)".into()));
    }
    if !element_matches(statement, "Action", "NotAction", request.action, true)?
        || !element_matches(
            statement,
            "Resource",
            "NotResource",
            request.resource,
            false,
        )?
    {
        return Ok(false);
    }
    let Some(condition) = statement.get("Condition") else {
        return Ok(true);
    };
    let Value::Object(operators) = condition else {
        return Err(Unsupported("Condition is not an object".into()));
    };
    for (operator, pairs) in operators {
        let Value::Object(pairs) = pairs else {
            return Err(Unsupported(format!("{operator} is not an object")));
        };
        for (key, expected) in pairs {
            let expected = strings(expected)?;
            let actual = request
                .context
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| *v);
            let holds = match (operator.as_str(), actual) {
                ("StringEquals" | "StringLike", None) => false,
                ("StringNotEquals" | "StringNotLike", None) => true,
                ("StringEquals", Some(a)) => expected.contains(&a),
                ("StringNotEquals", Some(a)) => !expected.contains(&a),
                ("StringLike", Some(a)) => expected.iter().any(|e| wildcard_match(e, a)),
                ("StringNotLike", Some(a)) => !expected.iter().any(|e| wildcard_match(e, a)),
                (other, _) => return Err(Unsupported(format!("condition operator {other}"))),
            };
            if !holds {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// IAM's wildcard match: `*` any run of characters (also none), `?` exactly one.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and the text position it currently stands for.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
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
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y"));
        assert!(wildcard_match("arn:aws:s3:::b/*", "arn:aws:s3:::b/"));
        assert!(!wildcard_match("arn:aws:s3:::b/*", "arn:aws:s3:::b"));
        assert!(!wildcard_match("arn:aws:s3:::b/*", "arn:aws:s3:::bb/x"));
        assert!(wildcard_match("s3:*Object", "s3:PutObject"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "axxbyyc"));
        assert!(!wildcard_match("a*b*c", "axxbyy"));
        assert!(wildcard_match("exact", "exact"));
        assert!(!wildcard_match("exact", "exactly"));
    }

    #[test]
    fn evaluation_follows_effect_action_resource_and_conditions() {
        let doc = PolicyDocument::new(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
                 "Condition": {"StringEquals": {"aws:SourceAccount": ["1", "2"]}}},
                {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
            ]
        }));
        let eval = |action, resource, context: &[(&str, &str)]| {
            doc.evaluate(&Request {
                action,
                resource,
                context,
            })
            .unwrap()
        };
        let ok = [("AWS:SourceAccount", "2")];
        assert_eq!(
            eval("S3:GetObject", "arn:aws:s3:::b/k", &ok),
            Decision::Allow
        );
        assert_eq!(
            eval("s3:GetObject", "arn:aws:s3:::c/k", &ok),
            Decision::ImplicitDeny
        );
        assert_eq!(
            eval(
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                &[("aws:SourceAccount", "3")]
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(
            eval("s3:GetObject", "arn:aws:s3:::b/k", &[]),
            Decision::ImplicitDeny
        );
        assert_eq!(
            eval("s3:DeleteObject", "arn:aws:s3:::b/k", &ok),
            Decision::ExplicitDeny
        );
        let unknown = PolicyDocument::new(json!({"Statement": {"Effect": "Allow", "Action": "*",
            "Resource": "*", "Condition": {"NumericLessThan": {"k": "1"}}}}));
        assert!(
            unknown
                .evaluate(&Request {
                    action: "a",
                    resource: "r",
                    context: &[]
                })
                .is_err()
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(PolicyDocument::from_iam("not json").is_err());
        assert!(PolicyDocument::from_iam("%5B%5D").is_err());
    }

    #[test]
    fn a_key_policy_grants_a_service_by_its_principal_and_actions() {
        let policy = PolicyDocument::new(json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": {"Service": ["ses.amazonaws.com"]},
             "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}
        ]}));
        assert!(policy.grants_service("ses.amazonaws.com", "kms:GenerateDataKey"));
        assert!(policy.grants_service("ses.amazonaws.com", "kms:Decrypt"));
        assert!(!policy.grants_service("ses.amazonaws.com", "kms:Encrypt"));
        assert!(!policy.grants_service("cloudwatch.amazonaws.com", "kms:Decrypt"));
        let denied = PolicyDocument::new(json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": {"Service": "ses.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*"}
        ]}));
        assert!(denied.grants_service("cloudwatch.amazonaws.com", "kms:Decrypt"));
        assert!(!denied.grants_service("ses.amazonaws.com", "kms:Decrypt"));
    }
}
