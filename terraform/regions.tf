# Each provider the caller passes must point at the region this module was told about: a swapped or
# misconfigured provider would otherwise put the "standby" next to the primary and pass every review.

data "aws_region" "primary" {
  lifecycle {
    postcondition {
      condition     = self.name == var.primary_region
      error_message = "The default aws provider passed to this module is configured for ${self.name}, but primary_region is ${var.primary_region}."
    }
  }
}

data "aws_region" "secondary" {
  provider = aws.secondary

  lifecycle {
    postcondition {
      condition     = self.name == var.secondary_region
      error_message = "The aws.secondary provider passed to this module is configured for ${self.name}, but secondary_region is ${var.secondary_region}."
    }
  }
}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id

  # Resources in the primary region, and global ones created through the primary provider, say "primary".
  primary_tags   = merge(var.tags, { Lab = var.lab_name, RegionRole = "primary" })
  secondary_tags = merge(var.tags, { Lab = var.lab_name, RegionRole = "secondary" })
}
