//! AWS's rules for names, ARNs, domains and tags, as pure checks. Each returns
//! `Err(what would be valid)`, phrased to follow "… is not valid: ". The lengths and
//! character sets are in `crate::spec::limits`.

use crate::spec::limits::{self, NameRule};

/// `[A-Za-z0-9<extra>]{min,max}`.
fn charset(value: &str, rule: &NameRule, what: &str) -> Result<(), String> {
    let len = value.chars().count();
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || rule.extra.contains(c));
    if ok_chars && rule.len.contains(&len) {
        Ok(())
    } else {
        let (min, max) = (rule.len.start(), rule.len.end());
        let extra_desc: Vec<String> = rule.extra.chars().map(|c| format!("'{c}'")).collect();
        let extra_desc = if extra_desc.is_empty() {
            String::new()
        } else {
            format!(" and {}", extra_desc.join(", "))
        };
        Err(format!(
            "{what} must be {min}-{max} characters of A-Z, a-z, 0-9{extra_desc} (got {len})"
        ))
    }
}

pub fn stack(value: &str) -> Result<(), String> {
    charset(value, &limits::STACK_NAME, "a stack name")
}

/// Configuration set names, event destination names, dedicated IP pool names.
pub fn ses_name(value: &str, what: &str) -> Result<(), String> {
    charset(value, &limits::SES_NAME, what)
}

/// Logical names of buckets and streams (used in addresses and generated names).
pub fn logical(value: &str) -> Result<(), String> {
    charset(value, &limits::LOGICAL_NAME, "a logical name")
}

pub fn stream_name(value: &str) -> Result<(), String> {
    charset(value, &limits::STREAM_NAME, "a Firehose stream name")
}

/// Glue database and table names Athena can query without quoting.
pub fn glue_name(value: &str, what: &str) -> Result<(), String> {
    let ok = limits::GLUE_NAME_LEN.contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} must be {} (Glue folds names to lower case and Athena reads no other characters)",
            limits::glue_name_describe()
        ))
    }
}

/// `s3://bucket/prefix`, the bucket a valid name.
pub fn s3_uri(value: &str) -> Result<(), String> {
    let help = "an S3 location looks like s3://bucket/prefix/".to_owned();
    let Some(rest) = value.strip_prefix("s3://") else {
        return Err(help);
    };
    let bucket = rest.split('/').next().unwrap_or("");
    bucket_name(bucket).map_err(|rule| format!("{help}; {rule}"))
}

/// Athena workgroup names.
pub fn athena_workgroup(value: &str) -> Result<(), String> {
    let ok = (1..=128).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err("an Athena workgroup name must be 1-128 of A-Z a-z 0-9, '.', '_' and '-'".into())
    }
}

pub fn variable_name(value: &str) -> Result<(), String> {
    if crate::spec::interpolate::is_name(value) {
        Ok(())
    } else {
        Err("a variable name starts with a letter or '_', then letters, digits, '_' or '-'".into())
    }
}

pub fn region(value: &str) -> Result<(), String> {
    // e.g. eu-west-1, ap-northeast-1, us-gov-west-1, cn-north-1
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if ok {
        Ok(())
    } else {
        Err("a region looks like eu-west-1 or ap-northeast-1".into())
    }
}

/// S3 general purpose bucket naming rules.
pub fn bucket_name(value: &str) -> Result<(), String> {
    let rules = format!(
        "a bucket name must be {} characters of a-z, 0-9, '.' and '-', \
         begin and end with a letter or digit, have no '..', not look like an \
         IP address, and not start with 'xn--' or 'sthree-' nor end with '-s3alias'",
        limits::span(&limits::BUCKET_NAME_LEN)
    );
    let len = value.len();
    let chars_ok = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let ends_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    let looks_like_ip =
        value.split('.').count() == 4 && value.split('.').all(|p| p.parse::<u8>().is_ok());
    let reserved = value.starts_with("xn--")
        || value.starts_with("sthree-")
        || value.ends_with("-s3alias")
        || value.ends_with("--ol-s3");
    if limits::BUCKET_NAME_LEN.contains(&len)
        && chars_ok
        && ends_ok
        && !value.contains("..")
        && !looks_like_ip
        && !reserved
    {
        Ok(())
    } else {
        Err(rules)
    }
}

/// A DNS domain name with at least two labels.
pub fn domain(value: &str) -> Result<(), String> {
    let labels: Vec<&str> = value.trim_end_matches('.').split('.').collect();
    let ok = value.len() <= limits::DOMAIN_MAX_LEN
        && labels.len() >= 2
        && labels.iter().all(|l| {
            limits::DOMAIN_LABEL_LEN.contains(&l.len())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err(
            "a domain is like example.com: labels of letters, digits and '-', separated by '.'"
                .into(),
        )
    }
}

/// An SES identity: a domain or an email address.
pub fn identity(value: &str) -> Result<(), String> {
    match value.rsplit_once('@') {
        Some((local, dom)) => {
            let local_ok = !local.is_empty()
                && local.len() <= limits::EMAIL_LOCAL_PART_MAX_LEN
                && !local.chars().any(|c| c.is_whitespace() || c == '@');
            if local_ok && domain(dom).is_ok() {
                Ok(())
            } else {
                Err(
                    "an identity is a domain (example.com) or an email address (user@example.com)"
                        .into(),
                )
            }
        }
        None => domain(value).map_err(|_| {
            "an identity is a domain (example.com) or an email address (user@example.com)".into()
        }),
    }
}

const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];

/// The parts of an ARN: (partition, service, region, account, resource).
fn arn_parts(value: &str) -> Option<(&str, &str, &str, &str, &str)> {
    let mut it = value.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    );
    (arn == "arn" && PARTITIONS.contains(&partition) && !resource.is_empty())
        .then_some((partition, service, region, account, resource))
}

fn is_account(value: &str) -> bool {
    value.len() == 12 && value.chars().all(|c| c.is_ascii_digit())
}

/// An ARN of `service` whose resource starts with `resource_prefix`, in a region and
/// account (or, for global services, with an empty region).
fn arn_of(
    value: &str,
    service: &str,
    regional: bool,
    resource_prefix: &str,
    example: &str,
) -> Result<(), String> {
    let ok = arn_parts(value).is_some_and(|(_, svc, region_part, account, resource)| {
        svc == service
            && (if regional {
                region(region_part).is_ok()
            } else {
                region_part.is_empty()
            })
            && is_account(account)
            && resource.starts_with(resource_prefix)
            && resource.len() > resource_prefix.len()
    });
    if ok {
        Ok(())
    } else {
        Err(format!("expected an ARN like {example}"))
    }
}

pub fn sns_topic_arn(value: &str) -> Result<(), String> {
    arn_of(
        value,
        "sns",
        true,
        "",
        "arn:aws:sns:eu-west-1:123456789012:bounces",
    )?;
    let topic = value.rsplit(':').next().unwrap_or("");
    charset(topic, &limits::SNS_TOPIC_NAME, "a topic name")
}

pub fn sns_topic_name(value: &str) -> Result<(), String> {
    charset(value, &limits::SNS_TOPIC_NAME, "an SNS topic name")
}

/// A subscription's endpoint as SNS accepts it for `protocol`.
pub fn subscription_endpoint(
    protocol: crate::spec::types::SubscriptionProtocol,
    value: &str,
) -> Result<(), String> {
    use crate::spec::types::SubscriptionProtocol as P;
    match protocol {
        P::Email => match value.rsplit_once('@') {
            Some((local, dom))
                if !local.is_empty()
                    && domain(dom).is_ok()
                    && !value.contains(char::is_whitespace) =>
            {
                Ok(())
            }
            _ => {
                Err("an email subscription's endpoint is an email address (ops@example.com)".into())
            }
        },
        P::Sqs => arn_of(
            value,
            "sqs",
            true,
            "",
            "arn:aws:sqs:eu-west-1:123456789012:bounces",
        ),
        P::Lambda => arn_of(
            value,
            "lambda",
            true,
            "function:",
            "arn:aws:lambda:eu-west-1:123456789012:function:on-bounce",
        ),
        P::Https => match value.strip_prefix("https://") {
            Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => Ok(()),
            _ => Err("an https subscription's endpoint is a URL starting with https://".into()),
        },
    }
}

/// A Mail Manager archive as SES v2's `ArchiveArn` accepts it (the model's pattern
/// `arn:PARTITION:ses:REGION:ACCOUNT:mailmanager-archive/a-[a-z0-9]{24,62}`).
pub fn mailmanager_archive_arn(value: &str) -> Result<(), String> {
    let example =
        "arn:aws:ses:eu-west-1:123456789012:mailmanager-archive/a-0123456789abcdefghijklmn";
    arn_of(value, "ses", true, "mailmanager-archive/", example)?;
    let id = value.rsplit_once('/').map_or("", |(_, id)| id);
    let body = id.strip_prefix("a-").unwrap_or("");
    let ok = limits::ARCHIVE_ID_LEN.contains(&body.len())
        && body
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected an ARN like {example}: the archive ID is `a-` and {} of a-z, 0-9 (the \
             archive's ARN as Mail Manager shows it)",
            limits::span(&limits::ARCHIVE_ID_LEN)
        ))
    }
}

pub fn firehose_stream_arn(value: &str) -> Result<(), String> {
    arn_of(
        value,
        "firehose",
        true,
        "deliverystream/",
        "arn:aws:firehose:eu-west-1:123456789012:deliverystream/NAME",
    )
}

pub fn iam_role_arn(value: &str) -> Result<(), String> {
    arn_of(
        value,
        "iam",
        false,
        "role/",
        "arn:aws:iam::123456789012:role/NAME",
    )
}

pub fn kms_key_arn(value: &str) -> Result<(), String> {
    let example = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    arn_of(value, "kms", true, "key/", example)
        .or_else(|_| arn_of(value, "kms", true, "alias/", example))
}

pub fn s3_bucket_arn(value: &str) -> Result<(), String> {
    let example = "expected an ARN like arn:aws:s3:::my-bucket";
    match arn_parts(value) {
        Some((_, "s3", "", "", bucket)) => {
            bucket_name(bucket).map_err(|rule| format!("{example}; {rule}"))
        }
        _ => Err(example.into()),
    }
}

/// SES publishes to the account's default event bus only.
pub fn event_bus_arn(value: &str) -> Result<(), String> {
    let example = "arn:aws:events:eu-west-1:123456789012:event-bus/default";
    arn_of(value, "events", true, "event-bus/", example)?;
    if value.ends_with(":event-bus/default") {
        Ok(())
    } else {
        Err(format!(
            "SES publishes only to the default event bus: {example}"
        ))
    }
}

/// CloudWatch dimension names and default values used by SES.
pub fn dimension_part(value: &str, what: &str) -> Result<(), String> {
    charset(value, &limits::DIMENSION_PART, what)
}

/// Tag keys: 1-128 characters; `aws:` is AWS's and `sesinfra:` is ours.
pub fn tag_key(value: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_alphanumeric() || " _.:/=+-@".contains(c);
    if value.starts_with("aws:") || value.starts_with("sesinfra:") {
        return Err("tag keys starting with 'aws:' or 'sesinfra:' are reserved".into());
    }
    if limits::TAG_KEY_LEN.contains(&value.chars().count()) && value.chars().all(allowed) {
        Ok(())
    } else {
        Err(format!(
            "a tag key is {} letters, digits, spaces and _ . : / = + - @",
            limits::span(&limits::TAG_KEY_LEN)
        ))
    }
}

pub fn tag_value(value: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_alphanumeric() || " _.:/=+-@".contains(c);
    let max = limits::TAG_VALUE_MAX_LEN;
    if value.chars().count() <= max && value.chars().all(allowed) {
        Ok(())
    } else {
        Err(format!(
            "a tag value is 0-{max} letters, digits, spaces and _ . : / = + - @"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        assert!(bucket_name("ses-history-123456789012-eu-west-1").is_ok());
        for bad in [
            "ab",
            "Upper",
            "a..b",
            "-a",
            "a-",
            "192.168.1.1",
            "xn--a",
            "a_b",
            "x-s3alias",
        ] {
            assert!(bucket_name(bad).is_err(), "{bad}");
        }
        assert!(bucket_name(&"a".repeat(64)).is_err());
    }

    #[test]
    fn regions() {
        for ok in ["eu-west-1", "ap-northeast-1", "us-gov-west-1", "cn-north-1"] {
            assert!(region(ok).is_ok(), "{ok}");
        }
        for bad in ["eu-west", "EU-west-1", "euwest1", "e-west-1", ""] {
            assert!(region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identities() {
        assert!(identity("example.com").is_ok());
        assert!(identity("sender@mail.example.com").is_ok());
        for bad in ["example", "a@b", "@example.com", "bad domain.com", "-x.com"] {
            assert!(identity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn arns() {
        assert!(sns_topic_arn("arn:aws:sns:eu-west-1:123456789012:bounces").is_ok());
        assert!(sns_topic_arn("arn:aws:sqs:eu-west-1:123456789012:bounces").is_err());
        assert!(sns_topic_arn("not-an-arn").is_err());
        assert!(sns_topic_name("mail-alerts_1").is_ok());
        assert!(sns_topic_name("bad.name").is_err());
        use crate::spec::types::SubscriptionProtocol as P;
        assert!(subscription_endpoint(P::Email, "ops@example.com").is_ok());
        assert!(subscription_endpoint(P::Email, "ops").is_err());
        assert!(subscription_endpoint(P::Sqs, "arn:aws:sqs:eu-west-1:123456789012:q").is_ok());
        assert!(subscription_endpoint(P::Sqs, "https://sqs.example.com/q").is_err());
        assert!(
            subscription_endpoint(
                P::Lambda,
                "arn:aws:lambda:eu-west-1:123456789012:function:f"
            )
            .is_ok()
        );
        assert!(subscription_endpoint(P::Https, "https://hooks.example.com/ses").is_ok());
        assert!(subscription_endpoint(P::Https, "http://hooks.example.com/ses").is_err());
        assert!(iam_role_arn("arn:aws:iam::123456789012:role/ses").is_ok());
        assert!(iam_role_arn("arn:aws:iam:eu-west-1:123456789012:role/ses").is_err());
        assert!(s3_bucket_arn("arn:aws:s3:::my-bucket").is_ok());
        assert!(s3_bucket_arn("arn:aws:s3:::My_Bucket").is_err());
        assert!(kms_key_arn("arn:aws:kms:eu-west-1:123456789012:alias/s3").is_ok());
        assert!(
            firehose_stream_arn("arn:aws:firehose:eu-west-1:123456789012:deliverystream/x").is_ok()
        );
        assert!(event_bus_arn("arn:aws:events:eu-west-1:123456789012:event-bus/default").is_ok());
        assert!(event_bus_arn("arn:aws:events:eu-west-1:123456789012:event-bus/custom").is_err());
    }

    #[test]
    fn tags() {
        assert!(tag_key("team").is_ok());
        assert!(tag_key("aws:cloudformation").is_err());
        assert!(tag_key("sesinfra:stack").is_err());
        assert!(tag_key("").is_err());
        assert!(tag_value("").is_ok());
        assert!(tag_value("a;b").is_err());
    }

    #[test]
    fn mailmanager_archive_arns() {
        let ok =
            "arn:aws:ses:eu-west-1:123456789012:mailmanager-archive/a-0123456789abcdefghijklmn";
        assert!(mailmanager_archive_arn(ok).is_ok());
        assert!(
            mailmanager_archive_arn(
                "arn:aws-cn:ses:cn-north-1:123456789012:mailmanager-archive/a-0123456789abcdefghijklmnop"
            )
            .is_ok()
        );
        for bad in [
            "arn:aws:ses:eu-west-1:123456789012:mailmanager-archive/a-123",
            "arn:aws:ses:eu-west-1:123456789012:mailmanager-archive/a-0123456789ABCDEFGHIJKLMN",
            "arn:aws:ses:eu-west-1:123456789012:mailmanager-archive/0123456789abcdefghijklmnop",
            "arn:aws:mailmanager:eu-west-1:123456789012:archive/a-0123456789abcdefghijklmn",
            "arn:aws:ses:eu-west-1:123456789012:configuration-set/a-0123456789abcdefghijklmn",
        ] {
            assert!(mailmanager_archive_arn(bad).is_err(), "{bad}");
        }
    }
}
