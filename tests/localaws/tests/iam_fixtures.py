"""Shared pieces of the IAM end-to-end tests: a serve with --iam enforce, an IRSA-style role assumed with a
token the test signs, and a helper that returns what a denied call looked like on the wire."""

import json

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import start_serve, stop_serve
from localaws import oidc_token

ACCOUNT = "123456789012"
ISSUER = "https://kubernetes.default.svc"
HOST = "kubernetes.default.svc"
SUB = "system:serviceaccount:regional-failover:regional-failover"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"


@pytest.fixture
def enforced():
    aws = start_serve(0.1, ("--iam", "enforce"))
    yield aws
    rc = stop_serve(aws)
    assert rc == 0, "serve did not exit cleanly on SIGTERM:\n" + "".join(aws.output)


def session_client(aws, service: str, creds: dict, region: str = "us-east-1"):
    return boto3.client(service, endpoint_url=aws.endpoint, region_name=region,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds.get("SessionToken"),
                        config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def unsigned_sts(aws):
    return boto3.client("sts", endpoint_url=aws.endpoint, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}))


def denied(call) -> tuple[str, int, str]:
    """(error code, HTTP status, message) of a call that must fail."""
    with pytest.raises(ClientError) as err:
        call()
    response = err.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def irsa_trust(sub: str = SUB) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": PROVIDER_ARN}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{HOST}:sub": sub, f"{HOST}:aud": "sts.amazonaws.com"}}}]})


def oidc_provider(aws) -> None:
    aws.client("iam").create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"],
                                                      ThumbprintList=["0" * 40])


def role_with_policy(aws, name: str, trust: str, statements: list, managed: bool = True) -> str:
    iam = aws.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    if not statements:
        return arn
    if managed:
        policy = iam.create_policy(PolicyName=f"{name}-policy", PolicyDocument=document)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    else:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=document)
    return arn


def web_identity(aws, role_arn: str, key, sub: str = SUB, session: str = "rf", **claims) -> dict:
    token = oidc_token.sign(key, ISSUER, sub, **claims)
    out = unsigned_sts(aws).assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName=session,
                                                         WebIdentityToken=token)
    return out["Credentials"] | {"Arn": out["AssumedRoleUser"]["Arn"]}
