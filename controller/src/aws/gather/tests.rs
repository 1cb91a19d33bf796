use super::*;

#[test]
fn only_the_first_objects_read_their_own_item_before_the_listing() {
    let mut first = FirstListing::default();
    let taken: Vec<bool> = (0..4).map(|_| first.take_named_read(|| true)).collect();
    assert_eq!(taken, vec![true, true, false, false], "{NAMED_READS_BEFORE_LISTING} reads, then the listing");
}

#[test]
fn a_read_waits_for_no_token_and_costs_none_when_none_is_spare() {
    let mut first = FirstListing::default();
    assert!(!first.take_named_read(|| false), "no spare token: wait for the listing instead");
    // The refused read was not counted: the next objects may still read theirs.
    assert!(first.take_named_read(|| true));
    assert!(first.take_named_read(|| true));
}

#[test]
fn after_the_first_listing_nothing_is_read_alone() {
    let mut first = FirstListing { listed: true, ..FirstListing::default() };
    let mut asked = false;
    assert!(!first.take_named_read(|| {
        asked = true;
        true
    }));
    assert!(!asked, "the budget is not even asked once the listing is done");
}
