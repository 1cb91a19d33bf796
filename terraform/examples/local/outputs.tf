output "regionalfailover_manifest" {
  description = "terraform output -raw regionalfailover_manifest | kubectl apply -f -"
  value       = module.regional_failover.regionalfailover_manifest
}

output "baseline" {
  description = "What tests/assert_local.py checks against the local AWS API, and what tests need to run the operator as its role."
  value = {
    table_name          = module.regional_failover.table_name
    table_arns          = module.regional_failover.table_arns
    hosted_zone_id      = module.regional_failover.hosted_zone_id
    record_fqdn         = module.regional_failover.record_fqdn
    health_check_id     = module.regional_failover.health_check_id
    health_check_arn    = module.regional_failover.health_check_arn
    operator_role_arn   = module.regional_failover.operator_role_arn
    operator_policy_arn = module.regional_failover.operator_policy_arn
    # What a test needs to assume the operator role the way IRSA does: a token of this issuer for this service
    # account with this audience, exchanged by sts:AssumeRoleWithWebIdentity.
    irsa = {
      oidc_provider_arn = aws_iam_openid_connect_provider.kube.arn
      issuer_url        = var.oidc_issuer_url
      audience          = "sts.amazonaws.com"
      namespace         = var.operator_namespace
      service_account   = var.operator_service_account
      subject           = "system:serviceaccount:${var.operator_namespace}:${var.operator_service_account}"
    }
    drill_failsafe = module.regional_failover.drill_failsafe
    # What the failover path depends on besides the primary check (tests/assert_local.py, assert_iam_local.py).
    health_check_type         = var.health_check_type
    child_health_check_ids    = aws_route53_health_check.child[*].id
    secondary_health_check_id = module.regional_failover.secondary_health_check_id
    cloudwatch_alarm          = one([for a in aws_cloudwatch_metric_alarm.canary : { name = a.alarm_name, region = var.primary_region, arn = a.arn }])
    record_ttls               = module.regional_failover.record_ttls
    primary_endpoint          = var.primary_endpoint
    secondary_endpoint        = var.secondary_endpoint
    health_check_port         = var.health_check_port
  }
}
