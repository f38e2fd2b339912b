//! S3 buckets as `resources::Bucket`: versioning, default encryption, public access
//! block, the one lifecycle rule sesinfra writes, tags. S3 reports "not configured"
//! as errors with their own codes; on read those become AWS's defaults.

use aws_sdk_s3::error::ProvideErrorMetadata;
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
/// The id of the lifecycle rule sesinfra manages.
pub const LIFECYCLE_RULE_ID: &str = "sesinfra-expire";

fn err<E, R>(operation: &'static str) -> impl FnOnce(aws_sdk_s3::error::SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| AwsError::from_sdk(SERVICE, operation, e)
}

fn build(operation: &'static str) -> impl FnOnce(aws_sdk_s3::error::BuildError) -> AwsError {
    move |e| AwsError::local(SERVICE, operation, format!("cannot build the request: {e}"))
}

/// The bucket, or `None` when it does not exist.
pub async fn get_bucket(clients: &Clients, name: &str) -> Result<Option<Bucket>, AwsError> {
    let s3 = &clients.s3;
    if let Err(e) = s3.head_bucket().bucket(name).send().await {
        // HeadBucket has no body: the SDK's generated check is the reliable one.
        if e.as_service_error().is_some_and(|se| se.is_not_found()) {
            return Ok(None);
        }
        let e = AwsError::from_sdk(SERVICE, "HeadBucket", e);
        return if e.is_not_found() { Ok(None) } else { Err(e) };
    }

    let versioning = s3
        .get_bucket_versioning()
        .bucket(name)
        .send()
        .await
        .map_err(err("GetBucketVersioning"))?
        .status
        == Some(BucketVersioningStatus::Enabled);

    let encryption = match s3.get_bucket_encryption().bucket(name).send().await {
        Ok(out) => {
            let default = out
                .server_side_encryption_configuration
                .and_then(|c| c.rules.into_iter().next())
                .and_then(|r| r.apply_server_side_encryption_by_default);
            match default {
                Some(d) if d.sse_algorithm == ServerSideEncryption::AwsKms => {
                    BucketEncryption::Kms {
                        key_arn: d.kms_master_key_id.unwrap_or_default(),
                    }
                }
                _ => BucketEncryption::SseS3,
            }
        }
        // Every bucket has SSE-S3 by default (since 2023).
        Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => {
            BucketEncryption::SseS3
        }
        Err(e) => return Err(AwsError::from_sdk(SERVICE, "GetBucketEncryption", e)),
    };

    let block_public_access = match s3.get_public_access_block().bucket(name).send().await {
        Ok(out) => out.public_access_block_configuration.is_some_and(|c| {
            c.block_public_acls == Some(true)
                && c.ignore_public_acls == Some(true)
                && c.block_public_policy == Some(true)
                && c.restrict_public_buckets == Some(true)
        }),
        Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => false,
        Err(e) => return Err(AwsError::from_sdk(SERVICE, "GetPublicAccessBlock", e)),
    };

    let expire_after_days = match s3
        .get_bucket_lifecycle_configuration()
        .bucket(name)
        .send()
        .await
    {
        Ok(out) => out
            .rules
            .unwrap_or_default()
            .into_iter()
            .find(|r| {
                r.id.as_deref() == Some(LIFECYCLE_RULE_ID) && r.status == ExpirationStatus::Enabled
            })
            .and_then(|r| r.expiration)
            .and_then(|e| e.days)
            .and_then(|d| u32::try_from(d).ok()),
        Err(e) if e.code() == Some("NoSuchLifecycleConfiguration") => None,
        Err(e) => {
            return Err(AwsError::from_sdk(
                SERVICE,
                "GetBucketLifecycleConfiguration",
                e,
            ));
        }
    };

    let tags = match s3.get_bucket_tagging().bucket(name).send().await {
        Ok(out) => out.tag_set.into_iter().map(|t| (t.key, t.value)).collect(),
        Err(e) if e.code() == Some("NoSuchTagSet") => Tags::new(),
        Err(e) => return Err(AwsError::from_sdk(SERVICE, "GetBucketTagging", e)),
    };

    Ok(Some(Bucket {
        name: name.to_owned(),
        versioning,
        encryption,
        block_public_access,
        expire_after_days,
        tags,
    }))
}

/// Creates the bucket in the clients' region with every setting.
pub async fn create_bucket(clients: &Clients, bucket: &Bucket) -> Result<(), AwsError> {
    let mut create = clients.s3.create_bucket().bucket(&bucket.name);
    // us-east-1 is the one region that must not be named as a location constraint.
    if clients.region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(clients.region.as_str()))
                .build(),
        );
    }
    create.send().await.map_err(err("CreateBucket"))?;
    let defaults = Bucket {
        name: bucket.name.clone(),
        versioning: false,
        encryption: BucketEncryption::SseS3,
        // New buckets block public access by default (since 2023), but say so anyway.
        block_public_access: !bucket.block_public_access,
        expire_after_days: None,
        tags: Tags::new(),
    };
    update_bucket(clients, &defaults, bucket).await
}

/// Makes `current` (as read) into `desired`, with a call only for what differs.
pub async fn update_bucket(
    clients: &Clients,
    current: &Bucket,
    desired: &Bucket,
) -> Result<(), AwsError> {
    let s3 = &clients.s3;
    let name = &desired.name;
    if current.versioning != desired.versioning {
        // A versioned bucket can only be suspended, never un-versioned.
        let status = if desired.versioning {
            BucketVersioningStatus::Enabled
        } else {
            BucketVersioningStatus::Suspended
        };
        s3.put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(VersioningConfiguration::builder().status(status).build())
            .send()
            .await
            .map_err(err("PutBucketVersioning"))?;
    }
    if current.encryption != desired.encryption {
        let default = match &desired.encryption {
            BucketEncryption::SseS3 => {
                ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256)
            }
            BucketEncryption::Kms { key_arn } => ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::AwsKms)
                .kms_master_key_id(key_arn),
        }
        .build()
        .map_err(build("PutBucketEncryption"))?;
        let rule = ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(default)
            // S3 Bucket Keys cut KMS requests (and cost) for Firehose's many objects.
            .bucket_key_enabled(matches!(desired.encryption, BucketEncryption::Kms { .. }))
            .build();
        s3.put_bucket_encryption()
            .bucket(name)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(rule)
                    .build()
                    .map_err(build("PutBucketEncryption"))?,
            )
            .send()
            .await
            .map_err(err("PutBucketEncryption"))?;
    }
    if current.block_public_access != desired.block_public_access {
        if desired.block_public_access {
            let all = PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build();
            s3.put_public_access_block()
                .bucket(name)
                .public_access_block_configuration(all)
                .send()
                .await
                .map_err(err("PutPublicAccessBlock"))?;
        } else {
            s3.delete_public_access_block()
                .bucket(name)
                .send()
                .await
                .map_err(err("DeletePublicAccessBlock"))?;
        }
    }
    if current.expire_after_days != desired.expire_after_days {
        match desired.expire_after_days {
            Some(days) => {
                let rule = LifecycleRule::builder()
                    .id(LIFECYCLE_RULE_ID)
                    .status(ExpirationStatus::Enabled)
                    .filter(LifecycleRuleFilter::builder().prefix("").build())
                    .expiration(
                        LifecycleExpiration::builder()
                            .days(i32::try_from(days).unwrap_or(i32::MAX))
                            .build(),
                    )
                    .build()
                    .map_err(build("PutBucketLifecycleConfiguration"))?;
                s3.put_bucket_lifecycle_configuration()
                    .bucket(name)
                    .lifecycle_configuration(
                        BucketLifecycleConfiguration::builder()
                            .rules(rule)
                            .build()
                            .map_err(build("PutBucketLifecycleConfiguration"))?,
                    )
                    .send()
                    .await
                    .map_err(err("PutBucketLifecycleConfiguration"))?;
            }
            None => {
                s3.delete_bucket_lifecycle()
                    .bucket(name)
                    .send()
                    .await
                    .map_err(err("DeleteBucketLifecycle"))?;
            }
        }
    }
    if current.tags != desired.tags {
        if desired.tags.is_empty() {
            s3.delete_bucket_tagging()
                .bucket(name)
                .send()
                .await
                .map_err(err("DeleteBucketTagging"))?;
        } else {
            // PutBucketTagging replaces the whole set.
            let tag_set = desired
                .tags
                .iter()
                .map(|(k, v)| {
                    Tag::builder()
                        .key(k)
                        .value(v)
                        .build()
                        .map_err(build("PutBucketTagging"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            s3.put_bucket_tagging()
                .bucket(name)
                .tagging(
                    Tagging::builder()
                        .set_tag_set(Some(tag_set))
                        .build()
                        .map_err(build("PutBucketTagging"))?,
                )
                .send()
                .await
                .map_err(err("PutBucketTagging"))?;
        }
    }
    Ok(())
}

/// Whether the bucket holds no object, old version or delete marker.
pub async fn bucket_is_empty(clients: &Clients, name: &str) -> Result<bool, AwsError> {
    let out = clients
        .s3
        .list_object_versions()
        .bucket(name)
        .max_keys(1)
        .send()
        .await
        .map_err(err("ListObjectVersions"))?;
    Ok(out.versions.unwrap_or_default().is_empty()
        && out.delete_markers.unwrap_or_default().is_empty())
}

/// Deletes the bucket (S3 refuses unless it is empty).
pub async fn delete_bucket(clients: &Clients, name: &str) -> Result<(), AwsError> {
    clients
        .s3
        .delete_bucket()
        .bucket(name)
        .send()
        .await
        .map_err(err("DeleteBucket"))?;
    Ok(())
}
