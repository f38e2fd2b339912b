//! STS adapter against the emulator.

use crate::support::Emulator;

#[tokio::test]
async fn account_id_comes_from_sts() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let account = sesinfra::aws::sts::account_id(&clients).await.unwrap();
    assert_eq!(account.len(), 12);
    assert!(account.chars().all(|c| c.is_ascii_digit()));
}

#[tokio::test]
async fn unreachable_endpoint_is_reported_not_hung() {
    // A port nothing listens on: the error must come back, classified.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut settings = Emulator::start().settings();
    settings.endpoint_url = Some(format!("http://127.0.0.1:{port}"));
    let clients = sesinfra::aws::connect(&settings).await.unwrap();
    let err = sesinfra::aws::sts::account_id(&clients).await.unwrap_err();
    assert_eq!(err.kind, sesinfra::aws::ErrorKind::Unreachable, "{err}");
}
