output "regionalfailover_manifest" {
  description = "Ready-to-apply RegionalFailover object: terraform output -raw regionalfailover_manifest | kubectl apply -f -"
  value       = yamlencode(local.regionalfailover)
}

output "table_name" {
  description = "Name of the global table (the same in both regions)."
  value       = aws_dynamodb_table.this.name
}

output "table_arns" {
  description = "ARN of the table in each region, keyed primary / secondary."
  value       = local.table_arns
}

output "table_stream_arn" {
  description = "Stream of the primary table (NEW_AND_OLD_IMAGES)."
  value       = aws_dynamodb_table.this.stream_arn
}

output "hosted_zone_id" {
  description = "Hosted zone holding the failover records."
  value       = local.zone_id
}

output "hosted_zone_name_servers" {
  description = "Authoritative name servers of the zone (delegate the domain to these when the module created the zone)."
  value       = local.zone_name_servers
}

output "record_fqdn" {
  description = "Name clients resolve; answered with the primary while its health check passes, else the secondary."
  value       = aws_route53_record.primary.fqdn
}

output "health_check_id" {
  description = "Route 53 health check behind the PRIMARY record."
  value       = aws_route53_health_check.primary.id
}

output "health_check_arn" {
  description = "ARN of that health check."
  value       = aws_route53_health_check.primary.arn
}

output "operator_role_arn" {
  description = "Role for the operator's service account (the Helm chart's IRSA annotation, or the Pod Identity association)."
  value       = aws_iam_role.operator.arn
}

output "operator_policy_arn" {
  description = "The operator's least-privilege policy."
  value       = aws_iam_policy.operator.arn
}

output "drill_failsafe" {
  description = "What the operator needs to arm the drill fail-safe: scheduler region, group, schedule name prefix and execution role."
  value = {
    region             = data.aws_region.primary.name
    schedule_group     = aws_scheduler_schedule_group.drills.name
    schedule_group_arn = aws_scheduler_schedule_group.drills.arn
    name_prefix        = local.drill_schedule_name_prefix
    execution_role_arn = aws_iam_role.drill_failsafe.arn
    target_arn         = "arn:${local.partition}:scheduler:::aws-sdk:route53:updateHealthCheck"
  }
}

output "predicted_rto_seconds" {
  description = "Worst-case seconds from outage to clients on the secondary: detection (interval x threshold, or health_check_detection_seconds) + propagation allowance + record_ttl (README.md)."
  value       = local.predicted_rto_seconds
}

output "predicted_failback_seconds" {
  description = "Worst-case seconds from the primary recovering to every client back on it: detection + propagation allowance + secondary_record_ttl (the drain time; README.md)."
  value       = local.predicted_failback_seconds
}

output "secondary_health_check_id" {
  description = "The SECONDARY record's health check (secondary_health_check), or null when it has none."
  value       = one(aws_route53_health_check.secondary[*].id)
}

output "record_ttls" {
  description = "TTL of each failover record: primary (adds to the RTO) and secondary (the failback drain time)."
  value       = { primary = aws_route53_record.primary.ttl, secondary = aws_route53_record.secondary.ttl }
}
