//! The chart's own ServiceAccount and RBAC on a real API server: the operator, authenticated with
//! a token of that ServiceAccount, reconciles and writes status, and anything outside its RBAC
//! (reading secrets) is forbidden — the RBAC is sufficient and minimal. The drill stop switch's Role
//! allows `get` of that one ConfigMap by name in the release namespace: no other ConfigMap is
//! readable, nothing in other namespaces, and no verb the operator never uses (watch, update).

mod support;

use std::{path::Path, process::Command};

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
    let (east, west) = (local.dynamodb("us-east-1").await, local.dynamodb("us-west-2").await);
    let (zone, hc) = fx::loopback_baseline(&r53, &east, &west, "rbac.test", port).await;
    let object = cluster.peer.dir.join("rf.yaml");
    let text = fx::loopback_manifest("profile-api", &ns, &zone, "rbac.test", &hc, port, &local.dns.to_string());
    std::fs::write(&object, text).expect("object written");
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

    // The drill stop switch's own Role: `get` of that one ConfigMap, by name, in the release
    // namespace (POD_NAMESPACE). No verb the operator never uses on ConfigMaps, no other name, no
    // other namespace. (The runbooks Role grants create/patch/delete/list in the release namespace
    // only; those verbs are its to test.)
    let switch = "configmaps/regional-failover-stop-drills";
    let can = |verb: &str, resource: &str, namespace: &str| {
        let out = sa(&["auth", "can-i", verb, resource, "-n", namespace]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(can("get", switch, RELEASE_NS), "yes", "the operator reads the stop switch in its namespace");
    for verb in ["watch", "update", "deletecollection"] {
        for resource in [switch, "configmaps"] {
            assert_eq!(can(verb, resource, RELEASE_NS), "no", "{verb} {resource} must be denied");
        }
    }
    for other in ["configmaps/kube-root-ca.crt", "configmaps/regional-failover-stop-drills-2", "configmaps"] {
        assert_eq!(can("get", other, RELEASE_NS), "no", "get {other} must be denied");
    }
    for namespace in [ns.as_str(), "default", "kube-system"] {
        for verb in ["get", "list", "watch", "create", "update", "patch", "delete"] {
            assert_eq!(can(verb, switch, namespace), "no", "{verb} of the stop switch in {namespace} must be denied");
        }
    }
    operator.stop();
}
