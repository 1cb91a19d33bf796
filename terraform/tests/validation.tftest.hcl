# Inputs that would build a baseline the operator can only report as broken are rejected at plan time.

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
}

# Each input below breaks a different rule; terraform test checks that every listed validation fails.
run "out_of_range_inputs" {
  command = plan
  variables {
    record_ttl                     = 300
    health_check_request_interval  = 20
    health_check_failure_threshold = 11
    health_check_regions           = ["us-east-1", "us-west-2"]
    hosted_zone_name               = null
    kms_key_arn                    = "arn:aws:kms:us-east-1:123456789012:key/mrk-0123456789abcdef0123456789abcdef"
    operator_identity              = "irsa"
    drills                         = [{ name = "weekly", schedule = "0 3 * * TUE" }, { name = "weekly", schedule = "0 4 * * THU" }]
    tags                           = { RegionRole = "primary" }
  }
  expect_failures = [
    var.record_ttl,                     # TTL adds to the RTO: at most 60
    var.health_check_request_interval,  # Route 53 accepts 10 or 30 only
    var.health_check_failure_threshold, # 1..10
    var.health_check_regions,           # at least 3 checker regions
    var.hosted_zone_name,               # neither a zone id nor a zone name
    var.replica_kms_key_arn,            # a KMS key is regional: both or neither
    var.oidc_provider_arn,              # IRSA without an OIDC provider
    var.drills,                         # duplicate drill names
    var.tags,                           # RegionRole is the module's
  ]
}

run "unknown_checker_region" {
  command = plan
  variables {
    health_check_regions = ["us-east-1", "us-west-2", "eu-central-1"]
  }
  expect_failures = [var.health_check_regions]
}

run "slow_detection_exceeds_rto_objective" {
  # 30 s x 10 + 60 + 60 = 420 s > 300 s.
  command = plan
  variables {
    health_check_request_interval  = 30
    health_check_failure_threshold = 10
  }
  expect_failures = [aws_route53_health_check.primary]
}

run "cname_needs_host_names" {
  command = plan
  variables {
    primary_endpoint = "10.0.0.1"
  }
  expect_failures = [var.primary_endpoint]
}

run "a_record_needs_addresses" {
  command = plan
  variables {
    record_type        = "A"
    primary_endpoint   = "127.0.0.1"
    secondary_endpoint = "standby.api.example.com"
  }
  expect_failures = [var.secondary_endpoint]
}

run "endpoints_must_differ" {
  command = plan
  variables {
    secondary_endpoint = "primary.api.example.com"
  }
  expect_failures = [var.secondary_endpoint]
}

run "health_check_must_not_poll_the_failover_name" {
  command = plan
  variables {
    primary_endpoint = "api.example.com"
  }
  expect_failures = [var.primary_endpoint]
}

run "record_outside_the_zone" {
  command = plan
  variables {
    record_name = "api.example.org"
  }
  expect_failures = [aws_route53_record.primary, aws_route53_record.secondary]
}

