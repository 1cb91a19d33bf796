# Plan-and-apply against mocked providers: what the module would create, with defaults and with a CNAME setup.

mock_provider "aws" {
  source = "./tests/mocks/primary"
}

mock_provider "aws" {
  alias  = "secondary"
  source = "./tests/mocks/secondary"
}

variables {
  hosted_zone_name   = "example.com"
  record_name        = "api.example.com"
  primary_endpoint   = "primary.api.example.com"
  secondary_endpoint = "standby.api.example.com"
  tags               = { Owner = "sre" }
}

run "global_table" {
  command = apply

  assert {
    condition     = aws_dynamodb_table.this.name == "profiles" && aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "The table must be named profiles and billed per request (no idle capacity in the standby)."
  }
  assert {
    condition     = aws_dynamodb_table.this.stream_enabled && aws_dynamodb_table.this.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "Global tables need a stream with NEW_AND_OLD_IMAGES."
  }
  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled
    error_message = "PITR must be on in the primary region."
  }
  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].enabled
    error_message = "Server-side encryption with KMS must be on."
  }
  assert {
    condition     = length(aws_dynamodb_table.this.replica) == 1 && one(aws_dynamodb_table.this.replica).region_name == "us-west-2"
    error_message = "Exactly one replica, in the secondary region."
  }
  assert {
    condition     = one(aws_dynamodb_table.this.replica).point_in_time_recovery
    error_message = "PITR must be on in the replica too (the replica block defaults it to off)."
  }
  assert {
    condition     = one(aws_dynamodb_table.this.replica).propagate_tags
    error_message = "Replica tags must be propagated from the table."
  }
  assert {
    condition = (
      aws_dynamodb_tag.replica_region_role.resource_arn == "arn:aws:dynamodb:us-west-2:123456789012:table/profiles"
      && aws_dynamodb_tag.replica_region_role.key == "RegionRole" && aws_dynamodb_tag.replica_region_role.value == "secondary"
    )
    error_message = "The replica in us-west-2 must be tagged RegionRole=secondary (propagation copies the primary's role)."
  }
  assert {
    condition     = output.table_arns.secondary == "arn:aws:dynamodb:us-west-2:123456789012:table/profiles"
    error_message = "The secondary table ARN must name the secondary region."
  }
}

run "health_check_and_failover_records" {
  command = apply

  assert {
    condition = (
      aws_route53_health_check.primary.type == "HTTPS" && aws_route53_health_check.primary.fqdn == "primary.api.example.com"
      && aws_route53_health_check.primary.ip_address == null && aws_route53_health_check.primary.port == 443
      && aws_route53_health_check.primary.resource_path == "/health" && aws_route53_health_check.primary.enable_sni
    )
    error_message = "The health check must poll https://primary.api.example.com:443/health with SNI."
  }
  assert {
    condition     = aws_route53_health_check.primary.request_interval == 10 && aws_route53_health_check.primary.failure_threshold == 3
    error_message = "Interval 10 s and threshold 3 are the tuned defaults (README.md, RTO budget)."
  }
  assert {
    condition     = length(aws_route53_health_check.primary.regions) >= 3
    error_message = "Route 53 needs at least 3 checker regions."
  }
  assert {
    condition     = !aws_route53_health_check.primary.invert_healthcheck && !aws_route53_health_check.primary.disabled
    error_message = "The health check must be neither inverted nor disabled at rest."
  }
  assert {
    condition     = length([for r in [aws_route53_record.primary, aws_route53_record.secondary] : r if r.failover_routing_policy[0].type == "PRIMARY"]) == 1
    error_message = "Exactly one PRIMARY failover record."
  }
  assert {
    condition     = length([for r in [aws_route53_record.primary, aws_route53_record.secondary] : r if r.failover_routing_policy[0].type == "SECONDARY"]) == 1
    error_message = "Exactly one SECONDARY failover record."
  }
  assert {
    condition     = aws_route53_record.primary.failover_routing_policy[0].type == "PRIMARY" && aws_route53_record.primary.health_check_id == aws_route53_health_check.primary.id
    error_message = "The PRIMARY record must carry the health check."
  }
  assert {
    condition     = aws_route53_record.secondary.health_check_id == null
    error_message = "The SECONDARY record has no health check, so Route 53 always considers it a valid fallback."
  }
  assert {
    condition = alltrue([for r in [aws_route53_record.primary, aws_route53_record.secondary] :
    r.name == "api.example.com" && r.type == "CNAME" && r.zone_id == "Z0123456789MOCKZONE" && r.ttl <= 60])
    error_message = "Both records: same name and type, in the created zone, TTL at most 60."
  }
  assert {
    condition     = aws_route53_record.primary.records == toset(["primary.api.example.com"]) && aws_route53_record.secondary.records == toset(["standby.api.example.com"])
    error_message = "Record values must equal the endpoints (the operator maps DNS answers to regions by them)."
  }
  assert {
    condition     = output.predicted_rto_seconds == 150 && output.predicted_rto_seconds <= 300
    error_message = "10 x 3 + 60 + 60 = 150 s, within the 300 s objective."
  }
}

run "tags_on_every_resource" {
  command = apply

  assert {
    condition = alltrue([for t in [
      aws_dynamodb_table.this.tags,
      aws_route53_zone.this[0].tags,
      aws_route53_health_check.primary.tags,
      aws_iam_role.operator.tags,
      aws_iam_policy.operator.tags,
      aws_iam_role.drill_failsafe.tags,
      aws_scheduler_schedule_group.drills.tags,
    ] : t["Lab"] == "regional-failover" && t["RegionRole"] == "primary" && t["Owner"] == "sre"])
    error_message = "Every taggable resource created through the primary provider carries Lab, RegionRole=primary and the caller's tags."
  }
  assert {
    condition     = aws_route53_health_check.primary.tags["Name"] == "profile-api-primary-us-east-1"
    error_message = "The health check has a Name tag (the console lists checks by it)."
  }
}

run "existing_zone" {
  command = apply

  variables {
    hosted_zone_id   = "Z0EXISTINGZONE00000"
    hosted_zone_name = null
  }

  override_data {
    target = data.aws_route53_zone.existing[0]
    values = { zone_id = "Z0EXISTINGZONE00000", name = "example.com.", name_servers = ["ns-9.awsdns-09.net"] }
  }

  assert {
    condition     = length(aws_route53_zone.this) == 0
    error_message = "No zone is created when hosted_zone_id is given."
  }
  assert {
    condition     = aws_route53_record.primary.zone_id == "Z0EXISTINGZONE00000" && aws_route53_record.secondary.zone_id == "Z0EXISTINGZONE00000"
    error_message = "Records go into the given zone."
  }
  assert {
    condition     = output.hosted_zone_name_servers == tolist(["ns-9.awsdns-09.net"])
    error_message = "The zone's name servers are passed through."
  }
}
