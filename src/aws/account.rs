//! SES v2 `GetAccount`: the health of the region's SES account (read-only).

use super::{AwsError, Clients};
use crate::health::{AccountHealth, SendQuota};

/// The account's enforcement status, production access, sending switch and quota.
pub async fn health(clients: &Clients) -> Result<AccountHealth, AwsError> {
    const OP: &str = "GetAccount";
    let out = clients
        .sesv2
        .get_account()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("sesv2", OP, e))?;
    Ok(AccountHealth {
        enforcement_status: out.enforcement_status.filter(|s| !s.is_empty()),
        production_access: out.production_access_enabled,
        sending_enabled: out.sending_enabled,
        quota: out.send_quota.map(|q| SendQuota {
            max_24_hour_send: q.max24_hour_send,
            max_send_rate: q.max_send_rate,
            sent_last_24_hours: q.sent_last24_hours,
        }),
    })
}
