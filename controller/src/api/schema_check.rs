//! The structural part of the CRD's schema, checked client-side the way an API server does before
//! it evaluates any CEL rule: types, required fields, enums, bounds, lengths, item counts, and
//! fields the schema does not declare. Messages are the API server's own, so `check` and `drill`
//! say what `kubectl apply` would (docs/architecture.md, "One reconcile").

use serde_json::Value;

/// Every structural problem of `object` (at `path`, e.g. `spec`) against `schema`.
pub fn problems(schema: &Value, object: &Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    walk(schema, object, path, &mut out);
    out
}

/// Whether the API server evaluates no CEL rule once it found `problem` (one of [`problems`]):
/// apiextensions-apiserver skips them all after a wrong type, a missing required field, a value
/// outside an enum, a string or list too long (its `hasBlockingErr`), and runs them after a
/// bound, minimum length or minimum count error. An undeclared field stops it earlier still.
pub fn blocks_cel(problem: &str) -> bool {
    ["must be of type", "Required value", "Unsupported value:", "Too long:", "Too many:", "field not declared"]
        .iter()
        .any(|m| problem.contains(m))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The value as the API server quotes it in messages: strings quoted, numbers bare.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn walk(schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    if value.is_null() {
        if schema.get("nullable").and_then(Value::as_bool) != Some(true) {
            out.push(format!(
                "{path}: Invalid value: \"null\": {path} in body must be of type {}: \"null\"",
                declared(schema)
            ));
        }
        return;
    }
    let want = schema.get("type").and_then(Value::as_str);
    let got = type_name(value);
    let fits = match want {
        None => true,
        Some("number") => matches!(got, "number" | "integer"),
        Some(t) => t == got,
    };
    if !fits {
        let want = want.unwrap_or("object");
        out.push(format!("{path}: Invalid value: \"{got}\": {path} in body must be of type {want}: \"{got}\""));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        let list: Vec<String> =
            allowed.iter().map(|a| format!("{:?}", a.as_str().map_or(a.to_string(), str::to_string))).collect();
        out.push(format!("{path}: Unsupported value: {}: supported values: {}", shown(value), list.join(", ")));
    }
    match value {
        Value::Number(n) => bounds(schema, n.as_f64().unwrap_or_default(), value, path, out),
        Value::String(s) => lengths(schema, s, value, path, out),
        Value::Array(items) => {
            counts(schema, items.len(), path, out);
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    walk(item_schema, item, &format!("{path}[{i}]"), out);
                }
            }
        }
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for req in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
            {
                if !map.contains_key(req) {
                    out.push(format!("{path}.{req}: Required value"));
                }
            }
            let open = schema.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true);
            for (key, v) in map {
                match props.and_then(|p| p.get(key)) {
                    Some(s) => walk(s, v, &format!("{path}.{key}"), out),
                    None if open || props.is_none() => {}
                    None => out.push(format!(".{path}.{key}: field not declared in schema")),
                }
            }
        }
        _ => {}
    }
}

fn declared(schema: &Value) -> &str {
    schema.get("type").and_then(Value::as_str).unwrap_or("object")
}

fn bounds(schema: &Value, n: f64, value: &Value, path: &str, out: &mut Vec<String>) {
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
        && n > max
    {
        out.push(format!(
            "{path}: Invalid value: {value}: {path} in body should be less than or equal to {}",
            trim(max)
        ));
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
        && n < min
    {
        out.push(format!(
            "{path}: Invalid value: {value}: {path} in body should be greater than or equal to {}",
            trim(min)
        ));
    }
}

fn trim(n: f64) -> String {
    if n.fract() == 0.0 { format!("{}", n as i64) } else { n.to_string() }
}

fn lengths(schema: &Value, s: &str, value: &Value, path: &str, out: &mut Vec<String>) {
    let len = s.len() as u64;
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && len > max
    {
        out.push(format!("{path}: Too long: may not be more than {max} bytes"));
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && len < min
    {
        out.push(format!(
            "{path}: Invalid value: {}: {path} in body should be at least {min} chars long",
            shown(value)
        ));
    }
}

fn counts(schema: &Value, n: usize, path: &str, out: &mut Vec<String>) {
    if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
        && n as u64 > max
    {
        out.push(format!("{path}: Too many: {n}: must have at most {max} items"));
    }
    if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
        && (n as u64) < min
    {
        out.push(format!("{path}: Invalid value: {n}: {path} in body should have at least {min} items"));
    }
}

#[cfg(test)]
mod tests;
