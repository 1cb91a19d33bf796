use super::*;

#[test]
fn entries_parse_with_default_port() {
    assert_eq!(parse_server("ns-1.awsdns-01.org").ok(), Some(("ns-1.awsdns-01.org".into(), 53)));
    assert_eq!(parse_server("ns-1.awsdns-01.org.").ok(), Some(("ns-1.awsdns-01.org".into(), 53)));
    assert_eq!(parse_server("127.0.0.1:5353").ok(), Some(("127.0.0.1".into(), 5353)));
    assert_eq!(parse_server("10.0.0.2").ok(), Some(("10.0.0.2".into(), 53)));
    assert_eq!(parse_server("::1").ok(), Some(("::1".into(), 53)));
    assert_eq!(parse_server("[::1]:5300").ok(), Some(("::1".into(), 5300)));
    assert_eq!(parse_server("localhost:53").ok(), Some(("localhost".into(), 53)));
}

#[test]
fn malformed_entries_are_rejected() {
    for bad in ["", "host:port", "host:70000", "host:0", "[::1", "[nothost]:53", "a b", "http://x"] {
        assert!(parse_server(bad).is_err(), "{bad:?} should be rejected");
    }
}

#[tokio::test]
async fn literal_addresses_resolve_without_lookup_and_keep_order() {
    let entries = vec!["127.0.0.2:5300".to_string(), "127.0.0.1".to_string()];
    let addrs = resolve_servers(&entries).await.expect("literals");
    assert_eq!(addrs, vec!["127.0.0.2:5300".parse().expect("addr"), "127.0.0.1:53".parse().expect("addr")]);
    assert_eq!(resolve_servers(&[]).await, Err(DnsError::NoServers));
}
