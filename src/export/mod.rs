//! `sesinfra export`: an `Inventory` written as a spec, so a pipeline built by hand (or
//! by another tool) can be adopted (`apply --adopt`) without starting from a blank
//! file. Pure; the command reads the inventory and prints the result.
//!
//! The spec says exactly what AWS has, so that adopting it changes nothing but
//! ownership tags:
//! - every option of a set is written unless it is AWS's default (the spec is
//!   complete: an omitted option means the default);
//! - roles that sesinfra generated for this stack (under its IAM path) become
//!   `role: auto`; any other role stays an `{arn: ...}` reference, with a comment that
//!   `role: auto` would replace it with a least-privilege one;
//! - tags shared by every exported resource become the stack's `tags:`, a set's own
//!   tags its `tags:`; sesinfra's and AWS's own tags are left out;
//! - resources another sesinfra stack owns are left out (streams: referenced by ARN),
//!   and the header says so;
//! - the account id, region and stack name are written as `${account_id}`, `${region}`
//!   and `${stack}` where they appear in names and ARNs, so the spec is portable.

pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use crate::inventory::{BucketRecord, Inventory, StreamRecord};
use crate::model::ReputationMetric;
use crate::resources::{
    Bucket, BucketEncryption, ConfigurationSet, EventDestination, EventType, IdentityNotifications,
    LOGICAL_TAG, NotificationType, STACK_TAG, Signing, Tags, Target, arn, is_aws_tag,
};
use crate::spec::limits;
use yaml::{MapBuilder, Node, bool, number, string};

/// The stack name of an export that names none.
pub const DEFAULT_STACK: &str = "imported";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub yaml: String,
    /// What the spec cannot say or leaves out (also written as comments in it).
    pub warnings: Vec<String>,
}

/// How the spec refers to a stream's bucket: a logical name of `buckets:`, or (a
/// bucket that could not be read) `{arn: ...}`.
enum BucketUse {
    Logical(String),
    Arn,
}

/// The spec for `inv`, as stack `stack`. `scoped`: the inventory is one stack's (by
/// `--stack`), whose untagged buckets it only referenced (`existing: true`).
pub fn export(inv: &Inventory, stack: &str, scoped: bool) -> Exported {
    let mut warnings = Vec::new();
    let foreign = |tags: &Tags| tags.get(STACK_TAG).is_some_and(|s| s != stack);
    let p = Portable::new(inv, stack);

    // Configuration sets; those of another stack stay with it.
    let mut skipped_sets = Vec::new();
    let sets: BTreeMap<&String, &ConfigurationSet> = inv
        .configuration_sets
        .iter()
        .filter_map(|(name, record)| record.options.as_ref().map(|o| (name, o)))
        .filter(|(name, set)| {
            let keep = !foreign(&set.tags);
            if !keep {
                skipped_sets.push(format!(
                    "configuration set {name} (stack {})",
                    set.tags.get(STACK_TAG).map_or("?", String::as_str)
                ));
            }
            keep
        })
        .collect();

    // Streams the exported sets publish to (and, for a stack, its own).
    let mut used_streams: BTreeSet<&String> = sets
        .keys()
        .flat_map(|name| &inv.configuration_sets[*name].destinations)
        .filter_map(|d| match &d.target {
            Target::Firehose {
                delivery_stream_arn,
                ..
            } => Some(delivery_stream_arn),
            _ => None,
        })
        .collect();
    if scoped {
        used_streams.extend(inv.streams.iter().filter_map(|(arn, s)| match s {
            StreamRecord::Found(stream)
                if stream.tags.get(STACK_TAG).is_some_and(|t| t == stack) =>
            {
                Some(arn)
            }
            _ => None,
        }));
    }
    let mut taken = BTreeSet::new();
    // Stream ARN → logical name, for the streams the spec manages.
    let mut stream_logical: BTreeMap<&String, String> = BTreeMap::new();
    for arn in &used_streams {
        if let Some(StreamRecord::Found(s)) = inv.streams.get(*arn)
            && !foreign(&s.tags)
        {
            let wanted = match s.tags.get(LOGICAL_TAG) {
                Some(l) if s.tags.get(STACK_TAG).is_some_and(|t| t == stack) => l.clone(),
                _ => s
                    .name
                    .strip_prefix(&format!("{stack}-"))
                    .unwrap_or(&s.name)
                    .to_owned(),
            };
            stream_logical.insert(*arn, unique(&logical(&wanted), &mut taken));
        }
    }

    // The stack's SNS topics (export with --stack): topic ARN -> logical name.
    let mut topic_taken = BTreeSet::new();
    let topic_logical: BTreeMap<String, String> = inv
        .sns_topics
        .iter()
        .map(|(name, t)| {
            let wanted = match t.tags.get(LOGICAL_TAG) {
                Some(l) => l.clone(),
                None => name
                    .strip_prefix(&format!("{stack}-"))
                    .unwrap_or(name)
                    .to_owned(),
            };
            (
                arn::sns_topic(
                    &inv.env.partition,
                    &inv.env.region,
                    &inv.env.account_id,
                    name,
                ),
                unique(&logical(&wanted), &mut topic_taken),
            )
        })
        .collect();

    // Buckets of those streams.
    let mut bucket_taken = BTreeSet::new();
    let mut buckets = MapBuilder::new();
    let mut bucket_use: BTreeMap<String, BucketUse> = BTreeMap::new();
    let mut taggable: Vec<&Tags> = sets.values().map(|s| &s.tags).collect();
    for (stream_arn, stream_name) in &stream_logical {
        let Some(StreamRecord::Found(s)) = inv.streams.get(*stream_arn) else {
            continue;
        };
        taggable.push(&s.tags);
        let Some(name) = arn::bucket_name(&s.bucket_arn) else {
            continue;
        };
        if bucket_use.contains_key(name) {
            continue;
        }
        let Some(BucketRecord::Settings(b)) = inv.buckets.get(name) else {
            bucket_use.insert(name.to_owned(), BucketUse::Arn);
            continue;
        };
        let owned = b.tags.get(STACK_TAG).is_some_and(|t| t == stack);
        let wanted = match b.tags.get(LOGICAL_TAG) {
            Some(l) if owned => l.clone(),
            _ => stream_name.clone(),
        };
        let l = unique(&logical(&wanted), &mut bucket_taken);
        let existing = foreign(&b.tags) || (scoped && !owned);
        if !existing {
            taggable.push(&b.tags);
        }
        buckets.put(&l, bucket_node(b, existing, &p, &mut warnings));
        bucket_use.insert(name.to_owned(), BucketUse::Logical(l));
    }

    // Tags every managed resource shares become the stack's.
    let stack_tags: Tags = match taggable.split_first() {
        Some((first, rest)) => own_tags(first)
            .into_iter()
            .filter(|(k, v)| rest.iter().all(|t| t.get(k) == Some(v)))
            .collect(),
        None => Tags::new(),
    };

    // Streams.
    let mut streams = MapBuilder::new();
    for (stream_arn, l) in &stream_logical {
        let Some(StreamRecord::Found(s)) = inv.streams.get(*stream_arn) else {
            continue;
        };
        let extra: Tags = own_tags(&s.tags)
            .into_iter()
            .filter(|(k, _)| !stack_tags.contains_key(k))
            .collect();
        let mut comment = Vec::new();
        if !extra.is_empty() {
            let w = format!(
                "stream {} has tags the spec cannot hold per stream ({}); apply removes them",
                s.name,
                extra.keys().cloned().collect::<Vec<_>>().join(", ")
            );
            comment.push(w.clone());
            warnings.push(w);
        }
        let mut m = MapBuilder::new();
        if s.name != limits::default_stream_name(stack, l) {
            m.put("name", string(&p.name(&s.name)));
        }
        let bucket_name = arn::bucket_name(&s.bucket_arn).unwrap_or_default();
        match bucket_use.get(bucket_name) {
            Some(BucketUse::Logical(b)) => m.put("bucket", string(b)),
            _ => m.put("bucket", arn_ref(&p.arn(&s.bucket_arn))),
        };
        if !s.prefix.is_empty() {
            m.put("prefix", string(&p.text(&s.prefix)));
        }
        m.put(
            "error_output_prefix",
            string(&p.text(&s.error_output_prefix)),
        );
        let mut buffering = MapBuilder::new();
        buffering
            .put("size_mb", number(s.buffer_size_mb))
            .put("interval_seconds", number(s.buffer_interval_seconds));
        m.put("buffering", buffering.build());
        m.put("compression", string(&limits::spelled(&s.compression)));
        role_entry(&mut m, "role", &s.role_arn, stack, &p, "Firehose");
        streams.put_commented(l, m.build(), comment);
    }

    // Configuration sets with their destinations.
    let mut set_nodes = MapBuilder::new();
    for (name, set) in &sets {
        let destinations = &inv.configuration_sets[*name].destinations;
        set_nodes.put(
            name,
            set_node(
                set,
                destinations,
                &stack_tags,
                &Refs {
                    streams: &stream_logical,
                    topics: &topic_logical,
                },
                stack,
                &p,
            ),
        );
    }

    // Identities; those whose default set stays with another stack stay with it too.
    let mut identities = MapBuilder::new();
    let mut skipped_identities = Vec::new();
    for (name, identity) in &inv.identities {
        if identity.managed_by.as_deref().is_some_and(|s| s != stack) {
            skipped_identities.push(format!(
                "identity {name} (stack {})",
                identity.managed_by.as_deref().unwrap_or("?")
            ));
            continue;
        }
        if let Some(set) = &identity.default_configuration_set
            && !sets.contains_key(set)
        {
            skipped_identities.push(format!(
                "identity {name} (its default configuration set {set} is left out)"
            ));
            continue;
        }
        let mut m = MapBuilder::new();
        if let Some(set) = &identity.default_configuration_set {
            m.put("default_configuration_set", string(set));
        }
        m.put("feedback_forwarding", bool(identity.feedback_forwarding));
        if let Some(n) = inv.notifications.get(name)
            && let Some(node) = notifications_node(n, &topic_logical, &p)
        {
            m.put("notifications", node);
        }
        identities.put(name, m.build());
    }

    // The stack's topics and alarms (only an export with --stack finds them).
    let mut topics = MapBuilder::new();
    for (name, t) in &inv.sns_topics {
        let topic_arn = arn::sns_topic(
            &inv.env.partition,
            &inv.env.region,
            &inv.env.account_id,
            name,
        );
        let Some(l) = topic_logical.get(&topic_arn) else {
            continue;
        };
        let mut m = MapBuilder::new();
        if *name != limits::default_topic_name(stack, l) {
            m.put("name", string(&p.name(name)));
        }
        if let Some(key) = &t.kms_key_arn {
            m.put("kms_key_arn", string(&p.arn(key)));
        }
        let subscriptions: Vec<Node> = t
            .subscriptions
            .iter()
            .filter(|sub| {
                let known = ["email", "sqs", "lambda", "https"].contains(&sub.protocol.as_str());
                if !known {
                    warnings.push(format!(
                        "topic {name}'s {} subscription {} is left out: the spec cannot hold that protocol; apply removes it",
                        sub.protocol, sub.endpoint
                    ));
                }
                known
            })
            .map(|sub| {
                let mut x = MapBuilder::new();
                x.put("protocol", string(&sub.protocol))
                    .put("endpoint", string(&p.text(&sub.endpoint)));
                x.build()
            })
            .collect();
        if !subscriptions.is_empty() {
            m.put("subscriptions", Node::List(subscriptions));
        }
        topics.put(l, m.build());
    }
    let alarms = alarms_node(inv, stack, &topic_logical, &p);

    let mut header = vec![
        format!(
            "Exported by `sesinfra export` from {} ({} configuration sets, {} identities, {} Firehose streams).",
            inv.env.region,
            sets.len(),
            identities.len(),
            stream_logical.len()
        ),
        "Review it, then adopt what it describes: `sesinfra plan --adopt`, `sesinfra apply --adopt`.".to_owned(),
        "Adopting changes nothing but ownership tags (sesinfra:stack, sesinfra:logical).".to_owned(),
    ];
    header.extend(warnings.iter().map(|w| format!("Note: {w}.")));
    let left_out: Vec<String> = skipped_sets.into_iter().chain(skipped_identities).collect();
    if !left_out.is_empty() {
        header.push(format!(
            "Left out (another stack's; export it with --stack): {}.",
            left_out.join(", ")
        ));
        warnings.push(format!(
            "left out, as they belong to another stack: {}",
            left_out.join(", ")
        ));
    }

    let mut root = MapBuilder::new();
    root.put_commented("version", number(1), header)
        .put("stack", string(stack))
        .put("region", string(&inv.env.region));
    if !stack_tags.is_empty() {
        root.put("tags", tags_node(&stack_tags, &p));
    }
    if !buckets.is_empty() {
        root.put("buckets", buckets.build());
    }
    if !streams.is_empty() {
        root.put("firehose_streams", streams.build());
    }
    if !set_nodes.is_empty() {
        root.put("configuration_sets", set_nodes.build());
    }
    if !identities.is_empty() {
        root.put("identities", identities.build());
    }
    if !topics.is_empty() {
        root.put("sns_topics", topics.build());
    }
    if let Some(alarms) = alarms {
        root.put("alarms", alarms);
    }
    Exported {
        yaml: yaml::render(&root.build()),
        warnings,
    }
}

/// Tags that are the user's: neither sesinfra's nor AWS's.
fn own_tags(tags: &Tags) -> Tags {
    tags.iter()
        .filter(|(k, _)| !is_aws_tag(k) && !k.starts_with("sesinfra:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn tags_node(tags: &Tags, p: &Portable) -> Node {
    let mut m = MapBuilder::new();
    for (k, v) in tags {
        m.put(k, string(&p.text(v)));
    }
    m.build()
}

fn arn_ref(value: &str) -> Node {
    let mut m = MapBuilder::new();
    m.put("arn", string(value));
    m.build()
}

/// `role:` for a role ARN: omitted (auto) when sesinfra generated it for `stack`, an
/// `{arn: ...}` reference otherwise.
fn role_entry(m: &mut MapBuilder, key: &str, role_arn: &str, stack: &str, p: &Portable, who: &str) {
    let generated = role_arn
        .split_once(":role")
        .is_some_and(|(_, rest)| rest.starts_with(&arn::role_path(stack)));
    if generated {
        return;
    }
    m.put_commented(
        key,
        arn_ref(&p.arn(role_arn)),
        vec![format!(
            "A role made outside sesinfra. `{key}: auto` would replace it with a generated least-privilege role ({who}); see `sesinfra audit`."
        )],
    );
}

fn bucket_node(b: &Bucket, existing: bool, p: &Portable, warnings: &mut Vec<String>) -> Node {
    let mut m = MapBuilder::new();
    m.put("name", string(&p.name(&b.name)));
    if existing {
        m.put_commented(
            "existing",
            bool(true),
            vec!["Not this stack's: referenced, never changed.".to_owned()],
        );
        return m.build();
    }
    m.put("versioning", bool(b.versioning));
    m.put("encryption", encryption_node(&b.encryption, p));
    m.put("block_public_access", bool(b.block_public_access));
    match (b.expire_after_days, b.noncurrent_expire_after_days) {
        (Some(days), noncurrent) => {
            let mut l = MapBuilder::new();
            l.put("expire_after_days", number(days));
            if let Some(n) = noncurrent
                && !(b.versioning && n == days)
            {
                l.put("noncurrent_expire_after_days", number(n));
            }
            m.put("lifecycle", l.build());
        }
        (None, Some(_)) => warnings.push(format!(
            "bucket {}'s sesinfra lifecycle rule expires only noncurrent versions, which a spec cannot say; apply removes that rule",
            b.name
        )),
        (None, None) => {}
    }
    m.build()
}

fn encryption_node(e: &BucketEncryption, p: &Portable) -> Node {
    match e {
        BucketEncryption::SseS3 => string("sse-s3"),
        BucketEncryption::Kms {
            key_arn,
            bucket_key,
        } => {
            let mut m = MapBuilder::new();
            m.put("kms_key_arn", string(&p.arn(key_arn)))
                .put("bucket_key", bool(*bucket_key));
            m.build()
        }
    }
}

/// What exported resources are referred to by: stream and topic ARN -> logical name.
struct Refs<'a> {
    streams: &'a BTreeMap<&'a String, String>,
    topics: &'a BTreeMap<String, String>,
}

/// `{topic: LOGICAL}` for a topic of the export, else `{topic_arn: ARN}`.
fn topic_entry(
    m: &mut MapBuilder,
    topic_arn: &str,
    topics: &BTreeMap<String, String>,
    p: &Portable,
) {
    match topics.get(topic_arn) {
        Some(l) => m.put("topic", string(l)),
        None => m.put("topic_arn", string(&p.arn(topic_arn))),
    };
}

/// An identity's `notifications:`, or `None` when it has no topic (AWS's default).
fn notifications_node(
    n: &IdentityNotifications,
    topics: &BTreeMap<String, String>,
    p: &Portable,
) -> Option<Node> {
    let mut m = MapBuilder::new();
    for kind in NotificationType::ALL {
        let Some(topic_arn) = n.topic(kind) else {
            continue;
        };
        let mut t = MapBuilder::new();
        topic_entry(&mut t, topic_arn, topics, p);
        if n.headers(kind) {
            t.put("include_headers", bool(true));
        }
        m.put(kind.key(), t.build());
    }
    (!m.is_empty()).then(|| m.build())
}

/// `alarms:` from the stack's alarms named as sesinfra names them; others are left out.
fn alarms_node(
    inv: &Inventory,
    stack: &str,
    topics: &BTreeMap<String, String>,
    p: &Portable,
) -> Option<Node> {
    let mut m = MapBuilder::new();
    for metric in [
        ReputationMetric::BounceRate,
        ReputationMetric::ComplaintRate,
    ] {
        let name = crate::desired::alarm_name(stack, metric, None);
        let Some(alarm) = inv.alarms.iter().find(|a| a.name == name) else {
            continue;
        };
        let Some(topic_arn) = alarm.alarm_actions.iter().next() else {
            continue;
        };
        let mut a = MapBuilder::new();
        a.put("threshold", number(alarm.threshold));
        topic_entry(&mut a, topic_arn, topics, p);
        let per_set = inv.alarms.iter().any(|other| {
            other.configuration_set.as_deref().is_some_and(|set| {
                other.name == crate::desired::alarm_name(stack, metric, Some(set))
            })
        });
        if per_set {
            a.put("per_configuration_set", bool(true));
        }
        m.put(metric.key(), a.build());
    }
    (!m.is_empty()).then(|| m.build())
}

fn set_node(
    set: &ConfigurationSet,
    destinations: &[EventDestination],
    stack_tags: &Tags,
    refs: &Refs<'_>,
    stack: &str,
    p: &Portable,
) -> Node {
    let mut m = MapBuilder::new();
    m.put("sending_enabled", bool(set.sending_enabled));
    m.put("reputation_metrics", bool(set.reputation_metrics_enabled));
    let mut delivery = MapBuilder::new();
    delivery.put("tls_policy", string(&limits::spelled(&set.tls_policy)));
    if let Some(pool) = &set.sending_pool {
        delivery.put("sending_pool", string(pool));
    }
    if let Some(seconds) = set.max_delivery_seconds {
        delivery.put("max_delivery_seconds", number(seconds));
    }
    m.put("delivery", delivery.build());
    if let Some(t) = &set.tracking {
        let mut tracking = MapBuilder::new();
        tracking
            .put("custom_redirect_domain", string(&t.custom_redirect_domain))
            .put("https_policy", string(&limits::spelled(&t.https_policy)));
        m.put("tracking", tracking.build());
    }
    if let Some(reasons) = &set.suppression {
        let mut s = MapBuilder::new();
        s.put(
            "reasons",
            Node::Flow(reasons.iter().map(limits::spelled).collect()),
        );
        m.put("suppression", s.build());
    }
    if set.vdm_engagement_metrics.is_some() || set.vdm_optimized_shared_delivery.is_some() {
        let mut v = MapBuilder::new();
        if let Some(on) = set.vdm_engagement_metrics {
            v.put("engagement_metrics", bool(on));
        }
        if let Some(on) = set.vdm_optimized_shared_delivery {
            v.put("optimized_shared_delivery", bool(on));
        }
        m.put("vdm", v.build());
    }
    if let Some(archive) = &set.archive_arn {
        m.put("archive_arn", string(&p.arn(archive)));
    }
    if set.signing == Signing::Smime {
        let mut s = MapBuilder::new();
        s.put("signing", string("smime"));
        m.put("message_security", s.build());
    }
    let own: Tags = own_tags(&set.tags)
        .into_iter()
        .filter(|(k, v)| stack_tags.get(k) != Some(v))
        .collect();
    if !own.is_empty() {
        m.put("tags", tags_node(&own, p));
    }
    if !destinations.is_empty() {
        let mut ds = MapBuilder::new();
        for d in destinations {
            ds.put(&d.name, destination_node(d, refs, stack, p));
        }
        m.put("event_destinations", ds.build());
    }
    m.build()
}

fn destination_node(d: &EventDestination, refs: &Refs<'_>, stack: &str, p: &Portable) -> Node {
    let stream_logical = refs.streams;
    let mut m = MapBuilder::new();
    if !d.enabled {
        m.put("enabled", bool(false));
    }
    if d.events.len() == EventType::ALL.len() {
        m.put("events", string("all"));
    } else {
        m.put(
            "events",
            Node::Flow(
                EventType::ALL
                    .iter()
                    .filter(|e| d.events.contains(e))
                    .map(|e| e.as_str().to_owned())
                    .collect(),
            ),
        );
    }
    match &d.target {
        Target::Firehose {
            delivery_stream_arn,
            iam_role_arn,
        } => {
            let mut f = MapBuilder::new();
            match stream_logical.get(delivery_stream_arn) {
                Some(l) => f.put("stream", string(l)),
                None => f.put("stream_arn", string(&p.arn(delivery_stream_arn))),
            };
            role_entry(&mut f, "role", iam_role_arn, stack, p, "SES");
            m.put("firehose", f.build());
        }
        Target::Sns { topic_arn } => {
            let mut s = MapBuilder::new();
            topic_entry(&mut s, topic_arn, refs.topics, p);
            m.put("sns", s.build());
        }
        Target::CloudWatch { dimensions } => {
            let items = dimensions
                .iter()
                .map(|dim| {
                    let mut x = MapBuilder::new();
                    x.put("name", string(&p.text(&dim.name)))
                        .put("source", string(&limits::spelled(&dim.source)))
                        .put("default", string(&p.text(&dim.default_value)));
                    x.build()
                })
                .collect();
            let mut c = MapBuilder::new();
            c.put("dimensions", Node::List(items));
            m.put("cloudwatch", c.build());
        }
        Target::EventBridge { event_bus_arn } => {
            let mut e = MapBuilder::new();
            e.put("event_bus_arn", string(&p.arn(event_bus_arn)));
            m.put("eventbridge", e.build());
        }
    }
    m.build()
}

/// Writes values with `${account_id}`, `${region}` and `${stack}` where they fit, and
/// escapes a literal `${` as `$${`.
struct Portable {
    account_id: String,
    region: String,
    stack: String,
}

impl Portable {
    fn new(inv: &Inventory, stack: &str) -> Portable {
        Portable {
            account_id: inv.env.account_id.clone(),
            region: inv.env.region.clone(),
            stack: stack.to_owned(),
        }
    }

    /// Any text: only `${` escaped.
    fn text(&self, value: &str) -> String {
        value.replace("${", "$${")
    }

    /// An ARN: account id and region as variables.
    fn arn(&self, value: &str) -> String {
        let escaped = self.text(value);
        let with_account = replace_token(&escaped, &self.account_id, "${account_id}", |c| {
            c.is_ascii_digit()
        });
        replace_token(&with_account, &self.region, "${region}", |c| {
            c.is_ascii_alphanumeric()
        })
    }

    /// A physical name: as an ARN, and a leading `<stack>-` as `${stack}-`.
    fn name(&self, value: &str) -> String {
        let out = self.arn(value);
        match out.strip_prefix(&format!("{}-", self.stack)) {
            Some(rest) if !self.stack.is_empty() => format!("${{stack}}-{rest}"),
            _ => out,
        }
    }
}

/// Replaces each `token` in `text` that is not glued to a character `glued` accepts on
/// either side (so account `1234` is not replaced inside `912345`, nor region
/// `eu-west-1` inside `eu-west-10`).
fn replace_token(text: &str, token: &str, with: &str, glued: impl Fn(char) -> bool) -> String {
    if token.is_empty() {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(token) {
        let before = rest[..i].chars().next_back().or(out.chars().next_back());
        let after = rest[i + token.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(&glued) || after.is_some_and(&glued) {
            out.push_str(token);
        } else {
            out.push_str(with);
        }
        rest = &rest[i + token.len()..];
    }
    out.push_str(rest);
    out
}

/// A valid logical name (letters, digits, `_`, `-`; at most 64) for `wanted`.
fn logical(wanted: &str) -> String {
    let cleaned: String = wanted
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(*limits::LOGICAL_NAME.len.end())
        .collect();
    if cleaned.is_empty() {
        "stream".to_owned()
    } else {
        cleaned
    }
}

/// `wanted`, or `wanted-2`, `wanted-3`, ... when taken; recorded as taken.
fn unique(wanted: &str, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = wanted.to_owned();
    let mut n = 2;
    while taken.contains(&candidate) {
        let suffix = format!("-{n}");
        let keep = (*limits::LOGICAL_NAME.len.end()).saturating_sub(suffix.len());
        candidate = format!("{}{suffix}", &wanted[..wanted.len().min(keep)]);
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests;
