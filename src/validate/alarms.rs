//! `alarms:` — CloudWatch alarms on the SES reputation metrics: thresholds as
//! fractions, the topic each notifies, and per-configuration-set alarms for sets that
//! publish reputation metrics.

use std::collections::BTreeMap;

use super::{Checker, root};
use crate::model::{self, ReputationMetric};
use crate::spec::interpolate::Context;
use crate::spec::limits;
use crate::spec::source_map::Focus;
use crate::spec::types;

impl Checker {
    pub(super) fn alarms(
        &mut self,
        ctx: &Context<'_>,
        spec: &types::Spec,
        sets: &BTreeMap<String, model::ConfigurationSet>,
    ) -> BTreeMap<ReputationMetric, model::Alarm> {
        let mut alarms = BTreeMap::new();
        let Some(a) = &spec.alarms else {
            return alarms;
        };
        let entries = [
            (
                ReputationMetric::BounceRate,
                &a.bounce_rate,
                limits::DEFAULT_BOUNCE_ALARM_THRESHOLD,
                limits::BOUNCE_REVIEW_RATE,
            ),
            (
                ReputationMetric::ComplaintRate,
                &a.complaint_rate,
                limits::DEFAULT_COMPLAINT_ALARM_THRESHOLD,
                limits::COMPLAINT_REVIEW_RATE,
            ),
        ];
        for (metric, alarm, default, review) in entries {
            let Some(alarm) = alarm else { continue };
            let path = root().key("alarms").key(metric.key());
            let threshold = alarm.threshold.unwrap_or(default);
            if !(threshold > 0.0 && threshold <= 1.0) {
                self.error(
                    &path.key("threshold"),
                    Focus::Value,
                    format!("threshold {threshold} is not a rate"),
                    format!(
                        "give the rate as a fraction above 0 and at most 1: {} is {} (AWS's review level)",
                        review,
                        limits::percent(review)
                    ),
                );
            } else if threshold > 0.5 && review < 0.5 {
                // 5 meant as 5 %: a fraction above one half is almost surely a percentage.
                self.warning(
                    &path.key("threshold"),
                    Focus::Value,
                    format!(
                        "threshold {threshold} is {}: the alarm would fire long after AWS reviews the account at {}",
                        limits::percent(threshold),
                        limits::percent(review)
                    ),
                    format!("thresholds are fractions: {review} is {}", limits::percent(review)),
                );
            }
            let topic = self.topic_ref(
                ctx,
                &path,
                alarm.topic.as_ref(),
                alarm.topic_arn.as_ref(),
                spec,
            );
            let per_configuration_set = alarm
                .per_configuration_set
                .unwrap_or(limits::DEFAULT_ALARM_PER_CONFIGURATION_SET);
            if per_configuration_set && !sets.values().any(|s| s.reputation_metrics) {
                self.warning(
                    &path.key("per_configuration_set"),
                    Focus::Value,
                    "no configuration set has `reputation_metrics: true`, so there is no set to alarm on",
                    "set `reputation_metrics: true` on the configuration sets to watch, or remove `per_configuration_set`",
                );
            }
            alarms.insert(
                metric,
                model::Alarm {
                    metric,
                    threshold,
                    topic,
                    per_configuration_set,
                },
            );
        }
        alarms
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};
    use crate::model::{ReputationMetric, TopicRef};
    use crate::spec::limits;

    #[test]
    fn thresholds_default_below_aws_s_review_levels() {
        let m = model(
            "version: 1\nstack: mail\nsns_topics: {alerts: {}}\nalarms: {bounce_rate: {topic: alerts}, complaint_rate: {topic: alerts, threshold: 0.001}}\n",
        );
        let bounce = &m.alarms[&ReputationMetric::BounceRate];
        assert_eq!(bounce.threshold, limits::DEFAULT_BOUNCE_ALARM_THRESHOLD);
        assert!(bounce.threshold < limits::BOUNCE_REVIEW_RATE);
        assert_eq!(bounce.topic, TopicRef::Spec("alerts".into()));
        assert_eq!(m.alarms[&ReputationMetric::ComplaintRate].threshold, 0.001);
    }

    #[test]
    fn a_threshold_must_be_a_fraction() {
        let found = findings(
            "version: 1\nstack: mail\nalarms: {bounce_rate: {threshold: 5, topic_arn: \"arn:aws:sns:eu-west-1:123456789012:t\"}, complaint_rate: {threshold: 0.9, topic_arn: \"arn:aws:sns:eu-west-1:123456789012:t\", per_configuration_set: true}}\n",
        );
        assert_eq!(
            found,
            [
                "error alarms.bounce_rate.threshold: threshold 5 is not a rate (give the rate as a fraction above 0 and at most 1: 0.05 is 5% (AWS's review level))",
                "warning alarms.complaint_rate.threshold: threshold 0.9 is 90%: the alarm would fire long after AWS reviews the account at 0.1% (thresholds are fractions: 0.001 is 0.1%)",
                "warning alarms.complaint_rate.per_configuration_set: no configuration set has `reputation_metrics: true`, so there is no set to alarm on (set `reputation_metrics: true` on the configuration sets to watch, or remove `per_configuration_set`)",
            ]
        );
    }
}
