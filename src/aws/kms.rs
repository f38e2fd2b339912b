//! KMS: only what sesinfra needs to name a bucket's key correctly. An IAM policy cannot
//! name a key by alias (KMS matches a policy's `Resource` against the key ARN), so an
//! alias ARN in the spec is resolved to the ARN of the key it points to.

use super::{AwsError, Clients};

const SERVICE: &str = "kms";

/// The ARN of the key `key_id` (a key ARN, alias ARN, key id or alias name) names, or
/// `None` when KMS says there is no such key or alias (`NotFoundException`).
pub async fn key_arn(clients: &Clients, key_id: &str) -> Result<Option<String>, AwsError> {
    const OP: &str = "DescribeKey";
    let out = match clients.kms.describe_key().key_id(key_id).send().await {
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
    let arn = out
        .key_metadata()
        .and_then(|m| m.arn())
        .filter(|arn| !arn.is_empty())
        .ok_or_else(|| {
            AwsError::local(
                SERVICE,
                OP,
                format!("no key ARN in the answer for {key_id}"),
            )
        })?;
    Ok(Some(arn.to_owned()))
}
