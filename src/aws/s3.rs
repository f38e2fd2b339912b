//! S3: the bucket Firehose writes sending events to, as a `crate::resources::Bucket`.
//!
//! A bucket's settings live in separate sub-resources (versioning, default encryption,
//! public access block, lifecycle, tags), each with its own get/put call and its own way
//! of saying "not configured". This module reads them into one value with AWS's defaults
//! filled in, and writes only the sub-resources that differ.

use aws_sdk_s3::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus,
    CreateBucketConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    Tag, Tagging, VersioningConfiguration,
};

use super::{AwsError, Clients};
use crate::resources::{Bucket, BucketEncryption, Tags};

const SERVICE: &str = "s3";

/// The id of the one lifecycle rule sesinfra owns; other rules on the bucket are kept.
pub const EXPIRE_RULE_ID: &str = "sesinfra-expire";

/// The bucket and its managed settings, or `None` when it does not exist.
pub async fn get_bucket(clients: &Clients, name: &str) -> Result<Option<Bucket>, AwsError> {
    match clients.s3.head_bucket().bucket(name).send().await {
        Ok(_) => {}
        // HEAD has no body, so the 404 carries no error code of its own; the SDK still
        // models it as NotFound.
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => return Ok(None),
        Err(e) => return Err(AwsError::from_sdk(SERVICE, "HeadBucket", e)),
    }
    let (versioning, encryption, block_public_access, rules, tags) = tokio::try_join!(
        get_versioning(clients, name),
        get_encryption(clients, name),
        get_block_public_access(clients, name),
        get_lifecycle_rules(clients, name),
        get_tags(clients, name),
    )?;
    Ok(Some(Bucket {
        name: name.to_owned(),
        versioning,
        encryption,
        block_public_access,
        expire_after_days: expire_days(&rules)?,
        tags,
    }))
}

/// Creates the bucket in the clients' region, then applies every setting that differs
/// from what a new bucket has.
pub async fn create_bucket(clients: &Clients, bucket: &Bucket) -> Result<(), AwsError> {
    let mut create = clients.s3.create_bucket().bucket(&bucket.name);
    // us-east-1 is the one region S3 rejects as an explicit LocationConstraint.
    if clients.region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(clients.region.as_str()))
                .build(),
        );
    }
    create
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "CreateBucket", e))?;

    // A new bucket is unversioned and SSE-S3 encrypted: write only what differs.
    if bucket.versioning {
        put_versioning(clients, &bucket.name, true).await?;
    }
    if bucket.encryption != BucketEncryption::SseS3 {
        put_encryption(clients, &bucket.name, &bucket.encryption).await?;
    }
    // Always written: new buckets block public access by default on AWS (since 2023)
    // but not everywhere (older partitions, emulators), so the state is made explicit.
    put_block_public_access(clients, &bucket.name, bucket.block_public_access).await?;
    if let Some(days) = bucket.expire_after_days {
        put_expiration(clients, &bucket.name, Some(days)).await?;
    }
    if !bucket.tags.is_empty() {
        put_tags(clients, &bucket.name, &bucket.tags).await?;
    }
    Ok(())
}

/// Writes the settings of `desired` that differ from `current`; nothing when none do.
pub async fn update_bucket(
    clients: &Clients,
    current: &Bucket,
    desired: &Bucket,
) -> Result<(), AwsError> {
    let name = &desired.name;
    if current.versioning != desired.versioning {
        put_versioning(clients, name, desired.versioning).await?;
    }
    if current.encryption != desired.encryption {
        put_encryption(clients, name, &desired.encryption).await?;
    }
    if current.block_public_access != desired.block_public_access {
        put_block_public_access(clients, name, desired.block_public_access).await?;
    }
    if current.expire_after_days != desired.expire_after_days {
        put_expiration(clients, name, desired.expire_after_days).await?;
    }
    if current.tags != desired.tags {
        put_tags(clients, name, &desired.tags).await?;
    }
    Ok(())
}

/// Deletes the bucket; S3 refuses (`BucketNotEmpty`) unless it is empty.
pub async fn delete_bucket(clients: &Clients, name: &str) -> Result<(), AwsError> {
    clients
        .s3
        .delete_bucket()
        .bucket(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "DeleteBucket", e))?;
    Ok(())
}

/// Whether the bucket holds nothing that would block its deletion. Lists object
/// versions, not objects: a versioned bucket whose objects were deleted still holds
/// their old versions and delete markers.
pub async fn bucket_is_empty(clients: &Clients, name: &str) -> Result<bool, AwsError> {
    let out = clients
        .s3
        .list_object_versions()
        .bucket(name)
        .max_keys(1)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "ListObjectVersions", e))?;
    Ok(out.versions().is_empty() && out.delete_markers().is_empty())
}

// ----------------------------------------------------------------------------- reads

async fn get_versioning(clients: &Clients, name: &str) -> Result<bool, AwsError> {
    let out = clients
        .s3
        .get_bucket_versioning()
        .bucket(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "GetBucketVersioning", e))?;
    // No status: never versioned. Suspended: versioned once, S3 cannot go back.
    Ok(out.status() == Some(&BucketVersioningStatus::Enabled))
}

async fn get_encryption(clients: &Clients, name: &str) -> Result<BucketEncryption, AwsError> {
    const OP: &str = "GetBucketEncryption";
    let out = match clients.s3.get_bucket_encryption().bucket(name).send().await {
        Ok(out) => out,
        // Buckets from before 2023 (and emulators) may have no configuration; S3 then
        // encrypts with SSE-S3 anyway.
        Err(e) if has_code(&e, "ServerSideEncryptionConfigurationNotFoundError") => {
            return Ok(BucketEncryption::SseS3);
        }
        Err(e) => return Err(AwsError::from_sdk(SERVICE, OP, e)),
    };
    let default = out
        .server_side_encryption_configuration()
        .and_then(|c| c.rules().first())
        .and_then(|r| r.apply_server_side_encryption_by_default());
    let Some(default) = default else {
        return Ok(BucketEncryption::SseS3);
    };
    Ok(match default.sse_algorithm() {
        // DSSE-KMS is KMS too; sesinfra never writes it.
        ServerSideEncryption::AwsKms | ServerSideEncryption::AwsKmsDsse => BucketEncryption::Kms {
            // No key id means the AWS managed key (aws/s3), which sesinfra never writes:
            // an empty ARN differs from any desired key, so it gets corrected.
            key_arn: default.kms_master_key_id().unwrap_or_default().to_owned(),
        },
        _ => BucketEncryption::SseS3,
    })
}

async fn get_block_public_access(clients: &Clients, name: &str) -> Result<bool, AwsError> {
    const OP: &str = "GetPublicAccessBlock";
    let out = match clients
        .s3
        .get_public_access_block()
        .bucket(name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if has_code(&e, "NoSuchPublicAccessBlockConfiguration") => return Ok(false),
        Err(e) => return Err(AwsError::from_sdk(SERVICE, OP, e)),
    };
    // Blocked only when all four flags are on; an absent flag is off.
    Ok(out.public_access_block_configuration().is_some_and(|c| {
        [
            c.block_public_acls(),
            c.ignore_public_acls(),
            c.block_public_policy(),
            c.restrict_public_buckets(),
        ]
        .iter()
        .all(|flag| *flag == Some(true))
    }))
}

async fn get_lifecycle_rules(
    clients: &Clients,
    name: &str,
) -> Result<Vec<LifecycleRule>, AwsError> {
    const OP: &str = "GetBucketLifecycleConfiguration";
    match clients
        .s3
        .get_bucket_lifecycle_configuration()
        .bucket(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.rules.unwrap_or_default()),
        Err(e) if has_code(&e, "NoSuchLifecycleConfiguration") => Ok(Vec::new()),
        Err(e) => Err(AwsError::from_sdk(SERVICE, OP, e)),
    }
}

/// The expiration of sesinfra's rule, if it is there in the shape sesinfra writes.
/// A rule with our id but another shape (disabled, filtered) reads as no expiration,
/// so a desired expiration rewrites it.
fn expire_days(rules: &[LifecycleRule]) -> Result<Option<u32>, AwsError> {
    let Some(rule) = rules.iter().find(|r| {
        r.id() == Some(EXPIRE_RULE_ID)
            && r.status() == &ExpirationStatus::Enabled
            && is_whole_bucket(r)
    }) else {
        return Ok(None);
    };
    let Some(days) = rule.expiration().and_then(|e| e.days()) else {
        return Ok(None);
    };
    u32::try_from(days).map(Some).map_err(|_| {
        AwsError::local(
            SERVICE,
            "GetBucketLifecycleConfiguration",
            format!("rule {EXPIRE_RULE_ID} has a negative expiration: {days} days"),
        )
    })
}

/// Whether a rule applies to every object: no filter, or a filter with an empty prefix
/// and nothing else (the legacy top-level `Prefix` counts the same way).
fn is_whole_bucket(rule: &LifecycleRule) -> bool {
    #[allow(deprecated)] // the legacy member still appears on old rules
    let legacy_prefix_empty = rule.prefix().is_none_or(str::is_empty);
    let filter_empty = rule.filter().is_none_or(|f| {
        f.prefix().is_none_or(str::is_empty)
            && f.tag().is_none()
            && f.object_size_greater_than().is_none()
            && f.object_size_less_than().is_none()
            && f.and().is_none()
    });
    legacy_prefix_empty && filter_empty
}

async fn get_tags(clients: &Clients, name: &str) -> Result<Tags, AwsError> {
    match clients.s3.get_bucket_tagging().bucket(name).send().await {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()),
        // S3 answers an error, not an empty set, for a bucket without tags.
        Err(e) if has_code(&e, "NoSuchTagSet") => Ok(Tags::new()),
        Err(e) => Err(AwsError::from_sdk(SERVICE, "GetBucketTagging", e)),
    }
}

// ----------------------------------------------------------------------------- writes

async fn put_versioning(clients: &Clients, name: &str, enabled: bool) -> Result<(), AwsError> {
    // Versioning can only be suspended, never removed, once enabled.
    let status = if enabled {
        BucketVersioningStatus::Enabled
    } else {
        BucketVersioningStatus::Suspended
    };
    clients
        .s3
        .put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(VersioningConfiguration::builder().status(status).build())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "PutBucketVersioning", e))?;
    Ok(())
}

async fn put_encryption(
    clients: &Clients,
    name: &str,
    encryption: &BucketEncryption,
) -> Result<(), AwsError> {
    const OP: &str = "PutBucketEncryption";
    let rule = match encryption {
        BucketEncryption::SseS3 => ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(built(
                OP,
                ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::Aes256)
                    .build(),
            )?)
            .build(),
        BucketEncryption::Kms { key_arn } => ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(built(
                OP,
                ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::AwsKms)
                    .kms_master_key_id(key_arn)
                    .build(),
            )?)
            // A bucket key cuts KMS requests (and their cost and throttling) for the many
            // small objects Firehose writes.
            .bucket_key_enabled(true)
            .build(),
    };
    let config = built(
        OP,
        ServerSideEncryptionConfiguration::builder()
            .rules(rule)
            .build(),
    )?;
    clients
        .s3
        .put_bucket_encryption()
        .bucket(name)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
    Ok(())
}

async fn put_block_public_access(
    clients: &Clients,
    name: &str,
    block: bool,
) -> Result<(), AwsError> {
    // All four flags together: sesinfra manages public access as one switch.
    let config = PublicAccessBlockConfiguration::builder()
        .block_public_acls(block)
        .ignore_public_acls(block)
        .block_public_policy(block)
        .restrict_public_buckets(block)
        .build();
    clients
        .s3
        .put_public_access_block()
        .bucket(name)
        .public_access_block_configuration(config)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "PutPublicAccessBlock", e))?;
    Ok(())
}

/// Sets or removes sesinfra's expiration rule. The lifecycle configuration is one
/// document for the whole bucket, so rules others added are read and written back.
async fn put_expiration(clients: &Clients, name: &str, days: Option<u32>) -> Result<(), AwsError> {
    const OP: &str = "PutBucketLifecycleConfiguration";
    let mut rules: Vec<LifecycleRule> = get_lifecycle_rules(clients, name)
        .await?
        .into_iter()
        .filter(|r| r.id() != Some(EXPIRE_RULE_ID))
        .collect();
    if let Some(days) = days {
        let days = i32::try_from(days)
            .map_err(|_| AwsError::local(SERVICE, OP, format!("{days} days is out of range")))?;
        rules.push(built(
            OP,
            LifecycleRule::builder()
                .id(EXPIRE_RULE_ID)
                .status(ExpirationStatus::Enabled)
                // S3 requires a filter; an empty prefix is the whole bucket.
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .expiration(LifecycleExpiration::builder().days(days).build())
                .build(),
        )?);
    }
    if rules.is_empty() {
        // S3 rejects a configuration without rules: remove it instead.
        clients
            .s3
            .delete_bucket_lifecycle()
            .bucket(name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "DeleteBucketLifecycle", e))?;
        return Ok(());
    }
    let config = built(
        OP,
        BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build(),
    )?;
    clients
        .s3
        .put_bucket_lifecycle_configuration()
        .bucket(name)
        .lifecycle_configuration(config)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
    Ok(())
}

async fn put_tags(clients: &Clients, name: &str, tags: &Tags) -> Result<(), AwsError> {
    const OP: &str = "PutBucketTagging";
    if tags.is_empty() {
        // S3 rejects an empty tag set: removing all tags is its own call.
        clients
            .s3
            .delete_bucket_tagging()
            .bucket(name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "DeleteBucketTagging", e))?;
        return Ok(());
    }
    let tag_set = tags
        .iter()
        .map(|(k, v)| built(OP, Tag::builder().key(k).value(v).build()))
        .collect::<Result<Vec<_>, _>>()?;
    // PutBucketTagging replaces the whole set.
    clients
        .s3
        .put_bucket_tagging()
        .bucket(name)
        .tagging(built(
            OP,
            Tagging::builder().set_tag_set(Some(tag_set)).build(),
        )?)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
    Ok(())
}

// ----------------------------------------------------------------------------- helpers

/// Whether an S3 error carries this error code (for the "not configured" answers,
/// which are errors in S3 but defaults to sesinfra).
fn has_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>, code: &str) -> bool {
    err.as_service_error().and_then(|e| e.code()) == Some(code)
}

/// A request member the SDK's builder refused (a required member left out): a bug in
/// sesinfra, reported rather than panicking.
fn built<T>(operation: &'static str, result: Result<T, BuildError>) -> Result<T, AwsError> {
    result.map_err(|e| AwsError::local(SERVICE, operation, format!("invalid request: {e}")))
}
