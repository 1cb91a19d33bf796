//! `crds/regionalfailover.yaml` is generated: it must equal `regional-failover crd`.

use std::process::Command;

#[test]
fn checked_in_crd_equals_generated() {
    let out = Command::new(env!("CARGO_BIN_EXE_regional-failover")).arg("crd").output().expect("binary runs");
    assert!(out.status.success(), "crd failed: {}", String::from_utf8_lossy(&out.stderr));
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../crds/regionalfailover.yaml");
    let checked_in = std::fs::read_to_string(path).expect("crds/regionalfailover.yaml exists");
    assert!(
        generated == checked_in,
        "crds/regionalfailover.yaml is stale: run `cargo run -q -- crd > crds/regionalfailover.yaml`"
    );
}
