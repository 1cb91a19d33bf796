use super::*;
use crate::aws::Service;

fn mismatch(attempts: u32) -> AwsError {
    AwsError::new(Service::Route53, "UpdateHealthCheck", ErrorKind::Conflict, "HealthCheckVersionMismatch")
        .with_attempts(attempts)
}

/// Found by the fault campaign (seed 946): the first attempt of the Invert was delayed past the
/// client's 10 s timeout and applied anyway; the retry was then rejected for the version that
/// attempt had moved, and the drill took it for someone else's change, ended without restoring and
/// deleted its fail-safe: the check stayed inverted.
#[test]
fn a_version_mismatch_after_a_retry_may_be_the_drills_own_change_and_restores() {
    assert!(matches!(invert_outcome(Err(mismatch(1))), ActionResult::VersionMismatch(_)));
    assert!(matches!(invert_outcome(Err(mismatch(3))), ActionResult::Failed(_)), "unknown: restore");
    assert_eq!(invert_outcome(Ok(Some(8))), ActionResult::Inverted { version: Some(8) });
}

/// Found by the fault campaign (seeds 49, 336): an operator killed while its Invert was delayed in
/// Route 53; the restarted operator found the check not inverted yet, ended the drill and deleted
/// the fail-safe, and the dead process's request was applied a few seconds later. A restore that
/// finds the check at the version the Invert was conditional on moves the version on first.
#[test]
fn a_restore_that_finds_the_preflight_version_fences_a_late_injection() {
    let original = OriginalHealthCheck { id: "hc".into(), inverted: false, disabled: false, version: Some(7) };
    assert!(needs_fence(&original, Some(7)), "an Invert conditional on 7 could still land");
    assert!(!needs_fence(&original, Some(8)), "the version moved: a late Invert is rejected anyway");
    assert!(!needs_fence(&OriginalHealthCheck { version: None, ..original }, None));
}
