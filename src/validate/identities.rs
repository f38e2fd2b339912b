//! `identities:` — settings of existing SES identities. The bounce/complaint rule
//! they must follow is in `feedback.rs`.

use std::collections::BTreeMap;

use super::feedback::DefaultSet;
use super::{Checker, names, root};
use crate::model;
use crate::spec::limits;
use crate::spec::source_map::Path;
use crate::spec::types;

impl Checker {
    /// Every identity, checked against the already validated configuration sets.
    pub(super) fn identities(
        &mut self,
        spec: &types::Spec,
        sets: &BTreeMap<String, model::ConfigurationSet>,
    ) -> BTreeMap<String, model::Identity> {
        let mut identities = BTreeMap::new();
        for (name, identity) in &spec.identities {
            let path = root().key("identities").key(name);
            let identity = self.identity(&path, name, identity, sets);
            identities.insert(name.clone(), identity);
        }
        identities
    }

    fn identity(
        &mut self,
        path: &Path,
        name: &str,
        i: &types::Identity,
        sets: &BTreeMap<String, model::ConfigurationSet>,
    ) -> model::Identity {
        self.check_key(path, name, names::identity(name));
        let forwarding = i
            .feedback_forwarding
            .unwrap_or(limits::DEFAULT_FEEDBACK_FORWARDING);
        let default_set = match &i.default_configuration_set {
            None => DefaultSet::Absent,
            Some(set_name) => match sets.get(set_name) {
                Some(set) => DefaultSet::Known {
                    name: set_name,
                    covered: set.covered_events(),
                },
                None => {
                    self.dangling(
                        &path.key("default_configuration_set"),
                        "configuration set",
                        set_name,
                        sets.keys(),
                    );
                    DefaultSet::Unknown
                }
            },
        };
        self.feedback(
            path,
            name,
            forwarding,
            i.feedback_forwarding.is_some(),
            &default_set,
        );
        model::Identity {
            name: name.to_owned(),
            default_configuration_set: i.default_configuration_set.clone(),
            feedback_forwarding: forwarding,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};
    use crate::spec::limits;

    #[test]
    fn forwarding_defaults_to_aws_s_default() {
        let m = model("version: 1\nstack: mail\nidentities: {example.com: {}}\n");
        assert_eq!(
            m.identities["example.com"].feedback_forwarding,
            limits::DEFAULT_FEEDBACK_FORWARDING
        );
    }

    #[test]
    fn identity_names_and_set_references_are_checked() {
        let found = findings(
            "version: 1\nstack: mail\nidentities: {nodot: {}, example.com: {default_configuration_set: nope}}\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0],
            "error identities.\"example.com\".default_configuration_set: there is no configuration set `nope` (the spec defines no configuration set; add one or fix the reference)"
        );
        assert!(found[1].starts_with("error identities.nodot: `nodot` is not a valid name"));
    }
}
