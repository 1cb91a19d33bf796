use std::mem::size_of;

use super::{RegionalFailover, RegionalFailoverStatus};

/// The watch cache holds one `RegionalFailover` per object, drill or none: an optional part that
/// is large and mostly absent (a drill's records, a witnessed failover) stays behind a pointer,
/// or 1,000 objects carry 1.4 MB of empty fields (docs/architecture.md, "Memory").
#[test]
fn a_cached_object_keeps_its_rare_large_parts_behind_pointers() {
    let status = size_of::<RegionalFailoverStatus>();
    assert!(status <= 640, "RegionalFailoverStatus is {status} bytes inline");
    let object = size_of::<RegionalFailover>();
    assert!(object <= 1600, "RegionalFailover is {object} bytes inline");
}
