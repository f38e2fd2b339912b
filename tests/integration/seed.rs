//! A hand-made copy of the seed blog post's pipeline, built through the SDK as a user
//! would in the console (no sesinfra involved): an S3 bucket, a Firehose stream to it
//! with a role written by hand, an SES role with `firehose:*`, a configuration set
//! with an event destination of every type the console offers (all but
//! DELIVERY_DELAY), made the identity's default configuration set.

use aws_sdk_firehose::types::{DeliveryStreamType, ExtendedS3DestinationConfiguration};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use aws_sdk_sesv2::types::{EventDestinationDefinition, EventType, KinesisFirehoseDestination};
use sesinfra::aws::Clients;

use crate::support::Emulator;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "eu-west-1";
pub const BUCKET: &str = "ses-history-123456789012-eu-west-1";
pub const STREAM: &str = "ses-history";
pub const SET: &str = "ses-history";
pub const IDENTITY: &str = "example.com";
pub const SES_ROLE: &str = "ses-firehose-history";
pub const FIREHOSE_ROLE: &str = "firehose-ses-history";

pub async fn build(emulator: &Emulator) -> Clients {
    let clients = emulator.clients_in(REGION).await;
    // 1. The bucket, made without a public-access block (S3 still encrypts it with
    //    SSE-S3, as every bucket since January 2023).
    clients
        .s3
        .create_bucket()
        .bucket(BUCKET)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(REGION))
                .build(),
        )
        .send()
        .await
        .expect("create bucket");
    // 2. The Firehose role, written by hand: trusted without sts:ExternalId.
    let firehose_role = role(
        &clients,
        FIREHOSE_ROLE,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"firehose.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["s3:AbortMultipartUpload","s3:GetBucketLocation","s3:GetObject","s3:ListBucket","s3:ListBucketMultipartUploads","s3:PutObject"],"Resource":["arn:aws:s3:::{BUCKET}","arn:aws:s3:::{BUCKET}/*"]}}]}}"#
        ),
    )
    .await;
    // 3. The stream: Direct PUT to S3, the blog's error output prefix.
    let stream_arn = clients
        .firehose
        .create_delivery_stream()
        .delivery_stream_name(STREAM)
        .delivery_stream_type(DeliveryStreamType::DirectPut)
        .extended_s3_destination_configuration(
            ExtendedS3DestinationConfiguration::builder()
                .role_arn(&firehose_role)
                .bucket_arn(format!("arn:aws:s3:::{BUCKET}"))
                .error_output_prefix("error/{firehose:error-output-type}/")
                .build()
                .expect("S3 destination"),
        )
        .send()
        .await
        .expect("create stream")
        .delivery_stream_arn
        .expect("stream ARN");
    // 4. The blog's policy and role for SES: `firehose:*` on the stream, and
    //    ListDeliveryStreams on `*`; trusted with both conditions.
    let ses_role = role(
        &clients,
        SES_ROLE,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"ses.amazonaws.com"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"AWS:SourceAccount":"{ACCOUNT}","AWS:SourceArn":"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/{SET}"}}}}}}]}}"#
        ),
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"firehose:ListDeliveryStreams","Resource":"*"}},{{"Effect":"Allow","Action":"firehose:*","Resource":"{stream_arn}"}}]}}"#
        ),
    )
    .await;
    // 5. The configuration set and its destination: every event type the console offers.
    clients
        .sesv2
        .create_configuration_set()
        .configuration_set_name(SET)
        .send()
        .await
        .expect("create set");
    let mut definition = EventDestinationDefinition::builder().enabled(true);
    for event in [
        EventType::Send,
        EventType::Reject,
        EventType::Bounce,
        EventType::Complaint,
        EventType::Delivery,
        EventType::Open,
        EventType::Click,
        EventType::RenderingFailure,
        EventType::Subscription,
    ] {
        definition = definition.matching_event_types(event);
    }
    clients
        .sesv2
        .create_configuration_set_event_destination()
        .configuration_set_name(SET)
        .event_destination_name("firehose")
        .event_destination(
            definition
                .kinesis_firehose_destination(
                    KinesisFirehoseDestination::builder()
                        .iam_role_arn(&ses_role)
                        .delivery_stream_arn(&stream_arn)
                        .build()
                        .expect("destination"),
                )
                .build(),
        )
        .send()
        .await
        .expect("create destination");
    // 6. The identity's default configuration set (feedback forwarding left on).
    clients
        .sesv2
        .create_email_identity()
        .email_identity(IDENTITY)
        .send()
        .await
        .expect("create identity");
    clients
        .sesv2
        .put_email_identity_configuration_set_attributes()
        .email_identity(IDENTITY)
        .configuration_set_name(SET)
        .send()
        .await
        .expect("default configuration set");
    clients
}

/// A role with one inline policy; its ARN.
async fn role(clients: &Clients, name: &str, trust: &str, policy: &str) -> String {
    let arn = clients
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("create role")
        .role
        .expect("role")
        .arn;
    clients
        .iam
        .put_role_policy()
        .role_name(name)
        .policy_name("policy")
        .policy_document(policy)
        .send()
        .await
        .expect("put role policy");
    arn
}

/// Runs the binary in `dir`; (exit code, stdout, stderr).
pub fn run(emulator: &Emulator, dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = emulator
        .sesinfra()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run sesinfra");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
