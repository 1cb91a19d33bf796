//! Running the operator (or `check`/`drill`) as the role Terraform created, the way IRSA does it:
//! a web-identity token for the operator's service account, exchanged by the AWS SDK's default
//! credentials chain for the role's credentials (`sts:AssumeRoleWithWebIdentity`, evaluated by
//! local AWS against the role's trust policy).

use std::process::Command;

use serde_json::Value;

use super::{localaws::LocalAws, repo_root};

/// The environment a process needs to assume the operator role (no static keys: with them the
/// SDK would never look at the token).
pub struct RoleEnv {
    pub role_arn: String,
    pub env: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

impl RoleEnv {
    /// A token signed by a fresh key that local AWS trusts for the cluster issuer, for the
    /// service account the role's trust policy names (Terraform's `baseline.irsa`).
    pub fn operator(local: &LocalAws, baseline: &Value) -> RoleEnv {
        let role_arn = baseline["operator_role_arn"].as_str().expect("operator_role_arn output").to_string();
        let subject = baseline["irsa"]["subject"].as_str().expect("irsa.subject output");
        let issuer = baseline["irsa"]["issuer_url"].as_str().expect("irsa.issuer_url output");
        let venv = Command::new(repo_root().join("tests/localaws/setup")).output().expect("localaws setup runs");
        let venv = String::from_utf8_lossy(&venv.stdout).lines().last().unwrap_or_default().to_string();
        let out = Command::new(format!("{venv}/bin/python"))
            .args(["-m", "localaws.oidc_token", "--endpoint", &local.endpoint, "--sub", subject, "--issuer", issuer])
            .env("PYTHONPATH", repo_root().join("tests/localaws"))
            .output()
            .expect("oidc_token runs");
        assert!(out.status.success(), "token not minted: {}", String::from_utf8_lossy(&out.stderr));
        let dir = tempfile::tempdir().expect("tmp");
        let token = dir.path().join("token");
        // Projected service-account tokens carry no trailing newline.
        std::fs::write(&token, String::from_utf8_lossy(&out.stdout).trim()).expect("token written");
        let env = vec![
            ("AWS_ROLE_ARN".to_string(), role_arn.clone()),
            ("AWS_WEB_IDENTITY_TOKEN_FILE".to_string(), token.display().to_string()),
            ("AWS_ROLE_SESSION_NAME".to_string(), "regional-failover".to_string()),
        ];
        RoleEnv { role_arn, env, _dir: dir }
    }

    /// Applies the role's environment to a command, removing any static keys.
    pub fn apply<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn apply_tokio<'c>(&self, cmd: &'c mut tokio::process::Command) -> &'c mut tokio::process::Command {
        cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}
