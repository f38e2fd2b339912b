//! What a plan is about: the kinds of resource sesinfra manages and the address of one
//! resource, typed. Both serialise to exactly the strings of contract §4
//! (`bucket.<logical>`, `event_destination.<set>.<destination>`, `account`, ...).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A kind of resource sesinfra manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Bucket,
    IamRole,
    FirehoseStream,
    ConfigurationSet,
    EventDestination,
    Identity,
    Account,
    SnsTopic,
    IdentityNotifications,
    Alarm,
    GlueDatabase,
    GlueTable,
}

impl ResourceKind {
    /// The `type` of contract §4, also the address prefix.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Bucket => "bucket",
            ResourceKind::IamRole => "iam_role",
            ResourceKind::FirehoseStream => "firehose_stream",
            ResourceKind::ConfigurationSet => "configuration_set",
            ResourceKind::EventDestination => "event_destination",
            ResourceKind::Identity => "identity",
            ResourceKind::Account => "account",
            ResourceKind::SnsTopic => "sns_topic",
            ResourceKind::IdentityNotifications => "identity_notifications",
            ResourceKind::Alarm => "alarm",
            ResourceKind::GlueDatabase => "glue_database",
            ResourceKind::GlueTable => "glue_table",
        }
    }

    /// Fields (as the diff flattens them) whose change AWS cannot apply in place: a
    /// difference in one of them makes the change a replace.
    pub fn replace_fields(self) -> &'static [&'static str] {
        match self {
            ResourceKind::Bucket | ResourceKind::FirehoseStream | ResourceKind::SnsTopic => {
                &["name"]
            }
            ResourceKind::IamRole => &["path"],
            ResourceKind::ConfigurationSet
            | ResourceKind::EventDestination
            | ResourceKind::Identity
            | ResourceKind::Account
            | ResourceKind::IdentityNotifications
            | ResourceKind::Alarm
            | ResourceKind::GlueDatabase
            | ResourceKind::GlueTable => &[],
        }
    }

    fn from_prefix(prefix: &str) -> Option<ResourceKind> {
        [
            ResourceKind::Bucket,
            ResourceKind::IamRole,
            ResourceKind::FirehoseStream,
            ResourceKind::ConfigurationSet,
            ResourceKind::EventDestination,
            ResourceKind::Identity,
            ResourceKind::Account,
            ResourceKind::SnsTopic,
            ResourceKind::IdentityNotifications,
            ResourceKind::Alarm,
            ResourceKind::GlueDatabase,
            ResourceKind::GlueTable,
        ]
        .into_iter()
        .find(|k| k.as_str() == prefix)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One resource of a plan: its kind and the names that identify it within the stack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Address {
    /// A bucket by its logical name in the spec.
    Bucket(String),
    /// An IAM role by its name.
    IamRole(String),
    /// A Firehose stream by its logical name in the spec.
    FirehoseStream(String),
    /// A configuration set by its name.
    ConfigurationSet(String),
    /// An event destination by its configuration set's name and its own.
    EventDestination { set: String, destination: String },
    /// An SES identity (domain or address).
    Identity(String),
    /// The region's SES account settings, a singleton.
    Account,
    /// An SNS topic by its logical name in the spec.
    SnsTopic(String),
    /// An SES identity's SNS notification settings, by the identity.
    IdentityNotifications(String),
    /// A CloudWatch alarm by its name.
    Alarm(String),
    /// A Glue database by its name.
    GlueDatabase(String),
    /// A Glue table by its database's name and its own.
    GlueTable { database: String, table: String },
}

impl Address {
    pub fn kind(&self) -> ResourceKind {
        match self {
            Address::Bucket(_) => ResourceKind::Bucket,
            Address::IamRole(_) => ResourceKind::IamRole,
            Address::FirehoseStream(_) => ResourceKind::FirehoseStream,
            Address::ConfigurationSet(_) => ResourceKind::ConfigurationSet,
            Address::EventDestination { .. } => ResourceKind::EventDestination,
            Address::Identity(_) => ResourceKind::Identity,
            Address::Account => ResourceKind::Account,
            Address::SnsTopic(_) => ResourceKind::SnsTopic,
            Address::IdentityNotifications(_) => ResourceKind::IdentityNotifications,
            Address::Alarm(_) => ResourceKind::Alarm,
            Address::GlueDatabase(_) => ResourceKind::GlueDatabase,
            Address::GlueTable { .. } => ResourceKind::GlueTable,
        }
    }

    /// The `name` of contract §4: the address without its kind (`<set>.<destination>`
    /// for an event destination; `account` for the account).
    pub fn name(&self) -> String {
        match self {
            Address::Bucket(n)
            | Address::IamRole(n)
            | Address::FirehoseStream(n)
            | Address::ConfigurationSet(n)
            | Address::Identity(n)
            | Address::SnsTopic(n)
            | Address::IdentityNotifications(n)
            | Address::Alarm(n)
            | Address::GlueDatabase(n) => n.clone(),
            Address::EventDestination { set, destination } => format!("{set}.{destination}"),
            Address::GlueTable { database, table } => format!("{database}.{table}"),
            Address::Account => "account".to_owned(),
        }
    }

    /// Reads an address as `Display` writes it. Configuration set names cannot hold a
    /// `.` (`[A-Za-z0-9_-]`), so an event destination's set ends at the first one;
    /// identities (`example.com`) keep theirs. Glue names hold no `.` either.
    pub fn parse(text: &str) -> Option<Address> {
        if text == "account" {
            return Some(Address::Account);
        }
        let (prefix, name) = text.split_once('.')?;
        if name.is_empty() {
            return None;
        }
        let name = name.to_owned();
        Some(match ResourceKind::from_prefix(prefix)? {
            ResourceKind::Bucket => Address::Bucket(name),
            ResourceKind::IamRole => Address::IamRole(name),
            ResourceKind::FirehoseStream => Address::FirehoseStream(name),
            ResourceKind::ConfigurationSet => Address::ConfigurationSet(name),
            ResourceKind::EventDestination => {
                let (set, destination) = name.split_once('.')?;
                Address::EventDestination {
                    set: set.to_owned(),
                    destination: destination.to_owned(),
                }
            }
            ResourceKind::Identity => Address::Identity(name),
            ResourceKind::Account => return None,
            ResourceKind::SnsTopic => Address::SnsTopic(name),
            ResourceKind::IdentityNotifications => Address::IdentityNotifications(name),
            ResourceKind::Alarm => Address::Alarm(name),
            ResourceKind::GlueDatabase => Address::GlueDatabase(name),
            ResourceKind::GlueTable => {
                let (database, table) = name.split_once('.')?;
                Address::GlueTable {
                    database: database.to_owned(),
                    table: table.to_owned(),
                }
            }
        })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Account => f.write_str("account"),
            other => write!(f, "{}.{}", other.kind(), other.name()),
        }
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        let text = String::deserialize(d)?;
        Address::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a resource address: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_the_contract_strings_and_read_back() {
        let cases = [
            (Address::Bucket("history".into()), "bucket.history"),
            (
                Address::FirehoseStream("history".into()),
                "firehose_stream.history",
            ),
            (Address::IamRole("s-ses-h".into()), "iam_role.s-ses-h"),
            (
                Address::ConfigurationSet("ConfigSet".into()),
                "configuration_set.ConfigSet",
            ),
            (
                Address::EventDestination {
                    set: "ConfigSet".into(),
                    destination: "history".into(),
                },
                "event_destination.ConfigSet.history",
            ),
            (
                Address::Identity("example.com".into()),
                "identity.example.com",
            ),
            (Address::Account, "account"),
            (Address::SnsTopic("alerts".into()), "sns_topic.alerts"),
            (
                Address::IdentityNotifications("example.com".into()),
                "identity_notifications.example.com",
            ),
            (
                Address::Alarm("mail-ses-bounce-rate".into()),
                "alarm.mail-ses-bounce-rate",
            ),
            (
                Address::GlueDatabase("ses_history".into()),
                "glue_database.ses_history",
            ),
            (
                Address::GlueTable {
                    database: "ses_history".into(),
                    table: "events".into(),
                },
                "glue_table.ses_history.events",
            ),
        ];
        for (address, text) in cases {
            assert_eq!(address.to_string(), text);
            assert_eq!(Address::parse(text), Some(address.clone()), "{text}");
            assert_eq!(
                serde_json::to_value(&address).unwrap(),
                serde_json::json!(text)
            );
        }
        assert_eq!(
            Address::EventDestination {
                set: "S".into(),
                destination: "d".into()
            }
            .name(),
            "S.d"
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for text in [
            "",
            "bucket",
            "bucket.",
            "queue.x",
            "event_destination.only-set",
            "account.x",
            "glue_table.only-database",
        ] {
            assert_eq!(Address::parse(text), None, "{text}");
        }
    }
}
