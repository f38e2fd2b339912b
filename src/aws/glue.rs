//! AWS Glue Data Catalog: the database and table `analytics.athena` asks for.
//!
//! Glue tags databases (by ARN, `TagResource`/`UntagResource`/`GetTags`; `CreateDatabase`
//! takes the first tags) but not tables: a table's owner is its `sesinfra:stack`
//! parameter. `UpdateDatabase` and `UpdateTable` replace the whole definition, so an
//! update sends the desired one, and only when something but the tags differs.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_glue::types::{Column, DatabaseInput, SerDeInfo, StorageDescriptor, Table, TableInput};

use super::{AwsError, Clients, ErrorKind};
use crate::athena::AWS_WRITTEN_PARAMETERS;
use crate::resources::{GlueColumn, GlueDatabase, GlueTable, Tags, tag_changes};

const SERVICE: &str = "glue";

fn sdk_err<E, R>(
    operation: &'static str,
) -> impl FnOnce(aws_sdk_glue::error::SdkError<E, R>) -> AwsError
where
    E: aws_sdk_glue::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| AwsError::from_sdk(SERVICE, operation, e)
}

fn build_err(operation: &'static str) -> impl FnOnce(aws_sdk_glue::error::BuildError) -> AwsError {
    move |e| AwsError::local(SERVICE, operation, format!("cannot build the request: {e}"))
}

/// `None` for a not-found error (Glue says `EntityNotFoundException`).
fn absent<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------------- databases

/// The database with its tags; `None` when it does not exist. `arn` is its ARN (tags
/// are read by it).
pub async fn get_database(
    clients: &Clients,
    name: &str,
    arn: &str,
) -> Result<Option<GlueDatabase>, AwsError> {
    const OP: &str = "GetDatabase";
    let found = absent(
        clients
            .glue
            .get_database()
            .name(name)
            .send()
            .await
            .map_err(sdk_err(OP)),
    )?;
    let Some(out) = found else {
        return Ok(None);
    };
    let Some(db) = out.database else {
        return Err(AwsError::local(SERVICE, OP, "the answer has no Database"));
    };
    let tags = absent(get_tags(clients, arn).await)?.unwrap_or_default();
    Ok(Some(GlueDatabase {
        name: db.name,
        arn: arn.to_owned(),
        description: db.description.unwrap_or_default(),
        tags,
    }))
}

async fn get_tags(clients: &Clients, arn: &str) -> Result<Tags, AwsError> {
    const OP: &str = "GetTags";
    let out = clients
        .glue
        .get_tags()
        .resource_arn(arn)
        .send()
        .await
        .map_err(sdk_err(OP))?;
    Ok(out.tags.unwrap_or_default().into_iter().collect())
}

fn database_input(db: &GlueDatabase) -> Result<DatabaseInput, AwsError> {
    DatabaseInput::builder()
        .name(&db.name)
        .description(&db.description)
        .build()
        .map_err(build_err("CreateDatabase"))
}

pub async fn create_database(clients: &Clients, db: &GlueDatabase) -> Result<(), AwsError> {
    const OP: &str = "CreateDatabase";
    clients
        .glue
        .create_database()
        .database_input(database_input(db)?)
        .set_tags(Some(db.tags.clone().into_iter().collect::<HashMap<_, _>>()))
        .send()
        .await
        .map_err(sdk_err(OP))?;
    Ok(())
}

/// Only the calls for what differs: `UpdateDatabase` for the description, tag calls
/// for the tags.
pub async fn update_database(
    clients: &Clients,
    have: &GlueDatabase,
    want: &GlueDatabase,
) -> Result<(), AwsError> {
    if have.description != want.description {
        clients
            .glue
            .update_database()
            .name(&want.name)
            .database_input(database_input(want)?)
            .send()
            .await
            .map_err(sdk_err("UpdateDatabase"))?;
    }
    let changes = tag_changes(&have.tags, &want.tags);
    if !changes.removed.is_empty() {
        clients
            .glue
            .untag_resource()
            .resource_arn(&want.arn)
            .set_tags_to_remove(Some(changes.removed))
            .send()
            .await
            .map_err(sdk_err("UntagResource"))?;
    }
    if !changes.changed.is_empty() {
        clients
            .glue
            .tag_resource()
            .resource_arn(&want.arn)
            .set_tags_to_add(Some(changes.changed.into_iter().collect()))
            .send()
            .await
            .map_err(sdk_err("TagResource"))?;
    }
    Ok(())
}

/// Deletes the database (Glue deletes the tables still in it too: the engine keeps a
/// database that holds tables the stack does not own). Already gone is done.
pub async fn delete_database(clients: &Clients, name: &str) -> Result<(), AwsError> {
    absent(
        clients
            .glue
            .delete_database()
            .name(name)
            .send()
            .await
            .map_err(sdk_err("DeleteDatabase")),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------- tables

/// Every table of a database (one paginated call); empty when the database does not
/// exist.
pub async fn get_tables(clients: &Clients, database: &str) -> Result<Vec<GlueTable>, AwsError> {
    const OP: &str = "GetTables";
    let mut tables = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = absent(
            clients
                .glue
                .get_tables()
                .database_name(database)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(sdk_err(OP)),
        )?;
        let Some(out) = page else {
            return Ok(Vec::new());
        };
        for t in out.table_list.unwrap_or_default() {
            tables.push(from_sdk(database, t));
        }
        match out.next_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(tables),
        }
    }
}

fn columns(list: Option<Vec<Column>>) -> Vec<GlueColumn> {
    list.unwrap_or_default()
        .into_iter()
        .map(|c| GlueColumn {
            name: c.name,
            type_name: c.r#type.unwrap_or_default(),
        })
        .collect()
}

fn from_sdk(database: &str, t: Table) -> GlueTable {
    let storage = t
        .storage_descriptor
        .unwrap_or_else(|| StorageDescriptor::builder().build());
    let serde = storage
        .serde_info
        .unwrap_or_else(|| SerDeInfo::builder().build());
    let parameters: BTreeMap<String, String> = t
        .parameters
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !AWS_WRITTEN_PARAMETERS.contains(&k.as_str()))
        .collect();
    GlueTable {
        database: t.database_name.unwrap_or_else(|| database.to_owned()),
        name: t.name,
        description: t.description.unwrap_or_default(),
        table_type: t.table_type.unwrap_or_default(),
        location: storage.location.unwrap_or_default(),
        input_format: storage.input_format.unwrap_or_default(),
        output_format: storage.output_format.unwrap_or_default(),
        serde_library: serde.serialization_library.unwrap_or_default(),
        serde_parameters: serde.parameters.unwrap_or_default().into_iter().collect(),
        columns: columns(storage.columns),
        partition_keys: columns(t.partition_keys),
        parameters,
    }
}

fn sdk_columns(list: &[GlueColumn], op: &'static str) -> Result<Vec<Column>, AwsError> {
    list.iter()
        .map(|c| {
            Column::builder()
                .name(&c.name)
                .r#type(&c.type_name)
                .build()
                .map_err(build_err(op))
        })
        .collect()
}

fn table_input(t: &GlueTable, op: &'static str) -> Result<TableInput, AwsError> {
    let storage = StorageDescriptor::builder()
        .set_columns(Some(sdk_columns(&t.columns, op)?))
        .location(&t.location)
        .input_format(&t.input_format)
        .output_format(&t.output_format)
        .serde_info(
            SerDeInfo::builder()
                .serialization_library(&t.serde_library)
                .set_parameters(Some(t.serde_parameters.clone().into_iter().collect()))
                .build(),
        )
        .build();
    TableInput::builder()
        .name(&t.name)
        .description(&t.description)
        .table_type(&t.table_type)
        .storage_descriptor(storage)
        .set_partition_keys(Some(sdk_columns(&t.partition_keys, op)?))
        .set_parameters(Some(t.parameters.clone().into_iter().collect()))
        .build()
        .map_err(build_err(op))
}

pub async fn create_table(clients: &Clients, t: &GlueTable) -> Result<(), AwsError> {
    const OP: &str = "CreateTable";
    clients
        .glue
        .create_table()
        .database_name(&t.database)
        .table_input(table_input(t, OP)?)
        .send()
        .await
        .map_err(sdk_err(OP))?;
    Ok(())
}

/// `UpdateTable` with the whole desired definition (Glue replaces it).
pub async fn update_table(clients: &Clients, t: &GlueTable) -> Result<(), AwsError> {
    const OP: &str = "UpdateTable";
    clients
        .glue
        .update_table()
        .database_name(&t.database)
        .table_input(table_input(t, OP)?)
        .send()
        .await
        .map_err(sdk_err(OP))?;
    Ok(())
}

/// Already gone is done.
pub async fn delete_table(clients: &Clients, database: &str, name: &str) -> Result<(), AwsError> {
    absent(
        clients
            .glue
            .delete_table()
            .database_name(database)
            .name(name)
            .send()
            .await
            .map_err(sdk_err("DeleteTable")),
    )?;
    Ok(())
}
