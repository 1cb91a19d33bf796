//! The chart's own ServiceAccount and RBAC on a real API server: the operator, authenticated with
//! a token of that ServiceAccount, reconciles and writes status, and anything outside its RBAC
//! (reading secrets) is forbidden — the RBAC is sufficient and minimal.

mod support;

use std::{path::Path, process::Command};

use aws_sdk_dynamodb::types::PointInTimeRecoverySpecification;
use aws_sdk_route53::types::{HealthCheckConfig, HealthCheckType, RrType};
use kube::Api;
use regional_failover::api::{ConditionStatus, RegionalFailover};
use std::time::Duration;
use support::{
    aws_fixtures as fx,
    cluster::{Cluster, install_crd, namespace},
    endpoint::{ApiEndpoint, free_port_on_both},
    localaws::{LocalAws, eventually},
    operator::Operator,
    repo_root,
};

const RELEASE_NS: &str = "regional-failover";

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("command runs");
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A kubeconfig like the admin one, but authenticated with `token`.
fn token_kubeconfig(admin: &Path, token: &str, dir: &Path) -> std::path::PathBuf {
    let admin = std::fs::read_to_string(admin).expect("admin kubeconfig");
    let server = admin.lines().find_map(|l| l.trim().strip_prefix("server: ")).expect("server line").to_string();
    let path = dir.join("sa-kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: {server}\n    insecure-skip-tls-verify: true\n\
         users:\n- name: sa\n  user:\n    token: {token}\ncontexts:\n- name: sa\n  context:\n    cluster: local\n    user: sa\n\
         current-context: sa\n"
    );
    std::fs::write(&path, text).expect("kubeconfig written");
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn operator_works_with_exactly_the_charts_rbac() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    install_crd(&client).await;
    namespace(&client, RELEASE_NS).await;
    let ns = namespace(&client, "team-profile").await;

    // The chart's identity objects, rendered for this 1.20 API server and applied as-is.
    let rendered = run(Command::new(repo_root().join("charts/render")).args([
        "--kube-version",
        "v1.20.2",
        "-a",
        "policy/v1beta1/PodDisruptionBudget",
        "--show-only",
        "ServiceAccount",
        "--show-only",
        "ClusterRole",
        "--show-only",
        "ClusterRoleBinding",
        "--show-only",
        "Role",
        "--show-only",
        "RoleBinding",
    ]));
    let manifests = cluster.peer.dir.join("rbac.yaml");
    std::fs::write(&manifests, &rendered).expect("written");
    let (ok, _, err) = cluster.kubectl(&["apply", "-f", &manifests.to_string_lossy()]);
    assert!(ok, "chart RBAC applies: {err}");
    let (ok, token, err) = cluster.kubectl(&["create", "token", "regional-failover", "-n", RELEASE_NS]);
    assert!(ok, "token for the chart's ServiceAccount: {err}");
    let sa_kubeconfig = token_kubeconfig(&cluster.kubeconfig, token.trim(), &cluster.peer.dir);

    // AWS the operator can verify: a zone, a health check on a live endpoint, records, a global table.
    let local = LocalAws::start(&["--time-scale", "0.1"]);
    let port = free_port_on_both();
    let _primary = ApiEndpoint::new(([127, 0, 0, 1], port).into());
    let _secondary = ApiEndpoint::new(([127, 0, 0, 2], port).into());
    let r53 = local.route53().await;
    let zone = fx::zone(&r53, "rbac.test").await;
    let config = HealthCheckConfig::builder()
        .r#type(HealthCheckType::Http)
        .ip_address("127.0.0.1")
        .port(i32::from(port))
        .resource_path("/health")
        .request_interval(10)
        .failure_threshold(3)
        .build()
        .expect("config");
    let hc = r53.create_health_check().caller_reference("rbac").health_check_config(config).send().await.expect("hc");
    let hc = hc.health_check().expect("hc").id().to_string();
    fx::change(&r53, &zone, fx::failover_changes("api.rbac.test", RrType::A, ("127.0.0.1", "127.0.0.2"), Some(&hc)))
        .await;
    fx::global_table(&local.dynamodb("us-east-1").await, "profiles").await;
    let pitr = PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(true).build().expect("pitr");
    local
        .dynamodb("us-west-2")
        .await
        .update_continuous_backups()
        .table_name("profiles")
        .point_in_time_recovery_specification(pitr)
        .send()
        .await
        .expect("replica pitr");
    let object = cluster.peer.dir.join("rf.yaml");
    std::fs::write(
        &object,
        format!(
            "apiVersion: regionalfailover.io/v1alpha1\nkind: RegionalFailover\nmetadata: {{ name: profile-api, namespace: {ns} }}\n\
             spec:\n  primary: {{ region: us-east-1, endpoint: 127.0.0.1 }}\n  secondary: {{ region: us-west-2, endpoint: 127.0.0.2 }}\n\
             \x20 dns: {{ hostedZoneId: {zone}, recordName: api.rbac.test, recordType: A, nameservers: [\"{dns}\"] }}\n\
             \x20 healthCheck: {{ id: {hc}, type: HTTP, port: {port} }}\n  table: {{ name: profiles, replicaRegions: [us-west-2] }}\n\
             \x20 verifyIntervalSeconds: 10\n",
            dns = local.dns
        ),
    )
    .expect("object written");
    let (ok, _, err) = cluster.kubectl(&["apply", "--validate=false", "-f", &object.to_string_lossy()]);
    assert!(ok, "{err}");

    // The operator authenticated as the ServiceAccount: watch, lease, status, events all allowed.
    let mut operator = Operator::start(&sa_kubeconfig, &local.endpoint, RELEASE_NS, &[]);
    let api: Api<RegionalFailover> = Api::namespaced(client.clone(), &ns);
    eventually("status written with the chart's RBAC", Duration::from_secs(60), || async {
        let rf = api.get("profile-api").await.ok()?;
        let ready = rf.status?.conditions.into_iter().find(|c| c.type_ == "Ready")?;
        (ready.status == ConditionStatus::True).then_some(())
    })
    .await;
    assert_eq!(operator.gauge("regionalfailover_leader"), Some(1.0), "the Lease Role suffices to lead");

    // Nothing beyond: the same identity cannot read secrets, nor touch other kinds.
    let sa = |args: &[&str]| {
        Command::new("kubectl").arg("--kubeconfig").arg(&sa_kubeconfig).args(args).output().expect("kubectl runs")
    };
    let secrets = sa(&["get", "secrets", "-A"]);
    assert!(!secrets.status.success(), "listing secrets must be forbidden");
    assert!(
        String::from_utf8_lossy(&secrets.stderr).contains("forbidden"),
        "{}",
        String::from_utf8_lossy(&secrets.stderr)
    );
    for (verb, resource) in
        [("list", "secrets"), ("create", "deployments"), ("delete", "regionalfailovers"), ("list", "configmaps")]
    {
        let out = sa(&["auth", "can-i", verb, resource, "-n", &ns]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no", "{verb} {resource} must be denied");
    }
    let out = sa(&["auth", "can-i", "patch", "regionalfailovers/status", "-n", &ns]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "yes");
    operator.stop();
}
