use super::*;

fn spec(holder: &str, renewed_secs_ago: i64) -> LeaseSpec {
    let t = Timestamp::now() - k8s_openapi::jiff::SignedDuration::from_secs(renewed_secs_ago);
    LeaseSpec {
        holder_identity: Some(holder.into()),
        lease_duration_seconds: Some(15),
        renew_time: Some(MicroTime(t)),
        ..LeaseSpec::default()
    }
}

#[test]
fn absent_lease_is_taken() {
    assert_eq!(decide(None, "a", Timestamp::now()), LeaseDecision::Acquire);
}

#[test]
fn own_lease_is_renewed() {
    assert_eq!(decide(Some(&spec("a", 5)), "a", Timestamp::now()), LeaseDecision::Acquire);
}

#[test]
fn live_foreign_lease_is_respected() {
    assert_eq!(decide(Some(&spec("b", 5)), "a", Timestamp::now()), LeaseDecision::Wait);
}

#[test]
fn expired_foreign_lease_is_taken() {
    assert_eq!(decide(Some(&spec("b", 30)), "a", Timestamp::now()), LeaseDecision::Acquire);
}
