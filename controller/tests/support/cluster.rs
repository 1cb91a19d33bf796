//! The real local control plane (`tests/controlplane/serve`) and helpers around it.

use std::{path::PathBuf, process::Command, time::Duration};

use k8s_openapi::api::core::v1::Namespace;
use kube::{
    Api, Client, Config,
    api::PostParams,
    config::{KubeConfigOptions, Kubeconfig},
};

use super::{Peer, repo_root};

pub struct Cluster {
    pub peer: Peer,
    pub kubeconfig: PathBuf,
}

impl Cluster {
    /// Starts the hybrid control plane on 127.0.0.1 (built and cached by the scripts): kube-apiserver
    /// 1.20 as the front door and the modern CRD server behind it, serving the checked-in CRD.
    pub fn start() -> Cluster {
        // serve picks free ports without reserving them; when a parallel test takes one first, the
        // child fails to bind and serve exits: start again (a real failure repeats and panics).
        for attempt in 1..=3 {
            // A cold start builds kube-apiserver from source: allow for it.
            let crd = repo_root().join("crds/regionalfailover.yaml").display().to_string();
            match Peer::try_start(
                "tests/controlplane/serve",
                &["--dir", "{dir}", "--crd", &crd],
                Duration::from_secs(1500),
            ) {
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
        // kubectl caches discovery per host:port, and other tests' servers had this port before:
        // a cache of this cluster's own, beside its kubeconfig.
        let cache = self.kubeconfig.with_file_name("kube-cache");
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(&cache)
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

/// The CRD is served through the front door: `serve --crd` registered it on the modern CRD server
/// and waited for its APIService before READY, so a list must already work.
pub async fn install_crd(client: &Client) {
    let api: Api<regional_failover::api::RegionalFailover> = Api::all(client.clone());
    api.list(&kube::api::ListParams::default().limit(1)).await.expect("RegionalFailovers are served");
}

/// Creates a namespace of its own for one test.
pub async fn namespace(client: &Client, name: &str) -> String {
    let api: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).expect("ns");
    api.create(&PostParams::default(), &ns).await.expect("namespace created");
    name.to_string()
}
