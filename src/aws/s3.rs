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
    LifecycleRuleFilter, NoncurrentVersionExpiration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging, TransitionDefaultMinimumObjectSize,
    VersioningConfiguration,
};

use super::retry::retry;
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
    let (versioning, encryption, block_public_access, lifecycle, tags) = tokio::try_join!(
        get_versioning(clients, name),
        get_encryption(clients, name),
        get_block_public_access(clients, name),
        get_lifecycle(clients, name),
        get_tags(clients, name),
    )?;
    let (expire_after_days, noncurrent_expire_after_days) = expire_days(&lifecycle.rules)?;
    Ok(Some(Bucket {
        name: name.to_owned(),
        versioning,
        encryption,
        block_public_access,
        expire_after_days,
        noncurrent_expire_after_days,
        tags,
    }))
}

/// Creates the bucket in the clients' region, tagged in the same call, then applies
/// every setting that differs from what a new bucket has.
///
/// The tags (with the stack's ownership tag) go into CreateBucket itself, so there is
/// no moment at which the bucket exists untagged: an apply interrupted right after the
/// create leaves a bucket the next plan recognises as the stack's, not a name clash.
/// The sub-resource calls that follow retry `NoSuchBucket` / `OperationAborted`, which
/// S3 answers for a while after a create (eventual consistency).
pub async fn create_bucket(clients: &Clients, bucket: &Bucket) -> Result<(), AwsError> {
    const OP: &str = "CreateBucket";
    let mut create = clients.s3.create_bucket().bucket(&bucket.name);
    let mut config = CreateBucketConfiguration::builder();
    let mut has_config = false;
    // us-east-1 is the one region S3 rejects as an explicit LocationConstraint.
    if clients.region != "us-east-1" {
        config =
            config.location_constraint(BucketLocationConstraint::from(clients.region.as_str()));
        has_config = true;
    }
    if !bucket.tags.is_empty() {
        config = config.set_tags(Some(tag_set(OP, &bucket.tags)?));
        has_config = true;
    }
    if has_config {
        create = create.create_bucket_configuration(config.build());
    }
    create
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;

    let name = bucket.name.as_str();
    let policy = clients.waits.new_bucket;
    // A new bucket is unversioned and SSE-S3 encrypted: write only what differs.
    if bucket.versioning {
        retry(policy, "enable versioning of a new bucket", || {
            put_versioning(clients, name, true)
        })
        .await?;
    }
    if bucket.encryption != BucketEncryption::SseS3 {
        retry(policy, "set encryption of a new bucket", || {
            put_encryption(clients, name, &bucket.encryption)
        })
        .await?;
    }
    // Always written: new buckets block public access by default on AWS (since 2023)
    // but not everywhere (older partitions, emulators), so the state is made explicit.
    retry(policy, "block public access to a new bucket", || {
        put_block_public_access(clients, name, bucket.block_public_access)
    })
    .await?;
    if bucket.expire_after_days.is_some() || bucket.noncurrent_expire_after_days.is_some() {
        retry(policy, "set the lifecycle of a new bucket", || {
            put_expiration(clients, name, bucket)
        })
        .await?;
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
    if current.expire_after_days != desired.expire_after_days
        || current.noncurrent_expire_after_days != desired.noncurrent_expire_after_days
    {
        put_expiration(clients, name, desired).await?;
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

// ------------------------------------------------------------------- archive objects

/// An object under a prefix: its key and size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
}

/// Every object whose key starts with `prefix`, in key order (ListObjectsV2, 1,000 keys
/// per call).
pub async fn list_objects(
    clients: &Clients,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<ObjectInfo>, AwsError> {
    const OP: &str = "ListObjectsV2";
    let mut objects = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
        for object in out.contents() {
            let Some(key) = object.key() else { continue };
            objects.push(ObjectInfo {
                key: key.to_owned(),
                size: object
                    .size()
                    .and_then(|s| u64::try_from(s).ok())
                    .unwrap_or(0),
            });
        }
        match out.next_continuation_token() {
            Some(next) if out.is_truncated() == Some(true) => token = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok(objects)
}

/// The whole body of an object (Firehose objects are at most the stream's buffer size,
/// 128 MiB).
pub async fn get_object(clients: &Clients, bucket: &str, key: &str) -> Result<Vec<u8>, AwsError> {
    const OP: &str = "GetObject";
    let out = clients
        .s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
    let body = out.body.collect().await.map_err(|e| {
        AwsError::local(
            SERVICE,
            OP,
            format!("reading the body of {key} failed: {e}"),
        )
    })?;
    Ok(body.to_vec())
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
    Ok(encryption_from(&out))
}

fn encryption_from(
    out: &aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput,
) -> BucketEncryption {
    let default = out
        .server_side_encryption_configuration()
        .and_then(|c| c.rules().first())
        .and_then(|r| r.apply_server_side_encryption_by_default());
    let Some(default) = default else {
        return BucketEncryption::SseS3;
    };
    let bucket_key = out
        .server_side_encryption_configuration()
        .and_then(|c| c.rules().first())
        .and_then(|r| r.bucket_key_enabled())
        .unwrap_or(false);
    match default.sse_algorithm() {
        // DSSE-KMS is KMS too; sesinfra never writes it.
        ServerSideEncryption::AwsKms | ServerSideEncryption::AwsKmsDsse => BucketEncryption::Kms {
            // No key id means the AWS managed key (aws/s3), which sesinfra never writes:
            // an empty ARN differs from any desired key, so it gets corrected.
            key_arn: default.kms_master_key_id().unwrap_or_default().to_owned(),
            // Absent means off (S3's default for a rule).
            bucket_key,
        },
        // A bucket key means nothing for SSE-S3.
        _ => BucketEncryption::SseS3,
    }
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

/// A bucket's whole lifecycle configuration as S3 returns it: every rule (others'
/// included, as the SDK models them) and the configuration-wide
/// `TransitionDefaultMinimumObjectSize` (a response header), which a rewrite must send
/// back or S3 resets it to its default.
struct Lifecycle {
    rules: Vec<LifecycleRule>,
    /// `None`: no configuration (or S3 did not say); nothing to keep.
    transition_default_minimum_object_size: Option<TransitionDefaultMinimumObjectSize>,
}

async fn get_lifecycle(clients: &Clients, name: &str) -> Result<Lifecycle, AwsError> {
    const OP: &str = "GetBucketLifecycleConfiguration";
    match clients
        .s3
        .get_bucket_lifecycle_configuration()
        .bucket(name)
        .send()
        .await
    {
        Ok(out) => Ok(Lifecycle {
            transition_default_minimum_object_size: out
                .transition_default_minimum_object_size()
                .cloned(),
            rules: out.rules.unwrap_or_default(),
        }),
        Err(e) if has_code(&e, "NoSuchLifecycleConfiguration") => Ok(Lifecycle {
            rules: Vec::new(),
            transition_default_minimum_object_size: None,
        }),
        Err(e) => Err(AwsError::from_sdk(SERVICE, OP, e)),
    }
}

/// The current- and noncurrent-version expirations of sesinfra's rule, if it is there
/// in the shape sesinfra writes. A rule with our id but another shape (disabled,
/// filtered) reads as no expiration, so a desired expiration rewrites it.
fn expire_days(rules: &[LifecycleRule]) -> Result<(Option<u32>, Option<u32>), AwsError> {
    let Some(rule) = rules.iter().find(|r| {
        r.id() == Some(EXPIRE_RULE_ID)
            && r.status() == &ExpirationStatus::Enabled
            && is_whole_bucket(r)
    }) else {
        return Ok((None, None));
    };
    let days = |value: Option<i32>, what: &str| -> Result<Option<u32>, AwsError> {
        value
            .map(|d| {
                u32::try_from(d).map_err(|_| {
                    AwsError::local(
                        SERVICE,
                        "GetBucketLifecycleConfiguration",
                        format!("rule {EXPIRE_RULE_ID} has a negative {what}: {d} days"),
                    )
                })
            })
            .transpose()
    };
    Ok((
        days(rule.expiration().and_then(|e| e.days()), "expiration")?,
        days(
            rule.noncurrent_version_expiration()
                .and_then(|e| e.noncurrent_days()),
            "noncurrent version expiration",
        )?,
    ))
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
        BucketEncryption::Kms {
            key_arn,
            bucket_key,
        } => ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(built(
                OP,
                ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::AwsKms)
                    .kms_master_key_id(key_arn)
                    .build(),
            )?)
            // A bucket key cuts KMS requests (and their cost and throttling) for the many
            // small objects Firehose writes; it also changes the KMS encryption context
            // (the bucket ARN instead of the object ARN), which the Firehose role's
            // policy follows (`crate::desired`).
            .bucket_key_enabled(*bucket_key)
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

/// Sets or removes sesinfra's expiration rule (current and noncurrent versions, as
/// `bucket` says). The lifecycle configuration is one document for the whole bucket:
/// it is read whole, and written back with the rules of others exactly as read and the
/// configuration's `TransitionDefaultMinimumObjectSize` kept.
async fn put_expiration(clients: &Clients, name: &str, bucket: &Bucket) -> Result<(), AwsError> {
    const OP: &str = "PutBucketLifecycleConfiguration";
    let current = get_lifecycle(clients, name).await?;
    let mut rules: Vec<LifecycleRule> = current
        .rules
        .into_iter()
        .filter(|r| r.id() != Some(EXPIRE_RULE_ID))
        .collect();
    let days = |d: u32| {
        i32::try_from(d)
            .map_err(|_| AwsError::local(SERVICE, OP, format!("{d} days is out of range")))
    };
    let expire = bucket.expire_after_days.map(days).transpose()?;
    let noncurrent = bucket.noncurrent_expire_after_days.map(days).transpose()?;
    if expire.is_some() || noncurrent.is_some() {
        let mut rule = LifecycleRule::builder()
            .id(EXPIRE_RULE_ID)
            .status(ExpirationStatus::Enabled)
            // S3 requires a filter; an empty prefix is the whole bucket.
            .filter(LifecycleRuleFilter::builder().prefix("").build());
        if let Some(days) = expire {
            rule = rule.expiration(LifecycleExpiration::builder().days(days).build());
        }
        if let Some(days) = noncurrent {
            rule = rule.noncurrent_version_expiration(
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(days)
                    .build(),
            );
        }
        rules.push(built(OP, rule.build())?);
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
        .set_transition_default_minimum_object_size(current.transition_default_minimum_object_size)
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
    let tag_set = tag_set(OP, tags)?;
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

fn tag_set(operation: &'static str, tags: &Tags) -> Result<Vec<Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| built(operation, Tag::builder().key(k).value(v).build()))
        .collect()
}

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

// --------------------------------------------------------------------------- account-wide reads

/// What `audit` needs to know about a bucket's protection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketPosture {
    /// The bucket's default encryption; `None` when it states none (`get_bucket` reads
    /// that as SSE-S3, which S3 applies anyway since January 2023).
    pub encryption: Option<BucketEncryption>,
    /// All four public-access-block flags on.
    pub block_public_access: bool,
    pub tags: Tags,
}

/// The bucket's encryption, public-access block and tags, or `None` when it does not
/// exist (four calls, not `get_bucket`'s six).
pub async fn bucket_posture(
    clients: &Clients,
    name: &str,
) -> Result<Option<BucketPosture>, AwsError> {
    match clients.s3.head_bucket().bucket(name).send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => return Ok(None),
        Err(e) => return Err(AwsError::from_sdk(SERVICE, "HeadBucket", e)),
    }
    let stated = async {
        match clients.s3.get_bucket_encryption().bucket(name).send().await {
            Ok(out) => Ok(Some(encryption_from(&out))),
            Err(e) if has_code(&e, "ServerSideEncryptionConfigurationNotFoundError") => Ok(None),
            Err(e) => Err(AwsError::from_sdk(SERVICE, "GetBucketEncryption", e)),
        }
    };
    let (encryption, block_public_access, tags) = tokio::try_join!(
        stated,
        get_block_public_access(clients, name),
        get_tags(clients, name)
    )?;
    Ok(Some(BucketPosture {
        encryption,
        block_public_access,
        tags,
    }))
}
