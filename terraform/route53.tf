# Route 53 does the failover by itself: while the health check behind the PRIMARY record is unhealthy, the
# SECONDARY record is served. Nothing here (nor the operator) sits in that path.

locals {
  create_zone = var.hosted_zone_id == null

  # The operator and the health check compare these with the live records, so they are fixed names.
  primary_set_identifier   = "primary"
  secondary_set_identifier = "secondary"

  # Time for Route 53 to act on a changed health status at its name servers; AWS does not publish a bound, the
  # operator uses the same allowance for status.predictedRtoSeconds.
  dns_propagation_allowance_seconds = 60
  predicted_rto_seconds             = var.health_check_request_interval * var.health_check_failure_threshold + local.dns_propagation_allowance_seconds + var.record_ttl

  # Route 53 takes an address or a name as the health-check target, never both.
  health_check_target_is_ip = can(regex(local.ipv4_pattern, var.primary_endpoint)) || strcontains(var.primary_endpoint, ":")
}

resource "aws_route53_zone" "this" {
  count = local.create_zone ? 1 : 0

  #checkov:skip=CKV2_AWS_38:DNSSEC signing needs a KMS key in us-east-1 and a DS record at the registrar; it is a decision for the domain owner, outside this lab.
  #checkov:skip=CKV2_AWS_39:Query logging to CloudWatch Logs is billed per query; the idle-cost budget in README.md leaves it to the caller.
  name    = var.hosted_zone_name
  comment = "${var.name}: active-passive failover (${var.primary_region} -> ${var.secondary_region})"

  tags = local.primary_tags
}

data "aws_route53_zone" "existing" {
  count = local.create_zone ? 0 : 1

  zone_id = var.hosted_zone_id
}

locals {
  zone_id           = local.create_zone ? aws_route53_zone.this[0].zone_id : data.aws_route53_zone.existing[0].zone_id
  zone_name         = trimsuffix(local.create_zone ? aws_route53_zone.this[0].name : data.aws_route53_zone.existing[0].name, ".")
  zone_name_servers = local.create_zone ? aws_route53_zone.this[0].name_servers : data.aws_route53_zone.existing[0].name_servers
  zone_arn          = "arn:${local.partition}:route53:::hostedzone/${local.zone_id}"
}

# Interval 10 s x threshold 3: one checker calls the primary unhealthy after 3 failures in a row (~30 s), and the
# record flips only when fewer than 18 % of all checkers still see it healthy. One slow or failed response counts once
# against one checker, so it cannot flip the record; a real outage fails every checker. README.md has the RTO budget.
resource "aws_route53_health_check" "primary" {
  type              = var.health_check_type
  ip_address        = local.health_check_target_is_ip ? var.primary_endpoint : null
  fqdn              = local.health_check_target_is_ip ? null : var.primary_endpoint
  port              = var.health_check_port
  resource_path     = var.health_check_type == "TCP" ? null : var.health_check_path
  enable_sni        = var.health_check_type == "HTTPS" && !local.health_check_target_is_ip
  request_interval  = var.health_check_request_interval
  failure_threshold = var.health_check_failure_threshold
  regions           = var.health_check_regions

  # Drills invert this check on purpose and restore it; Terraform owning the value means a forgotten inversion is
  # reverted by the next apply. A disabled check is always healthy, so failover could never happen.
  invert_healthcheck = false
  disabled           = false

  tags = merge(local.primary_tags, { Name = "${var.name}-primary-${var.primary_region}" })

  lifecycle {
    precondition {
      condition     = local.predicted_rto_seconds <= var.rto_objective_seconds
      error_message = "Detection (${var.health_check_request_interval} s x ${var.health_check_failure_threshold}) + ${local.dns_propagation_allowance_seconds} s propagation + ${var.record_ttl} s TTL = ${local.predicted_rto_seconds} s exceeds rto_objective_seconds (${var.rto_objective_seconds})."
    }
  }
}

resource "aws_route53_record" "primary" {
  zone_id         = local.zone_id
  name            = var.record_name
  type            = var.record_type
  ttl             = var.record_ttl
  records         = [var.primary_endpoint]
  set_identifier  = local.primary_set_identifier
  health_check_id = aws_route53_health_check.primary.id

  failover_routing_policy {
    type = "PRIMARY"
  }

  lifecycle {
    precondition {
      condition     = var.record_name == local.zone_name || endswith(var.record_name, ".${local.zone_name}")
      error_message = "record_name ${var.record_name} is not in the hosted zone ${local.zone_name}."
    }
    precondition {
      condition     = !(var.record_type == "CNAME" && var.record_name == local.zone_name)
      error_message = "A CNAME cannot sit at the zone apex (${local.zone_name}): use a sub-domain or an A / AAAA record."
    }
  }
}

# No health check on the SECONDARY: Route 53 then treats it as always healthy, so it is served whenever the primary
# is not, which is what a standby is for.
resource "aws_route53_record" "secondary" {
  zone_id        = local.zone_id
  name           = var.record_name
  type           = var.record_type
  ttl            = var.record_ttl
  records        = [var.secondary_endpoint]
  set_identifier = local.secondary_set_identifier

  failover_routing_policy {
    type = "SECONDARY"
  }

  lifecycle {
    precondition {
      condition     = var.record_name == local.zone_name || endswith(var.record_name, ".${local.zone_name}")
      error_message = "record_name ${var.record_name} is not in the hosted zone ${local.zone_name}."
    }
  }
}
