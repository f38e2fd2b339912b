//! Integration tests: the real `sesinfra` binary, driven as a user would. One test binary
//! (faster to build); helpers in `support`.

mod alerts;
mod analytics;
mod athena_sql;
mod audit;
mod aws_firehose;
mod aws_iam;
mod aws_s3;
mod aws_sesv2;
mod aws_sts;
mod calls;
mod ci_examples;
mod cli;
mod discovery;
mod drift;
mod emulator_extension;
mod engine;
mod engine_buckets;
mod examples;
mod export;
mod fixtures;
mod history;
mod history_athena;
mod readme;
mod renderings;
mod replay;
mod seed;
mod settings;
mod status;
mod support;
mod terminal;
mod verify;
