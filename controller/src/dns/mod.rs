//! Authoritative DNS prober: asks the zone's own name servers (no resolver, no cache, recursion
//! off) which target the failover record answers with right now. Polling it costs no AWS API
//! budget, so drills can watch failover several times a second (docs/architecture.md, "Drills").

mod message;
mod servers;

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpStream, UdpSocket},
    time::{Instant, timeout_at},
};

pub use crate::api::RecordType;
pub use servers::{parse_server, resolve_each, resolve_servers};

use message::{Decoded, Reply, decode_reply, encode_query, parse_name, rcode_name};

/// How long one server gets per transport before the next is asked.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// One authoritative answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsAnswer {
    /// The server that answered.
    pub server: SocketAddr,
    /// `NOERROR`, `NXDOMAIN`, ...
    pub response_code: String,
    /// The AA flag: the server answered from its own zone data.
    pub authoritative: bool,
    /// Records of the asked type: addresses, or CNAME targets without trailing dot, lower case.
    pub values: Vec<String>,
    /// Lowest TTL among `values`.
    pub ttl: Option<u32>,
    /// CNAME targets met on the way to an A/AAAA answer.
    pub cnames: Vec<String>,
    /// The UDP answer was truncated and this one came over TCP.
    pub over_tcp: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("no authoritative name servers to ask")]
    NoServers,
    #[error("invalid DNS name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("invalid name server {entry:?}: expected host or host:port")]
    InvalidServer { entry: String },
    #[error("cannot resolve name server(s): {}", .0.join("; "))]
    Resolve(Vec<String>),
    #[error("no authoritative server answered {name} {kind}: {}", failures.join("; "))]
    NoAnswer { name: String, kind: String, failures: Vec<String> },
}

/// Asks `servers` in order for `name`/`kind` with [`DEFAULT_TIMEOUT`]; the first NOERROR or
/// NXDOMAIN answer wins. SERVFAIL, REFUSED, timeouts and errors move on to the next server, and
/// after the last one the list is tried once more.
pub async fn query(servers: &[SocketAddr], name: &str, kind: RecordType) -> Result<DnsAnswer, DnsError> {
    query_with_timeout(servers, name, kind, DEFAULT_TIMEOUT).await
}

pub async fn query_with_timeout(
    servers: &[SocketAddr],
    name: &str,
    kind: RecordType,
    timeout: Duration,
) -> Result<DnsAnswer, DnsError> {
    if servers.is_empty() {
        return Err(DnsError::NoServers);
    }
    let qname = parse_name(name).map_err(|reason| DnsError::InvalidName { name: name.to_string(), reason })?;
    let mut failures = Vec::new();
    // A lost datagram is normal for UDP: like a stub resolver, go round the servers twice.
    for &server in servers.iter().chain(servers) {
        match ask(server, &qname, kind, timeout).await {
            Ok((d, over_tcp)) if is_final(&d) => {
                return Ok(DnsAnswer {
                    server,
                    response_code: rcode_name(d.response_code),
                    authoritative: d.authoritative,
                    values: d.values,
                    ttl: d.ttl,
                    cnames: d.cnames,
                    over_tcp,
                });
            }
            Ok((d, _)) => failures.push(format!("{server} answered {}", rcode_name(d.response_code))),
            Err(e) => failures.push(format!("{server}: {e}")),
        }
    }
    Err(DnsError::NoAnswer { name: name.to_string(), kind: format!("{kind:?}"), failures })
}

fn is_final(d: &Decoded) -> bool {
    use hickory_proto::op::ResponseCode::{NXDomain, NoError};
    matches!(d.response_code, NoError | NXDomain)
}

/// One server: UDP, then TCP when the UDP answer is truncated.
async fn ask(
    server: SocketAddr,
    name: &hickory_proto::rr::Name,
    kind: RecordType,
    timeout: Duration,
) -> Result<(Decoded, bool), String> {
    let id = fastrand::u16(..);
    let query = encode_query(id, name, kind)?;
    match ask_udp(server, &query, id, name, kind, timeout).await? {
        Reply::Answer(d) => Ok((d, false)),
        Reply::Truncated => match ask_tcp(server, &query, id, name, kind, timeout).await? {
            Reply::Answer(d) => Ok((d, true)),
            Reply::Truncated => Err("truncated answer over TCP".into()),
        },
    }
}

/// Room for any UDP answer to a query without EDNS (512 bytes), and then some.
const UDP_BUFFER: usize = 4096;

async fn ask_udp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    name: &hickory_proto::rr::Name,
    kind: RecordType,
    timeout: Duration,
) -> Result<Reply, String> {
    let deadline = Instant::now() + timeout;
    let local: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let socket = UdpSocket::bind(local).await.map_err(|e| format!("UDP socket: {e}"))?;
    // connect() makes the kernel drop datagrams from any other address.
    socket.connect(server).await.map_err(|e| format!("UDP connect: {e}"))?;
    socket.send(query).await.map_err(|e| format!("UDP send: {e}"))?;
    // The query has no EDNS, so a server answers in at most 512 bytes over UDP; a datagram that
    // fills this buffer was cut off and is asked again over TCP. (64 KiB per query, with the DNS
    // sensor's 64 looks in flight, was 4 MiB of heap at 1,000 objects.)
    let mut buf = vec![0u8; UDP_BUFFER];
    loop {
        let n = match timeout_at(deadline, socket.recv(&mut buf)).await {
            Err(_) => return Err(format!("no UDP answer within {timeout:?}")),
            Ok(Err(e)) => return Err(format!("UDP receive: {e}")),
            Ok(Ok(n)) => n,
        };
        if n == buf.len() {
            return Ok(Reply::Truncated);
        }
        // Undecodable or foreign datagrams are ignored: the real answer may still come.
        if let Ok(Some(reply)) = decode_reply(&buf[..n], id, name, kind) {
            return Ok(reply);
        }
    }
}

async fn ask_tcp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    name: &hickory_proto::rr::Name,
    kind: RecordType,
    timeout: Duration,
) -> Result<Reply, String> {
    let deadline = Instant::now() + timeout;
    let exchange = async {
        let mut stream = TcpStream::connect(server).await.map_err(|e| format!("TCP connect: {e}"))?;
        let len = u16::try_from(query.len()).map_err(|_| "query too long".to_string())?;
        let mut framed = Vec::with_capacity(query.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(query);
        stream.write_all(&framed).await.map_err(|e| format!("TCP send: {e}"))?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).await.map_err(|e| format!("TCP receive: {e}"))?;
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut body).await.map_err(|e| format!("TCP receive: {e}"))?;
        decode_reply(&body, id, name, kind)?.ok_or_else(|| "TCP answer does not match the question".to_string())
    };
    timeout_at(deadline, exchange).await.map_err(|_| format!("no TCP answer within {timeout:?}"))?
}
