//! Real peers for end-to-end tests: each is a project script run in the foreground that prints a
//! `READY ...` line, and is stopped by PID (SIGTERM, which the script forwards) when dropped. A
//! test process killed by a signal drops nothing: each peer is also tied to it by its stdin (a pipe
//! this process holds and never writes), and stops on its own at EOF (`RF_STOP_WITH_STDIN=1`).
#![allow(dead_code)]

pub mod aws_fixtures;
pub mod baseline;
pub mod cli;
pub mod cluster;
pub mod endpoint;
pub mod fake_dns;
pub mod iam;
pub mod localaws;
pub mod manifests;
pub mod operator;

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// Repository root (the workspace above `controller/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("controller/ has a parent").to_path_buf()
}

/// A foreground helper process that announced itself with `READY key=value ...`.
pub struct Peer {
    child: Child,
    /// The write end of the peer's stdin, held open for the peer's life (see the module doc).
    _tie: Option<std::process::ChildStdin>,
    pub ready: HashMap<String, String>,
    _dir: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Peer {
    /// Starts `script args...` (with `{dir}` replaced by a fresh temp dir) and waits for READY.
    pub fn start(script: &str, args: &[&str], timeout: Duration) -> Peer {
        Self::try_start(script, args, timeout).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Peer::start`], but an early exit is an error to handle rather than a panic.
    pub fn try_start(script: &str, args: &[&str], timeout: Duration) -> Result<Peer, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let dir_path = dir.path().to_path_buf();
        let args: Vec<String> = args.iter().map(|a| a.replace("{dir}", &dir_path.to_string_lossy())).collect();
        let mut child = Command::new(repo_root().join(script))
            .args(&args)
            .env("RF_STOP_WITH_STDIN", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {script}: {e}"));
        let tie = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("READY") {
                    let _ = tx.send(line);
                }
            }
        });
        let line = match rx.recv_timeout(timeout) {
            Ok(line) => line,
            Err(e) => {
                let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
                let status = child.wait();
                return Err(match e {
                    mpsc::RecvTimeoutError::Timeout => format!("{script} did not print READY within {timeout:?}"),
                    mpsc::RecvTimeoutError::Disconnected => format!("{script} exited before READY: {status:?}"),
                });
            }
        };
        let ready = line
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(Peer { child, _tie: tie, ready, _dir: dir, dir: dir_path })
    }

    pub fn get(&self, key: &str) -> &str {
        self.ready.get(key).unwrap_or_else(|| panic!("READY line lacks {key}: {:?}", self.ready))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}
