//! Two operator processes against one API server: exactly one holds the Lease and acts; the other
//! takes over when the leader stops (at once on SIGTERM, after expiry on kill -9). Each runs as the
//! role Terraform created (web identity, as IRSA) against local AWS enforcing IAM, under its own
//! session name, so local AWS's decision log shows which process called AWS: only the leader.

mod support;

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::{
    Api,
    api::{DynamicObject, Patch, PatchParams},
    core::{ApiResource, GroupVersionKind},
};
use serde_json::{Value, json};
use support::{
    baseline,
    cluster::{Cluster, install_crd, namespace},
    endpoint::free_port_on_both,
    iam::RoleEnv,
    localaws::{LocalAws, eventually},
    operator::Operator,
};

async fn holder(api: &Api<Lease>) -> Option<String> {
    api.get_opt("regional-failover").await.ok()??.spec?.holder_identity
}

fn leads(op: &Operator) -> bool {
    op.gauge("regionalfailover_leader") == Some(1.0)
}

/// Starts an operator as the Terraform role under the session name `session`.
fn start(cluster: &Cluster, local: &LocalAws, ns: &str, role: &mut RoleEnv, session: &str) -> Operator {
    for (k, v) in role.env.iter_mut() {
        if k == "AWS_ROLE_SESSION_NAME" {
            *v = session.to_string();
        }
    }
    Operator::start_as(&cluster.kubeconfig, &local.endpoint, ns, &[], Some(role))
}

/// Local AWS's IAM decisions for the role session `session` (`denied`: only refusals).
fn decisions(local: &LocalAws, role: &RoleEnv, session: &str, denied: bool) -> Vec<Value> {
    let name = role.role_arn.rsplit('/').next().unwrap_or_default();
    let path = format!("/iam/decisions?principal=assumed-role/{name}/{session}&denied={denied}");
    local.control("GET", &path, None)["decisions"].as_array().cloned().unwrap_or_default()
}

async fn acted(local: &LocalAws, role: &RoleEnv, session: &str) {
    eventually(&format!("{session} calls AWS as the role"), Duration::from_secs(30), || async {
        (!decisions(local, role, session, false).is_empty()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_operators_never_both_lead() {
    let local = LocalAws::start(&["--time-scale", "0.1", "--iam", "enforce"]);
    let cluster = Cluster::start();
    // The baseline and the roles as Terraform creates them; no endpoint serves the health check, so
    // the object is unhealthy, which does not matter here: the leader reads AWS for it each cycle.
    let base = baseline::apply(&local.endpoint, local.dns.port(), free_port_on_both(), &cluster.peer.dir);
    let mut role = RoleEnv::operator(&local, &base.outputs);
    let client = cluster.client().await;
    install_crd(&client).await;
    let ns = namespace(&client, "leader-e2e").await;
    let leases: Api<Lease> = Api::namespaced(client.clone(), &ns);
    let mut object: Value = serde_saphyr::from_str(&base.manifest).expect("terraform's manifest is YAML");
    object["metadata"]["namespace"] = json!(ns);
    let object: DynamicObject = serde_json::from_value(object).expect("object");
    let gvk = GroupVersionKind::gvk("regionalfailover.io", "v1alpha1", "RegionalFailover");
    let objects: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &ApiResource::from_gvk(&gvk));
    let name = object.metadata.name.clone().expect("named");
    objects.patch(&name, &PatchParams::apply("e2e"), &Patch::Apply(&object)).await.expect("manifest applies");

    let mut a = start(&cluster, &local, &ns, &mut role, "operator-a");
    eventually("operator A leads", Duration::from_secs(30), || async { leads(&a).then_some(()) }).await;
    acted(&local, &role, "operator-a").await;
    let mut b = start(&cluster, &local, &ns, &mut role, "operator-b");
    eventually("operator B serves /readyz as a standby", Duration::from_secs(30), || async {
        (b.http_get("/readyz")?.0 == 200).then_some(())
    })
    .await;

    // Over several renew periods, never both: A keeps the lease, B stands by.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    while tokio::time::Instant::now() < deadline {
        let (la, lb) = (leads(&a), leads(&b));
        assert!(!(la && lb), "both operators lead at once");
        assert!(la, "the first leader keeps the lease while it renews");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let first = holder(&leases).await.expect("lease held");
    assert!(first.ends_with(&format!("-{}", a.pid())), "holder {first} is operator A");
    assert_eq!(decisions(&local, &role, "operator-b", false), Vec::<Value>::new(), "the standby never calls AWS");

    // A graceful stop releases the lease: B takes over well before the 15 s expiry.
    let stopped = std::time::Instant::now();
    a.stop();
    eventually("operator B leads after A stops", Duration::from_secs(10), || async { leads(&b).then_some(()) }).await;
    assert!(stopped.elapsed() < Duration::from_secs(10), "handover took {:?}", stopped.elapsed());
    let second = holder(&leases).await.expect("lease held");
    assert!(second.ends_with(&format!("-{}", b.pid())), "holder {second} is operator B");
    acted(&local, &role, "operator-b").await;

    // A crashed leader cannot release: a new candidate waits for the lease to expire, then leads.
    let mut c = start(&cluster, &local, &ns, &mut role, "operator-c");
    eventually("operator C up as standby", Duration::from_secs(30), || async {
        (c.http_get("/readyz")?.0 == 200).then_some(())
    })
    .await;
    assert!(!leads(&c), "C must not lead while B renews");
    assert_eq!(decisions(&local, &role, "operator-c", false), Vec::<Value>::new(), "the standby never calls AWS");
    b.kill9();
    eventually("operator C leads after B's lease expires", Duration::from_secs(40), || async {
        leads(&c).then_some(())
    })
    .await;
    acted(&local, &role, "operator-c").await;
    c.stop();
    assert_eq!(decisions(&local, &role, "", true), Vec::<Value>::new(), "the Terraform role allows what they did");
}
