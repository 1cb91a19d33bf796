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
        },
        length(var.authoritative_nameservers) > 0 ? { nameservers = var.authoritative_nameservers } : {},
      )
      healthCheck = merge(
        {
          id                     = aws_route53_health_check.primary.id
          type                   = aws_route53_health_check.primary.type
          port                   = aws_route53_health_check.primary.port
          requestIntervalSeconds = aws_route53_health_check.primary.request_interval
          failureThreshold       = aws_route53_health_check.primary.failure_threshold
        },
        var.health_check_type == "TCP" ? {} : { resourcePath = var.health_check_path },
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
