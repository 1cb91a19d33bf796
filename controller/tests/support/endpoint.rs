//! Stand-ins for the profile API in each region: answer `GET /health` (and anything else) with
//! 200 unless told otherwise for a path, remember each request's path and Host header, and can be
//! stopped (connection refused) and started again on the same address.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpSocket},
    task::JoinHandle,
};

/// One request as the endpoint saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub path: String,
    pub host: Option<String>,
}

pub struct ApiEndpoint {
    pub addr: SocketAddr,
    task: Option<JoinHandle<()>>,
    statuses: Arc<Mutex<HashMap<String, u16>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl ApiEndpoint {
    pub fn new(addr: SocketAddr) -> ApiEndpoint {
        let mut e = ApiEndpoint { addr, task: None, statuses: Arc::default(), seen: Arc::default() };
        e.start();
        e
    }

    /// Binds (with SO_REUSEADDR, so a restart gets the same port back) and serves. A listener just
    /// stopped closes when the runtime drops its aborted task, a moment later: the bind is retried
    /// for 5 s, waiting in `block_in_place` so this worker's queue (where the abort may wait) runs.
    pub fn start(&mut self) {
        assert!(self.task.is_none(), "already serving");
        let mut tries = 0;
        let listener = loop {
            let socket = TcpSocket::new_v4().expect("socket");
            socket.set_reuseaddr(true).expect("reuseaddr");
            match socket.bind(self.addr).and_then(|()| socket.listen(64)) {
                Ok(listener) => break listener,
                Err(e) if tries < 100 && e.kind() == std::io::ErrorKind::AddrInUse => {
                    tries += 1;
                    let pause = || std::thread::sleep(std::time::Duration::from_millis(50));
                    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
                        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(pause),
                        _ => pause(),
                    }
                }
                Err(e) => panic!("bind {}: {e}", self.addr),
            }
        };
        let (statuses, seen) = (self.statuses.clone(), self.seen.clone());
        self.task = Some(tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let (statuses, seen) = (statuses.clone(), seen.clone());
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    let n = conn.read(&mut buf).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&buf[..n]).to_string();
                    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let host = request.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("host").then(|| v.trim().to_string())
                    });
                    let code = statuses.lock().expect("statuses").get(&path).copied().unwrap_or(200);
                    seen.lock().expect("seen").push(Seen { path, host });
                    let body = if code == 200 { "{\"status\":\"ok\"}" } else { "{\"status\":\"unavailable\"}" };
                    let resp = format!(
                        "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = conn.write_all(resp.as_bytes()).await;
                });
            }
        }));
    }

    /// Answers `path` with `code` from now on (other paths keep answering 200).
    pub fn answer(&self, path: &str, code: u16) {
        self.statuses.lock().expect("statuses").insert(path.to_string(), code);
    }

    /// The requests for `path` so far.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.seen.lock().expect("seen").iter().filter(|s| s.path == path).cloned().collect()
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

/// A health endpoint answering 200 to anything, on a free local port.
pub async fn healthy_endpoint() -> u16 {
    stoppable_endpoint().await.0
}

/// [`healthy_endpoint`] that stops answering (connection refused) when its task is aborted.
pub async fn stoppable_endpoint() -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = sock.read(&mut buf).await;
                let _ = sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").await;
            });
        }
    });
    (port, task)
}
