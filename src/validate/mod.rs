//! Spec → validated model. Every rule of the contract runs and every problem is
//! collected (not just the first), each pointing at the key or value it is about.
//! Offline: no AWS call is made here; `${account_id}` stays symbolic unless the caller
//! knows it.
//!
//! This file is the orchestration: the `Checker` that collects diagnostics, the order
//! the sections run in, and the `Model` they build. Each spec section has its own file
//! of `impl Checker` rules: `stack.rs` (version, stack, variables, region), `tags.rs`,
//! `buckets.rs`, `streams.rs`, `configuration_sets.rs`, `event_destinations.rs`,
//! `sns_topics.rs` (with `topic`/`topic_arn` references), `identities.rs` (with their
//! notification topics) and the bounce/complaint rule in `feedback.rs`, `alarms.rs`,
//! `account.rs`, and `analytics.rs`.
//! AWS's naming/ARN rules (`names.rs`) and Firehose prefix rules (`prefix.rs`) are pure
//! functions. Every default and limit comes from `crate::spec::limits`.

mod account;
mod alarms;
mod analytics;
mod buckets;
mod configuration_sets;
mod event_destinations;
mod feedback;
mod identities;
pub mod names;
mod prefix;
mod sns_topics;
mod stack;
mod streams;
mod tags;

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::Model;
use crate::spec::interpolate::{self, Context};
use crate::spec::load::SpecFile;
use crate::spec::source_map::{Focus, Path};
use crate::spec::types;

/// What validation needs besides the spec.
pub struct Inputs<'a> {
    /// `--region` or the environment's region; the spec's `region:` wins over it.
    pub region: Option<String>,
    /// Known when AWS has been asked (plan/apply); `None` offline.
    pub account_id: Option<String>,
    /// `--var NAME=VALUE` flags; they win over `variables:`.
    pub vars: BTreeMap<String, String>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// The outcome: a model when there are no errors, and every diagnostic either way.
pub struct Validated {
    pub model: Option<Model>,
    pub diagnostics: Diagnostics,
}

pub fn validate(file: SpecFile, inputs: &Inputs<'_>) -> Validated {
    let SpecFile {
        file,
        text,
        source_map,
        spec,
    } = file;
    let mut variables = spec.variables.clone();
    variables.extend(inputs.vars.clone());
    let mut checker = Checker {
        diagnostics: Vec::new(),
    };
    let model = checker.spec(&spec, inputs, &variables);
    let diagnostics = Diagnostics {
        file,
        text,
        source_map,
        items: checker.diagnostics,
    };
    Validated {
        model: if diagnostics.has_errors() {
            None
        } else {
            Some(model)
        },
        diagnostics,
    }
}

struct Checker {
    diagnostics: Vec<Diagnostic>,
}

fn root() -> Path {
    Path::root()
}

impl Checker {
    fn error(
        &mut self,
        path: &Path,
        focus: Focus,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::error(path, focus, message).with_help(help));
    }

    fn warning(
        &mut self,
        path: &Path,
        focus: Focus,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::warning(path, focus, message).with_help(help));
    }

    /// Reports `Err(rule)` of a name check as an invalid value.
    fn check(&mut self, path: &Path, value: &str, rule: Result<(), String>) -> bool {
        match rule {
            Ok(()) => true,
            Err(help) => {
                self.error(path, Focus::Value, format!("`{value}` is not valid"), help);
                false
            }
        }
    }

    /// Like `check`, for a map key (a name given as the key of a mapping).
    fn check_key(&mut self, path: &Path, value: &str, rule: Result<(), String>) -> bool {
        match rule {
            Ok(()) => true,
            Err(help) => {
                self.error(
                    path,
                    Focus::Key,
                    format!("`{value}` is not a valid name"),
                    help,
                );
                false
            }
        }
    }

    /// Expands `${...}` in a string value; on failure reports it and returns the raw text.
    fn text(&mut self, ctx: &Context<'_>, path: &Path, raw: &str) -> String {
        match interpolate::interpolate(raw, ctx) {
            Ok(s) => s,
            Err(e) => {
                let help = e.help();
                self.error(
                    path,
                    Focus::Value,
                    format!("invalid interpolation in `{raw}`: {e}"),
                    help,
                );
                raw.to_owned()
            }
        }
    }

    /// Expands a value and checks the result (with symbolic parts stood in for).
    fn checked_text(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        raw: &str,
        rule: fn(&str) -> Result<(), String>,
    ) -> String {
        let value = self.text(ctx, path, raw);
        if !value.contains("${") || interpolate::stand_in(&value) != value {
            let checked = interpolate::stand_in(&value);
            if !checked.contains("${") {
                self.check(path, &value, rule(&checked));
            }
        }
        value
    }

    /// Reports a reference to a name the spec does not define, listing those it does.
    fn dangling<'k>(
        &mut self,
        path: &Path,
        kind: &str,
        name: &str,
        known: impl Iterator<Item = &'k String>,
    ) {
        let known: Vec<&str> = known.map(String::as_str).collect();
        let help = if known.is_empty() {
            format!("the spec defines no {kind}; add one or fix the reference")
        } else {
            format!("known {kind}s: {}", known.join(", "))
        };
        self.error(
            path,
            Focus::Value,
            format!("there is no {kind} `{name}`"),
            help,
        );
    }

    /// Runs every section in spec order (so diagnostics come out in that order too)
    /// and assembles what they return.
    fn spec(
        &mut self,
        spec: &types::Spec,
        inputs: &Inputs<'_>,
        variables: &BTreeMap<String, String>,
    ) -> Model {
        self.header(spec);
        let region = self.region(spec, inputs, variables);
        let ctx = Context {
            stack: &spec.stack,
            region: region.as_deref(),
            account_id: inputs.account_id.as_deref(),
            variables,
            env: inputs.env,
        };
        let tags = self.stack_tags(&ctx, spec);
        let buckets = self.buckets(&ctx, spec);
        let streams = self.streams(&ctx, spec);
        let sns_topics = self.sns_topics(&ctx, spec);
        // Streams referenced by an event destination; the rest are reported unused.
        let mut used_streams = BTreeSet::new();
        let configuration_sets = self.configuration_sets(&ctx, spec, &tags, &mut used_streams);
        self.unused_streams(spec, &used_streams);
        let identities = self.identities(&ctx, spec, &configuration_sets);
        let alarms = self.alarms(&ctx, spec, &configuration_sets);
        let account = spec.account.as_ref().map(|a| self.account(a, spec));
        let athena = spec
            .analytics
            .as_ref()
            .and_then(|a| a.athena.as_ref())
            .and_then(|a| self.athena(&ctx, a, spec, &buckets, &streams));

        Model {
            stack: spec.stack.clone(),
            region,
            tags,
            buckets,
            streams,
            configuration_sets,
            identities,
            account,
            sns_topics,
            alarms,
            athena,
        }
    }
}

/// For the sections' unit tests: validate a YAML text offline and state each
/// diagnostic as one line, `SEVERITY PATH: MESSAGE (HELP)`.
#[cfg(test)]
mod testing {
    use std::collections::BTreeMap;

    use super::{Inputs, Validated, validate};
    use crate::diagnostics::{Severity, Site};
    use crate::model::Model;

    fn run(yaml: &str, region: Option<&str>) -> Validated {
        let file = crate::spec::parse("test.yaml".into(), yaml.into())
            .unwrap_or_else(|e| panic!("the test spec does not parse: {e:?}"));
        let inputs = Inputs {
            region: region.map(str::to_owned),
            account_id: None,
            vars: BTreeMap::new(),
            env: &|_| None,
        };
        validate(file, &inputs)
    }

    fn lines(validated: &Validated) -> Vec<String> {
        validated
            .diagnostics
            .items
            .iter()
            .map(|d| {
                let severity = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let site = match &d.site {
                    Site::Path(path, _) => path.to_string(),
                    other => format!("{other:?}"),
                };
                match &d.help {
                    Some(help) => format!("{severity} {site}: {} ({help})", d.message),
                    None => format!("{severity} {site}: {}", d.message),
                }
            })
            .collect()
    }

    pub fn findings(yaml: &str) -> Vec<String> {
        lines(&run(yaml, None))
    }

    /// As `findings`, with `--region region` given.
    pub fn findings_with_region(yaml: &str, region: &str) -> Vec<String> {
        lines(&run(yaml, Some(region)))
    }

    /// The model of a valid spec (warnings allowed).
    pub fn model(yaml: &str) -> Model {
        let validated = run(yaml, None);
        let found = lines(&validated);
        validated
            .model
            .unwrap_or_else(|| panic!("the test spec is invalid: {found:#?}"))
    }
}
