# The operator's policy, parsed from the JSON the module renders: every Route 53, DynamoDB and CloudWatch alarm
# permission is scoped to the exact health check(s), zone, table and alarm ARNs; only the two actions AWS cannot
# scope use "*". One run per health-check kind: what the failover path depends on changes what the operator reads.

mock_provider "aws" {
  source = "./tests/mocks/primary"
}

mock_provider "aws" {
  alias  = "secondary"
  source = "./tests/mocks/secondary"
}

override_resource {
  target = aws_iam_role.operator
  values = { arn = "arn:aws:iam::123456789012:role/profile-api-operator" }
}

override_resource {
  target = aws_iam_role.drill_failsafe
  values = { arn = "arn:aws:iam::123456789012:role/profile-api-drill-failsafe" }
}

variables {
  hosted_zone_name   = "example.com"
  record_name        = "api.example.com"
  primary_endpoint   = "primary.api.example.com"
  secondary_endpoint = "standby.api.example.com"
}

run "operator_policy_scoping" {
  command = apply

  # Which actions are granted is checked against the operator's call sites by tests/policy_matches_calls.py
  # (terraform/test actions); this run checks how each granted action is scoped.
  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action if contains(flatten([s.Resource]), "*")
    ])) == toset(["route53:ListHealthChecks", "cloudwatch:GetMetricData"])
    error_message = "Only ListHealthChecks and GetMetricData (no resource type in AWS's Service Authorization Reference) may use Resource \"*\"."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : flatten([s.Resource]) == ["*"]
      if contains(flatten([s.Resource]), "*")
    ])
    error_message = "A statement with Resource \"*\" holds nothing but \"*\" (no scoped resource can be mixed in by mistake)."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : alltrue([for a in flatten([s.Action]) : !strcontains(a, "*")])
    ])
    error_message = "No wildcard actions."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Effect == "Allow" && !can(s.NotAction) && !can(s.NotResource)
    ])
    error_message = "Allow statements only, with Action and Resource (NotAction/NotResource would grant what is not listed)."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : flatten([s.Resource]) == ["arn:aws:route53:::healthcheck/0f3c0000-1111-2222-3333-444455556666"]
      if anytrue([for a in flatten([s.Action]) : contains(["route53:GetHealthCheck", "route53:GetHealthCheckStatus", "route53:UpdateHealthCheck"], a)])
    ])
    error_message = "Health-check reads and UpdateHealthCheck are allowed on the primary health check only."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : flatten([s.Resource]) == ["arn:aws:route53:::hostedzone/Z0123456789MOCKZONE"]
      if anytrue([for a in flatten([s.Action]) : contains(["route53:GetHostedZone", "route53:ListResourceRecordSets"], a)])
    ])
    error_message = "Zone and record reads are allowed on the failover zone only."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement :
      toset(flatten([s.Resource])) == toset(["arn:aws:dynamodb:us-east-1:123456789012:table/profiles", "arn:aws:dynamodb:us-west-2:123456789012:table/profiles"])
      if anytrue([for a in flatten([s.Action]) : startswith(a, "dynamodb:")])
    ])
    error_message = "DynamoDB actions are scoped to the table in both regions, nothing else."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement :
      try(s.Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"], null) == ["regionalfailover-probe#*"]
      if anytrue([for a in flatten([s.Action]) : contains(["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"], a)])
    ])
    error_message = "Item reads and writes are restricted to the probe key prefix by dynamodb:LeadingKeys."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement :
      flatten([s.Resource]) == ["arn:aws:scheduler:us-east-1:123456789012:schedule/regional-failover-drills/regionalfailover-*"]
      if anytrue([for a in flatten([s.Action]) : startswith(a, "scheduler:")])
    ])
    error_message = "Schedules may be managed only in the drill group and with the regionalfailover- prefix."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement :
      flatten([s.Resource]) == ["arn:aws:iam::123456789012:role/profile-api-drill-failsafe"]
      && s.Condition.StringEquals["iam:PassedToService"] == "scheduler.amazonaws.com"
      if contains(flatten([s.Action]), "iam:PassRole")
    ])
    error_message = "PassRole only for the fail-safe execution role, and only to EventBridge Scheduler."
  }
  assert {
    condition = length(setintersection(
      flatten([for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action]),
      ["route53:GetHealthCheckLastFailureReason", "route53:ListTagsForResource", "route53:TestDNSAnswer",
      "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource", "cloudwatch:GetMetricStatistics"]
    )) == 0
    error_message = "Actions the operator no longer calls stay out of the policy."
  }
  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action]), "cloudwatch:DescribeAlarms")
    error_message = "No alarm reads unless the primary's check follows an alarm (CLOUDWATCH_METRIC)."
  }
  assert {
    condition = (
      length(flatten([for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action]))
      == length(distinct(flatten([for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action])))
    )
    error_message = "Each action is granted in exactly one statement, so its scope is read in one place."
  }
}

run "calculated_check_reads_its_children_and_the_secondary_check" {
  command = apply

  variables {
    health_check_type              = "CALCULATED"
    child_health_check_ids         = ["1a2b3c4d-0000-4000-8000-00000000000a", "1a2b3c4d-0000-4000-8000-00000000000b", "1a2b3c4d-0000-4000-8000-00000000000c"]
    child_health_threshold         = 2
    health_check_detection_seconds = 30
    secondary_health_check         = true
  }

  override_resource {
    target = aws_route53_health_check.secondary[0]
    values = { id = "5ec0da27-0000-4000-8000-000000000002", arn = "arn:aws:route53:::healthcheck/5ec0da27-0000-4000-8000-000000000002" }
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : flatten([s.Resource]) == [
        "arn:aws:route53:::healthcheck/0f3c0000-1111-2222-3333-444455556666",
        "arn:aws:route53:::healthcheck/1a2b3c4d-0000-4000-8000-00000000000a",
        "arn:aws:route53:::healthcheck/1a2b3c4d-0000-4000-8000-00000000000b",
        "arn:aws:route53:::healthcheck/1a2b3c4d-0000-4000-8000-00000000000c",
        "arn:aws:route53:::healthcheck/5ec0da27-0000-4000-8000-000000000002",
      ]
      if anytrue([for a in flatten([s.Action]) : contains(["route53:GetHealthCheck", "route53:GetHealthCheckStatus"], a)])
    ])
    error_message = "Health-check reads cover the primary check, each CALCULATED child and the SECONDARY's check, and nothing else."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : flatten([s.Resource]) == ["arn:aws:route53:::healthcheck/0f3c0000-1111-2222-3333-444455556666"]
      if contains(flatten([s.Action]), "route53:UpdateHealthCheck")
    ])
    error_message = "UpdateHealthCheck stays on the primary (parent) check: drills never touch a child or the SECONDARY's check."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.drill_failsafe.policy).Statement[0].Resource == ["arn:aws:route53:::healthcheck/0f3c0000-1111-2222-3333-444455556666"]
    error_message = "The fail-safe role restores the primary (parent) check only."
  }
  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action if contains(flatten([s.Resource]), "*")
    ])) == toset(["route53:ListHealthChecks", "cloudwatch:GetMetricData"])
    error_message = "The children and the SECONDARY's check add no Resource \"*\"."
  }
  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action]), "cloudwatch:DescribeAlarms")
    error_message = "A CALCULATED check follows no alarm of its own: no DescribeAlarms."
  }
}

run "alarm_check_reads_its_alarm_only" {
  command = apply

  variables {
    health_check_type              = "CLOUDWATCH_METRIC"
    cloudwatch_alarm_name          = "profile-api-deep-canary"
    cloudwatch_alarm_region        = "us-west-2"
    health_check_detection_seconds = 180
  }

  assert {
    condition = [
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : flatten([s.Resource])
      if contains(flatten([s.Action]), "cloudwatch:DescribeAlarms")
    ] == [["arn:aws:cloudwatch:us-west-2:123456789012:alarm:profile-api-deep-canary"]]
    error_message = "DescribeAlarms is granted once, on the configured alarm in its own region (not the primary's), nothing else."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : flatten([s.Resource]) == ["arn:aws:route53:::healthcheck/0f3c0000-1111-2222-3333-444455556666"]
      if anytrue([for a in flatten([s.Action]) : contains(["route53:GetHealthCheck", "route53:GetHealthCheckStatus", "route53:UpdateHealthCheck"], a)])
    ])
    error_message = "Without children or a SECONDARY check, health-check reads and UpdateHealthCheck stay on the primary check."
  }
  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action if contains(flatten([s.Resource]), "*")
    ])) == toset(["route53:ListHealthChecks", "cloudwatch:GetMetricData"])
    error_message = "Alarm reads are scoped to the alarm, never \"*\"."
  }
  assert {
    condition = (
      length(flatten([for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action]))
      == length(distinct(flatten([for s in jsondecode(aws_iam_policy.operator.policy).Statement : s.Action])))
    )
    error_message = "Each action is granted in exactly one statement, with the alarm statement added."
  }
}

run "drill_failsafe_role" {
  command = apply

  assert {
    condition = (
      jsondecode(aws_iam_role.drill_failsafe.assume_role_policy).Statement[0].Principal.Service == "scheduler.amazonaws.com"
      && jsondecode(aws_iam_role.drill_failsafe.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
      && jsondecode(aws_iam_role.drill_failsafe.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceArn"] == aws_scheduler_schedule_group.drills.arn
    )
    error_message = "Only EventBridge Scheduler, for schedules of this account's drill group, may assume the fail-safe role."
  }
  assert {
    condition = (
      length(jsondecode(aws_iam_role_policy.drill_failsafe.policy).Statement) == 1
      && jsondecode(aws_iam_role_policy.drill_failsafe.policy).Statement[0].Action == ["route53:UpdateHealthCheck"]
      && jsondecode(aws_iam_role_policy.drill_failsafe.policy).Statement[0].Resource == [aws_route53_health_check.primary.arn]
    )
    error_message = "The fail-safe role may restore the primary health check and do nothing else."
  }
  assert {
    condition     = aws_scheduler_schedule_group.drills.name == "regional-failover-drills"
    error_message = "Fail-safe schedules live in a dedicated group."
  }
  assert {
    condition = (
      output.drill_failsafe.name_prefix == "regionalfailover-" && output.drill_failsafe.region == "us-east-1"
      && output.drill_failsafe.execution_role_arn == "arn:aws:iam::123456789012:role/profile-api-drill-failsafe"
      && output.drill_failsafe.target_arn == "arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck"
    )
    error_message = "The drill_failsafe output gives the operator everything it needs to arm the fail-safe."
  }
}

run "pod_identity_trust" {
  command = apply

  variables {
    eks_cluster_name = "platform"
  }

  assert {
    condition = (
      jsondecode(aws_iam_role.operator.assume_role_policy).Statement[0].Principal.Service == "pods.eks.amazonaws.com"
      && toset(jsondecode(aws_iam_role.operator.assume_role_policy).Statement[0].Action) == toset(["sts:AssumeRole", "sts:TagSession"])
    )
    error_message = "Pod Identity trusts pods.eks.amazonaws.com with AssumeRole and TagSession."
  }
  assert {
    condition = jsondecode(aws_iam_role.operator.assume_role_policy).Statement[0].Condition.StringEquals == {
      "aws:RequestTag/kubernetes-namespace"       = "regional-failover"
      "aws:RequestTag/kubernetes-service-account" = "regional-failover"
      "aws:RequestTag/eks-cluster-name"           = "platform"
    }
    error_message = "Only the operator's service account in the given cluster may assume the role."
  }
  assert {
    condition = (
      length(aws_eks_pod_identity_association.operator) == 1
      && aws_eks_pod_identity_association.operator[0].role_arn == "arn:aws:iam::123456789012:role/profile-api-operator"
      && aws_eks_pod_identity_association.operator[0].namespace == "regional-failover"
    )
    error_message = "With a cluster name the module creates the Pod Identity association."
  }
  assert {
    condition     = aws_eks_pod_identity_association.operator[0].tags == tomap({ Lab = "regional-failover", RegionRole = "primary" })
    error_message = "The association is tagged like every other resource."
  }
}

run "irsa_trust" {
  command = apply

  variables {
    operator_identity = "irsa"
    oidc_provider_arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123456789"
  }

  assert {
    condition = (
      jsondecode(aws_iam_role.operator.assume_role_policy).Statement[0].Action == "sts:AssumeRoleWithWebIdentity"
      && jsondecode(aws_iam_role.operator.assume_role_policy).Statement[0].Principal.Federated == var.oidc_provider_arn
    )
    error_message = "IRSA trusts the cluster's OIDC provider with AssumeRoleWithWebIdentity."
  }
  assert {
    condition = jsondecode(aws_iam_role.operator.assume_role_policy).Statement[0].Condition.StringEquals == {
      "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123456789:sub" = "system:serviceaccount:regional-failover:regional-failover"
      "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123456789:aud" = "sts.amazonaws.com"
    }
    error_message = "IRSA is limited to the operator's service account and the STS audience."
  }
  assert {
    condition     = length(aws_eks_pod_identity_association.operator) == 0
    error_message = "No Pod Identity association with IRSA."
  }
}
