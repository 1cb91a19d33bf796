//! A static helper for tests/image/test: it runs in a second container started with the same
//! podman flags as the operator's (the image has no shell to exec into), reports the identity and
//! privileges the kernel gave it, and tries to write each path it is given.
//! Built by the test with `rustc -C target-feature=+crt-static`, so it needs nothing from the image.
use std::{fs, io::Write};

fn main() {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status.lines() {
        let key = line.split(':').next().unwrap_or("");
        if ["Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"]
            .contains(&key)
        {
            println!("status {}", line.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    for path in std::env::args().skip(1) {
        let result = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"probe\n"));
        match result {
            Ok(()) => {
                let _ = fs::remove_file(&path);
                println!("write {path} ok");
            }
            // raw_os_error 30 is EROFS: the file system itself refuses, not a permission bit.
            Err(e) => println!("write {path} error {} ({e})", e.raw_os_error().unwrap_or(0)),
        }
    }
}
