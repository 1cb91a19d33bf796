"""Unit tests of the pure IAM evaluator (no server): localaws/iam_eval.py."""

import json

import pytest

from localaws.iam_eval import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, Context, conditions_hold, denial_message, evaluate

HC = "arn:aws:route53:::healthcheck/0f3c0000-1111-2222-3333-444455556666"
OTHER_HC = "arn:aws:route53:::healthcheck/99990000-1111-2222-3333-444455556666"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/profiles"


def policy(*statements, as_json=False):
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    return ("p", json.dumps(doc) if as_json else doc)


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(policies, action, resource="*", **keys):
    return evaluate(policies, Context(action, resource, keys)).effect


# ---- the basics ---------------------------------------------------------------------------------
def test_allow_by_exact_action_and_resource_from_a_json_document():
    p = policy(allow("route53:GetHealthCheck", [HC]), as_json=True)
    assert decide([p], "route53:GetHealthCheck", HC) == ALLOW
    assert decide([p], "route53:GetHealthCheck", OTHER_HC) == IMPLICIT_DENY
    assert decide([p], "route53:UpdateHealthCheck", HC) == IMPLICIT_DENY


def test_principal_with_no_policy_is_implicitly_denied():
    assert decide([], "route53:ListHealthChecks") == IMPLICIT_DENY
    assert decide([policy()], "route53:ListHealthChecks") == IMPLICIT_DENY


def test_explicit_deny_wins_over_allow_in_any_policy_and_order():
    allowing = policy(allow("route53:*"))
    denying = ("guard", {"Statement": deny("route53:UpdateHealthCheck", HC)})
    for order in ([allowing, denying], [denying, allowing]):
        decision = evaluate(order, Context("route53:UpdateHealthCheck", HC))
        assert decision.effect == EXPLICIT_DENY and decision.policy == "guard"
    assert decide([allowing, denying], "route53:UpdateHealthCheck", OTHER_HC) == ALLOW


def test_action_wildcards_and_case_insensitive_actions():
    p = policy(allow(["route53:Get*", "dynamodb:?etItem"]))
    assert decide([p], "route53:GetHealthCheckStatus") == ALLOW
    assert decide([p], "ROUTE53:gethealthcheck") == ALLOW
    assert decide([p], "dynamodb:GetItem") == ALLOW
    assert decide([p], "dynamodb:PutItem") == IMPLICIT_DENY  # ? is one character, not zero or two
    assert decide([p], "route53:UpdateHealthCheck") == IMPLICIT_DENY
    assert decide([policy(allow("*"))], "scheduler:CreateSchedule") == ALLOW


def test_resource_wildcards_are_per_arn_segment_and_case_sensitive():
    p = policy(allow("dynamodb:DescribeTable", "arn:aws:dynamodb:*:123456789012:table/prof?les"))
    assert decide([p], "dynamodb:DescribeTable", TABLE) == ALLOW
    assert decide([p], "dynamodb:DescribeTable", TABLE.replace("us-east-1", "us-west-2")) == ALLOW
    assert decide([p], "dynamodb:DescribeTable", TABLE.replace("123456789012", "210987654321")) == IMPLICIT_DENY
    assert decide([p], "dynamodb:DescribeTable", TABLE.replace("profiles", "Profiles")) == IMPLICIT_DENY
    # A region wildcard cannot swallow the account segment: "*" stays inside its segment.
    narrow = policy(allow("dynamodb:DescribeTable", "arn:aws:dynamodb:*:table/profiles"))
    assert decide([narrow], "dynamodb:DescribeTable", TABLE) == IMPLICIT_DENY


def test_an_action_without_resource_types_needs_resource_star():
    scoped = policy(allow("route53:ListHealthChecks", "arn:aws:route53:::healthcheck/*"))
    assert decide([scoped], "route53:ListHealthChecks", "*") == IMPLICIT_DENY
    assert decide([policy(allow("route53:ListHealthChecks"))], "route53:ListHealthChecks", "*") == ALLOW


def test_not_action_and_not_resource():
    p = policy({"Effect": "Allow", "NotAction": "route53:UpdateHealthCheck", "Resource": "*"},
               {"Effect": "Deny", "Action": "route53:*", "NotResource": [HC]})
    assert decide([p], "route53:GetHealthCheck", HC) == ALLOW
    assert decide([p], "route53:UpdateHealthCheck", HC) == IMPLICIT_DENY
    assert decide([p], "route53:GetHealthCheck", OTHER_HC) == EXPLICIT_DENY
    assert decide([p], "dynamodb:GetItem", TABLE) == ALLOW  # NotAction allows every other service


def test_statement_without_action_or_resource_matches_nothing_in_an_identity_policy():
    p = policy({"Effect": "Allow", "Action": "route53:*"}, {"Effect": "Allow", "Resource": "*"})
    assert decide([p], "route53:GetHealthCheck", HC) == IMPLICIT_DENY


# ---- conditions --------------------------------------------------------------------------------
def holds(condition, **keys):
    return conditions_hold(condition, Context("x:Y", "*", keys))


def test_string_equals_and_not_equals_including_a_missing_key():
    assert holds({"StringEquals": {"aws:SourceAccount": "123456789012"}}, **{"aws:SourceAccount": "123456789012"})
    assert not holds({"StringEquals": {"aws:SourceAccount": "123456789012"}}, **{"aws:SourceAccount": "999999999999"})
    assert not holds({"StringEquals": {"aws:SourceAccount": "123456789012"}})  # missing key: false
    assert holds({"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}},
                 **{"aws:RequestedRegion": "eu-west-1"})
    # Several values of a negated operator are a NOR: matching either one fails.
    assert not holds({"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}},
                     **{"aws:RequestedRegion": "us-west-2"})
    assert holds({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}})  # missing key: true for negated
    # Condition key names are case-insensitive, values are not.
    assert holds({"StringEquals": {"AWS:sourceaccount": "123456789012"}}, **{"aws:SourceAccount": "123456789012"})
    assert not holds({"StringEquals": {"aws:PrincipalType": "user"}}, **{"aws:PrincipalType": "User"})


def test_string_like_and_not_like():
    assert holds({"StringLike": {"k": "regionalfailover-*"}}, k="regionalfailover-probe#1")
    assert holds({"StringLike": {"k": ["nope", "a?c"]}}, k="abc")
    assert not holds({"StringLike": {"k": "a?c"}}, k="abbc")
    assert holds({"StringNotLike": {"k": "admin*"}}, k="operator")
    assert not holds({"StringNotLike": {"k": "admin*"}}, k="administrator")


def test_operators_and_together_keys_and_together_values_or_together():
    cond = {"StringEquals": {"a": ["1", "2"], "b": "x"}, "StringLike": {"c": "y*"}}
    assert holds(cond, a="2", b="x", c="yes")
    assert not holds(cond, a="3", b="x", c="yes")
    assert not holds(cond, a="1", b="z", c="yes")
    assert not holds(cond, a="1", b="x", c="no")


def test_for_all_values_string_like_on_leading_keys():
    p = policy(allow(["dynamodb:PutItem", "dynamodb:GetItem"], TABLE,
                     Condition={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["regionalfailover-probe#*"]}}))
    ok = decide([p], "dynamodb:PutItem", TABLE, **{"dynamodb:LeadingKeys": ["regionalfailover-probe#abc"]})
    outside = decide([p], "dynamodb:PutItem", TABLE, **{"dynamodb:LeadingKeys": ["user#42"]})
    mixed = decide([p], "dynamodb:GetItem", TABLE, **{"dynamodb:LeadingKeys": ["regionalfailover-probe#a", "user#42"]})
    assert (ok, outside, mixed) == (ALLOW, IMPLICIT_DENY, IMPLICIT_DENY)
    # Set semantics: ForAllValues over an empty or missing key is true (why AWS pairs it with Null checks).
    assert decide([p], "dynamodb:GetItem", TABLE, **{"dynamodb:LeadingKeys": []}) == ALLOW
    assert decide([p], "dynamodb:GetItem", TABLE) == ALLOW


def test_for_any_value_string_like():
    cond = {"ForAnyValue:StringLike": {"aws:TagKeys": ["env*", "team"]}}
    assert holds(cond, **{"aws:TagKeys": ["owner", "environment"]})
    assert not holds(cond, **{"aws:TagKeys": ["owner", "cost"]})
    assert not holds(cond)  # missing key: false
    assert not holds(cond, **{"aws:TagKeys": []})


def test_bool_arn_like_arn_equals_numeric_null_and_if_exists():
    assert holds({"Bool": {"aws:SecureTransport": "true"}}, **{"aws:SecureTransport": True})
    assert holds({"Bool": {"aws:SecureTransport": False}}, **{"aws:SecureTransport": "false"})
    assert not holds({"Bool": {"aws:SecureTransport": "true"}}, **{"aws:SecureTransport": "false"})
    group = "arn:aws:scheduler:us-east-1:123456789012:schedule-group/regional-failover-drills"
    assert holds({"ArnLike": {"aws:SourceArn": "arn:aws:scheduler:*:123456789012:schedule-group/*"}},
                 **{"aws:SourceArn": group})
    assert holds({"ArnEquals": {"aws:SourceArn": group}}, **{"aws:SourceArn": group})
    assert not holds({"ArnEquals": {"aws:SourceArn": group}}, **{"aws:SourceArn": group + "-other"})
    assert holds({"ArnNotLike": {"aws:SourceArn": "arn:aws:s3:::*"}}, **{"aws:SourceArn": group})
    assert holds({"NumericLessThanEquals": {"n": "10"}}, n="3")
    assert not holds({"NumericLessThanEquals": {"n": "10"}}, n="11")
    assert holds({"Null": {"k": "true"}}) and not holds({"Null": {"k": "true"}}, k="v")
    assert holds({"Null": {"k": "false"}}, k="v")
    assert holds({"StringEqualsIfExists": {"k": "v"}}) and not holds({"StringEqualsIfExists": {"k": "v"}}, k="w")


def test_unknown_operator_fails_closed_both_ways():
    unknown = {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    p = policy(allow("route53:GetHealthCheck", HC, Condition=unknown))
    assert decide([p], "route53:GetHealthCheck", HC) == IMPLICIT_DENY
    guard = policy(allow("route53:*"), deny("route53:UpdateHealthCheck", HC, Condition=unknown))
    assert decide([guard], "route53:UpdateHealthCheck", HC) == EXPLICIT_DENY
    assert decide([guard], "route53:GetHealthCheck", HC) == ALLOW


def test_pass_role_only_to_the_named_service():
    role = "arn:aws:iam::123456789012:role/profile-api-drill-failsafe"
    p = policy(allow("iam:PassRole", [role],
                     Condition={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}))
    assert decide([p], "iam:PassRole", role, **{"iam:PassedToService": "scheduler.amazonaws.com"}) == ALLOW
    assert decide([p], "iam:PassRole", role, **{"iam:PassedToService": "lambda.amazonaws.com"}) == IMPLICIT_DENY
    assert decide([p], "iam:PassRole", role) == IMPLICIT_DENY
    assert decide([p], "iam:PassRole", role.replace("failsafe", "admin"),
                  **{"iam:PassedToService": "scheduler.amazonaws.com"}) == IMPLICIT_DENY


def test_trust_policy_with_service_principal_and_source_account():
    group = "arn:aws:scheduler:us-east-1:123456789012:schedule-group/regional-failover-drills"
    trust = policy({"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012", "aws:SourceArn": group}}})

    def assume(principal, **keys):
        ctx = Context("sts:AssumeRole", "arn:aws:iam::123456789012:role/r", keys, principal)
        return evaluate([trust], ctx, resource_policy=True).effect

    scheduler = {"Service": ["scheduler.amazonaws.com"]}
    assert assume(scheduler, **{"aws:SourceAccount": "123456789012", "aws:SourceArn": group}) == ALLOW
    assert assume(scheduler, **{"aws:SourceAccount": "999999999999", "aws:SourceArn": group}) == IMPLICIT_DENY
    assert assume(scheduler, **{"aws:SourceAccount": "123456789012", "aws:SourceArn": group + "x"}) == IMPLICIT_DENY
    assert assume({"Service": ["lambda.amazonaws.com"]}, **{"aws:SourceAccount": "123456789012",
                                                            "aws:SourceArn": group}) == IMPLICIT_DENY


def test_trust_principal_account_id_means_the_account_root():
    trust = policy({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"})
    ctx = Context("sts:AssumeRole", "arn:aws:iam::123456789012:role/r", {},
                  {"AWS": ["arn:aws:iam::123456789012:root"]})
    assert evaluate([trust], ctx, resource_policy=True).allowed
    ctx.principal = {"AWS": ["arn:aws:iam::123456789012:user/u"]}
    assert not evaluate([trust], ctx, resource_policy=True).allowed


def test_policy_variables_in_resources():
    p = policy(allow("iam:GetUser", "arn:aws:iam::123456789012:user/${aws:username}"))
    assert decide([p], "iam:GetUser", "arn:aws:iam::123456789012:user/alice", **{"aws:username": "alice"}) == ALLOW
    bob = "arn:aws:iam::123456789012:user/bob"
    assert decide([p], "iam:GetUser", bob, **{"aws:username": "alice"}) == IMPLICIT_DENY
    assert decide([p], "iam:GetUser", "arn:aws:iam::123456789012:user/") == IMPLICIT_DENY  # variable missing


def test_aws_error_sentences():
    who = "arn:aws:sts::123456789012:assumed-role/profile-api-operator/rf"
    assert denial_message(who, "route53:ListHealthChecks", "*", IMPLICIT_DENY) == (
        f"User: {who} is not authorized to perform: route53:ListHealthChecks because no identity-based policy "
        "allows the route53:ListHealthChecks action")
    assert denial_message(who, "route53:UpdateHealthCheck", HC, EXPLICIT_DENY) == (
        f"User: {who} is not authorized to perform: route53:UpdateHealthCheck on resource: {HC} with an explicit "
        "deny in an identity-based policy")


# ---- cases from AWS's documentation ---------------------------------------------------------------
def test_aws_doc_policy_evaluation_for_requests_within_a_single_account():
    # "Policy evaluation for requests within a single account": carlossalazar's policy; the DenyS3Logs
    # statement denies his own -logs bucket although AllowS3Self allows it.
    carlos = policy(
        {"Sid": "AllowS3ListRead", "Effect": "Allow",
         "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints",
                    "s3:ListAllMyBuckets"],
         "Resource": "arn:aws:s3:::*"},
        {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*",
                      "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
        {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"})
    logs = evaluate([carlos], Context("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/file"))
    assert (logs.effect, logs.statement) == (EXPLICIT_DENY, "DenyS3Logs")
    own = evaluate([carlos], Context("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/file"))
    assert (own.effect, own.statement) == (ALLOW, "AllowS3Self")
    assert decide([carlos], "s3:GetBucketLocation", "arn:aws:s3:::any-bucket") == ALLOW
    assert decide([carlos], "s3:PutObject", "arn:aws:s3:::someone-else/file") == IMPLICIT_DENY


def test_aws_doc_not_action_with_allow():
    # "IAM JSON policy elements: NotAction": everything except IAM; and every S3 action but DeleteBucket.
    all_but_iam = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert decide([all_but_iam], "dynamodb:GetItem", TABLE) == ALLOW
    assert decide([all_but_iam], "iam:CreateUser", "arn:aws:iam::123456789012:user/x") == IMPLICIT_DENY
    s3_but_delete = policy({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"})
    assert decide([s3_but_delete], "s3:PutObject", "arn:aws:s3:::b/k") == ALLOW
    assert decide([s3_but_delete], "s3:DeleteBucket", "arn:aws:s3:::b") == IMPLICIT_DENY
    assert decide([s3_but_delete], "s3:ListAllMyBuckets", "*") == IMPLICIT_DENY  # needs Resource "*"
    assert decide([s3_but_delete], "route53:GetHealthCheck", HC) == IMPLICIT_DENY  # not an S3 resource


def test_aws_doc_not_resource_with_deny():
    # "IAM JSON policy elements: NotResource": HRPayroll members may touch nothing in S3 but the Payroll folder.
    guard = policy({"Effect": "Deny", "Action": "s3:*",
                    "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]})
    s3_all = policy(allow("s3:*"))
    assert decide([guard], "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/june.csv") == IMPLICIT_DENY  # grants nothing
    assert decide([guard, s3_all], "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/june.csv") == ALLOW
    assert decide([guard, s3_all], "s3:GetObject", "arn:aws:s3:::HRBucket/Other/x") == EXPLICIT_DENY
    assert decide([guard, s3_all], "s3:GetObject", "arn:aws:s3:::AnotherBucket/x") == EXPLICIT_DENY


def test_aws_doc_multivalued_context_key_deny_with_for_all_values():
    # "Multivalued context key examples": a Deny with ForAllValues:StringLike on aws:TagKeys; "the ForAllValues
    # set operator also returns true if there are no context keys in the request".
    p = policy(allow("iam:TagUser", "*"),
               {"Effect": "Deny", "Action": "iam:TagUser", "Resource": "*",
                "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["key1*"]}}})
    assert decide([p], "iam:TagUser", **{"aws:TagKeys": ["key1", "key1-a"]}) == EXPLICIT_DENY
    assert decide([p], "iam:TagUser", **{"aws:TagKeys": ["key1", "key2"]}) == ALLOW
    assert decide([p], "iam:TagUser") == EXPLICIT_DENY  # no tag keys at all: ForAllValues is true


def test_aws_doc_condition_operators_missing_key_for_negated_operators():
    # "IAM JSON policy elements: Condition operators": a missing key makes the condition false, except that
    # operators requiring the key *not* to match (StringNotLike, ArnNotLike) are then true.
    p = policy(allow("sts:AssumeRole", "*", Condition={"StringLike": {"sts:ExternalId": "abc*"}}),
               deny("sts:AssumeRole", "*", Condition={"ArnNotLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/*"}}))
    assert decide([p], "sts:AssumeRole", **{"sts:ExternalId": "abcdef"}) == EXPLICIT_DENY  # SourceArn missing
    assert decide([p], "sts:AssumeRole", **{"sts:ExternalId": "abcdef",
                                            "aws:SourceArn": "arn:aws:events:us-east-1:1:rule/r"}) == ALLOW
    assert decide([p], "sts:AssumeRole", **{"aws:SourceArn": "arn:aws:events:us-east-1:1:rule/r"}) == IMPLICIT_DENY


@pytest.mark.parametrize("statement", [{"Effect": "Allow", "Action": "route53:*", "Resource": "*",
                                        "Condition": {"StringEquals": "not-a-block"}}])
def test_malformed_condition_block_never_allows(statement):
    assert decide([policy(statement)], "route53:GetHealthCheck", HC) == IMPLICIT_DENY
