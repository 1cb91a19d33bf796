# The RegionalFailover manifest output, decoded back from YAML and compared field by field with the CRD's shape.

mock_provider "aws" {
  source = "./tests/mocks/primary"
}

mock_provider "aws" {
  alias  = "secondary"
  source = "./tests/mocks/secondary"
}

run "cname_baseline" {
  command = apply

  variables {
    hosted_zone_name   = "example.com"
    record_name        = "api.example.com"
    primary_endpoint   = "primary.api.example.com"
    secondary_endpoint = "standby.api.example.com"
  }

  assert {
    condition = yamldecode(output.regionalfailover_manifest) == {
      apiVersion = "regionalfailover.io/v1alpha1"
      kind       = "RegionalFailover"
      metadata   = { name = "profile-api", namespace = "default" }
      spec = {
        primary   = { region = "us-east-1", endpoint = "primary.api.example.com" }
        secondary = { region = "us-west-2", endpoint = "standby.api.example.com" }
        dns = {
          hostedZoneId           = "Z0123456789MOCKZONE"
          recordName             = "api.example.com"
          recordType             = "CNAME"
          maxTtlSeconds          = 60
          primarySetIdentifier   = "primary"
          secondarySetIdentifier = "secondary"
        }
        healthCheck = {
          id                     = "0f3c0000-1111-2222-3333-444455556666"
          type                   = "HTTPS"
          port                   = 443
          resourcePath           = "/health"
          requestIntervalSeconds = 10
          failureThreshold       = 3
        }
        table = {
          name                = "profiles"
          replicaRegions      = ["us-west-2"]
          streamViewType      = "NEW_AND_OLD_IMAGES"
          pointInTimeRecovery = true
          replicationProbe    = { enabled = false, keyAttribute = "pk", intervalSeconds = 300 }
        }
        objectives            = { rtoSeconds = 300, rpoSeconds = 5 }
        verifyIntervalSeconds = 60
        drills                = [{ name = "weekly", schedule = "0 3 * * TUE", method = "InvertHealthCheck", timeoutSeconds = 600 }]
      }
    }
    error_message = "The manifest must match the RegionalFailover CRD exactly (no nameservers when none are given)."
  }
}

run "local_style_a_records" {
  command = apply

  variables {
    name                      = "local-lab"
    namespace                 = "drills"
    hosted_zone_name          = "regional-failover.test"
    record_name               = "api.regional-failover.test"
    record_type               = "A"
    primary_endpoint          = "127.0.0.1"
    secondary_endpoint        = "127.0.0.2"
    health_check_type         = "HTTP"
    health_check_port         = 18081
    authoritative_nameservers = ["127.0.0.1:15353"]
    table_hash_key            = "id"
    replication_probe         = { enabled = true }
  }

  assert {
    condition = (
      aws_route53_health_check.primary.ip_address == "127.0.0.1" && aws_route53_health_check.primary.fqdn == null
      && !aws_route53_health_check.primary.enable_sni && aws_route53_health_check.primary.port == 18081
    )
    error_message = "An address endpoint is polled through ip_address, over HTTP without SNI."
  }
  assert {
    condition = (
      yamldecode(output.regionalfailover_manifest).metadata == { name = "local-lab", namespace = "drills" }
      && yamldecode(output.regionalfailover_manifest).spec.dns.recordType == "A"
      && yamldecode(output.regionalfailover_manifest).spec.dns.nameservers == ["127.0.0.1:15353"]
      && yamldecode(output.regionalfailover_manifest).spec.healthCheck.type == "HTTP"
      && yamldecode(output.regionalfailover_manifest).spec.healthCheck.port == 18081
      && yamldecode(output.regionalfailover_manifest).spec.primary.endpoint == "127.0.0.1"
      && yamldecode(output.regionalfailover_manifest).spec.secondary.endpoint == "127.0.0.2"
    )
    error_message = "The local manifest carries the A record, the override name servers and the HTTP health check."
  }
  assert {
    condition     = yamldecode(output.regionalfailover_manifest).spec.table.replicationProbe == { enabled = true, keyAttribute = "id", intervalSeconds = 300 }
    error_message = "The replication probe writes under the table's own partition key."
  }
}

run "tcp_health_check_has_no_path" {
  command = apply

  variables {
    hosted_zone_name   = "example.com"
    record_name        = "api.example.com"
    primary_endpoint   = "primary.api.example.com"
    secondary_endpoint = "standby.api.example.com"
    health_check_type  = "TCP"
    health_check_port  = 5432
  }

  assert {
    condition     = aws_route53_health_check.primary.resource_path == null && !contains(keys(yamldecode(output.regionalfailover_manifest).spec.healthCheck), "resourcePath")
    error_message = "A TCP check has no path, in AWS and in the manifest."
  }
}
