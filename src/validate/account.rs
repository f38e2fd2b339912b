//! `account:` — the region's SES account settings (suppression list, VDM).

use super::{Checker, root};
use crate::model;
use crate::spec::limits;
use crate::spec::source_map::Focus;
use crate::spec::types;

impl Checker {
    /// `account:`. Its ownership marker rides on the stack's configuration sets (see
    /// ARCHITECTURE.md, "Account settings"), so the stack needs at least one.
    pub(super) fn account(
        &mut self,
        account: &types::Account,
        spec: &types::Spec,
    ) -> model::Account {
        let path = root().key("account");
        if spec.configuration_sets.is_empty() {
            self.error(
                &path,
                Focus::Key,
                "`account:` needs at least one configuration set in the same spec",
                "sesinfra marks the stack that manages the account settings with a tag on its \
                 configuration sets (so two stacks never both manage them); add a configuration set",
            );
        }
        let suppression = account
            .suppression
            .as_ref()
            .map(|s| self.suppression_reasons(&path.key("suppression"), s));
        let vdm = account.vdm.as_ref().map(|v| {
            let vdm = model::AccountVdm {
                enabled: v.enabled.unwrap_or(limits::DEFAULT_VDM_ENABLED),
                engagement_metrics: v
                    .engagement_metrics
                    .unwrap_or(limits::DEFAULT_VDM_ENGAGEMENT_METRICS),
                optimized_shared_delivery: v
                    .optimized_shared_delivery
                    .unwrap_or(limits::DEFAULT_VDM_OPTIMIZED_SHARED_DELIVERY),
            };
            if !vdm.enabled && (vdm.engagement_metrics || vdm.optimized_shared_delivery) {
                self.warning(
                    &path.key("vdm"),
                    Focus::Key,
                    "VDM features are turned on while VDM itself is off",
                    "they take effect only with `enabled: true`",
                );
            }
            vdm
        });
        if suppression.is_none() && vdm.is_none() {
            self.warning(
                &path,
                Focus::Key,
                "`account:` manages nothing",
                "add `suppression:` or `vdm:`, or remove `account:`",
            );
        }
        model::Account { suppression, vdm }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};
    use crate::spec::limits;

    const SET: &str = "configuration_sets: {main: {}}\n";

    #[test]
    fn account_needs_a_configuration_set_and_something_to_manage() {
        assert_eq!(
            findings("version: 1\nstack: mail\naccount: {}\n"),
            [
                "error account: `account:` needs at least one configuration set in the same spec (sesinfra marks the stack that manages the account settings with a tag on its configuration sets (so two stacks never both manage them); add a configuration set)",
                "warning account: `account:` manages nothing (add `suppression:` or `vdm:`, or remove `account:`)",
            ]
        );
    }

    #[test]
    fn vdm_features_without_vdm_warn() {
        let found = findings(&format!(
            "version: 1\nstack: mail\n{SET}account: {{vdm: {{engagement_metrics: true}}}}\n"
        ));
        assert_eq!(
            found,
            [
                "warning account.vdm: VDM features are turned on while VDM itself is off (they take effect only with `enabled: true`)"
            ]
        );
    }

    #[test]
    fn vdm_defaults_are_aws_s() {
        let m = model(&format!(
            "version: 1\nstack: mail\n{SET}account: {{vdm: {{}}, suppression: {{reasons: []}}}}\n"
        ));
        let account = m.account.expect("account settings");
        let vdm = account.vdm.expect("vdm");
        assert_eq!(vdm.enabled, limits::DEFAULT_VDM_ENABLED);
        assert_eq!(
            vdm.engagement_metrics,
            limits::DEFAULT_VDM_ENGAGEMENT_METRICS
        );
        assert_eq!(
            vdm.optimized_shared_delivery,
            limits::DEFAULT_VDM_OPTIMIZED_SHARED_DELIVERY
        );
        assert_eq!(account.suppression, Some(Default::default()));
    }
}
