//! CloudWatch: the account's SES reputation metrics (`AWS/SES` `Reputation.BounceRate`
//! and `Reputation.ComplaintRate`, fractions), read with one `GetMetricData` call.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatch::types::{Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

use super::{AwsError, Clients};
use crate::health::{RateSample, Reputation};

const NAMESPACE: &str = "AWS/SES";
const BOUNCE: (&str, &str) = ("bounce", "Reputation.BounceRate");
const COMPLAINT: (&str, &str) = ("complaint", "Reputation.ComplaintRate");
/// One-minute buckets: the average of a bucket with one datapoint is that datapoint.
const PERIOD_SECONDS: i32 = 60;

/// The latest bounce and complaint rates SES published within the last
/// `window_hours`; a rate without a datapoint in the window is `None` ("no data").
pub async fn reputation(
    clients: &Clients,
    now: SystemTime,
    window_hours: u32,
) -> Result<Reputation, AwsError> {
    const OP: &str = "GetMetricData";
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| AwsError::local("cloudwatch", OP, "the system clock is before 1970"))?
        .as_secs() as i64;
    // The end is exclusive and the start is rounded down to the minute by CloudWatch:
    // end at the next whole minute so that the newest datapoint is included.
    let end = (now / 60 + 1) * 60;
    let start = end - i64::from(window_hours) * 3600;
    let query = |(id, name): (&str, &str)| {
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .namespace(NAMESPACE)
                            .metric_name(name)
                            .build(),
                    )
                    .period(PERIOD_SECONDS)
                    .stat("Average")
                    .build(),
            )
            .return_data(true)
            .build()
    };
    let out = clients
        .cloudwatch
        .get_metric_data()
        .metric_data_queries(query(BOUNCE))
        .metric_data_queries(query(COMPLAINT))
        .start_time(DateTime::from_secs(start))
        .end_time(DateTime::from_secs(end))
        .scan_by(ScanBy::TimestampDescending)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("cloudwatch", OP, e))?;
    let mut reputation = Reputation::default();
    for result in out.metric_data_results() {
        if let Some(status @ (StatusCode::Forbidden | StatusCode::InternalError)) =
            result.status_code()
        {
            let detail: Vec<String> = result
                .messages()
                .iter()
                .filter_map(|m| m.value().map(str::to_owned))
                .collect();
            return Err(AwsError::local(
                "cloudwatch",
                OP,
                format!(
                    "{} for {}: {}",
                    status.as_str(),
                    result.id().unwrap_or("?"),
                    detail.join("; ")
                ),
            ));
        }
        // The newest datapoint, whatever order the answer is in.
        let latest = result
            .timestamps()
            .iter()
            .zip(result.values())
            .max_by_key(|(at, _)| (at.secs(), at.subsec_nanos()));
        let sample = latest.map(|(at, value)| RateSample {
            value: *value,
            at: at
                .fmt(Format::DateTime)
                .unwrap_or_else(|_| at.secs().to_string()),
        });
        match result.id() {
            Some(id) if id == BOUNCE.0 => reputation.bounce = sample,
            Some(id) if id == COMPLAINT.0 => reputation.complaint = sample,
            _ => {}
        }
    }
    Ok(reputation)
}

// ---- Reputation alarms --------------------------------------------------------------

/// The dimension SES publishes a configuration set's reputation metrics under.
const SET_DIMENSION: &str = "ses:configuration-set";
/// `DescribeAlarms` takes at most 100 names.
const ALARM_NAMES_PER_CALL: usize = 100;

/// The metric alarms named `names` that exist, with their tags: one `DescribeAlarms`
/// call per 100 names and one `ListTagsForResource` per alarm found.
pub async fn read_alarms(
    clients: &Clients,
    names: &[String],
) -> Result<Vec<crate::resources::Alarm>, AwsError> {
    let mut found = Vec::new();
    for batch in names.chunks(ALARM_NAMES_PER_CALL) {
        found.extend(read_alarm_batch(clients, batch).await?);
    }
    Ok(found)
}

async fn read_alarm_batch(
    clients: &Clients,
    names: &[String],
) -> Result<Vec<crate::resources::Alarm>, AwsError> {
    use aws_sdk_cloudwatch::types::AlarmType;
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .cloudwatch
            .describe_alarms()
            .set_alarm_names(Some(names.to_vec()))
            .alarm_types(AlarmType::MetricAlarm)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("cloudwatch", "DescribeAlarms", e))?;
        for a in out.metric_alarms() {
            let Some(name) = a.alarm_name() else { continue };
            let tags = match a.alarm_arn() {
                Some(arn) => alarm_tags(clients, arn).await?,
                None => crate::resources::Tags::new(),
            };
            found.push(crate::resources::Alarm {
                name: name.to_owned(),
                description: a.alarm_description().unwrap_or_default().to_owned(),
                metric_name: a.metric_name().unwrap_or_default().to_owned(),
                configuration_set: a
                    .dimensions()
                    .iter()
                    .find(|d| d.name() == Some(SET_DIMENSION))
                    .and_then(|d| d.value().map(str::to_owned)),
                statistic: a
                    .statistic()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                period_seconds: a.period().unwrap_or_default().max(0) as u32,
                evaluation_periods: a.evaluation_periods().unwrap_or_default().max(0) as u32,
                threshold: a.threshold().unwrap_or_default(),
                comparison: a
                    .comparison_operator()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                // AWS's default when the alarm was made without one.
                treat_missing_data: a.treat_missing_data().unwrap_or("missing").to_owned(),
                actions_enabled: a.actions_enabled().unwrap_or(true),
                alarm_actions: a.alarm_actions().iter().cloned().collect(),
                ok_actions: a.ok_actions().iter().cloned().collect(),
                tags,
            });
        }
        match out.next_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    Ok(found)
}

async fn alarm_tags(clients: &Clients, arn: &str) -> Result<crate::resources::Tags, AwsError> {
    let out = clients
        .cloudwatch
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("cloudwatch", "ListTagsForResource", e))?;
    Ok(out
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
        .collect())
}

/// Creates the alarm, or rewrites its configuration (`PutMetricAlarm` replaces it
/// whole). Tags are given on creation only: AWS ignores them when the alarm exists.
pub async fn put_alarm(
    clients: &Clients,
    alarm: &crate::resources::Alarm,
    with_tags: bool,
) -> Result<(), AwsError> {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic, Tag};
    let mut request = clients
        .cloudwatch
        .put_metric_alarm()
        .alarm_name(&alarm.name)
        .alarm_description(&alarm.description)
        .namespace(NAMESPACE)
        .metric_name(&alarm.metric_name)
        .statistic(Statistic::from(alarm.statistic.as_str()))
        .period(alarm.period_seconds as i32)
        .evaluation_periods(alarm.evaluation_periods as i32)
        .threshold(alarm.threshold)
        .comparison_operator(ComparisonOperator::from(alarm.comparison.as_str()))
        .treat_missing_data(&alarm.treat_missing_data)
        .actions_enabled(alarm.actions_enabled)
        .set_alarm_actions(Some(alarm.alarm_actions.iter().cloned().collect()))
        .set_ok_actions(Some(alarm.ok_actions.iter().cloned().collect()));
    if let Some(set) = &alarm.configuration_set {
        request = request.dimensions(Dimension::builder().name(SET_DIMENSION).value(set).build());
    }
    if with_tags {
        request = request.set_tags(Some(
            alarm
                .tags
                .iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ));
    }
    request
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("cloudwatch", "PutMetricAlarm", e))?;
    Ok(())
}

/// Rewrites the alarm when its configuration differs and changes only the tags that
/// differ. `arn` is the alarm's ARN (what the tag calls take).
pub async fn update_alarm(
    clients: &Clients,
    arn: &str,
    have: &crate::resources::Alarm,
    want: &crate::resources::Alarm,
) -> Result<(), AwsError> {
    use aws_sdk_cloudwatch::types::Tag;
    let untagged = |a: &crate::resources::Alarm| crate::resources::Alarm {
        tags: crate::resources::Tags::new(),
        ..a.clone()
    };
    if untagged(have) != untagged(want) {
        put_alarm(clients, want, false).await?;
    }
    let changes = crate::resources::tag_changes(&have.tags, &want.tags);
    if !changes.removed.is_empty() {
        clients
            .cloudwatch
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(changes.removed))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("cloudwatch", "UntagResource", e))?;
    }
    if !changes.changed.is_empty() {
        clients
            .cloudwatch
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(
                changes
                    .changed
                    .iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("cloudwatch", "TagResource", e))?;
    }
    Ok(())
}

pub async fn delete_alarm(clients: &Clients, name: &str) -> Result<(), AwsError> {
    clients
        .cloudwatch
        .delete_alarms()
        .alarm_names(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("cloudwatch", "DeleteAlarms", e))?;
    Ok(())
}
