//! The operator role Terraform creates, for a fleet seeded outside Terraform: `terraform apply` of
//! terraform/examples/local creates the role (web-identity trust for the chart's service account,
//! as IRSA) and its policy; the policy is then re-scoped, as root, from the baseline's resources to
//! the fleet's, keeping every statement, action and condition. Health checks become
//! `healthcheck/*`: listing the fleet's random IDs one by one would exceed the 6,144 characters AWS
//! allows a managed policy. Zones are listed by ARN; tables by their `profiles-*` name pattern.

use std::process::Command;

use serde_json::{Value, json};

use super::Fleet;
use crate::support::{baseline, iam::RoleEnv, localaws::LocalAws, repo_root};

/// Root-key IAM calls through boto3 from local AWS's own venv (the crate has no IAM SDK).
const IAM_ADMIN: &str = r#"
import json, sys, boto3
endpoint, command, arg = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
iam = boto3.client("iam", region_name="us-east-1", endpoint_url=endpoint,
                   aws_access_key_id="testing", aws_secret_access_key="testing")
if command == "policy":
    policy = iam.get_policy(PolicyArn=arg["arn"])["Policy"]
    doc = iam.get_policy_version(PolicyArn=arg["arn"], VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    print(json.dumps(json.loads(doc) if isinstance(doc, str) else doc))
elif command == "put":
    out = iam.create_policy_version(PolicyArn=arg["arn"], PolicyDocument=json.dumps(arg["document"]), SetAsDefault=True)
    print(json.dumps(out["PolicyVersion"]["VersionId"]))
"#;

/// The fleet's tables (see [`super::table_name`]).
const FLEET_TABLES: &str = "profiles-*";

/// The role's web-identity environment, with its policy covering `fleet`; `health_port` is any
/// port (the baseline's own check is not part of the fleet).
pub async fn terraform_role(local: &LocalAws, fleet: &Fleet, health_port: u16) -> (RoleEnv, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let (endpoint, dns_port, path) = (local.endpoint.clone(), local.dns.port(), dir.path().to_path_buf());
    let base = tokio::task::spawn_blocking(move || baseline::apply(&endpoint, dns_port, health_port, &path))
        .await
        .expect("terraform apply ran");
    let out = &base.outputs;
    let role = RoleEnv::operator(local, out);
    let arn = out["operator_policy_arn"].as_str().expect("operator_policy_arn output");
    let rendered = admin(&local.endpoint, "policy", &json!({"arn": arn}));
    let document = rescope(&rendered, out, fleet);
    admin(&local.endpoint, "put", &json!({"arn": arn, "document": document}));
    (role, dir)
}

/// PURE: Terraform's policy with the baseline's health check, zone and tables replaced by the fleet's.
pub fn rescope(document: &Value, outputs: &Value, fleet: &Fleet) -> Value {
    let check = outputs["health_check_arn"].as_str().unwrap_or_default();
    let zone = format!(
        "hostedzone/{}",
        outputs["hosted_zone_id"].as_str().unwrap_or_default().trim_start_matches("/hostedzone/")
    );
    let table = format!(":table/{}", outputs["table_name"].as_str().unwrap_or_default());
    let one = |r: &str| -> Vec<String> {
        if r == check {
            vec!["arn:aws:route53:::healthcheck/*".to_string()]
        } else if r.ends_with(&zone) {
            fleet.zones.iter().map(|z| format!("arn:aws:route53:::hostedzone/{z}")).collect()
        } else if r.ends_with(&table) {
            vec![r.replace(&table, &format!(":table/{FLEET_TABLES}"))]
        } else {
            vec![r.to_string()]
        }
    };
    let mut rescoped = document.clone();
    for statement in rescoped["Statement"].as_array_mut().into_iter().flatten() {
        let resources: Vec<String> = match &statement["Resource"] {
            Value::String(r) => one(r),
            Value::Array(list) => list.iter().filter_map(Value::as_str).flat_map(one).collect(),
            _ => continue,
        };
        statement["Resource"] = json!(resources);
    }
    rescoped
}

fn admin(endpoint: &str, command: &str, arg: &Value) -> Value {
    let setup = Command::new(repo_root().join("tests/localaws/setup")).output().expect("localaws setup runs");
    let venv = String::from_utf8_lossy(&setup.stdout).lines().last().unwrap_or_default().to_string();
    let out = Command::new(format!("{venv}/bin/python"))
        .args(["-c", IAM_ADMIN, endpoint, command, &arg.to_string()])
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{command} as root failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON from the IAM helper")
}
