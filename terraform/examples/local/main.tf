# The same module against the project's local AWS (tests/localaws: moto plus a fidelity layer) on 127.0.0.1.
# Only the provider blocks differ from examples/aws: endpoint overrides, fake credentials, no account lookups.

provider "aws" {
  region                      = var.primary_region
  access_key                  = "local"
  secret_key                  = "local"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    cloudwatch = var.local_endpoint_url
    dynamodb   = var.local_endpoint_url
    iam        = var.local_endpoint_url
    route53    = var.local_endpoint_url
    scheduler  = var.local_endpoint_url
    sts        = var.local_endpoint_url
  }

  default_tags {
    tags = { Lab = var.lab_name, RegionRole = "primary", ManagedBy = "terraform" }
  }
}

provider "aws" {
  alias                       = "secondary"
  region                      = var.secondary_region
  access_key                  = "local"
  secret_key                  = "local"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    cloudwatch = var.local_endpoint_url
    dynamodb   = var.local_endpoint_url
    iam        = var.local_endpoint_url
    route53    = var.local_endpoint_url
    scheduler  = var.local_endpoint_url
    sts        = var.local_endpoint_url
  }

  default_tags {
    tags = { Lab = var.lab_name, RegionRole = "secondary", ManagedBy = "terraform" }
  }
}

module "regional_failover" {
  source = "../.."

  providers = {
    aws           = aws
    aws.secondary = aws.secondary
  }

  name             = var.name
  lab_name         = var.lab_name
  primary_region   = var.primary_region
  secondary_region = var.secondary_region

  table_deletion_protection = false

  # The local health checker probes the target for real, so both targets are loopback addresses (Linux routes
  # all of 127/8 to lo). Record values equal the endpoints, which is how the operator tells the regions apart.
  hosted_zone_name          = var.zone_name
  record_name               = "api.${var.zone_name}"
  record_type               = "A"
  primary_endpoint          = var.primary_endpoint
  secondary_endpoint        = var.secondary_endpoint
  authoritative_nameservers = ["127.0.0.1:${var.dns_port}"]

  health_check_type = "HTTP"
  health_check_port = var.health_check_port
  health_check_path = "/health"

  # IRSA, as on EKS: the operator's pod presents a service-account token of the local kube-apiserver and local AWS
  # (tests/localaws, --iam enforce) checks it against this provider and the role's trust policy.
  operator_identity        = "irsa"
  oidc_provider_arn        = aws_iam_openid_connect_provider.kube.arn
  operator_namespace       = var.operator_namespace
  operator_service_account = var.operator_service_account
}

# The local cluster's service-account token issuer. Local AWS verifies tokens with the signing keys registered through
# its control API (POST /_localaws/iam/oidc), not by fetching the issuer's discovery document, so the thumbprint is a
# placeholder: this example never talks to a real account (see local_endpoint_url's validation).
resource "aws_iam_openid_connect_provider" "kube" {
  url             = var.oidc_issuer_url
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["0000000000000000000000000000000000000000"]
}
