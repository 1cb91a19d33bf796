"""Reads back, through the AWS API of the local endpoint, what `terraform apply` of examples/local created
(phase "applied") or that `terraform destroy` removed it all (phase "destroyed").

Usage: python assert_local.py --endpoint URL --outputs OUTPUTS_JSON [--outputs ...] --phase applied|destroyed
OUTPUTS_JSON is `terraform output -json` of examples/local; for "destroyed", one per configuration applied (each
health-check kind), saved before destroy.
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
        c.expect(table["TableArn"] == base["table_arns"][role], f"table ARN in {region} is the module's",
                 table["TableArn"])
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
            c.expect(replicas.get(ctx["secondary"]) == "ACTIVE", f"replica in {ctx['secondary']} listed ACTIVE",
                     json.dumps(replicas))


def check_route53(c, ctx, base):
    r53 = client("route53", ctx["primary"], ctx["endpoint"])
    hc = r53.get_health_check(HealthCheckId=base["health_check_id"])["HealthCheck"]
    cfg = hc["HealthCheckConfig"]
    kind = base["health_check_type"]
    if kind == "CALCULATED":
        expected = {"Type": "CALCULATED", "ChildHealthChecks": sorted(base["child_health_check_ids"]),
                    "HealthThreshold": 1}
        actual = {"Type": cfg.get("Type"), "ChildHealthChecks": sorted(cfg.get("ChildHealthChecks", [])),
                  "HealthThreshold": cfg.get("HealthThreshold")}
        c.expect(len(base["child_health_check_ids"]) == 2, "the example created two child checks",
                 str(base["child_health_check_ids"]))
    elif kind == "CLOUDWATCH_METRIC":
        alarm = base["cloudwatch_alarm"]
        expected = {"Type": "CLOUDWATCH_METRIC", "AlarmIdentifier": {"Region": alarm["region"], "Name": alarm["name"]},
                    "InsufficientDataHealthStatus": "Unhealthy"}
        actual = {k: cfg.get(k) for k in expected}
        cw = client("cloudwatch", alarm["region"], ctx["endpoint"])
        found = cw.describe_alarms(AlarmNames=[alarm["name"]])["MetricAlarms"]
        c.expect([a["AlarmArn"] for a in found] == [alarm["arn"]], f"alarm {alarm['name']} exists in {alarm['region']}",
                 str(found))
    else:
        expected = {
            "Type": "HTTP",
            "IPAddress": base["primary_endpoint"],
            "Port": base["health_check_port"],
            "ResourcePath": "/health",
            "RequestInterval": 10,
            "FailureThreshold": 3,
        }
        actual = {k: cfg.get(k) for k in expected}
        c.expect(len(cfg.get("Regions", [])) >= 3, "health check has >= 3 checker regions", str(cfg.get("Regions")))
    c.expect(actual == expected, f"{kind} health check configured as declared", f"{actual} != {expected}")
    c.expect(not cfg.get("Inverted") and not cfg.get("Disabled"), "health check neither inverted nor disabled")
    hc_tags = r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=base["health_check_id"])
    hc_tags = {t["Key"]: t["Value"] for t in hc_tags["ResourceTagSet"].get("Tags", [])}
    c.expect(hc_tags.get("Lab") == "regional-failover" and hc_tags.get("RegionRole") == "primary",
             "health check tagged", json.dumps(hc_tags))

    zone_id = base["hosted_zone_id"]
    fqdn = base["record_fqdn"].rstrip(".") + "."
    sets = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    ours = [s for s in sets if s["Name"] == fqdn and s["Type"] == "A"]
    by_role = {}
    for s in ours:
        by_role.setdefault(s.get("Failover"), []).append(s)
    c.expect(len(ours) == 2 and len(by_role.get("PRIMARY", [])) == 1 and len(by_role.get("SECONDARY", [])) == 1,
             f"exactly one PRIMARY and one SECONDARY {fqdn} A record", json.dumps(ours, default=str))
    ttls = base["record_ttls"]
    for role, endpoint, ident, ttl in (("PRIMARY", base["primary_endpoint"], "primary", ttls["primary"]),
                                       ("SECONDARY", base["secondary_endpoint"], "secondary", ttls["secondary"])):
        rec = (by_role.get(role) or [{}])[0]
        values = [r["Value"] for r in rec.get("ResourceRecords", [])]
        c.expect(values == [endpoint], f"{role} answers {endpoint}", str(values))
        c.expect(rec.get("SetIdentifier") == ident, f"{role} set identifier {ident}", str(rec.get("SetIdentifier")))
        c.expect(rec.get("TTL") == ttl, f"{role} TTL {ttl}", str(rec.get("TTL")))
    c.expect(ttls["primary"] <= 60 < ttls["secondary"], "the SECONDARY's failback TTL is above the PRIMARY's",
             json.dumps(ttls))
    c.expect((by_role.get("PRIMARY") or [{}])[0].get("HealthCheckId") == base["health_check_id"],
             "PRIMARY carries the health check")
    secondary_hc = base["secondary_health_check_id"]
    if secondary_hc is None:
        c.expect("HealthCheckId" not in (by_role.get("SECONDARY") or [{}])[0], "SECONDARY has no health check")
    else:
        c.expect((by_role.get("SECONDARY") or [{}])[0].get("HealthCheckId") == secondary_hc,
                 "SECONDARY carries the standby's health check")
        cfg = r53.get_health_check(HealthCheckId=secondary_hc)["HealthCheck"]["HealthCheckConfig"]
        want = {"Type": "HTTP", "IPAddress": base["secondary_endpoint"], "Port": base["health_check_port"],
                "ResourcePath": "/health"}
        got = {k: cfg.get(k) for k in want}
        c.expect(got == want, "the standby's health check polls the secondary endpoint", f"{got} != {want}")


def check_iam_and_scheduler(c, ctx, base):
    iam = client("iam", ctx["primary"], ctx["endpoint"])
    op_name = base["operator_role_arn"].rsplit("/", 1)[1]
    iam.get_role(RoleName=op_name)
    attached = iam.list_attached_role_policies(RoleName=op_name)["AttachedPolicies"]
    c.expect(len(attached) == 1, f"operator role {op_name} has its policy attached", json.dumps(attached))
    if attached:
        pol = iam.get_policy(PolicyArn=attached[0]["PolicyArn"])["Policy"]
        version = iam.get_policy_version(PolicyArn=pol["Arn"], VersionId=pol["DefaultVersionId"])["PolicyVersion"]
        doc = version["Document"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        scoped = [s for s in doc["Statement"] if "route53:UpdateHealthCheck" in s["Action"]]
        c.expect(all(s["Resource"] == [base["health_check_arn"]] for s in scoped) and scoped,
                 "UpdateHealthCheck scoped to the created health check", json.dumps(scoped))
    fs = base["drill_failsafe"]
    fs_name = fs["execution_role_arn"].rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=fs_name)["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    c.expect(trust["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"},
             "fail-safe role trusts EventBridge Scheduler")
    sched = client("scheduler", fs["region"], ctx["endpoint"])
    group = sched.get_schedule_group(Name=fs["schedule_group"])
    c.expect(group.get("Arn") == fs["schedule_group_arn"], f"schedule group {fs['schedule_group']} exists",
             str(group.get("Arn")))


def check_destroyed(c, ctx, bases):
    """Everything each applied configuration created is gone (checks replaced by a later apply included)."""
    base = bases[-1]
    for region in (ctx["primary"], ctx["secondary"]):
        ddb = client("dynamodb", region, ctx["endpoint"])
        # c.gone calls it at once, inside this iteration.
        c.gone(lambda: ddb.describe_table(TableName=base["table_name"]),  # noqa: B023
               ["ResourceNotFoundException"], f"table gone in {region}")
    r53 = client("route53", ctx["primary"], ctx["endpoint"])
    checks = {}
    for b in bases:
        checks[b["health_check_id"]] = f"{b['health_check_type']} primary"
        checks.update({i: "CALCULATED child" for i in b["child_health_check_ids"]})
        if b["secondary_health_check_id"]:
            checks[b["secondary_health_check_id"]] = "SECONDARY"
    for hc, what in checks.items():
        c.gone(lambda: r53.get_health_check(HealthCheckId=hc), ["NoSuchHealthCheck"],  # noqa: B023 (called at once)
               f"health check gone ({what})")
    c.gone(lambda: r53.get_hosted_zone(Id=base["hosted_zone_id"]), ["NoSuchHostedZone"], "hosted zone gone")
    for alarm in [b["cloudwatch_alarm"] for b in bases if b["cloudwatch_alarm"]]:
        cw = client("cloudwatch", alarm["region"], ctx["endpoint"])
        c.expect(cw.describe_alarms(AlarmNames=[alarm["name"]])["MetricAlarms"] == [], f"alarm {alarm['name']} gone")
    iam = client("iam", ctx["primary"], ctx["endpoint"])
    for arn in (base["operator_role_arn"], base["drill_failsafe"]["execution_role_arn"]):
        name = arn.rsplit("/", 1)[1]
        c.gone(lambda: iam.get_role(RoleName=name), ["NoSuchEntity"], f"role {name} gone")  # noqa: B023 (called at once)
    sched = client("scheduler", base["drill_failsafe"]["region"], ctx["endpoint"])
    c.gone(lambda: sched.get_schedule_group(Name=base["drill_failsafe"]["schedule_group"]),
           ["ResourceNotFoundException"], "schedule group gone")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--outputs", required=True, action="append",
                        help="terraform output -json; with --phase destroyed, once per configuration applied")
    parser.add_argument("--phase", choices=["applied", "destroyed"], required=True)
    parser.add_argument("--primary-region", default="us-east-1")
    parser.add_argument("--secondary-region", default="us-west-2")
    args = parser.parse_args()

    bases = []
    for path in args.outputs:
        with open(path) as f:
            bases.append(json.load(f)["baseline"]["value"])
    base = bases[-1]
    ctx = {"endpoint": args.endpoint, "primary": args.primary_region, "secondary": args.secondary_region}
    c = Checks()
    kind = f", {base['health_check_type']} health check" if args.phase == "applied" else ""
    print(f"assert_local: phase {args.phase}{kind}")
    if args.phase == "applied":
        check_table(c, ctx, base)
        check_route53(c, ctx, base)
        check_iam_and_scheduler(c, ctx, base)
    else:
        check_destroyed(c, ctx, bases)
    print(f"assert_local: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
