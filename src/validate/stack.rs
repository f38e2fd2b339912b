//! The spec's top level: `version:`, `stack:`, `variables:` and `region:`.

use std::collections::BTreeMap;

use super::{Checker, Inputs, names, root};
use crate::spec::interpolate::Context;
use crate::spec::limits;
use crate::spec::source_map::Focus;
use crate::spec::types;

impl Checker {
    /// `version:`, the stack name and the names of `variables:`.
    pub(super) fn header(&mut self, spec: &types::Spec) {
        if spec.version != limits::SPEC_VERSION {
            self.error(
                &root().key("version"),
                Focus::Value,
                format!("spec version {} is not supported", spec.version),
                format!("only `version: {}` exists", limits::SPEC_VERSION),
            );
        }
        self.check(&root().key("stack"), &spec.stack, names::stack(&spec.stack));
        for name in spec.variables.keys() {
            let path = root().key("variables").key(name);
            self.check_key(&path, name, names::variable_name(name));
        }
    }

    /// The region every resource lives in: the spec's `region:` (which may use
    /// variables), else `--region`/the environment, else `None` for the SDK to decide.
    pub(super) fn region(
        &mut self,
        spec: &types::Spec,
        inputs: &Inputs<'_>,
        variables: &BTreeMap<String, String>,
    ) -> Option<String> {
        let Some(raw) = &spec.region else {
            if let Some(r) = &inputs.region {
                self.check(&root(), r, names::region(r));
            }
            return inputs.region.clone();
        };
        let path = root().key("region");
        // `${region}` and `${account_id}` cannot define the region itself.
        let ctx = Context {
            stack: &spec.stack,
            region: None,
            account_id: None,
            variables,
            env: inputs.env,
        };
        let region = self.text(&ctx, &path, raw);
        if self.check(&path, &region, names::region(&region))
            && let Some(flag) = inputs.region.as_deref().filter(|f| *f != region)
        {
            self.warning(
                &path,
                Focus::Value,
                format!("the spec pins region {region}; --region/AWS_REGION {flag} is ignored"),
                "remove `region:` from the spec to choose the region per run",
            );
        }
        Some(region)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, findings_with_region};

    #[test]
    fn only_version_1_exists() {
        assert_eq!(
            findings("version: 2\nstack: mail\n"),
            ["error version: spec version 2 is not supported (only `version: 1` exists)"]
        );
    }

    #[test]
    fn stack_and_variable_names_are_checked() {
        let found = findings("version: 1\nstack: mail_x\nvariables: {1x: a}\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("error stack: `mail_x` is not valid"));
        assert!(found[1].starts_with("error variables.1x: `1x` is not a valid name"));
    }

    #[test]
    fn a_pinned_region_wins_over_the_flag_with_a_warning() {
        let yaml = "version: 1\nstack: mail\nregion: eu-west-1\n";
        assert_eq!(
            findings_with_region(yaml, "us-east-1"),
            [
                "warning region: the spec pins region eu-west-1; --region/AWS_REGION us-east-1 is ignored (remove `region:` from the spec to choose the region per run)"
            ]
        );
        assert!(findings_with_region(yaml, "eu-west-1").is_empty());
    }

    #[test]
    fn a_flag_region_is_checked_too() {
        let found = findings_with_region("version: 1\nstack: mail\n", "europe");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("error (top level): `europe` is not valid"));
    }
}
