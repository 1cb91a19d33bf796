//! A mock Kubernetes API server for the reconcile glue (controller-rs's fixtures style, but
//! recording instead of scripting): it keeps one RegionalFailover, answers the calls a reconcile
//! makes (read, finalizer patch, status apply, events, the stop-switch ConfigMap) the way the API
//! server would, and records every request so tests assert on what was written and in which order.

use std::{
    convert::Infallible,
    sync::{Arc, Mutex},
};

use http::{Request, Response, StatusCode};
use kube::{Client, client::Body};
use serde_json::{Value, json};

#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: Value,
}

#[derive(Clone)]
pub struct MockApi {
    pub object: Arc<Mutex<Value>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl MockApi {
    pub fn new(object: Value) -> MockApi {
        MockApi { object: Arc::new(Mutex::new(object)), seen: Arc::default() }
    }

    pub fn client(&self) -> Client {
        let api = self.clone();
        let service = tower::service_fn(move |req: Request<Body>| {
            let api = api.clone();
            async move { Ok::<_, Infallible>(api.answer(req).await) }
        });
        Client::new(service, "default")
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }

    /// Requests of one kind: `("PATCH", "/status")` etc. (path suffix).
    pub fn matching(&self, method: &str, suffix: &str) -> Vec<Seen> {
        self.requests().into_iter().filter(|s| s.method == method && s.path.ends_with(suffix)).collect()
    }

    pub fn object(&self) -> Value {
        self.object.lock().expect("not poisoned").clone()
    }

    async fn answer(&self, req: Request<Body>) -> Response<Body> {
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let bytes = req.into_body().collect_bytes().await.unwrap_or_default();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        self.seen.lock().expect("not poisoned").push(Seen {
            method: method.clone(),
            path: path.clone(),
            body: body.clone(),
        });
        let mut object = self.object.lock().expect("not poisoned");
        let name = object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
        let own = format!("/regionalfailovers/{name}");
        match method.as_str() {
            _ if path.ends_with("/configmaps/regional-failover-stop-drills") => not_found(),
            "POST" if path.ends_with("/events") => reply(StatusCode::CREATED, &body),
            "GET" if path.ends_with(&own) => reply(StatusCode::OK, &object),
            "PATCH" if path.ends_with(&format!("{own}/status")) => {
                object["status"] = body["status"].clone();
                reply(StatusCode::OK, &object)
            }
            "PATCH" if path.ends_with(&own) => {
                if let Some(f) = body.pointer("/metadata/finalizers") {
                    object["metadata"]["finalizers"] = f.clone();
                }
                reply(StatusCode::OK, &object)
            }
            _ => not_found(),
        }
    }
}

fn reply(code: StatusCode, body: &Value) -> Response<Body> {
    let mut r = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *r.status_mut() = code;
    r
}

fn not_found() -> Response<Body> {
    let status = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"});
    reply(StatusCode::NOT_FOUND, &status)
}
