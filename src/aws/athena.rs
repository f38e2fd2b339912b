//! Amazon Athena: runs one query and reads its result set, for `history --engine
//! athena`. `StartQueryExecution` (in the spec's workgroup and result location), then
//! `GetQueryExecution` polled on `clients.waits.athena_query` until the query ends,
//! then every page of `GetQueryResults`.

use std::time::{Duration, Instant};

use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};

use super::{AwsError, Clients};

const SERVICE: &str = "athena";

/// How often and how long a query is polled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueryPolls {
    /// Delay before the first poll; it doubles after every poll up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Give up (and cancel the query) after this long.
    pub timeout: Duration,
}

impl QueryPolls {
    /// For real AWS: small queries over partitions end in seconds; a scan of years of
    /// records can take minutes. Athena's own limit per query is 30 minutes by default.
    pub const DEFAULT: QueryPolls = QueryPolls {
        first_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(5),
        timeout: Duration::from_secs(30 * 60),
    };
}

/// Where and how a query runs.
#[derive(Debug, Clone, Copy)]
pub struct QueryRequest<'a> {
    pub sql: &'a str,
    pub database: &'a str,
    pub workgroup: &'a str,
    /// `s3://bucket/prefix/`; `None`: the workgroup's result location.
    pub output: Option<&'a str>,
}

/// A SELECT's results: column names and rows (`None` for SQL NULL), without the
/// header row Athena puts first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

fn sdk_err<E, R>(
    operation: &'static str,
) -> impl FnOnce(aws_sdk_athena::error::SdkError<E, R>) -> AwsError
where
    E: aws_sdk_athena::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| AwsError::from_sdk(SERVICE, operation, e)
}

/// Runs `request` (a SELECT) to its end and reads every row.
pub async fn run_query(
    clients: &Clients,
    request: QueryRequest<'_>,
) -> Result<ResultSet, AwsError> {
    let mut start = clients
        .athena
        .start_query_execution()
        .query_string(request.sql)
        .query_execution_context(
            QueryExecutionContext::builder()
                .database(request.database)
                .build(),
        )
        .work_group(request.workgroup);
    if let Some(output) = request.output {
        start = start.result_configuration(
            ResultConfiguration::builder()
                .output_location(output)
                .build(),
        );
    }
    let id = start
        .send()
        .await
        .map_err(sdk_err("StartQueryExecution"))?
        .query_execution_id
        .ok_or_else(|| {
            AwsError::local(
                SERVICE,
                "StartQueryExecution",
                "the answer has no QueryExecutionId",
            )
        })?;
    wait(clients, &id).await?;
    results(clients, &id).await
}

async fn wait(clients: &Clients, id: &str) -> Result<(), AwsError> {
    const OP: &str = "GetQueryExecution";
    let polls = clients.waits.athena_query;
    let started = Instant::now();
    let mut delay = polls.first_delay;
    loop {
        let out = clients
            .athena
            .get_query_execution()
            .query_execution_id(id)
            .send()
            .await
            .map_err(sdk_err(OP))?;
        let execution = out
            .query_execution
            .unwrap_or_else(|| aws_sdk_athena::types::QueryExecution::builder().build());
        let status = execution.status;
        let state = status.as_ref().and_then(|s| s.state.clone());
        match state {
            Some(QueryExecutionState::Succeeded) => return Ok(()),
            Some(QueryExecutionState::Failed | QueryExecutionState::Cancelled) => {
                let reason = status
                    .as_ref()
                    .and_then(|s| {
                        s.athena_error
                            .as_ref()
                            .and_then(|e| e.error_message.clone())
                            .or_else(|| s.state_change_reason.clone())
                    })
                    .unwrap_or_else(|| "no reason given".to_owned());
                let state = state.map(|s| s.as_str().to_owned()).unwrap_or_default();
                return Err(AwsError::local(
                    SERVICE,
                    OP,
                    format!("query {id} {state}: {reason}"),
                ));
            }
            _ => {}
        }
        if started.elapsed() >= polls.timeout {
            // Stop paying for a query nobody waits for; its own error is not ours.
            let _ = clients
                .athena
                .stop_query_execution()
                .query_execution_id(id)
                .send()
                .await;
            return Err(AwsError::local(
                SERVICE,
                OP,
                format!(
                    "query {id} did not finish within {} s; it was cancelled",
                    polls.timeout.as_secs()
                ),
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(polls.max_delay);
    }
}

async fn results(clients: &Clients, id: &str) -> Result<ResultSet, AwsError> {
    const OP: &str = "GetQueryResults";
    let mut set = ResultSet::default();
    let mut token: Option<String> = None;
    let mut first_page = true;
    loop {
        let out = clients
            .athena
            .get_query_results()
            .query_execution_id(id)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(sdk_err(OP))?;
        let result = out
            .result_set
            .unwrap_or_else(|| aws_sdk_athena::types::ResultSet::builder().build());
        if first_page {
            set.columns = result
                .result_set_metadata
                .and_then(|m| m.column_info)
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.label.unwrap_or(c.name))
                .collect();
        }
        for (n, row) in result.rows.unwrap_or_default().into_iter().enumerate() {
            let cells: Vec<Option<String>> = row
                .data
                .unwrap_or_default()
                .into_iter()
                .map(|d| d.var_char_value)
                .collect();
            // A SELECT's first row is its header (every query here is a SELECT).
            let is_header = first_page && n == 0;
            if !is_header {
                set.rows.push(cells);
            }
        }
        first_page = false;
        match out.next_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(set),
        }
    }
}
