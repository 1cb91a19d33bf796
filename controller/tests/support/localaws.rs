//! The project's local AWS endpoint (`tests/localaws/serve`: moto + fidelity layer + DNS) and
//! its control API (`/_localaws/...`, see tests/localaws/README.md).

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    sync::Arc,
    time::Duration,
};

use regional_failover::aws::{Aws, AwsOptions, Budget};
use serde_json::Value;

use super::Peer;

pub struct LocalAws {
    pub peer: Peer,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    /// Authoritative DNS (UDP and TCP).
    pub dns: SocketAddr,
}

impl LocalAws {
    /// Starts local AWS on free ports; `args` are extra flags such as `--time-scale 0.1`.
    pub fn start(args: &[&str]) -> LocalAws {
        let mut all = vec!["--host", "127.0.0.1", "--port", "0", "--dns-port", "0"];
        all.extend_from_slice(args);
        // A cold start creates the pinned Python environment first.
        let peer = Peer::start("tests/localaws/serve", &all, Duration::from_secs(600));
        let endpoint = peer.get("endpoint").to_string();
        let dns = peer.get("dns").parse().expect("dns=HOST:PORT");
        LocalAws { peer, endpoint, dns }
    }

    /// Adapter options pointing at this endpoint with fake credentials.
    pub fn options(&self) -> AwsOptions {
        AwsOptions {
            endpoint_url: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            static_credentials: Some(("testing".into(), "testing".into())),
            table_max_age: std::time::Duration::from_secs(10),
            ..AwsOptions::default()
        }
    }

    pub async fn aws(&self, budget: Arc<Budget>) -> Aws {
        regional_failover::aws::install_crypto_provider();
        Aws::new(self.options(), budget).await
    }

    /// An SDK configuration for creating fixtures with the SDK itself.
    pub async fn sdk_config(&self, region: &str) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new(region.to_string()))
            .credentials_provider(aws_sdk_route53::config::Credentials::new("testing", "testing", None, None, "test"))
            .load()
            .await
    }

    pub async fn route53(&self) -> aws_sdk_route53::Client {
        aws_sdk_route53::Client::new(&self.sdk_config("us-east-1").await)
    }

    pub async fn dynamodb(&self, region: &str) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config(region).await)
    }

    /// Calls the control API; panics unless it answers 2xx. `body` = `None` sends no body.
    pub fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, value) = self.control_status(method, path, body);
        assert!((200..300).contains(&status), "{method} /_localaws{path} answered {status}: {value}");
        value
    }

    pub fn control_status(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let addr = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).expect("control API reachable");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout set");
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        // HTTP/1.0: the server closes the connection after the answer, so reading to the end works.
        let request = format!(
            "{method} /_localaws{path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("request sent");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("response read");
        let (head, payload) = raw.split_once("\r\n\r\n").expect("HTTP response");
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status code");
        (status, serde_json::from_str(payload).unwrap_or(Value::Null))
    }
}

/// Polls `check` until it returns `Some`, failing after `timeout` (no sleeping as synchronization:
/// each round does real work and the deadline bounds it).
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
