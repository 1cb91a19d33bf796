//! Does the secondary answer? One request shaped like the health check's (type, port, path) to
//! the secondary endpoint: failing over to an endpoint that does not answer would be an outage.

use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::Arc,
    time::Duration,
};

use rustls::{
    DigitallySignedStruct, SignatureScheme,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    pki_types::{CertificateDer, ServerName, UnixTime},
};

use crate::api::HealthCheckType;

const TIMEOUT: Duration = Duration::from_secs(4);

/// `Ok(())` when the endpoint answers 2xx/3xx (HTTP/HTTPS) or accepts the connection (TCP);
/// otherwise a sentence saying what happened.
pub async fn probe(kind: HealthCheckType, host: &str, port: u32, path: &str) -> Result<(), String> {
    let (host, path) = (host.to_string(), path.to_string());
    tokio::task::spawn_blocking(move || probe_blocking(kind, &host, port, &path))
        .await
        .map_err(|e| format!("probe task failed: {e}"))?
}

fn probe_blocking(kind: HealthCheckType, host: &str, port: u32, path: &str) -> Result<(), String> {
    let tls = match kind {
        // These kinds name no endpoint; callers probe with `HealthCheckSpec::probe_kind` instead.
        // Asked anyway, the answer is "no": a probe that cannot run is never evidence of health.
        HealthCheckType::Calculated | HealthCheckType::CloudWatchMetric => {
            let kind = crate::verify::health_check_type_str(kind);
            return Err(format!("a {kind} health check names no endpoint protocol to probe {host}:{port} with"));
        }
        HealthCheckType::TCP => {
            connect(host, port, TIMEOUT)?;
            return Ok(());
        }
        HealthCheckType::HTTP => false,
        HealthCheckType::HTTPS => true,
    };
    let (code, _) = get_blocking(host, port, path, host, tls, TIMEOUT)?;
    if (200..400).contains(&code) { Ok(()) } else { Err(format!("{host}:{port}{path} answered HTTP {code}")) }
}

fn connect(host: &str, port: u32, timeout: Duration) -> Result<TcpStream, String> {
    let port = u16::try_from(port).map_err(|_| format!("port {port} is out of range"))?;
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    let tcp = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{host}:{port}: {e}"))?;
    tcp.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    tcp.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    Ok(tcp)
}

/// `GET path` sent to `target:port`, naming `host` in the Host header and (with TLS) in SNI, the
/// way a client that resolved `host` to `target` sends it: (status code, time to the status line).
pub async fn get(
    target: &str,
    port: u32,
    path: &str,
    host: &str,
    tls: bool,
    timeout: Duration,
) -> Result<(u16, Duration), String> {
    let (target, path, host) = (target.to_string(), path.to_string(), host.to_string());
    tokio::task::spawn_blocking(move || get_blocking(&target, port, &path, &host, tls, timeout))
        .await
        .map_err(|e| format!("request task failed: {e}"))?
}

fn get_blocking(
    target: &str,
    port: u32,
    path: &str,
    host: &str,
    tls: bool,
    timeout: Duration,
) -> Result<(u16, Duration), String> {
    let started = std::time::Instant::now();
    let tcp = connect(target, port, timeout)?;
    let path = if path.is_empty() { "/" } else { path };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: regional-failover-drill\r\nConnection: close\r\n\r\n"
    );
    let head = if tls {
        let config = rustls::ClientConfig::builder()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate))
            .with_no_client_auth();
        let name = ServerName::try_from(host.to_string()).map_err(|e| format!("{host}: {e}"))?;
        let conn = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
        exchange(rustls::StreamOwned::new(conn, tcp), &request)
    } else {
        exchange(tcp, &request)
    }
    .map_err(|e| format!("{target}:{port}{path}: {e}"))?;
    let code = status_code(&head).ok_or_else(|| format!("{target}:{port}{path}: not an HTTP response"))?;
    Ok((code, started.elapsed()))
}

fn exchange(mut stream: impl Read + Write, request: &str) -> std::io::Result<String> {
    stream.write_all(request.as_bytes())?;
    let mut buf = vec![0u8; 512];
    let mut filled = 0;
    while filled < 12 {
        let n = stream.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(String::from_utf8_lossy(&buf[..filled]).into_owned())
}

/// `HTTP/1.1 200 OK` → 200.
fn status_code(head: &str) -> Option<u16> {
    let mut parts = head.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

/// Route 53's HTTPS checks do not verify certificates either; the question is only whether the
/// endpoint answers.
#[derive(Debug)]
struct AnyCertificate;

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::CryptoProvider::get_default()
            .map(|p| p.signature_verification_algorithms.supported_schemes())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
