//! S3 bucket adapter against the emulator: every managed setting written, read back and
//! changed; S3's "not configured" answers read as AWS's defaults; errors classified.

use aws_sdk_s3::primitives::ByteStream;
use sesinfra::aws::s3::{bucket_is_empty, create_bucket, delete_bucket, get_bucket, update_bucket};
use sesinfra::aws::{Clients, ErrorKind};
use sesinfra::resources::{Bucket, BucketEncryption, Tags};

use crate::support::Emulator;

const KEY_A: &str = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const KEY_B: &str = "arn:aws:kms:eu-west-1:123456789012:key/66666666-7777-8888-9999-000000000000";

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn read(clients: &Clients, name: &str) -> Bucket {
    get_bucket(clients, name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("bucket {name} exists"))
}

#[tokio::test]
async fn bucket_create_read_update_delete() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let created = Bucket {
        name: "sesinfra-events-1".to_owned(),
        versioning: true,
        encryption: BucketEncryption::Kms {
            key_arn: KEY_A.to_owned(),
            bucket_key: true,
        },
        block_public_access: true,
        expire_after_days: Some(30),
        noncurrent_expire_after_days: Some(10),
        tags: tags(&[("sesinfra:stack", "prod"), ("team", "mail")]),
    };
    assert_eq!(get_bucket(&clients, &created.name).await.unwrap(), None);
    create_bucket(&clients, &created).await.unwrap();
    assert_eq!(read(&clients, &created.name).await, created);

    // Every field changes, each to its "off" form: versioning suspended, SSE-S3, public
    // access not blocked, lifecycle deleted, all tags removed.
    let off = Bucket {
        name: created.name.clone(),
        versioning: false,
        encryption: BucketEncryption::SseS3,
        block_public_access: false,
        expire_after_days: None,
        noncurrent_expire_after_days: None,
        tags: Tags::new(),
    };
    update_bucket(&clients, &created, &off).await.unwrap();
    assert_eq!(read(&clients, &created.name).await, off);

    // And back on, with other values than at creation.
    let on = Bucket {
        versioning: true,
        encryption: BucketEncryption::Kms {
            key_arn: KEY_B.to_owned(),
            bucket_key: false,
        },
        block_public_access: true,
        expire_after_days: Some(7),
        noncurrent_expire_after_days: Some(3),
        tags: tags(&[("owner", "ops")]),
        ..off.clone()
    };
    update_bucket(&clients, &off, &on).await.unwrap();
    assert_eq!(read(&clients, &created.name).await, on);

    // Values changed in place (not only switched on or off).
    let changed = Bucket {
        expire_after_days: Some(90),
        noncurrent_expire_after_days: Some(60),
        tags: tags(&[("owner", "mail"), ("cost", "42")]),
        ..on.clone()
    };
    update_bucket(&clients, &on, &changed).await.unwrap();
    assert_eq!(read(&clients, &created.name).await, changed);

    // Nothing differs: succeeds and changes nothing.
    update_bucket(&clients, &changed, &changed).await.unwrap();
    assert_eq!(read(&clients, &created.name).await, changed);

    assert!(bucket_is_empty(&clients, &created.name).await.unwrap());
    delete_bucket(&clients, &created.name).await.unwrap();
    assert_eq!(get_bucket(&clients, &created.name).await.unwrap(), None);
}

#[tokio::test]
async fn new_bucket_with_defaults_reads_back_equal() {
    // Nothing configured beyond the public access block: versioning never set, no
    // encryption configuration, no lifecycle, no tags must read as AWS's defaults.
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let bucket = Bucket {
        name: "sesinfra-plain".to_owned(),
        versioning: false,
        encryption: BucketEncryption::SseS3,
        block_public_access: false,
        expire_after_days: None,
        noncurrent_expire_after_days: None,
        tags: Tags::new(),
    };
    create_bucket(&clients, &bucket).await.unwrap();
    assert_eq!(read(&clients, &bucket.name).await, bucket);
}

#[tokio::test]
async fn expiration_keeps_lifecycle_rules_of_others() {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
        LifecycleRuleFilter,
    };
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let bucket = Bucket {
        name: "sesinfra-shared-lifecycle".to_owned(),
        versioning: false,
        encryption: BucketEncryption::SseS3,
        block_public_access: true,
        expire_after_days: None,
        noncurrent_expire_after_days: None,
        tags: Tags::new(),
    };
    create_bucket(&clients, &bucket).await.unwrap();
    let foreign = LifecycleRule::builder()
        .id("someone-else")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("tmp/").build())
        .expiration(LifecycleExpiration::builder().days(1).build())
        .build()
        .unwrap();
    clients
        .s3
        .put_bucket_lifecycle_configuration()
        .bucket(&bucket.name)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(foreign)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // A rule that is not sesinfra's is no expiration of sesinfra's.
    assert_eq!(read(&clients, &bucket.name).await, bucket);

    let expiring = Bucket {
        expire_after_days: Some(14),
        ..bucket.clone()
    };
    update_bucket(&clients, &bucket, &expiring).await.unwrap();
    assert_eq!(read(&clients, &bucket.name).await, expiring);
    update_bucket(&clients, &expiring, &bucket).await.unwrap();
    assert_eq!(read(&clients, &bucket.name).await, bucket);

    let rules = clients
        .s3
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket.name)
        .send()
        .await
        .unwrap()
        .rules
        .unwrap_or_default();
    let ids: Vec<_> = rules.iter().filter_map(|r| r.id()).collect();
    assert_eq!(ids, ["someone-else"]);
}

#[tokio::test]
async fn bucket_with_objects_is_not_empty() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let bucket = Bucket {
        name: "sesinfra-full".to_owned(),
        versioning: true,
        encryption: BucketEncryption::SseS3,
        block_public_access: true,
        expire_after_days: None,
        noncurrent_expire_after_days: None,
        tags: Tags::new(),
    };
    create_bucket(&clients, &bucket).await.unwrap();
    assert!(bucket_is_empty(&clients, &bucket.name).await.unwrap());
    clients
        .s3
        .put_object()
        .bucket(&bucket.name)
        .key("events/2024/01/01/record.gz")
        .body(ByteStream::from_static(b"{}"))
        .send()
        .await
        .unwrap();
    assert!(!bucket_is_empty(&clients, &bucket.name).await.unwrap());

    // Deleting the object of a versioned bucket leaves its version and a delete
    // marker: still not empty, and S3 would refuse to delete the bucket.
    clients
        .s3
        .delete_object()
        .bucket(&bucket.name)
        .key("events/2024/01/01/record.gz")
        .send()
        .await
        .unwrap();
    assert!(!bucket_is_empty(&clients, &bucket.name).await.unwrap());
    let err = delete_bucket(&clients, &bucket.name).await.unwrap_err();
    assert_eq!(err.code.as_deref(), Some("BucketNotEmpty"), "{err}");
}

#[tokio::test]
async fn missing_bucket_is_none_and_not_found() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    assert_eq!(
        get_bucket(&clients, "sesinfra-missing").await.unwrap(),
        None
    );
    let err = delete_bucket(&clients, "sesinfra-missing")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    let err = bucket_is_empty(&clients, "sesinfra-missing")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn creating_an_existing_bucket_is_already_exists() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let bucket = Bucket {
        name: "sesinfra-twice".to_owned(),
        versioning: false,
        encryption: BucketEncryption::SseS3,
        block_public_access: true,
        expire_after_days: None,
        noncurrent_expire_after_days: None,
        tags: Tags::new(),
    };
    create_bucket(&clients, &bucket).await.unwrap();
    // Outside us-east-1 S3 answers BucketAlreadyOwnedByYou (us-east-1 answers 200).
    let err = create_bucket(&clients, &bucket).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::AlreadyExists, "{err}");
}

#[tokio::test]
async fn lifecycle_rewrite_keeps_foreign_rules_and_minimum_object_size_exactly() {
    use aws_sdk_s3::types::{
        AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus,
        LifecycleRule, LifecycleRuleAndOperator, LifecycleRuleFilter, NoncurrentVersionExpiration,
        NoncurrentVersionTransition, Tag, Transition, TransitionDefaultMinimumObjectSize,
        TransitionStorageClass,
    };
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let bucket = Bucket {
        name: "sesinfra-foreign-lifecycle".to_owned(),
        versioning: true,
        encryption: BucketEncryption::SseS3,
        block_public_access: true,
        expire_after_days: Some(30),
        noncurrent_expire_after_days: Some(30),
        tags: Tags::new(),
    };
    create_bucket(&clients, &bucket).await.unwrap();

    // Someone else's rule with every kind of filter and action, and the non-default
    // minimum object size for transitions.
    let foreign = LifecycleRule::builder()
        .id("archive-large")
        .status(ExpirationStatus::Enabled)
        .filter(
            LifecycleRuleFilter::builder()
                .and(
                    LifecycleRuleAndOperator::builder()
                        .prefix("archive/")
                        .tags(Tag::builder().key("class").value("cold").build().unwrap())
                        .object_size_greater_than(1024)
                        .object_size_less_than(10_485_760)
                        .build(),
                )
                .build(),
        )
        .transitions(
            Transition::builder()
                .days(30)
                .storage_class(TransitionStorageClass::StandardIa)
                .build(),
        )
        .transitions(
            Transition::builder()
                .days(90)
                .storage_class(TransitionStorageClass::Glacier)
                .build(),
        )
        .noncurrent_version_transitions(
            NoncurrentVersionTransition::builder()
                .noncurrent_days(10)
                .newer_noncurrent_versions(2)
                .storage_class(TransitionStorageClass::Glacier)
                .build(),
        )
        .noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .noncurrent_days(40)
                .newer_noncurrent_versions(3)
                .build(),
        )
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(2)
                .build(),
        )
        .build()
        .unwrap();
    let ours = clients
        .s3
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket.name)
        .send()
        .await
        .unwrap()
        .rules
        .unwrap_or_default();
    let mut rules = ours.clone();
    rules.insert(0, foreign.clone());
    clients
        .s3
        .put_bucket_lifecycle_configuration()
        .bucket(&bucket.name)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .set_rules(Some(rules))
                .build()
                .unwrap(),
        )
        .transition_default_minimum_object_size(
            TransitionDefaultMinimumObjectSize::VariesByStorageClass,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(read(&clients, &bucket.name).await, bucket);

    // Both expiries change, then the rule goes away: each rewrite keeps the rest.
    let changed = Bucket {
        expire_after_days: Some(400),
        noncurrent_expire_after_days: Some(7),
        ..bucket.clone()
    };
    let without = Bucket {
        expire_after_days: None,
        noncurrent_expire_after_days: None,
        ..bucket.clone()
    };
    for (have, want) in [(&bucket, &changed), (&changed, &without)] {
        update_bucket(&clients, have, want).await.unwrap();
        assert_eq!(&read(&clients, &bucket.name).await, want);
        let out = clients
            .s3
            .get_bucket_lifecycle_configuration()
            .bucket(&bucket.name)
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.transition_default_minimum_object_size(),
            Some(&TransitionDefaultMinimumObjectSize::VariesByStorageClass)
        );
        let rules = out.rules();
        assert_eq!(rules[0], foreign, "the foreign rule, field for field");
        let expected_rules = if want.expire_after_days.is_some() {
            2
        } else {
            1
        };
        assert_eq!(rules.len(), expected_rules, "{rules:?}");
    }
}

#[tokio::test]
async fn new_bucket_sub_resource_calls_retry_through_s3_eventual_consistency() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let bucket = Bucket {
        name: "sesinfra-eventually".to_owned(),
        versioning: true,
        encryption: BucketEncryption::Kms {
            key_arn: KEY_A.to_owned(),
            bucket_key: true,
        },
        block_public_access: true,
        expire_after_days: Some(30),
        noncurrent_expire_after_days: Some(5),
        tags: tags(&[("sesinfra:stack", "prod")]),
    };
    // The first sub-resource calls after CreateBucket fail as S3 may right after a
    // create; the create goes through them.
    let faults = emulator.faults();
    faults
        .bucket(&bucket.name)
        .error("NoSuchBucket")
        .count(2)
        .queue();
    faults
        .bucket(&bucket.name)
        .error("OperationAborted")
        .count(2)
        .queue();
    create_bucket(&clients, &bucket).await.unwrap();
    assert_eq!(faults.queued(), 0, "every fault was answered");
    assert_eq!(read(&clients, &bucket.name).await, bucket);

    // Outside a create the same answers are final: a NoSuchBucket then is real.
    faults.bucket(&bucket.name).error("NoSuchBucket").queue();
    let off = Bucket {
        versioning: false,
        ..bucket.clone()
    };
    let err = update_bucket(&clients, &bucket, &off).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    assert_eq!(err.code.as_deref(), Some("NoSuchBucket"), "{err}");
}

#[tokio::test]
async fn created_bucket_is_tagged_by_create_bucket_itself() {
    // Every call after CreateBucket is denied: the bucket still carries its tags,
    // so an interrupted apply leaves nothing the next plan would call a clash.
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let bucket = Bucket {
        name: "sesinfra-interrupted".to_owned(),
        versioning: true,
        encryption: BucketEncryption::SseS3,
        block_public_access: true,
        expire_after_days: None,
        noncurrent_expire_after_days: None,
        tags: tags(&[("sesinfra:stack", "prod"), ("team", "mail")]),
    };
    emulator
        .faults()
        .bucket(&bucket.name)
        .error("AccessDenied")
        .queue();
    let err = create_bucket(&clients, &bucket).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::AccessDenied, "{err}");
    let tags_now = clients
        .s3
        .get_bucket_tagging()
        .bucket(&bucket.name)
        .send()
        .await
        .unwrap();
    let found: Tags = tags_now
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    assert_eq!(found, bucket.tags);
}
