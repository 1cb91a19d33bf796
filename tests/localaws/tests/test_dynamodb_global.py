"""DynamoDB global tables (2019.11.21): replicas, item replication with delay and pause, PITR."""

import time

import pytest
from botocore.exceptions import ClientError

from conftest import wait_until

EAST, WEST = "us-east-1", "us-west-2"


def _global_table(localaws, name="profiles"):
    east, west = localaws.client("dynamodb", EAST), localaws.client("dynamodb", WEST)
    east.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        SSESpecification={"Enabled": True, "SSEType": "KMS"},
        Tags=[{"Key": "role", "Value": "primary"}])
    east.put_item(TableName=name, Item={"pk": {"S": "before-replica"}})
    east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": WEST}}])
    return east, west


def test_replica_is_a_real_table_listed_in_both_regions(localaws):
    east, west = _global_table(localaws)
    e = east.describe_table(TableName="profiles")["Table"]
    w = west.describe_table(TableName="profiles")["Table"]
    assert e["GlobalTableVersion"] == w["GlobalTableVersion"] == "2019.11.21"
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in e["Replicas"]] == [(WEST, "ACTIVE")]
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in w["Replicas"]] == [(EAST, "ACTIVE")]
    assert w["TableArn"].startswith(f"arn:aws:dynamodb:{WEST}:")
    for key in ("KeySchema", "AttributeDefinitions", "BillingModeSummary", "StreamSpecification"):
        assert w[key] == e[key], key
    assert w["SSEDescription"]["Status"] == "ENABLED" and f":{WEST}:" in w["SSEDescription"]["KMSMasterKeyArn"]
    assert west.get_item(TableName="profiles", Key={"pk": {"S": "before-replica"}})["Item"]
    # Tags are per replica: the replica starts without the primary's tags.
    assert west.list_tags_of_resource(ResourceArn=w["TableArn"])["Tags"] == []
    assert [t["Key"] for t in east.list_tags_of_resource(ResourceArn=e["TableArn"])["Tags"]] == ["role"]

    with pytest.raises(ClientError) as err:
        east.update_table(TableName="profiles", ReplicaUpdates=[{"Create": {"RegionName": WEST}}])
    assert err.value.response["Error"]["Code"] == "ValidationException"

    east.update_table(TableName="profiles", ReplicaUpdates=[{"Delete": {"RegionName": WEST}}])
    assert "Replicas" not in east.describe_table(TableName="profiles")["Table"]
    with pytest.raises(ClientError) as err:
        west.describe_table(TableName="profiles")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_items_replicate_both_ways_after_the_set_delay(localaws):
    east, west = _global_table(localaws)
    localaws.control("POST", "/replication", {"delaySeconds": 1.0})

    def visible(client, key):
        return "Item" in client.get_item(TableName="profiles", Key={"pk": {"S": key}})

    written = time.monotonic()
    east.put_item(TableName="profiles", Item={"pk": {"S": "u1"}, "name": {"S": "Ada"}})
    assert not visible(west, "u1")
    wait_until(lambda: visible(west, "u1"), 3, message="east->west replication")
    lag = time.monotonic() - written
    assert 1.0 <= lag < 1.8, lag
    assert west.get_item(TableName="profiles", Key={"pk": {"S": "u1"}})["Item"]["name"] == {"S": "Ada"}

    west.update_item(TableName="profiles", Key={"pk": {"S": "u1"}}, UpdateExpression="SET age = :a",
                     ExpressionAttributeValues={":a": {"N": "36"}})
    wait_until(lambda: "age" in east.get_item(TableName="profiles", Key={"pk": {"S": "u1"}})["Item"], 3,
               message="west->east update")
    east.delete_item(TableName="profiles", Key={"pk": {"S": "u1"}})
    wait_until(lambda: not visible(west, "u1"), 3, message="delete replication")
    latest = localaws.control("GET", "/replication")["latest"]
    assert {(x["sourceRegion"], x["targetRegion"]) for x in latest} == {(EAST, WEST), (WEST, EAST)}
    assert all(x["latencySeconds"] >= 1.0 for x in latest)

    # The replica's stream sees replicated writes too.
    stream_arn = west.describe_table(TableName="profiles")["Table"]["LatestStreamArn"]
    streams = localaws.client("dynamodbstreams", WEST)
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    events = [r["eventName"] for r in streams.get_records(ShardIterator=it["ShardIterator"])["Records"]]
    assert events[0] == "INSERT" and "REMOVE" in events


def test_paused_replication_holds_writes_until_resumed(localaws):
    east, west = _global_table(localaws)
    localaws.control("POST", "/replication", {"table": "profiles", "paused": True, "delaySeconds": 0})
    east.put_item(TableName="profiles", Item={"pk": {"S": "held"}})
    wait_until(lambda: localaws.control("GET", "/replication")["pending"], 2, message="pending change")
    pending = localaws.control("GET", "/replication")["pending"][0]
    assert (pending["table"], pending["count"], pending["targets"]) == ("profiles", 1, [WEST])
    deadline = time.monotonic() + 1.0  # well past the (zero) delay: still nothing in the replica
    while time.monotonic() < deadline:
        assert "Item" not in west.get_item(TableName="profiles", Key={"pk": {"S": "held"}})
        time.sleep(0.05)
    localaws.control("POST", "/replication", {"table": "profiles", "paused": False})
    wait_until(lambda: "Item" in west.get_item(TableName="profiles", Key={"pk": {"S": "held"}}), 2,
               message="replication after resume")
    assert localaws.control("GET", "/replication")["pending"] == []


def test_failed_transaction_does_not_replicate(localaws):
    east, west = _global_table(localaws)
    localaws.control("POST", "/replication", {"delaySeconds": 0})
    with pytest.raises(ClientError):
        east.transact_write_items(TransactItems=[
            {"Put": {"TableName": "profiles", "Item": {"pk": {"S": "tx"}}}},
            {"ConditionCheck": {"TableName": "profiles", "Key": {"pk": {"S": "absent"}},
                                "ConditionExpression": "attribute_exists(pk)"}}])
    east.put_item(TableName="profiles", Item={"pk": {"S": "marker"}})
    wait_until(lambda: "Item" in west.get_item(TableName="profiles", Key={"pk": {"S": "marker"}}), 2,
               message="marker replication")
    assert "Item" not in west.get_item(TableName="profiles", Key={"pk": {"S": "tx"}})


def test_create_table_from_global_table_source_arn(localaws):
    east, west = localaws.client("dynamodb", EAST), localaws.client("dynamodb", WEST)
    source = east.create_table(TableName="src", BillingMode="PAY_PER_REQUEST",
                               KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    arn = source["TableDescription"]["TableArn"]
    created = west.create_table(TableName="src", GlobalTableSourceArn=arn)["TableDescription"]
    assert created["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert [r["RegionName"] for r in east.describe_table(TableName="src")["Table"]["Replicas"]] == [WEST]


def test_point_in_time_recovery_is_per_region(localaws):
    east, west = _global_table(localaws)

    def pitr(client):
        d = client.describe_continuous_backups(TableName="profiles")["ContinuousBackupsDescription"]
        return d["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]

    pitr_on = {"PointInTimeRecoveryEnabled": True}
    east.update_continuous_backups(TableName="profiles", PointInTimeRecoverySpecification=pitr_on)
    assert (pitr(east), pitr(west)) == ("ENABLED", "DISABLED")
    west.update_continuous_backups(TableName="profiles", PointInTimeRecoverySpecification=pitr_on)
    assert pitr(west) == "ENABLED"


def test_replica_transition_time_and_legacy_calls(localaws):
    localaws.control("POST", "/settings", {"replicaTransitionSeconds": 1.0})
    east, west = _global_table(localaws)
    statuses = [r["ReplicaStatus"] for r in east.describe_table(TableName="profiles")["Table"]["Replicas"]]
    assert statuses == ["CREATING"]
    assert east.describe_table(TableName="profiles")["Table"]["TableStatus"] == "UPDATING"
    wait_until(lambda: east.describe_table(TableName="profiles")["Table"]["Replicas"][0]["ReplicaStatus"] == "ACTIVE",
               3, message="replica ACTIVE")
    assert west.describe_table(TableName="profiles")["Table"]["TableStatus"] == "ACTIVE"

    with pytest.raises(ClientError) as err:
        east.describe_global_table(GlobalTableName="profiles")
    assert err.value.response["Error"]["Code"] == "GlobalTableNotFoundException"
    assert east.list_global_tables()["GlobalTables"] == []
