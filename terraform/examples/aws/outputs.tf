output "regionalfailover_manifest" {
  description = "terraform output -raw regionalfailover_manifest | kubectl apply -f -"
  value       = module.regional_failover.regionalfailover_manifest
}

output "operator_role_arn" {
  description = "Role for the operator's service account."
  value       = module.regional_failover.operator_role_arn
}

output "drill_failsafe" {
  description = "Scheduler settings for the operator's drill fail-safe."
  value       = module.regional_failover.drill_failsafe
}

output "predicted_rto_seconds" {
  description = "interval x threshold + propagation allowance + TTL."
  value       = module.regional_failover.predicted_rto_seconds
}

output "predicted_failback_seconds" {
  description = "detection + propagation allowance + SECONDARY TTL (the drain time)."
  value       = module.regional_failover.predicted_failback_seconds
}
