# The RegionalFailover object that tells the operator what this baseline is. Field names follow the CRD
# (regionalfailover.io/v1alpha1); the values come from the resources above, so spec and AWS cannot disagree at apply.

locals {
  regionalfailover = {
    apiVersion = "regionalfailover.io/v1alpha1"
    kind       = "RegionalFailover"
    metadata = {
      name      = var.name
      namespace = var.namespace
    }
    spec = {
      primary   = { region = data.aws_region.primary.name, endpoint = var.primary_endpoint }
      secondary = { region = data.aws_region.secondary.name, endpoint = var.secondary_endpoint }
      dns = merge(
        {
          hostedZoneId           = local.zone_id
          recordName             = aws_route53_record.primary.name
          recordType             = aws_route53_record.primary.type
          maxTtlSeconds          = aws_route53_record.primary.ttl
          primarySetIdentifier   = aws_route53_record.primary.set_identifier
          secondarySetIdentifier = aws_route53_record.secondary.set_identifier
          # The SECONDARY's own TTL, held apart from maxTtlSeconds: it lengthens failback only (the drain time).
          failbackTtlSeconds = aws_route53_record.secondary.ttl
          # Declared either way, so a check added to (or removed from) the SECONDARY by hand is reported as drift.
          secondaryHealthCheck = var.secondary_health_check ? "Present" : "Absent"
        },
        length(var.authoritative_nameservers) > 0 ? { nameservers = var.authoritative_nameservers } : null,
      )
      # Per kind, exactly the fields the CRD's rules ask for: requestIntervalSeconds and failureThreshold only where
      # checkers poll an endpoint (the CRD refuses other values for CALCULATED / CLOUDWATCH_METRIC, whose timing
      # comes from children or an alarm); probeType, port and resourcePath tell the operator how to probe the
      # endpoints a CALCULATED / CLOUDWATCH_METRIC check does not name.
      healthCheck = merge(
        {
          id   = aws_route53_health_check.primary.id
          type = aws_route53_health_check.primary.type
          port = local.polls_endpoint ? aws_route53_health_check.primary.port : var.health_check_port
        },
        # `cond ? {...} : null`, not `: {}`: merge() skips nulls, while two object types in one conditional would be
        # unified into a map of strings (numbers quoted) or refused.
        local.polls_endpoint ? {
          requestIntervalSeconds = aws_route53_health_check.primary.request_interval
          failureThreshold       = aws_route53_health_check.primary.failure_threshold
        } : null,
        local.polls_endpoint ? null : { probeType = local.probe_type },
        local.probe_type == "TCP" ? null : { resourcePath = var.health_check_path },
        var.health_check_type == "CALCULATED" ? {
          childHealthChecks = tolist(aws_route53_health_check.primary.child_healthchecks)
          healthThreshold   = aws_route53_health_check.primary.child_health_threshold
        } : null,
        var.health_check_type == "CLOUDWATCH_METRIC" ? {
          alarm = {
            name   = aws_route53_health_check.primary.cloudwatch_alarm_name
            region = aws_route53_health_check.primary.cloudwatch_alarm_region
          }
          insufficientDataHealthStatus = aws_route53_health_check.primary.insufficient_data_health_status
        } : null,
      )
      table = {
        name                = aws_dynamodb_table.this.name
        replicaRegions      = [data.aws_region.secondary.name]
        streamViewType      = aws_dynamodb_table.this.stream_view_type
        pointInTimeRecovery = true
        replicationProbe = {
          enabled         = var.replication_probe.enabled
          keyAttribute    = aws_dynamodb_table.this.hash_key
          intervalSeconds = var.replication_probe.interval_seconds
        }
      }
      objectives = {
        rtoSeconds = var.rto_objective_seconds
        rpoSeconds = var.rpo_objective_seconds
      }
      verifyIntervalSeconds = var.verify_interval_seconds
      drills = [for d in var.drills : {
        name           = d.name
        schedule       = d.schedule
        method         = d.method
        timeoutSeconds = d.timeout_seconds
      }]
    }
  }
}
