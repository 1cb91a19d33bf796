use std::task::Poll;

use super::*;

/// With every slot busy, each freed slot goes to the longest waiter, whatever the names: the
/// order kube-runtime's hash set did not keep. Waiters are polled newest first, so a later one
/// that could jump the queue would.
#[tokio::test]
async fn a_freed_slot_goes_to_the_longest_waiter() {
    let slots = Slots::default();
    slots.open_all();
    let mut held = Vec::new();
    for _ in 0..SLOTS {
        held.push(slots.take(Lane::Verification).await);
    }
    let names = ["svc900", "svc17", "svc333", "svc5", "svc64", "svc2", "svc481", "svc76", "svc1000"];
    let mut waiting: Vec<_> = names.iter().map(|n| (*n, Box::pin(slots.take(Lane::Verification)))).collect();
    for (_, w) in &mut waiting {
        assert!(futures::poll!(w.as_mut()).is_pending(), "every slot is busy");
    }
    let mut order = Vec::new();
    while !waiting.is_empty() {
        held.pop();
        let mut got = None;
        for (i, (name, w)) in waiting.iter_mut().enumerate().rev() {
            if let Poll::Ready(permit) = futures::poll!(w.as_mut()) {
                got = Some((i, *name, permit));
                break;
            }
        }
        let (i, name, permit) = got.expect("a freed slot goes to a waiter");
        assert!(permit.is_some());
        order.push(name);
        held.push(permit);
        drop(waiting.remove(i));
    }
    assert_eq!(order, names);
}

/// A running drill's step does not queue behind a backlog of verifications: it waits behind at
/// most the one verification already waiting for a slot, and the slots stay 8 in all.
#[tokio::test]
async fn a_drill_step_goes_ahead_of_waiting_verifications() {
    let slots = Slots::default();
    slots.open_all();
    let mut held = Vec::new();
    for _ in 0..SLOTS {
        held.push(slots.take(Lane::Verification).await);
    }
    let mut first = Box::pin(slots.take(Lane::Verification));
    let mut second = Box::pin(slots.take(Lane::Verification));
    assert!(futures::poll!(first.as_mut()).is_pending());
    assert!(futures::poll!(second.as_mut()).is_pending());
    let mut drill = Box::pin(slots.take(Lane::Drill));
    assert!(futures::poll!(drill.as_mut()).is_pending(), "no slot beyond the 8");
    held.pop();
    assert!(futures::poll!(second.as_mut()).is_pending());
    assert!(futures::poll!(drill.as_mut()).is_pending());
    let Poll::Ready(got) = futures::poll!(first.as_mut()) else { panic!("the verification already waiting is first") };
    held.push(got);
    held.pop();
    assert!(futures::poll!(second.as_mut()).is_pending(), "the other verifications wait");
    let Poll::Ready(got) = futures::poll!(drill.as_mut()) else { panic!("then the drill step, before the rest") };
    assert!(got.is_some());
}

/// At a start one slot is open, and each slot given back opens one more, up to 8: the first
/// verification is not slowed by seven others' AWS reads.
#[tokio::test]
async fn the_slots_open_one_by_one() {
    let slots = Slots::default();
    let first = slots.take(Lane::Verification).await;
    assert!(first.is_some());
    let mut second = Box::pin(slots.take(Lane::Verification));
    assert!(futures::poll!(second.as_mut()).is_pending(), "one slot at the start");
    drop(first);
    let Poll::Ready(second) = futures::poll!(second.as_mut()) else { panic!("the slot given back is taken") };
    assert_eq!(slots.free(), 1, "and one more is open");
    drop(second);
    assert_eq!(slots.free(), 3);
    let mut held = Vec::new();
    for given_back in 3..SLOTS {
        held.push(slots.take(Lane::Verification).await);
        held.pop();
        assert_eq!(slots.free(), given_back + 1);
    }
    assert_eq!(slots.free(), SLOTS);
    for _ in 0..SLOTS {
        held.push(slots.take(Lane::Verification).await);
    }
    held.clear();
    assert_eq!(slots.free(), SLOTS, "never more than 8");
    let drill = slots.take(Lane::Drill).await;
    drop(drill);
    assert_eq!(slots.free(), SLOTS);
}
