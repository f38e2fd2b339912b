//! Why an expected record did not arrive, from what AWS has: the destination as SES
//! holds it, the role SES assumes (trust and permissions), the stream, and objects
//! under the stream's error prefix. Pure: `commands/verify.rs` reads those through
//! `crate::aws` and `likely_causes` words what it finds, most fundamental first.

use serde_json::{Value, json};

use super::Destination;
use crate::policy::{Decision, PolicyDocument, Request};
use crate::resources::{DeliveryStream, EventDestination, EventType, Role, STACK_TAG, Target};

const SES_PRINCIPAL: &str = "ses.amazonaws.com";

/// A likely cause: a snake_case code (JSON) and its wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub code: &'static str,
    pub message: String,
}

/// What AWS has for one destination of the spec.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The destination as SES holds it; `None` when it does not exist.
    pub destination: Option<EventDestination>,
    /// The role the spec's destination names; `None` when it does not exist.
    pub role: Option<Role>,
    /// The stream the spec's destination names; `None` when it does not exist.
    pub stream: Option<DeliveryStream>,
    /// Objects (`s3://...`) under the stream's error prefix in the time window.
    pub error_objects: Vec<String>,
}

/// The account and configuration set SES assumes a role for.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub account_id: &'a str,
    pub set_arn: &'a str,
}

/// The causes that explain why `event` of `destination` is missing; when nothing in
/// AWS explains it, that the records may still be in the stream's buffer.
pub fn likely_causes(
    destination: &Destination,
    event: EventType,
    observed: &Observed,
    caller: Caller<'_>,
) -> Vec<Cause> {
    let address = format!("{}.{}", destination.configuration_set, destination.name);
    let mut out = Vec::new();
    let mut cause = |code, message: String| out.push(Cause { code, message });
    match &observed.destination {
        None => cause(
            "destination_missing",
            format!("event destination {address} does not exist in SES; run `sesinfra apply`"),
        ),
        Some(d) => {
            if !d.enabled {
                cause(
                    "destination_disabled",
                    format!(
                        "event destination {address} is disabled in SES (the spec enables it), so SES publishes nothing through it; `sesinfra apply` enables it"
                    ),
                );
            }
            if !d.events.contains(&event) {
                cause(
                    "event_type_not_selected",
                    format!(
                        "event destination {address} does not select {} in SES (the spec does); `sesinfra apply` adds it",
                        event.as_str()
                    ),
                );
            }
            if let Target::Firehose {
                delivery_stream_arn,
                iam_role_arn,
            } = &d.target
                && (delivery_stream_arn != &destination.stream_arn
                    || iam_role_arn != &destination.role_arn)
            {
                cause(
                    "destination_target_differs",
                    format!(
                        "event destination {address} publishes to {delivery_stream_arn} with role {iam_role_arn} in SES, not to the spec's {} with {}; `sesinfra apply` points it back",
                        destination.stream_arn, destination.role_arn
                    ),
                );
            } else if !matches!(d.target, Target::Firehose { .. }) {
                cause(
                    "destination_target_differs",
                    format!(
                        "event destination {address} does not publish to Firehose in SES; `sesinfra apply` points it back"
                    ),
                );
            }
        }
    }
    match &observed.role {
        None => cause(
            "role_missing",
            format!(
                "role {} does not exist, so SES cannot publish to the stream; `sesinfra apply` creates it",
                destination.role_arn
            ),
        ),
        Some(role) => {
            let fix = if role.tags.contains_key(STACK_TAG) {
                "`sesinfra apply` restores the generated policy"
            } else {
                "fix the role's policy"
            };
            if ses_may_assume(&role.trust_policy, caller) == Some(false) {
                cause(
                    "role_trust",
                    format!(
                        "role {}'s trust policy does not let {SES_PRINCIPAL} assume it for configuration set {} (SES gives aws:SourceAccount = {} and aws:SourceArn = {}), so SES drops the set's events; {fix}",
                        role.name, destination.configuration_set, caller.account_id, caller.set_arn
                    ),
                );
            }
            if role.attached_policies.is_empty() && !may_put_records(role, &destination.stream_arn)
            {
                cause(
                    "role_permissions",
                    format!(
                        "role {}'s policies do not allow firehose:PutRecordBatch on {}, so SES cannot write the records; {fix}",
                        role.name, destination.stream_arn
                    ),
                );
            }
        }
    }
    match &observed.stream {
        None => cause(
            "stream_missing",
            format!(
                "Firehose stream {} does not exist; `sesinfra apply` creates it",
                destination.stream_name()
            ),
        ),
        Some(stream) if stream.failed.is_some() => cause(
            "stream_missing",
            format!(
                "Firehose stream {} is {} and delivers nothing; `sesinfra apply` replaces it",
                stream.name,
                stream.failed.map_or("", |f| f.status())
            ),
        ),
        Some(_) => {}
    }
    if let Some(first) = observed.error_objects.first() {
        cause(
            "stream_error_output",
            format!(
                "the stream wrote {} object(s) under its error prefix in this window (e.g. {first}): Firehose failed to deliver or process records; read them for the error",
                observed.error_objects.len()
            ),
        );
    }
    if out.is_empty() {
        let interval = observed
            .stream
            .as_ref()
            .map_or(0, |s| s.buffer_interval_seconds);
        out.push(Cause {
            code: "not_arrived",
            message: format!(
                "nothing in AWS explains it: the record may still be in the stream's buffer (it writes every {interval} s or when full); run verify again with a longer --timeout"
            ),
        });
    }
    out
}

/// Whether the trust policy lets SES assume the role for this caller: an Allow
/// statement for SES's principal and `sts:AssumeRole` whose conditions hold with the
/// keys SES gives (and no such Deny). SES also gives `sts:ExternalId` = the account,
/// which older roles use instead. `None` when the policy uses what the evaluator
/// cannot judge (then no cause is claimed).
pub fn ses_may_assume(trust: &PolicyDocument, caller: Caller<'_>) -> Option<bool> {
    let statements = match trust.value().get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => return Some(false),
    };
    let for_ses: Vec<Value> = statements
        .into_iter()
        .filter(|s| principal_is_ses(s.get("Principal")))
        .map(|mut s| {
            if let Some(o) = s.as_object_mut() {
                o.remove("Principal");
                o.insert("Resource".into(), json!("*"));
            }
            s
        })
        .collect();
    let document = PolicyDocument::new(json!({"Version": "2012-10-17", "Statement": for_ses}));
    let context = [
        ("aws:SourceAccount", caller.account_id),
        ("aws:SourceArn", caller.set_arn),
        ("sts:ExternalId", caller.account_id),
    ];
    match document.evaluate(&Request {
        action: "sts:AssumeRole",
        resource: "*",
        context: &context,
    }) {
        Ok(decision) => Some(decision == Decision::Allow),
        Err(_) => None,
    }
}

fn principal_is_ses(principal: Option<&Value>) -> bool {
    let listed = |v: Option<&Value>, want: &str| match v {
        Some(Value::String(s)) => s == want,
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(want)),
        _ => false,
    };
    match principal {
        Some(Value::String(s)) => s == "*",
        Some(p @ Value::Object(_)) => {
            listed(p.get("Service"), SES_PRINCIPAL) || listed(p.get("AWS"), "*")
        }
        _ => false,
    }
}

/// Whether the role's inline policies allow `firehose:PutRecordBatch` on the stream.
fn may_put_records(role: &Role, stream_arn: &str) -> bool {
    let request = Request {
        action: "firehose:PutRecordBatch",
        resource: stream_arn,
        context: &[],
    };
    let decisions: Vec<Result<Decision, _>> = role
        .inline_policies
        .values()
        .map(|p| p.evaluate(&request))
        .collect();
    // A policy the evaluator cannot judge: claim nothing.
    if decisions.iter().any(Result::is_err) {
        return true;
    }
    !decisions.contains(&Ok(Decision::ExplicitDeny)) && decisions.contains(&Ok(Decision::Allow))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    const SET_ARN: &str = "arn:aws:ses:eu-west-1:111122223333:configuration-set/Set";
    const STREAM: &str = "arn:aws:firehose:eu-west-1:111122223333:deliverystream/s";
    const ROLE: &str = "arn:aws:iam::111122223333:role/r";

    fn caller() -> Caller<'static> {
        Caller {
            account_id: "111122223333",
            set_arn: SET_ARN,
        }
    }

    fn trust(condition: Value) -> PolicyDocument {
        PolicyDocument::new(json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"},
            "Action": "sts:AssumeRole", "Condition": condition}]}))
    }

    fn role(trust_policy: PolicyDocument) -> Role {
        Role {
            name: "r".into(),
            path: "/".into(),
            description: String::new(),
            trust_policy,
            inline_policies: BTreeMap::from([(
                "put".into(),
                PolicyDocument::new(json!({"Statement": [{"Effect": "Allow",
                    "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"], "Resource": STREAM}]})),
            )]),
            attached_policies: BTreeSet::new(),
            tags: BTreeMap::from([(STACK_TAG.into(), "prod".into())]),
        }
    }

    fn destination() -> Destination {
        Destination {
            configuration_set: "Set".into(),
            name: "history".into(),
            stream_arn: STREAM.into(),
            role_arn: ROLE.into(),
            events: EventType::ALL.into_iter().collect(),
        }
    }

    fn observed(enabled: bool, role: Role) -> Observed {
        Observed {
            destination: Some(EventDestination {
                configuration_set: "Set".into(),
                name: "history".into(),
                enabled,
                events: [EventType::Send].into_iter().collect(),
                target: Target::Firehose {
                    delivery_stream_arn: STREAM.into(),
                    iam_role_arn: ROLE.into(),
                },
            }),
            role: Some(role),
            stream: None,
            error_objects: Vec::new(),
        }
    }

    fn codes(causes: &[Cause]) -> Vec<&'static str> {
        causes.iter().map(|c| c.code).collect()
    }

    #[test]
    fn trust_is_judged_with_the_keys_ses_gives() {
        let good = trust(
            json!({"StringEquals": {"aws:SourceAccount": "111122223333", "aws:SourceArn": SET_ARN}}),
        );
        assert_eq!(ses_may_assume(&good, caller()), Some(true));
        let other_set = trust(json!({"StringEquals": {"AWS:SourceArn": format!("{SET_ARN}-2")}}));
        assert_eq!(ses_may_assume(&other_set, caller()), Some(false));
        let external = trust(json!({"StringEquals": {"sts:ExternalId": "111122223333"}}));
        assert_eq!(ses_may_assume(&external, caller()), Some(true));
        let firehose_only = PolicyDocument::new(json!({"Statement": [{"Effect": "Allow",
            "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}]}));
        assert_eq!(ses_may_assume(&firehose_only, caller()), Some(false));
        let arn_like = trust(json!({"ArnLike": {"aws:SourceArn": "arn:aws:ses:*"}}));
        assert_eq!(ses_may_assume(&arn_like, caller()), None);
    }

    #[test]
    fn each_cause_is_found() {
        let good = trust(json!({"StringEquals": {"aws:SourceArn": SET_ARN}}));
        let bad = trust(json!({"StringEquals": {"aws:SourceArn": "x"}}));
        let d = destination();
        let causes = likely_causes(
            &d,
            EventType::Delivery,
            &observed(false, role(bad)),
            caller(),
        );
        assert_eq!(
            codes(&causes),
            [
                "destination_disabled",
                "event_type_not_selected",
                "role_trust",
                "stream_missing"
            ]
        );
        assert!(causes[2].message.contains(SET_ARN), "{}", causes[2].message);
        let mut fine = observed(true, role(good.clone()));
        let causes = likely_causes(&d, EventType::Send, &fine, caller());
        assert_eq!(codes(&causes), ["stream_missing"]);
        fine.error_objects = vec!["s3://b/error/x".into()];
        fine.stream = Some(crate::resources::DeliveryStream {
            name: "s".into(),
            failed: None,
            bucket_arn: "arn:aws:s3:::b".into(),
            role_arn: ROLE.into(),
            prefix: String::new(),
            error_output_prefix: String::new(),
            buffer_size_mb: 5,
            buffer_interval_seconds: 300,
            compression: crate::resources::Compression::Gzip,
            tags: BTreeMap::new(),
        });
        assert_eq!(
            codes(&likely_causes(&d, EventType::Send, &fine, caller())),
            ["stream_error_output"]
        );
        fine.error_objects.clear();
        let pending = likely_causes(&d, EventType::Send, &fine, caller());
        assert_eq!(codes(&pending), ["not_arrived"]);
        assert!(pending[0].message.contains("300 s"));
        let mut no_permission = role(good);
        no_permission.inline_policies.clear();
        fine.role = Some(no_permission);
        assert_eq!(
            codes(&likely_causes(&d, EventType::Send, &fine, caller())),
            ["role_permissions"]
        );
        assert_eq!(
            codes(&likely_causes(
                &d,
                EventType::Send,
                &Observed::default(),
                caller()
            )),
            ["destination_missing", "role_missing", "stream_missing"]
        );
    }
}
