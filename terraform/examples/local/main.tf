# The same module against the project's local AWS (tests/localaws: moto plus a fidelity layer) on 127.0.0.1.
# Only the provider blocks differ from examples/aws: endpoint overrides, fake credentials, no account lookups.

provider "aws" {
  region                      = var.primary_region
  access_key                  = "local"
  secret_key                  = "local"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    cloudwatch = var.local_endpoint_url
    dynamodb   = var.local_endpoint_url
    iam        = var.local_endpoint_url
    route53    = var.local_endpoint_url
    scheduler  = var.local_endpoint_url
    sts        = var.local_endpoint_url
  }

  default_tags {
    tags = { Lab = var.lab_name, RegionRole = "primary", ManagedBy = "terraform" }
  }
}

provider "aws" {
  alias                       = "secondary"
  region                      = var.secondary_region
  access_key                  = "local"
  secret_key                  = "local"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    cloudwatch = var.local_endpoint_url
    dynamodb   = var.local_endpoint_url
    iam        = var.local_endpoint_url
    route53    = var.local_endpoint_url
    scheduler  = var.local_endpoint_url
    sts        = var.local_endpoint_url
  }

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

  table_deletion_protection = false

  # The local health checker probes the target for real, so both targets are loopback addresses (Linux routes
  # all of 127/8 to lo). Record values equal the endpoints, which is how the operator tells the regions apart.
  hosted_zone_name          = var.zone_name
  record_name               = "api.${var.zone_name}"
  record_type               = "A"
  primary_endpoint          = var.primary_endpoint
  secondary_endpoint        = var.secondary_endpoint
  authoritative_nameservers = ["127.0.0.1:${var.dns_port}"]

  # HTTP by default (what the operator's end-to-end tests use); terraform/test local also applies CALCULATED and
  # CLOUDWATCH_METRIC over it, with the children and the alarm created below as a caller would.
  health_check_type              = var.health_check_type
  health_check_port              = var.health_check_port
  health_check_path              = "/health"
  health_check_probe_type        = local.polls_endpoint ? null : "HTTP"
  child_health_check_ids         = aws_route53_health_check.child[*].id
  child_health_threshold         = var.health_check_type == "CALCULATED" ? 1 : null
  cloudwatch_alarm_name          = one(aws_cloudwatch_metric_alarm.canary[*].alarm_name)
  health_check_detection_seconds = local.detection_seconds[var.health_check_type]
  secondary_health_check         = var.secondary_health_check

  # IRSA, as on EKS: the operator's pod presents a service-account token of the local kube-apiserver and local AWS
  # (tests/localaws, --iam enforce) checks it against this provider and the role's trust policy.
  operator_identity        = "irsa"
  oidc_provider_arn        = aws_iam_openid_connect_provider.kube.arn
  operator_namespace       = var.operator_namespace
  operator_service_account = var.operator_service_account
}

# The local cluster's service-account token issuer. Local AWS verifies tokens with the signing keys registered through
# its control API (POST /_localaws/iam/oidc), not by fetching the issuer's discovery document, so the thumbprint is a
# placeholder: this example never talks to a real account (see local_endpoint_url's validation).
resource "aws_iam_openid_connect_provider" "kube" {
  url             = var.oidc_issuer_url
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["0000000000000000000000000000000000000000"]
}

locals {
  polls_endpoint = contains(["HTTP", "HTTPS", "TCP"], var.health_check_type)
  # What the module cannot read, computed from what is created here: 1 of 2 children (10 s x 3 each) must stay
  # healthy, so both must fail (the slower one decides): 30 s; the alarm fails after 3 periods of 60 s: 180 s.
  detection_seconds = { HTTP = null, HTTPS = null, TCP = null, CALCULATED = 30, CLOUDWATCH_METRIC = 180 }
}

# CALCULATED: two child checks of the primary (its health path and its readiness path), created next to the module as
# a caller creates them for its load balancer, API or database path.
resource "aws_route53_health_check" "child" {
  count = var.health_check_type == "CALCULATED" ? 2 : 0

  type              = "HTTP"
  ip_address        = var.primary_endpoint
  port              = var.health_check_port
  resource_path     = ["/health", "/ready"][count.index]
  request_interval  = 10
  failure_threshold = 3
  regions           = ["us-east-1", "us-west-1", "eu-west-1"]

  tags = { Name = "${var.name}-child-${count.index}" }
}

# CLOUDWATCH_METRIC: the alarm a deep synthetic canary would feed (Failures per minute). Route 53 follows only
# standard-resolution alarms with a standard statistic. Missing data stays INSUFFICIENT_DATA, which the module's
# default insufficient_data_health_status (Unhealthy) turns into a failover: a canary that dies with its region.
resource "aws_cloudwatch_metric_alarm" "canary" {
  count = var.health_check_type == "CLOUDWATCH_METRIC" ? 1 : 0

  alarm_name          = "${var.name}-deep-canary"
  alarm_description   = "Deep synthetic canary of ${var.name} in ${var.primary_region} (local stand-in)."
  namespace           = "RegionalFailover/Canary"
  metric_name         = "Failures"
  dimensions          = { Api = var.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "missing"
}
