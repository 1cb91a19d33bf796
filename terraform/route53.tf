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

  # How long Route 53 needs to call the primary unhealthy: interval x threshold for a check that polls the endpoint;
  # for CALCULATED / CLOUDWATCH_METRIC the caller's figure (children or alarm; the module cannot read them).
  detection_seconds = local.polls_endpoint ? var.health_check_request_interval * var.health_check_failure_threshold : var.health_check_detection_seconds
  # Failover: resolvers hold the PRIMARY's answer for its TTL. Failback: they hold the SECONDARY's (the drain time).
  # Recovery takes as many successes as failure took failures, so detection is the same figure both ways (for a
  # CALCULATED check exactly so when its children share settings; README.md, RTO budget).
  predicted_rto_seconds      = local.detection_seconds + local.dns_propagation_allowance_seconds + var.record_ttl
  predicted_failback_seconds = local.detection_seconds + local.dns_propagation_allowance_seconds + var.secondary_record_ttl

  # The protocol that reaches an endpoint: the check's own when it polls one, else the probe type. The operator's
  # drill probes and the SECONDARY's optional check use it.
  probe_type   = local.polls_endpoint ? var.health_check_type : coalesce(var.health_check_probe_type, "HTTPS")
  alarm_region = coalesce(var.cloudwatch_alarm_region, var.primary_region)

  # Route 53 takes an address or a name as the health-check target, never both.
  health_check_target_is_ip = can(regex(local.ipv4_pattern, var.primary_endpoint)) || strcontains(var.primary_endpoint, ":")
  secondary_target_is_ip    = can(regex(local.ipv4_pattern, var.secondary_endpoint)) || strcontains(var.secondary_endpoint, ":")
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
# CALCULATED and CLOUDWATCH_METRIC checks poll nothing: Route 53 rejects the endpoint fields for them, so those are
# null and the kind's own fields are set instead.
resource "aws_route53_health_check" "primary" {
  type              = var.health_check_type
  ip_address        = local.polls_endpoint && local.health_check_target_is_ip ? var.primary_endpoint : null
  fqdn              = local.polls_endpoint && !local.health_check_target_is_ip ? var.primary_endpoint : null
  port              = local.polls_endpoint ? var.health_check_port : null
  resource_path     = contains(["HTTP", "HTTPS"], var.health_check_type) ? var.health_check_path : null
  enable_sni        = local.polls_endpoint ? var.health_check_type == "HTTPS" && !local.health_check_target_is_ip : null
  request_interval  = local.polls_endpoint ? var.health_check_request_interval : null
  failure_threshold = local.polls_endpoint ? var.health_check_failure_threshold : null
  regions           = local.polls_endpoint ? var.health_check_regions : null

  child_healthchecks     = var.health_check_type == "CALCULATED" ? var.child_health_check_ids : null
  child_health_threshold = var.health_check_type == "CALCULATED" ? var.child_health_threshold : null

  cloudwatch_alarm_name           = var.health_check_type == "CLOUDWATCH_METRIC" ? var.cloudwatch_alarm_name : null
  cloudwatch_alarm_region         = var.health_check_type == "CLOUDWATCH_METRIC" ? local.alarm_region : null
  insufficient_data_health_status = var.health_check_type == "CLOUDWATCH_METRIC" ? var.insufficient_data_health_status : null

  # Drills invert this check on purpose and restore it; Terraform owning the value means a forgotten inversion is
  # reverted by the next apply. A disabled check is always healthy, so failover could never happen.
  invert_healthcheck = false
  disabled           = false

  tags = merge(local.primary_tags, { Name = "${var.name}-primary-${var.primary_region}" })

  lifecycle {
    # Changing the kind replaces the check; Route 53 refuses to delete a check a record still uses, so the new one
    # must exist and the PRIMARY record point at it before the old one goes.
    create_before_destroy = true

    precondition {
      condition     = local.predicted_rto_seconds <= var.rto_objective_seconds
      error_message = "Detection (${local.polls_endpoint ? "${var.health_check_request_interval} s x ${var.health_check_failure_threshold}" : "${coalesce(var.health_check_detection_seconds, 0)} s, health_check_detection_seconds"}) + ${local.dns_propagation_allowance_seconds} s propagation + ${var.record_ttl} s TTL = ${local.predicted_rto_seconds} s exceeds rto_objective_seconds (${var.rto_objective_seconds})."
    }
  }
}

# Optional (secondary_health_check): a check of the standby, so a dead standby is never served. The price: while it
# is unhealthy Route 53 answers with the PRIMARY whatever the primary's health, so failover is impossible then; the
# operator reports that (SecondaryHealthCheckUnhealthy) and drills refuse to start. Drills never touch this check.
resource "aws_route53_health_check" "secondary" {
  count = var.secondary_health_check ? 1 : 0

  type              = local.probe_type
  ip_address        = local.secondary_target_is_ip ? var.secondary_endpoint : null
  fqdn              = local.secondary_target_is_ip ? null : var.secondary_endpoint
  port              = var.health_check_port
  resource_path     = local.probe_type == "TCP" ? null : var.health_check_path
  enable_sni        = local.probe_type == "HTTPS" && !local.secondary_target_is_ip
  request_interval  = var.health_check_request_interval
  failure_threshold = var.health_check_failure_threshold
  regions           = var.health_check_regions

  invert_healthcheck = false
  disabled           = false

  tags = merge(local.primary_tags, { Name = "${var.name}-secondary-${var.secondary_region}" })

  lifecycle {
    create_before_destroy = true
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

# By default no health check on the SECONDARY: Route 53 then treats it as always healthy, so it is served whenever
# the primary is not, which is what a standby is for. Its TTL is the failback TTL (secondary_record_ttl): after the
# primary recovers, resolvers drain back to it over up to that many seconds; the RTO does not depend on it.
resource "aws_route53_record" "secondary" {
  zone_id         = local.zone_id
  name            = var.record_name
  type            = var.record_type
  ttl             = var.secondary_record_ttl
  records         = [var.secondary_endpoint]
  set_identifier  = local.secondary_set_identifier
  health_check_id = one(aws_route53_health_check.secondary[*].id)

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
