output "regionalfailover_manifest" {
  description = "terraform output -raw regionalfailover_manifest | kubectl apply -f -"
  value       = module.regional_failover.regionalfailover_manifest
}

output "baseline" {
  description = "What tests/assert_local.py checks against the local AWS API."
  value = {
    table_name         = module.regional_failover.table_name
    table_arns         = module.regional_failover.table_arns
    hosted_zone_id     = module.regional_failover.hosted_zone_id
    record_fqdn        = module.regional_failover.record_fqdn
    health_check_id    = module.regional_failover.health_check_id
    health_check_arn   = module.regional_failover.health_check_arn
    operator_role_arn  = module.regional_failover.operator_role_arn
    drill_failsafe     = module.regional_failover.drill_failsafe
    primary_endpoint   = var.primary_endpoint
    secondary_endpoint = var.secondary_endpoint
    health_check_port  = var.health_check_port
  }
}
