"""Compares, independently, the AWS operations the operator calls with the IAM policy Terraform renders.

Called: every `call(Service::X, "Op", ...)` site in controller/src/aws/*.rs (test files and test-only items
excluded: `#[cfg(test)]`, `#[cfg(feature = "test-support")]`, `#[cfg(any(test, feature = "test-support"))]`; the
operator's build has neither), as the IAM action `prefix:Op`, plus the actions AWS checks implicitly: iam:PassRole for a
CreateSchedule/UpdateSchedule whose file sets the target's role (`.role_arn(`).
Granted: the Action lists of the operator policy as rendered by `terraform apply` of examples/local and read back
from local AWS, once per health-check kind (tests/apply-local saves operator-policy-<kind>.json; `terraform/test
local` runs first), or --policy FILE (repeatable). What the policy grants depends on the kind (cloudwatch:DescribeAlarms
only with CLOUDWATCH_METRIC), so an action counts as granted when some configuration's policy grants it.

Fails, listing each, when a called action is not granted (the operator would get AccessDenied) or a granted action
is not called and has no `# justified: ACTION reason` comment within five lines above it in terraform/*.tf.

Usage: python3 policy_matches_calls.py [--policy FILE ...] [--repo DIR]
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

PREFIXES = {"Route53": "route53", "DynamoDb": "dynamodb", "Scheduler": "scheduler", "CloudWatch": "cloudwatch"}
CALL = re.compile(r'\bcall\(\s*Service::(\w+)\s*,\s*"([A-Za-z0-9]+)"')
IMPLIED = {"scheduler:CreateSchedule": "iam:PassRole", "scheduler:UpdateSchedule": "iam:PassRole"}
# A cfg attribute whose every alternative is test-only: `test`, the `test-support` feature, or any() of those.
_TEST_ONLY = r'(?:test|feature\s*=\s*"test-support")'
_TEST_ONLY_ANY = rf"any\(\s*{_TEST_ONLY}(?:\s*,\s*{_TEST_ONLY})*\s*,?\s*\)"
TEST_ONLY_CFG = re.compile(rf"#\[cfg\(\s*(?:{_TEST_ONLY}|{_TEST_ONLY_ANY})\s*\)\]")
JUSTIFIED = re.compile(r"#\s*justified:\s*([a-z0-9-]+:[A-Za-z0-9*]+)\s+\S")
POLICY_DIR = Path(os.environ.get("RF_CACHE", Path.home() / ".cache" / "regional-failover")) / "terraform"
# One per configuration tests/apply-local applies: each health-check kind.
DEFAULT_POLICIES = [POLICY_DIR / f"operator-policy-{kind}.json" for kind in ("http", "calculated", "cloudwatch-metric")]


def called_actions(aws_dir: Path) -> tuple[dict, list]:
    """{action: ["file.rs:line", ...]} and the problems found while reading (unknown Service variants)."""
    called, problems = {}, []
    for path in sorted(aws_dir.glob("*.rs")):
        if "test" in path.stem:
            continue
        text = _without_test_items(path.read_text())
        for m in CALL.finditer(text):
            service, operation = m.groups()
            line = text.count("\n", 0, m.start()) + 1
            if service not in PREFIXES:
                problems.append(f"{path.name}:{line}: Service::{service} has no IAM prefix in this checker; "
                                "add it to PREFIXES")
                continue
            action = f"{PREFIXES[service]}:{operation}"
            called.setdefault(action, []).append(f"{path.name}:{line}")
            if action in IMPLIED and ".role_arn(" in text:
                called.setdefault(IMPLIED[action], []).append(
                    f"{path.name}:{line} (implied: the schedule passes a role)")
    return called, problems


def _without_test_items(text: str) -> str:
    """The source with every test-only item (TEST_ONLY_CFG: #[cfg(test)], test-support) blanked out (a `mod x;`
    line or a braced block), keeping line numbers: test doubles and test-only adapters call `call(Service::X, ...)`
    too, and they are not the operator."""
    out, pos = [], 0
    for m in TEST_ONLY_CFG.finditer(text):
        if m.start() < pos:
            continue
        out.append(text[pos:m.start()])
        end = text.find(";", m.end())
        brace = text.find("{", m.end())
        if brace != -1 and (end == -1 or brace < end):
            depth, i = 0, brace
            while i < len(text):
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                if depth == 0:
                    break
                i += 1
            end = i
        end = len(text) - 1 if end == -1 else end
        out.append(re.sub(r"[^\n]", " ", text[m.start():end + 1]))
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)


def granted_actions(policy: dict) -> dict:
    """{action: statement Sid}; a wildcard action or NotAction cannot be compared and is reported as such."""
    statements = policy.get("Statement", [])
    granted = {}
    for index, stmt in enumerate(statements if isinstance(statements, list) else [statements]):
        if stmt.get("Effect") != "Allow":
            continue
        sid = stmt.get("Sid") or f"#{index}"
        if "NotAction" in stmt:
            granted[f"NotAction {stmt['NotAction']}"] = sid
        actions = stmt.get("Action", [])
        for action in actions if isinstance(actions, list) else [actions]:
            granted[action] = sid
    return granted


def justifications(tf_dir: Path) -> dict:
    """{action: "file.tf:line"} for `# justified: ACTION reason` comments within five lines above a line naming it."""
    found = {}
    for path in sorted(tf_dir.glob("*.tf")):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            for m in JUSTIFIED.finditer(line):
                action = m.group(1)
                if any(f'"{action}"' in later for later in lines[i:i + 6]):
                    found[action] = f"{path.name}:{i + 1}"
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", type=Path, action="append",
                        help="a rendered policy (repeatable); default: each kind's")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args()
    policies = args.policy or DEFAULT_POLICIES
    tf_dir = args.repo / "terraform"
    newest_tf = max(p.stat().st_mtime for p in tf_dir.rglob("*.tf") if ".terraform" not in p.parts)
    for policy in policies:
        if not policy.is_file():
            print(f"policy_matches_calls: no rendered policy at {policy}; run `terraform/test local` first "
                  "(tests/apply-local saves the policy local AWS received, per health-check kind)")
            return 1
        if policy.stat().st_mtime < newest_tf:
            print(f"policy_matches_calls: {policy} is older than terraform/*.tf; run `terraform/test local` first")
            return 1

    called, problems = called_actions(args.repo / "controller" / "src" / "aws")
    by_sid = {}  # action -> {Sid: [configuration, ...]}
    for policy in policies:
        for action, sid in granted_actions(json.loads(policy.read_text())).items():
            by_sid.setdefault(action, {}).setdefault(sid, []).append(policy.stem.removeprefix("operator-policy-"))
    # action -> ["Sid (the configurations whose policy has it)", ...]
    granted = {a: [f"{sid} ({', '.join(cs)})" for sid, cs in sids.items()] for a, sids in by_sid.items()}
    justified = justifications(tf_dir)
    if not called:
        problems.append("no call(Service::X, \"Op\") sites found in controller/src/aws/*.rs: "
                        "the checker would prove nothing")
    print(f"policy_matches_calls: {len(called)} actions called (controller/src/aws/*.rs), {len(granted)} granted "
          f"(the policies terraform rendered: {', '.join(str(p) for p in policies)})")
    failures = list(problems)
    for action in sorted(set(called) | set(granted)):
        if action in called and action in granted:
            print(f"  ok    {action:40} granted by {', '.join(granted[action])}, called at {', '.join(called[action])}")
        elif action in called:
            failures.append(f"CALLED BUT NOT GRANTED  {action}: called at {', '.join(called[action])}, "
                            "but no statement of the operator policy allows it; on AWS the call fails with "
                            "AccessDenied. Grant it in terraform/iam-operator.tf, scoped as narrowly as the action "
                            "allows.")
        elif action in justified:
            print(f"  ok    {action:40} granted by {', '.join(granted[action])}, not called, "
                  f"justified at {justified[action]}")
        else:
            failures.append(f"GRANTED BUT NOT CALLED  {action}: statement {', '.join(granted[action])} grants it, "
                            f"but no call(Service::..., \"{action.split(':')[-1]}\") site in controller/src/aws/*.rs "
                            "uses it. "
                            f"Remove it, or add `# justified: {action} <why>` right above it in terraform/*.tf.")
    for failure in failures:
        print(f"  FAIL  {failure}")
    print(f"policy_matches_calls: {len(failures)} problem(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
