//! STS: who the credentials belong to.

use super::{AwsError, Clients};

/// The account id of the caller (for `${account_id}` and ARNs).
pub async fn account_id(clients: &Clients) -> Result<String, AwsError> {
    let out = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("sts", "GetCallerIdentity", e))?;
    out.account
        .filter(|a| !a.is_empty())
        .ok_or_else(|| AwsError::local("sts", "GetCallerIdentity", "the answer has no account id"))
}
