use futures::FutureExt;
use kube::runtime::reflector::{self, ObjectRef, Store};
use serde_json::json;

use super::*;

fn rf(name: &str) -> RegionalFailover {
    serde_json::from_value(json!({
        "apiVersion": "regionalfailover.io/v1alpha1", "kind": "RegionalFailover",
        "metadata": {"name": name, "namespace": "default", "uid": name},
        "spec": {
            "primary": {"region": "us-east-1", "endpoint": "127.0.0.1"},
            "secondary": {"region": "us-west-2", "endpoint": "127.0.0.2"},
            "dns": {"hostedZoneId": "Z1", "recordName": "api.example.com", "recordType": "A"},
            "healthCheck": {"id": "hc-1", "type": "HTTP", "port": 9, "resourcePath": "/health"},
            "table": {"name": "profiles", "replicaRegions": ["us-west-2"]}
        }
    }))
    .expect("a valid object")
}

fn names(store: &Store<RegionalFailover>) -> Vec<String> {
    let mut names: Vec<String> = store.state().iter().map(|o| o.metadata.name.clone().unwrap_or_default()).collect();
    names.sort();
    names
}

fn ready(store: &Store<RegionalFailover>) -> bool {
    store.wait_until_ready().now_or_never().is_some()
}

/// The first list: the store is ready before its first object, and each object is in it as soon
/// as it is listed, so its reconcile can run before the rest of the list. Nothing needing the
/// whole fleet is told "listed" before the list's end.
#[test]
fn the_first_list_fills_the_store_as_it_comes() {
    let (store, writer) = reflector::store();
    let (mut writer, listed) = EagerWriter::new(writer);
    writer.apply(Event::Init);
    assert!(ready(&store), "ready before the first object");
    assert!(names(&store).is_empty());
    writer.apply(Event::InitApply(rf("a")));
    assert_eq!(names(&store), ["a"], "the first object is in the store while the list goes on");
    assert!(!*listed.borrow(), "not the whole fleet yet");
    writer.apply(Event::InitApply(rf("b")));
    assert!(store.get(&ObjectRef::new("b").within("default")).is_some());
    let handed_on = writer.apply(Event::InitDone);
    assert!(matches!(handed_on, Event::InitDone), "events go on unchanged");
    assert_eq!(names(&store), ["a", "b"], "the end of the first list keeps every object");
    assert!(*listed.borrow(), "listed at the end of the first list");
}

/// Objects are handed on as they came, so the controller is triggered for each.
#[test]
fn listed_objects_are_handed_on() {
    let (_store, writer) = reflector::store();
    let (mut writer, _listed) = EagerWriter::new(writer);
    writer.apply(Event::Init);
    match writer.apply(Event::InitApply(rf("a"))) {
        Event::InitApply(o) => assert_eq!(o.metadata.name.as_deref(), Some("a")),
        other => panic!("handed on as {other:?}"),
    }
}

/// A first list that broke off and started again: what the broken list inserted stays until the
/// new list ends (reconciles may be running on it), then only what the new list holds remains.
#[test]
fn a_first_list_started_again_ends_with_only_the_new_list() {
    let (store, writer) = reflector::store();
    let (mut writer, listed) = EagerWriter::new(writer);
    writer.apply(Event::Init);
    writer.apply(Event::InitApply(rf("gone")));
    writer.apply(Event::InitApply(rf("kept")));
    writer.apply(Event::Init);
    writer.apply(Event::InitApply(rf("kept")));
    writer.apply(Event::InitApply(rf("new")));
    assert_eq!(names(&store), ["gone", "kept"], "unchanged until the new list's end");
    assert!(!*listed.borrow());
    writer.apply(Event::InitDone);
    assert_eq!(names(&store), ["kept", "new"]);
    assert!(*listed.borrow());
}

/// Later lists (the watch lost its place) are swapped in whole, as kube-runtime does: the store
/// keeps every object meanwhile, and one deleted in between leaves at the end.
#[test]
fn a_later_list_is_swapped_in_at_its_end() {
    let (store, writer) = reflector::store();
    let (mut writer, _listed) = EagerWriter::new(writer);
    for event in [Event::Init, Event::InitApply(rf("a")), Event::InitApply(rf("b")), Event::InitDone] {
        writer.apply(event);
    }
    writer.apply(Event::Apply(rf("c")));
    writer.apply(Event::Delete(rf("a")));
    assert_eq!(names(&store), ["b", "c"], "watch events go straight in");
    writer.apply(Event::Init);
    writer.apply(Event::InitApply(rf("c")));
    assert_eq!(names(&store), ["b", "c"], "a later list is not applied object by object");
    writer.apply(Event::InitDone);
    assert_eq!(names(&store), ["c"]);
}

#[test]
fn only_the_first_list_is_eager() {
    assert_eq!(step(Phase::Fresh, Kind::Init), (Phase::Eager, Feed::ReadyEmpty));
    assert_eq!(step(Phase::Eager, Kind::InitApply), (Phase::Eager, Feed::Insert));
    assert_eq!(step(Phase::Eager, Kind::InitDone), (Phase::Swapped, Feed::Nothing));
    assert_eq!(step(Phase::Eager, Kind::Init), (Phase::Swapped, Feed::AsIs));
    for kind in [Kind::Init, Kind::InitApply, Kind::InitDone, Kind::Apply, Kind::Delete] {
        assert_eq!(step(Phase::Swapped, kind), (Phase::Swapped, Feed::AsIs), "{kind:?}");
    }
}
