//! What shares the machine with the operator during a window: CPU seconds by program name, read
//! from /proc for every process, and how busy all cores were. The status write's latency is the
//! API servers' answer time, which depends on what else runs on the same cores.

use std::collections::BTreeMap;

/// CPU seconds used so far by every process alive now, by PID (program name, seconds), and the
/// machine's busy and total CPU seconds from /proc/stat.
pub struct Snapshot {
    processes: BTreeMap<u32, (String, f64)>,
    busy: f64,
    total: f64,
}

/// Program name and CPU seconds (utime + stime) of one process from /proc/PID/stat; None when it
/// is gone or the file does not parse.
pub fn process_cpu(pid: u32) -> Option<(String, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may hold spaces and parentheses itself.
    let (name, rest) = stat.split_once(" (").and_then(|(_, r)| r.rsplit_once(") "))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3 of stat(5), utime 14 and stime 15, so index 11 and 12 here.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((name.to_string(), (utime + stime) / TICKS))
}

pub fn snapshot() -> Snapshot {
    let mut processes = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        // A process may exit between the listing and the read: it is simply not counted.
        if let Some(cpu) = process_cpu(pid) {
            processes.insert(pid, cpu);
        }
    }
    let stat = std::fs::read_to_string("/proc/stat").expect("/proc/stat");
    let cpu: Vec<f64> =
        stat.lines().next().unwrap_or_default().split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let total: f64 = cpu.iter().take(8).sum::<f64>() / TICKS;
    // idle and iowait are fields 4 and 5 of the cpu line.
    let idle = (cpu.get(3).copied().unwrap_or_default() + cpu.get(4).copied().unwrap_or_default()) / TICKS;
    Snapshot { processes, busy: total - idle, total }
}

/// Cores used per program between two snapshots, largest first (a program is every process of
/// that name), and the share of the machine's CPU time that was busy.
pub fn cores_by_program(before: &Snapshot, after: &Snapshot, seconds: f64) -> (Vec<(String, f64)>, f64) {
    let mut by_name: BTreeMap<String, f64> = BTreeMap::new();
    for (pid, (name, used)) in &after.processes {
        let earlier = before.processes.get(pid).filter(|(n, _)| n == name).map_or(0.0, |(_, s)| *s);
        *by_name.entry(name.clone()).or_default() += (used - earlier).max(0.0) / seconds;
    }
    let mut programs: Vec<(String, f64)> = by_name.into_iter().filter(|(_, cores)| *cores >= 0.005).collect();
    programs.sort_by(|a, b| b.1.total_cmp(&a.1));
    let busy = (after.busy - before.busy) / (after.total - before.total).max(f64::EPSILON);
    (programs, busy)
}

/// USER_HZ is 100 on every Linux architecture the project builds for.
const TICKS: f64 = 100.0;
