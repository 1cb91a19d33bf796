//! Stand-ins for the profile API in each region: answer `GET /health` (and anything else) with
//! 200, and can be stopped (connection refused) and started again on the same address.

use std::net::SocketAddr;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpSocket,
    task::JoinHandle,
};

pub struct ApiEndpoint {
    pub addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl ApiEndpoint {
    pub fn new(addr: SocketAddr) -> ApiEndpoint {
        let mut e = ApiEndpoint { addr, task: None };
        e.start();
        e
    }

    /// Binds (with SO_REUSEADDR, so a restart gets the same port back) and serves.
    pub fn start(&mut self) {
        assert!(self.task.is_none(), "already serving");
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket.bind(self.addr).unwrap_or_else(|e| panic!("bind {}: {e}", self.addr));
        let listener = socket.listen(64).expect("listen");
        self.task = Some(tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    let _ = conn.read(&mut buf).await;
                    let body = "{\"status\":\"ok\"}";
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = conn.write_all(resp.as_bytes()).await;
                });
            }
        }));
    }

    /// Closes the listener: health checks now see "connection refused".
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for ApiEndpoint {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port free on both 127.0.0.1 and 127.0.0.2 (the two "regions" share a port number).
pub fn free_port_on_both() -> u16 {
    for _ in 0..50 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        if std::net::TcpListener::bind(("127.0.0.2", port)).is_ok() {
            return port;
        }
    }
    panic!("no port free on both loopback addresses");
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}
