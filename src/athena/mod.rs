//! Athena over the event archive (`analytics.athena`, contract §5): the Glue table
//! that reads a Firehose stream's S3 output, and the SQL `history --engine athena`
//! runs there. Pure: `desired.rs` derives the table from here, `aws::athena` runs the
//! queries, and the tests run the same SQL over the seed's records in an embedded
//! engine.
//!
//! - `layout.rs`: the stream's prefix → partition projection (no crawler, no MSCK).
//! - `columns.rs`: the record shape of SES's event records as Hive column types, for
//!   the OpenX JSON SerDe.
//! - `sql.rs`: the history query as Athena (Trino) SQL, and reading its result rows.

pub mod columns;
pub mod layout;
pub mod sql;

use std::collections::BTreeMap;

use crate::resources::{GlueColumn, GlueTable, STACK_TAG};
pub use layout::{Layout, Unit, layout};

/// The partition column every sesinfra table has: the time part of the object key.
pub const PARTITION_COLUMN: &str = "dt";
/// Glue's table type for data that lives outside the catalog (in S3).
pub const EXTERNAL_TABLE: &str = "EXTERNAL_TABLE";
/// The OpenX JSON SerDe Athena reads JSON lines with.
pub const JSON_SERDE: &str = "org.openx.data.jsonserde.JsonSerDe";
pub const INPUT_FORMAT: &str = "org.apache.hadoop.mapred.TextInputFormat";
pub const OUTPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";

/// Table parameters AWS writes itself (Athena's DDL, the Glue console); never drift.
pub const AWS_WRITTEN_PARAMETERS: [&str; 3] = [
    "transient_lastDdlTime",
    "last_modified_by",
    "last_modified_time",
];

/// What the table is derived from.
#[derive(Debug, Clone)]
pub struct TableSpec<'a> {
    pub stack: &'a str,
    pub database: &'a str,
    pub table: &'a str,
    /// The bucket the stream writes to.
    pub bucket: &'a str,
    pub layout: &'a Layout,
    /// How far back partition projection reaches.
    pub projection_days: u32,
}

/// The Glue table for a stream's output: JSON lines read by the OpenX SerDe (a line
/// that is not JSON is skipped, not a failed query), the record's columns, and one
/// projected partition `dt` matching the stream's prefix. Glue cannot tag tables, so
/// the owning stack is recorded as the table parameter `sesinfra:stack`.
pub fn table(spec: &TableSpec<'_>) -> GlueTable {
    let layout = spec.layout;
    let p = |k: &str| format!("projection.{PARTITION_COLUMN}.{k}");
    let parameters = BTreeMap::from([
        ("EXTERNAL".to_owned(), "TRUE".to_owned()),
        ("classification".to_owned(), "json".to_owned()),
        ("projection.enabled".to_owned(), "true".to_owned()),
        (p("type"), "date".to_owned()),
        (p("format"), layout.format.clone()),
        (p("range"), format!("NOW-{}DAYS,NOW", spec.projection_days)),
        (p("interval"), "1".to_owned()),
        (p("interval.unit"), layout.unit.as_str().to_owned()),
        (
            "storage.location.template".to_owned(),
            layout.template(spec.bucket),
        ),
        (STACK_TAG.to_owned(), spec.stack.to_owned()),
    ]);
    GlueTable {
        database: spec.database.to_owned(),
        name: spec.table.to_owned(),
        description: format!(
            "SES event records written by Firehose, managed by sesinfra stack {}",
            spec.stack
        ),
        table_type: EXTERNAL_TABLE.to_owned(),
        location: layout.location(spec.bucket),
        input_format: INPUT_FORMAT.to_owned(),
        output_format: OUTPUT_FORMAT.to_owned(),
        serde_library: JSON_SERDE.to_owned(),
        serde_parameters: BTreeMap::from([("ignore.malformed.json".to_owned(), "true".to_owned())]),
        columns: columns::COLUMNS
            .iter()
            .map(|(name, type_name)| GlueColumn {
                name: (*name).to_owned(),
                type_name: columns::type_string(type_name),
            })
            .collect(),
        partition_keys: vec![GlueColumn {
            name: PARTITION_COLUMN.to_owned(),
            type_name: "string".to_owned(),
        }],
        parameters,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_projects_the_stream_s_prefix() {
        let layout = layout("ses/").unwrap();
        let t = table(&TableSpec {
            stack: "mail",
            database: "ses_history",
            table: "events",
            bucket: "ses-history-1",
            layout: &layout,
            projection_days: 400,
        });
        assert_eq!(t.location, "s3://ses-history-1/ses/");
        assert_eq!(t.parameters["projection.dt.format"], "yyyy/MM/dd/HH");
        assert_eq!(t.parameters["projection.dt.range"], "NOW-400DAYS,NOW");
        assert_eq!(t.parameters["projection.dt.interval.unit"], "HOURS");
        assert_eq!(
            t.parameters["storage.location.template"],
            "s3://ses-history-1/ses/${dt}/"
        );
        assert_eq!(t.parameters["sesinfra:stack"], "mail");
        assert_eq!(t.columns[0].name, "eventtype");
        assert!(t.columns.iter().all(|c| c.name == c.name.to_lowercase()));
    }
}
