//! The report as Markdown: what `report --format md` prints and the runbook ConfigMap holds.

use std::fmt::Write;

use super::Report;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(r: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Runbook: {}\n", r.object);
    let _ = writeln!(md, "## 1. Decision criteria\n");
    for c in &r.decision_criteria {
        let _ = writeln!(md, "- {c}");
    }
    let _ = writeln!(md, "\n## 2. Pre-flight checks\n");
    if r.preflight.is_empty() {
        let _ = writeln!(md, "No preflight has been judged yet.");
    } else {
        let _ = writeln!(md, "| check | result | detail |\n|---|---|---|");
        for c in &r.preflight {
            let _ = writeln!(md, "| {} | {} | {} |", c.check, if c.passed { "pass" } else { "FAIL" }, cell(&c.detail));
        }
    }
    let _ = writeln!(md, "\n## 3. Ordered steps, with rollback\n");
    for (i, s) in r.steps.iter().enumerate() {
        let _ = writeln!(md, "{}. {}\n   ```sh\n   {}\n   ```", i + 1, s.title, s.command);
        if let Some(back) = &s.rollback {
            let _ = writeln!(md, "   Rollback:\n   ```sh\n   {back}\n   ```");
        }
    }
    let _ = writeln!(md, "\n## 4. Communication template\n\n> {}\n", r.communication);
    let _ = writeln!(md, "## 5. Post-failover validation\n");
    for c in &r.post_failover_validation.checklist {
        let _ = writeln!(md, "- [ ] {c}");
    }
    match &r.post_failover_validation.last_result {
        Some(v) => {
            let code = v.status_code.map_or_else(|| "no answer".to_string(), |c| format!("HTTP {c}"));
            let ms = v.latency_ms.map_or_else(String::new, |ms| format!(" in {ms} ms"));
            let verdict = if v.ok {
                "served".to_string()
            } else {
                format!("did NOT serve: {}", v.error.as_deref().unwrap_or("?"))
            };
            let _ = writeln!(md, "\nLast result: {} via {}: {code}{ms}, {verdict}.", v.url, v.target);
        }
        None => {
            let _ = writeln!(md, "\nLast result: none yet.");
        }
    }
    if let Some(f) = &r.last_failover {
        let _ = writeln!(
            md,
            "\n## Last real failover\n\n{:?} from {} to {}, first seen {}{}.\n",
            f.direction,
            f.from_region.as_deref().unwrap_or("?"),
            f.to_region,
            f.observed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            f.all_servers_at.map_or_else(|| ", servers not all agreeing yet".to_string(), |_| String::new())
        );
        table(&mut md, &f.waterfall);
    }
    let _ = writeln!(md, "\n## Last drills\n");
    if r.drills.is_empty() {
        let _ = writeln!(md, "No drill has finished yet.");
    }
    for d in &r.drills {
        let rto = d.measured_rto_seconds.map_or_else(|| "-".to_string(), |s| format!("{s:.1} s"));
        let _ = writeln!(md, "### {} {} ({}), RTO {rto}\n", d.name, d.started_at, d.phase);
        table(&mut md, &d.waterfall);
    }
    md
}

/// A waterfall as a table (nothing when empty).
fn table(md: &mut String, stages: &[crate::api::WaterfallStage]) {
    if stages.is_empty() {
        return;
    }
    let _ = writeln!(md, "| stage | measured | predicted |\n|---|---|---|");
    for s in stages {
        let measured = s.seconds.map_or_else(|| "-".to_string(), |v| format!("{v:.2} s"));
        let predicted = s.predicted_seconds.map_or_else(|| "-".to_string(), |v| format!("{v:.0} s"));
        let _ = writeln!(md, "| {} | {measured} | {predicted} |", s.stage);
    }
    let _ = writeln!(md);
}
