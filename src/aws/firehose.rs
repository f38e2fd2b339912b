//! Firehose: the Direct PUT streams with an extended S3 destination that carry SES
//! events to S3. This module translates between the SDK's shapes and
//! `resources::DeliveryStream`, and hides what makes Firehose awkward: creation and
//! deletion are asynchronous (a stream is `CREATING`/`DELETING` for a while, and a name
//! is not free again until deletion finished), updates must name the stream's current
//! version and destination id from a fresh describe, and tags live behind their own
//! paginated calls.
//!
//! Firehose's control plane is limited to 5 calls per second per account (a hard
//! limit), so waits poll slowly, with backoff, and a throttled poll is just a poll
//! that learned nothing: it never restarts what is being waited for.
//!
//! Streams in every state: a read of a stream that is `CREATING` waits (bounded)
//! until it settles; `DELETING` waits until it is gone; `CREATING_FAILED` and
//! `DELETING_FAILED` are reported in `DeliveryStream::failed` (the plan replaces
//! them). A stream sesinfra cannot manage (not Direct PUT, or not delivering to an
//! extended S3 destination) is refused with what to do, never mistaken for another.

use std::time::{Duration, Instant};

use aws_sdk_firehose::types as sdk;

use super::{AwsError, Clients, ErrorKind};
use crate::model::{DEFAULT_BUFFER_INTERVAL_SECONDS, DEFAULT_BUFFER_SIZE_MB};
use crate::resources::{Compression, DeliveryStream, StreamFailure, TagChanges, Tags, tag_changes};

const SERVICE: &str = "firehose";

/// Firehose accepts at most 50 tags per TagDeliveryStream / UntagDeliveryStream call.
const TAGS_PER_CALL: usize = 50;

/// What the engine needs to know about a stream beyond its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDetails {
    pub arn: String,
    pub status: StreamStatus,
    /// Changes with every update; UpdateDestination must name the current one.
    pub version_id: String,
    /// The id of the stream's (only) destination, for UpdateDestination.
    pub destination_id: String,
    /// Whether records are put directly (as SES does), not read from Kinesis or MSK.
    pub direct_put: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamStatus {
    Creating,
    Active,
    Deleting,
    /// With Firehose's explanation. The stream must be deleted before a new try.
    CreatingFailed(String),
    DeletingFailed(String),
    /// A status added to Firehose after this was written.
    Unknown(String),
}

/// How long and how often to poll while Firehose creates or deletes a stream (part of
/// `aws::WaitPolicy`, carried by `Clients`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamPolls {
    /// Delay before the first poll; it doubles after every poll up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Give up after this long in total.
    pub timeout: Duration,
}

impl StreamPolls {
    /// For real AWS: creation usually takes under a minute, sometimes several; polls stay
    /// far below the 5 calls per second Firehose allows per account, even for many
    /// streams at once.
    pub const DEFAULT: StreamPolls = StreamPolls {
        first_delay: Duration::from_secs(5),
        max_delay: Duration::from_secs(30),
        timeout: Duration::from_secs(15 * 60),
    };
}

fn sdk_err<E, R>(
    operation: &'static str,
) -> impl FnOnce(aws_sdk_firehose::error::SdkError<E, R>) -> AwsError
where
    E: aws_sdk_firehose::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| AwsError::from_sdk(SERVICE, operation, e)
}

fn build_err(
    operation: &'static str,
) -> impl FnOnce(aws_sdk_firehose::error::BuildError) -> AwsError {
    move |e| AwsError::local(SERVICE, operation, format!("cannot build the request: {e}"))
}

// --------------------------------------------------------------------------- read

/// A stream's settings and tags; `None` when it does not exist. Waits (polls of
/// `clients.waits.stream`) while it is being created or deleted.
pub async fn get_delivery_stream(
    clients: &Clients,
    name: &str,
) -> Result<Option<DeliveryStream>, AwsError> {
    let Some((mut described, details)) = describe(clients, name).await? else {
        return Ok(None);
    };
    match details.status {
        StreamStatus::Creating => {
            // Reading a half-made stream would plan changes to it; wait until it is
            // ACTIVE or has failed, then read again.
            settle(clients, name, Settle::Created).await?;
            match describe(clients, name).await? {
                Some((again, _)) => described = again,
                None => return Ok(None),
            }
        }
        StreamStatus::Deleting => {
            settle(clients, name, Settle::Gone).await?;
            return Ok(None);
        }
        _ => {}
    }
    let mut stream = described.usable(name)?;
    stream.tags = list_tags(clients, name).await?;
    Ok(Some(stream))
}

/// A stream's ARN, status, version and destination id; `None` when it does not exist.
pub async fn get_delivery_stream_details(
    clients: &Clients,
    name: &str,
) -> Result<Option<StreamDetails>, AwsError> {
    Ok(describe(clients, name).await?.map(|(_, details)| details))
}

/// Names of every stream in the region.
pub async fn list_delivery_streams(clients: &Clients) -> Result<Vec<String>, AwsError> {
    const OP: &str = "ListDeliveryStreams";
    let mut names: Vec<String> = Vec::new();
    loop {
        let out = clients
            .firehose
            .list_delivery_streams()
            .set_exclusive_start_delivery_stream_name(names.last().cloned())
            .send()
            .await
            .map_err(sdk_err(OP))?;
        let more = out.has_more_delivery_streams;
        if more && out.delivery_stream_names.is_empty() {
            // A page that promises more but gives nothing would loop forever.
            return Err(AwsError::local(
                SERVICE,
                OP,
                "AWS reported more streams but returned none",
            ));
        }
        names.extend(out.delivery_stream_names);
        if !more {
            return Ok(names);
        }
    }
}

/// What a describe found: the stream as sesinfra models it, or why it cannot be
/// modelled.
struct Described {
    stream: Result<DeliveryStream, String>,
}

impl Described {
    /// The stream, or an error saying why sesinfra refuses it and what to do.
    fn usable(self, name: &str) -> Result<DeliveryStream, AwsError> {
        self.stream.map_err(|why| {
            AwsError::local(
                SERVICE,
                "DescribeDeliveryStream",
                format!(
                    "Firehose stream `{name}` exists but {why}. sesinfra manages only Direct PUT \
                     streams that deliver to S3 (SES can write to no other kind), and neither \
                     can be changed on an existing stream: give the spec's stream another \
                     `name:`, or delete or rename the existing stream if nothing uses it"
                ),
            )
        })
    }
}

async fn describe(
    clients: &Clients,
    name: &str,
) -> Result<Option<(Described, StreamDetails)>, AwsError> {
    const OP: &str = "DescribeDeliveryStream";
    let out = match clients
        .firehose
        .describe_delivery_stream()
        .delivery_stream_name(name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = AwsError::from_sdk(SERVICE, OP, e);
            return if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    let Some(description) = out.delivery_stream_description else {
        return Err(AwsError::local(
            SERVICE,
            OP,
            "the answer has no stream description",
        ));
    };
    let failure = || {
        description
            .failure_description
            .as_ref()
            .map(|f| format!("{}: {}", f.r#type.as_str(), f.details))
            .unwrap_or_else(|| "no reason given".to_owned())
    };
    let status = match &description.delivery_stream_status {
        sdk::DeliveryStreamStatus::Creating => StreamStatus::Creating,
        sdk::DeliveryStreamStatus::Active => StreamStatus::Active,
        sdk::DeliveryStreamStatus::Deleting => StreamStatus::Deleting,
        sdk::DeliveryStreamStatus::CreatingFailed => StreamStatus::CreatingFailed(failure()),
        sdk::DeliveryStreamStatus::DeletingFailed => StreamStatus::DeletingFailed(failure()),
        other => StreamStatus::Unknown(other.as_str().to_owned()),
    };
    let direct_put = description.delivery_stream_type == sdk::DeliveryStreamType::DirectPut;
    let Some(destination) = description.destinations.into_iter().next() else {
        return Err(AwsError::local(
            SERVICE,
            OP,
            format!("stream `{name}` is described without a destination"),
        ));
    };
    let details = StreamDetails {
        arn: description.delivery_stream_arn,
        status,
        version_id: description.version_id,
        destination_id: destination.destination_id.clone(),
        direct_put,
    };
    if !direct_put {
        let source = match &description.delivery_stream_type {
            sdk::DeliveryStreamType::KinesisStreamAsSource => "a Kinesis data stream",
            sdk::DeliveryStreamType::MskAsSource => "an Amazon MSK topic",
            sdk::DeliveryStreamType::DatabaseAsSource => "a database",
            _ => "a source other than Direct PUT",
        };
        let why = format!(
            "reads from {source} ({}), so SES cannot write to it",
            description.delivery_stream_type.as_str()
        );
        return Ok(Some((Described { stream: Err(why) }, details)));
    }
    let Some(s3) = destination.extended_s3_destination_description else {
        let kind = if destination.http_endpoint_destination_description.is_some() {
            "an HTTP endpoint"
        } else if destination
            .amazonopensearchservice_destination_description
            .is_some()
            || destination.elasticsearch_destination_description.is_some()
            || destination
                .amazon_open_search_serverless_destination_description
                .is_some()
        {
            "OpenSearch"
        } else if destination.splunk_destination_description.is_some() {
            "Splunk"
        } else if destination.redshift_destination_description.is_some() {
            "Redshift"
        } else if destination.snowflake_destination_description.is_some() {
            "Snowflake"
        } else if destination.iceberg_destination_description.is_some() {
            "Apache Iceberg tables"
        } else if destination.s3_destination_description.is_some() {
            "S3 through the legacy (non-extended) S3 destination"
        } else {
            "a destination this version of sesinfra does not know"
        };
        let why = format!("delivers to {kind}, not to an extended S3 destination");
        return Ok(Some((Described { stream: Err(why) }, details)));
    };
    let hints = s3
        .buffering_hints
        .unwrap_or_else(|| sdk::BufferingHints::builder().build());
    let stream = DeliveryStream {
        failed: match &details.status {
            StreamStatus::CreatingFailed(_) => Some(StreamFailure::CreatingFailed),
            StreamStatus::DeletingFailed(_) => Some(StreamFailure::DeletingFailed),
            _ => None,
        },
        name: description.delivery_stream_name,
        bucket_arn: s3.bucket_arn,
        role_arn: s3.role_arn,
        prefix: s3.prefix.unwrap_or_default(),
        error_output_prefix: s3.error_output_prefix.unwrap_or_default(),
        // Missing hints mean Firehose's defaults.
        buffer_size_mb: to_u32(OP, "buffer size", hints.size_in_mbs, DEFAULT_BUFFER_SIZE_MB)?,
        buffer_interval_seconds: to_u32(
            OP,
            "buffer interval",
            hints.interval_in_seconds,
            DEFAULT_BUFFER_INTERVAL_SECONDS,
        )?,
        compression: compression_from_sdk(OP, &s3.compression_format)?,
        tags: Tags::new(),
    };
    Ok(Some((Described { stream: Ok(stream) }, details)))
}

async fn list_tags(clients: &Clients, name: &str) -> Result<Tags, AwsError> {
    let mut tags = Tags::new();
    let mut start: Option<String> = None;
    loop {
        let out = clients
            .firehose
            .list_tags_for_delivery_stream()
            .delivery_stream_name(name)
            .set_exclusive_start_tag_key(start.take())
            .send()
            .await
            .map_err(sdk_err("ListTagsForDeliveryStream"))?;
        let last = out.tags.last().map(|t| t.key.clone());
        tags.extend(
            out.tags
                .into_iter()
                .map(|t| (t.key, t.value.unwrap_or_default())),
        );
        match (out.has_more_tags, last) {
            (true, Some(last)) => start = Some(last),
            _ => return Ok(tags),
        }
    }
}

// --------------------------------------------------------------------------- create

/// Creates a stream and waits until it is ACTIVE; returns its ARN.
pub async fn create_delivery_stream(
    clients: &Clients,
    stream: &DeliveryStream,
) -> Result<String, AwsError> {
    start_create(clients, stream).await?;
    Ok(wait_until_active(clients, &stream.name).await?.arn)
}

/// Sends CreateDeliveryStream, nothing else. A caller may retry this call as a whole
/// (a failed call created nothing), but never together with the wait that follows:
/// retrying after a throttled poll would send the create again.
pub async fn start_create(clients: &Clients, stream: &DeliveryStream) -> Result<(), AwsError> {
    const OP: &str = "CreateDeliveryStream";
    let destination = sdk::ExtendedS3DestinationConfiguration::builder()
        .bucket_arn(&stream.bucket_arn)
        .role_arn(&stream.role_arn)
        // Empty prefixes are left out: that is how Firehose stores "none".
        .set_prefix(Some(stream.prefix.clone()).filter(|p| !p.is_empty()))
        .set_error_output_prefix(Some(stream.error_output_prefix.clone()).filter(|p| !p.is_empty()))
        .buffering_hints(buffering_hints(OP, stream)?)
        .compression_format(compression_to_sdk(stream.compression))
        .build()
        .map_err(build_err(OP))?;
    let tags = tags_to_sdk(OP, &stream.tags)?;
    clients
        .firehose
        .create_delivery_stream()
        .delivery_stream_name(&stream.name)
        .delivery_stream_type(sdk::DeliveryStreamType::DirectPut)
        .extended_s3_destination_configuration(destination)
        .set_tags(Some(tags).filter(|t| !t.is_empty()))
        .send()
        .await
        .map_err(sdk_err(OP))?;
    Ok(())
}

/// Polls until the stream is ACTIVE. `CREATING_FAILED` is an error carrying Firehose's
/// reason; so is running out of time. Throttled polls are retried within the wait.
pub async fn wait_until_active(clients: &Clients, name: &str) -> Result<StreamDetails, AwsError> {
    match settle(clients, name, Settle::Created).await? {
        Some(details) if details.status == StreamStatus::Active => Ok(details),
        Some(StreamDetails {
            status: StreamStatus::CreatingFailed(reason),
            ..
        }) => Err(AwsError {
            kind: ErrorKind::Other,
            service: SERVICE,
            operation: "CreateDeliveryStream",
            code: Some("CREATING_FAILED".to_owned()),
            message: Some(format!(
                "stream `{name}` could not be created ({reason}); it must be deleted \
                 before it can be created again"
            )),
        }),
        other => Err(AwsError::local(
            SERVICE,
            "DescribeDeliveryStream",
            format!(
                "stream `{name}` is {:?} while waiting for it to become ACTIVE",
                other.map(|d| d.status)
            ),
        )),
    }
}

/// What `settle` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    /// No longer CREATING (ACTIVE, or failed).
    Created,
    /// No longer exists (or DELETING_FAILED).
    Gone,
}

/// Polls the stream with backoff (`clients.waits.stream`) until it reaches `until`;
/// returns its last details (`None` once gone). A throttled poll learned nothing and is
/// simply repeated: the operation being waited for is never sent again from here.
async fn settle(
    clients: &Clients,
    name: &str,
    until: Settle,
) -> Result<Option<StreamDetails>, AwsError> {
    let wait = &clients.waits.stream;
    let started = Instant::now();
    let mut delay = wait.first_delay;
    loop {
        tokio::time::sleep(delay).await;
        match (get_delivery_stream_details(clients, name).await, until) {
            (Ok(None), Settle::Gone) => return Ok(None),
            // Just created: a read may not see it yet (eventual consistency).
            (Ok(None), Settle::Created) => {}
            (Ok(Some(d)), Settle::Created) if d.status != StreamStatus::Creating => {
                return Ok(Some(d));
            }
            (Ok(Some(d)), Settle::Gone) if matches!(d.status, StreamStatus::DeletingFailed(_)) => {
                return Ok(Some(d));
            }
            (Ok(Some(_)), _) => {}
            (Err(e), _) if e.kind == ErrorKind::Throttled => {
                tracing::info!(stream = %name, error = %e, "throttled while waiting; polling on");
            }
            (Err(e), _) => return Err(e),
        }
        if started.elapsed() >= wait.timeout {
            let what = match until {
                Settle::Created => "is still CREATING",
                Settle::Gone => "still exists",
            };
            return Err(AwsError::local(
                SERVICE,
                "DescribeDeliveryStream",
                format!(
                    "stream `{name}` {what} after {} seconds",
                    wait.timeout.as_secs()
                ),
            ));
        }
        delay = (delay * 2).min(wait.max_delay);
    }
}

// --------------------------------------------------------------------------- update

/// Brings a stream from `current` to `desired`: one UpdateDestination with only the
/// changed settings, then tag changes; no call when they are equal.
pub async fn update_delivery_stream(
    clients: &Clients,
    current: &DeliveryStream,
    desired: &DeliveryStream,
) -> Result<(), AwsError> {
    const OP: &str = "UpdateDestination";
    let name = &desired.name;
    let mut update = sdk::ExtendedS3DestinationUpdate::builder();
    let mut changed = false;
    if current.bucket_arn != desired.bucket_arn {
        update = update.bucket_arn(&desired.bucket_arn);
        changed = true;
    }
    if current.role_arn != desired.role_arn {
        update = update.role_arn(&desired.role_arn);
        changed = true;
    }
    // An empty string clears a prefix (the members allow length 0).
    if current.prefix != desired.prefix {
        update = update.prefix(&desired.prefix);
        changed = true;
    }
    if current.error_output_prefix != desired.error_output_prefix {
        update = update.error_output_prefix(&desired.error_output_prefix);
        changed = true;
    }
    if (current.buffer_size_mb, current.buffer_interval_seconds)
        != (desired.buffer_size_mb, desired.buffer_interval_seconds)
    {
        // Both hints together: BufferingHints is replaced as one object.
        update = update.buffering_hints(buffering_hints(OP, desired)?);
        changed = true;
    }
    if current.compression != desired.compression {
        update = update.compression_format(compression_to_sdk(desired.compression));
        changed = true;
    }
    if changed {
        // The version id and destination id must be current, or Firehose answers
        // ConcurrentModificationException: read them right before the call.
        let details = get_delivery_stream_details(clients, name)
            .await?
            .ok_or_else(|| AwsError {
                kind: ErrorKind::NotFound,
                service: SERVICE,
                operation: OP,
                code: None,
                message: Some(format!("stream `{name}` does not exist")),
            })?;
        clients
            .firehose
            .update_destination()
            .delivery_stream_name(name)
            .current_delivery_stream_version_id(details.version_id)
            .destination_id(details.destination_id)
            .extended_s3_destination_update(update.build())
            .send()
            .await
            .map_err(sdk_err(OP))?;
    }
    update_tags(clients, name, &current.tags, &desired.tags).await
}

/// Removals first, so a stream near Firehose's limit of 50 tags never exceeds it midway.
async fn update_tags(
    clients: &Clients,
    name: &str,
    current: &Tags,
    desired: &Tags,
) -> Result<(), AwsError> {
    let TagChanges { removed, changed } = tag_changes(current, desired);
    for keys in removed.chunks(TAGS_PER_CALL) {
        clients
            .firehose
            .untag_delivery_stream()
            .delivery_stream_name(name)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(sdk_err("UntagDeliveryStream"))?;
    }
    let changed = tags_to_sdk("TagDeliveryStream", &changed)?;
    for tags in changed.chunks(TAGS_PER_CALL) {
        clients
            .firehose
            .tag_delivery_stream()
            .delivery_stream_name(name)
            .set_tags(Some(tags.to_vec()))
            .send()
            .await
            .map_err(sdk_err("TagDeliveryStream"))?;
    }
    Ok(())
}

// --------------------------------------------------------------------------- delete

/// Deletes a stream and waits until it is gone, so its name can be used again at
/// once. A missing stream is a `NotFound` error. `force`: `AllowForceDelete`, the only
/// way to delete a `DELETING_FAILED` stream (Firehose could not retire its KMS grant;
/// the API reference says to force it).
pub async fn delete_delivery_stream(
    clients: &Clients,
    name: &str,
    force: bool,
) -> Result<(), AwsError> {
    const OP: &str = "DeleteDeliveryStream";
    clients
        .firehose
        .delete_delivery_stream()
        .delivery_stream_name(name)
        .set_allow_force_delete(force.then_some(true))
        .send()
        .await
        .map_err(sdk_err(OP))?;
    match settle(clients, name, Settle::Gone).await? {
        None => Ok(()),
        Some(details) => Err(AwsError::local(
            SERVICE,
            OP,
            format!(
                "stream `{name}` could not be deleted ({:?}); run apply again, which deletes \
                 it by force",
                details.status
            ),
        )),
    }
}

// --------------------------------------------------------------------------- conversions

fn to_u32(op: &'static str, what: &str, value: Option<i32>, default: u32) -> Result<u32, AwsError> {
    match value {
        None => Ok(default),
        Some(v) => u32::try_from(v)
            .map_err(|_| AwsError::local(SERVICE, op, format!("AWS returned a {what} of {v}"))),
    }
}

fn buffering_hints(
    op: &'static str,
    stream: &DeliveryStream,
) -> Result<sdk::BufferingHints, AwsError> {
    let to_i32 = |what: &str, v: u32| {
        i32::try_from(v)
            .map_err(|_| AwsError::local(SERVICE, op, format!("{what} {v} is out of range")))
    };
    Ok(sdk::BufferingHints::builder()
        .size_in_mbs(to_i32("buffer size", stream.buffer_size_mb)?)
        .interval_in_seconds(to_i32("buffer interval", stream.buffer_interval_seconds)?)
        .build())
}

fn tags_to_sdk(op: &'static str, tags: &Tags) -> Result<Vec<sdk::Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            sdk::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(build_err(op))
        })
        .collect()
}

fn compression_to_sdk(c: Compression) -> sdk::CompressionFormat {
    match c {
        Compression::Uncompressed => sdk::CompressionFormat::Uncompressed,
        Compression::Gzip => sdk::CompressionFormat::Gzip,
        Compression::Zip => sdk::CompressionFormat::Zip,
        Compression::Snappy => sdk::CompressionFormat::Snappy,
        Compression::HadoopSnappy => sdk::CompressionFormat::HadoopSnappy,
    }
}

fn compression_from_sdk(
    op: &'static str,
    c: &sdk::CompressionFormat,
) -> Result<Compression, AwsError> {
    match c {
        sdk::CompressionFormat::Uncompressed => Ok(Compression::Uncompressed),
        sdk::CompressionFormat::Gzip => Ok(Compression::Gzip),
        sdk::CompressionFormat::Zip => Ok(Compression::Zip),
        sdk::CompressionFormat::Snappy => Ok(Compression::Snappy),
        sdk::CompressionFormat::HadoopSnappy => Ok(Compression::HadoopSnappy),
        other => Err(AwsError::local(
            SERVICE,
            op,
            format!(
                "AWS returned the compression format `{}`, which this version of sesinfra does \
                 not know",
                other.as_str()
            ),
        )),
    }
}

// --------------------------------------------------------------------------- account-wide reads

/// A stream found in the account (an event destination names it), as read by `audit`
/// and `export`: no waiting on streams being created or deleted, and a stream
/// sesinfra cannot model is not an error but the reason why (`Err`). `None` when it
/// does not exist. Tags (one more call) only when `with_tags`.
pub async fn inspect_delivery_stream(
    clients: &Clients,
    name: &str,
    with_tags: bool,
) -> Result<Option<Result<DeliveryStream, String>>, AwsError> {
    let Some((described, details)) = describe(clients, name).await? else {
        return Ok(None);
    };
    let mut stream = match (described.stream, &details.status) {
        (Err(why), _) => return Ok(Some(Err(why))),
        (Ok(_), StreamStatus::Creating | StreamStatus::Deleting) => {
            return Ok(Some(Err(format!(
                "is {}",
                if details.status == StreamStatus::Creating {
                    "being created"
                } else {
                    "being deleted"
                }
            ))));
        }
        (Ok(stream), _) => stream,
    };
    if with_tags {
        stream.tags = list_tags(clients, name).await?;
    }
    Ok(Some(Ok(stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_round_trips_and_unknown_is_an_error() {
        for c in [
            Compression::Uncompressed,
            Compression::Gzip,
            Compression::Zip,
            Compression::Snappy,
            Compression::HadoopSnappy,
        ] {
            assert_eq!(
                compression_from_sdk("Test", &compression_to_sdk(c)).unwrap(),
                c
            );
        }
        assert!(compression_from_sdk("Test", &sdk::CompressionFormat::from("BROTLI")).is_err());
    }

    #[test]
    fn missing_buffering_hints_mean_defaults() {
        assert_eq!(to_u32("Test", "size", None, 5).unwrap(), 5);
        assert_eq!(to_u32("Test", "size", Some(64), 5).unwrap(), 64);
        assert!(to_u32("Test", "size", Some(-1), 5).is_err());
    }
}
