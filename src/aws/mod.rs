//! Everything that talks to AWS. One module per service; these are the only modules
//! that use AWS SDK types. Each exposes read / create / update / delete for the
//! project's own resource types (`crate::resources`), with errors as `AwsError`.

pub mod account;
pub mod athena;
pub mod cloudwatch;
pub mod config;
pub mod error;
pub mod firehose;
pub mod glue;
pub mod iam;
pub mod kms;
pub mod limit;
pub mod retry;
pub mod s3;
pub mod ses_v1;
pub mod sesv2;
pub mod sns;
pub mod sts;
pub mod tagging;
pub mod wait;

pub use config::{AwsSettings, Clients, StaticCredentials, connect};
pub use error::{AwsError, ErrorKind};
pub use wait::WaitPolicy;
