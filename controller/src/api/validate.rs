//! The generated CRD, manifest parsing, and client-side evaluation of its CEL rules.
//!
//! API servers before 1.25 drop `x-kubernetes-validations`, so the same rules are evaluated here
//! from the CRD's own schema: the check CLI, the controller's validate step and the tests all use
//! the very rules the CRD carries.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;
use std::sync::OnceLock;

use serde_json::Value;

use super::RegionalFailover;
use crate::Error;

/// The CRD as applied to clusters.
pub fn crd() -> CustomResourceDefinition {
    RegionalFailover::crd()
}

/// The CRD as YAML: what `regional-failover crd` prints and `crds/regionalfailover.yaml` holds.
pub fn crd_yaml() -> Result<String, Error> {
    serde_saphyr::to_string(&crd()).map_err(|e| Error::Serialize(e.to_string()))
}

/// The CRD's openAPIV3Schema as JSON, generated once per process.
fn schema() -> Result<&'static Value, Error> {
    static SCHEMA: OnceLock<Result<Value, String>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| generate_schema().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::Serialize(e.clone()))
}

fn generate_schema() -> Result<Value, Error> {
    let crd = crd();
    let schema = crd
        .spec
        .versions
        .first()
        .and_then(|v| v.schema.as_ref())
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .ok_or_else(|| Error::Serialize("the generated CRD has no openAPIV3Schema".into()))?;
    serde_json::to_value(schema).map_err(|e| Error::Serialize(e.to_string()))
}

/// The CRD's rules, compiled once per process: every reconcile validates its object, and
/// generating and compiling the schema costs far more than evaluating it.
fn compiled() -> Result<&'static kube::core::cel::CompiledSchema, Error> {
    static COMPILED: OnceLock<Result<kube::core::cel::CompiledSchema, String>> = OnceLock::new();
    COMPILED
        .get_or_init(|| schema().map(kube::core::cel::compile_schema).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Error::Serialize(e.clone()))
}

/// Evaluates the CRD's CEL rules against one object (defaults applied first, as an API server
/// does). Returns one message per failed rule, in the API server's words (see [`server_words`]).
pub fn cel_violations(object: &Value) -> Result<Vec<String>, Error> {
    match kube::core::cel::Validator::new().validate_compiled(compiled()?, object, None) {
        Ok(()) => Ok(Vec::new()),
        Err(errors) => Ok(errors.iter().map(|e| server_words(e, object)).collect()),
    }
}

/// A failed rule as apiextensions-apiserver (1.36) reports it: `PATH: Invalid value: VALUE:
/// MESSAGE`, the value shown for strings, numbers and booleans and left out for objects and lists.
fn server_words(e: &kube::core::cel::ValidationError, object: &Value) -> String {
    if e.kind != kube::core::cel::ErrorKind::ValidationFailure || e.field_path.is_empty() {
        return e.to_string();
    }
    let value = e.field_path.split('.').try_fold(object, |v, segment| match segment.split_once('[') {
        Some((key, index)) => v.get(key)?.get(index.trim_end_matches(']').parse::<usize>().ok()?),
        None => v.get(segment),
    });
    match value {
        Some(Value::String(s)) => format!("{}: Invalid value: {s:?}: {}", e.field_path, e.message),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => format!("{}: Invalid value: {v}: {}", e.field_path, e.message),
        _ => format!("{}: Invalid value: {}", e.field_path, e.message),
    }
}

/// What the API server adds when a structural error kept it from evaluating the CEL rules.
pub const RULES_NOT_CHECKED: &str = "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

/// The one validation of a spec, used by the controller, `check` and `drill`, in the API server's
/// order: the schema's structure first (types, required fields, enums, bounds), then the CRD's
/// CEL rules unless the structure has an error that stops the server before them
/// ([`super::schema_check::blocks_cel`]); then what CEL cannot check, cron schedules, parsed by
/// the crate the scheduler uses. One sentence per problem, in the API server's words.
pub fn problems(object: &Value) -> Result<Vec<String>, Error> {
    let root = schema()?;
    let spec_schema = root.pointer("/properties/spec").cloned().unwrap_or(Value::Null);
    let spec = object.get("spec").cloned().unwrap_or(Value::Null);
    let structural = if spec.is_null() {
        vec!["spec: Required value".to_string()]
    } else {
        super::schema_check::problems(&spec_schema, &spec, "spec")
    };
    let mut problems = structural;
    if problems.iter().any(|p| super::schema_check::blocks_cel(p)) {
        problems.push(RULES_NOT_CHECKED.to_string());
        return Ok(problems);
    }
    problems.extend(cel_violations(object)?);
    let drills = object.pointer("/spec/drills").and_then(Value::as_array).cloned().unwrap_or_default();
    for (i, drill) in drills.iter().enumerate() {
        let name = drill.get("name").and_then(Value::as_str).unwrap_or("?");
        // A schedule the CRD's rule already refused gets the server's one sentence, not two.
        let refused = format!("spec.drills[{i}].schedule:");
        if let Some(schedule) = drill.get("schedule").and_then(Value::as_str)
            && !problems.iter().any(|p| p.starts_with(&refused))
            && let Err(e) = crate::drill::schedule::parse(schedule)
        {
            problems.push(format!("spec.drills[{name}].schedule {schedule:?} is not a valid cron expression: {e}"));
        }
    }
    Ok(problems)
}

/// [`problems`] of a typed object, as one sentence; `None` when it is valid.
pub fn spec_error(rf: &RegionalFailover) -> Option<String> {
    let problems = serde_json::to_value(rf).map_err(|e| Error::Serialize(e.to_string())).and_then(|v| problems(&v));
    match problems {
        Ok(p) if p.is_empty() => None,
        Ok(p) => Some(format!("The spec is invalid: {}.", p.join("; "))),
        Err(e) => Some(format!("The spec is invalid: {e}.")),
    }
}

/// Parses every `RegionalFailover` document in a YAML stream and validates it ([`problems`]).
/// Documents of other kinds are skipped, so a file can also hold Namespaces and the like.
pub fn parse_manifests(yaml: &str) -> Result<Vec<RegionalFailover>, Error> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(yaml).map_err(|e| Error::Manifest(e.to_string()))?;
    let mut out = Vec::new();
    for doc in docs.into_iter().filter(|d| !d.is_null()) {
        if doc.get("kind").and_then(Value::as_str) != Some("RegionalFailover") {
            continue;
        }
        let name = doc.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("<unnamed>").to_string();
        let violations = problems(&doc)?;
        if !violations.is_empty() {
            return Err(Error::Invalid { name, reasons: violations });
        }
        let rf: RegionalFailover =
            serde_json::from_value(doc).map_err(|e| Error::Invalid { name, reasons: vec![e.to_string()] })?;
        out.push(rf);
    }
    if out.is_empty() {
        return Err(Error::Manifest("no RegionalFailover document found".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
