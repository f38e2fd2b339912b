//! Spec → validated model. Every rule of the contract runs and every problem is
//! collected (not just the first), each pointing at the key or value it is about.
//! Offline: no AWS call is made here; `${account_id}` stays symbolic unless the caller
//! knows it.

pub mod names;
mod prefix;

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{self, Model};
use crate::resources::{ACCOUNT_OWNER_TAG, LOGICAL_TAG, STACK_TAG};
use crate::spec::interpolate::{self, Context};
use crate::spec::load::SpecFile;
use crate::spec::source_map::{Focus, Path};
use crate::spec::types::{self, BucketRef, EventSelection, RoleRef};

/// AWS's limit of tags on one resource.
const MAX_TAGS: usize = 50;
/// SES's documented default quota of event destinations per configuration set.
const MAX_EVENT_DESTINATIONS: usize = 10;

/// What validation needs besides the spec.
pub struct Inputs<'a> {
    /// `--region` or the environment's region; the spec's `region:` wins over it.
    pub region: Option<String>,
    /// Known when AWS has been asked (plan/apply); `None` offline.
    pub account_id: Option<String>,
    /// `--var NAME=VALUE` flags; they win over `variables:`.
    pub vars: BTreeMap<String, String>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// The outcome: a model when there are no errors, and every diagnostic either way.
pub struct Validated {
    pub model: Option<Model>,
    pub diagnostics: Diagnostics,
}

pub fn validate(file: SpecFile, inputs: &Inputs<'_>) -> Validated {
    let SpecFile {
        file,
        text,
        source_map,
        spec,
    } = file;
    let mut variables = spec.variables.clone();
    variables.extend(inputs.vars.clone());
    let mut checker = Checker {
        diagnostics: Vec::new(),
    };
    let model = checker.spec(&spec, inputs, &variables);
    let diagnostics = Diagnostics {
        file,
        text,
        source_map,
        items: checker.diagnostics,
    };
    Validated {
        model: if diagnostics.has_errors() {
            None
        } else {
            Some(model)
        },
        diagnostics,
    }
}

struct Checker {
    diagnostics: Vec<Diagnostic>,
}

fn root() -> Path {
    Path::root()
}

impl Checker {
    fn error(
        &mut self,
        path: &Path,
        focus: Focus,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::error(path, focus, message).with_help(help));
    }

    fn warning(
        &mut self,
        path: &Path,
        focus: Focus,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::warning(path, focus, message).with_help(help));
    }

    /// Reports `Err(rule)` of a name check as an invalid value.
    fn check(&mut self, path: &Path, value: &str, rule: Result<(), String>) -> bool {
        match rule {
            Ok(()) => true,
            Err(help) => {
                self.error(path, Focus::Value, format!("`{value}` is not valid"), help);
                false
            }
        }
    }

    /// Like `check`, for a map key (a name given as the key of a mapping).
    fn check_key(&mut self, path: &Path, value: &str, rule: Result<(), String>) -> bool {
        match rule {
            Ok(()) => true,
            Err(help) => {
                self.error(
                    path,
                    Focus::Key,
                    format!("`{value}` is not a valid name"),
                    help,
                );
                false
            }
        }
    }

    /// Expands `${...}` in a string value; on failure reports it and returns the raw text.
    fn text(&mut self, ctx: &Context<'_>, path: &Path, raw: &str) -> String {
        match interpolate::interpolate(raw, ctx) {
            Ok(s) => s,
            Err(e) => {
                let help = e.help();
                self.error(
                    path,
                    Focus::Value,
                    format!("invalid interpolation in `{raw}`: {e}"),
                    help,
                );
                raw.to_owned()
            }
        }
    }

    /// Expands a value and checks the result (with symbolic parts stood in for).
    fn checked_text(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        raw: &str,
        rule: fn(&str) -> Result<(), String>,
    ) -> String {
        let value = self.text(ctx, path, raw);
        if !value.contains("${") || interpolate::stand_in(&value) != value {
            let checked = interpolate::stand_in(&value);
            if !checked.contains("${") {
                self.check(path, &value, rule(&checked));
            }
        }
        value
    }

    fn spec(
        &mut self,
        spec: &types::Spec,
        inputs: &Inputs<'_>,
        variables: &BTreeMap<String, String>,
    ) -> Model {
        if spec.version != 1 {
            self.error(
                &root().key("version"),
                Focus::Value,
                format!("spec version {} is not supported", spec.version),
                "only `version: 1` exists",
            );
        }
        self.check(&root().key("stack"), &spec.stack, names::stack(&spec.stack));
        for name in spec.variables.keys() {
            let path = root().key("variables").key(name);
            self.check_key(&path, name, names::variable_name(name));
        }

        let region = self.region(spec, inputs, variables);
        let ctx = Context {
            stack: &spec.stack,
            region: region.as_deref(),
            account_id: inputs.account_id.as_deref(),
            variables,
            env: inputs.env,
        };
        let tags = self.tags(&ctx, &root().key("tags"), &spec.tags);
        // Streams and buckets carry two system tags (stack and logical name), the
        // most of any resource sesinfra creates (sets with `account:` carry two too).
        self.too_many_tags(&root().key("tags"), tags.len(), &[STACK_TAG, LOGICAL_TAG]);

        let buckets = self.buckets(&ctx, spec);
        let mut streams = BTreeMap::new();
        let mut stream_names: BTreeMap<String, String> = BTreeMap::new();
        for (logical, stream) in &spec.firehose_streams {
            let path = root().key("firehose_streams").key(logical);
            let s = self.stream(&ctx, &path, logical, stream, spec);
            if let Some(first) = stream_names.insert(s.name.clone(), logical.clone()) {
                self.error(
                    &path,
                    Focus::Key,
                    format!(
                        "stream name `{}` is also used by firehose_streams.{first}",
                        s.name
                    ),
                    "give each stream its own `name:`",
                );
            }
            streams.insert(logical.clone(), s);
        }

        let mut used_streams = BTreeSet::new();
        let mut configuration_sets = BTreeMap::new();
        for (name, set) in &spec.configuration_sets {
            let path = root().key("configuration_sets").key(name);
            let set =
                self.configuration_set(&ctx, &path, name, set, spec, &tags, &mut used_streams);
            configuration_sets.insert(name.clone(), set);
        }
        for logical in spec.firehose_streams.keys() {
            if !used_streams.contains(logical) {
                self.warning(
                    &root().key("firehose_streams").key(logical),
                    Focus::Key,
                    format!("stream `{logical}` is not used by any event destination"),
                    "reference it from an event destination (`firehose: {stream: NAME}`) or remove it",
                );
            }
        }

        let mut identities = BTreeMap::new();
        for (name, identity) in &spec.identities {
            let path = root().key("identities").key(name);
            let identity = self.identity(&path, name, identity, &configuration_sets);
            identities.insert(name.clone(), identity);
        }

        let account = spec.account.as_ref().map(|a| self.account(a, spec));

        Model {
            stack: spec.stack.clone(),
            region,
            tags,
            buckets,
            streams,
            configuration_sets,
            identities,
            account,
        }
    }

    fn region(
        &mut self,
        spec: &types::Spec,
        inputs: &Inputs<'_>,
        variables: &BTreeMap<String, String>,
    ) -> Option<String> {
        let Some(raw) = &spec.region else {
            if let Some(r) = &inputs.region {
                self.check(&root(), r, names::region(r));
            }
            return inputs.region.clone();
        };
        let path = root().key("region");
        // `${region}` and `${account_id}` cannot define the region itself.
        let ctx = Context {
            stack: &spec.stack,
            region: None,
            account_id: None,
            variables,
            env: inputs.env,
        };
        let region = self.text(&ctx, &path, raw);
        if self.check(&path, &region, names::region(&region))
            && let Some(flag) = inputs.region.as_deref().filter(|f| *f != region)
        {
            self.warning(
                &path,
                Focus::Value,
                format!("the spec pins region {region}; --region/AWS_REGION {flag} is ignored"),
                "remove `region:` from the spec to choose the region per run",
            );
        }
        Some(region)
    }

    fn tags(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        tags: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (key, raw) in tags {
            let p = path.key(key);
            self.check_key(&p, key, names::tag_key(key));
            let value = self.checked_text(ctx, &p, raw, names::tag_value);
            out.insert(key.clone(), value);
        }
        out
    }

    /// `count` tags of the spec plus the `system` tags sesinfra adds must fit AWS's
    /// quota of tags per resource.
    fn too_many_tags(&mut self, path: &Path, count: usize, system: &[&str]) {
        if count + system.len() > MAX_TAGS {
            let names = match system {
                [one] => format!("{one} tag"),
                [rest @ .., last] => format!("{} and {last} tags", rest.join(", ")),
                [] => "no tags".to_owned(),
            };
            self.error(
                path,
                Focus::Key,
                format!(
                    "{} tags with the {names} sesinfra adds; AWS allows {MAX_TAGS} per resource",
                    count + system.len(),
                ),
                "remove some tags (stack-wide `tags:` count for every resource)",
            );
        }
    }

    fn buckets(
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
            let existing = b.existing.unwrap_or(false);
            if existing {
                let managed_keys: Vec<&str> = [
                    ("versioning", b.versioning.is_some()),
                    ("encryption", b.encryption.is_some()),
                    ("block_public_access", b.block_public_access.is_some()),
                    ("lifecycle", b.lifecycle.is_some()),
                    ("deletion_policy", b.deletion_policy.is_some()),
                ]
                .into_iter()
                .filter_map(|(k, set)| set.then_some(k))
                .collect();
                for key in managed_keys {
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
                        bucket_key: kms.bucket_key.unwrap_or(true),
                    }
                }
            };
            let versioning = b.versioning.unwrap_or(false);
            if let Some(l) = &b.lifecycle {
                if l.expire_after_days == 0 {
                    self.error(
                        &path.key("lifecycle").key("expire_after_days"),
                        Focus::Value,
                        "objects cannot expire after 0 days",
                        "use 1 or more days, or remove `lifecycle:`",
                    );
                }
                if l.noncurrent_expire_after_days == Some(0) {
                    self.error(
                        &path.key("lifecycle").key("noncurrent_expire_after_days"),
                        Focus::Value,
                        "noncurrent versions cannot expire after 0 days",
                        "use 1 or more days, or remove the key (it defaults to `expire_after_days` on a versioned bucket)",
                    );
                }
            }
            let expire_after_days = b.lifecycle.as_ref().map(|l| l.expire_after_days);
            // Given: always written (after versioning is suspended it still cleans up the
            // versions kept from before). Omitted: the current-version expiry on a
            // versioned bucket, nothing on an unversioned one.
            let noncurrent_expire_after_days = b
                .lifecycle
                .as_ref()
                .and_then(|l| l.noncurrent_expire_after_days)
                .or(if versioning { expire_after_days } else { None });
            out.insert(
                logical.clone(),
                model::Bucket {
                    logical: logical.clone(),
                    name,
                    existing,
                    versioning,
                    encryption,
                    block_public_access: b.block_public_access.unwrap_or(true),
                    expire_after_days,
                    noncurrent_expire_after_days,
                    deletion_policy: b.deletion_policy.unwrap_or(model::DeletionPolicy::Retain),
                },
            );
        }
        out
    }

    fn stream(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        logical: &str,
        s: &types::FirehoseStream,
        spec: &types::Spec,
    ) -> model::Stream {
        self.check_key(path, logical, names::logical(logical));
        let name = match &s.name {
            Some(raw) => self.checked_text(ctx, &path.key("name"), raw, names::stream_name),
            None => {
                let name = format!("{}-{logical}", spec.stack);
                if let Err(rule) = names::stream_name(&name) {
                    self.error(
                        path,
                        Focus::Key,
                        format!("the generated stream name `{name}` is not valid"),
                        format!("{rule}; set `name:` explicitly"),
                    );
                }
                name
            }
        };
        let bucket = match &s.bucket {
            BucketRef::Logical(l) => {
                if !spec.buckets.contains_key(l) {
                    self.dangling(&path.key("bucket"), "bucket", l, spec.buckets.keys());
                }
                model::StreamBucket::Spec(l.clone())
            }
            BucketRef::Arn(raw) => {
                let arn = self.checked_text(
                    ctx,
                    &path.key("bucket").key("arn"),
                    raw,
                    names::s3_bucket_arn,
                );
                model::StreamBucket::External { arn }
            }
        };
        let prefix_raw = s.prefix.as_deref().unwrap_or("");
        let prefix = self.text(ctx, &path.key("prefix"), prefix_raw);
        let error_prefix_raw = s
            .error_output_prefix
            .as_deref()
            .unwrap_or(model::DEFAULT_ERROR_OUTPUT_PREFIX);
        let error_output_prefix =
            self.text(ctx, &path.key("error_output_prefix"), error_prefix_raw);
        for problem in prefix::check(&prefix, &error_output_prefix) {
            let p = path.key(problem.key);
            if problem.is_error {
                self.error(&p, Focus::Value, problem.message, problem.help);
            } else {
                self.warning(&p, Focus::Value, problem.message, problem.help);
            }
        }
        let size = s
            .buffering
            .as_ref()
            .and_then(|b| b.size_mb)
            .unwrap_or(model::DEFAULT_BUFFER_SIZE_MB);
        let interval = s
            .buffering
            .as_ref()
            .and_then(|b| b.interval_seconds)
            .unwrap_or(model::DEFAULT_BUFFER_INTERVAL_SECONDS);
        if !(1..=128).contains(&size) {
            self.error(
                &path.key("buffering").key("size_mb"),
                Focus::Value,
                format!("buffer size {size} MiB is out of range"),
                "Firehose buffers 1-128 MiB",
            );
        }
        if interval > 900 {
            self.error(
                &path.key("buffering").key("interval_seconds"),
                Focus::Value,
                format!("buffer interval {interval} s is out of range"),
                "Firehose buffers 0-900 seconds",
            );
        }
        let role = self.role(ctx, &path.key("role"), s.role.as_ref());
        model::Stream {
            logical: logical.to_owned(),
            name,
            bucket,
            prefix,
            error_output_prefix,
            buffer_size_mb: size,
            buffer_interval_seconds: interval,
            compression: s.compression.unwrap_or(model::Compression::Uncompressed),
            role,
        }
    }

    fn role(&mut self, ctx: &Context<'_>, path: &Path, role: Option<&RoleRef>) -> model::Role {
        match role {
            None | Some(RoleRef::Auto) => model::Role::Auto,
            Some(RoleRef::Arn(raw)) => {
                let arn = self.checked_text(ctx, &path.key("arn"), raw, names::iam_role_arn);
                model::Role::Existing { arn }
            }
        }
    }

    fn dangling<'k>(
        &mut self,
        path: &Path,
        kind: &str,
        name: &str,
        known: impl Iterator<Item = &'k String>,
    ) {
        let known: Vec<&str> = known.map(String::as_str).collect();
        let help = if known.is_empty() {
            format!("the spec defines no {kind}; add one or fix the reference")
        } else {
            format!("known {kind}s: {}", known.join(", "))
        };
        self.error(
            path,
            Focus::Value,
            format!("there is no {kind} `{name}`"),
            help,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn configuration_set(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        name: &str,
        set: &types::ConfigurationSet,
        spec: &types::Spec,
        stack_tags: &BTreeMap<String, String>,
        used_streams: &mut BTreeSet<String>,
    ) -> model::ConfigurationSet {
        self.check_key(
            path,
            name,
            names::ses_name(name, "a configuration set name"),
        );
        let delivery = set.delivery.as_ref();
        let sending_pool = delivery.and_then(|d| d.sending_pool.as_ref()).map(|raw| {
            let p = path.key("delivery").key("sending_pool");
            let pool = self.text(ctx, &p, raw);
            self.check(
                &p,
                &pool,
                names::ses_name(&pool, "a dedicated IP pool name"),
            );
            pool
        });
        let max_delivery_seconds = delivery.and_then(|d| d.max_delivery_seconds);
        if let Some(secs) = max_delivery_seconds
            && !(300..=50400).contains(&secs)
        {
            self.error(
                &path.key("delivery").key("max_delivery_seconds"),
                Focus::Value,
                format!("{secs} seconds is out of range"),
                "SES accepts 300-50400 seconds (5 minutes to 14 hours)",
            );
        }
        let tracking = set.tracking.as_ref().map(|t| {
            let p = path.key("tracking").key("custom_redirect_domain");
            let domain = self.checked_text(ctx, &p, &t.custom_redirect_domain, names::domain);
            model::Tracking {
                custom_redirect_domain: domain,
                https_policy: t.https_policy.unwrap_or(model::HttpsPolicy::Optional),
            }
        });
        let suppression = set.suppression.as_ref().map(|s| {
            let reasons: BTreeSet<_> = s.reasons.iter().copied().collect();
            if reasons.len() != s.reasons.len() {
                self.warning(
                    &path.key("suppression").key("reasons"),
                    Focus::Value,
                    "a suppression reason is listed twice",
                    "list each reason once",
                );
            }
            reasons
        });
        let archive_arn = set.archive_arn.as_ref().map(|raw| {
            self.checked_text(
                ctx,
                &path.key("archive_arn"),
                raw,
                names::mailmanager_archive_arn,
            )
        });
        let vdm = set
            .vdm
            .as_ref()
            .map_or(model::SetVdm::default(), |v| model::SetVdm {
                engagement_metrics: v.engagement_metrics,
                optimized_shared_delivery: v.optimized_shared_delivery,
            });
        let mut tags = stack_tags.clone();
        tags.extend(self.tags(ctx, &path.key("tags"), &set.tags));
        // With `account:`, the stack's sets also carry the account-owner marker.
        let system: &[&str] = if spec.account.is_some() {
            &[STACK_TAG, ACCOUNT_OWNER_TAG]
        } else {
            &[STACK_TAG]
        };
        self.too_many_tags(&path.key("tags"), tags.len(), system);

        if set.event_destinations.len() > MAX_EVENT_DESTINATIONS {
            self.warning(
                &path.key("event_destinations"),
                Focus::Key,
                format!("{} event destinations; SES's default quota is {MAX_EVENT_DESTINATIONS} per configuration set", set.event_destinations.len()),
                "apply fails unless the quota was raised for the account",
            );
        }
        let mut event_destinations = BTreeMap::new();
        for (dest_name, dest) in &set.event_destinations {
            let p = path.key("event_destinations").key(dest_name);
            let d = self.destination(ctx, &p, dest_name, dest, spec, used_streams);
            event_destinations.insert(dest_name.clone(), d);
        }
        model::ConfigurationSet {
            name: name.to_owned(),
            sending_enabled: set.sending_enabled.unwrap_or(true),
            reputation_metrics: set.reputation_metrics.unwrap_or(false),
            tls_policy: delivery
                .and_then(|d| d.tls_policy)
                .unwrap_or(model::TlsPolicy::Optional),
            sending_pool,
            max_delivery_seconds,
            tracking,
            suppression,
            vdm,
            archive_arn,
            signing: set
                .message_security
                .as_ref()
                .map_or(model::Signing::Default, |m| m.signing),
            tags,
            event_destinations,
        }
    }

    /// `account:`. Its ownership marker rides on the stack's configuration sets (see
    /// ARCHITECTURE.md, "Account settings"), so the stack needs at least one.
    fn account(&mut self, account: &types::Account, spec: &types::Spec) -> model::Account {
        let path = root().key("account");
        if spec.configuration_sets.is_empty() {
            self.error(
                &path,
                Focus::Key,
                "`account:` needs at least one configuration set in the same spec",
                "sesinfra marks the stack that manages the account settings with a tag on its \
                 configuration sets (so two stacks never both manage them); add a configuration set",
            );
        }
        let suppression = account.suppression.as_ref().map(|s| {
            let reasons: BTreeSet<_> = s.reasons.iter().copied().collect();
            if reasons.len() != s.reasons.len() {
                self.warning(
                    &path.key("suppression").key("reasons"),
                    Focus::Value,
                    "a suppression reason is listed twice",
                    "list each reason once",
                );
            }
            reasons
        });
        let vdm = account.vdm.as_ref().map(|v| {
            let vdm = model::AccountVdm {
                enabled: v.enabled.unwrap_or(false),
                engagement_metrics: v.engagement_metrics.unwrap_or(false),
                optimized_shared_delivery: v.optimized_shared_delivery.unwrap_or(false),
            };
            if !vdm.enabled && (vdm.engagement_metrics || vdm.optimized_shared_delivery) {
                self.warning(
                    &path.key("vdm"),
                    Focus::Key,
                    "VDM features are turned on while VDM itself is off",
                    "they take effect only with `enabled: true`",
                );
            }
            vdm
        });
        if suppression.is_none() && vdm.is_none() {
            self.warning(
                &path,
                Focus::Key,
                "`account:` manages nothing",
                "add `suppression:` or `vdm:`, or remove `account:`",
            );
        }
        model::Account { suppression, vdm }
    }

    fn destination(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        name: &str,
        d: &types::EventDestination,
        spec: &types::Spec,
        used_streams: &mut BTreeSet<String>,
    ) -> model::EventDestination {
        self.check_key(
            path,
            name,
            names::ses_name(name, "an event destination name"),
        );
        let enabled = d.enabled.unwrap_or(true);
        let events: BTreeSet<model::EventType> = match &d.events {
            None => BTreeSet::new(),
            Some(EventSelection::All) => model::EventType::ALL.into_iter().collect(),
            Some(EventSelection::List(list)) => {
                let set: BTreeSet<_> = list.iter().copied().collect();
                if set.len() != list.len() {
                    self.warning(
                        &path.key("events"),
                        Focus::Value,
                        "an event type is listed twice",
                        "list each event type once",
                    );
                }
                set
            }
        };
        if enabled && events.is_empty() {
            self.warning(
                &(if d.events.is_some() {
                    path.key("events")
                } else {
                    path.clone()
                }),
                Focus::Key,
                format!("event destination `{name}` is enabled but publishes no events"),
                "add `events: all` or a list of event types, or set `enabled: false`",
            );
        }

        let given: Vec<&str> = [
            ("firehose", d.firehose.is_some()),
            ("sns", d.sns.is_some()),
            ("cloudwatch", d.cloudwatch.is_some()),
            ("eventbridge", d.eventbridge.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        if given.len() != 1 {
            let message = if given.is_empty() {
                format!("event destination `{name}` has no target")
            } else {
                format!(
                    "event destination `{name}` has {} targets: {}",
                    given.len(),
                    given.join(", ")
                )
            };
            self.error(
                path,
                Focus::Key,
                message,
                "give exactly one of: firehose, sns, cloudwatch, eventbridge",
            );
        }

        let target = if let Some(f) = &d.firehose {
            self.firehose_target(ctx, &path.key("firehose"), f, spec, used_streams)
        } else if let Some(s) = &d.sns {
            let topic_arn = self.checked_text(
                ctx,
                &path.key("sns").key("topic_arn"),
                &s.topic_arn,
                names::sns_topic_arn,
            );
            model::Target::Sns { topic_arn }
        } else if let Some(c) = &d.cloudwatch {
            let p = path.key("cloudwatch").key("dimensions");
            if c.dimensions.is_empty() {
                self.error(
                    &p,
                    Focus::Value,
                    "a CloudWatch destination needs at least one dimension",
                    "add e.g. {name: ses:configuration-set, source: MESSAGE_TAG, default: none}",
                );
            }
            let mut seen = BTreeSet::new();
            let dimensions = c
                .dimensions
                .iter()
                .enumerate()
                .map(|(i, dim)| {
                    let dp = p.index(i);
                    let dim_name = self.text(ctx, &dp.key("name"), &dim.name);
                    self.check(
                        &dp.key("name"),
                        &dim_name,
                        names::dimension_part(&dim_name, "a dimension name"),
                    );
                    if !seen.insert(dim_name.clone()) {
                        self.error(
                            &dp.key("name"),
                            Focus::Value,
                            format!("dimension `{dim_name}` is listed twice"),
                            "each dimension name may appear once",
                        );
                    }
                    let default = self.text(ctx, &dp.key("default"), &dim.default);
                    self.check(
                        &dp.key("default"),
                        &default,
                        names::dimension_part(&default, "a default dimension value"),
                    );
                    model::Dimension {
                        name: dim_name,
                        source: dim.source,
                        default,
                    }
                })
                .collect();
            model::Target::CloudWatch { dimensions }
        } else if let Some(e) = &d.eventbridge {
            let event_bus_arn = self.checked_text(
                ctx,
                &path.key("eventbridge").key("event_bus_arn"),
                &e.event_bus_arn,
                names::event_bus_arn,
            );
            model::Target::EventBridge { event_bus_arn }
        } else {
            // Reported above; any placeholder keeps the model shape (it is discarded).
            model::Target::Sns {
                topic_arn: String::new(),
            }
        };
        model::EventDestination {
            name: name.to_owned(),
            enabled,
            events,
            target,
        }
    }

    fn firehose_target(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        f: &types::FirehoseTarget,
        spec: &types::Spec,
        used_streams: &mut BTreeSet<String>,
    ) -> model::Target {
        let stream = match (&f.stream, &f.stream_arn) {
            (Some(logical), None) => {
                if spec.firehose_streams.contains_key(logical) {
                    used_streams.insert(logical.clone());
                } else {
                    self.dangling(
                        &path.key("stream"),
                        "firehose stream",
                        logical,
                        spec.firehose_streams.keys(),
                    );
                }
                model::StreamRef::Spec(logical.clone())
            }
            (None, Some(raw)) => {
                let arn = self.checked_text(
                    ctx,
                    &path.key("stream_arn"),
                    raw,
                    names::firehose_stream_arn,
                );
                model::StreamRef::External { arn }
            }
            (Some(_), Some(_)) | (None, None) => {
                self.error(
                    path,
                    Focus::Key,
                    "a firehose target needs exactly one of `stream` and `stream_arn`",
                    "`stream: NAME` for a stream of the spec, or `stream_arn: ARN` for another",
                );
                model::StreamRef::Spec(String::new())
            }
        };
        let role = match (&f.role, &f.role_arn) {
            (Some(_), Some(_)) => {
                self.error(
                    &path.key("role_arn"),
                    Focus::Key,
                    "both `role` and `role_arn` are given",
                    "keep one: `role: auto`, `role: {arn: ARN}` or `role_arn: ARN`",
                );
                model::Role::Auto
            }
            (None, Some(raw)) => {
                let arn = self.checked_text(ctx, &path.key("role_arn"), raw, names::iam_role_arn);
                model::Role::Existing { arn }
            }
            (role, None) => self.role(ctx, &path.key("role"), role.as_ref()),
        };
        model::Target::Firehose { stream, role }
    }

    fn identity(
        &mut self,
        path: &Path,
        name: &str,
        i: &types::Identity,
        sets: &BTreeMap<String, model::ConfigurationSet>,
    ) -> model::Identity {
        self.check_key(path, name, names::identity(name));
        let forwarding = i.feedback_forwarding.unwrap_or(true);
        let set = match &i.default_configuration_set {
            Some(set_name) => match sets.get(set_name) {
                Some(set) => Some(set),
                None => {
                    self.dangling(
                        &path.key("default_configuration_set"),
                        "configuration set",
                        set_name,
                        sets.keys(),
                    );
                    None
                }
            },
            None => None,
        };
        let covered = set
            .map(model::ConfigurationSet::covered_events)
            .unwrap_or_default();
        let feedback = [model::EventType::Bounce, model::EventType::Complaint];
        let missing: Vec<&str> = feedback
            .iter()
            .filter(|e| !covered.contains(e))
            .map(|e| e.as_str())
            .collect();
        if !forwarding {
            let p = path.key("feedback_forwarding");
            match (&i.default_configuration_set, set) {
                (None, _) => self.error(
                    &p,
                    Focus::Value,
                    format!("feedback forwarding is off for `{name}` and it has no default configuration set: its bounce and complaint notifications would be lost"),
                    "set `default_configuration_set:` to a configuration set whose enabled event destinations cover BOUNCE and COMPLAINT, or set `feedback_forwarding: true`",
                ),
                (Some(set_name), Some(_)) if !missing.is_empty() => self.error(
                    &p,
                    Focus::Value,
                    format!("feedback forwarding is off for `{name}`, but no enabled event destination of its default configuration set `{set_name}` publishes {}: those notifications would be lost", missing.join(" or ")),
                    format!("add {} to an enabled event destination of `{set_name}`, or set `feedback_forwarding: true`", missing.join(" and ")),
                ),
                _ => {}
            }
        } else if let (Some(set_name), Some(_)) = (&i.default_configuration_set, set)
            && missing.len() < feedback.len()
        {
            let p = if i.feedback_forwarding.is_some() {
                path.key("feedback_forwarding")
            } else {
                path.clone()
            };
            self.warning(
                &p,
                Focus::Key,
                format!("`{name}` forwards feedback by email and its default configuration set `{set_name}` also publishes bounces/complaints: every notification arrives twice"),
                "set `feedback_forwarding: false` if the event destination is how you handle them (feedback forwarding defaults to true)",
            );
        }
        model::Identity {
            name: name.to_owned(),
            default_configuration_set: i.default_configuration_set.clone(),
            feedback_forwarding: forwarding,
        }
    }
}
