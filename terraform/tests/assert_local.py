"""Reads back, through the AWS API of the local endpoint, what `terraform apply` of examples/local created
(phase "applied") or that `terraform destroy` removed it all (phase "destroyed").

Usage: python assert_local.py --endpoint URL --outputs OUTPUTS_JSON --phase applied|destroyed
OUTPUTS_JSON is `terraform output -json` of examples/local, saved before destroy.
"""

import argparse
import json
import sys

import boto3
from botocore.exceptions import ClientError


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def expect(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok   {what}")
        else:
            self.failed += 1
            print(f"  FAIL {what}{': ' + detail if detail else ''}")

    def gone(self, call, codes, what):
        try:
            call()
        except ClientError as err:
            code = err.response["Error"]["Code"]
            self.expect(code in codes, what, f"error {code}, expected one of {codes}")
            return
        self.expect(False, what, "still exists")


def client(service, region, endpoint):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def check_table(c, ctx, base):
    name = base["table_name"]
    for role, region in (("primary", ctx["primary"]), ("secondary", ctx["secondary"])):
        ddb = client("dynamodb", region, ctx["endpoint"])
        table = ddb.describe_table(TableName=name)["Table"]
        c.expect(table["TableStatus"] == "ACTIVE", f"table {name} ACTIVE in {region}", table["TableStatus"])
        c.expect(table["TableArn"] == base["table_arns"][role], f"table ARN in {region} is the module's", table["TableArn"])
        stream = table.get("StreamSpecification", {})
        c.expect(
            stream.get("StreamEnabled") is True and stream.get("StreamViewType") == "NEW_AND_OLD_IMAGES",
            f"stream NEW_AND_OLD_IMAGES in {region}",
            json.dumps(stream),
        )
        billing = table.get("BillingModeSummary", {}).get("BillingMode")
        c.expect(billing == "PAY_PER_REQUEST", f"billing PAY_PER_REQUEST in {region}", str(billing))
        pitr = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        status = pitr.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
        c.expect(status == "ENABLED", f"PITR enabled in {region}", str(status))
        tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])}
        c.expect(tags.get("RegionRole") == role, f"table in {region} tagged RegionRole={role}", json.dumps(tags))
        c.expect(tags.get("Lab") == "regional-failover", f"table in {region} tagged Lab", json.dumps(tags))
        if role == "primary":
            replicas = {r["RegionName"]: r.get("ReplicaStatus") for r in table.get("Replicas", [])}
            c.expect(replicas.get(ctx["secondary"]) == "ACTIVE", f"replica in {ctx['secondary']} listed ACTIVE", json.dumps(replicas))


def check_route53(c, ctx, base):
    r53 = client("route53", ctx["primary"], ctx["endpoint"])
    hc = r53.get_health_check(HealthCheckId=base["health_check_id"])["HealthCheck"]
    cfg = hc["HealthCheckConfig"]
    expected = {
        "Type": "HTTP",
        "IPAddress": base["primary_endpoint"],
        "Port": base["health_check_port"],
        "ResourcePath": "/health",
        "RequestInterval": 10,
        "FailureThreshold": 3,
    }
    actual = {k: cfg.get(k) for k in expected}
    c.expect(actual == expected, "health check configured as declared", f"{actual} != {expected}")
    c.expect(len(cfg.get("Regions", [])) >= 3, "health check has >= 3 checker regions", str(cfg.get("Regions")))
    c.expect(not cfg.get("Inverted") and not cfg.get("Disabled"), "health check neither inverted nor disabled")
    hc_tags = r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=base["health_check_id"])
    hc_tags = {t["Key"]: t["Value"] for t in hc_tags["ResourceTagSet"].get("Tags", [])}
    c.expect(hc_tags.get("Lab") == "regional-failover" and hc_tags.get("RegionRole") == "primary", "health check tagged", json.dumps(hc_tags))

    zone_id = base["hosted_zone_id"]
    fqdn = base["record_fqdn"].rstrip(".") + "."
    sets = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    ours = [s for s in sets if s["Name"] == fqdn and s["Type"] == "A"]
    by_role = {}
    for s in ours:
        by_role.setdefault(s.get("Failover"), []).append(s)
    c.expect(len(ours) == 2 and len(by_role.get("PRIMARY", [])) == 1 and len(by_role.get("SECONDARY", [])) == 1,
             f"exactly one PRIMARY and one SECONDARY {fqdn} A record", json.dumps(ours, default=str))
    for role, endpoint, ident in (("PRIMARY", base["primary_endpoint"], "primary"), ("SECONDARY", base["secondary_endpoint"], "secondary")):
        rec = (by_role.get(role) or [{}])[0]
        values = [r["Value"] for r in rec.get("ResourceRecords", [])]
        c.expect(values == [endpoint], f"{role} answers {endpoint}", str(values))
        c.expect(rec.get("SetIdentifier") == ident, f"{role} set identifier {ident}", str(rec.get("SetIdentifier")))
        c.expect(rec.get("TTL", 10**6) <= 60, f"{role} TTL <= 60", str(rec.get("TTL")))
    c.expect((by_role.get("PRIMARY") or [{}])[0].get("HealthCheckId") == base["health_check_id"], "PRIMARY carries the health check")
    c.expect("HealthCheckId" not in (by_role.get("SECONDARY") or [{}])[0], "SECONDARY has no health check")


def check_iam_and_scheduler(c, ctx, base):
    iam = client("iam", ctx["primary"], ctx["endpoint"])
    op_name = base["operator_role_arn"].rsplit("/", 1)[1]
    iam.get_role(RoleName=op_name)
    attached = iam.list_attached_role_policies(RoleName=op_name)["AttachedPolicies"]
    c.expect(len(attached) == 1, f"operator role {op_name} has its policy attached", json.dumps(attached))
    if attached:
        pol = iam.get_policy(PolicyArn=attached[0]["PolicyArn"])["Policy"]
        doc = iam.get_policy_version(PolicyArn=pol["Arn"], VersionId=pol["DefaultVersionId"])["PolicyVersion"]["Document"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        scoped = [s for s in doc["Statement"] if "route53:UpdateHealthCheck" in s["Action"]]
        c.expect(all(s["Resource"] == [base["health_check_arn"]] for s in scoped) and scoped,
                 "UpdateHealthCheck scoped to the created health check", json.dumps(scoped))
    fs = base["drill_failsafe"]
    fs_name = fs["execution_role_arn"].rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=fs_name)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    c.expect(trust["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}, "fail-safe role trusts EventBridge Scheduler")
    sched = client("scheduler", fs["region"], ctx["endpoint"])
    group = sched.get_schedule_group(Name=fs["schedule_group"])
    c.expect(group.get("Arn") == fs["schedule_group_arn"], f"schedule group {fs['schedule_group']} exists", str(group.get("Arn")))


def check_destroyed(c, ctx, base):
    for region in (ctx["primary"], ctx["secondary"]):
        ddb = client("dynamodb", region, ctx["endpoint"])
        c.gone(lambda: ddb.describe_table(TableName=base["table_name"]), ["ResourceNotFoundException"], f"table gone in {region}")
    r53 = client("route53", ctx["primary"], ctx["endpoint"])
    c.gone(lambda: r53.get_health_check(HealthCheckId=base["health_check_id"]), ["NoSuchHealthCheck"], "health check gone")
    c.gone(lambda: r53.get_hosted_zone(Id=base["hosted_zone_id"]), ["NoSuchHostedZone"], "hosted zone gone")
    iam = client("iam", ctx["primary"], ctx["endpoint"])
    for arn in (base["operator_role_arn"], base["drill_failsafe"]["execution_role_arn"]):
        name = arn.rsplit("/", 1)[1]
        c.gone(lambda: iam.get_role(RoleName=name), ["NoSuchEntity"], f"role {name} gone")
    sched = client("scheduler", base["drill_failsafe"]["region"], ctx["endpoint"])
    c.gone(lambda: sched.get_schedule_group(Name=base["drill_failsafe"]["schedule_group"]), ["ResourceNotFoundException"], "schedule group gone")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--outputs", required=True)
    parser.add_argument("--phase", choices=["applied", "destroyed"], required=True)
    parser.add_argument("--primary-region", default="us-east-1")
    parser.add_argument("--secondary-region", default="us-west-2")
    args = parser.parse_args()

    with open(args.outputs) as f:
        base = json.load(f)["baseline"]["value"]
    ctx = {"endpoint": args.endpoint, "primary": args.primary_region, "secondary": args.secondary_region}
    c = Checks()
    print(f"assert_local: phase {args.phase}")
    if args.phase == "applied":
        check_table(c, ctx, base)
        check_route53(c, ctx, base)
        check_iam_and_scheduler(c, ctx, base)
    else:
        check_destroyed(c, ctx, base)
    print(f"assert_local: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
