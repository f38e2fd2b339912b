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

/// The key policy (`default`, the only one KMS has) of the key `key_id` names, or
/// `None` when there is no such key. An alias is resolved first: `GetKeyPolicy` takes
/// a key id or key ARN only.
pub async fn key_policy(
    clients: &Clients,
    key_id: &str,
) -> Result<Option<crate::policy::PolicyDocument>, AwsError> {
    const OP: &str = "GetKeyPolicy";
    let Some(arn) = key_arn(clients, key_id).await? else {
        return Ok(None);
    };
    let out = match clients
        .kms
        .get_key_policy()
        .key_id(&arn)
        .policy_name("default")
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
    let text = out.policy().unwrap_or("{}");
    let value = serde_json::from_str(text).map_err(|e| {
        AwsError::local(SERVICE, OP, format!("the policy of {arn} is not JSON: {e}"))
    })?;
    Ok(Some(crate::policy::PolicyDocument::new(value)))
}
