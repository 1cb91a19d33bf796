# The baseline in a real account: the primary region as the default provider, the standby as aws.secondary.
# default_tags put the lab name and the region's role on everything each provider creates.

provider "aws" {
  region = var.primary_region

  default_tags {
    tags = { Lab = var.lab_name, RegionRole = "primary", ManagedBy = "terraform" }
  }
}

provider "aws" {
  alias  = "secondary"
  region = var.secondary_region

  default_tags {
    tags = { Lab = var.lab_name, RegionRole = "secondary", ManagedBy = "terraform" }
  }
}

module "regional_failover" {
  source = "../.."

  providers = {
    aws           = aws
    aws.secondary = aws.secondary
  }

  name             = var.name
  lab_name         = var.lab_name
  primary_region   = var.primary_region
  secondary_region = var.secondary_region

  hosted_zone_id     = var.hosted_zone_id
  record_name        = var.record_name
  record_type        = "CNAME"
  primary_endpoint   = var.primary_endpoint
  secondary_endpoint = var.secondary_endpoint

  secondary_record_ttl = var.secondary_record_ttl

  # What drives the PRIMARY's health (variables.tf; calculated.tfvars.example, alarm.tfvars.example).
  health_check_type               = var.health_check_type
  health_check_port               = 443
  health_check_path               = "/health"
  child_health_check_ids          = var.child_health_check_ids
  child_health_threshold          = var.child_health_threshold
  cloudwatch_alarm_name           = var.cloudwatch_alarm_name
  cloudwatch_alarm_region         = var.cloudwatch_alarm_region
  insufficient_data_health_status = var.insufficient_data_health_status
  health_check_probe_type         = var.health_check_probe_type
  health_check_detection_seconds  = var.health_check_detection_seconds
  secondary_health_check          = var.secondary_health_check

  operator_identity = var.oidc_provider_arn == null ? "pod-identity" : "irsa"
  oidc_provider_arn = var.oidc_provider_arn
  eks_cluster_name  = var.eks_cluster_name
}
