//! Firehose adapter against the emulator. The bucket and role a stream needs are made
//! with the SDK directly, so these tests depend on no other adapter.

use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use sesinfra::aws::firehose::{self, StreamStatus};
use sesinfra::aws::{Clients, ErrorKind};
use sesinfra::resources::{Compression, DeliveryStream, Tags, arn};

use crate::support::Emulator;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"firehose.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A bucket and a role Firehose could use; returns their ARNs.
async fn bucket_and_role(clients: &Clients, suffix: &str) -> (String, String) {
    let bucket = format!("sesinfra-events-{suffix}");
    clients
        .s3
        .create_bucket()
        .bucket(&bucket)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(clients.region.as_str()))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let role = clients
        .iam
        .create_role()
        .role_name(format!("firehose-to-s3-{suffix}"))
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    let role_arn = role.role.map(|r| r.arn).unwrap();
    (arn::bucket("aws", &bucket), role_arn)
}

fn stream(name: &str, bucket_arn: &str, role_arn: &str) -> DeliveryStream {
    DeliveryStream {
        name: name.into(),
        failed: None,
        bucket_arn: bucket_arn.into(),
        role_arn: role_arn.into(),
        prefix: String::new(),
        error_output_prefix: "error/!{firehose:error-output-type}/".into(),
        buffer_size_mb: 5,
        buffer_interval_seconds: 300,
        compression: Compression::Uncompressed,
        tags: tags(&[("sesinfra:stack", "test")]),
    }
}

#[tokio::test]
async fn delivery_stream_lifecycle() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let (bucket_a, role_a) = bucket_and_role(&clients, "a").await;
    let (bucket_b, role_b) = bucket_and_role(&clients, "b").await;
    let name = "ses-history";
    assert_eq!(
        firehose::get_delivery_stream(&clients, name).await.unwrap(),
        None
    );

    let desired = stream(name, &bucket_a, &role_a);
    let created_arn = firehose::create_delivery_stream(&clients, &desired)
        .await
        .unwrap();
    let account = sesinfra::aws::sts::account_id(&clients).await.unwrap();
    assert_eq!(
        created_arn,
        arn::delivery_stream("aws", &clients.region, &account, name)
    );
    let mut current = firehose::get_delivery_stream(&clients, name)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current, desired);
    let details = firehose::get_delivery_stream_details(&clients, name)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(details.arn, created_arn);
    assert_eq!(details.status, StreamStatus::Active);
    assert!(details.direct_put);
    assert!(!details.version_id.is_empty() && !details.destination_id.is_empty());

    // Nothing differs: no call, so the version stays.
    firehose::update_delivery_stream(&clients, &current, &desired)
        .await
        .unwrap();

    let steps = [
        // Every field changes.
        DeliveryStream {
            name: name.into(),
            failed: None,
            bucket_arn: bucket_b.clone(),
            role_arn: role_b.clone(),
            prefix: "ses/!{timestamp:yyyy/MM/dd}/".into(),
            error_output_prefix: "failed/!{firehose:error-output-type}/".into(),
            buffer_size_mb: 64,
            buffer_interval_seconds: 60,
            compression: Compression::Gzip,
            tags: tags(&[("sesinfra:stack", "test"), ("team", "mail")]),
        },
        // One field at a time, and prefixes cleared.
        DeliveryStream {
            buffer_interval_seconds: 900,
            compression: Compression::HadoopSnappy,
            prefix: String::new(),
            tags: tags(&[("sesinfra:stack", "other")]),
            ..stream(name, &bucket_b, &role_b)
        },
        DeliveryStream {
            buffer_size_mb: 1,
            error_output_prefix: String::new(),
            compression: Compression::Zip,
            ..stream(name, &bucket_b, &role_a)
        },
        DeliveryStream {
            compression: Compression::Snappy,
            ..stream(name, &bucket_a, &role_a)
        },
    ];
    for step in steps {
        firehose::update_delivery_stream(&clients, &current, &step)
            .await
            .unwrap();
        current = firehose::get_delivery_stream(&clients, name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(current, step);
    }

    assert_eq!(
        firehose::list_delivery_streams(&clients).await.unwrap(),
        vec![name.to_owned()]
    );
    firehose::delete_delivery_stream(&clients, name, false)
        .await
        .unwrap();
    assert_eq!(
        firehose::get_delivery_stream(&clients, name).await.unwrap(),
        None
    );
    assert_eq!(
        firehose::get_delivery_stream_details(&clients, name)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn list_delivery_streams_follows_pages() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let (bucket, role) = bucket_and_role(&clients, "list").await;
    // AWS (and the emulator) return 10 names per page by default.
    let names: Vec<String> = (0..23).map(|i| format!("stream-{i:02}")).collect();
    for name in &names {
        firehose::create_delivery_stream(&clients, &stream(name, &bucket, &role))
            .await
            .unwrap();
    }
    let mut listed = firehose::list_delivery_streams(&clients).await.unwrap();
    listed.sort();
    assert_eq!(listed, names);
}

#[tokio::test]
async fn many_tags_are_read_and_written_in_pages() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let (bucket, role) = bucket_and_role(&clients, "tags").await;
    let mut desired = stream("tagged", &bucket, &role);
    firehose::create_delivery_stream(&clients, &desired)
        .await
        .unwrap();
    let current = firehose::get_delivery_stream(&clients, "tagged")
        .await
        .unwrap()
        .unwrap();
    // 50 tags (Firehose's maximum): more than one page of ListTagsForDeliveryStream.
    desired.tags = (0..50)
        .map(|i| (format!("k{i:02}"), format!("v{i}")))
        .collect();
    firehose::update_delivery_stream(&clients, &current, &desired)
        .await
        .unwrap();
    let read = firehose::get_delivery_stream(&clients, "tagged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, desired);
}

#[tokio::test]
async fn firehose_error_kinds() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let (bucket, role) = bucket_and_role(&clients, "err").await;
    let s = stream("dup", &bucket, &role);
    firehose::create_delivery_stream(&clients, &s)
        .await
        .unwrap();
    let err = firehose::create_delivery_stream(&clients, &s)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::AlreadyExists, "{err}");
    let err = firehose::delete_delivery_stream(&clients, "missing", false)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    let mut changed = s.clone();
    changed.name = "missing".into();
    changed.compression = Compression::Gzip;
    let err = firehose::update_delivery_stream(&clients, &s, &changed)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
}
