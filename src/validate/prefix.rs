//! Firehose S3 prefix rules. Firehose evaluates `!{namespace:value}` expressions in
//! `Prefix` and `ErrorOutputPrefix`; AWS rejects some combinations at create time and
//! silently takes `{...}` without the `!` as literal text — a common mistake that
//! scatters records under a folder literally named `{timestamp:yyyy}`.

use crate::spec::limits::MAX_PREFIX_LEN;

#[derive(Debug, PartialEq, Eq)]
pub struct Problem {
    /// `prefix` or `error_output_prefix`.
    pub key: &'static str,
    pub is_error: bool,
    pub message: String,
    pub help: String,
}

/// An expression found in a prefix.
struct Expression<'a> {
    namespace: &'a str,
    value: &'a str,
}

/// Checks both prefixes of a stream (already interpolated).
pub fn check(prefix: &str, error_output_prefix: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let in_prefix = expressions(prefix, "prefix", &mut problems);
    let in_error = expressions(error_output_prefix, "error_output_prefix", &mut problems);

    for (key, value, exprs) in [
        ("prefix", prefix, &in_prefix),
        ("error_output_prefix", error_output_prefix, &in_error),
    ] {
        if value.len() > MAX_PREFIX_LEN {
            problems.push(error(
                key,
                format!("{key} is {} characters long", value.len()),
                format!("Firehose allows at most {MAX_PREFIX_LEN}"),
            ));
        }
        for e in exprs {
            match (e.namespace, e.value) {
                ("firehose", "random-string") => {}
                ("firehose", "error-output-type") if key == "error_output_prefix" => {}
                ("firehose", "error-output-type") => problems.push(error(
                    key,
                    "`!{firehose:error-output-type}` can only be used in error_output_prefix".into(),
                    "remove it from prefix".into(),
                )),
                ("timestamp", v) if !v.is_empty() => {}
                ("partitionKeyFromQuery" | "partitionKeyFromLambda", _) => problems.push(error(
                    key,
                    format!("`!{{{}:...}}` needs Firehose dynamic partitioning, which sesinfra does not configure", e.namespace),
                    "use `!{timestamp:...}` or `!{firehose:random-string}` expressions".into(),
                )),
                (ns, v) => problems.push(error(
                    key,
                    format!("`!{{{ns}:{v}}}` is not a Firehose expression"),
                    "valid expressions: !{timestamp:FORMAT} (a Java DateTimeFormatter pattern), !{firehose:random-string}, and in error_output_prefix !{firehose:error-output-type}".into(),
                )),
            }
        }
        if let Some(fixed) = literal_braces_fix(value) {
            problems.push(Problem {
                key,
                is_error: false,
                message: format!("`{value}` contains `{{...}}` without a leading `!`: Firehose writes it literally, not as an expression"),
                help: format!("write `{fixed}`"),
            });
        }
    }

    if !in_prefix.is_empty() && error_output_prefix.is_empty() {
        problems.push(error(
            "error_output_prefix",
            "prefix uses expressions, so Firehose requires an error_output_prefix".into(),
            "remove `error_output_prefix: \"\"` to get the default \"error/!{firehose:error-output-type}/\"".into(),
        ));
    }
    if !in_error.is_empty()
        && !in_error
            .iter()
            .any(|e| e.namespace == "firehose" && e.value == "error-output-type")
    {
        problems.push(error(
            "error_output_prefix",
            "an error_output_prefix with expressions must contain `!{firehose:error-output-type}`"
                .into(),
            "add `!{firehose:error-output-type}`, e.g. \"error/!{firehose:error-output-type}/\""
                .into(),
        ));
    }
    problems
}

fn error(key: &'static str, message: String, help: String) -> Problem {
    Problem {
        key,
        is_error: true,
        message,
        help,
    }
}

fn expressions<'a>(
    value: &'a str,
    key: &'static str,
    problems: &mut Vec<Problem>,
) -> Vec<Expression<'a>> {
    let mut found = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("!{") {
        let body_start = &rest[start + 2..];
        let Some(end) = body_start.find('}') else {
            problems.push(error(
                key,
                "`!{` is not closed by `}`".into(),
                "write expressions as !{namespace:value}".into(),
            ));
            break;
        };
        let body = &body_start[..end];
        if body.contains('{') || body.contains("!{") {
            problems.push(error(
                key,
                "Firehose expressions cannot be nested".into(),
                "write expressions as !{namespace:value}".into(),
            ));
        }
        let (namespace, v) = body.split_once(':').unwrap_or((body, ""));
        found.push(Expression {
            namespace,
            value: v,
        });
        rest = &body_start[end + 1..];
    }
    found
}

/// If `value` has `{firehose:`/`{timestamp:`/`{partitionKey…:` not preceded by `!`,
/// the value with the `!` added.
fn literal_braces_fix(value: &str) -> Option<String> {
    const NAMESPACES: [&str; 4] = [
        "{firehose:",
        "{timestamp:",
        "{partitionKeyFromQuery:",
        "{partitionKeyFromLambda:",
    ];
    let mut fixed = String::with_capacity(value.len() + 4);
    let mut changed = false;
    for (i, c) in value.char_indices() {
        if c == '{'
            && !value[..i].ends_with('!')
            && NAMESPACES.iter().any(|ns| value[i..].starts_with(ns))
        {
            fixed.push('!');
            changed = true;
        }
        fixed.push(c);
    }
    changed.then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(prefix: &str, error_prefix: &str) -> Vec<(bool, &'static str, String)> {
        check(prefix, error_prefix)
            .into_iter()
            .map(|p| (p.is_error, p.key, p.message))
            .collect()
    }

    #[test]
    fn defaults_and_good_expressions_pass() {
        assert!(check("", "error/!{firehose:error-output-type}/").is_empty());
        assert!(
            check(
                "ses/!{timestamp:yyyy/MM/dd}/",
                "error/!{firehose:error-output-type}/!{timestamp:yyyy}/"
            )
            .is_empty()
        );
        assert!(check("plain/", "").is_empty());
    }

    #[test]
    fn braces_without_bang_warn_with_the_fix() {
        let problems = check(
            "ses/{timestamp:yyyy}/",
            "error/{firehose:error-output-type}/",
        );
        assert_eq!(problems.len(), 2);
        assert!(problems.iter().all(|p| !p.is_error));
        assert_eq!(problems[0].help, "write `ses/!{timestamp:yyyy}/`");
        assert_eq!(
            problems[1].help,
            "write `error/!{firehose:error-output-type}/`"
        );
    }

    #[test]
    fn expression_in_prefix_requires_error_prefix() {
        let m = messages("!{timestamp:yyyy}/", "");
        assert_eq!(m.len(), 1);
        assert!(m[0].0 && m[0].1 == "error_output_prefix");
    }

    #[test]
    fn error_prefix_with_expressions_needs_error_output_type() {
        let m = messages("", "error/!{timestamp:yyyy}/");
        assert_eq!(m.len(), 1);
        assert!(m[0].2.contains("must contain"));
    }

    #[test]
    fn misplaced_unknown_and_unclosed_expressions_are_errors() {
        assert!(
            messages(
                "!{firehose:error-output-type}/",
                "error/!{firehose:error-output-type}/"
            )[0]
            .2
            .contains("only be used in error_output_prefix")
        );
        assert!(
            messages("!{foo:bar}/", "e/!{firehose:error-output-type}")[0]
                .2
                .contains("not a Firehose expression")
        );
        assert!(
            messages("!{timestamp:yyyy", "e/!{firehose:error-output-type}")[0]
                .2
                .contains("not closed")
        );
        assert!(
            messages(
                "!{partitionKeyFromQuery:id}/",
                "e/!{firehose:error-output-type}"
            )[0]
            .2
            .contains("dynamic partitioning")
        );
    }
}
