# The module must refuse providers that point at other regions than it was told: a swapped or copy-pasted
# provider block would otherwise build the "standby" in the wrong place.

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

run "matching_regions_plan" {
  command = plan

  assert {
    condition     = data.aws_region.primary.name == "us-east-1" && data.aws_region.secondary.name == "us-west-2"
    error_message = "Default regions: primary us-east-1, secondary us-west-2."
  }
}

run "primary_provider_in_wrong_region" {
  command = plan

  override_data {
    target = data.aws_region.primary
    values = { name = "eu-west-1" }
  }

  expect_failures = [data.aws_region.primary]
}

run "secondary_provider_in_wrong_region" {
  command = plan

  override_data {
    target = data.aws_region.secondary
    values = { name = "us-east-1" }
  }

  expect_failures = [data.aws_region.secondary]
}

run "providers_swapped" {
  command = plan

  override_data {
    target = data.aws_region.primary
    values = { name = "us-west-2" }
  }
  override_data {
    target = data.aws_region.secondary
    values = { name = "us-east-1" }
  }

  expect_failures = [data.aws_region.primary, data.aws_region.secondary]
}

run "other_region_pair" {
  command = plan

  variables {
    primary_region   = "eu-west-1"
    secondary_region = "eu-central-1"
  }

  override_data {
    target = data.aws_region.primary
    values = { name = "eu-west-1" }
  }
  override_data {
    target = data.aws_region.secondary
    values = { name = "eu-central-1" }
  }

  assert {
    condition     = one(aws_dynamodb_table.this.replica).region_name == "eu-central-1"
    error_message = "The replica follows the secondary region."
  }
}

run "same_region_twice_is_rejected" {
  command = plan

  variables {
    secondary_region = "us-east-1"
  }

  expect_failures = [var.secondary_region]
}
