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
            (Some(code), Some(message)) => write!(f, ": {code}: {message}"),
            (Some(code), None) => write!(f, ": {code}"),
            (None, Some(message)) => write!(f, ": {message}"),
            (None, None) => Ok(()),
        }
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
/// methods compare, but shared by every operation of every service). The propagation
/// errors have no code of their own — AWS reuses generic codes — so they are told
/// apart by message, as other tools (Terraform) do; see aws-facts in the contract docs.
fn classify(code: &str, message: &str) -> ErrorKind {
    if is_propagation_message(message) {
        return ErrorKind::NotYetPropagated;
    }
    match code {
        "NotFoundException"
        | "NoSuchEntity"
        | "NoSuchBucket"
        | "NotFound"
        | "ResourceNotFoundException" => ErrorKind::NotFound,
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
        "BadRequestException"
        | "InvalidArgumentException"
        | "ValidationError"
        | "ValidationException"
        | "MalformedPolicyDocument"
        | "InvalidInput"
        | "InvalidParameterValue"
        | "InvalidParameterException"
        | "InvalidRequest"
        | "LimitExceededException"
        | "InvalidBucketName"
        | "MalformedXML" => ErrorKind::InvalidInput,
        _ => ErrorKind::Other,
    }
}

/// Messages AWS gives while a just-created or just-changed role is not usable yet.
fn is_propagation_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "could not assume iam role",                         // SES
        "could not access kinesis firehose stream",          // SES
        "is unable to assume role",                          // Firehose
        "is not authorized to perform", // Firehose, right after a policy change
        "security token included in the request is invalid", // Firehose
        "invalid principal in policy",  // IAM, a principal created moments ago
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(classify("NotFoundException", ""), ErrorKind::NotFound);
        assert_eq!(classify("NoSuchEntity", ""), ErrorKind::NotFound);
        assert_eq!(
            classify("AlreadyExistsException", ""),
            ErrorKind::AlreadyExists
        );
        assert_eq!(
            classify("TooManyRequestsException", ""),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify("BadRequestException", "bad enum"),
            ErrorKind::InvalidInput
        );
        assert_eq!(classify("Mystery", ""), ErrorKind::Other);
    }

    #[test]
    fn propagation_messages_win_over_generic_codes() {
        for (code, message) in [
            ("BadRequestException", "Could not assume IAM role <arn>."),
            (
                "InvalidArgumentException",
                "Firehose is unable to assume role arn:aws:iam::1:role/x.",
            ),
            (
                "MalformedPolicyDocument",
                "Invalid principal in policy: \"AWS\":\"arn\"",
            ),
        ] {
            assert_eq!(
                classify(code, message),
                ErrorKind::NotYetPropagated,
                "{message}"
            );
        }
    }
}
