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
    r.name == "api.example.com" && r.type == "CNAME" && r.zone_id == "Z0123456789MOCKZONE"])
    error_message = "Both records: same name and type, in the created zone."
  }
  assert {
    condition     = aws_route53_record.primary.ttl == 60 && aws_route53_record.secondary.ttl == 300
    error_message = "The PRIMARY's TTL (60, part of the RTO) and the SECONDARY's higher failback TTL (300, the drain time) are set apart."
  }
  assert {
    condition     = length(aws_route53_health_check.secondary) == 0
    error_message = "No health check of the standby unless asked for (secondary_health_check)."
  }
  assert {
    condition     = aws_route53_record.primary.records == toset(["primary.api.example.com"]) && aws_route53_record.secondary.records == toset(["standby.api.example.com"])
    error_message = "Record values must equal the endpoints (the operator maps DNS answers to regions by them)."
  }
  assert {
    condition     = output.predicted_rto_seconds == 150 && output.predicted_rto_seconds <= 300
    error_message = "10 x 3 + 60 + 60 = 150 s, within the 300 s objective."
  }
  assert {
    condition     = output.predicted_failback_seconds == 390
    error_message = "Failback: 10 x 3 + 60 + the SECONDARY's 300 s TTL = 390 s; the failback TTL does not touch the RTO."
  }
  assert {
    condition     = output.record_ttls == { primary = 60, secondary = 300 }
    error_message = "The record_ttls output reports both TTLs."
  }
}

run "failback_ttl_is_separate_from_the_rto" {
  command = apply

  variables {
    record_ttl           = 30
    secondary_record_ttl = 900
  }

  assert {
    condition     = aws_route53_record.primary.ttl == 30 && aws_route53_record.secondary.ttl == 900
    error_message = "record_ttl sets the PRIMARY, secondary_record_ttl the SECONDARY."
  }
  assert {
    condition     = output.predicted_rto_seconds == 10 * 3 + 60 + 30 && output.predicted_failback_seconds == 10 * 3 + 60 + 900
    error_message = "Only the PRIMARY's TTL counts in the RTO; the SECONDARY's counts in failback."
  }
}

run "calculated_health_check" {
  command = apply

  variables {
    health_check_type              = "CALCULATED"
    child_health_check_ids         = ["1a2b3c4d-0000-4000-8000-00000000000a", "1a2b3c4d-0000-4000-8000-00000000000b", "1a2b3c4d-0000-4000-8000-00000000000c"]
    child_health_threshold         = 2
    health_check_detection_seconds = 30
  }

  assert {
    condition = (
      aws_route53_health_check.primary.type == "CALCULATED" && aws_route53_health_check.primary.child_health_threshold == 2
      && aws_route53_health_check.primary.child_healthchecks == toset(["1a2b3c4d-0000-4000-8000-00000000000a", "1a2b3c4d-0000-4000-8000-00000000000b", "1a2b3c4d-0000-4000-8000-00000000000c"])
    )
    error_message = "The primary's check combines the given children with the given threshold."
  }
  assert {
    condition = (
      aws_route53_health_check.primary.fqdn == null && aws_route53_health_check.primary.ip_address == null
      && aws_route53_health_check.primary.port == null && aws_route53_health_check.primary.resource_path == null
      && aws_route53_health_check.primary.request_interval == null && aws_route53_health_check.primary.regions == null
      && aws_route53_health_check.primary.cloudwatch_alarm_name == null
    )
    error_message = "A CALCULATED check polls nothing: no endpoint, port, path, interval or checker regions (Route 53 rejects them), and no alarm."
  }
  assert {
    condition     = aws_route53_record.primary.health_check_id == aws_route53_health_check.primary.id && !aws_route53_health_check.primary.invert_healthcheck
    error_message = "The PRIMARY record carries the CALCULATED check (the one drills invert)."
  }
  assert {
    condition     = output.predicted_rto_seconds == 30 + 60 + 60 && output.predicted_failback_seconds == 30 + 60 + 300
    error_message = "Detection is the declared children's figure (30 s), then propagation and the TTL."
  }
}

run "cloudwatch_metric_health_check" {
  command = apply

  variables {
    health_check_type              = "CLOUDWATCH_METRIC"
    cloudwatch_alarm_name          = "profile-api-deep-canary"
    health_check_detection_seconds = 180
  }

  assert {
    condition = (
      aws_route53_health_check.primary.type == "CLOUDWATCH_METRIC"
      && aws_route53_health_check.primary.cloudwatch_alarm_name == "profile-api-deep-canary"
      && aws_route53_health_check.primary.cloudwatch_alarm_region == "us-east-1"
      && aws_route53_health_check.primary.insufficient_data_health_status == "Unhealthy"
    )
    error_message = "The check follows the alarm, in the primary region unless told otherwise, and a silent alarm (INSUFFICIENT_DATA) fails the primary over."
  }
  assert {
    condition = (
      aws_route53_health_check.primary.fqdn == null && aws_route53_health_check.primary.port == null
      && aws_route53_health_check.primary.regions == null && aws_route53_health_check.primary.child_healthchecks == null
    )
    error_message = "An alarm check polls nothing and has no children."
  }
  assert {
    condition     = output.predicted_rto_seconds == 180 + 60 + 60 && output.predicted_rto_seconds <= 300
    error_message = "Detection is the alarm's period x evaluation periods as declared (180 s): 300 s, just inside the objective."
  }
}

run "secondary_health_check" {
  command = apply

  variables {
    secondary_health_check = true
  }

  override_resource {
    target = aws_route53_health_check.secondary[0]
    values = { id = "5ec0da27-0000-4000-8000-000000000002", arn = "arn:aws:route53:::healthcheck/5ec0da27-0000-4000-8000-000000000002" }
  }

  assert {
    condition = (
      aws_route53_health_check.secondary[0].type == "HTTPS" && aws_route53_health_check.secondary[0].fqdn == "standby.api.example.com"
      && aws_route53_health_check.secondary[0].port == 443 && aws_route53_health_check.secondary[0].resource_path == "/health"
      && aws_route53_health_check.secondary[0].enable_sni && aws_route53_health_check.secondary[0].request_interval == 10
      && aws_route53_health_check.secondary[0].failure_threshold == 3
    )
    error_message = "The standby is checked like the primary: same protocol, port, path and timing, at its own endpoint."
  }
  assert {
    condition     = aws_route53_record.secondary.health_check_id == "5ec0da27-0000-4000-8000-000000000002" && aws_route53_record.primary.health_check_id == aws_route53_health_check.primary.id
    error_message = "The SECONDARY record carries the standby's check; the PRIMARY keeps its own."
  }
  assert {
    condition     = output.secondary_health_check_id == "5ec0da27-0000-4000-8000-000000000002"
    error_message = "The secondary_health_check_id output names it."
  }
  assert {
    condition     = aws_route53_health_check.secondary[0].tags["Name"] == "profile-api-secondary-us-west-2" && aws_route53_health_check.secondary[0].tags["Owner"] == "sre"
    error_message = "The standby's check is named and tagged like the primary's."
  }
}

run "secondary_health_check_of_an_alarm_setup_uses_the_probe_type" {
  command = apply

  variables {
    health_check_type              = "CLOUDWATCH_METRIC"
    cloudwatch_alarm_name          = "profile-api-deep-canary"
    health_check_detection_seconds = 180
    health_check_probe_type        = "TCP"
    health_check_port              = 8443
    secondary_health_check         = true
  }

  assert {
    condition = (
      aws_route53_health_check.secondary[0].type == "TCP" && aws_route53_health_check.secondary[0].port == 8443
      && aws_route53_health_check.secondary[0].resource_path == null && !aws_route53_health_check.secondary[0].enable_sni
    )
    error_message = "With an alarm-driven primary, the standby's check uses the probe type (TCP: no path, no SNI)."
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
