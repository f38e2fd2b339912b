//! `sesinfra verify`: send test messages through the spec's configuration sets and
//! wait for their event records in the streams' S3 output (contract §6). The logic
//! lives in `crate::verify`; this wires it to AWS: read what the destinations use,
//! send, poll the prefixes the time window touches, explain what is missing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::progress::Waiting;
use super::{Outcome, Style, load_spec, online};
use crate::aws::{self, AwsError, Clients};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::engine::EngineError;
use crate::error::Error;
use crate::resources::{DeliveryStream, arn};
use crate::verify::causes::{self, Caller, Observed};
use crate::verify::{self, Destination, Expected, Recipient, Report, Sent, VerifyError, layout};

/// Added to the streams' buffering interval for the default timeout (contract §6).
const TIMEOUT_MARGIN_SECONDS: u64 = 120;
/// Records arrive after they were sent; this covers a clock behind S3's.
const CLOCK_SLACK: time::Duration = time::Duration::minutes(5);

pub struct VerifyRequest<'a> {
    pub spec: &'a Path,
    pub configuration_sets: &'a [String],
    pub timeout_seconds: Option<u64>,
    pub output: OutputFormat,
}

pub fn verify(
    request: VerifyRequest<'_>,
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let (offline, source) = load_spec(request.spec, global, style, stderr)?;
    let settings = global.aws_settings()?;
    let report = online::runtime()?.block_on(async {
        let (session, online) =
            online::open_with_model(&settings, &source, offline.region.as_deref(), style, stderr)
                .await?;
        let desired = crate::desired::derive(&online.model, &session.env);
        let destinations = verify::destinations(&desired, request.configuration_sets)?;
        let clients = &session.clients;
        let identities: Vec<String> = online.model.identities.keys().cloned().collect();
        let sender = verify::sender_address(&verified_identity(clients, &identities).await?);
        let mut observed = observe(clients, &destinations)
            .await
            .map_err(EngineError::from)?;
        let streams = stream_locations(&destinations, &observed, &desired.streams);
        let timeout = request.timeout_seconds.unwrap_or_else(|| {
            let interval = streams.values().map(|s| s.buffer_interval_seconds).max();
            u64::from(interval.unwrap_or(crate::model::DEFAULT_BUFFER_INTERVAL_SECONDS))
                + TIMEOUT_MARGIN_SECONDS
        });
        let sent = send(clients, &destinations, &sender)
            .await
            .map_err(EngineError::from)?;
        let mut expected = verify::expectations(&destinations, &sent);
        let from = sent
            .iter()
            .map(|s| s.at)
            .min()
            .unwrap_or_else(OffsetDateTime::now_utc)
            - CLOCK_SLACK;
        wait(
            clients,
            &streams,
            &mut expected,
            from,
            Duration::from_secs(timeout),
            style,
        )
        .await
        .map_err(EngineError::from)?;
        explain(
            clients,
            &destinations,
            &streams,
            &mut observed,
            &mut expected,
            from,
            &session.env,
        )
        .await
        .map_err(EngineError::from)?;
        Ok::<_, Error>(Report {
            stack: online.model.stack.clone(),
            sender,
            timeout_seconds: timeout,
            results: expected,
        })
    })?;
    stdout.write_all(verify::render::render(&report, request.output).as_bytes())?;
    Ok(if report.all_found() {
        Outcome::Success
    } else {
        Outcome::EventsMissing
    })
}

/// The first of the spec's identities that SES lets send.
async fn verified_identity(clients: &Clients, identities: &[String]) -> Result<String, Error> {
    let mut states = Vec::new();
    for identity in identities {
        match aws::sesv2::identity_verified_for_sending(clients, identity)
            .await
            .map_err(EngineError::from)?
        {
            Some(true) => return Ok(identity.clone()),
            Some(false) => states.push(format!("{identity}: not verified")),
            None => states.push(format!("{identity}: does not exist")),
        }
    }
    Err(VerifyError::NoVerifiedSender { identities: states }.into())
}

/// What AWS has for each destination, by (set, destination): read before sending,
/// so the default timeout knows the streams' buffering.
async fn observe(
    clients: &Clients,
    destinations: &[Destination],
) -> Result<BTreeMap<(String, String), Observed>, AwsError> {
    let mut by_set = BTreeMap::new();
    let mut roles = BTreeMap::new();
    let mut streams = BTreeMap::new();
    let mut out = BTreeMap::new();
    for d in destinations {
        if !by_set.contains_key(&d.configuration_set) {
            let found =
                match aws::sesv2::get_event_destinations(clients, &d.configuration_set).await {
                    Ok(found) => found,
                    Err(e) if e.is_not_found() => Vec::new(),
                    Err(e) => return Err(e),
                };
            by_set.insert(d.configuration_set.clone(), found);
        }
        if !roles.contains_key(&d.role_arn) {
            let name = d.role_arn.rsplit('/').next().unwrap_or_default();
            roles.insert(d.role_arn.clone(), aws::iam::get_role(clients, name).await?);
        }
        if !streams.contains_key(&d.stream_arn) {
            let stream = aws::firehose::get_delivery_stream(clients, d.stream_name()).await?;
            streams.insert(d.stream_arn.clone(), stream);
        }
        out.insert(
            (d.configuration_set.clone(), d.name.clone()),
            Observed {
                destination: by_set[&d.configuration_set]
                    .iter()
                    .find(|e| e.name == d.name)
                    .cloned(),
                role: roles[&d.role_arn].clone(),
                stream: streams[&d.stream_arn].clone(),
                error_objects: Vec::new(),
            },
        );
    }
    Ok(out)
}

/// Where each stream writes, by stream ARN: as AWS has it, else as the spec says.
fn stream_locations(
    destinations: &[Destination],
    observed: &BTreeMap<(String, String), Observed>,
    desired: &BTreeMap<String, DeliveryStream>,
) -> BTreeMap<String, DeliveryStream> {
    let mut out = BTreeMap::new();
    for d in destinations {
        let seen = observed
            .get(&(d.configuration_set.clone(), d.name.clone()))
            .and_then(|o| o.stream.clone());
        let stream = seen.or_else(|| {
            desired
                .values()
                .find(|s| s.name == d.stream_name())
                .cloned()
        });
        if let Some(stream) = stream {
            out.insert(d.stream_arn.clone(), stream);
        }
    }
    out
}

/// One message to each simulator address through each configuration set.
async fn send(
    clients: &Clients,
    destinations: &[Destination],
    sender: &str,
) -> Result<Vec<Sent>, AwsError> {
    let sets: BTreeSet<&str> = destinations
        .iter()
        .map(|d| d.configuration_set.as_str())
        .collect();
    let run = OffsetDateTime::now_utc().unix_timestamp().to_string();
    let mut sent = Vec::new();
    for set in sets {
        for recipient in Recipient::ALL {
            let at = OffsetDateTime::now_utc();
            let message_id = aws::sesv2::send_email(
                clients,
                &aws::sesv2::TestMessage {
                    from: sender,
                    to: recipient.address(),
                    configuration_set: set,
                    subject: "sesinfra verify",
                    body: "A test message of `sesinfra verify`: its event records prove the pipeline works.",
                    tags: &[("sesinfra-verify", &run)],
                },
            )
            .await?;
            tracing::info!(set, recipient = recipient.address(), %message_id, "sent");
            sent.push(Sent {
                configuration_set: set.to_owned(),
                recipient,
                message_id,
                at,
            });
        }
    }
    Ok(sent)
}

fn bucket_of(stream: &DeliveryStream) -> &str {
    arn::bucket_name(&stream.bucket_arn).unwrap_or_default()
}

/// Lists the prefixes the window touches and reads each new object, until every
/// expected record is found or the timeout passes (one look at least).
async fn wait(
    clients: &Clients,
    streams: &BTreeMap<String, DeliveryStream>,
    expected: &mut [Expected],
    from: OffsetDateTime,
    timeout: Duration,
    style: Style,
) -> Result<(), AwsError> {
    let started = Instant::now();
    let waiting = Waiting::start(expected.len(), timeout, style);
    let mut read: BTreeSet<(String, String)> = BTreeSet::new();
    loop {
        let now = OffsetDateTime::now_utc();
        for (stream_arn, stream) in streams {
            if expected
                .iter()
                .all(|e| e.found.is_some() || &e.stream_arn != stream_arn)
            {
                continue;
            }
            let bucket = bucket_of(stream);
            for prefix in layout::prefixes_in_window(&stream.prefix, from, now + CLOCK_SLACK) {
                for object in aws::s3::list_objects(clients, bucket, &prefix).await? {
                    let stored = object
                        .last_modified
                        .map_or(OffsetDateTime::now_utc(), OffsetDateTime::from);
                    if stored < from || !read.insert((bucket.to_owned(), object.key.clone())) {
                        continue;
                    }
                    let data = aws::s3::get_object(clients, bucket, &object.key).await?;
                    let uri = format!("s3://{bucket}/{}", object.key);
                    match layout::records(&data) {
                        Ok(records) => {
                            verify::match_records(expected, stream_arn, &records, &uri, stored);
                        }
                        Err(problem) => tracing::warn!(object = %uri, "skipped: {problem}"),
                    }
                }
            }
        }
        let found = expected.iter().filter(|e| e.found.is_some()).count();
        waiting.set(found);
        let elapsed = started.elapsed();
        if found == expected.len() || elapsed >= timeout {
            waiting.finish(found);
            return Ok(());
        }
        tokio::time::sleep(clients.waits.event_poll.min(timeout - elapsed)).await;
    }
}

/// Fills in the likely causes of every missing record.
async fn explain(
    clients: &Clients,
    destinations: &[Destination],
    streams: &BTreeMap<String, DeliveryStream>,
    observed: &mut BTreeMap<(String, String), Observed>,
    expected: &mut [Expected],
    from: OffsetDateTime,
    env: &crate::desired::Environment,
) -> Result<(), AwsError> {
    let mut errors_by_stream: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in destinations {
        let key = (d.configuration_set.clone(), d.name.clone());
        let missing = expected.iter().any(|e| {
            e.found.is_none()
                && e.configuration_set == d.configuration_set
                && e.destination == d.name
        });
        if !missing {
            continue;
        }
        if !errors_by_stream.contains_key(&d.stream_arn) {
            let objects = match streams.get(&d.stream_arn) {
                Some(stream) => error_objects(clients, stream, from).await?,
                None => Vec::new(),
            };
            errors_by_stream.insert(d.stream_arn.clone(), objects);
        }
        let Some(seen) = observed.get_mut(&key) else {
            continue;
        };
        seen.error_objects = errors_by_stream[&d.stream_arn].clone();
        let set_arn = arn::configuration_set(
            &env.partition,
            &env.region,
            &env.account_id,
            &d.configuration_set,
        );
        let caller = Caller {
            account_id: &env.account_id,
            set_arn: &set_arn,
        };
        for e in expected.iter_mut().filter(|e| {
            e.found.is_none()
                && e.configuration_set == d.configuration_set
                && e.destination == d.name
        }) {
            e.causes = causes::likely_causes(d, e.event, seen, caller);
        }
    }
    Ok(())
}

/// Objects under the stream's error prefix that arrived in the window.
async fn error_objects(
    clients: &Clients,
    stream: &DeliveryStream,
    from: OffsetDateTime,
) -> Result<Vec<String>, AwsError> {
    let bucket = bucket_of(stream);
    // Firehose's default error prefix when none is set.
    let template = if stream.error_output_prefix.is_empty() {
        format!("{}/", layout::ERROR_OUTPUT_TYPE)
    } else {
        stream.error_output_prefix.clone()
    };
    let templates = match layout::error_type_parent(&template) {
        Some((parent, delimiter)) => {
            let mut templates = Vec::new();
            for found in
                aws::s3::list_common_prefixes(clients, bucket, &parent, &delimiter.to_string())
                    .await?
            {
                let error_type = found
                    .strip_prefix(parent.as_str())
                    .unwrap_or(&found)
                    .trim_end_matches(delimiter);
                // Every Firehose error output type ends so (processing-failed,
                // format-conversion-failed, ...); other "directories" beside them,
                // such as the records' own prefix, are not errors.
                if error_type.ends_with("-failed") {
                    templates.push(layout::with_error_type(&template, error_type));
                }
            }
            templates
        }
        None => vec![template],
    };
    let now = OffsetDateTime::now_utc() + CLOCK_SLACK;
    let mut out = Vec::new();
    for template in templates {
        for prefix in layout::prefixes_in_window(&template, from, now) {
            for object in aws::s3::list_objects(clients, bucket, &prefix).await? {
                if object
                    .last_modified
                    .is_none_or(|t| OffsetDateTime::from(t) >= from)
                {
                    out.push(format!("s3://{bucket}/{}", object.key));
                }
            }
        }
    }
    Ok(out)
}
