//! The sample manifests: the valid example and the invalid cases with their expected messages.

use std::path::PathBuf;

use super::repo_root;

/// Which layer must reject an invalid case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectedBy {
    /// OpenAPI schema, enforced by every API server.
    Server,
    /// CEL rule: enforced by API servers ≥ 1.25 and by the client-side check.
    Cel,
}

pub struct InvalidCase {
    pub path: PathBuf,
    pub yaml: String,
    pub by: RejectedBy,
    pub expect: String,
}

pub fn example() -> String {
    std::fs::read_to_string(repo_root().join("examples/profile-api.yaml")).expect("example exists")
}

pub fn invalid_cases() -> Vec<InvalidCase> {
    let dir = repo_root().join("examples/invalid");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/invalid exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let yaml = std::fs::read_to_string(&path).expect("case readable");
            let header = |key: &str| {
                yaml.lines()
                    .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
                    .unwrap_or_else(|| panic!("{} lacks a `# {key}:` header", path.display()))
                    .to_string()
            };
            let by = match header("rejected-by").as_str() {
                "server" => RejectedBy::Server,
                "cel" => RejectedBy::Cel,
                other => panic!("{}: unknown rejected-by {other}", path.display()),
            };
            let expect = header("expect");
            InvalidCase { path, yaml, by, expect }
        })
        .collect()
}
