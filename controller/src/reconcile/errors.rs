//! The reconcile's error: only what makes a reconcile fail as a whole. AWS trouble during a
//! verification is not one of them: it becomes status (conditions that say what and how to fix)
//! and a metric label, and the verification is retried with backoff.

/// Why a reconcile failed.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// A write to the Kubernetes API (status, finalizer) failed.
    #[error("Kubernetes API: {0}")]
    Kube(#[from] kube::Error),
}

impl ReconcileError {
    /// Low-cardinality label of `regionalfailover_reconciliations_total`.
    pub fn metric_label(&self) -> &'static str {
        match self {
            ReconcileError::Kube(kube::Error::Api(e)) if e.code == 409 => "kube_conflict",
            ReconcileError::Kube(_) => "kube",
        }
    }
}
