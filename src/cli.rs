//! The command line of contract §3, as clap derive types. Only parsing lives here;
//! `commands` does the work.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  success, nothing to change
  1  error: invalid spec or flags, AWS error, refused apply
  2  plan --detailed-exitcode: changes are pending; drift: drift was found;
     status: the account is at risk; audit: findings were reported;
     verify: expected event records did not arrive";

/// The SES sending-event pipeline as code: plan, apply and drift-check configuration
/// sets, event destinations, Firehose streams, S3 buckets, IAM roles and identity settings.
#[derive(Debug, Parser)]
#[command(name = "sesinfra", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// AWS region (the spec's `region:` wins; else AWS_REGION / the AWS config).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// AWS shared-config profile.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// One endpoint for every AWS service (e.g. a local emulator).
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Set a spec variable, used as ${var.NAME}; wins over `variables:`. Repeatable.
    #[arg(long = "var", global = true, value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Most calls per second sesinfra makes to one AWS service, for accounts with raised
    /// quotas (also SESINFRA_RATE_<SERVICE>=N; the flag wins). Services: firehose (5),
    /// ses (10), iam (10), s3 (50), sts (10), kms (50), tagging (5), cloudwatch (50),
    /// glue (10), athena (10).
    /// Repeatable.
    #[arg(long = "rate", global = true, value_name = "SERVICE=N", value_parser = parse_rate)]
    pub rates: Vec<(String, String)>,
    /// No colours (also when NO_COLOR is set or output is not a terminal).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// More logs on stderr (-v, -vv).
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check spec files offline (no AWS calls): every problem, with file, line and fix.
    Validate {
        /// Spec file (default: sesinfra.yaml).
        #[arg(short = 'f', long = "file", value_name = "FILE")]
        file: Option<PathBuf>,
        /// More spec files to check.
        #[arg(value_name = "FILES", conflicts_with = "file")]
        files: Vec<PathBuf>,
    },
    /// Show what apply would change.
    Plan {
        #[command(flatten)]
        spec: SpecArg,
        /// Save the plan for `sesinfra apply PLANFILE`.
        #[arg(long, value_name = "PLANFILE")]
        out: Option<PathBuf>,
        /// Exit 2 when changes are pending, 0 when none.
        #[arg(long)]
        detailed_exitcode: bool,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        output: OutputFormat,
        /// Plan to take over resources with clashing names that lack the stack's tag.
        #[arg(long)]
        adopt: bool,
    },
    /// Make AWS match the spec (or a saved plan).
    Apply {
        #[command(flatten)]
        spec: SpecArg,
        /// A plan saved by `plan --out`; applied exactly, refused if AWS changed since.
        #[arg(value_name = "PLANFILE", conflicts_with = "file")]
        planfile: Option<PathBuf>,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Take over resources with clashing names that lack sesinfra's stack tag.
        #[arg(long)]
        adopt: bool,
    },
    /// Delete everything the stack owns (retained buckets are kept).
    Destroy {
        #[command(flatten)]
        spec: SpecArg,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Report changes made outside sesinfra; exit 2 when there are any.
    Drift {
        #[command(flatten)]
        spec: SpecArg,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        output: OutputFormat,
    },
    /// Send test messages through the pipeline and wait for their event records in S3;
    /// exit 2 when some do not arrive.
    ///
    /// One message to each of the SES mailbox simulator's addresses (success, bounce,
    /// complaint) through every configuration set with an enabled Firehose destination
    /// (or those named), from a verified identity of the spec; then the SEND, DELIVERY,
    /// BOUNCE and COMPLAINT records the destinations select, looked for under the
    /// stream's S3 prefixes the time window touches. Each is reported found (object,
    /// latency) or missing with its likely cause: destination disabled or missing,
    /// event type not selected, role trust or permissions, stream missing, objects
    /// under the stream's error prefix.
    Verify {
        #[command(flatten)]
        spec: SpecArg,
        /// Only this configuration set of the spec (repeatable).
        #[arg(long = "configuration-set", value_name = "NAME")]
        configuration_sets: Vec<String>,
        /// How long to wait for the records (default: the streams' buffering interval
        /// plus 120 s; 0 looks once).
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<u64>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        output: OutputFormat,
    },
    /// Show the health of the region's SES account (no spec needed); exit 2 when at risk.
    ///
    /// Enforcement status, production access, sending, the 24-hour quota and the maximum
    /// send rate (SES GetAccount), and the latest bounce and complaint rates (CloudWatch
    /// AWS/SES Reputation.*) against AWS's review levels (5% / 0.1%) and the levels at
    /// which AWS may pause sending (10% / 0.5%).
    Status {
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        output: OutputFormat,
    },
    /// Inspect the region's SES pipeline (read-only, no spec); exit 2 when there are findings.
    ///
    /// Roles SES or Firehose may assume without confused-deputy conditions, permissions
    /// wider than least privilege, identities that lose or double bounces and
    /// complaints, Firehose destinations without DELIVERY_DELAY, streams whose role
    /// cannot write to their bucket (KMS included), buckets without default encryption
    /// or public-access block. Each finding has its severity, resource and fix.
    Audit {
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        output: OutputFormat,
    },
    /// Print a spec (YAML, stdout) for the SES pipeline the account has, to adopt it.
    ///
    /// Configuration sets with their options, tags and event destinations, the Firehose
    /// streams they publish to with their S3 settings, those streams' buckets, roles
    /// and identity settings. `apply --adopt` of the result changes nothing but
    /// ownership tags.
    Export {
        /// Only the resources of this sesinfra stack (its `sesinfra:stack` tag).
        #[arg(long, value_name = "NAME")]
        stack: Option<String>,
        /// Only this configuration set (repeatable).
        #[arg(long = "configuration-set", value_name = "NAME")]
        configuration_sets: Vec<String>,
        /// Only this identity, with its default configuration set (repeatable).
        #[arg(long = "identity", value_name = "NAME")]
        identities: Vec<String>,
        /// The `stack:` of the exported spec (default: --stack, else `imported`).
        #[arg(long, value_name = "NAME")]
        new_stack: Option<String>,
    },
    /// Find sending events in a stream's archive (its S3 output), or count them per day.
    ///
    /// Reads the spec's stream's bucket (or --archive: a local copy, or any S3 URI),
    /// only the objects the time window touches (the stream's prefix layout, widened by
    /// its buffering interval), gzip or plain, in parallel with bounded memory. Without
    /// --stats: one line per matching event (text), the records exactly as SES wrote
    /// them (json), or CSV. With --stats: per UTC day and configuration set, the count of
    /// each event type and the bounce and complaint rates (per send).
    History(HistoryArgs),
    /// Print the JSON Schema of the spec format.
    Schema,
    /// Print a shell completion script (e.g. `sesinfra completions bash > /etc/bash_completion.d/sesinfra`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout, or write one page per command into a directory.
    Man {
        /// Write sesinfra.1 and sesinfra-<command>.1 into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub spec: SpecArg,
    /// The spec's stream to read (logical or AWS name); needed when it has several.
    #[arg(long, value_name = "NAME")]
    pub stream: Option<String>,
    /// Read this instead of the spec's stream: a local directory (a copy of the
    /// stream's output) or s3://BUCKET/PREFIX (the stream's prefix; Firehose's
    /// `!{timestamp:...}` expressions allowed, default layout yyyy/MM/dd/HH/).
    #[arg(long, value_name = "PATH|s3://BUCKET/PREFIX")]
    pub archive: Option<String>,
    /// Events at or after TIME: RFC 3339, a date, or a duration back from now (90m, 36h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Events at or before TIME (same forms as --since). Default: now.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only events of this message (SES message id).
    #[arg(long, value_name = "ID")]
    pub message_id: Option<String>,
    /// Only events about this recipient (any case).
    #[arg(long, value_name = "ADDRESS")]
    pub recipient: Option<String>,
    /// Only events of this type (SEND, DELIVERY, BOUNCE, COMPLAINT, REJECT, OPEN, CLICK,
    /// RENDERING_FAILURE, DELIVERY_DELAY, SUBSCRIPTION). Repeatable.
    #[arg(long = "event", value_name = "TYPE", value_parser = parse_event_type)]
    pub events: Vec<crate::model::EventType>,
    /// Only events published through this configuration set.
    #[arg(long, value_name = "NAME")]
    pub configuration_set: Option<String>,
    /// Counts per UTC day and configuration set, with bounce and complaint rates.
    #[arg(long)]
    pub stats: bool,
    /// local: read the archive's objects directly; athena: query the spec's
    /// analytics.athena table.
    #[arg(long, value_enum, default_value_t = HistoryEngine::Local)]
    pub engine: HistoryEngine,
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub output: HistoryFormat,
}

/// Where `history` finds records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryEngine {
    Local,
    Athena,
}

/// `history`'s output: json is the records exactly as SES wrote them (or the stats
/// document), csv has a header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
    Csv,
}

fn parse_event_type(raw: &str) -> Result<crate::model::EventType, String> {
    crate::archive::record::event_type_of(raw).ok_or_else(|| {
        let valid: Vec<&str> = crate::model::EventType::ALL
            .iter()
            .map(|e| e.as_str())
            .collect();
        format!("`{raw}` is not an event type; valid: {}", valid.join(", "))
    })
}

#[derive(Debug, Args)]
pub struct SpecArg {
    /// Spec file (default: sesinfra.yaml).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
}

impl GlobalArgs {
    /// AWS settings from the flags and the environment (the spec's region, when it has
    /// one, wins later). Errors name the bad rate and what is valid.
    pub fn aws_settings(&self) -> Result<crate::aws::AwsSettings, crate::error::Error> {
        let mut rates = crate::aws::limit::Rates::from_env(std::env::vars())?;
        for (service, rate) in &self.rates {
            rates.set(&format!("--rate {service}={rate}"), service, rate)?;
        }
        Ok(crate::aws::AwsSettings {
            region: self.region.clone(),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone().filter(|u| !u.is_empty()),
            static_credentials: None,
            rates,
            waits: crate::aws::WaitPolicy::from_env(std::env::vars())?,
            http_client: None,
        })
    }
}

impl SpecArg {
    pub fn path(&self) -> PathBuf {
        self.file
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_SPEC_FILE))
    }
}

pub const DEFAULT_SPEC_FILE: &str = "sesinfra.yaml";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Markdown,
}

fn parse_rate(raw: &str) -> Result<(String, String), String> {
    let (service, rate) = raw
        .split_once('=')
        .ok_or_else(|| format!("`{raw}` is not SERVICE=N (e.g. firehose=10)"))?;
    Ok((service.to_owned(), rate.to_owned()))
}

fn parse_var(raw: &str) -> Result<(String, String), String> {
    let (name, value) = raw
        .split_once('=')
        .ok_or_else(|| format!("`{raw}` is not NAME=VALUE"))?;
    if !crate::spec::interpolate::is_name(name) {
        return Err(format!(
            "`{name}` is not a variable name (a letter or '_', then letters, digits, '_' or '-')"
        ));
    }
    Ok((name.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn var_flag_parses_name_and_value() {
        assert_eq!(parse_var("env=prod=1"), Ok(("env".into(), "prod=1".into())));
        assert!(parse_var("noequals").is_err());
        assert!(parse_var("1bad=x").is_err());
    }
}
