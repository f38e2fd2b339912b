//! STS: who the credentials belong to.

use super::{AwsError, Clients};

/// The caller's account and the AWS partition it lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-eusc`, ...: the
    /// second field of the caller's ARN, the one source that knows every partition.
    pub partition: String,
}

/// The account id of the caller (for `${account_id}` and ARNs).
pub async fn account_id(clients: &Clients) -> Result<String, AwsError> {
    Ok(caller(clients).await?.account_id)
}

/// Who the credentials are: account and partition.
pub async fn caller(clients: &Clients) -> Result<Caller, AwsError> {
    const OP: &str = "GetCallerIdentity";
    let out = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("sts", OP, e))?;
    let account_id = out
        .account
        .filter(|a| !a.is_empty())
        .ok_or_else(|| AwsError::local("sts", OP, "the answer has no account id"))?;
    let arn = out.arn.unwrap_or_default();
    let partition = partition_of(&arn).ok_or_else(|| {
        AwsError::local(
            "sts",
            OP,
            format!("the caller's ARN {arn:?} names no partition"),
        )
    })?;
    Ok(Caller {
        account_id,
        partition: partition.to_owned(),
    })
}

/// The partition of an ARN (`arn:PARTITION:service:...`).
fn partition_of(arn: &str) -> Option<&str> {
    let mut fields = arn.split(':');
    (fields.next() == Some("arn"))
        .then(|| fields.next())
        .flatten()
        .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

#[cfg(test)]
mod tests {
    use super::partition_of;

    #[test]
    fn partition_comes_from_the_arn() {
        for (arn, partition) in [
            ("arn:aws:iam::123456789012:user/ci", "aws"),
            ("arn:aws-cn:sts::123456789012:assumed-role/r/s", "aws-cn"),
            ("arn:aws-us-gov:iam::123456789012:root", "aws-us-gov"),
            ("arn:aws-iso-b:iam::123456789012:root", "aws-iso-b"),
            (
                "arn:aws-eusc:sts::123456789012:assumed-role/r/s",
                "aws-eusc",
            ),
        ] {
            assert_eq!(partition_of(arn), Some(partition), "{arn}");
        }
        for bad in ["", "arn::iam::1:root", "not-an-arn", "arn"] {
            assert_eq!(partition_of(bad), None, "{bad:?}");
        }
    }
}
