//! The crate's one error type.

/// Everything that can go wrong, with a message a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("not a valid manifest: {0}")]
    Manifest(String),
    #[error("RegionalFailover {name} is invalid: {}", reasons.join("; "))]
    Invalid { name: String, reasons: Vec<String> },
    #[error("cannot serialize: {0}")]
    Serialize(String),
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
}
