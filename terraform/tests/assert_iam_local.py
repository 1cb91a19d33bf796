"""With local AWS enforcing IAM (serve --iam enforce), checks that the roles examples/local created work the way
EKS and EventBridge Scheduler use them, and saves the operator policy Terraform rendered (for
policy_matches_calls.py).

- A service-account token signed here (its key registered through the control API) assumes the operator role by
  sts:AssumeRoleWithWebIdentity, as IRSA does; a token for another service account cannot.
- As that role, each action the rendered policy grants is called the way the operator calls it and allowed; with
  that one action removed from the policy (a new default policy version, restored after), the same call is denied
  with AWS's sentence naming the action. UpdateHealthCheck on a check Terraform did not create, an item outside the
  probe prefix, and an action the policy does not grant are denied too.
- What the failover path depends on (a CALCULATED check's children, the SECONDARY's check, a CLOUDWATCH_METRIC
  check's alarm) is readable as the role; another health check or alarm is not.
- The drill fail-safe: the operator role arms a schedule passing the fail-safe role; when it fires, local AWS runs
  it as that role, which restores the baseline check but is refused on any other check.

Usage: python assert_iam_local.py --endpoint URL --outputs OUTPUTS_JSON --localaws DIR [--save-policy FILE]
"""

import argparse
import datetime
import json
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from assert_local import Checks, client

PROBE_PREFIX = "regionalfailover-probe#"


def as_role(service, region, endpoint, creds):
    return boto3.client(service, region_name=region, endpoint_url=endpoint, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
                        config=Config(retries={"total_max_attempts": 1}))


def error_of(call):
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"], err.response["Error"]["Message"]
    return None, "allowed"


def assume_operator(c, ctx, base, oidc_token):
    irsa = base["irsa"]
    key = oidc_token.new_key()
    oidc_token.register(ctx["endpoint"], irsa["issuer_url"], key)
    sts = boto3.client("sts", region_name=ctx["primary"], endpoint_url=ctx["endpoint"],
                       config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))
    intruder = oidc_token.sign(key, irsa["issuer_url"], f"system:serviceaccount:{irsa['namespace']}:intruder",
                               irsa["audience"])
    code, _ = error_of(lambda: sts.assume_role_with_web_identity(RoleArn=base["operator_role_arn"],
                                                                 RoleSessionName="x1", WebIdentityToken=intruder))
    c.expect(code == "AccessDenied", "another service account's token cannot assume the operator role", str(code))
    token = oidc_token.sign(key, irsa["issuer_url"], irsa["subject"], irsa["audience"])
    out = sts.assume_role_with_web_identity(RoleArn=base["operator_role_arn"], RoleSessionName="regional-failover",
                                            WebIdentityToken=token)
    role_name = base["operator_role_arn"].rsplit("/", 1)[1]
    c.expect(out["AssumedRoleUser"]["Arn"].endswith(f":assumed-role/{role_name}/regional-failover"),
             "the operator's service-account token assumes the operator role (IRSA)", out["AssumedRoleUser"]["Arn"])
    return out["Credentials"]


def probes(ctx, base, creds) -> dict:
    """One call per action the operator policy grants, made the way the operator makes it (as the role, on the
    baseline's resources). Each returns normally when allowed."""
    ep, primary = ctx["endpoint"], ctx["primary"]
    r53 = as_role("route53", primary, ep, creds)
    ddb = as_role("dynamodb", primary, ep, creds)
    cw = as_role("cloudwatch", primary, ep, creds)
    fs = base["drill_failsafe"]
    sched = as_role("scheduler", fs["region"], ep, creds)
    root_sched = client("scheduler", fs["region"], ep)
    hc, zone, table = base["health_check_id"], base["hosted_zone_id"], base["table_name"]
    item = {"pk": {"S": f"{PROBE_PREFIX}terraform-check"}}
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    schedule = {"GroupName": fs["schedule_group"], "ScheduleExpression": f"at({later})",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": {"Arn": fs["target_arn"], "RoleArn": fs["execution_role_arn"],
                           "Input": json.dumps({"HealthCheckId": hc, "Inverted": False})}}
    counter = iter(range(1000))

    def armed_by_root():  # a schedule to read or delete, created with the root key
        name = f"{fs['name_prefix']}probe-{next(counter)}"
        root_sched.create_schedule(Name=name, **schedule)
        return name

    def create():
        name = f"{fs['name_prefix']}probe-{next(counter)}"
        sched.create_schedule(Name=name, **schedule)
        root_sched.delete_schedule(Name=name, GroupName=fs["schedule_group"])

    def read():
        name = armed_by_root()
        try:
            sched.get_schedule(Name=name, GroupName=fs["schedule_group"])
        finally:
            root_sched.delete_schedule(Name=name, GroupName=fs["schedule_group"])

    def delete():
        name = armed_by_root()
        try:
            sched.delete_schedule(Name=name, GroupName=fs["schedule_group"])
        except ClientError:
            root_sched.delete_schedule(Name=name, GroupName=fs["schedule_group"])
            raise

    # GetHealthCheckStatus as the operator calls it: on a check whose checkers poll an endpoint. Route 53 refuses it
    # for a CALCULATED check (the operator reads the children's instead), so there the probe uses a child.
    status_of = base["child_health_check_ids"][0] if base["health_check_type"] == "CALCULATED" else hc
    alarm = base["cloudwatch_alarm"]
    cw_alarms = as_role("cloudwatch", alarm["region"], ep, creds) if alarm else None

    now = datetime.datetime.now(datetime.timezone.utc)
    metric = {"Namespace": "AWS/DynamoDB", "MetricName": "ReplicationLatency", "Dimensions": [
        {"Name": "TableName", "Value": table}, {"Name": "ReceivingRegion", "Value": ctx["secondary"]}]}
    return {
        "route53:GetHealthCheck": lambda: r53.get_health_check(HealthCheckId=hc),
        "route53:GetHealthCheckStatus": lambda: r53.get_health_check_status(HealthCheckId=status_of),
        "route53:ListHealthChecks": lambda: r53.list_health_checks(MaxItems="100"),
        "route53:GetHostedZone": lambda: r53.get_hosted_zone(Id=zone),
        "route53:ListResourceRecordSets": lambda: r53.list_resource_record_sets(HostedZoneId=zone),
        "route53:UpdateHealthCheck": lambda: r53.update_health_check(HealthCheckId=hc, Inverted=False),
        "dynamodb:DescribeTable": lambda: ddb.describe_table(TableName=table),
        "dynamodb:DescribeContinuousBackups": lambda: ddb.describe_continuous_backups(TableName=table),
        "dynamodb:PutItem": lambda: ddb.put_item(TableName=table, Item=item),
        "dynamodb:GetItem": lambda: ddb.get_item(TableName=table, Key=item),
        "dynamodb:DeleteItem": lambda: ddb.delete_item(TableName=table, Key=item),
        "cloudwatch:GetMetricData": lambda: cw.get_metric_data(
            StartTime=now - datetime.timedelta(minutes=5), EndTime=now,
            MetricDataQueries=[{"Id": "lag", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Average"}}]),
        "cloudwatch:DescribeAlarms": lambda: cw_alarms.describe_alarms(AlarmNames=[alarm["name"]]),
        "scheduler:CreateSchedule": create,
        "scheduler:GetSchedule": read,
        "scheduler:DeleteSchedule": delete,
        "iam:PassRole": create,  # CreateSchedule with the fail-safe role as the target's role
    }


def policy_document(iam, arn):
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    return policy["DefaultVersionId"], json.loads(doc) if isinstance(doc, str) else doc


def actions_of(statement):
    """A statement's Action as a list (IAM takes one string or a list)."""
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def check_each_action_is_needed(c, ctx, base, creds):
    """Every granted action is exercised, allowed as rendered; and with that one action removed from the policy
    (a new default version), the same call is denied with AWS's sentence naming it."""
    calls = probes(ctx, base, creds)
    iam = client("iam", ctx["primary"], ctx["endpoint"])
    arn = base["operator_policy_arn"]
    version, doc = policy_document(iam, arn)
    granted = sorted({a for s in doc["Statement"] for a in actions_of(s)})
    for action in granted:
        if action not in calls:
            c.expect(False, f"{action} has a probe call here", "add one to probes() so its need is proven")
            continue
        code, message = error_of(calls[action])
        c.expect(code is None, f"operator role may call {action}", f"{code}: {message}")
        reduced = {**doc, "Statement": [dict(s, Action=[a for a in actions_of(s) if a != action])
                                        for s in doc["Statement"]]}
        reduced["Statement"] = [s for s in reduced["Statement"] if s["Action"]]
        trial = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(reduced), SetAsDefault=True)
        try:
            code, message = error_of(calls[action])
        finally:
            iam.set_default_policy_version(PolicyArn=arn, VersionId=version)
            iam.delete_policy_version(PolicyArn=arn, VersionId=trial["PolicyVersion"]["VersionId"])
        c.expect(code in ("AccessDenied", "AccessDeniedException")
                 and f"not authorized to perform: {action}" in message,
                 f"without {action} in the policy, the operator's call is denied naming it", f"{code}: {message}")
    c.expect(policy_document(iam, arn) == (version, doc), "the operator policy is restored after the removal loop")


def check_operator_scoping(c, ctx, base, creds, other_hc):
    ep, region = ctx["endpoint"], ctx["primary"]
    r53 = as_role("route53", region, ep, creds)
    code, message = error_of(lambda: r53.update_health_check(HealthCheckId=other_hc, Inverted=True))
    c.expect(code == "AccessDenied"
             and f"route53:UpdateHealthCheck on resource: arn:aws:route53:::healthcheck/{other_hc}" in message,
             "operator role is denied UpdateHealthCheck on a check Terraform did not create", f"{code}: {message}")
    code, message = error_of(lambda: r53.list_hosted_zones())
    c.expect(code == "AccessDenied" and "route53:ListHostedZones" in message,
             "operator role is denied an action its policy does not grant", f"{code}: {message}")
    for table_region in (ctx["primary"], ctx["secondary"]):
        check_table_scoping(c, as_role("dynamodb", table_region, ep, creds), base["table_name"], table_region)


def check_table_scoping(c, ddb, name, table_region):
    item = {"pk": {"S": f"{PROBE_PREFIX}terraform-check"}}
    code, message = error_of(lambda: (ddb.describe_table(TableName=name),
                                      ddb.describe_continuous_backups(TableName=name),
                                      ddb.put_item(TableName=name, Item=item), ddb.get_item(TableName=name, Key=item),
                                      ddb.delete_item(TableName=name, Key=item)))
    c.expect(code is None,
             f"operator role may describe the table and write, read, delete a probe item in {table_region}",
             f"{code}: {message}")
    code, message = error_of(lambda: ddb.put_item(TableName=name, Item={"pk": {"S": "user#1"}}))
    c.expect(code == "AccessDeniedException" and "dynamodb:PutItem" in message,
             f"operator role may not write an item outside {PROBE_PREFIX}* in {table_region}", f"{code}: {message}")


def check_failover_path_reads(c, ctx, base, creds, other_hc):
    """What the failover path depends on is readable as the operator reads it, and nothing beyond: a CALCULATED
    check's children and the SECONDARY's check (GetHealthCheck, GetHealthCheckStatus), the alarm a
    CLOUDWATCH_METRIC check follows (DescribeAlarms); another check or alarm is denied."""
    ep = ctx["endpoint"]
    r53 = as_role("route53", ctx["primary"], ep, creds)
    related = [(i, "CALCULATED child") for i in base["child_health_check_ids"]]
    if base["secondary_health_check_id"]:
        related.append((base["secondary_health_check_id"], "SECONDARY's health check"))
    for hc, what in related:
        # error_of calls it at once, inside this iteration.
        code, message = error_of(lambda: (r53.get_health_check(HealthCheckId=hc),  # noqa: B023
                                          r53.get_health_check_status(HealthCheckId=hc)))  # noqa: B023
        c.expect(code is None, f"operator role may read the {what} {hc} (GetHealthCheck, GetHealthCheckStatus)",
                 f"{code}: {message}")
    code, message = error_of(lambda: r53.get_health_check(HealthCheckId=other_hc))
    c.expect(code == "AccessDenied"
             and f"route53:GetHealthCheck on resource: arn:aws:route53:::healthcheck/{other_hc}" in message,
             "operator role is denied GetHealthCheck on a check outside the failover path", f"{code}: {message}")
    alarm = base["cloudwatch_alarm"]
    cw = as_role("cloudwatch", alarm["region"] if alarm else ctx["primary"], ep, creds)
    if alarm:
        code, message = error_of(lambda: cw.describe_alarms(AlarmNames=[alarm["name"]]))
        c.expect(code is None, f"operator role may read the alarm {alarm['name']} its check follows",
                 f"{code}: {message}")
    code, message = error_of(lambda: cw.describe_alarms(AlarmNames=["not-the-health-checks-alarm"]))
    c.expect(code in ("AccessDenied", "AccessDeniedException") and "cloudwatch:DescribeAlarms" in message,
             "operator role is denied DescribeAlarms on "
             + ("another alarm" if alarm else "any alarm (no alarm-driven check)"),
             f"{code}: {message}")


def fire(ctx, sched, name, group, hc, role_arn, timeout=10.0):
    when = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    sched.create_schedule(Name=name, GroupName=group, ScheduleExpression=f"at({when})",
                          ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"},
                          ActionAfterCompletion="DELETE",
                          Target={"Arn": "arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck", "RoleArn": role_arn,
                                  "Input": json.dumps({"HealthCheckId": hc, "Inverted": False})})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with_name = [f for f in control(ctx, "GET", "/scheduler/fired")["fired"] if f["name"] == name]
        if with_name:
            return with_name[0]
        time.sleep(0.1)  # polling local AWS's record of fired schedules, bounded by the deadline
    return None


def control(ctx, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{ctx['endpoint']}/_localaws{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def check_failsafe(c, ctx, base, creds, other_hc):
    fs = base["drill_failsafe"]
    hc = base["health_check_id"]
    r53_root = client("route53", ctx["primary"], ctx["endpoint"])
    as_role("route53", ctx["primary"], ctx["endpoint"], creds).update_health_check(HealthCheckId=hc, Inverted=True)
    r53_root.update_health_check(HealthCheckId=other_hc, Inverted=True)
    sched = as_role("scheduler", fs["region"], ctx["endpoint"], creds)
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    code, message = error_of(lambda: sched.create_schedule(
        Name="not-ours", GroupName=fs["schedule_group"], ScheduleExpression=f"at({later})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": fs["target_arn"], "RoleArn": fs["execution_role_arn"], "Input": "{}"}))
    c.expect(code == "AccessDeniedException", f"operator role may only create schedules named {fs['name_prefix']}*",
             str(code))

    # Fired schedules stay on local AWS's record, so each run names its own (apply-local runs this once per kind).
    run = uuid.uuid4().hex[:8]
    restored = fire(ctx, sched, f"{fs['name_prefix']}terraform-check-{run}", fs["schedule_group"], hc,
                    fs["execution_role_arn"])
    inverted = r53_root.get_health_check(HealthCheckId=hc)["HealthCheck"]["HealthCheckConfig"]["Inverted"]
    c.expect(restored is not None and restored["error"] is None and inverted is False,
             "the fail-safe schedule, run as the fail-safe role, restores the baseline check", json.dumps(restored))
    refused = fire(ctx, sched, f"{fs['name_prefix']}terraform-check-other-{run}", fs["schedule_group"], other_hc,
                   fs["execution_role_arn"])
    still = r53_root.get_health_check(HealthCheckId=other_hc)["HealthCheck"]["HealthCheckConfig"]["Inverted"]
    c.expect(refused is not None and str(refused["error"]).startswith("AccessDenied: ")
             and "route53:UpdateHealthCheck" in str(refused["error"]) and still is True,
             "the fail-safe role is refused on any other check, visibly", json.dumps(refused))


def save_policy(c, ctx, base, path: Path):
    iam = client("iam", ctx["primary"], ctx["endpoint"])
    policy = iam.get_policy(PolicyArn=base["operator_policy_arn"])["Policy"]
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    doc = json.loads(version["Document"]) if isinstance(version["Document"], str) else version["Document"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    c.expect(bool(doc.get("Statement")), f"operator policy as rendered saved to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--outputs", required=True)
    parser.add_argument("--localaws", required=True, type=Path, help="tests/localaws (for localaws.oidc_token)")
    parser.add_argument("--save-policy", type=Path)
    parser.add_argument("--primary-region", default="us-east-1")
    parser.add_argument("--secondary-region", default="us-west-2")
    args = parser.parse_args()
    sys.path.insert(0, str(args.localaws))
    from localaws import oidc_token

    with open(args.outputs) as f:
        base = json.load(f)["baseline"]["value"]
    ctx = {"endpoint": args.endpoint, "primary": args.primary_region, "secondary": args.secondary_region}
    c = Checks()
    print(f"assert_iam_local: local AWS enforcing IAM, {base['health_check_type']} health check")
    c.expect(control(ctx, "GET", "/iam")["mode"] == "enforce", "local AWS runs with --iam enforce")
    control(ctx, "DELETE", "/iam/decisions")  # an earlier run's (apply-local runs this once per kind)
    if args.save_policy:
        save_policy(c, ctx, base, args.save_policy)
    r53_root = client("route53", ctx["primary"], ctx["endpoint"])
    other_hc = r53_root.create_health_check(CallerReference=f"not-terraform-{time.time()}", HealthCheckConfig={
        "Type": "HTTP", "IPAddress": "127.0.0.3", "Port": 80, "ResourcePath": "/", "RequestInterval": 30,
        "FailureThreshold": 3})["HealthCheck"]["Id"]
    try:
        creds = assume_operator(c, ctx, base, oidc_token)
        check_each_action_is_needed(c, ctx, base, creds)
        check_operator_scoping(c, ctx, base, creds, other_hc)
        check_failover_path_reads(c, ctx, base, creds, other_hc)
        check_failsafe(c, ctx, base, creds, other_hc)
    finally:
        r53_root.delete_health_check(HealthCheckId=other_hc)
    denied = control(ctx, "GET", "/iam/decisions?denied=true")["decisions"]
    print(f"assert_iam_local: local AWS denied {len(denied)} request(s) in this run, each expected above")
    print(f"assert_iam_local: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
