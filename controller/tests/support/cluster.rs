//! The real local control plane (`tests/controlplane/serve`) and helpers around it.

use std::{path::PathBuf, process::Command, time::Duration};

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::{
    Api, Client, Config, ResourceExt,
    api::PostParams,
    config::{KubeConfigOptions, Kubeconfig},
    runtime::wait::{await_condition, conditions},
};

use super::{Peer, repo_root};

pub struct Cluster {
    pub peer: Peer,
    pub kubeconfig: PathBuf,
}

impl Cluster {
    /// Starts etcd + kube-apiserver 1.20 on 127.0.0.1 (built and cached by the script).
    pub fn start() -> Cluster {
        // serve picks free ports without reserving them; when a parallel test takes one first, the
        // child fails to bind and serve exits: start again (a real failure repeats and panics).
        for attempt in 1..=3 {
            // A cold start builds kube-apiserver from source: allow for it.
            match Peer::try_start("tests/controlplane/serve", &["--dir", "{dir}"], Duration::from_secs(1500)) {
                Ok(peer) => {
                    let kubeconfig = PathBuf::from(peer.get("kubeconfig"));
                    return Cluster { peer, kubeconfig };
                }
                Err(e) if attempt < 3 => eprintln!("control plane start failed ({e}); retrying"),
                Err(e) => panic!("{e}"),
            }
        }
        unreachable!("the loop returns or panics")
    }

    pub async fn client(&self) -> Client {
        let kc = Kubeconfig::read_from(&self.kubeconfig).expect("kubeconfig readable");
        let cfg = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default()).await.expect("kubeconfig valid");
        Client::try_from(cfg).expect("client")
    }

    /// Runs kubectl against this cluster; returns (success, stdout, stderr).
    pub fn kubectl(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .current_dir(repo_root())
            .output()
            .expect("kubectl runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Installs the checked-in CRD and waits until it is Established.
///
/// Create/replace rather than server-side apply: a 1.20 API server does not know
/// `x-kubernetes-validations`, and SSA's typed patch refuses undeclared fields, while a plain
/// create drops them (they are enforced client-side there).
pub async fn install_crd(client: &Client) {
    let yaml = std::fs::read_to_string(repo_root().join("crds/regionalfailover.yaml")).expect("crd file");
    let mut crd: CustomResourceDefinition = serde_saphyr::from_str(&yaml).expect("crd parses");
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let name = crd.name_any();
    match api.get_opt(&name).await.expect("CRD readable") {
        None => {
            api.create(&PostParams::default(), &crd).await.expect("CRD created");
        }
        Some(existing) => {
            crd.metadata.resource_version = existing.metadata.resource_version;
            api.replace(&name, &PostParams::default(), &crd).await.expect("CRD replaced");
        }
    }
    tokio::time::timeout(Duration::from_secs(30), await_condition(api, &name, conditions::is_crd_established()))
        .await
        .expect("CRD established in time")
        .expect("CRD watch");
}

/// Creates a namespace of its own for one test.
pub async fn namespace(client: &Client, name: &str) -> String {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).expect("ns");
    api.create(&PostParams::default(), &ns).await.expect("namespace created");
    name.to_string()
}
