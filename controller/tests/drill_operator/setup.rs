//! The ground, the object and the operator of the drill tests, and how they read the drill record.

use super::*;

pub(crate) const NAME: &str = "drilled";

pub(crate) struct Setup {
    pub(crate) g: Ground,
    pub(crate) cluster: Cluster,
    pub(crate) client: Client,
    pub(crate) ns: String,
    pub(crate) api: Api<RegionalFailover>,
}

pub(crate) async fn setup(zone_name: &str, ns: &str, extra_spec: &str, timeout: u32) -> Setup {
    let g = ground(zone_name, extra_spec).await;
    let cluster = Cluster::start();
    let client = cluster.client().await;
    install_crd(&client).await;
    let ns = namespace(&client, ns).await;
    let api = Api::namespaced(client.clone(), &ns);
    let s = Setup { g, cluster, client, ns, api };
    apply_object(&s, NAME, timeout, extra_spec).await;
    s
}

pub(crate) async fn apply_object(s: &Setup, name: &str, timeout: u32, extra_spec: &str) {
    let g = &s.g;
    let yaml =
        drill_ground::manifest_yaml(name, &s.ns, &g.zone, &g.zone_name, &g.hc, g.port, &g.local, timeout, extra_spec);
    let obj: DynamicObject = serde_saphyr::from_str::<Value>(&yaml)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .expect("manifest is an object");
    let gvk = GroupVersionKind::gvk("regionalfailover.io", "v1alpha1", "RegionalFailover");
    let dynamic: Api<DynamicObject> = Api::namespaced_with(s.client.clone(), &s.ns, &ApiResource::from_gvk(&gvk));
    dynamic.patch(name, &PatchParams::apply("e2e"), &Patch::Apply(&obj)).await.expect("manifest applies");
}

pub(crate) fn operator(s: &Setup) -> Operator {
    let env = [
        ("RF_LEADER_ELECTION", "false"),
        ("RF_WATCH_NAMESPACE", s.ns.as_str()),
        ("RF_FAILSAFE_ROLE_ARN", s.g.role.as_str()),
        ("POD_NAMESPACE", s.ns.as_str()),
        ("RUST_LOG", "info"),
    ];
    Operator::start_as(&s.cluster.kubeconfig, &s.g.local.endpoint, &s.ns, &env, Some(&s.g.operator))
}

pub(crate) async fn annotate(api: &Api<RegionalFailover>, value: &str) {
    annotate_object(api, NAME, value).await;
}

pub(crate) async fn annotate_object(api: &Api<RegionalFailover>, name: &str, value: &str) {
    let patch = json!({"metadata": {"annotations": {"regionalfailover.io/run-drill": value}}});
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await.expect("annotated");
}

pub(crate) fn current(rf: &RegionalFailover) -> Option<&DrillRecord> {
    rf.status.as_ref()?.drill.as_ref()?.current.as_ref()
}

pub(crate) fn last(rf: &RegionalFailover) -> Option<&DrillRecord> {
    rf.status.as_ref()?.drill.as_ref()?.last.as_ref()
}

/// The finished record of the drill that started at `started` (or after `after`).
pub(crate) async fn finished(api: &Api<RegionalFailover>, after: chrono::DateTime<Utc>, wait: Duration) -> DrillRecord {
    eventually("the drill to finish", wait, || async {
        let rf = api.get(NAME).await.ok()?;
        last(&rf).filter(|r| r.started_at >= after).cloned()
    })
    .await
}

pub(crate) async fn event_reasons(client: &Client, ns: &str) -> Vec<String> {
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    let list = events.list(&ListParams::default()).await.expect("events");
    list.items.into_iter().filter_map(|e| e.reason).collect()
}
