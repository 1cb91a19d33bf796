# The operator's role: it reads what it verifies, inverts and restores exactly one health check (the primary's)
# during drills, and arms the drill fail-safe. Every statement names its resources except the two actions AWS
# cannot scope.

locals {
  health_check_arn = aws_route53_health_check.primary.arn

  # Besides the primary check, the operator reads what the failover path depends on: a CALCULATED check's children
  # (created outside the module, named by ID) and the SECONDARY record's check, when it has one.
  failover_path_health_check_arns = concat(
    [local.health_check_arn],
    [for id in var.child_health_check_ids : "arn:${local.partition}:route53:::healthcheck/${id}"],
    aws_route53_health_check.secondary[*].arn,
  )
  # A CLOUDWATCH_METRIC check's alarm, in its own region (Route 53's AlarmIdentifier); null for the other kinds.
  health_check_alarm_arn = (var.health_check_type == "CLOUDWATCH_METRIC"
    ? "arn:${local.partition}:cloudwatch:${local.alarm_region}:${local.account_id}:alarm:${var.cloudwatch_alarm_name}"
    : null
  )

  # The replication probe may touch only items whose partition key starts with this prefix.
  probe_key_prefix = "regionalfailover-probe#"

  oidc_issuer = var.oidc_provider_arn == null ? "" : split(":oidc-provider/", var.oidc_provider_arn)[1]

  operator_trust_irsa = {
    Sid       = "OperatorServiceAccountViaIrsa"
    Effect    = "Allow"
    Principal = { Federated = var.oidc_provider_arn }
    Action    = "sts:AssumeRoleWithWebIdentity"
    Condition = {
      StringEquals = {
        "${local.oidc_issuer}:sub" = "system:serviceaccount:${var.operator_namespace}:${var.operator_service_account}"
        "${local.oidc_issuer}:aud" = "sts.amazonaws.com"
      }
    }
  }

  # EKS Pod Identity passes the pod's namespace, service account and cluster as session tags; matching them is what
  # keeps every other pod of the account from assuming this role.
  operator_trust_pod_identity = {
    Sid       = "OperatorServiceAccountViaPodIdentity"
    Effect    = "Allow"
    Principal = { Service = "pods.eks.amazonaws.com" }
    Action    = ["sts:AssumeRole", "sts:TagSession"]
    Condition = {
      StringEquals = merge(
        {
          "aws:RequestTag/kubernetes-namespace"       = var.operator_namespace
          "aws:RequestTag/kubernetes-service-account" = var.operator_service_account
        },
        var.eks_cluster_name == null ? {} : { "aws:RequestTag/eks-cluster-name" = var.eks_cluster_name },
      )
    }
  }

  # Exactly the AWS operations the operator calls (controller/src/aws/*.rs, `self.call(Service::X, "Op", ...)`), plus
  # iam:PassRole implied by CreateSchedule; tests/policy_matches_calls.py fails when the two drift apart (it compares
  # the policy rendered for each health-check kind: DescribeAlarms is granted only with CLOUDWATCH_METRIC). Every
  # statement names its resources, except the two actions for which the Service Authorization Reference lists no
  # resource type: AWS accepts only "*" for those.
  operator_policy = {
    Version = "2012-10-17"
    Statement = concat([
      {
        # Verification reads each check's configuration and its checkers' observations: the primary check, and
        # whatever decides whether failover can happen (a CALCULATED check's children, the SECONDARY's check).
        Sid      = "ReadFailoverPathHealthChecks"
        Effect   = "Allow"
        Action   = ["route53:GetHealthCheck", "route53:GetHealthCheckStatus"]
        Resource = local.failover_path_health_check_arns
      },
      {
        # Drills invert the check and restore it; nothing else may be changed, and no other check.
        Sid      = "InvertAndRestorePrimaryHealthCheck"
        Effect   = "Allow"
        Action   = ["route53:UpdateHealthCheck"]
        Resource = [local.health_check_arn]
      },
      {
        Sid      = "ReadFailoverRecords"
        Effect   = "Allow"
        Action   = ["route53:GetHostedZone", "route53:ListResourceRecordSets"]
        Resource = [local.zone_arn]
      },
      {
        # ListHealthChecks (verification reads every check of the account in pages, so the cost grows with zones,
        # not objects) has no resource type in the Service Authorization Reference: AWS only accepts Resource "*"
        # for it. It is read-only. (No TestDNSAnswer: the operator asks the authoritative name servers itself.)
        Sid      = "Route53ReadsWithoutResourceTypes"
        Effect   = "Allow"
        Action   = ["route53:ListHealthChecks"]
        Resource = ["*"]
      },
      {
        Sid      = "DescribeGlobalTableInBothRegions"
        Effect   = "Allow"
        Action   = ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups"]
        Resource = values(local.table_arns)
      },
      {
        # The opt-in replication probe writes a canary item in one region and reads it back in the other.
        Sid      = "ReplicationProbeItemsOnly"
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"]
        Resource = values(local.table_arns)
        Condition = {
          "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["${local.probe_key_prefix}*"] }
        }
      },
      {
        # GetMetricData reads DynamoDB's ReplicationLatency. The Service Authorization Reference lists no resource
        # type for it (metrics are not resources), so AWS only accepts Resource "*"; it is read-only.
        Sid      = "ReadReplicationLatencyNoResourceType"
        Effect   = "Allow"
        Action   = ["cloudwatch:GetMetricData"]
        Resource = ["*"]
      },
      {
        # The drill fail-safe: a one-time schedule that restores the health check if the operator dies mid-drill.
        Sid      = "ArmAndDisarmDrillFailsafe"
        Effect   = "Allow"
        Action   = ["scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:DeleteSchedule"]
        Resource = [local.drill_schedule_arn_pattern]
      },
      {
        # CreateSchedule names the fail-safe role as the schedule's execution role, which AWS checks as iam:PassRole.
        Sid      = "PassDrillFailsafeRoleToSchedulerOnly"
        Effect   = "Allow"
        Action   = ["iam:PassRole"]
        Resource = [aws_iam_role.drill_failsafe.arn]
        Condition = {
          StringEquals = { "iam:PassedToService" = "scheduler.amazonaws.com" }
        }
      },
      ],
      # A CLOUDWATCH_METRIC check is as healthy as its alarm: the operator reads the alarm's state, period and
      # evaluation periods (verdict and predicted RTO). DescribeAlarms takes the alarm as its resource, so only this
      # one alarm; no statement at all for the other kinds.
      var.health_check_type == "CLOUDWATCH_METRIC" ? [{
        Sid      = "ReadHealthCheckAlarm"
        Effect   = "Allow"
        Action   = ["cloudwatch:DescribeAlarms"]
        Resource = [local.health_check_alarm_arn]
      }] : [],
    )
  }
}

resource "aws_iam_role" "operator" {
  name        = "${var.name}-operator"
  description = "regional-failover operator for ${var.name}: verifies the failover baseline and runs drills."
  assume_role_policy = (var.operator_identity == "irsa"
    ? jsonencode({ Version = "2012-10-17", Statement = [local.operator_trust_irsa] })
    : jsonencode({ Version = "2012-10-17", Statement = [local.operator_trust_pod_identity] })
  )

  tags = local.primary_tags
}

resource "aws_iam_policy" "operator" {
  name        = "${var.name}-operator"
  description = "Least privilege for the regional-failover operator of ${var.name}."
  policy      = jsonencode(local.operator_policy)

  tags = local.primary_tags
}

resource "aws_iam_role_policy_attachment" "operator" {
  role       = aws_iam_role.operator.name
  policy_arn = aws_iam_policy.operator.arn
}

resource "aws_eks_pod_identity_association" "operator" {
  count = var.operator_identity == "pod-identity" && var.eks_cluster_name != null ? 1 : 0

  cluster_name    = var.eks_cluster_name
  namespace       = var.operator_namespace
  service_account = var.operator_service_account
  role_arn        = aws_iam_role.operator.arn

  tags = local.primary_tags
}
