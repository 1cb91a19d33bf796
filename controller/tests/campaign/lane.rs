//! The ground one campaign runs on: drill_ground's Terraform baseline on IAM-enforcing local AWS
//! (time scale 0.1), a manifest with the CRD's shortest drill timeout, SDK clients for the harness
//! and for "a person", and, for operator runs, the hybrid control plane with two namespaces whose
//! objects name the same health check, each watched by an operator of its own.

use std::{path::PathBuf, time::Duration};

use kube::{
    Api, Client,
    api::{DynamicObject, Patch, PatchParams},
    core::{ApiResource, GroupVersionKind},
};
use regional_failover::api::RegionalFailover;
use serde_json::{Value, json};

use super::{drivers::OperatorProc, history::PERSON_KEY};
use crate::{
    drill_ground::{self, Ground},
    support::{
        cluster::{Cluster, install_crd, namespace},
        localaws::eventually,
    },
};

pub const ZONE: &str = "campaign.test";
/// The CRD's shortest drill timeout: drills end much sooner when things go well.
pub const TIMEOUT: u32 = 60;
/// `route53ConfigPropagationSeconds` during the campaign.
pub const PROPAGATION: f64 = 1.0;
/// The baseline's 10 s request interval at time scale 0.1.
pub const INTERVAL: f64 = 1.0;
pub const NAMESPACES: [&str; 2] = ["campaign-a", "campaign-b"];
pub const OBJECT: &str = "drilled";

pub struct Ops {
    pub cluster: Cluster,
    pub client: Client,
    pub procs: [Option<OperatorProc>; 2],
    pub generation: [u32; 2],
}

impl Ops {
    pub fn api(&self, which: usize) -> Api<RegionalFailover> {
        Api::namespaced(self.client.clone(), NAMESPACES[which])
    }
}

pub struct Lane {
    pub g: Ground,
    pub manifest: PathBuf,
    /// Root key `testing`: the harness's own reads and resets (never during a run).
    pub r53: aws_sdk_route53::Client,
    pub scheduler: aws_sdk_scheduler::Client,
    /// Root key `local`: a person's concurrent changes.
    pub person: aws_sdk_route53::Client,
    pub logs: Logs,
    pub ops: Option<Ops>,
    cluster: Option<std::thread::JoinHandle<Cluster>>,
}

impl Lane {
    /// The ground; with `operators`, the control plane starts in the background meanwhile.
    pub async fn new(operators: bool) -> Lane {
        let cluster = operators.then(|| std::thread::spawn(Cluster::start));
        let g = drill_ground::ground(ZONE, "").await;
        g.local.control("POST", "/settings", Some(&json!({"route53ConfigPropagationSeconds": PROPAGATION})));
        let manifest = g._dir.path().join("campaign.yaml");
        let yaml = drill_ground::manifest_yaml(OBJECT, "default", &g.zone, ZONE, &g.hc, g.port, &g.local, TIMEOUT, "");
        std::fs::write(&manifest, yaml).expect("manifest written");
        let r53 = g.local.route53().await;
        let scheduler = aws_sdk_scheduler::Client::new(&g.local.sdk_config("us-east-1").await);
        let person_config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&g.local.endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_route53::config::Credentials::new(PERSON_KEY, PERSON_KEY, None, None, "p"))
            .load()
            .await;
        let person = aws_sdk_route53::Client::new(&person_config);
        // RF_CAMPAIGN_LOGS=DIR keeps every driver's log (stderr) there.
        let logs = match std::env::var("RF_CAMPAIGN_LOGS") {
            Ok(dir) => {
                std::fs::create_dir_all(&dir).expect("log dir");
                tempfile::Builder::new().prefix("lane").tempdir_in(dir).expect("log dir").keep().into()
            }
            Err(_) => Logs::Temp(tempfile::tempdir().expect("log dir")),
        };
        super::settle::settled(&g.local, &g.hc, 0.0).await;
        Lane { g, manifest, r53, scheduler, person, logs, ops: None, cluster }
    }

    /// The control plane, both objects and both operators (started once, on first use).
    pub async fn operators(&mut self) -> &mut Ops {
        if self.ops.is_none() {
            let cluster = self.cluster.take().expect("started with operators").join().expect("control plane");
            let client = cluster.client().await;
            install_crd(&client).await;
            for ns in NAMESPACES {
                namespace(&client, ns).await;
                apply_object(&self.g, &client, ns).await;
            }
            self.ops = Some(Ops { cluster, client, procs: [None, None], generation: [0, 0] });
        }
        for which in 0..2 {
            let alive = self.ops.as_mut().and_then(|o| o.procs[which].as_mut()).is_some_and(OperatorProc::alive);
            if !alive {
                self.start_operator(which);
            }
        }
        let ops = self.ops.as_mut().expect("set above");
        for which in 0..2 {
            let api = ops.api(which);
            eventually("the operator verified its object", Duration::from_secs(60), || async {
                api.get(OBJECT).await.ok().and_then(|rf| rf.status).and_then(|st| st.last_verified_at)
            })
            .await;
        }
        ops
    }

    /// Starts operator `which` under a new session name (`op-a-2`: namespace a, second process).
    pub fn start_operator(&mut self, which: usize) -> String {
        let ops = self.ops.as_mut().expect("control plane up");
        ops.generation[which] += 1;
        let session = format!("op-{}-{}", ["a", "b"][which], ops.generation[which]);
        let log = self.logs.path().join(format!("{session}.log"));
        ops.procs[which] =
            Some(OperatorProc::start(&self.g, &ops.cluster.kubeconfig, NAMESPACES[which], &session, &log));
        session
    }

    pub fn log_path(&self, name: &str) -> PathBuf {
        self.logs.path().join(name)
    }
}

/// Where drivers' logs go: a temp dir, or one that is kept.
pub enum Logs {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl From<PathBuf> for Logs {
    fn from(p: PathBuf) -> Logs {
        Logs::Kept(p)
    }
}

impl Logs {
    pub fn path(&self) -> &std::path::Path {
        match self {
            Logs::Temp(t) => t.path(),
            Logs::Kept(p) => p,
        }
    }
}

async fn apply_object(g: &Ground, client: &Client, ns: &str) {
    let yaml = drill_ground::manifest_yaml(OBJECT, ns, &g.zone, ZONE, &g.hc, g.port, &g.local, TIMEOUT, "");
    let obj: DynamicObject = serde_saphyr::from_str::<Value>(&yaml)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .expect("manifest is an object");
    let gvk = GroupVersionKind::gvk("regionalfailover.io", "v1alpha1", "RegionalFailover");
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ApiResource::from_gvk(&gvk));
    api.patch(OBJECT, &PatchParams::apply("campaign"), &Patch::Apply(&obj)).await.expect("object applied");
}

/// Asks operator `which` for a drill through the annotation.
pub async fn annotate(ops: &Ops, which: usize, value: &str) {
    let patch = json!({"metadata": {"annotations": {"regionalfailover.io/run-drill": value}}});
    ops.api(which).patch(OBJECT, &PatchParams::default(), &Patch::Merge(&patch)).await.expect("annotated");
}
