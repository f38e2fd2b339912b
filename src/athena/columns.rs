//! The record shape of SES's event records (the examples SES documents for every
//! event type) as Hive column types, which the OpenX JSON SerDe maps JSON onto.
//!
//! Hive column names are lower case and the SerDe matches keys case-insensitively,
//! so `eventType` is column `eventtype` and `mail.messageId` is `mail.messageid`
//! without a mapping. Keys with `-` or `:` only occur inside `mail.tags` and
//! `click.linkTags` (`ses:configuration-set`, custom tags), which are maps, so they
//! need no column of their own. `send` is an empty object in every record (Hive has no
//! empty struct) and is left out: a Send is its `eventtype`.

/// A Hive type.
#[derive(Debug)]
pub enum Type {
    String,
    Bigint,
    Boolean,
    Array(&'static Type),
    Map(&'static Type, &'static Type),
    Struct(&'static [(&'static str, Type)]),
}

use Type::{Array, Bigint, Boolean, Map, String as Str, Struct};

const STRINGS: Type = Array(&Str);
/// `mail.tags` and `click.linkTags`: name → values.
const TAGS: Type = Map(&Str, &STRINGS);
const TOPIC_PREFERENCES: Type = Struct(&[
    ("unsubscribeall", Boolean),
    (
        "topicsubscriptionstatus",
        Array(&Struct(&[("topicname", Str), ("subscriptionstatus", Str)])),
    ),
]);

/// The table's columns in order, each a top-level key of the record.
pub const COLUMNS: &[(&str, Type)] = &[
    ("eventtype", Str),
    (
        "mail",
        Struct(&[
            ("timestamp", Str),
            ("source", Str),
            ("sourcearn", Str),
            ("sendingaccountid", Str),
            ("messageid", Str),
            ("destination", STRINGS),
            ("headerstruncated", Boolean),
            ("headers", Array(&Struct(&[("name", Str), ("value", Str)]))),
            (
                "commonheaders",
                Struct(&[
                    ("from", STRINGS),
                    ("to", STRINGS),
                    ("messageid", Str),
                    ("subject", Str),
                ]),
            ),
            ("tags", TAGS),
        ]),
    ),
    (
        "bounce",
        Struct(&[
            ("bouncetype", Str),
            ("bouncesubtype", Str),
            (
                "bouncedrecipients",
                Array(&Struct(&[
                    ("emailaddress", Str),
                    ("action", Str),
                    ("status", Str),
                    ("diagnosticcode", Str),
                ])),
            ),
            ("timestamp", Str),
            ("feedbackid", Str),
            ("reportingmta", Str),
        ]),
    ),
    (
        "complaint",
        Struct(&[
            (
                "complainedrecipients",
                Array(&Struct(&[("emailaddress", Str)])),
            ),
            ("timestamp", Str),
            ("feedbackid", Str),
            ("useragent", Str),
            ("complaintfeedbacktype", Str),
            ("arrivaldate", Str),
        ]),
    ),
    (
        "delivery",
        Struct(&[
            ("timestamp", Str),
            ("processingtimemillis", Bigint),
            ("recipients", STRINGS),
            ("smtpresponse", Str),
            ("reportingmta", Str),
        ]),
    ),
    ("reject", Struct(&[("reason", Str)])),
    (
        "open",
        Struct(&[("ipaddress", Str), ("timestamp", Str), ("useragent", Str)]),
    ),
    (
        "click",
        Struct(&[
            ("ipaddress", Str),
            ("link", Str),
            ("linktags", TAGS),
            ("timestamp", Str),
            ("useragent", Str),
        ]),
    ),
    (
        "failure",
        Struct(&[("errormessage", Str), ("templatename", Str)]),
    ),
    (
        "deliverydelay",
        Struct(&[
            ("timestamp", Str),
            ("delaytype", Str),
            ("expirationtime", Str),
            (
                "delayedrecipients",
                Array(&Struct(&[
                    ("emailaddress", Str),
                    ("status", Str),
                    ("diagnosticcode", Str),
                ])),
            ),
        ]),
    ),
    (
        "subscription",
        Struct(&[
            ("contactlist", Str),
            ("timestamp", Str),
            ("source", Str),
            ("newtopicpreferences", TOPIC_PREFERENCES),
            ("oldtopicpreferences", TOPIC_PREFERENCES),
        ]),
    ),
];

/// The type as Glue stores it, e.g. `struct<reason:string>`.
pub fn type_string(t: &Type) -> std::string::String {
    match t {
        Str => "string".to_owned(),
        Bigint => "bigint".to_owned(),
        Boolean => "boolean".to_owned(),
        Array(item) => format!("array<{}>", type_string(item)),
        Map(k, v) => format!("map<{},{}>", type_string(k), type_string(v)),
        Struct(fields) => {
            let fields: Vec<std::string::String> = fields
                .iter()
                .map(|(name, t)| format!("{name}:{}", type_string(t)))
                .collect();
            format!("struct<{}>", fields.join(","))
        }
    }
}

/// The columns as `CREATE EXTERNAL TABLE` writes them (names and field names quoted
/// with backticks, as Athena's DDL wants for words like `timestamp`), one per line.
pub fn ddl_columns() -> std::string::String {
    fn ddl_type(t: &Type) -> std::string::String {
        match t {
            Array(item) => format!("array<{}>", ddl_type(item)),
            Map(k, v) => format!("map<{},{}>", ddl_type(k), ddl_type(v)),
            Struct(fields) => {
                let fields: Vec<std::string::String> = fields
                    .iter()
                    .map(|(name, t)| format!("`{name}`:{}", ddl_type(t)))
                    .collect();
                format!("struct<{}>", fields.join(","))
            }
            other => type_string(other),
        }
    }
    COLUMNS
        .iter()
        .map(|(name, t)| format!("  `{name}` {}", ddl_type(t)))
        .collect::<Vec<_>>()
        .join(",\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_spelled_as_glue_stores_them() {
        assert_eq!(type_string(&COLUMNS[0].1), "string");
        let reject = COLUMNS.iter().find(|(n, _)| *n == "reject").unwrap();
        assert_eq!(type_string(&reject.1), "struct<reason:string>");
        assert_eq!(type_string(&TAGS), "map<string,array<string>>");
        assert!(
            ddl_columns().starts_with("  `eventtype` string,\n  `mail` struct<`timestamp`:string,")
        );
    }
}
