//! The authoritative DNS prober against local AWS's DNS server (which follows Route 53 failover)
//! and against small in-process servers for truncation and stray datagrams.

mod support;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use aws_sdk_route53::types::RrType;
use hickory_proto::{
    op::{Message, OpCode},
    rr::{Name, RData, Record, rdata::CNAME},
};
use regional_failover::dns::{self, DnsError, RecordType};
use serde_json::json;
use support::{
    aws_fixtures::{self as fx, PRIMARY, SECONDARY},
    localaws::{LocalAws, eventually},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, UdpSocket},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_follow_failover_on_the_authoritative_server() {
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let r53 = local.route53().await;
    let hc = fx::health_check(&r53, PRIMARY, 9).await;
    let zone = fx::zone(&r53, "example.com").await;
    let mut changes = fx::failover_changes("api.example.com", RrType::Cname, (PRIMARY, SECONDARY), Some(&hc));
    changes.extend(fx::failover_changes("a.example.com", RrType::A, ("192.0.2.1", "192.0.2.2"), None));
    changes.push(fx::simple_change("v6.example.com", RrType::Aaaa, "2001:db8::1"));
    fx::change(&r53, &zone, changes).await;
    let servers = [local.dns];

    // Healthy primary first, whatever the checkers have seen so far.
    local.control(
        "POST",
        "/checkers/force",
        Some(&json!({"healthCheckId": hc, "result": "healthy", "immediate": true})),
    );
    let answer = eventually("the primary answer", Duration::from_secs(10), || async {
        let a = dns::query(&servers, "api.example.com", RecordType::CNAME).await.expect("answer");
        (a.values == [PRIMARY]).then_some(a)
    })
    .await;
    assert_eq!((answer.server, answer.ttl, answer.authoritative), (local.dns, Some(60), true));
    assert_eq!((answer.response_code.as_str(), answer.over_tcp), ("NOERROR", false));

    // The checkers turn against the primary: DNS answers with the secondary.
    local.control(
        "POST",
        "/checkers/force",
        Some(&json!({"healthCheckId": hc, "result": "unhealthy", "immediate": true})),
    );
    eventually("the secondary answer", Duration::from_secs(10), || async {
        let a = dns::query(&servers, "API.Example.com.", RecordType::CNAME).await.expect("answer");
        (a.values == [SECONDARY]).then_some(())
    })
    .await;

    let a = dns::query(&servers, "a.example.com", RecordType::A).await.expect("A answer");
    assert_eq!((a.values, a.ttl), (vec!["192.0.2.1".to_string()], Some(60)));
    let v6 = dns::query(&servers, "v6.example.com", RecordType::AAAA).await.expect("AAAA answer");
    assert_eq!(v6.values, vec!["2001:db8::1"]);
    let missing = dns::query(&servers, "missing.example.com", RecordType::A).await.expect("NXDOMAIN is an answer");
    assert_eq!((missing.response_code.as_str(), missing.values.len()), ("NXDOMAIN", 0));

    // Outside every zone the server refuses: no authoritative answer, and the error says why.
    let err = dns::query(&servers, "www.example.org", RecordType::A).await.expect_err("refused");
    assert!(matches!(&err, DnsError::NoAnswer { failures, .. } if failures[0].contains("REFUSED")), "{err}");

    // Servers are tried in order: a silent one first costs one timeout, then the next answers.
    let silent = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let silent_addr = silent.local_addr().expect("addr");
    let started = tokio::time::Instant::now();
    let a =
        dns::query_with_timeout(&[silent_addr, local.dns], "a.example.com", RecordType::A, Duration::from_millis(300))
            .await
            .expect("second server answers");
    assert_eq!(a.server, local.dns);
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Names in `spec.dns.nameservers` go through the system resolver (here: /etc/hosts).
    let resolved =
        dns::resolve_servers(&[format!("localhost:{}", local.dns.port())]).await.expect("localhost resolves");
    assert!(resolved.contains(&SocketAddr::from(([127, 0, 0, 1], local.dns.port()))), "{resolved:?}");
}

fn answer(query: &[u8], truncated: bool, target: &str) -> Vec<u8> {
    let q = Message::from_vec(query).expect("query decodes");
    let mut r = Message::response(q.metadata.id, OpCode::Query);
    r.metadata.authoritative = true;
    r.metadata.truncation = truncated;
    r.add_queries(q.queries.clone());
    if !truncated {
        let name = q.queries[0].name().clone();
        r.add_answer(Record::from_rdata(name, 30, RData::CNAME(CNAME(Name::from_ascii(target).expect("name")))));
    }
    r.to_vec().expect("encodes")
}

/// UDP and TCP sockets on one free port (a port free for UDP may be taken for TCP: try again).
async fn same_port_pair() -> (UdpSocket, TcpListener, SocketAddr) {
    for _ in 0..50 {
        let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind tcp");
        let addr = tcp.local_addr().expect("addr");
        if let Ok(udp) = UdpSocket::bind(addr).await {
            return (udp, tcp, addr);
        }
    }
    panic!("no port free for both UDP and TCP");
}

/// A server that first sends a stray datagram (wrong id), then a truncated UDP answer, and
/// answers in full over TCP on the same port.
async fn truncating_server(target: &'static str) -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    let (udp, tcp, addr) = same_port_pair().await;
    let tcp_queries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
            let mut stray = answer(&buf[..n], false, target);
            stray[0] ^= 0xff; // another id
            let _ = udp.send_to(&stray, peer).await;
            let _ = udp.send_to(&answer(&buf[..n], true, target), peer).await;
        }
    });
    let counter = tcp_queries.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = tcp.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let mut len = [0u8; 2];
                if sock.read_exact(&mut len).await.is_err() {
                    return;
                }
                let mut q = vec![0u8; usize::from(u16::from_be_bytes(len))];
                if sock.read_exact(&mut q).await.is_err() {
                    return;
                }
                let r = answer(&q, false, target);
                let mut framed = (r.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&r);
                let _ = sock.write_all(&framed).await;
            });
        }
    });
    (addr, tcp_queries)
}

#[tokio::test]
async fn truncated_udp_answers_are_asked_again_over_tcp_and_stray_datagrams_ignored() {
    let (addr, tcp_queries) = truncating_server("Big.Example.net.").await;
    let a = dns::query(&[addr], "api.example.com", RecordType::CNAME).await.expect("answer over TCP");
    assert!(a.over_tcp);
    assert_eq!((a.values, a.ttl), (vec!["big.example.net".to_string()], Some(30)));
    assert_eq!(tcp_queries.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn no_servers_or_bad_names_are_errors_not_panics() {
    assert_eq!(dns::query(&[], "api.example.com", RecordType::A).await, Err(DnsError::NoServers));
    let addr: SocketAddr = "127.0.0.1:53".parse().expect("addr");
    let err = dns::query(&[addr], "bad..name", RecordType::A).await.expect_err("invalid");
    assert!(matches!(err, DnsError::InvalidName { .. }), "{err}");
}
