//! `sesinfra audit`: what is wrong with the region's SES pipeline today, judged from an
//! `Inventory` (read-only, no spec). Pure: every rule is a function of the inventory,
//! unit-tested without AWS; `render` writes the findings as text, markdown or JSON.
//!
//! Each finding names its resource with the plan's addresses (`iam_role.NAME`,
//! `event_destination.SET.DESTINATION`, ...) and a fix. When the resource belongs to a
//! sesinfra stack (its `sesinfra:stack` tag), the fix names the change to that stack's
//! spec; otherwise the change to make in AWS, or the way into sesinfra (`export`).

mod render;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::inventory::{BucketRecord, Inventory, StreamRecord};
use crate::policy::{Decision, PolicyDocument, Request};
use crate::resources::{
    BucketEncryption, EventDestination, EventType, LOGICAL_TAG, Role, STACK_TAG, Target,
};

pub use render::render;

pub const SES_PRINCIPAL: &str = "ses.amazonaws.com";
pub const FIREHOSE_PRINCIPAL: &str = "firehose.amazonaws.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// The rules, by the name a finding carries (contract §7, `rule`).
pub mod rule {
    pub const TRUST_WITHOUT_CONDITION: &str = "trust_without_condition";
    pub const PERMISSIONS_TOO_WIDE: &str = "permissions_too_wide";
    pub const FEEDBACK_LOST: &str = "feedback_lost";
    pub const FEEDBACK_DUPLICATED: &str = "feedback_duplicated";
    pub const DELIVERY_DELAY_MISSING: &str = "delivery_delay_missing";
    pub const DESTINATION_CANNOT_PUBLISH: &str = "destination_cannot_publish";
    pub const STREAM_CANNOT_WRITE: &str = "stream_cannot_write";
    pub const BUCKET_UNENCRYPTED: &str = "bucket_unencrypted";
    pub const BUCKET_PUBLIC_ACCESS: &str = "bucket_public_access";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: &'static str,
    pub address: String,
    pub message: String,
    pub fix: String,
}

/// What was looked at, for the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Checked {
    pub configuration_sets: usize,
    pub identities: usize,
    pub streams: usize,
    pub buckets: usize,
    pub roles: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub region: String,
    pub checked: Checked,
    /// Highest severity first, then by rule and address.
    pub findings: Vec<Finding>,
}

/// Every finding of every rule.
pub fn audit(inv: &Inventory) -> Report {
    let uses = role_uses(inv);
    let mut findings = Vec::new();
    trust(inv, &uses, &mut findings);
    permissions(inv, &uses, &mut findings);
    feedback(inv, &mut findings);
    delivery_delay(inv, &mut findings);
    destinations(inv, &mut findings);
    streams(inv, &mut findings);
    buckets(inv, &mut findings);
    findings.sort_by(|a, b| {
        (a.severity, a.rule, &a.address, &a.message)
            .cmp(&(b.severity, b.rule, &b.address, &b.message))
    });
    findings.dedup();
    Report {
        region: inv.env.region.clone(),
        checked: Checked {
            configuration_sets: inv.configuration_sets.len(),
            identities: inv.identities.len(),
            streams: inv.streams.len(),
            buckets: inv.buckets.len(),
            roles: roles_in_scope(inv).len(),
        },
        findings,
    }
}

// ----------------------------------------------------------------------------- roles

/// Where a role is used, for the wording of fixes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Use {
    Destination { set: String, destination: String },
    Stream { name: String },
}

fn role_uses(inv: &Inventory) -> BTreeMap<String, BTreeSet<Use>> {
    let mut uses: BTreeMap<String, BTreeSet<Use>> = BTreeMap::new();
    for (set, record) in &inv.configuration_sets {
        for d in &record.destinations {
            if let Target::Firehose { iam_role_arn, .. } = &d.target {
                uses.entry(iam_role_arn.clone())
                    .or_default()
                    .insert(Use::Destination {
                        set: set.clone(),
                        destination: d.name.clone(),
                    });
            }
        }
    }
    for stream in inv.streams.values() {
        if let StreamRecord::Found(s) = stream {
            uses.entry(s.role_arn.clone())
                .or_default()
                .insert(Use::Stream {
                    name: s.name.clone(),
                });
        }
    }
    uses
}

/// The roles the audit judges, by ARN: those SES or Firehose may assume, and those
/// the destinations and streams name.
pub fn roles_in_scope(inv: &Inventory) -> BTreeSet<&String> {
    let used = role_uses(inv);
    inv.roles
        .iter()
        .filter(|(arn, role)| {
            used.contains_key(*arn)
                || !trust_statements(role, SES_PRINCIPAL).is_empty()
                || !trust_statements(role, FIREHOSE_PRINCIPAL).is_empty()
        })
        .map(|(arn, _)| arn)
        .collect()
}

fn statements(doc: &PolicyDocument) -> Vec<&Value> {
    match doc.value().get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

fn string_list(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The trust policy's Allow statements that let `service` assume the role.
fn trust_statements<'a>(role: &'a Role, service: &str) -> Vec<&'a Value> {
    statements(&role.trust_policy)
        .into_iter()
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .filter(|s| {
            string_list(s.get("Principal").and_then(|p| p.get("Service")))
                .iter()
                .any(|p| p.eq_ignore_ascii_case(service))
        })
        .filter(|s| {
            string_list(s.get("Action"))
                .iter()
                .any(|a| crate::policy::wildcard_match(&a.to_ascii_lowercase(), "sts:assumerole"))
        })
        .collect()
}

/// The condition keys of a statement, lower-cased, whatever their operator.
fn condition_keys(statement: &Value) -> BTreeSet<String> {
    statement
        .get("Condition")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|ops| ops.values())
        .filter_map(Value::as_object)
        .flat_map(|pairs| pairs.keys().map(|k| k.to_ascii_lowercase()))
        .collect()
}

/// The fix for a role, worded for where it is used.
fn role_fix(inv: &Inventory, role: &Role, uses: Option<&BTreeSet<Use>>, aws_fix: &str) -> String {
    if let Some(stack) = role.tags.get(STACK_TAG) {
        return format!(
            "stack {stack} generated this role: `sesinfra apply` of that stack's spec puts its \
             least-privilege policies back (`sesinfra drift` shows what changed)"
        );
    }
    let mut in_specs = Vec::new();
    for u in uses.into_iter().flatten() {
        match u {
            Use::Destination { set, destination } => {
                if let Some(stack) = inv.set_owners.get(set) {
                    in_specs.push(format!(
                        "stack {stack}: configuration_sets.{set}.event_destinations.{destination}.firehose.role: auto"
                    ));
                }
            }
            Use::Stream { name } => {
                if let Some(stack) = inv.stream_owners.get(name) {
                    in_specs.push(format!(
                        "stack {stack}: `role: auto` on the firehose_streams entry of stream {name}"
                    ));
                }
            }
        }
    }
    if in_specs.is_empty() {
        format!(
            "{aws_fix}; or bring the pipeline into sesinfra (`sesinfra export`) and use \
             `role: auto`, which generates a least-privilege role"
        )
    } else {
        format!(
            "in the spec, replace the role with a generated least-privilege one: {}",
            in_specs.join("; ")
        )
    }
}

fn trust(inv: &Inventory, uses: &BTreeMap<String, BTreeSet<Use>>, out: &mut Vec<Finding>) {
    for (arn, role) in &inv.roles {
        let address = format!("iam_role.{}", role.name);
        for s in trust_statements(role, SES_PRINCIPAL) {
            let keys = condition_keys(s);
            let account = keys.contains("aws:sourceaccount");
            let source = keys.contains("aws:sourcearn");
            let sets: Vec<String> = uses
                .get(arn)
                .into_iter()
                .flatten()
                .filter_map(|u| match u {
                    Use::Destination { set, .. } => Some(inv.set_arn(set)),
                    Use::Stream { .. } => None,
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let arns = if sets.is_empty() {
                "the ARNs of the configuration sets that use it".to_owned()
            } else {
                sets.join(", ")
            };
            let aws_fix = format!(
                "add to the trust policy's statement for {SES_PRINCIPAL} the condition \
                 StringEquals aws:SourceAccount = {} and aws:SourceArn = {arns}",
                inv.env.account_id
            );
            let (severity, message) = match (account, source) {
                (true, true) => continue,
                (false, false) => (
                    Severity::High,
                    format!(
                        "trusts {SES_PRINCIPAL} without aws:SourceAccount or aws:SourceArn: SES \
                         acting for any AWS account can assume it (confused deputy)"
                    ),
                ),
                (true, false) => (
                    Severity::Low,
                    format!(
                        "trusts {SES_PRINCIPAL} without aws:SourceArn: any configuration set of \
                         the account can publish through it"
                    ),
                ),
                (false, true) => (
                    Severity::Low,
                    format!("trusts {SES_PRINCIPAL} without aws:SourceAccount"),
                ),
            };
            out.push(Finding {
                severity,
                rule: rule::TRUST_WITHOUT_CONDITION,
                address: address.clone(),
                message,
                fix: role_fix(inv, role, uses.get(arn), &aws_fix),
            });
        }
        for s in trust_statements(role, FIREHOSE_PRINCIPAL) {
            let keys = condition_keys(s);
            if ["sts:externalid", "aws:sourceaccount", "aws:sourcearn"]
                .iter()
                .any(|k| keys.contains(*k))
            {
                continue;
            }
            let aws_fix = format!(
                "add to the trust policy's statement for {FIREHOSE_PRINCIPAL} the condition \
                 StringEquals sts:ExternalId = {}",
                inv.env.account_id
            );
            out.push(Finding {
                severity: Severity::High,
                rule: rule::TRUST_WITHOUT_CONDITION,
                address: address.clone(),
                message: format!(
                    "trusts {FIREHOSE_PRINCIPAL} without sts:ExternalId (or aws:SourceAccount): \
                     Firehose acting for any AWS account can assume it (confused deputy)"
                ),
                fix: role_fix(inv, role, uses.get(arn), &aws_fix),
            });
        }
    }
}

/// The role's policy documents: inline by name, attached by ARN (when readable).
fn role_documents<'a>(inv: &'a Inventory, role: &'a Role) -> Vec<(String, &'a PolicyDocument)> {
    let mut docs: Vec<(String, &PolicyDocument)> = role
        .inline_policies
        .iter()
        .map(|(name, doc)| (format!("inline policy {name}"), doc))
        .collect();
    for arn in &role.attached_policies {
        if let Some(doc) = inv.managed_policies.get(arn) {
            docs.push((format!("managed policy {arn}"), doc));
        }
    }
    docs
}

fn permissions(inv: &Inventory, uses: &BTreeMap<String, BTreeSet<Use>>, out: &mut Vec<Finding>) {
    for arn in roles_in_scope(inv) {
        let role = &inv.roles[arn];
        let mut wide_actions = BTreeSet::new();
        let mut star_resources = BTreeSet::new();
        let mut wide_in = BTreeSet::new();
        let mut star_in = BTreeSet::new();
        for (label, doc) in role_documents(inv, role) {
            for s in statements(doc) {
                if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
                    continue;
                }
                let actions = string_list(s.get("Action"));
                let wide: Vec<&str> = actions
                    .iter()
                    .copied()
                    .filter(|a| *a == "*" || a.ends_with(":*"))
                    .collect();
                if !wide.is_empty() || s.get("NotAction").is_some() {
                    wide_actions.extend(wide.iter().map(|a| (*a).to_owned()));
                    if s.get("NotAction").is_some() {
                        wide_actions.insert("NotAction (everything but a list)".to_owned());
                    }
                    wide_in.insert(label.clone());
                }
                if string_list(s.get("Resource")).contains(&"*") || s.get("NotResource").is_some() {
                    star_resources.extend(actions.iter().map(|a| (*a).to_owned()));
                    star_in.insert(label.clone());
                }
            }
        }
        let least = least_privilege(role);
        if !wide_actions.is_empty() {
            out.push(Finding {
                severity: Severity::High,
                rule: rule::PERMISSIONS_TOO_WIDE,
                address: format!("iam_role.{}", role.name),
                message: format!(
                    "allows {} ({}); least privilege is {least}",
                    wide_actions.into_iter().collect::<Vec<_>>().join(", "),
                    wide_in.into_iter().collect::<Vec<_>>().join(", ")
                ),
                fix: role_fix(
                    inv,
                    role,
                    uses.get(arn),
                    &format!("replace the wildcard actions with {least}"),
                ),
            });
        }
        if !star_resources.is_empty() {
            out.push(Finding {
                severity: Severity::Medium,
                rule: rule::PERMISSIONS_TOO_WIDE,
                address: format!("iam_role.{}", role.name),
                message: format!(
                    "allows {} on every resource (Resource: *, {})",
                    star_resources.into_iter().collect::<Vec<_>>().join(", "),
                    star_in.into_iter().collect::<Vec<_>>().join(", ")
                ),
                fix: role_fix(
                    inv,
                    role,
                    uses.get(arn),
                    "name the stream or bucket ARNs in Resource instead of *",
                ),
            });
        }
    }
}

/// Contract §2's permissions for what the role is trusted by.
fn least_privilege(role: &Role) -> &'static str {
    if !trust_statements(role, SES_PRINCIPAL).is_empty() {
        "firehose:PutRecord and firehose:PutRecordBatch on the stream"
    } else {
        "s3:AbortMultipartUpload, s3:GetBucketLocation, s3:GetObject, s3:ListBucket, \
         s3:ListBucketMultipartUploads and s3:PutObject on the bucket (and KMS use of its key)"
    }
}

// ----------------------------------------------------------------------------- identities

/// The ways an identity receives one feedback type: email forwarding, its SNS
/// notification topic for that type (SES v1), and the enabled destinations of its
/// default configuration set covering it.
fn ways(
    inv: &Inventory,
    identity: &crate::resources::IdentityAttributes,
    event: EventType,
) -> Vec<String> {
    let mut ways = Vec::new();
    if identity.feedback_forwarding {
        ways.push("email feedback forwarding".to_owned());
    }
    if let Some(topic) = sns_topic(inv, &identity.identity, event) {
        ways.push(format!("SNS topic {topic}"));
    }
    if let Some(set) = &identity.default_configuration_set
        && let Some(record) = inv.configuration_sets.get(set)
    {
        for d in &record.destinations {
            if d.enabled && d.events.contains(&event) {
                ways.push(format!("event destination {set}.{}", d.name));
            }
        }
    }
    ways
}

/// The identity's SNS notification topic for BOUNCE or COMPLAINT, when set.
fn sns_topic<'a>(inv: &'a Inventory, identity: &str, event: EventType) -> Option<&'a str> {
    let topics = inv.notification_topics.get(identity)?;
    match event {
        EventType::Bounce => topics.bounce.as_deref(),
        EventType::Complaint => topics.complaint.as_deref(),
        _ => None,
    }
}

fn feedback(inv: &Inventory, out: &mut Vec<Finding>) {
    for (name, identity) in &inv.identities {
        let address = format!("identity.{name}");
        let spec_stack = identity.managed_by.as_deref();
        let mut lost = Vec::new();
        for (event, label) in [
            (EventType::Bounce, "bounces"),
            (EventType::Complaint, "complaints"),
        ] {
            let ways = ways(inv, identity, event);
            match ways.len() {
                0 => lost.push((event, label)),
                1 => {}
                n => out.push(Finding {
                    severity: Severity::Low,
                    rule: rule::FEEDBACK_DUPLICATED,
                    address: address.clone(),
                    message: format!(
                        "receives every one of its {label} {n} times: through {}",
                        ways.join(" and ")
                    ),
                    fix: match spec_stack {
                        Some(stack) if identity.feedback_forwarding => format!(
                            "in stack {stack}'s spec: identities.{name}.feedback_forwarding: false"
                        ),
                        // The spec does not hold SNS notification topics: the fix is in AWS.
                        Some(_) if sns_topic(inv, name, event).is_some() => format!(
                            "remove the identity's SNS topic for {label} (SES v1 \
                             SetIdentityNotificationTopic without SnsTopic), or drop {} from \
                             the event destinations",
                            event.as_str()
                        ),
                        Some(stack) => format!(
                            "in stack {stack}'s spec: keep {} in one enabled event destination of configuration set {}",
                            event.as_str(),
                            identity.default_configuration_set.as_deref().unwrap_or("?")
                        ),
                        None => "keep one way: turn email feedback forwarding off \
                                 (PutEmailIdentityFeedbackAttributes) when an event destination \
                                 or SNS topic covers them, remove the identity's SNS topic \
                                 (SES v1 SetIdentityNotificationTopic without SnsTopic), or drop \
                                 the extra destination"
                            .to_owned(),
                    },
                }),
            }
        }
        if lost.is_empty() {
            continue;
        }
        let labels: Vec<&str> = lost.iter().map(|(_, l)| *l).collect();
        let events: Vec<&str> = lost.iter().map(|(e, _)| e.as_str()).collect();
        let why = match &identity.default_configuration_set {
            None => "feedback forwarding is off and it has no default configuration set".to_owned(),
            Some(set) if !inv.configuration_sets.contains_key(set) => format!(
                "feedback forwarding is off and its default configuration set {set} does not exist"
            ),
            Some(set) => format!(
                "feedback forwarding is off and no enabled event destination of its default \
                 configuration set {set} publishes {}",
                events.join(" or ")
            ),
        };
        out.push(Finding {
            severity: Severity::High,
            rule: rule::FEEDBACK_LOST,
            address,
            message: format!("loses its {}: {why}", labels.join(" and ")),
            fix: match spec_stack {
                Some(stack) => format!(
                    "in stack {stack}'s spec: identities.{name}.feedback_forwarding: true, or a \
                     default_configuration_set with an enabled destination whose events include {}",
                    events.join(" and ")
                ),
                None => format!(
                    "turn email feedback forwarding on (PutEmailIdentityFeedbackAttributes), set \
                     an SNS topic for its {} (SES v1 SetIdentityNotificationTopic), or make the \
                     identity's default configuration set publish {} to an enabled event \
                     destination",
                    labels.join(" and "),
                    events.join(" and ")
                ),
            },
        });
    }
}

// ----------------------------------------------------------------------------- destinations

fn destination_address(d: &EventDestination) -> String {
    format!("event_destination.{}.{}", d.configuration_set, d.name)
}

fn delivery_delay(inv: &Inventory, out: &mut Vec<Finding>) {
    for (set, record) in &inv.configuration_sets {
        for d in &record.destinations {
            let Target::Firehose { .. } = d.target else {
                continue;
            };
            if !d.enabled || d.events.contains(&EventType::DeliveryDelay) {
                continue;
            }
            out.push(Finding {
                severity: Severity::Low,
                rule: rule::DELIVERY_DELAY_MISSING,
                address: destination_address(d),
                message: "publishes to Firehose without DELIVERY_DELAY events, so delayed \
                          deliveries are missing from the record (the SES console cannot add \
                          them; only the SES API v2 can)"
                    .to_owned(),
                fix: match inv.set_owners.get(set) {
                    Some(stack) => format!(
                        "in stack {stack}'s spec: configuration_sets.{set}.event_destinations.{}.events: all (or add DELIVERY_DELAY to the list)",
                        d.name
                    ),
                    None => "add DELIVERY_DELAY to the destination's event types with SES API v2 \
                             UpdateConfigurationSetEventDestination, or export the pipeline \
                             (`sesinfra export`) and apply it with `events: all`"
                        .to_owned(),
                },
            });
        }
    }
}

/// Whether the role's policies allow `request`: `Some(true)` allowed, `Some(false)`
/// denied, `None` when a policy uses what the evaluator does not read.
fn allows(inv: &Inventory, role: &Role, request: &Request<'_>) -> Option<bool> {
    let mut allowed = false;
    let mut unknown = false;
    for (_, doc) in role_documents(inv, role) {
        match doc.evaluate(request) {
            Ok(Decision::ExplicitDeny) => return Some(false),
            Ok(Decision::Allow) => allowed = true,
            Ok(Decision::ImplicitDeny) => {}
            Err(_) => unknown = true,
        }
    }
    if allowed {
        Some(true)
    } else if unknown {
        None
    } else {
        Some(false)
    }
}

fn destinations(inv: &Inventory, out: &mut Vec<Finding>) {
    for record in inv.configuration_sets.values() {
        for d in record.destinations.iter().filter(|d| d.enabled) {
            let Target::Firehose {
                delivery_stream_arn,
                iam_role_arn,
            } = &d.target
            else {
                continue;
            };
            let finding = |severity, message: String, fix: String| Finding {
                severity,
                rule: rule::DESTINATION_CANNOT_PUBLISH,
                address: destination_address(d),
                message,
                fix,
            };
            match inv.stream_of(d).map(|(_, s)| s) {
                Some(StreamRecord::Missing) => {
                    out.push(finding(
                        Severity::High,
                        format!("publishes to Firehose stream {delivery_stream_arn}, which does not exist: its events are lost"),
                        "create the stream, or point the destination at one that exists".to_owned(),
                    ));
                    continue;
                }
                Some(StreamRecord::Unusable(why)) => {
                    out.push(finding(
                        Severity::Medium,
                        format!("publishes to Firehose stream {delivery_stream_arn}, which {why}"),
                        "point the destination at a Direct PUT stream that delivers to S3"
                            .to_owned(),
                    ));
                    continue;
                }
                _ => {}
            }
            let Some(role) = inv.roles.get(iam_role_arn) else {
                out.push(finding(
                    Severity::High,
                    format!("uses role {iam_role_arn}, which does not exist: SES cannot publish its events"),
                    "point the destination at an existing role, or use `role: auto` in a spec".to_owned(),
                ));
                continue;
            };
            if trust_statements(role, SES_PRINCIPAL).is_empty() {
                out.push(finding(
                    Severity::High,
                    format!("uses role {}, which does not trust {SES_PRINCIPAL}: SES cannot assume it", role.name),
                    format!("let {SES_PRINCIPAL} assume the role (with aws:SourceAccount and aws:SourceArn conditions)"),
                ));
                continue;
            }
            let request = |action| Request {
                action,
                resource: delivery_stream_arn,
                context: &[],
            };
            match allows(inv, role, &request("firehose:PutRecordBatch")) {
                Some(true) => {}
                Some(false) => out.push(finding(
                    Severity::High,
                    format!(
                        "uses role {}, whose policies do not allow firehose:PutRecordBatch on {delivery_stream_arn}: its events are lost",
                        role.name
                    ),
                    "allow firehose:PutRecord and firehose:PutRecordBatch on the stream".to_owned(),
                )),
                None => out.push(finding(
                    Severity::Low,
                    format!(
                        "uses role {}, whose policies use conditions sesinfra cannot evaluate; whether SES may write to the stream is unknown",
                        role.name
                    ),
                    "check the role's permissions by hand (IAM policy simulator)".to_owned(),
                )),
            }
        }
    }
}

// ----------------------------------------------------------------------------- streams

/// The object key prefix Firehose writes under: the prefix up to its first `!{...}`.
fn static_prefix(prefix: &str) -> &str {
    prefix.find("!{").map_or(prefix, |i| &prefix[..i])
}

fn streams(inv: &Inventory, out: &mut Vec<Finding>) {
    for record in inv.streams.values() {
        let StreamRecord::Found(stream) = record else {
            continue;
        };
        let address = format!("firehose_stream.{}", stream.name);
        let finding = |severity, message: String, fix: String| Finding {
            severity,
            rule: rule::STREAM_CANNOT_WRITE,
            address: address.clone(),
            message,
            fix,
        };
        let bucket_name = crate::resources::arn::bucket_name(&stream.bucket_arn).unwrap_or("");
        if let Some(BucketRecord::Missing) = inv.buckets.get(bucket_name) {
            out.push(finding(
                Severity::High,
                format!("writes to bucket {bucket_name}, which does not exist"),
                "create the bucket, or point the stream at one that exists".to_owned(),
            ));
            continue;
        }
        let Some(role) = inv.roles.get(&stream.role_arn) else {
            out.push(finding(
                Severity::High,
                format!(
                    "uses role {}, which does not exist: nothing reaches S3",
                    stream.role_arn
                ),
                "point the stream at an existing role, or use `role: auto` in a spec".to_owned(),
            ));
            continue;
        };
        let object = format!(
            "{}/{}sesinfra-audit-probe",
            stream.bucket_arn,
            static_prefix(&stream.prefix)
        );
        let put = Request {
            action: "s3:PutObject",
            resource: &object,
            context: &[],
        };
        match allows(inv, role, &put) {
            Some(true) => {}
            Some(false) => {
                out.push(finding(
                    Severity::High,
                    format!(
                        "uses role {}, whose policies do not allow s3:PutObject on {}/{}*: nothing reaches S3",
                        role.name,
                        stream.bucket_arn,
                        static_prefix(&stream.prefix)
                    ),
                    format!("allow the role {}", least_privilege_firehose()),
                ));
                continue;
            }
            None => {
                out.push(finding(
                    Severity::Low,
                    format!(
                        "uses role {}, whose policies use conditions sesinfra cannot evaluate; whether it can write to S3 is unknown",
                        role.name
                    ),
                    "check the role's permissions by hand (IAM policy simulator)".to_owned(),
                ));
                continue;
            }
        }
        // SSE-KMS with a customer managed key: S3 asks KMS for a data key on the
        // role's behalf (AWS's own aws/s3 key needs no IAM permission).
        let Some(BucketRecord::Posture(posture)) = inv.buckets.get(bucket_name) else {
            continue;
        };
        let Some(BucketEncryption::Kms {
            key_arn,
            bucket_key,
        }) = &posture.encryption
        else {
            continue;
        };
        if key_arn.is_empty() {
            continue;
        }
        let via = format!("s3.{}.amazonaws.com", inv.env.region);
        let context_arn = if *bucket_key {
            stream.bucket_arn.clone()
        } else {
            object.clone()
        };
        let context = [
            ("kms:ViaService", via.as_str()),
            ("kms:EncryptionContext:aws:s3:arn", context_arn.as_str()),
        ];
        let generate = Request {
            action: "kms:GenerateDataKey",
            resource: key_arn,
            context: &context,
        };
        if allows(inv, role, &generate) == Some(false) {
            out.push(finding(
                Severity::High,
                format!(
                    "uses role {}, which may not use the bucket's KMS key {key_arn} (kms:GenerateDataKey through S3): every write fails",
                    role.name
                ),
                format!(
                    "allow the role kms:GenerateDataKey and kms:Decrypt on {key_arn} with kms:ViaService = {via}"
                ),
            ));
        }
    }
}

fn least_privilege_firehose() -> &'static str {
    "s3:AbortMultipartUpload, s3:GetBucketLocation, s3:GetObject, s3:ListBucket, \
     s3:ListBucketMultipartUploads and s3:PutObject on the bucket and its objects"
}

// ----------------------------------------------------------------------------- buckets

fn buckets(inv: &Inventory, out: &mut Vec<Finding>) {
    for (name, record) in &inv.buckets {
        let BucketRecord::Posture(posture) = record else {
            continue;
        };
        let address = format!("bucket.{name}");
        let in_spec = posture.tags.get(STACK_TAG).map(|stack| {
            let logical = posture
                .tags
                .get(LOGICAL_TAG)
                .map_or(name.as_str(), String::as_str);
            (stack.clone(), logical.to_owned())
        });
        if posture.encryption.is_none() {
            out.push(Finding {
                severity: Severity::Medium,
                rule: rule::BUCKET_UNENCRYPTED,
                address: address.clone(),
                message: "has no default encryption configured; objects written without \
                          encryption headers rely on S3's account-wide default"
                    .to_owned(),
                fix: match &in_spec {
                    Some((stack, logical)) => {
                        format!("in stack {stack}'s spec: buckets.{logical}.encryption: sse-s3")
                    }
                    None => "set default encryption on the bucket (PutBucketEncryption, SSE-S3 \
                             or SSE-KMS)"
                        .to_owned(),
                },
            });
        }
        if !posture.block_public_access {
            out.push(Finding {
                severity: Severity::High,
                rule: rule::BUCKET_PUBLIC_ACCESS,
                address,
                message: "does not block public access (not all four S3 Block Public Access \
                          settings are on), yet it holds every recipient address SES sent to"
                    .to_owned(),
                fix: match &in_spec {
                    Some((stack, logical)) => format!(
                        "in stack {stack}'s spec: buckets.{logical}.block_public_access: true"
                    ),
                    None => "turn on all four Block Public Access settings of the bucket \
                             (PutPublicAccessBlock)"
                        .to_owned(),
                },
            });
        }
    }
}

#[cfg(test)]
mod tests;
