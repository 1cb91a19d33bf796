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


# One missing field per run: Terraform skips the validations of an input that refers to another input which is
# itself invalid (child_health_threshold is checked against the number of children).
run "calculated_check_without_children" {
  command = plan
  variables {
    health_check_type              = "CALCULATED"
    child_health_threshold         = 1
    health_check_detection_seconds = 30
  }
  expect_failures = [var.child_health_check_ids]
}

run "calculated_check_without_threshold_or_timing" {
  command = plan
  variables {
    health_check_type      = "CALCULATED"
    child_health_check_ids = ["1a2b3c4d-0000-4000-8000-00000000000a"]
  }
  expect_failures = [
    var.child_health_threshold,         # how many must be healthy
    var.health_check_detection_seconds, # the children's timing, for the RTO check
  ]
}

run "calculated_threshold_above_the_children" {
  command = plan
  variables {
    health_check_type              = "CALCULATED"
    child_health_check_ids         = ["1a2b3c4d-0000-4000-8000-00000000000a", "1a2b3c4d-0000-4000-8000-00000000000b"]
    child_health_threshold         = 3
    health_check_detection_seconds = 30
  }
  expect_failures = [var.child_health_threshold]
}

run "calculated_threshold_zero_never_fails_over" {
  command = plan
  variables {
    health_check_type              = "CALCULATED"
    child_health_check_ids         = ["1a2b3c4d-0000-4000-8000-00000000000a"]
    child_health_threshold         = 0
    health_check_detection_seconds = 30
  }
  expect_failures = [var.child_health_threshold]
}

run "calculated_children_listed_twice_or_as_arns" {
  command = plan
  variables {
    health_check_type              = "CALCULATED"
    child_health_check_ids         = ["arn:aws:route53:::healthcheck/1a2b3c4d", "arn:aws:route53:::healthcheck/1a2b3c4d"]
    child_health_threshold         = 1
    health_check_detection_seconds = 30
  }
  expect_failures = [var.child_health_check_ids]
}

run "alarm_check_without_its_alarm" {
  command = plan
  variables {
    health_check_type               = "CLOUDWATCH_METRIC"
    health_check_detection_seconds  = 30 # below one standard-resolution period
    insufficient_data_health_status = "Maybe"
  }
  expect_failures = [
    var.cloudwatch_alarm_name,
    var.health_check_detection_seconds,
    var.insufficient_data_health_status,
  ]
}

run "kind_specific_inputs_on_an_https_check" {
  command = plan
  variables {
    child_health_check_ids         = ["1a2b3c4d-0000-4000-8000-00000000000a"]
    cloudwatch_alarm_name          = "profile-api-deep-canary"
    cloudwatch_alarm_region        = "us-east-1"
    health_check_probe_type        = "HTTP"
    health_check_detection_seconds = 30
  }
  expect_failures = [
    var.child_health_check_ids,
    var.cloudwatch_alarm_name,
    var.cloudwatch_alarm_region,
    var.health_check_probe_type,
    var.health_check_detection_seconds, # interval x threshold already says it
  ]
}

run "child_threshold_on_an_https_check" {
  command = plan
  variables {
    child_health_threshold = 1
  }
  expect_failures = [var.child_health_threshold]
}

run "slow_alarm_exceeds_rto_objective" {
  # A 5-minute alarm over 2 periods: 600 + 60 + 60 = 720 s > 300 s.
  command = plan
  variables {
    health_check_type              = "CLOUDWATCH_METRIC"
    cloudwatch_alarm_name          = "profile-api-deep-canary"
    health_check_detection_seconds = 600
  }
  expect_failures = [aws_route53_health_check.primary]
}

run "failback_ttl_out_of_range" {
  command = plan
  variables {
    secondary_record_ttl = 7200
  }
  expect_failures = [var.secondary_record_ttl]
}
