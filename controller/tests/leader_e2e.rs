//! Two operator processes against one API server: exactly one holds the Lease and acts; the other
//! takes over when the leader stops (at once on SIGTERM, after expiry on kill -9).

mod support;

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use support::{
    cluster::{Cluster, install_crd, namespace},
    localaws::eventually,
    operator::Operator,
};

async fn holder(api: &Api<Lease>) -> Option<String> {
    api.get_opt("regional-failover").await.ok()??.spec?.holder_identity
}

fn leads(op: &Operator) -> bool {
    op.gauge("regionalfailover_leader") == Some(1.0)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_operators_never_both_lead() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    install_crd(&client).await;
    let ns = namespace(&client, "leader-e2e").await;
    let leases: Api<Lease> = Api::namespaced(client.clone(), &ns);
    // No AWS is needed: with no RegionalFailover objects the operators only elect.
    let unused_aws = "http://127.0.0.1:9";
    let mut a = Operator::start(&cluster.kubeconfig, unused_aws, &ns, &[]);
    eventually("operator A leads", Duration::from_secs(30), || async { leads(&a).then_some(()) }).await;
    let mut b = Operator::start(&cluster.kubeconfig, unused_aws, &ns, &[]);
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

    // A graceful stop releases the lease: B takes over well before the 15 s expiry.
    let stopped = std::time::Instant::now();
    a.stop();
    eventually("operator B leads after A stops", Duration::from_secs(10), || async { leads(&b).then_some(()) }).await;
    assert!(stopped.elapsed() < Duration::from_secs(10), "handover took {:?}", stopped.elapsed());
    let second = holder(&leases).await.expect("lease held");
    assert!(second.ends_with(&format!("-{}", b.pid())), "holder {second} is operator B");

    // A crashed leader cannot release: a new candidate waits for the lease to expire, then leads.
    let mut c = Operator::start(&cluster.kubeconfig, unused_aws, &ns, &[]);
    eventually("operator C up as standby", Duration::from_secs(30), || async {
        (c.http_get("/readyz")?.0 == 200).then_some(())
    })
    .await;
    assert!(!leads(&c), "C must not lead while B renews");
    b.kill9();
    eventually("operator C leads after B's lease expires", Duration::from_secs(40), || async {
        leads(&c).then_some(())
    })
    .await;
    c.stop();
}
