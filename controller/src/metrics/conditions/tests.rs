use std::mem::size_of;

use super::{ConditionLabels, Name, Series};
use crate::status::{ConditionReason, ConditionType};

#[test]
fn every_name_of_the_vocabularies_is_known_and_reads_back() {
    for name in ConditionType::ALL.iter().map(|t| t.as_str()).chain(ConditionReason::ALL.iter().map(|r| r.as_str())) {
        let n = Name::of(name);
        assert!(matches!(n, Name::Known(_)), "{name}");
        assert_eq!(n.as_str(), name);
    }
    assert_eq!(Name::of("SomethingNew").as_str(), "SomethingNew");
}

/// A thousand objects have six thousand condition series, each key held in the family's table
/// and again in the object's list (docs/architecture.md, "Memory").
#[test]
fn a_condition_series_stays_small() {
    assert!(size_of::<Name>() <= 16, "Name is {} bytes", size_of::<Name>());
    assert!(size_of::<Series>() <= 40, "Series is {} bytes", size_of::<Series>());
    assert!(size_of::<ConditionLabels>() <= 72, "ConditionLabels is {} bytes", size_of::<ConditionLabels>());
}
