//! One region's side in two-cluster mode (issue 20): a control plane of its own, restartable in
//! the same directory so that its objects survive a restart as a real cluster's do, and its
//! operator with `RF_CLUSTER_REGION` and the cluster's `AWS_REGION`, running as the operator role
//! Terraform created (web identity, as IRSA) under a session name of its own, so that local AWS's
//! history tells the two sides' changes apart (`assumed-role/<role>/op-<region>`).
//!
//! Not declared in `support/mod.rs`: a test that needs it includes it with `#[path]`.

use std::{path::PathBuf, time::Duration};

use kube::{
    Client, Config,
    config::{KubeConfigOptions, Kubeconfig},
};

use crate::support::{Peer, iam::RoleEnv, operator::Operator, repo_root};

pub struct Side {
    /// The cluster's region, e.g. `us-east-1`.
    pub region: &'static str,
    /// `tests/controlplane/serve --dir` (kept across restarts: etcd data and credentials).
    dir: tempfile::TempDir,
    control_plane: Option<Peer>,
    pub operator: Option<Operator>,
}

impl Side {
    /// Starts the side's control plane (the operator starts separately, once objects exist).
    pub fn start(region: &'static str) -> Side {
        let mut side =
            Side { region, dir: tempfile::tempdir().expect("temp dir"), control_plane: None, operator: None };
        side.start_control_plane();
        side
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("cp/kubeconfig")
    }

    /// The session name the side's operator assumes the role with.
    pub fn session(&self) -> String {
        format!("op-{}", self.region)
    }

    /// (Re)starts `serve` in the side's directory: a restart keeps the objects and the kubeconfig's
    /// credentials (the server's port may change: take a new [`Side::client`]).
    pub fn start_control_plane(&mut self) {
        assert!(self.control_plane.is_none(), "{}: control plane already running", self.region);
        let dir = self.dir.path().join("cp").display().to_string();
        let crd = repo_root().join("crds/regionalfailover.yaml").display().to_string();
        // serve retries its own port races; a start that still fails is retried once more here
        // (as `Cluster::start` does), a real failure repeats and panics.
        for attempt in 1..=3 {
            match Peer::try_start(
                "tests/controlplane/serve",
                &["--dir", &dir, "--crd", &crd],
                Duration::from_secs(1500),
            ) {
                Ok(peer) => {
                    self.control_plane = Some(peer);
                    return;
                }
                Err(e) if attempt < 3 => eprintln!("{}: control plane start failed ({e}); retrying", self.region),
                Err(e) => panic!("{}: {e}", self.region),
            }
        }
    }

    /// Stops the control plane (SIGTERM: serve stops its children by PID).
    pub fn stop_control_plane(&mut self) {
        self.control_plane = None;
    }

    pub async fn client(&self) -> Client {
        let kc = Kubeconfig::read_from(self.kubeconfig()).expect("kubeconfig readable");
        let cfg = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default()).await.expect("kubeconfig valid");
        Client::try_from(cfg).expect("client")
    }

    /// Starts the side's operator watching `ns`, as the Terraform role, with `extra` env appended.
    /// `role`'s session name is set to [`Side::session`] for this process (the env is read at spawn).
    pub fn start_operator(
        &mut self,
        role: &mut RoleEnv,
        aws_endpoint: &str,
        ns: &str,
        failsafe_role: &str,
        extra: &[(&str, &str)],
    ) {
        assert!(self.operator.is_none(), "{}: operator already running", self.region);
        let session = self.session();
        for (k, v) in role.env.iter_mut() {
            if k == "AWS_ROLE_SESSION_NAME" {
                v.clone_from(&session);
            }
        }
        let mut env = vec![
            ("RF_CLUSTER_REGION", self.region),
            // A pod in the region's cluster gets the region's default (EKS sets AWS_REGION).
            ("AWS_REGION", self.region),
            ("RF_LEADER_ELECTION", "false"),
            ("RF_WATCH_NAMESPACE", ns),
            ("RF_FAILSAFE_ROLE_ARN", failsafe_role),
            ("POD_NAMESPACE", ns),
            ("POD_NAME", session.as_str()),
            ("RUST_LOG", "info"),
        ];
        env.extend_from_slice(extra);
        self.operator = Some(Operator::start_as(&self.kubeconfig(), aws_endpoint, ns, &env, Some(role)));
    }

    /// kill -9: a region that goes away sends no SIGTERM.
    pub fn kill_operator(&mut self) {
        if let Some(mut op) = self.operator.take() {
            op.kill9();
        }
    }
}

impl Drop for Side {
    fn drop(&mut self) {
        // The operator before its API server, as a cluster shuts down.
        self.kill_operator();
        self.stop_control_plane();
    }
}
