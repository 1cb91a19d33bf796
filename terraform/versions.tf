terraform {
  # 1.9+ for variable validations that reference other variables; 1.7+ for mock providers in tests.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70.0, < 6.0.0"
      # The module never configures providers: callers pass the primary region as the default `aws` and the
      # standby region as `aws.secondary` (see examples/).
      configuration_aliases = [aws.secondary]
    }
  }
}
