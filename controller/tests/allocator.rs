//! The operator's allocator is jemalloc with the settings `.cargo/config.toml` builds into it
//! (docs/architecture.md, "Memory"): without them the process peaks about 3.7 MiB higher at 1,000
//! objects. jemalloc prints its settings at exit when asked to through its environment.

use std::process::Command;

#[test]
fn the_binary_allocates_with_jemalloc_and_the_built_in_settings() {
    let out = Command::new(env!("CARGO_BIN_EXE_regional-failover"))
        .arg("crd")
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .expect("binary runs");
    assert!(out.status.success(), "crd failed: {}", String::from_utf8_lossy(&out.stderr));
    let stats = String::from_utf8_lossy(&out.stderr);
    for setting in ["opt.narenas: 1\n", "opt.tcache_max: 1024\n", "opt.dirty_decay_ms: 1000 ", "opt.muzzy_decay_ms: 0 "]
    {
        assert!(stats.contains(setting), "`{}` not in jemalloc's statistics:\n{stats}", setting.trim());
    }
}
