"""CloudWatch as DynamoDB and CloudWatch serve it: ReplicationLatency per replicated write, and
statistics over aligned periods with exact dimension matching."""

import datetime
import time

from conftest import wait_until
from fidelity_fixtures import aws_fixture, global_table, shared_serve  # noqa: F401 (fixtures)

UTC = datetime.timezone.utc
WEST = "us-west-2"


def _latency_query(qid, table, stat, period):
    return {"Id": qid, "MetricStat": {"Metric": {"Namespace": "AWS/DynamoDB", "MetricName": "ReplicationLatency",
                                                 "Dimensions": [{"Name": "ReceivingRegion", "Value": WEST},
                                                                {"Name": "TableName", "Value": table}]},
                                      "Period": period, "Stat": stat}}


def _latency(cw, table, stats=("Maximum", "Average", "SampleCount"), period=3600):
    now = datetime.datetime.now(UTC)
    result = cw.get_metric_data(MetricDataQueries=[_latency_query(s.lower(), table, s, period) for s in stats],
                                StartTime=now - datetime.timedelta(minutes=10),
                                EndTime=now + datetime.timedelta(minutes=1))
    return {r["Id"]: r for r in result["MetricDataResults"]}


def test_replication_latency_is_one_sample_per_replicated_write_and_missing_while_held(aws):
    lagging = global_table(aws, "lagging")
    paused = global_table(aws, "paused")
    cw = aws.client("cloudwatch")  # DynamoDB publishes in the source region
    assert all(r["Values"] == [] and r["StatusCode"] == "Complete" for r in _latency(cw, "lagging").values()), \
        "no writes, no datapoints"

    aws.control("POST", "/replication", {"table": "lagging", "delaySeconds": 0.2})
    for i in range(3):
        lagging.put_item(TableName="lagging", Item={"pk": {"S": f"quick-{i}"}})
    wait_until(lambda: _latency(cw, "lagging")["samplecount"]["Values"] == [3.0], 3, message="three samples")
    quick = _latency(cw, "lagging")
    assert 200 <= quick["average"]["Values"][0] <= quick["maximum"]["Values"][0] < 600

    aws.control("POST", "/replication", {"table": "lagging", "delaySeconds": 3})
    aws.control("POST", "/replication", {"table": "paused", "paused": True})
    lagging.put_item(TableName="lagging", Item={"pk": {"S": "slow"}})
    paused.put_item(TableName="paused", Item={"pk": {"S": "held"}})
    written = time.time()
    slow = wait_until(lambda: (r := _latency(cw, "lagging"))["samplecount"]["Values"] == [4.0] and r, 5,
                      message="the lagging write's sample")
    assert 3000 <= slow["maximum"]["Values"][0] < 3600, "the injected 3 s lag, measured"
    assert _latency(cw, "paused")["samplecount"]["Values"] == [], "a write that has not arrived has no latency yet"

    aws.control("POST", "/replication", {"table": "paused", "paused": False})
    resumed = wait_until(lambda: (r := _latency(cw, "paused"))["maximum"]["Values"] and r, 2, message="held sample")
    assert resumed["maximum"]["Values"][0] >= (time.time() - written - 0.5) * 1000 >= 2500

    # Per-minute datapoints: aligned to the minute, newest first, one sample per write in total.
    minutes = _latency(cw, "lagging", stats=("SampleCount",), period=60)["samplecount"]
    assert sum(minutes["Values"]) == 4.0
    assert all(t.second == 0 and t.microsecond == 0 for t in minutes["Timestamps"])
    assert minutes["Timestamps"] == sorted(minutes["Timestamps"], reverse=True)
    both = [{"Name": "TableName", "Value": "lagging"}, {"Name": "ReceivingRegion", "Value": WEST}]
    window = {"Namespace": "AWS/DynamoDB", "MetricName": "ReplicationLatency", "StartTime": written - 600,
              "EndTime": time.time() + 60, "Period": 3600}
    stats = cw.get_metric_statistics(**window, Statistics=["Maximum", "SampleCount"], Unit="Milliseconds",
                                     Dimensions=both)["Datapoints"]
    assert [(d["SampleCount"], d["Unit"]) for d in stats] == [(4.0, "Milliseconds")]
    assert 3000 <= stats[0]["Maximum"] < 3600
    # Not in the receiving region, and not for a partial set of dimensions.
    west = aws.client("cloudwatch", WEST)
    assert west.get_metric_statistics(**window, Statistics=["Maximum"], Dimensions=both)["Datapoints"] == []
    assert cw.get_metric_statistics(**window, Statistics=["Maximum"], Dimensions=both[:1])["Datapoints"] == []


def test_consumed_write_capacity_counts_application_writes_in_their_own_region(aws):
    east = global_table(aws, "written")
    for i in range(3):
        east.put_item(TableName="written", Item={"pk": {"S": f"w-{i}"}})
    east.delete_item(TableName="written", Key={"pk": {"S": "w-0"}})
    wait_until(lambda: aws.control("GET", "/replication")["applied"] >= 4, 5, message="replicated")
    window = {"Namespace": "AWS/DynamoDB", "MetricName": "ConsumedWriteCapacityUnits",
              "Dimensions": [{"Name": "TableName", "Value": "written"}], "Period": 3600,
              "StartTime": time.time() - 600, "EndTime": time.time() + 60, "Statistics": ["Sum"]}
    points = aws.client("cloudwatch").get_metric_statistics(**window)["Datapoints"]
    assert [(d["Sum"], d["Unit"]) for d in points] == [(4.0, "Count")], "one unit per application write"
    west = aws.client("cloudwatch", WEST).get_metric_statistics(**window)["Datapoints"]
    assert west == [], "replicated writes are not the replica's own writes"


def _cbor_call(aws, operation, params):
    """One CloudWatch call in smithy RPC v2 CBOR, as SDKs generated from current models send it
    (the Rust SDK has no other protocol for CloudWatch): (HTTP status, parsed answer)."""
    import urllib.error
    import urllib.request

    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.parsers import RpcV2CBORParser
    from botocore.serialize import RpcV2CBORSerializer

    op = botocore.session.get_session().get_service_model("cloudwatch").operation_model(operation)
    wire = RpcV2CBORSerializer().serialize_to_request(params, op)
    request = AWSRequest(method="POST", url=aws.endpoint + wire["url_path"], data=wire["body"], headers=wire["headers"])
    SigV4Auth(Credentials("testing", "testing"), "monitoring", "us-east-1").add_auth(request)
    http = urllib.request.Request(request.url, data=request.body, headers=dict(request.headers), method="POST")
    try:
        with urllib.request.urlopen(http, timeout=10) as r:
            status, headers, body = r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        status, headers, body = e.code, dict(e.headers), e.read()
    shape = op.output_shape if status < 300 else None
    parsed = RpcV2CBORParser().parse({"body": body, "headers": headers, "status_code": status}, shape)
    return status, parsed


def test_cbor_requests_are_answered_in_cbor(aws):
    t0 = (int(time.time()) // 60) * 60 - 120
    at = datetime.datetime.fromtimestamp(t0 + 5, UTC)
    dims = [{"Name": "TableName", "Value": "cbor"}]
    aws.client("cloudwatch").put_metric_data(Namespace="Test", MetricData=[
        {"MetricName": "M", "Dimensions": dims, "Timestamp": at, "Value": 7.0}])
    query = {"Id": "m", "MetricStat": {"Metric": {"Namespace": "Test", "MetricName": "M", "Dimensions": dims},
                                       "Period": 60, "Stat": "Maximum"}}
    status, out = _cbor_call(aws, "GetMetricData", {
        "MetricDataQueries": [query], "StartTime": datetime.datetime.fromtimestamp(t0, UTC),
        "EndTime": datetime.datetime.fromtimestamp(t0 + 180, UTC)})
    assert status == 200, out
    result = out["MetricDataResults"][0]
    assert (result["Id"], result["Values"], result["StatusCode"]) == ("m", [7.0], "Complete")
    assert [t.timestamp() for t in result["Timestamps"]] == [t0], "a CBOR timestamp, aligned to its period"
    status, err = _cbor_call(aws, "GetMetricStatistics", {
        "Namespace": "Test", "MetricName": "M", "Period": 60, "StartTime": datetime.datetime.fromtimestamp(t0, UTC),
        "EndTime": datetime.datetime.fromtimestamp(t0 + 180, UTC)})
    assert status == 400 and err["Error"]["Code"] == "InvalidParameterCombination", err


def test_statistics_use_aligned_periods_exclusive_end_and_exact_dimensions(aws):
    cw = aws.client("cloudwatch")
    t0 = (int(time.time()) // 60) * 60 - 600  # a whole minute, ten minutes ago

    def at(seconds):
        return datetime.datetime.fromtimestamp(t0 + seconds, UTC)

    both = [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}]
    cw.put_metric_data(Namespace="Test", MetricData=[
        {"MetricName": "M", "Dimensions": both, "Timestamp": at(5), "Value": 1.0},
        {"MetricName": "M", "Dimensions": both, "Timestamp": at(50), "Value": 3.0},
        {"MetricName": "M", "Dimensions": both, "Timestamp": at(65), "Value": 10.0},
        {"MetricName": "M", "Dimensions": both, "Timestamp": at(120), "Value": 99.0},  # at EndTime: excluded
        {"MetricName": "M", "Dimensions": both[:1], "Timestamp": at(10), "Value": 500.0},  # another metric
    ])
    cw.put_metric_data(Namespace="Other", MetricData=[{"MetricName": "M", "Dimensions": both, "Timestamp": at(10),
                                                       "Value": 700.0}])
    reversed_dims = list(reversed(both))
    points = cw.get_metric_statistics(Namespace="Test", MetricName="M", Dimensions=reversed_dims,
                                      StartTime=at(30), EndTime=at(120), Period=60,  # 30 s rounds down to t0
                                      Statistics=["Average", "Sum", "Minimum", "Maximum", "SampleCount"])["Datapoints"]
    got = sorted((d["Timestamp"].timestamp() - t0, d["Average"], d["Sum"], d["Minimum"], d["Maximum"], d["SampleCount"])
                 for d in points)
    assert got == [(0, 2.0, 4.0, 1.0, 3.0, 2.0), (60, 10.0, 10.0, 10.0, 10.0, 1.0)]

    query = {"Id": "m", "MetricStat": {"Metric": {"Namespace": "Test", "MetricName": "M", "Dimensions": reversed_dims},
                                       "Period": 60, "Stat": "Average"}}
    result = cw.get_metric_data(MetricDataQueries=[query], StartTime=at(30), EndTime=at(120))["MetricDataResults"][0]
    assert [t.timestamp() - t0 for t in result["Timestamps"]] == [60, 0]  # newest first by default
    assert (result["Values"], result["StatusCode"]) == ([10.0, 2.0], "Complete")
    ascending = cw.get_metric_data(MetricDataQueries=[query], StartTime=at(30), EndTime=at(120),
                                   ScanBy="TimestampAscending")["MetricDataResults"][0]
    assert ascending["Values"] == [2.0, 10.0]
    single = dict(query, MetricStat=dict(query["MetricStat"], Metric={"Namespace": "Test", "MetricName": "M",
                                                                      "Dimensions": both[:1]}))
    assert cw.get_metric_data(MetricDataQueries=[single], StartTime=at(0),
                              EndTime=at(120))["MetricDataResults"][0]["Values"] == [500.0]
