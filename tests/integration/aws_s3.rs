//! S3 adapter against the emulator: lifecycle of a bucket with every setting.

use sesinfra::aws::{ErrorKind, s3};
use sesinfra::resources::{Bucket, BucketEncryption, Tags};

use crate::support::Emulator;

fn bucket(name: &str) -> Bucket {
    Bucket {
        name: name.to_owned(),
        versioning: true,
        encryption: BucketEncryption::SseS3,
        block_public_access: true,
        expire_after_days: Some(400),
        tags: Tags::from([("sesinfra:stack".to_owned(), "t".to_owned())]),
    }
}

#[tokio::test]
async fn bucket_lifecycle_with_every_setting() {
    let emulator = Emulator::start();
    let c = emulator.clients().await;
    let name = "sesinfra-test-history";
    assert_eq!(s3::get_bucket(&c, name).await.unwrap(), None);

    let created = bucket(name);
    s3::create_bucket(&c, &created).await.unwrap();
    assert_eq!(
        s3::get_bucket(&c, name).await.unwrap().as_ref(),
        Some(&created)
    );

    // Every mutable field changes.
    let mut updated = created.clone();
    updated.versioning = false;
    updated.encryption = BucketEncryption::Kms {
        key_arn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            .into(),
    };
    updated.block_public_access = false;
    updated.expire_after_days = Some(30);
    updated.tags.insert("team".into(), "mail".into());
    s3::update_bucket(&c, &created, &updated).await.unwrap();
    assert_eq!(
        s3::get_bucket(&c, name).await.unwrap().as_ref(),
        Some(&updated)
    );

    // Back to defaults: no lifecycle rule, no tags, SSE-S3.
    let mut plain = updated.clone();
    plain.expire_after_days = None;
    plain.tags.clear();
    plain.encryption = BucketEncryption::SseS3;
    plain.block_public_access = true;
    s3::update_bucket(&c, &updated, &plain).await.unwrap();
    assert_eq!(
        s3::get_bucket(&c, name).await.unwrap().as_ref(),
        Some(&plain)
    );

    assert!(s3::bucket_is_empty(&c, name).await.unwrap());
    s3::delete_bucket(&c, name).await.unwrap();
    assert_eq!(s3::get_bucket(&c, name).await.unwrap(), None);
}

#[tokio::test]
async fn a_bucket_with_an_object_is_not_empty_and_deleting_a_missing_one_is_not_found() {
    let emulator = Emulator::start();
    let c = emulator.clients().await;
    let name = "sesinfra-test-full";
    s3::create_bucket(&c, &bucket(name)).await.unwrap();
    c.s3.put_object()
        .bucket(name)
        .key("ses/record.json")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"{}"))
        .send()
        .await
        .unwrap();
    assert!(!s3::bucket_is_empty(&c, name).await.unwrap());
    let err = s3::delete_bucket(&c, "sesinfra-test-missing")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
}
