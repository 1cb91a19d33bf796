//! The sample manifests: the valid examples and the invalid cases with their expected messages,
//! and two comparisons of a manifest as the server returns it (defaults filled, documents equal).
//!
//! Each invalid case's header names the message (`# expect:`) and the part of the CRD that
//! refuses it (`# rejected-by:`). Every case is rejected by the API server (≥ 1.25 enforces CEL;
//! tests/crd_contract.rs proves it on the modern CRD server) and by the client-side check alike;
//! the header only says which part of the server's validation speaks, because that differs in
//! one observable way: the server evaluates no CEL rule of an object whose structure fails.

use std::path::PathBuf;

use serde_json::Value;

use super::repo_root;

/// Which part of the CRD's validation rejects an invalid case (`# rejected-by:` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectedBy {
    /// `server`: the OpenAPI schema's structure (types, required, enum, bounds), checked first.
    Server,
    /// `cel`: a CEL rule (`x-kubernetes-validations`); the structure must hold for it to run.
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

/// Every `RegionalFailover` document of every valid example (`examples/*.yaml`), with its file.
pub fn valid_examples() -> Vec<(PathBuf, Value)> {
    let mut paths: Vec<_> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let yaml = std::fs::read_to_string(&path).expect("example readable");
        let docs: Vec<Value> = serde_saphyr::from_multiple(&yaml).expect("example parses as YAML");
        let rfs = docs.into_iter().filter(|d| d.get("kind").and_then(Value::as_str) == Some("RegionalFailover"));
        out.extend(rfs.map(|d| (path.clone(), d)));
    }
    out
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

/// Every field with a schema `default` under an object that is present, which `value` lacks.
pub fn defaults_missing(schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, prop) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
                match map.get(key) {
                    Some(v) => defaults_missing(prop, v, &format!("{path}.{key}"), out),
                    None if prop.get("default").is_some() => out.push(format!("{path}.{key}")),
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    defaults_missing(item_schema, item, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// The first place where two JSON documents differ, with both sides; `None` when equal.
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(u), Some(v)) => first_difference(u, v, &format!("{path}.{k}")),
                (u, v) => Some(format!("{path}.{k}: {u:?} vs {v:?}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (u, v))| first_difference(u, v, &format!("{path}[{i}]")))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}
