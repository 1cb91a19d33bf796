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
          failbackTtlSeconds     = 300
          secondaryHealthCheck   = "Absent"
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
    error_message = "The manifest must match the RegionalFailover CRD exactly (no nameservers when none are given; the failback TTL and the SECONDARY's health-check choice declared)."
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

# The other kinds carry exactly the fields the CRD's rules ask for (crds/regionalfailover.yaml, x-kubernetes-validations
# on healthCheck): mirrored here because crd_check.py checks the schema, not the CEL rules.
run "calculated_check_manifest" {
  command = apply

  variables {
    hosted_zone_name               = "example.com"
    record_name                    = "api.example.com"
    primary_endpoint               = "primary.api.example.com"
    secondary_endpoint             = "standby.api.example.com"
    health_check_type              = "CALCULATED"
    child_health_check_ids         = ["1a2b3c4d-0000-4000-8000-00000000000a", "1a2b3c4d-0000-4000-8000-00000000000b", "1a2b3c4d-0000-4000-8000-00000000000c"]
    child_health_threshold         = 2
    health_check_detection_seconds = 30
  }

  assert {
    condition = yamldecode(output.regionalfailover_manifest).spec.healthCheck == {
      id                = "0f3c0000-1111-2222-3333-444455556666"
      type              = "CALCULATED"
      childHealthChecks = ["1a2b3c4d-0000-4000-8000-00000000000a", "1a2b3c4d-0000-4000-8000-00000000000b", "1a2b3c4d-0000-4000-8000-00000000000c"]
      healthThreshold   = 2
      probeType         = "HTTPS"
      port              = 443
      resourcePath      = "/health"
    }
    error_message = "A CALCULATED check: children and threshold, how the operator probes the endpoints (HTTPS by default), and no interval or threshold (the CRD refuses them: the children's timing applies)."
  }
  assert {
    condition     = yamldecode(output.regionalfailover_manifest).spec.healthCheck.healthThreshold <= length(yamldecode(output.regionalfailover_manifest).spec.healthCheck.childHealthChecks)
    error_message = "CRD rule: healthThreshold must not exceed the number of childHealthChecks."
  }
  assert {
    condition     = !contains(yamldecode(output.regionalfailover_manifest).spec.healthCheck.childHealthChecks, yamldecode(output.regionalfailover_manifest).spec.healthCheck.id)
    error_message = "CRD rule: a CALCULATED check cannot list itself."
  }
  assert {
    condition     = yamldecode(output.regionalfailover_manifest).spec.dns.maxTtlSeconds == 60 && yamldecode(output.regionalfailover_manifest).spec.dns.failbackTtlSeconds == 300
    error_message = "The PRIMARY's TTL bounds the RTO (maxTtlSeconds); the SECONDARY's is the failback TTL."
  }
}

run "alarm_check_manifest" {
  command = apply

  variables {
    hosted_zone_name                = "example.com"
    record_name                     = "api.example.com"
    primary_endpoint                = "primary.api.example.com"
    secondary_endpoint              = "standby.api.example.com"
    health_check_type               = "CLOUDWATCH_METRIC"
    cloudwatch_alarm_name           = "profile-api-deep-canary"
    cloudwatch_alarm_region         = "us-west-2"
    insufficient_data_health_status = "LastKnownStatus"
    health_check_probe_type         = "TCP"
    health_check_port               = 8443
    health_check_detection_seconds  = 120
  }

  assert {
    condition = yamldecode(output.regionalfailover_manifest).spec.healthCheck == {
      id                           = "0f3c0000-1111-2222-3333-444455556666"
      type                         = "CLOUDWATCH_METRIC"
      alarm                        = { name = "profile-api-deep-canary", region = "us-west-2" }
      insufficientDataHealthStatus = "LastKnownStatus"
      probeType                    = "TCP"
      port                         = 8443
    }
    error_message = "An alarm check: the alarm and its region, the INSUFFICIENT_DATA verdict, the probe type (TCP: no path), and no interval, threshold or children."
  }
}

run "secondary_health_check_is_declared_present" {
  command = apply

  variables {
    hosted_zone_name       = "example.com"
    record_name            = "api.example.com"
    primary_endpoint       = "primary.api.example.com"
    secondary_endpoint     = "standby.api.example.com"
    secondary_health_check = true
    secondary_record_ttl   = 120
  }

  assert {
    condition     = yamldecode(output.regionalfailover_manifest).spec.dns.secondaryHealthCheck == "Present" && yamldecode(output.regionalfailover_manifest).spec.dns.failbackTtlSeconds == 120
    error_message = "A SECONDARY with a health check is declared Present, so the operator reports it missing (or unhealthy) as drift; the failback TTL follows secondary_record_ttl."
  }
  assert {
    condition = (
      yamldecode(output.regionalfailover_manifest).spec.healthCheck.requestIntervalSeconds == 10
      && !contains(keys(yamldecode(output.regionalfailover_manifest).spec.healthCheck), "probeType")
    )
    error_message = "An HTTPS primary keeps its interval and threshold and carries no probeType (the CRD allows it only for CALCULATED / CLOUDWATCH_METRIC)."
  }
}
