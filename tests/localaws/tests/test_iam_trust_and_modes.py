"""--iam enforce: web-identity token validation, sts:AssumeRole trust rules, the EventBridge Scheduler
fail-safe executing as its role, and the off/enforce modes through the control API."""

import datetime
import json
from urllib.error import HTTPError

import pytest

from conftest import wait_until
from iam_fixtures import (  # noqa: F401
    ACCOUNT,
    ISSUER,
    denied,
    enforced,
    irsa_trust,
    oidc_provider,
    role_with_policy,
    session_client,
    unsigned_sts,
    web_identity,
)
from localaws import oidc_token
from r53 import health_check

NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithWebIdentity"


def _irsa_role(aws):
    oidc_provider(aws)
    arn = role_with_policy(aws, "op", irsa_trust(), [{"Effect": "Allow", "Action": "route53:ListHealthChecks",
                                                      "Resource": "*"}], managed=False)
    key = oidc_token.new_key()
    oidc_token.register(aws.endpoint, ISSUER, key, kid="k1")
    return arn, key


def test_web_identity_tokens_are_validated_like_sts_does(enforced):  # noqa: F811
    role, key = _irsa_role(enforced)
    creds = web_identity(enforced, role, key, kid="k1")
    session_client(enforced, "route53", creds).list_health_checks()

    sts = unsigned_sts(enforced)

    def attempt(token, role_arn=role):
        return denied(lambda: sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="rf",
                                                                WebIdentityToken=token))

    other_sa = oidc_token.sign(key, ISSUER, "system:serviceaccount:default:intruder")
    assert attempt(other_sa) == ("AccessDenied", 403, NOT_AUTHORIZED)
    assert attempt(oidc_token.sign(key, ISSUER, "system:serviceaccount:regional-failover:regional-failover",
                                   aud="someone-else"))[:2] == ("InvalidIdentityToken", 400)
    assert attempt(oidc_token.sign(key, ISSUER, "system:serviceaccount:regional-failover:regional-failover",
                                   ttl=-10))[:2] == ("ExpiredTokenException", 400)
    forged = oidc_token.sign(oidc_token.new_key(), ISSUER, "system:serviceaccount:regional-failover:regional-failover")
    assert attempt(forged)[:2] == ("InvalidIdentityToken", 400)
    unknown_issuer = oidc_token.sign(key, "https://elsewhere.example", "system:serviceaccount:regional-failover:x")
    assert attempt(unknown_issuer)[:2] == ("InvalidIdentityToken", 400)
    assert attempt("not.a.jwt")[:2] == ("InvalidIdentityToken", 400)
    good = oidc_token.sign(key, ISSUER, "system:serviceaccount:regional-failover:regional-failover")
    assert attempt(good, f"arn:aws:iam::{ACCOUNT}:role/missing") == ("AccessDenied", 403, NOT_AUTHORIZED)
    # aud may be a list (Kubernetes issues it that way): one entry matching the provider's client id is enough.
    listed = oidc_token.sign(key, ISSUER, "system:serviceaccount:regional-failover:regional-failover",
                             aud=["sts.amazonaws.com"])
    assert sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="rf2", WebIdentityToken=listed)
    denials = enforced.control("GET", "/iam/decisions?denied=true&action=AssumeRoleWithWebIdentity")["decisions"]
    assert len(denials) == 7 and all(not d["allowed"] for d in denials)


def test_assume_role_trust_naming_the_account_needs_an_identity_allow(enforced):  # noqa: F811
    iam = enforced.client("iam")
    target = role_with_policy(enforced, "target", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]}), [])
    direct = role_with_policy(enforced, "direct", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
         "Action": "sts:AssumeRole"}]}), [])
    users = {}
    for name in ("alice", "bob"):
        iam.create_user(UserName=name)
        users[name] = iam.create_access_key(UserName=name)["AccessKey"]
    iam.put_user_policy(UserName="bob", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": target}]}))
    alice, bob = (session_client(enforced, "sts", users[n]) for n in ("alice", "bob"))

    code, status, message = denied(lambda: alice.assume_role(RoleArn=target, RoleSessionName="s1"))
    assert (code, status) == ("AccessDenied", 403)
    assert message == (f"User: arn:aws:iam::{ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRole on "
                       f"resource: {target} because no identity-based policy allows the sts:AssumeRole action")
    assumed = bob.assume_role(RoleArn=target, RoleSessionName="s1")
    assert assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/target/s1"
    assert alice.assume_role(RoleArn=direct, RoleSessionName="s1")  # trust names alice: enough in one account
    assert denied(lambda: bob.assume_role(RoleArn=direct, RoleSessionName="s1")) == (
        "AccessDenied", 403, f"User: arn:aws:iam::{ACCOUNT}:user/bob is not authorized to perform: sts:AssumeRole on "
                             f"resource: {direct}")
    # The account root (a root key) may assume a role whose trust names the account, not one naming only alice.
    assert enforced.client("sts").assume_role(RoleArn=target, RoleSessionName="root")
    assert denied(lambda: enforced.client("sts").assume_role(RoleArn=direct, RoleSessionName="root"))[:2] == (
        "AccessDenied", 403)


def _fire(aws, name, hc, role, group="regional-failover-drills"):
    when = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    aws.client("scheduler").create_schedule(
        Name=name, GroupName=group, ScheduleExpression=f"at({when})", FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={"Arn": "arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck", "RoleArn": role,
                "Input": json.dumps({"HealthCheckId": hc, "Inverted": False})})
    fired = wait_until(lambda: [f for f in aws.control("GET", "/scheduler/fired")["fired"] if f["name"] == name], 5,
                       message=f"schedule {name} to fire")
    return fired[0]


def test_scheduler_failsafe_executes_as_its_role(enforced):  # noqa: F811
    r53 = enforced.client("route53")
    ours, other = health_check(r53, 1), health_check(r53, 2)
    sched = enforced.client("scheduler")
    group = sched.create_schedule_group(Name="regional-failover-drills")["ScheduleGroupArn"]
    sched.create_schedule_group(Name="elsewhere")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": group}}}]})
    role = role_with_policy(enforced, "failsafe", trust, [{"Effect": "Allow", "Action": "route53:UpdateHealthCheck",
                                                           "Resource": f"arn:aws:route53:::healthcheck/{ours}"}],
                            managed=False)
    for hc in (ours, other):
        r53.update_health_check(HealthCheckId=hc, Inverted=True)

    def inverted(hc):
        return r53.get_health_check(HealthCheckId=hc)["HealthCheck"]["HealthCheckConfig"]["Inverted"]

    ok = _fire(enforced, "regionalfailover-ok", ours, role)
    assert ok["error"] is None and ok["result"]["Inverted"] is False and inverted(ours) is False

    wrong_check = _fire(enforced, "regionalfailover-other", other, role)
    assert wrong_check["error"] == (
        f"AccessDenied: User: arn:aws:sts::{ACCOUNT}:assumed-role/failsafe/regionalfailover-other is not authorized "
        f"to perform: route53:UpdateHealthCheck on resource: arn:aws:route53:::healthcheck/{other} because no "
        "identity-based policy allows the route53:UpdateHealthCheck action")
    assert inverted(other) is True and wrong_check["result"] is None

    wrong_group = _fire(enforced, "regionalfailover-group", other, role, group="elsewhere")
    assert wrong_group["error"] == (
        f"AccessDenied: scheduler.amazonaws.com is not authorized to perform: sts:AssumeRole on resource: {role} "
        "because the role's trust policy does not allow it")
    missing = _fire(enforced, "regionalfailover-missing", other, f"arn:aws:iam::{ACCOUNT}:role/gone")
    assert missing["error"].startswith("AccessDenied: scheduler.amazonaws.com is not authorized to perform: "
                                       "sts:AssumeRole on resource: arn:aws:iam::123456789012:role/gone")
    assert inverted(other) is True
    log = enforced.control("GET", "/iam/decisions?principal=scheduler.amazonaws.com")["decisions"]
    assert [d["allowed"] for d in log] == [True, True, False, False]


@pytest.mark.time_scale(0.1)
def test_iam_off_authorises_everything_and_modes_switch_at_runtime(localaws):
    fake = {"AccessKeyId": "AKIAFAKEFAKEFAKEFAKE", "SecretAccessKey": "x"}
    assert localaws.control("GET", "/iam")["mode"] == "off"
    session_client(localaws, "dynamodb", fake).list_tables()  # off: any key, as moto does
    r53 = localaws.client("route53")
    hc = health_check(r53, 1)
    localaws.client("scheduler").create_schedule_group(Name="regional-failover-drills")
    role = f"arn:aws:iam::{ACCOUNT}:role/not-created"
    fired = _fire(localaws, "regionalfailover-off", hc, role)  # off: the role is never looked at
    assert fired["error"] is None
    assert localaws.control("GET", "/iam/decisions")["decisions"] == []

    state = localaws.control("POST", "/iam", {"mode": "enforce"})
    assert state["mode"] == "enforce" and state["rootAccessKeys"] == ["local", "testing"]
    assert denied(lambda: session_client(localaws, "dynamodb", fake).list_tables())[:2] == (
        "UnrecognizedClientException", 400)
    r53.list_health_checks()  # "testing" is a root key
    key = oidc_token.new_key()
    oidc_token.register(localaws.endpoint, ISSUER, key)
    localaws.control("POST", "/reset")
    after = localaws.control("GET", "/iam")
    assert after["mode"] == "enforce" and ISSUER in after["oidcIssuers"] and after["decisions"] == 0
    localaws.control("POST", "/iam", {"mode": "off"})
    session_client(localaws, "dynamodb", fake).list_tables()
    with pytest.raises(HTTPError):
        localaws.control("POST", "/iam", {"mode": "sometimes"})
