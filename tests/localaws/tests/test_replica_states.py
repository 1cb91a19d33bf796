"""Replica states that end a global table (reported everywhere, replication held, the 20-hour conversion
scaled down) and multi-region consistency."""

import datetime
from urllib.error import HTTPError

import pytest
from botocore.exceptions import ClientError

from conftest import wait_until
from fidelity_fixtures import aws_fixture, global_table, shared_serve  # noqa: F401 (fixtures)

EAST, WEST, EU = "us-east-1", "us-west-2", "eu-west-1"
CONVERTING = ("REPLICATION_NOT_AUTHORIZED", "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "REGION_DISABLED")


def _replica(client, region):
    table = client.describe_table(TableName="profiles")["Table"]
    return next((r for r in table.get("Replicas", []) if r["RegionName"] == region), None)


def _has(client, key):
    return "Item" in client.get_item(TableName="profiles", Key={"pk": {"S": key}})


def test_replica_states_are_reported_in_every_region_and_hold_replication(aws):
    east = global_table(aws, regions=(WEST, EU), sse=True)
    west, eu = aws.client("dynamodb", WEST), aws.client("dynamodb", EU)
    aws.control("POST", "/replication", {"delaySeconds": 0})
    for status in ("REPLICATION_NOT_AUTHORIZED", "CREATION_FAILED", "ARCHIVING", "ARCHIVED", "REGION_DISABLED",
                   "INACCESSIBLE_ENCRYPTION_CREDENTIALS"):
        before = datetime.datetime.now(datetime.timezone.utc)
        state = aws.control("POST", "/dynamodb/replica-state", {"table": "profiles", "region": WEST, "status": status})
        assert state["status"] == status
        for client in (east, eu):  # every other member region reports it
            replica = _replica(client, WEST)
            assert replica["ReplicaStatus"] == status and replica["ReplicaStatusDescription"]
            assert ("ReplicaInaccessibleDateTime" in replica) == (status in CONVERTING)
            if status in CONVERTING:
                assert replica["ReplicaInaccessibleDateTime"] >= before - datetime.timedelta(seconds=1)
        own = west.describe_table(TableName="profiles")["Table"]["TableStatus"]
        assert own == (status if status not in ("CREATION_FAILED", "REGION_DISABLED") else "ACTIVE")
    assert _replica(east, EU)["ReplicaStatus"] == "ACTIVE"
    assert "InaccessibleEncryptionDateTime" in west.describe_table(TableName="profiles")["Table"]["SSEDescription"]

    east.put_item(TableName="profiles", Item={"pk": {"S": "while-inaccessible"}})
    wait_until(lambda: _has(eu, "while-inaccessible"), 2, message="replication to the healthy replica")
    pending = aws.control("GET", "/replication")["pending"][0]
    assert pending["held"] == 1 and pending["heldReasons"] == [f"replica {WEST} INACCESSIBLE_ENCRYPTION_CREDENTIALS"]
    assert not _has(west, "while-inaccessible")
    west.put_item(TableName="profiles", Item={"pk": {"S": "from-the-inaccessible-one"}})  # held both ways

    aws.control("POST", "/dynamodb/replica-state", {"table": "profiles", "region": WEST, "status": "ACTIVE"})
    wait_until(lambda: _has(west, "while-inaccessible") and _has(east, "from-the-inaccessible-one"), 2,
               message="held writes after recovery")
    recovered = _replica(east, WEST)
    assert recovered["ReplicaStatus"] == "ACTIVE" and "ReplicaInaccessibleDateTime" not in recovered
    statuses = [h["status"] for h in aws.control("GET", "/dynamodb/replica-state")["history"]]
    assert statuses == ["REPLICATION_NOT_AUTHORIZED", "CREATION_FAILED", "ARCHIVING", "ARCHIVED", "REGION_DISABLED",
                        "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "ACTIVE"]
    with pytest.raises(HTTPError):
        aws.control("POST", "/dynamodb/replica-state", {"table": "profiles", "region": WEST, "status": "BROKEN"})


def test_replication_not_authorized_converts_the_replica_to_a_single_region_table(aws):
    east = global_table(aws)
    west = aws.client("dynamodb", WEST)
    assert aws.control("GET", "/settings")["replicaConversionSeconds"] == pytest.approx(7200.0)  # 20 h x 0.1
    aws.control("POST", "/settings", {"replicaConversionSeconds": 0.8})
    aws.control("POST", "/replication", {"delaySeconds": 0})
    east.put_item(TableName="profiles", Item={"pk": {"S": "replicated"}})
    wait_until(lambda: _has(west, "replicated"), 2, message="replication")
    state = aws.control("POST", "/dynamodb/replica-state",
                        {"table": "profiles", "region": WEST, "status": "REPLICATION_NOT_AUTHORIZED"})
    assert state["conversionAtEpoch"] == pytest.approx(state["sinceEpoch"] + 0.8)
    east.put_item(TableName="profiles", Item={"pk": {"S": "never-replicated"}})
    wait_until(lambda: "Replicas" not in east.describe_table(TableName="profiles")["Table"], 3,
               message="the 20-hour (scaled) conversion")
    converted = aws.control("GET", "/dynamodb/replica-state")
    event = converted["history"][-1]
    assert (event["event"], event["region"], event["previous"], event["droppedWrites"]) == \
        ("converted", WEST, "REPLICATION_NOT_AUTHORIZED", 1)
    assert event["atEpoch"] >= state["conversionAtEpoch"] and converted["replicas"] == []
    standalone = west.describe_table(TableName="profiles")["Table"]
    assert standalone["TableStatus"] == "ACTIVE" and "Replicas" not in standalone
    assert "GlobalTableVersion" not in standalone and _has(west, "replicated")
    east.put_item(TableName="profiles", Item={"pk": {"S": "after"}})
    assert aws.control("GET", "/replication")["pending"] == []  # nothing replicates any more
    assert not _has(west, "never-replicated") and not _has(west, "after")


def test_multi_region_consistency_from_update_table_and_the_control_api(aws):
    east = global_table(aws, "mrec")
    assert east.describe_table(TableName="mrec")["Table"]["MultiRegionConsistency"] == "EVENTUAL"
    for name, updates in (("three", {"ReplicaUpdates": [{"Create": {"RegionName": WEST}},
                                                        {"Create": {"RegionName": "us-east-2"}}]}),
                          ("witnessed", {"ReplicaUpdates": [{"Create": {"RegionName": "us-east-2"}}],
                                         "GlobalTableWitnessUpdates": [{"Create": {"RegionName": WEST}}]})):
        east.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        east.update_table(TableName=name, MultiRegionConsistency="STRONG", **updates)
        table = aws.client("dynamodb", "us-east-2").describe_table(TableName=name)["Table"]
        assert table["MultiRegionConsistency"] == "STRONG"
        assert table.get("GlobalTableWitnesses") == ([{"RegionName": WEST, "WitnessStatus": "ACTIVE"}]
                                                     if name == "witnessed" else None)
    for bad in ({"MultiRegionConsistency": "STRONG"},  # only while creating the global table
                {"MultiRegionConsistency": "STRONG", "ReplicaUpdates": [{"Create": {"RegionName": EU}}]}):
        with pytest.raises(ClientError) as err:
            east.update_table(TableName="mrec", **bad)
        assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "Replicas" in east.describe_table(TableName="mrec")["Table"]
    assert [r["RegionName"] for r in east.describe_table(TableName="mrec")["Table"]["Replicas"]] == [WEST]

    aws.control("POST", "/dynamodb/consistency", {"table": "mrec", "mode": "STRONG", "witnessRegion": "us-east-2"})
    table = aws.client("dynamodb", WEST).describe_table(TableName="mrec")["Table"]
    assert (table["MultiRegionConsistency"], table["GlobalTableWitnesses"][0]["RegionName"]) == ("STRONG", "us-east-2")
    # An MRSC replica is not converted after 20 hours (AWS: it stays inaccessible instead).
    state = aws.control("POST", "/dynamodb/replica-state",
                        {"table": "mrec", "region": WEST, "status": "REPLICATION_NOT_AUTHORIZED"})
    assert state["conversionAtEpoch"] is None
