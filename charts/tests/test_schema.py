"""values.schema.json: covers every value, rejects wrong input with a message a person can act on."""

from __future__ import annotations

import json
import re

import helm_python as helm
import pytest

from conftest import CHART, chart_render, flatten

SCHEMA = json.loads((CHART / "values.schema.json").read_text())


def node(path: str) -> dict:
    schema = SCHEMA
    for part in path.split("."):
        assert "properties" in schema, f"{path}: schema has no properties at {part}"
        assert part in schema["properties"], f"{path} is not described in values.schema.json"
        schema = schema["properties"][part]
    return schema


def test_schema_describes_every_value(default_values):
    for path in flatten(default_values):
        assert node(path).get("description"), f"{path} has no description in the schema"


def test_objects_with_fixed_keys_reject_unknown_keys():
    def walk(schema: dict, path: str) -> None:
        if "properties" in schema:
            assert schema.get("additionalProperties") is False, f"{path or 'root'} allows unknown keys"
            for key, sub in schema["properties"].items():
                walk(sub, f"{path}.{key}".lstrip("."))
    walk(SCHEMA, "")


def schema_error(values: dict) -> str:
    with pytest.raises(helm.HelmValuesError) as err:
        chart_render.render(values)
    return str(err.value)


def test_wrong_type_is_rejected_with_the_key_and_the_expected_type():
    message = schema_error({"replicaCount": "two"})
    assert "at '/replicaCount': got string, want integer" in message


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"leaderElection": {"enabled": "yes"}}, "at '/leaderElection/enabled': got string, want boolean"),
        ({"image": {"pullPolicy": "Sometimes"}}, "at '/image/pullPolicy': value must be one of"),
        ({"replicas": 2}, "additional properties 'replicas' not allowed"),
        ({"metrics": {"serviceMonitor": {"interval": "often"}}}, "at '/metrics/serviceMonitor/interval'"),
        ({"serviceAccount": {"iamRoleArn": "my-role"}}, "at '/serviceAccount/iamRoleArn'"),
        ({"image": {"digest": "latest"}}, "at '/image/digest'"),
        ({"requestBudget": {"route53Rps": 0}}, "at '/requestBudget/route53Rps'"),
        ({"securityContext": {"runAsUser": 0}}, "at '/securityContext/runAsUser'"),
        ({"podDisruptionBudget": {"maxUnavailable": "all"}}, "at '/podDisruptionBudget/maxUnavailable'"),
        ({"watchNamespace": "Payments"}, "at '/watchNamespace'"),
        ({"logFormat": "xml"}, "at '/logFormat': value must be one of 'json', 'text'"),
        ({"terminationGracePeriodSeconds": 10}, "at '/terminationGracePeriodSeconds'"),
        ({"dnsWatch": {"seconds": 0}}, "at '/dnsWatch/seconds'"),
        ({"sharedReadMaxAgeSeconds": 3600}, "at '/sharedReadMaxAgeSeconds'"),
        ({"defaultVerifyIntervalSeconds": 5}, "at '/defaultVerifyIntervalSeconds'"),
        ({"prometheusRule": {"labels": {"release": 1}}}, "at '/prometheusRule/labels/release'"),
        ({"dashboard": {"namespace": "Monitoring"}}, "at '/dashboard/namespace'"),
    ],
)
def test_invalid_values_are_rejected_where_they_are(values, expected):
    assert expected in schema_error(values)


@pytest.mark.parametrize(
    "values",
    [
        {"serviceAccount": {"iamRoleArn": "arn:aws-us-gov:iam::123456789012:role/path/rf"}},
        {"podDisruptionBudget": {"maxUnavailable": "100%"}},
        {"aws": {"region": "us-gov-west-1", "endpointUrl": "http://127.0.0.1:5000"}},
        {"resources": {"requests": {"cpu": 0.25, "memory": "1Gi"}, "limits": {"cpu": 2, "memory": "2Gi"}}},
        {"image": {"tag": "v0.1.0_build.7"}},
    ],
)
def test_valid_edge_values_are_accepted(values):
    chart_render.render(values)


def test_error_messages_name_the_chart():
    assert re.search(r"^regional-failover:$", schema_error({"logLevel": 3}), re.MULTILINE)
