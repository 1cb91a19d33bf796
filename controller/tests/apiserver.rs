//! The CRD against a real kube-apiserver (1.20, built from Debian's source package, with etcd):
//! schema enforcement, defaults, status subresource with server-side apply, printer columns.
//! 1.20 drops CEL rules, so CEL cases are checked with the client-side evaluator of the same rules.

mod support;

use kube::{
    Api,
    api::{DynamicObject, Patch, PatchParams, PostParams},
    core::{ApiResource, GroupVersionKind},
};
use regional_failover::api::{RegionalFailover, validate};
use serde_json::{Value, json};
use support::{
    cluster::{Cluster, install_crd, namespace},
    manifests::{RejectedBy, example, invalid_cases},
};

fn dynamic_api(client: kube::Client, ns: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("regionalfailover.io", "v1alpha1", "RegionalFailover");
    Api::namespaced_with(client, ns, &ApiResource::from_gvk(&gvk))
}

fn yaml_to_object(yaml: &str) -> DynamicObject {
    let value: Value = serde_saphyr::from_str(yaml).expect("yaml");
    serde_json::from_value(value).expect("object")
}

#[tokio::test(flavor = "multi_thread")]
async fn crd_schema_status_and_columns_on_a_real_apiserver() {
    let cluster = Cluster::start();
    let client = cluster.client().await;
    install_crd(&client).await;
    let ns = namespace(&client, "crd-contract").await;

    // The valid example is accepted through server-side apply and the server fills the defaults.
    let example_obj = yaml_to_object(&example());
    let api = dynamic_api(client.clone(), &ns);
    let applied = api
        .patch("profile-api", &PatchParams::apply("regional-failover-tests"), &Patch::Apply(&example_obj))
        .await
        .expect("example accepted");
    let spec = &applied.data["spec"];
    assert_eq!(spec["dns"]["primarySetIdentifier"], "primary", "default filled by the server");
    assert_eq!(spec["table"]["replicationProbe"]["keyAttribute"], "pk");
    assert_eq!(spec["suspend"], false);
    let typed: Api<RegionalFailover> = Api::namespaced(client.clone(), &ns);
    let rf = typed.get("profile-api").await.expect("typed read");
    assert_eq!(rf.spec.verify_interval_seconds, 60);

    // Every invalid case is refused with its message: by the server's schema, or by the CEL rules.
    for case in invalid_cases() {
        let obj = yaml_to_object(&case.yaml);
        match case.by {
            RejectedBy::Server => {
                let err = api
                    .create(&PostParams::default(), &obj)
                    .await
                    .err()
                    .unwrap_or_else(|| panic!("{}: the API server accepted it", case.path.display()));
                let message = match err {
                    kube::Error::Api(status) => status.message,
                    other => panic!("{}: unexpected error {other}", case.path.display()),
                };
                assert!(
                    message.contains(&case.expect),
                    "{}: expected {:?} in {message:?}",
                    case.path.display(),
                    case.expect
                );
            }
            RejectedBy::Cel => {
                let doc = serde_json::to_value(&obj).expect("json");
                let violations = validate::cel_violations(&doc).expect("schema compiles");
                assert!(
                    violations.iter().any(|v| v.contains(&case.expect)),
                    "{}: expected {:?} in {violations:?}",
                    case.path.display(),
                    case.expect
                );
            }
        }
    }

    // Status is written through the status subresource by server-side apply under one field manager.
    let status_patch = json!({
        "apiVersion": "regionalfailover.io/v1alpha1",
        "kind": "RegionalFailover",
        "status": {
            "observedGeneration": 1,
            "activeRegion": "us-east-1",
            "health": {"status": "Healthy", "checkersHealthy": 8, "checkersReporting": 8, "observedAt": "2026-11-22T10:00:00Z"},
            "replication": {"replicas": [{"region": "us-west-2", "status": "ACTIVE"}], "lagSeconds": 0.8},
            "conditions": [{"type": "InSync", "status": "True", "observedGeneration": 1,
                            "lastTransitionTime": "2026-11-22T10:00:00Z", "reason": "NoDrift",
                            "message": "Live AWS resources match the spec."}],
            "drill": {"last": {"name": "weekly", "trigger": "Annotation", "phase": "Succeeded",
                               "startedAt": "2026-11-22T09:00:00Z", "measuredRtoSeconds": 41.5}}
        }
    });
    let patched = typed
        .patch_status("profile-api", &PatchParams::apply("regional-failover").force(), &Patch::Apply(&status_patch))
        .await
        .expect("status written");
    let status = patched.status.expect("status present");
    assert_eq!(status.active_region.as_deref(), Some("us-east-1"));
    assert_eq!(status.drill.and_then(|d| d.last).and_then(|l| l.measured_rto_seconds), Some(41.5));
    let managers: Vec<_> = patched.metadata.managed_fields.iter().flatten().filter_map(|m| m.manager.clone()).collect();
    assert!(managers.iter().any(|m| m == "regional-failover"), "field manager recorded: {managers:?}");

    // A spec change through the main resource must not be able to touch status.
    let sneaky = json!({"spec": {"suspend": true}, "status": {"activeRegion": "us-west-2"}});
    api.patch("profile-api", &PatchParams::default(), &Patch::Merge(&sneaky)).await.expect("spec patch");
    let rf = typed.get("profile-api").await.expect("read back");
    assert!(rf.spec.suspend, "the spec part of the patch applied");
    assert_eq!(rf.status.and_then(|s| s.active_region).as_deref(), Some("us-east-1"));

    // kubectl shows the printer columns, by short name.
    let (ok, out, err) = cluster.kubectl(&["get", "rf", "-n", &ns]);
    assert!(ok, "kubectl get rf failed: {err}");
    let header: Vec<&str> = out.lines().next().unwrap_or_default().split_whitespace().collect();
    assert_eq!(header, ["NAME", "ACTIVE", "HEALTH", "IN-SYNC", "REPL-LAG", "LAST-RTO", "AGE"]);
    let row: Vec<&str> = out.lines().nth(1).unwrap_or_default().split_whitespace().collect();
    assert_eq!(&row[..6], ["profile-api", "us-east-1", "Healthy", "True", "0.8", "41.5"]);
}
