//! AWS errors in the project's own terms. Every adapter call that fails returns an
//! `AwsError` whose `kind` the engine acts on (retry, treat as absent, stop) and whose
//! code and message are kept for the user.

use std::fmt;

use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    AlreadyExists,
    Throttled,
    AccessDenied,
    /// An account quota (number of resources, not call rate).
    QuotaExceeded,
    InvalidInput,
    /// IAM is eventually consistent: a role or policy created or changed moments ago is
    /// not usable yet. Retried for a while, then reported.
    NotYetPropagated,
    /// No answer: connection refused, DNS, timeout.
    Unreachable,
    Other,
}

#[derive(Debug, Clone, thiserror::Error)]
pub struct AwsError {
    pub kind: ErrorKind,
    pub service: &'static str,
    pub operation: &'static str,
    /// AWS's error code, e.g. `NotFoundException`.
    pub code: Option<String>,
    pub message: Option<String>,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} failed", self.service, self.operation)?;
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, ": {code}: {message}")?,
            (Some(code), None) => write!(f, ": {code}")?,
            (None, Some(message)) => write!(f, ": {message}")?,
            (None, None) => {}
        }
        if let Some(advice) = self.advice() {
            write!(f, "\n  {advice}")?;
        }
        Ok(())
    }
}

impl AwsError {
    /// Whether waiting and trying again can help.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttled | ErrorKind::NotYetPropagated
        )
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// What the user can do about it, when sesinfra can tell.
    pub fn advice(&self) -> Option<String> {
        match self.kind {
            ErrorKind::AccessDenied => {
                let (action, resource) = denied_action(self.message.as_deref().unwrap_or(""))
                    .map(|(a, r)| (a.to_owned(), r.to_owned()))
                    .unwrap_or_else(|| {
                        (
                            format!("{}:{}", iam_prefix(self.service), self.operation),
                            "the resource named above".to_owned(),
                        )
                    });
                Some(format!(
                    "The credentials sesinfra runs with may not call {action} on {resource}: \
                     allow it in their IAM policy (or ask who owns the account), then run the \
                     command again. An explicit deny in an SCP or permissions boundary also \
                     answers this way."
                ))
            }
            ErrorKind::QuotaExceeded => Some(format!(
                "The AWS quota on {} was reached: remove resources you no longer need, or \
                 request an increase in the Service Quotas console, then run the command again.",
                quota_name(
                    self.service,
                    self.operation,
                    self.message.as_deref().unwrap_or("")
                )
            )),
            ErrorKind::Throttled => Some(format!(
                "{} kept throttling after sesinfra's retries: another tool may be using the \
                 account's rate; run the command again in a minute.",
                self.service
            )),
            _ => None,
        }
    }

    /// An error made by sesinfra itself (e.g. AWS answered something it cannot read).
    pub fn local(
        service: &'static str,
        operation: &'static str,
        message: impl Into<String>,
    ) -> AwsError {
        AwsError {
            kind: ErrorKind::Other,
            service,
            operation,
            code: None,
            message: Some(message.into()),
        }
    }

    /// Converts an SDK error of any operation.
    pub fn from_sdk<E, R>(
        service: &'static str,
        operation: &'static str,
        err: SdkError<E, R>,
    ) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let (kind, code, message) = match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => (
                ErrorKind::Unreachable,
                None,
                Some(DisplayErrorContext(&err).to_string()),
            ),
            _ => {
                let code = err.code().map(str::to_owned);
                let message = err.message().map(str::to_owned);
                let kind = classify(
                    service,
                    operation,
                    code.as_deref().unwrap_or(""),
                    message.as_deref().unwrap_or(""),
                );
                let message = message.or_else(|| Some(DisplayErrorContext(&err).to_string()));
                (kind, code, message)
            }
        };
        AwsError {
            kind,
            service,
            operation,
            code,
            message,
        }
    }
}

/// Classifies by the error code of the service model (what the SDK's generated `is_*`
/// methods compare, but shared by every operation of every service).
///
/// The IAM-propagation errors have no code of their own: AWS reuses generic codes, so
/// they are told apart by message, as Terraform does (see aws-facts). Each is matched
/// only for the operation and code AWS gives it on, so that, for example, an
/// `AccessDeniedException` that reads "is not authorized to perform" fails at once.
fn classify(service: &str, operation: &str, code: &str, message: &str) -> ErrorKind {
    if is_propagation(service, operation, code, message) {
        return ErrorKind::NotYetPropagated;
    }
    match code {
        "NotFoundException"
        | "NoSuchEntity"
        | "NoSuchBucket"
        | "NotFound"
        | "ResourceNotFound"
        | "ResourceNotFoundException"
        | "EntityNotFoundException" => ErrorKind::NotFound,
        "AlreadyExistsException"
        | "EntityAlreadyExists"
        | "BucketAlreadyOwnedByYou"
        | "BucketAlreadyExists"
        | "ResourceInUseException" => ErrorKind::AlreadyExists,
        "TooManyRequestsException"
        | "Throttling"
        | "ThrottlingException"
        | "SlowDown"
        | "ThrottledException"
        | "RequestLimitExceeded"
        | "ConcurrentModificationException" => ErrorKind::Throttled,
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch" => ErrorKind::AccessDenied,
        // SES v2's and Firehose's "too many of a resource"; IAM says LimitExceeded.
        // Glue says ResourceNumberLimitExceededException.
        "LimitExceededException"
        | "LimitExceeded"
        | "TooManyBuckets"
        | "ResourceNumberLimitExceededException" => ErrorKind::QuotaExceeded,
        "BadRequestException"
        | "InvalidArgumentException"
        | "ValidationError"
        | "ValidationException"
        | "MalformedPolicyDocument"
        | "InvalidInput"
        | "InvalidParameterValue"
        | "InvalidParameter"
        | "InvalidParameterException"
        | "InvalidInputException"
        | "InvalidRequestException"
        | "InvalidRequest"
        | "InvalidBucketName"
        | "MalformedXML" => ErrorKind::InvalidInput,
        _ => ErrorKind::Other,
    }
}

/// The documented eventual-consistency errors, each for the calls that use a role or
/// principal and the code AWS answers them with.
fn is_propagation(service: &str, operation: &str, code: &str, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    let says = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    match (service, operation, code) {
        // SES checks the destination's role and stream when it is written.
        (
            "sesv2",
            "CreateConfigurationSetEventDestination" | "UpdateConfigurationSetEventDestination",
            "BadRequestException",
        ) => says(&[
            "could not assume iam role",
            "could not access kinesis firehose stream",
        ]),
        // Firehose assumes the stream's role when the stream is written.
        ("firehose", "CreateDeliveryStream" | "UpdateDestination", "InvalidArgumentException") => {
            says(&[
                "is unable to assume role",
                "is not authorized to perform",
                "security token included in the request is invalid",
            ])
        }
        // hashicorp/terraform-provider-aws#47937: Firehose's own STS session for a
        // role assumed moments after it was created.
        ("firehose", "CreateDeliveryStream" | "UpdateDestination", _) => {
            says(&["security token included in the request is invalid"])
        }
        // A principal created moments ago is not yet known to IAM.
        (
            "iam",
            "CreateRole" | "UpdateAssumeRolePolicy" | "PutRolePolicy",
            "MalformedPolicyDocument",
        ) => says(&["invalid principal in policy"]),
        _ => false,
    }
}

/// The action and resource of AWS's denial wording: "User: ARN is not authorized to
/// perform: ACTION on resource: RESOURCE [because ...]".
fn denied_action(message: &str) -> Option<(&str, &str)> {
    let rest = message.split("is not authorized to perform: ").nth(1)?;
    let (action, rest) = rest.split_once(" on resource: ")?;
    let resource = rest
        .split(" because ")
        .next()
        .unwrap_or(rest)
        .trim_end_matches('.');
    Some((action.trim(), resource.trim()))
}

/// The quota an operation answers "limit exceeded" for, as the Service Quotas console
/// names it, with AWS's default (see aws-facts). IAM's own message names its quota
/// (`Cannot exceed quota for ACLSizePerRole: 2048`), which tells trust-policy size
/// from the number of roles.
fn quota_name(service: &str, operation: &str, message: &str) -> String {
    let named = match (service, operation) {
        ("iam", _) if message.contains("ACLSizePerRole") => {
            "the size of a role's trust policy (2,048 characters by default)"
        }
        ("iam", "PutRolePolicy") => "the size of a role's inline policies (10,240 characters)",
        ("iam", "CreateRole") => "IAM roles per account (1,000 by default)",
        ("firehose", "CreateDeliveryStream") => "Firehose streams per region (5,000 by default)",
        ("sesv2", "CreateConfigurationSet") => "SES configuration sets per region (10,000)",
        ("sesv2", "CreateConfigurationSetEventDestination") => {
            "event destinations per SES configuration set (10)"
        }
        ("s3", "CreateBucket") => "S3 general purpose buckets per account",
        ("glue", "CreateDatabase") => "Glue databases per account (10,000 by default)",
        ("glue", "CreateTable") => "Glue tables per database (200,000 by default)",
        _ => "",
    };
    if named.is_empty() {
        format!("{service} {operation} (AWS's message above names it)")
    } else {
        named.to_owned()
    }
}

/// The IAM action prefix of a service as the adapters name it.
fn iam_prefix(service: &str) -> &str {
    match service {
        "sesv2" | "ses" => "ses",
        "tagging" => "tag",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        let c = |code| classify("sesv2", "GetConfigurationSet", code, "");
        assert_eq!(c("NotFoundException"), ErrorKind::NotFound);
        assert_eq!(c("NoSuchEntity"), ErrorKind::NotFound);
        assert_eq!(c("AlreadyExistsException"), ErrorKind::AlreadyExists);
        assert_eq!(c("TooManyRequestsException"), ErrorKind::Throttled);
        assert_eq!(c("BadRequestException"), ErrorKind::InvalidInput);
        assert_eq!(c("LimitExceededException"), ErrorKind::QuotaExceeded);
        assert_eq!(c("Mystery"), ErrorKind::Other);
    }

    #[test]
    fn propagation_is_matched_for_its_own_operation_and_code() {
        for (service, operation, code, message) in [
            (
                "sesv2",
                "CreateConfigurationSetEventDestination",
                "BadRequestException",
                "Could not assume IAM role <arn>.",
            ),
            (
                "sesv2",
                "UpdateConfigurationSetEventDestination",
                "BadRequestException",
                "Could not access Kinesis Firehose Stream <arn>.",
            ),
            (
                "firehose",
                "CreateDeliveryStream",
                "InvalidArgumentException",
                "Firehose is unable to assume role arn:aws:iam::1:role/x.",
            ),
            (
                "firehose",
                "UpdateDestination",
                "InvalidArgumentException",
                "Role arn:aws:iam::1:role/x is not authorized to perform: s3:ListBucket",
            ),
            (
                "iam",
                "CreateRole",
                "MalformedPolicyDocument",
                "Invalid principal in policy: \"AWS\":\"arn\"",
            ),
        ] {
            assert_eq!(
                classify(service, operation, code, message),
                ErrorKind::NotYetPropagated,
                "{service} {operation} {message}"
            );
        }
    }

    #[test]
    fn the_same_words_elsewhere_are_final() {
        let denied = "User: arn:aws:iam::1:user/ci is not authorized to perform: \
                      firehose:CreateDeliveryStream on resource: arn:aws:firehose:eu-west-1:1:deliverystream/s \
                      because no identity-based policy allows the firehose:CreateDeliveryStream action";
        // An AccessDenied is final, whatever it says.
        assert_eq!(
            classify(
                "firehose",
                "CreateDeliveryStream",
                "AccessDeniedException",
                denied
            ),
            ErrorKind::AccessDenied
        );
        // Propagation wording on an operation that does not use a role.
        assert_eq!(
            classify(
                "firehose",
                "DescribeDeliveryStream",
                "InvalidArgumentException",
                "Firehose is unable to assume role x"
            ),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            classify(
                "sesv2",
                "CreateConfigurationSet",
                "BadRequestException",
                "Could not assume IAM role x"
            ),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            classify(
                "iam",
                "GetRole",
                "MalformedPolicyDocument",
                "Invalid principal in policy"
            ),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn a_quota_error_names_the_quota_and_what_to_do() {
        let err = |service, operation, message: &str| AwsError {
            kind: ErrorKind::QuotaExceeded,
            service,
            operation,
            code: Some("LimitExceeded".into()),
            message: Some(message.into()),
        };
        let roles = err(
            "iam",
            "CreateRole",
            "Cannot exceed quota for RolesPerAccount: 1000",
        );
        let text = roles.to_string();
        assert!(
            text.ends_with(
                "The AWS quota on IAM roles per account (1,000 by default) was reached: remove \
                 resources you no longer need, or request an increase in the Service Quotas \
                 console, then run the command again."
            ),
            "{text}"
        );
        assert!(
            err(
                "iam",
                "CreateRole",
                "Cannot exceed quota for ACLSizePerRole: 2048"
            )
            .to_string()
            .contains("the size of a role's trust policy")
        );
        assert!(
            err("firehose", "CreateDeliveryStream", "")
                .to_string()
                .contains("Firehose streams per region")
        );
        assert!(
            err("kms", "CreateAlias", "")
                .to_string()
                .contains("The AWS quota on kms CreateAlias (AWS's message above names it)")
        );
    }

    #[test]
    fn access_denied_names_the_action_and_resource() {
        let err = AwsError {
            kind: ErrorKind::AccessDenied,
            service: "iam",
            operation: "GetRole",
            code: Some("AccessDenied".into()),
            message: Some(
                "User: arn:aws:iam::1:user/ci is not authorized to perform: iam:GetRole on \
                 resource: role mail-firehose because no identity-based policy allows the \
                 iam:GetRole action"
                    .into(),
            ),
        };
        let text = err.to_string();
        assert!(
            text.contains("may not call iam:GetRole on role mail-firehose: allow it"),
            "{text}"
        );
        let bare = AwsError {
            message: None,
            ..err
        };
        assert!(
            bare.to_string()
                .contains("may not call iam:GetRole on the resource")
        );
    }
}
