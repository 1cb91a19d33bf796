//! Least privilege, proven through the operator's own code: with local AWS enforcing IAM and the
//! CLI running as the operator role Terraform created (web identity, as IRSA), every action of the
//! policy Terraform rendered is removed in turn (a new default policy version, put as root through
//! local AWS's IAM API, restored after), and `check` (verification, with the replication probe on)
//! or `drill` (inject, fail-safe, restore) must then print the AccessDenied sentence naming exactly
//! that action. The policy is read back from local AWS, so an action added to
//! terraform/iam-operator.tf is looped over without touching this test; one ground serves the whole
//! loop. The CLOUDWATCH_METRIC rendering adds the alarm read, covered by its own ground below.
//!
//! The fail-safe scheduler role is another role: a schedule firing as a role that may not
//! `UpdateHealthCheck` the check fails visibly in tests/localaws/tests/test_iam_trust_and_modes.py
//! (`test_scheduler_failsafe_executes_as_its_role`) and terraform/tests/assert_iam_local.py
//! (`check_failsafe`, on the role Terraform created).

mod drill_ground;
mod support;

use std::{path::Path, process::Command, time::Instant};

use drill_ground::{GROUP, ground, settled};
use serde_json::{Value, json};
use support::{baseline, endpoint::free_port_on_both, iam::RoleEnv, localaws::LocalAws, repo_root};

/// Root-key IAM/Scheduler calls through boto3 from local AWS's own venv (the crate has no IAM SDK).
/// argv: endpoint, command, JSON argument; prints one JSON value.
const IAM_ADMIN: &str = r#"
import json, sys, boto3
endpoint, command, arg = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
def client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, endpoint_url=endpoint,
                        aws_access_key_id="testing", aws_secret_access_key="testing")
iam = client("iam")
if command == "policy":
    role = arg["role_arn"].rsplit("/", 1)[1]
    [attached] = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
    doc = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    print(json.dumps({"arn": policy["Arn"], "version": policy["DefaultVersionId"], "document": doc}))
elif command == "put":
    out = iam.create_policy_version(PolicyArn=arg["arn"], PolicyDocument=json.dumps(arg["document"]), SetAsDefault=True)
    print(json.dumps(out["PolicyVersion"]["VersionId"]))
elif command == "restore":
    iam.set_default_policy_version(PolicyArn=arg["arn"], VersionId=arg["version"])
    iam.delete_policy_version(PolicyArn=arg["arn"], VersionId=arg["trial"])
    # A drill denied its lock's release leaves the lock: the next drill must not find it.
    sched = client("scheduler", arg["region"])
    left = sched.list_schedules(GroupName=arg["group"])["Schedules"]
    for s in left:
        sched.delete_schedule(Name=s["Name"], GroupName=arg["group"])
    print(json.dumps([s["Name"] for s in left]))
"#;

struct Admin {
    python: String,
    endpoint: String,
}

impl Admin {
    fn new(endpoint: &str) -> Admin {
        let out = Command::new(repo_root().join("tests/localaws/setup")).output().expect("localaws setup runs");
        let venv = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().to_string();
        Admin { python: format!("{venv}/bin/python"), endpoint: endpoint.to_string() }
    }

    fn call(&self, command: &str, arg: &Value) -> Value {
        let out = Command::new(&self.python)
            .args(["-c", IAM_ADMIN, &self.endpoint, command, &arg.to_string()])
            .output()
            .expect("python runs");
        assert!(out.status.success(), "{command} as root failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("JSON from the IAM helper")
    }

    /// The operator role's managed policy: `{arn, version, document}`.
    fn policy(&self, role: &RoleEnv) -> Value {
        self.call("policy", &json!({"role_arn": role.role_arn}))
    }
}

fn actions_of(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::String(a) => vec![a.clone()],
        Value::Array(list) => list.iter().filter_map(|a| a.as_str().map(String::from)).collect(),
        _ => Vec::new(),
    }
}

fn granted(document: &Value, statement: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut all: Vec<String> = document["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .filter(|s| statement(s))
        .flat_map(actions_of)
        .collect();
    all.sort();
    all.dedup();
    all
}

/// The policy without `action` (statements left with no action dropped).
fn without(document: &Value, action: &str) -> Value {
    let statements: Vec<Value> = document["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .filter_map(|s| {
            let kept: Vec<String> = actions_of(s).into_iter().filter(|a| a != action).collect();
            let mut s = s.clone();
            s["Action"] = json!(kept);
            (!kept.is_empty()).then_some(s)
        })
        .collect();
    let mut reduced = document.clone();
    reduced["Statement"] = json!(statements);
    reduced
}

/// Where the CLI runs: local AWS, the role, the manifest, the fail-safe role for drills.
struct Target<'a> {
    endpoint: &'a str,
    role: &'a RoleEnv,
    manifest: &'a Path,
    failsafe_role: &'a str,
}

/// One CLI run (`check` or `drill`) as the operator role: (exit code, stdout + stderr).
fn run_as_role(t: &Target, path: &str) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regional-failover"));
    cmd.arg(path).arg("-f").arg(t.manifest).args(["--output", "json"]);
    if path == "drill" {
        cmd.args(["--drill", "smoke", "--failsafe-role-arn", t.failsafe_role]);
    }
    cmd.env("AWS_ENDPOINT_URL", t.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("RUST_LOG", "warn");
    let out = t.role.apply(&mut cmd).output().expect("CLI runs");
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// What a run without one action printed about it.
enum Outcome {
    /// The sentence ("The operator's role lacks ACTION ..."), with the path, exit code and line.
    Named(&'static str, i32, String),
    /// Only AWS's own denial ("not authorized to perform: ACTION ...") in a log line.
    Logged(&'static str, i32, String),
    /// Nothing names it: every run's output.
    Silent(String),
}

/// Puts the policy without `action` as the default version, runs `paths` in order until one names
/// it, restores the policy (and removes any lock a denied drill left).
fn without_action(admin: &Admin, policy: &Value, action: &str, t: &Target, paths: &[&'static str]) -> Outcome {
    let trial = admin.call("put", &json!({"arn": policy["arn"], "document": without(&policy["document"], action)}));
    let sentence = format!("lacks {action} ");
    let aws_says = format!("not authorized to perform: {action} ");
    let mut logged = None;
    let mut outputs = Vec::new();
    let mut named = None;
    for &path in paths {
        let (code, text) = run_as_role(t, path);
        let line =
            |needle: &str| text.lines().find(|l| l.contains(needle)).map(|l| l.trim().chars().take(400).collect());
        if let Some(l) = line(&sentence) {
            named = Some(Outcome::Named(path, code, l));
            break;
        }
        if logged.is_none() {
            logged = line(&aws_says).map(|l| Outcome::Logged(path, code, l));
        }
        outputs.push(format!("--- {path} (exit {code}):\n{text}"));
    }
    let restore = json!({"arn": policy["arn"], "version": policy["version"], "trial": trial, "group": GROUP, "region": "us-east-1"});
    admin.call("restore", &restore);
    named.or(logged).unwrap_or_else(|| Outcome::Silent(outputs.join("\n")))
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_any_granted_action_makes_the_operator_name_it() {
    let g = ground("least-privilege.test", "").await;
    // The drill ground's manifest with the opt-in replication probe on: the probe's item actions
    // are granted, so `check` must exercise them.
    let yaml = std::fs::read_to_string(&g.manifest).expect("manifest");
    let mut object: Value = serde_saphyr::from_str(&yaml).expect("manifest is YAML");
    object["spec"]["table"]["replicationProbe"] = json!({"enabled": true, "intervalSeconds": 30});
    let manifest = g._dir.path().join("probing.yaml");
    std::fs::write(&manifest, object.to_string()).expect("manifest written");
    let t = Target { endpoint: &g.local.endpoint, role: &g.operator, manifest: &manifest, failsafe_role: &g.role };

    let admin = Admin::new(&g.local.endpoint);
    let policy = admin.policy(&g.operator);
    let actions = granted(&policy["document"], |_| true);
    println!("operator policy {} {}: {actions:?}", policy["arn"], policy["version"]);

    // As rendered, both paths pass: nothing the operator does is denied.
    for path in ["check", "drill"] {
        let (code, text) = run_as_role(&t, path);
        assert_eq!(code, 0, "{path} with the whole policy:\n{text}");
        assert!(!text.contains("AccessDenied"), "{path} with the whole policy:\n{text}");
    }
    settled(&g.local, &g.hc).await;

    let mut failures = Vec::new();
    for action in &actions {
        let started = Instant::now();
        let outcome = without_action(&admin, &policy, action, &t, &["check", "drill"]);
        // A drill cut short may leave an injection in propagation; the next run's preflight
        // would rightly refuse it.
        settled(&g.local, &g.hc).await;
        let took = started.elapsed().as_secs_f64();
        match outcome {
            Outcome::Named(path, code, line) if code == 2 => {
                println!("{action}: named by `{path}` (exit {code}, {took:.1}s): {line}")
            }
            Outcome::Named(path, code, line) => {
                failures.push(format!("without {action}, `{path}` named it but exited {code}, not 2: {line}"))
            }
            Outcome::Logged(path, code, line) => failures.push(format!(
                "without {action}, `{path}` (exit {code}) only logged AWS's words, not the sentence: {line}"
            )),
            Outcome::Silent(out) => failures.push(format!("without {action}, no run named it:\n{out}")),
        }
    }
    assert_eq!(admin.policy(&g.operator), policy, "the operator policy is restored after the loop");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The CLOUDWATCH_METRIC rendering grants the alarm read (only that alarm): verification needs it.
#[tokio::test(flavor = "multi_thread")]
async fn alarm_driven_checks_need_the_alarm_read() {
    let local = LocalAws::start(&["--time-scale", "0.1", "--iam", "enforce"]);
    let dir = tempfile::tempdir().expect("tmp");
    let (endpoint, dns_port, dir_path) = (local.endpoint.clone(), local.dns.port(), dir.path().to_path_buf());
    let port = free_port_on_both();
    let vars = [("zone_name", "least-alarm.test"), ("health_check_type", "CLOUDWATCH_METRIC")];
    let base = tokio::task::spawn_blocking(move || baseline::apply_with(&endpoint, dns_port, port, &dir_path, &vars))
        .await
        .expect("terraform apply ran");
    let role = RoleEnv::operator(&local, &base.outputs);
    let manifest = dir.path().join("rf.yaml");
    std::fs::write(&manifest, &base.manifest).expect("manifest written");
    let failsafe = base.outputs["drill_failsafe"]["execution_role_arn"].as_str().expect("fail-safe role").to_string();
    let t = Target { endpoint: &local.endpoint, role: &role, manifest: &manifest, failsafe_role: &failsafe };

    let admin = Admin::new(&local.endpoint);
    let policy = admin.policy(&role);
    let on_alarm = |s: &Value| s["Resource"].to_string().contains(":alarm:");
    let actions = granted(&policy["document"], on_alarm);
    assert!(!actions.is_empty(), "a statement scoped to the alarm: {:#}", policy["document"]);
    let (_, text) = run_as_role(&t, "check");
    assert!(!text.contains("AccessDenied"), "check with the whole policy:\n{text}");
    for action in &actions {
        match without_action(&admin, &policy, action, &t, &["check"]) {
            Outcome::Named(path, 2, line) => println!("{action}: named by `{path}` (exit 2): {line}"),
            Outcome::Named(path, code, line) => panic!("without {action}, `{path}` named it but exited {code}: {line}"),
            Outcome::Logged(_, _, line) => panic!("without {action}, only AWS's words: {line}"),
            Outcome::Silent(out) => panic!("without {action}, nothing named it:\n{out}"),
        }
    }
    assert_eq!(admin.policy(&role), policy, "the operator policy is restored");
}
