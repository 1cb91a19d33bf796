//! The incident view, end to end: the operator (as the Terraform role, hybrid control plane, local
//! AWS with IAM enforced) sees a real failover — the primary endpoint stops, Route 53's checkers
//! fail it, DNS flips — and records it: `status.activeRegion`, `status.lastFailover` with each
//! server's time and the standby's answer, a `FailoverObserved` event and metric, and the runbook
//! ConfigMap; then the failback. And `regional-failover report` renders the five sections for the
//! same object, with every command in it valid: kubectl ones parse and run with
//! `--dry-run=client`, AWS CLI ones name a real operation and real parameters (botocore's model).

mod drill_ground;
mod support;

use std::{process::Command, time::Duration};

use k8s_openapi::api::{core::v1::ConfigMap, events::v1::Event};
use kube::{
    Api, Client,
    api::{DynamicObject, ListParams, Patch, PatchParams},
    core::{ApiResource, GroupVersionKind},
};
use regional_failover::api::{FlipDirection, RegionalFailover, WitnessedFailover};
use serde_json::Value;
use support::{
    cluster::{Cluster, install_crd, namespace},
    localaws::eventually,
    operator::Operator,
    repo_root,
};

use drill_ground::{flip_at, ground};

const NAME: &str = "incident";
const PATH: &str = "/v1/profiles/health-probe";

async fn apply(client: &Client, ns: &str, yaml: &str) {
    let obj: DynamicObject = serde_saphyr::from_str::<Value>(yaml)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .expect("manifest is an object");
    let gvk = GroupVersionKind::gvk("regionalfailover.io", "v1alpha1", "RegionalFailover");
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ApiResource::from_gvk(&gvk));
    api.patch(NAME, &PatchParams::apply("e2e"), &Patch::Apply(&obj)).await.expect("manifest applies");
}

async fn witnessed(api: &Api<RegionalFailover>, direction: FlipDirection, wait: Duration) -> WitnessedFailover {
    eventually("the operator to record the flip with every server agreeing", wait, || async {
        let st = api.get(NAME).await.ok()?.status?;
        st.last_failover.map(|f| *f).filter(|f| f.direction == direction && f.all_servers_at.is_some())
    })
    .await
}

async fn events(client: &Client, ns: &str, reason: &str) -> Vec<Event> {
    let api: Api<Event> = Api::namespaced(client.clone(), ns);
    let list = api.list(&ListParams::default()).await.expect("events");
    list.items.into_iter().filter(|e| e.reason.as_deref() == Some(reason)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_failover_is_followed_recorded_announced_and_written_into_the_runbook() {
    let extra = format!("  postFailoverValidation: {{ path: {PATH} }}\n");
    let mut g = ground("incident.test", &extra).await;
    let cluster = Cluster::start();
    let client = cluster.client().await;
    install_crd(&client).await;
    let ns = namespace(&client, "incident").await;
    let yaml = drill_ground::manifest_yaml(NAME, &ns, &g.zone, &g.zone_name, &g.hc, g.port, &g.local, 120, &extra);
    apply(&client, &ns, &yaml).await;
    let api: Api<RegionalFailover> = Api::namespaced(client.clone(), &ns);
    let env = [
        ("RF_LEADER_ELECTION", "false"),
        ("RF_WATCH_NAMESPACE", ns.as_str()),
        ("RF_FAILSAFE_ROLE_ARN", g.role.as_str()),
        ("POD_NAMESPACE", ns.as_str()),
        ("RUST_LOG", "info"),
    ];
    let op = Operator::start_as(&cluster.kubeconfig, &g.local.endpoint, &ns, &env, Some(&g.operator));
    eventually("status on the primary", Duration::from_secs(60), || async {
        let st = api.get(NAME).await.ok()?.status?;
        (st.active_region.as_deref() == Some("us-east-1")).then_some(())
    })
    .await;

    // The primary stops: Route 53's checkers fail it and DNS flips to the standby.
    let t0 = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    g.primary.stop();
    let f = witnessed(&api, FlipDirection::Failover, Duration::from_secs(90)).await;
    let flipped = flip_at(&g.local, &g.record, "127.0.0.2", t0).expect("local AWS flipped DNS");
    assert_eq!((f.from_region.as_deref(), f.to_region.as_str()), (Some("us-east-1"), "us-west-2"), "{f:?}");
    let observed = f.observed_at.timestamp_millis() as f64 / 1000.0;
    assert!(observed >= flipped, "seen after local AWS flipped: {observed} vs {flipped}");
    assert!(f.last_old_answer_at.is_some_and(|t| t.timestamp_millis() as f64 / 1000.0 <= flipped + 0.001), "{f:?}");
    assert_eq!(f.servers.len(), 1, "the configured server: {f:?}");
    assert_eq!(f.servers[0].server, g.local.dns.to_string());
    assert!(f.servers[0].failed_over_at.is_some(), "{f:?}");
    let v = f.post_failover_validation.clone().expect("the standby was asked");
    assert!(v.ok && v.status_code == Some(200), "{v:?}");
    assert!(!g.secondary.seen(PATH).is_empty(), "the request reached the standby");
    let stages: Vec<&str> = f.waterfall.iter().map(|s| s.stage.as_str()).collect();
    assert_eq!(
        stages,
        ["LastOldAnswer", "FirstServerFailedOver", "AllServersFailedOver", "StandbyServing", "ClientsFailedOver"]
    );
    let st = api.get(NAME).await.expect("object").status.expect("status");
    assert_eq!(st.active_region.as_deref(), Some("us-west-2"));
    let announced = events(&client, &ns, "FailoverObserved").await;
    assert_eq!(announced.len(), 1, "{announced:?}");
    assert_eq!(announced[0].type_.as_deref(), Some("Warning"));
    assert_eq!(events(&client, &ns, "StandbyServing").await.len(), 1);
    let (_, metrics) = op.http_get("/metrics").expect("metrics served");
    let seen_at: f64 = metrics
        .lines()
        .find(|l| l.starts_with("regionalfailover_dns_flip_observed_timestamp_seconds{") && l.contains(NAME))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("flip metric in {metrics}"));
    assert!((seen_at - observed).abs() <= 1.0, "metric {seen_at} vs status {observed}");

    // The runbook ConfigMap in the operator's namespace shows the real failover.
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let cm_name = format!("runbook.{ns}.{NAME}");
    let md = eventually("the runbook shows the failover", Duration::from_secs(30), || async {
        let cm = cms.get(&cm_name).await.ok()?;
        let md = cm.data?.get("runbook.md")?.clone();
        md.contains("## Last real failover").then_some(md)
    })
    .await;
    for heading in [
        "## 1. Decision criteria",
        "## 2. Pre-flight checks",
        "## 3. Ordered steps",
        "## 4. Communication",
        "## 5. Post-failover validation",
    ] {
        assert!(md.contains(heading), "{heading} missing:\n{md}");
    }
    assert!(md.contains("StandbyServing"), "{md}");

    // The primary comes back: DNS fails back, recorded and announced as expected news.
    g.primary.start();
    let back = witnessed(&api, FlipDirection::Failback, Duration::from_secs(90)).await;
    assert_eq!(back.to_region, "us-east-1");
    assert!(back.servers[0].failed_back_at.is_some(), "{back:?}");
    assert_eq!(back.post_failover_validation, None, "the standby is asked after a failover only");
    let fb = events(&client, &ns, "FailbackObserved").await;
    assert_eq!(fb.len(), 1, "{fb:?}");
    assert_eq!(fb[0].type_.as_deref(), Some("Normal"));
    drop(op);
}

/// `report` for the same kind of object: five sections, and every command in them valid.
#[tokio::test(flavor = "multi_thread")]
async fn the_report_has_five_sections_and_only_valid_commands() {
    let extra =
        format!("  postFailoverValidation: {{ path: {PATH} }}\n  drills: [{{ name: weekly, timeoutSeconds: 300 }}]\n");
    let g = ground("report.test", "").await;
    let cluster = Cluster::start();
    let client = cluster.client().await;
    install_crd(&client).await;
    let ns = namespace(&client, "report").await;
    let yaml = drill_ground::manifest_yaml(NAME, &ns, &g.zone, &g.zone_name, &g.hc, g.port, &g.local, 120, "")
        .replace("  drills: [{ name: smoke, timeoutSeconds: 120 }]\n", &extra);
    apply(&client, &ns, &yaml).await;
    let file = g._dir.path().join("object.yaml");
    let (ok, live, err) = cluster.kubectl(&["-n", &ns, "get", "regionalfailover", NAME, "-o", "yaml"]);
    assert!(ok, "{err}");
    std::fs::write(&file, live).expect("object written");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
    cmd.args(["report", "-f"])
        .arg(&file)
        .args(["--format", "json"])
        .env("AWS_ENDPOINT_URL", &g.local.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RF_OPERATOR_NAMESPACE", &ns)
        .env("RF_FAILSAFE_ROLE_ARN", &g.role);
    let out = g.operator.apply(&mut cmd).output().expect("report runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reports: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let r = &reports[0];
    assert_eq!(r["object"], format!("{ns}/{NAME}"));
    for section in ["decisionCriteria", "preflight", "steps", "communication", "postFailoverValidation"] {
        assert!(!r[section].is_null(), "{section} missing: {r:#}");
    }
    // Preflight judged against live AWS now: everything passes on a healthy ground.
    let checks = r["preflight"].as_array().expect("preflight");
    assert!(checks.len() >= 10, "{r:#}");
    assert!(checks.iter().all(|c| c["passed"] == true), "{checks:#?}");
    assert!(r["communication"].as_str().is_some_and(|c| c.contains(&g.record) && c.contains("us-west-2")), "{r:#}");

    let mut commands: Vec<String> = Vec::new();
    for step in r["steps"].as_array().expect("steps") {
        commands.extend(step["command"].as_str().map(str::to_string));
        commands.extend(step["rollback"].as_str().map(str::to_string));
    }
    assert!(commands.iter().any(|c| c.starts_with("kubectl")) && commands.iter().any(|c| c.starts_with("aws ")));
    for c in &commands {
        let words = shell_words(c);
        match words.first().map(String::as_str) {
            Some("kubectl") => kubectl_is_valid(&cluster, &words[1..]),
            Some("aws") => aws_is_valid(&words[1..]),
            Some("curl") => assert!(c.contains(&g.record) && c.contains(PATH), "{c}"),
            _ => panic!("a command of an unknown tool: {c}"),
        }
    }

    // The Markdown form carries the same five parts.
    let mut md_cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
    md_cmd
        .args(["report", "-f"])
        .arg(&file)
        .env("AWS_ENDPOINT_URL", &g.local.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let md = g.operator.apply(&mut md_cmd).output().expect("report runs");
    let md = String::from_utf8_lossy(&md.stdout);
    for heading in [
        "## 1. Decision criteria",
        "## 2. Pre-flight checks",
        "## 3. Ordered steps",
        "## 4. Communication",
        "## 5. Post-failover validation",
    ] {
        assert!(md.contains(heading), "{heading} missing:\n{md}");
    }
}

/// Words of a command line as a POSIX shell splits them (the report quotes nothing exotic).
fn shell_words(c: &str) -> Vec<String> {
    let mut words = Vec::new();
    let (mut word, mut quote) = (String::new(), None::<char>);
    for ch in c.chars() {
        match (quote, ch) {
            (None, '\'' | '"') => quote = Some(ch),
            (Some(q), _) if ch == q => quote = None,
            (None, ' ') => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(ch),
        }
    }
    assert_eq!(quote, None, "unbalanced quotes in {c}");
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Reads run as they are; anything that changes the cluster runs with `--dry-run=client` (a
/// delete's object is created first, so the dry run has something to find).
fn kubectl_is_valid(cluster: &Cluster, args: &[String]) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = |extra: &[&str]| {
        let all: Vec<&str> = args.iter().copied().chain(extra.iter().copied()).collect();
        let (ok, out, err) = cluster.kubectl(&all);
        assert!(ok, "kubectl {} failed: {out} {err}", all.join(" "));
    };
    match args.iter().position(|a| *a == "delete") {
        Some(i) => {
            let (kind, name) = (args[i + 1], args[i + 2]);
            let ns = args.iter().position(|a| *a == "-n").map(|p| args[p + 1]).unwrap_or("default");
            let (ok, _, err) = cluster.kubectl(&["-n", ns, "create", kind, name]);
            assert!(ok || err.contains("AlreadyExists"), "{err}");
            run(&["--dry-run=client"]);
            let _ = cluster.kubectl(&["-n", ns, "delete", kind, name]);
        }
        _ if args.contains(&"get") => run(&[]),
        _ => run(&["--dry-run=client"]),
    }
}

/// `aws SERVICE OPERATION --param value ...` names an operation of the service and only members
/// of its input (botocore's service model, from the local AWS venv).
fn aws_is_valid(args: &[String]) {
    let setup = Command::new(repo_root().join("tests/localaws/setup")).output().expect("localaws setup runs");
    let venv = String::from_utf8_lossy(&setup.stdout).lines().last().unwrap_or_default().to_string();
    let script = r#"
import sys, botocore.session
service, operation, *params = sys.argv[1:]
model = botocore.session.get_session().get_service_model(service)
names = {botocore.xform_name(n, "-"): n for n in model.operation_names}
assert operation in names, f"{service} has no operation {operation}"
members = model.operation_model(names[operation]).input_shape.members
flags = {botocore.xform_name(m, "-"): m for m in members}
for p in params:
    if not p.startswith("--"):
        continue
    name = p[2:]
    if name not in flags and name.startswith("no-") and name[3:] in flags:
        assert members[flags[name[3:]]].type_name == "boolean", f"--{name} on a non-boolean"
        continue
    assert name in flags, f"{service} {operation} has no parameter --{name}"
print("ok")
"#;
    let out =
        Command::new(format!("{venv}/bin/python")).arg("-c").arg(script).args(args).output().expect("python runs");
    assert!(out.status.success(), "aws {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}
