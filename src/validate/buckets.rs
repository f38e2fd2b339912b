//! `buckets:` — the S3 buckets Firehose writes into.

use std::collections::BTreeMap;

use super::{Checker, names, root};
use crate::model;
use crate::spec::interpolate::Context;
use crate::spec::limits;
use crate::spec::source_map::Focus;
use crate::spec::types;

impl Checker {
    pub(super) fn buckets(
        &mut self,
        ctx: &Context<'_>,
        spec: &types::Spec,
    ) -> BTreeMap<String, model::Bucket> {
        let mut out = BTreeMap::new();
        let mut physical: BTreeMap<String, String> = BTreeMap::new();
        for (logical, b) in &spec.buckets {
            let path = root().key("buckets").key(logical);
            self.check_key(&path, logical, names::logical(logical));
            let name = self.checked_text(ctx, &path.key("name"), &b.name, names::bucket_name);
            if let Some(first) = physical.insert(name.clone(), logical.clone()) {
                self.error(
                    &path.key("name"),
                    Focus::Value,
                    format!("bucket name `{name}` is also used by buckets.{first}"),
                    "each logical bucket needs its own physical bucket",
                );
            }
            let existing = b.existing.unwrap_or(limits::DEFAULT_BUCKET_EXISTING);
            if existing {
                for key in managed_keys(b) {
                    self.error(
                        &path.key(key),
                        Focus::Key,
                        format!("`{key}` has no effect on an existing bucket"),
                        "sesinfra does not manage buckets marked `existing: true`; remove the key, or set `existing: false` to let sesinfra manage the bucket",
                    );
                }
            }
            let encryption = match &b.encryption {
                None | Some(types::Encryption::SseS3) => model::Encryption::SseS3,
                Some(types::Encryption::Kms(kms)) => {
                    let key_arn = self.checked_text(
                        ctx,
                        &path.key("encryption").key("kms_key_arn"),
                        &kms.kms_key_arn,
                        names::kms_key_arn,
                    );
                    model::Encryption::Kms {
                        key_arn,
                        bucket_key: kms.bucket_key.unwrap_or(limits::DEFAULT_BUCKET_KEY),
                    }
                }
            };
            let versioning = b.versioning.unwrap_or(limits::DEFAULT_VERSIONING);
            if let Some(l) = &b.lifecycle {
                if l.expire_after_days < limits::MIN_EXPIRE_DAYS {
                    self.error(
                        &path.key("lifecycle").key("expire_after_days"),
                        Focus::Value,
                        format!("objects cannot expire after {} days", l.expire_after_days),
                        format!(
                            "use {} or more days, or remove `lifecycle:`",
                            limits::MIN_EXPIRE_DAYS
                        ),
                    );
                }
                if let Some(days) = l.noncurrent_expire_after_days
                    && days < limits::MIN_EXPIRE_DAYS
                {
                    self.error(
                        &path.key("lifecycle").key("noncurrent_expire_after_days"),
                        Focus::Value,
                        format!("noncurrent versions cannot expire after {days} days"),
                        format!(
                            "use {} or more days, or remove the key (it defaults to `expire_after_days` on a versioned bucket)",
                            limits::MIN_EXPIRE_DAYS
                        ),
                    );
                }
            }
            out.insert(
                logical.clone(),
                model::Bucket {
                    logical: logical.clone(),
                    name,
                    existing,
                    versioning,
                    encryption,
                    block_public_access: b
                        .block_public_access
                        .unwrap_or(limits::DEFAULT_BLOCK_PUBLIC_ACCESS),
                    expire_after_days: b.lifecycle.as_ref().map(|l| l.expire_after_days),
                    noncurrent_expire_after_days: noncurrent_expiry(
                        b.lifecycle.as_ref(),
                        versioning,
                    ),
                    deletion_policy: b.deletion_policy.unwrap_or(limits::DEFAULT_DELETION_POLICY),
                },
            );
        }
        out
    }
}

/// The keys that manage a bucket, of those given (an `existing` bucket may have none).
fn managed_keys(b: &types::Bucket) -> Vec<&'static str> {
    [
        ("versioning", b.versioning.is_some()),
        ("encryption", b.encryption.is_some()),
        ("block_public_access", b.block_public_access.is_some()),
        ("lifecycle", b.lifecycle.is_some()),
        ("deletion_policy", b.deletion_policy.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect()
}

/// Days after which noncurrent versions expire. Given: always written (after
/// versioning is suspended it still cleans up the versions kept from before).
/// Omitted: the current-version expiry on a versioned bucket, nothing on an
/// unversioned one.
fn noncurrent_expiry(lifecycle: Option<&types::Lifecycle>, versioning: bool) -> Option<u32> {
    let lifecycle = lifecycle?;
    lifecycle
        .noncurrent_expire_after_days
        .or(versioning.then_some(lifecycle.expire_after_days))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};
    use super::*;

    fn lifecycle(expire: u32, noncurrent: Option<u32>) -> types::Lifecycle {
        types::Lifecycle {
            expire_after_days: expire,
            noncurrent_expire_after_days: noncurrent,
        }
    }

    #[test]
    fn noncurrent_expiry_follows_the_current_one_only_on_versioned_buckets() {
        assert_eq!(noncurrent_expiry(None, true), None);
        assert_eq!(
            noncurrent_expiry(Some(&lifecycle(30, None)), true),
            Some(30)
        );
        assert_eq!(noncurrent_expiry(Some(&lifecycle(30, None)), false), None);
        assert_eq!(
            noncurrent_expiry(Some(&lifecycle(30, Some(7))), false),
            Some(7)
        );
        assert_eq!(
            noncurrent_expiry(Some(&lifecycle(30, Some(7))), true),
            Some(7)
        );
    }

    #[test]
    fn defaults_come_from_the_limits() {
        let m = model("version: 1\nstack: mail\nbuckets: {h: {name: ses-history-x}}\n");
        let b = &m.buckets["h"];
        assert_eq!(b.versioning, limits::DEFAULT_VERSIONING);
        assert_eq!(b.block_public_access, limits::DEFAULT_BLOCK_PUBLIC_ACCESS);
        assert_eq!(b.deletion_policy, limits::DEFAULT_DELETION_POLICY);
        assert_eq!(b.encryption, model::Encryption::SseS3);
    }

    #[test]
    fn an_existing_bucket_refuses_every_managing_key() {
        let found = findings(
            "version: 1\nstack: mail\nbuckets: {h: {name: ses-history-x, existing: true, versioning: true, deletion_policy: delete}}\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with(
            "error buckets.h.versioning: `versioning` has no effect on an existing bucket"
        ));
        assert!(found[1].starts_with("error buckets.h.deletion_policy: `deletion_policy`"));
    }

    #[test]
    fn zero_day_expiry_is_refused_and_two_buckets_cannot_share_a_name() {
        let found = findings(
            "version: 1\nstack: mail\nbuckets:\n  a: {name: ses-x, lifecycle: {expire_after_days: 0, noncurrent_expire_after_days: 0}}\n  b: {name: ses-x}\n",
        );
        assert_eq!(
            found,
            [
                "error buckets.a.lifecycle.expire_after_days: objects cannot expire after 0 days (use 1 or more days, or remove `lifecycle:`)",
                "error buckets.a.lifecycle.noncurrent_expire_after_days: noncurrent versions cannot expire after 0 days (use 1 or more days, or remove the key (it defaults to `expire_after_days` on a versioned bucket))",
                "error buckets.b.name: bucket name `ses-x` is also used by buckets.a (each logical bucket needs its own physical bucket)",
            ]
        );
    }
}
