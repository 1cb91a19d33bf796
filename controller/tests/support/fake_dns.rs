//! A tiny authoritative DNS server on 127.0.0.1 that answers every A query with one fixed address:
//! a name server that disagrees with Route 53's checkers, for tests of contradictory evidence.

use std::net::{Ipv4Addr, SocketAddr};

use hickory_proto::{
    op::{Message, OpCode},
    rr::{RData, Record, rdata::A},
};
use tokio::{net::UdpSocket, task::JoinHandle};

pub struct FakeDns {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl FakeDns {
    /// Answers `value` (an IPv4 address) for every question, authoritatively, TTL 0.
    pub async fn start(value: &str) -> FakeDns {
        let ip: Ipv4Addr = value.parse().expect("an IPv4 address");
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        let addr = socket.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
                let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
                let mut reply = Message::response(query.metadata.id, OpCode::Query);
                reply.metadata.authoritative = true;
                for q in &query.queries {
                    reply.add_query(q.clone());
                    reply.add_answer(Record::from_rdata(q.name().clone(), 0, RData::A(A(ip))));
                }
                if let Ok(bytes) = reply.to_vec() {
                    let _ = socket.send_to(&bytes, peer).await;
                }
            }
        });
        FakeDns { addr, task }
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        self.task.abort();
    }
}
