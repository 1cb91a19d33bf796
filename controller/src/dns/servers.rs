//! Turning `spec.dns.nameservers` entries (or a zone's delegation set) into socket addresses.

use std::net::{IpAddr, SocketAddr};

use super::DnsError;

const DNS_PORT: u16 = 53;

/// `host`, `host:port`, `1.2.3.4:53`, `::1` or `[::1]:53` → (host, port); the port defaults to 53.
pub fn parse_server(entry: &str) -> Result<(String, u16), DnsError> {
    let invalid = || DnsError::InvalidServer { entry: entry.to_string() };
    let entry_t = entry.trim().trim_end_matches('.');
    if entry_t.is_empty() {
        return Err(invalid());
    }
    if let Ok(ip) = entry_t.parse::<IpAddr>() {
        return Ok((ip.to_string(), DNS_PORT));
    }
    if let Some(rest) = entry_t.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(invalid)?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| invalid())?,
            None if after.is_empty() => DNS_PORT,
            None => return Err(invalid()),
        };
        host.parse::<IpAddr>().map_err(|_| invalid())?;
        return Ok((host.to_string(), port));
    }
    let (host, port) = match entry_t.rsplit_once(':') {
        Some((host, port)) => (host.trim_end_matches('.'), port.parse::<u16>().map_err(|_| invalid())?),
        None => (entry_t, DNS_PORT),
    };
    let host_ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !host_ok || port == 0 {
        return Err(invalid());
    }
    Ok((host.to_string(), port))
}

/// Resolves every entry (names through the system resolver), keeping the given order so the
/// prober asks servers in it. Entries that do not resolve are skipped unless none does.
pub async fn resolve_servers(entries: &[String]) -> Result<Vec<SocketAddr>, DnsError> {
    if entries.is_empty() {
        return Err(DnsError::NoServers);
    }
    let mut out: Vec<SocketAddr> = Vec::new();
    let mut failures = Vec::new();
    for entry in entries {
        let (host, port) = parse_server(entry)?;
        if let Ok(ip) = host.parse::<IpAddr>() {
            out.push(SocketAddr::new(ip, port));
            continue;
        }
        match tokio::net::lookup_host((host.as_str(), port)).await {
            Ok(addrs) => {
                let before = out.len();
                out.extend(addrs.filter(|a| !out.contains(a)).collect::<Vec<_>>());
                if out.len() == before {
                    failures.push(format!("{host}: no addresses"));
                }
            }
            Err(e) => failures.push(format!("{host}: {e}")),
        }
    }
    if out.is_empty() { Err(DnsError::Resolve(failures)) } else { Ok(out) }
}

/// Resolves each entry on its own, keeping the entry as its label: callers that watch servers
/// separately (drills record when each one fails over) ask each server by itself.
pub async fn resolve_each(entries: &[String]) -> Vec<(String, Result<Vec<SocketAddr>, DnsError>)> {
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        out.push((entry.clone(), resolve_servers(std::slice::from_ref(entry)).await));
    }
    out
}

#[cfg(test)]
mod tests;
