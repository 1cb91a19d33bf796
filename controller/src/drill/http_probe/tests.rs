use super::*;

#[test]
fn status_line_parses() {
    assert_eq!(status_code("HTTP/1.1 204 No Content\r\n"), Some(204));
    assert_eq!(status_code("SSH-2.0-OpenSSH"), None);
}

#[tokio::test]
async fn refused_connection_is_not_answering() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = u32::from(listener.local_addr().expect("addr").port());
    drop(listener);
    assert!(probe(HealthCheckType::HTTP, "127.0.0.1", port, "/health").await.is_err());
}

#[tokio::test]
async fn http_500_is_not_answering_and_200_is() {
    for (code, ok) in [(500, false), (200, true), (302, true)] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = u32::from(listener.local_addr().expect("addr").port());
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(format!("HTTP/1.1 {code} X\r\ncontent-length: 0\r\n\r\n").as_bytes());
        });
        assert_eq!(probe(HealthCheckType::HTTP, "127.0.0.1", port, "/health").await.is_ok(), ok, "{code}");
        server.join().expect("server");
    }
}

#[tokio::test]
async fn a_kind_without_an_endpoint_is_named_as_route_53_names_it() {
    let err = probe(HealthCheckType::Calculated, "127.0.0.1", 443, "/health").await.expect_err("no endpoint to probe");
    assert!(err.starts_with("a CALCULATED health check names no endpoint"), "{err}");
}
