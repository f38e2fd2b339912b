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
