//! `${...}` interpolation in spec string values: `${account_id}`, `${region}`,
//! `${stack}`, `${var.NAME}`, `${env.NAME}`; `$${` is a literal `${`. Firehose's own
//! `!{...}` expressions are not ours and pass through untouched.
//!
//! Offline (`validate`), the account id and possibly the region are unknown: they stay
//! symbolic, written back as `${account_id}` / `${region}`, and checks that need the
//! real value use `stand_in`.

use std::collections::BTreeMap;

/// What `${...}` can refer to.
pub struct Context<'a> {
    pub stack: &'a str,
    /// `None` offline: `${region}` stays symbolic.
    pub region: Option<&'a str>,
    /// `None` offline: `${account_id}` stays symbolic.
    pub account_id: Option<&'a str>,
    /// `variables:` merged with `--var` (the flag wins).
    pub variables: &'a BTreeMap<String, String>,
    /// Process environment lookup (a function so tests need not touch the real one).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpolationError {
    #[error("`${{` is not closed by `}}`")]
    Unterminated,
    #[error("unknown interpolation `${{{0}}}`")]
    Unknown(String),
    #[error("variable `{0}` is not defined")]
    UndefinedVariable(String),
    #[error("environment variable `{0}` is not set")]
    MissingEnv(String),
}

impl InterpolationError {
    /// What would be valid.
    pub fn help(&self) -> String {
        match self {
            InterpolationError::Unterminated => {
                "close it with `}`, or write `$${` for a literal `${`".to_owned()
            }
            InterpolationError::Unknown(_) => "valid forms: ${account_id}, ${region}, ${stack}, \
                 ${var.NAME}, ${env.NAME}; write `$${` for a literal `${`"
                .to_owned(),
            InterpolationError::UndefinedVariable(name) => {
                format!("define it under `variables:` or pass `--var {name}=VALUE`")
            }
            InterpolationError::MissingEnv(name) => {
                format!("set {name} in the environment, or use a ${{var.NAME}} with a default")
            }
        }
    }
}

/// Placeholder written for a value unknown offline; also how to recognise one.
pub const SYMBOLIC_ACCOUNT_ID: &str = "${account_id}";
pub const SYMBOLIC_REGION: &str = "${region}";

/// A value with the same shape as the real one, for length and character checks
/// of strings that still hold a symbolic `${account_id}` or `${region}`.
pub fn stand_in(value: &str) -> String {
    // Account ids are always 12 digits; "us-east-1" is a typical region.
    value
        .replace(SYMBOLIC_ACCOUNT_ID, "123456789012")
        .replace(SYMBOLIC_REGION, "us-east-1")
}

/// Expands every `${...}` in `input`.
pub fn interpolate(input: &str, ctx: &Context<'_>) -> Result<String, InterpolationError> {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(escaped) = after.strip_prefix("${") {
            out.push_str("${");
            rest = escaped;
        } else if let Some(body_and_rest) = after.strip_prefix('{') {
            let end = body_and_rest
                .find('}')
                .ok_or(InterpolationError::Unterminated)?;
            out.push_str(&resolve(&body_and_rest[..end], ctx)?);
            rest = &body_and_rest[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn resolve(body: &str, ctx: &Context<'_>) -> Result<String, InterpolationError> {
    let body = body.trim();
    match body {
        "stack" => return Ok(ctx.stack.to_owned()),
        "region" => return Ok(ctx.region.unwrap_or(SYMBOLIC_REGION).to_owned()),
        "account_id" => return Ok(ctx.account_id.unwrap_or(SYMBOLIC_ACCOUNT_ID).to_owned()),
        _ => {}
    }
    if let Some(name) = body.strip_prefix("var.").filter(|n| is_name(n)) {
        return ctx
            .variables
            .get(name)
            .cloned()
            .ok_or_else(|| InterpolationError::UndefinedVariable(name.to_owned()));
    }
    if let Some(name) = body.strip_prefix("env.").filter(|n| is_name(n)) {
        return (ctx.env)(name).ok_or_else(|| InterpolationError::MissingEnv(name.to_owned()));
    }
    Err(InterpolationError::Unknown(body.to_owned()))
}

/// Variable and environment names: a letter or `_`, then letters, digits, `_` or `-`.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_ctx<T>(account: Option<&str>, f: impl FnOnce(&Context<'_>) -> T) -> T {
        let vars = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
        let env = |name: &str| (name == "HOME_TEAM").then(|| "mail".to_owned());
        let ctx = Context {
            stack: "mail-prod",
            region: Some("eu-west-1"),
            account_id: account,
            variables: &vars,
            env: &env,
        };
        f(&ctx)
    }

    #[test]
    fn expands_every_form() {
        let got = with_ctx(Some("111122223333"), |c| {
            interpolate(
                "${stack}/${region}/${account_id}/${var.env}/${env.HOME_TEAM}",
                c,
            )
        });
        assert_eq!(got.unwrap(), "mail-prod/eu-west-1/111122223333/prod/mail");
    }

    #[test]
    fn account_id_stays_symbolic_offline() {
        let got = with_ctx(None, |c| interpolate("b-${account_id}", c)).unwrap();
        assert_eq!(got, "b-${account_id}");
        assert_eq!(stand_in(&got), "b-123456789012");
    }

    #[test]
    fn escape_and_firehose_expressions_pass_through() {
        let got = with_ctx(None, |c| {
            interpolate("$${literal} !{timestamp:yyyy} $5 $$x", c)
        });
        assert_eq!(got.unwrap(), "${literal} !{timestamp:yyyy} $5 $$x");
    }

    #[test]
    fn errors_name_the_problem() {
        let err = |s: &str| with_ctx(None, |c| interpolate(s, c)).unwrap_err();
        assert_eq!(
            err("${var.nope}"),
            InterpolationError::UndefinedVariable("nope".into())
        );
        assert_eq!(
            err("${env.NOPE}"),
            InterpolationError::MissingEnv("NOPE".into())
        );
        assert_eq!(
            err("${acount_id}"),
            InterpolationError::Unknown("acount_id".into())
        );
        assert_eq!(err("x-${stack"), InterpolationError::Unterminated);
        assert_eq!(err("${var.}"), InterpolationError::Unknown("var.".into()));
    }
}
