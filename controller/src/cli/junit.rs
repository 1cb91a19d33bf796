//! A drill as a JUnit XML report, for CI systems that display test results: one test case per
//! preflight safety check, per waterfall stage (measured next to predicted), and the verdicts.

use std::fmt::Write;

use regional_failover::api::{DrillPhase, DrillRecord};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

struct Case {
    class: &'static str,
    name: String,
    seconds: f64,
    failure: Option<String>,
    output: String,
}

/// The report for one drill of `object`.
pub fn report(object: &str, r: &DrillRecord, max_rto: Option<f64>) -> String {
    let mut cases = Vec::new();
    for c in &r.preflight {
        cases.push(Case {
            class: "preflight",
            name: c.check.clone(),
            seconds: 0.0,
            failure: (!c.passed).then(|| c.detail.clone()),
            output: c.detail.clone(),
        });
    }
    for s in &r.waterfall {
        let measured = s.seconds.unwrap_or_default();
        let predicted = s.predicted_seconds;
        let text = match predicted {
            Some(p) => format!("measured {measured:.3} s, predicted {p:.0} s"),
            None => format!("measured {measured:.3} s"),
        };
        // A stage slower than what the settings predict for a real outage is worth a red line.
        let failure =
            predicted.filter(|p| measured > *p).map(|p| format!("{text}: slower than the {p:.0} s predicted"));
        cases.push(Case { class: "waterfall", name: s.stage.clone(), seconds: measured, failure, output: text });
    }
    let rto = r.measured_rto_seconds;
    let objective = r.objective_rto_seconds.map(f64::from);
    let verdict = match (r.phase, r.passed) {
        (DrillPhase::Succeeded, Some(true)) => None,
        _ => Some(format!(
            "{:?} ({}): {}",
            r.phase,
            r.reason.as_deref().unwrap_or("-"),
            r.message.as_deref().unwrap_or_default()
        )),
    };
    cases.push(Case {
        class: "verdict",
        name: "DrillSucceededWithinObjective".into(),
        seconds: rto.unwrap_or_default(),
        failure: verdict,
        output: format!(
            "{}, {}",
            rto.map_or_else(|| "no RTO measured".to_string(), |s| format!("measured RTO {s:.1} s")),
            objective.map_or_else(|| "no objective recorded".to_string(), |s| format!("objective {s:.0} s"))
        ),
    });
    if let Some(max) = max_rto {
        let failure = match rto {
            Some(rto) if rto <= max => None,
            Some(rto) => Some(format!("measured RTO {rto:.1} s is above --max-rto {max:.1} s")),
            None => Some("no RTO was measured".into()),
        };
        cases.push(Case {
            class: "verdict",
            name: "MaxRto".into(),
            seconds: rto.unwrap_or_default(),
            failure,
            output: format!("--max-rto {max} s"),
        });
    }
    if let Some(v) = &r.post_failover_validation {
        cases.push(Case {
            class: "verdict",
            name: "StandbyServing".into(),
            seconds: v.latency_ms.map_or(0.0, |ms| ms as f64 / 1000.0),
            failure: v.error.clone(),
            output: format!(
                "{} via {}: {}",
                v.url,
                v.target,
                v.status_code.map_or_else(|| "no answer".to_string(), |c| format!("HTTP {c}"))
            ),
        });
    }
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let total: f64 = r
        .finished_at
        .zip(Some(r.started_at))
        .map_or(0.0, |(end, start)| (end - start).num_milliseconds() as f64 / 1000.0);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let suite = escape(&format!("regional-failover drill {object}/{}", r.name));
    let _ = writeln!(
        xml,
        "<testsuites><testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{total:.3}\" \
         timestamp=\"{}\">",
        cases.len(),
        r.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    for c in &cases {
        let _ = write!(
            xml,
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            c.class,
            escape(&c.name),
            c.seconds.max(0.0)
        );
        if let Some(f) = &c.failure {
            let _ = write!(xml, "<failure message=\"{}\"/>", escape(f));
        }
        let _ = writeln!(xml, "<system-out>{}</system-out></testcase>", escape(&c.output));
    }
    xml.push_str("</testsuite></testsuites>\n");
    xml
}

#[cfg(test)]
mod tests;
