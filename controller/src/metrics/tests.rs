use super::{http::CHUNK, *};
use std::time::Duration;

use crate::api::ConditionStatus;

#[test]
fn aws_counts_are_exported_as_counters() {
    let stats: AwsStatsFn = Arc::new(|| {
        vec![AwsCallCount {
            service: "route53".into(),
            operation: "GetHealthCheck".into(),
            outcome: "ok".into(),
            count: 7,
        }]
    });
    let m = Metrics::new(Some(stats));
    m.reconcile_timer().finish("ok");
    let text = m.render().expect("encodes");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.contains(
            &r#"regionalfailover_aws_requests_total{service="route53",operation="GetHealthCheck",outcome="ok"} 7"#
        ),
        "{text}"
    );
    assert!(lines.contains(&r#"regionalfailover_reconciliations_total{result="ok"} 1"#), "{text}");
}

#[test]
fn liveness_needs_recent_api_contact() {
    let p = Probes::default();
    assert!(!p.alive(Duration::from_secs(60)));
    p.api_contact();
    assert!(p.alive(Duration::from_secs(60)));
    assert!(!p.ready());
}

#[test]
fn replica_series_follow_the_status_and_are_forgotten() {
    use crate::api::{LatencyWindow, ReplicaState, ReplicationStatus};
    let m = Metrics::new(None);
    let obj = ObjectLabels::new("ns", "rf");
    let window = |max| Some(LatencyWindow { maximum: Some(max), window_seconds: 300, ..LatencyWindow::default() });
    let mut status = RegionalFailoverStatus {
        replication: Some(ReplicationStatus {
            replicas: vec![ReplicaState {
                region: "us-west-2".into(),
                status: "REPLICATION_NOT_AUTHORIZED".into(),
                latency_ms: window(8034.4),
                latency_to_primary_ms: window(120.0),
                conversion_at: Some(chrono::Utc::now() + chrono::Duration::hours(20)),
                conversion_seconds_left: Some(72_000),
                ..ReplicaState::default()
            }],
            ..ReplicationStatus::default()
        }),
        ..RegionalFailoverStatus::default()
    };
    m.record_status(&obj, "us-east-1", &status);
    let text = m.render().expect("encodes");
    let deadline = text
        .lines()
        .find(|l| {
            l.starts_with(
                r#"regionalfailover_replica_conversion_deadline_seconds{namespace="ns",name="rf",region="us-west-2"}"#,
            )
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<i64>().ok())
        .expect("the countdown is exported");
    assert!((71_990..=72_000).contains(&deadline), "{deadline}");
    assert!(
        text.contains(r#"regionalfailover_replication_latency_milliseconds{namespace="ns",name="rf",replica="us-west-2",direction="from_primary"} 8034"#),
        "{text}"
    );
    assert!(text.contains(r#"direction="to_primary"} 120"#), "{text}");

    // Fixed: the countdown series goes away, the latency stays.
    if let Some(r) = status.replication.as_mut() {
        r.replicas[0].status = "ACTIVE".into();
        r.replicas[0].conversion_at = None;
        r.replicas[0].conversion_seconds_left = None;
    }
    m.record_status(&obj, "us-east-1", &status);
    let text = m.render().expect("encodes");
    assert!(!text.contains(r#"regionalfailover_replica_conversion_deadline_seconds{"#), "{text}");
    assert!(text.contains(r#"regionalfailover_replication_latency_milliseconds{"#), "{text}");
    m.forget(&obj);
    let text = m.render().expect("encodes");
    assert!(!text.contains(r#"regionalfailover_replication_latency_milliseconds{"#), "{text}");
}

#[test]
fn condition_series_follow_the_status_and_are_forgotten() {
    use crate::api::Condition;
    let m = Metrics::new(None);
    let obj = ObjectLabels::new("ns", "rf");
    let condition = |type_: &str, status, reason: &str| Condition {
        type_: type_.into(),
        status,
        observed_generation: None,
        last_transition_time: chrono::Utc::now(),
        reason: reason.into(),
        message: String::new(),
    };
    let series = |m: &Metrics| -> Vec<String> {
        let text = m.render().expect("encodes");
        text.lines().filter(|l| l.starts_with("regionalfailover_status_condition{")).map(str::to_string).collect()
    };
    let mut status = RegionalFailoverStatus {
        conditions: vec![
            condition("Ready", ConditionStatus::True, "FailoverReady"),
            // A name this version does not know is exported as written.
            condition("Ready2", ConditionStatus::Unknown, "SomethingNew"),
        ],
        ..RegionalFailoverStatus::default()
    };
    m.record_status(&obj, "us-east-1", &status);
    let found = series(&m);
    for expected in [
        r#"regionalfailover_status_condition{namespace="ns",name="rf",condition="Ready",status="True",reason="FailoverReady"} 1"#,
        r#"regionalfailover_status_condition{namespace="ns",name="rf",condition="Ready2",status="Unknown",reason="SomethingNew"} 1"#,
    ] {
        assert!(found.iter().any(|l| l == expected), "{expected} in {found:#?}");
    }
    assert_eq!(found.len(), 2, "{found:#?}");

    // The reason changes: the old series goes, the new one comes.
    status.conditions = vec![condition("Ready", ConditionStatus::False, "DriftDetected")];
    m.record_status(&obj, "us-east-1", &status);
    assert_eq!(
        series(&m),
        [
            r#"regionalfailover_status_condition{namespace="ns",name="rf",condition="Ready",status="False",reason="DriftDetected"} 1"#
        ]
    );
    m.forget(&obj);
    assert!(series(&m).is_empty(), "{:#?}", series(&m));
}

/// A fleet object's status: three True conditions with `reason`.
fn fleet_status(reason: &str) -> RegionalFailoverStatus {
    RegionalFailoverStatus {
        conditions: ["Ready", "InSync", "PrimaryHealthy"]
            .map(|t| crate::api::Condition {
                type_: t.into(),
                status: ConditionStatus::True,
                observed_generation: None,
                last_transition_time: chrono::Utc::now(),
                reason: reason.into(),
                message: String::new(),
            })
            .into(),
        ..RegionalFailoverStatus::default()
    }
}

/// `/metrics` over HTTP: the same text as one encoding, sent in chunks of at most `CHUNK` bytes
/// (HTTP/1.1 chunked transfer), so a scrape never holds a fleet's whole text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_in_chunks_with_the_whole_text() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let m = Metrics::new(None);
    let status = fleet_status("FailoverReady");
    for i in 0..1000 {
        m.record_status(&ObjectLabels::new("fleet", &format!("svc{i}")), "us-east-1", &status);
    }
    let whole = m.render().expect("encodes");
    assert!(whole.len() > 4 * CHUNK, "a fleet's text spans several chunks: {} bytes", whole.len());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let app = router(m.clone(), Arc::new(Probes::default()), Duration::from_secs(60));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    s.write_all(b"GET /metrics HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n").await.expect("request");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("response");
    let raw = String::from_utf8(raw).expect("utf-8");
    let (head, mut rest) = raw.split_once("\r\n\r\n").expect("headers end");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_lowercase().contains("content-type: text/plain; version=0.0.4"), "{head}");
    assert!(head.to_lowercase().contains("transfer-encoding: chunked"), "{head}");
    // Decode the chunked body: size line, data, CRLF; a zero size ends it.
    let (mut body, mut sizes) = (String::new(), Vec::new());
    loop {
        let (size, after) = rest.split_once("\r\n").expect("chunk size line");
        let size = usize::from_str_radix(size.trim(), 16).expect("hex size");
        if size == 0 {
            break;
        }
        body.push_str(&after[..size]);
        sizes.push(size);
        rest = after[size..].strip_prefix("\r\n").expect("chunk ends with CRLF");
    }
    assert_eq!(body, whole, "served text equals one encoding");
    assert!(sizes.len() > 1 && sizes.iter().all(|&n| n <= CHUNK), "chunk sizes {sizes:?}");
}

/// A scrape never holds up the reconciles. The footprint bench at 1,000 objects froze the operator:
/// the encoder waited for the response to take a chunk while it held a family's lock, a reconcile
/// adding or removing a series waited for that lock on a worker thread, and with every worker
/// waiting nothing sent the response. Here the only worker updates series (a reason changes, so
/// series are removed and created) while scrapers read after a pause; both must finish.
#[test]
fn a_scrape_never_holds_up_the_reconciles() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let m = Metrics::new(None);
    let objects: Vec<ObjectLabels> = (0..1000).map(|i| ObjectLabels::new("fleet", &format!("svc{i}"))).collect();
    for obj in &objects {
        m.record_status(obj, "us-east-1", &fleet_status("FailoverReady"));
    }
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let port = listener.local_addr().expect("address").port();
    let app = router(m.clone(), Arc::new(Probes::default()), Duration::from_secs(60));
    runtime.spawn(async move { axum::serve(listener, app).await });

    let (done, updates) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let (finished, finished_rx) = std::sync::mpsc::channel();
    let (updater, stop, count) = (m.clone(), done.clone(), updates.clone());
    runtime.spawn(async move {
        let mut round = 0;
        while !stop.load(Ordering::Relaxed) {
            let s = fleet_status(if round % 2 == 0 { "DriftDetected" } else { "FailoverReady" });
            for obj in &objects {
                updater.record_status(obj, "us-east-1", &s);
                count.fetch_add(1, Ordering::Relaxed);
                tokio::task::yield_now().await;
            }
            round += 1;
        }
        let _ = finished.send(());
    });
    let scraper = std::thread::spawn(move || -> std::io::Result<Vec<usize>> {
        let mut sizes = Vec::new();
        for _ in 0..3 {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
            s.set_read_timeout(Some(Duration::from_secs(20)))?;
            s.write_all(b"GET /metrics HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")?;
            // A slow scraper: the response waits in the socket while the encoder goes on.
            std::thread::sleep(Duration::from_millis(300));
            let mut raw = Vec::new();
            s.read_to_end(&mut raw)?;
            sizes.push(raw.len());
        }
        Ok(sizes)
    });
    let scraped = scraper.join().expect("scraper thread");
    done.store(true, Ordering::Relaxed);
    let updated = finished_rx.recv_timeout(Duration::from_secs(20));
    runtime.shutdown_background();
    let sizes = scraped.expect("every scrape completed (a read timed out: the operator froze)");
    assert!(sizes.iter().all(|&n| n > 4 * CHUNK), "whole texts: {sizes:?}");
    assert!(updated.is_ok(), "the reconciles' metric updates finished ({} made)", updates.load(Ordering::Relaxed));
}
