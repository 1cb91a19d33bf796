"""--iam enforce end to end through boto3: a role assumed by web identity (IRSA) calls Route 53, DynamoDB,
EventBridge Scheduler and CloudWatch; allowed calls work, denied ones carry AWS's code, status and sentence."""

import datetime
import json

from iam_fixtures import (  # noqa: F401
    ACCOUNT,
    ISSUER,
    denied,
    enforced,
    irsa_trust,
    oidc_provider,
    role_with_policy,
    session_client,
    web_identity,
)
from localaws import oidc_token
from r53 import health_check

GROUP = "regional-failover-drills"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/profiles"


def _operator_statements(hc: str, failsafe_role: str) -> list:
    return [
        {"Effect": "Allow", "Action": ["route53:GetHealthCheck", "route53:UpdateHealthCheck"],
         "Resource": f"arn:aws:route53:::healthcheck/{hc}"},
        {"Effect": "Allow", "Action": "route53:ListHealthChecks", "Resource": "*"},
        {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem"], "Resource": TABLE_ARN,
         "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["regionalfailover-probe#*"]}}},
        {"Effect": "Allow", "Action": ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
         "Resource": f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/{GROUP}/regionalfailover-*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": failsafe_role,
         "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}},
        {"Effect": "Allow", "Action": "cloudwatch:GetMetricData", "Resource": "*"},
    ]


def _setup(aws):
    r53 = aws.client("route53")
    ours, other = health_check(r53, 1), health_check(r53, 2)
    aws.client("dynamodb").create_table(
        TableName="profiles", BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    aws.client("scheduler").create_schedule_group(Name=GROUP)
    oidc_provider(aws)
    scheduler_trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    failsafe = aws.client("iam").create_role(RoleName="failsafe", AssumeRolePolicyDocument=scheduler_trust)
    failsafe = failsafe["Role"]["Arn"]
    operator = role_with_policy(aws, "profile-api-operator", irsa_trust(), _operator_statements(ours, failsafe))
    key = oidc_token.new_key()
    oidc_token.register(aws.endpoint, ISSUER, key)
    return ours, other, failsafe, operator, key


def _schedule_args(name: str, role: str, hc: str) -> dict:
    when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    return {"Name": name, "GroupName": GROUP, "ScheduleExpression": f"at({when})",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": "arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck", "RoleArn": role,
                       "Input": json.dumps({"HealthCheckId": hc, "Inverted": False})}}


def test_web_identity_role_is_held_to_its_policy_in_every_service(enforced):  # noqa: F811
    ours, other, failsafe, operator, key = _setup(enforced)
    creds = web_identity(enforced, operator, key)
    who = f"arn:aws:sts::{ACCOUNT}:assumed-role/profile-api-operator/rf"
    assert creds["Arn"] == who
    assert session_client(enforced, "sts", creds).get_caller_identity()["Arn"] == who

    r53 = session_client(enforced, "route53", creds)
    assert r53.get_health_check(HealthCheckId=ours)["HealthCheck"]["Id"] == ours
    assert {hc["Id"] for hc in r53.list_health_checks()["HealthChecks"]} == {ours, other}
    r53.update_health_check(HealthCheckId=ours, Inverted=True)
    other_arn = f"arn:aws:route53:::healthcheck/{other}"
    assert denied(lambda: r53.update_health_check(HealthCheckId=other, Inverted=True)) == (
        "AccessDenied", 403,
        f"User: {who} is not authorized to perform: route53:UpdateHealthCheck on resource: {other_arn} because no "
        "identity-based policy allows the route53:UpdateHealthCheck action")
    assert enforced.client("route53").get_health_check(HealthCheckId=other)["HealthCheck"]["HealthCheckConfig"][
        "Inverted"] is False  # the denied change never reached moto
    code, status, message = denied(lambda: r53.list_hosted_zones())
    assert (code, status) == ("AccessDenied", 403)
    assert message.endswith("route53:ListHostedZones because no identity-based policy allows the "
                            "route53:ListHostedZones action")

    ddb = session_client(enforced, "dynamodb", creds)
    ddb.put_item(TableName="profiles", Item={"pk": {"S": "regionalfailover-probe#1"}, "v": {"N": "1"}})
    assert ddb.get_item(TableName="profiles", Key={"pk": {"S": "regionalfailover-probe#1"}})["Item"]["v"] == {"N": "1"}
    assert denied(lambda: ddb.put_item(TableName="profiles", Item={"pk": {"S": "user#42"}})) == (
        "AccessDeniedException", 400,
        f"User: {who} is not authorized to perform: dynamodb:PutItem on resource: {TABLE_ARN} because no "
        "identity-based policy allows the dynamodb:PutItem action")
    assert denied(lambda: ddb.delete_item(TableName="profiles", Key={"pk": {"S": "regionalfailover-probe#1"}}))[:2] == (
        "AccessDeniedException", 400)
    assert denied(lambda: ddb.describe_table(TableName="profiles"))[:2] == ("AccessDeniedException", 400)
    assert "Item" not in enforced.client("dynamodb").get_item(TableName="profiles", Key={"pk": {"S": "user#42"}})

    sched = session_client(enforced, "scheduler", creds)
    sched.create_schedule(**_schedule_args("regionalfailover-drill-1", failsafe, ours))
    code, status, message = denied(lambda: sched.create_schedule(**_schedule_args("other-name", failsafe, ours)))
    assert (code, status) == ("AccessDeniedException", 403)
    assert (f"scheduler:CreateSchedule on resource: arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/{GROUP}/other-name "
            "because no identity-based policy allows") in message
    admin = f"arn:aws:iam::{ACCOUNT}:role/admin"
    assert denied(lambda: sched.create_schedule(**_schedule_args("regionalfailover-drill-2", admin, ours))) == (
        "AccessDeniedException", 403, f"User: {who} is not authorized to perform: iam:PassRole on resource: {admin} "
                                      "because no identity-based policy allows the iam:PassRole action")
    assert denied(lambda: sched.get_schedule(Name="regionalfailover-drill-1", GroupName=GROUP))[:2] == (
        "AccessDeniedException", 403)
    sched.delete_schedule(Name="regionalfailover-drill-1", GroupName=GROUP)

    cw = session_client(enforced, "cloudwatch", creds)
    now = datetime.datetime.now(datetime.timezone.utc)
    cw.get_metric_data(StartTime=now - datetime.timedelta(minutes=5), EndTime=now, MetricDataQueries=[{
        "Id": "lag", "MetricStat": {"Metric": {"Namespace": "AWS/DynamoDB", "MetricName": "ReplicationLatency",
                                               "Dimensions": [{"Name": "TableName", "Value": "profiles"}]},
                                    "Period": 60, "Stat": "Average"}}])
    code, status, message = denied(lambda: cw.get_metric_statistics(
        Namespace="AWS/DynamoDB", MetricName="ReplicationLatency", StartTime=now - datetime.timedelta(minutes=5),
        EndTime=now, Period=60, Statistics=["Average"]))
    assert (code, status) == ("AccessDenied", 403)
    assert message == (f"User: {who} is not authorized to perform: cloudwatch:GetMetricStatistics because no "
                       "identity-based policy allows the cloudwatch:GetMetricStatistics action")

    log = enforced.control("GET", "/iam/decisions?denied=true")["decisions"]
    assert {(d["action"], d["resource"]) for d in log} >= {
        ("route53:UpdateHealthCheck", other_arn), ("dynamodb:PutItem", TABLE_ARN), ("iam:PassRole", admin),
        ("route53:ListHostedZones", "*"), ("cloudwatch:GetMetricStatistics", "*")}
    assert all(d["principal"] == who and d["allowed"] is False and d["reason"] for d in log)
    allowed = enforced.control("GET", "/iam/decisions?denied=false&principal=profile-api-operator")["decisions"]
    assert ("route53:ListHealthChecks", "*") in {(d["action"], d["resource"]) for d in allowed}


def test_unknown_keys_and_bad_signatures_are_rejected_per_protocol(enforced):  # noqa: F811
    fake = {"AccessKeyId": "AKIAFAKEFAKEFAKEFAKE", "SecretAccessKey": "x"}
    assert denied(lambda: session_client(enforced, "route53", fake).list_health_checks())[:2] == (
        "InvalidClientTokenId", 403)
    assert denied(lambda: session_client(enforced, "dynamodb", fake).list_tables())[:2] == (
        "UnrecognizedClientException", 400)
    assert denied(lambda: session_client(enforced, "scheduler", fake).list_schedules())[:2] == (
        "UnrecognizedClientException", 403)
    assert denied(lambda: session_client(enforced, "sts", fake).get_caller_identity())[:2] == (
        "InvalidClientTokenId", 403)

    iam = enforced.client("iam")
    iam.create_user(UserName="ci")
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    iam.put_user_policy(UserName="ci", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    good = {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}
    session_client(enforced, "dynamodb", good).list_tables()
    # Signatures over query strings and REST paths verify too (the canonical request is rebuilt from the wire).
    user53 = session_client(enforced, "route53", good)
    user53.list_health_checks(MaxItems="5")
    zone_id = enforced.client("route53").create_hosted_zone(Name="example.com", CallerReference="z")["HostedZone"]["Id"]
    user53.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName="api.example.com.", StartRecordType="A")
    user53.test_dns_answer(HostedZoneId=zone_id, RecordName="example.com", RecordType="NS")
    session_client(enforced, "scheduler", good).list_schedules(NamePrefix="regionalfailover-")
    wrong_secret = dict(good, SecretAccessKey="not-the-secret")
    assert denied(lambda: session_client(enforced, "route53", wrong_secret).list_health_checks())[:2] == (
        "SignatureDoesNotMatch", 403)
    assert denied(lambda: session_client(enforced, "dynamodb", wrong_secret).list_tables())[:2] == (
        "InvalidSignatureException", 400)
    # An unmapped operation is denied even to a user allowed "*": local AWS cannot check it.
    code, status, message = denied(lambda: session_client(enforced, "route53", good).create_traffic_policy(
        Name="t", Document="{}"))
    assert (code, status) == ("AccessDenied", 403)
    assert "route53:CreateTrafficPolicy because local AWS has no IAM action and resource mapping" in message


def test_leading_keys_cover_queries_batches_and_transactions(enforced):  # noqa: F811
    ddb_root = enforced.client("dynamodb")
    ddb_root.create_table(TableName="profiles", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                     {"AttributeName": "sk", "KeyType": "RANGE"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                {"AttributeName": "sk", "AttributeType": "S"}])
    iam = enforced.client("iam")
    iam.create_user(UserName="prober")
    iam.put_user_policy(UserName="prober", PolicyName="probe", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:PutItem",
                                          "dynamodb:DeleteItem"], "Resource": TABLE_ARN,
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["probe#*"]}}}]}))
    key = iam.create_access_key(UserName="prober")["AccessKey"]
    ddb = session_client(enforced, "dynamodb", key)

    def put(pk):
        return {"PutRequest": {"Item": {"pk": {"S": pk}, "sk": {"S": "1"}}}}

    ddb.batch_write_item(RequestItems={"profiles": [put("probe#1"), put("probe#2")]})
    assert denied(lambda: ddb.batch_write_item(RequestItems={"profiles": [put("probe#3"), put("user#1")]}))[:2] == (
        "AccessDeniedException", 400)
    query = {"TableName": "profiles", "KeyConditionExpression": "#k = :v AND begins_with(sk, :s)",
             "ExpressionAttributeNames": {"#k": "pk"}}
    found = ddb.query(**query, ExpressionAttributeValues={":v": {"S": "probe#1"}, ":s": {"S": "1"}})
    assert found["Count"] == 1
    outside = {":v": {"S": "user#1"}, ":s": {"S": "1"}}
    assert denied(lambda: ddb.query(**query, ExpressionAttributeValues=outside))[:2] == ("AccessDeniedException", 400)
    item = {"pk": {"S": "user#1"}, "sk": {"S": "1"}}
    assert denied(lambda: ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "profiles", "Item": {"pk": {"S": "probe#9"}, "sk": {"S": "1"}}}},
        {"Delete": {"TableName": "profiles", "Key": item}}]))[:2] == ("AccessDeniedException", 400)
    assert "Item" not in ddb_root.get_item(TableName="profiles", Key={"pk": {"S": "probe#9"}, "sk": {"S": "1"}})
    assert {i["pk"]["S"] for i in ddb_root.scan(TableName="profiles")["Items"]} == {"probe#1", "probe#2"}
