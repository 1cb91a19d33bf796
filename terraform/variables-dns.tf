# Route 53: zone, failover records and endpoints. What drives the PRIMARY's health is in variables-health-check.tf.

locals {
  # Route 53 health checkers run only in these regions (Route 53 API HealthCheckRegion).
  health_checker_regions = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1"]

  ipv4_pattern = "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"
  host_pattern = "^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
}

variable "hosted_zone_id" {
  description = "Existing public hosted zone that holds the failover record. null creates a zone named hosted_zone_name."
  type        = string
  default     = null

  validation {
    condition     = var.hosted_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", var.hosted_zone_id))
    error_message = "hosted_zone_id must look like Z0123456789ABCDEFGHIJ (or be null to create a zone)."
  }
}

variable "hosted_zone_name" {
  description = "Domain of the hosted zone to create when hosted_zone_id is null (e.g. example.com). Ignored otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.hosted_zone_id != null || var.hosted_zone_name != null
    error_message = "Set hosted_zone_id (use an existing zone) or hosted_zone_name (create one)."
  }

  validation {
    condition     = var.hosted_zone_name == null || can(regex(local.host_pattern, var.hosted_zone_name))
    error_message = "hosted_zone_name must be a lowercase domain name without a trailing dot."
  }
}

variable "record_name" {
  description = "Fully qualified name clients resolve (e.g. api.example.com), without a trailing dot. Must lie in the zone."
  type        = string

  validation {
    condition     = can(regex(local.host_pattern, var.record_name))
    error_message = "record_name must be a lowercase DNS name without a trailing dot."
  }
}

variable "record_type" {
  description = "Type of both failover records: CNAME (endpoints are host names) or A / AAAA (endpoints are IPv4 / IPv6 addresses)."
  type        = string
  default     = "CNAME"

  validation {
    condition     = contains(["A", "AAAA", "CNAME"], var.record_type)
    error_message = "record_type must be A, AAAA or CNAME."
  }
}

variable "record_ttl" {
  description = "TTL of the PRIMARY record, in seconds. It adds directly to the RTO: resolvers keep the old (primary) answer this long after Route 53 fails over."
  type        = number
  default     = 60

  validation {
    condition     = var.record_ttl >= 1 && var.record_ttl <= 60 && floor(var.record_ttl) == var.record_ttl
    error_message = "record_ttl must be a whole number of seconds from 1 to 60 (the RTO budget in README.md assumes at most 60)."
  }
}

variable "secondary_record_ttl" {
  description = "TTL of the SECONDARY record, in seconds: the failback TTL. Higher than record_ttl on purpose (seed 004: a separate, higher TTL for the secondary record drains traffic back gradually on failback). After the primary recovers, resolvers keep answering with the standby until their copy expires, so the primary gets its clients back over up to this many seconds instead of all at once. No effect on the RTO (during a failover clients hold the PRIMARY's answer, record_ttl); it is the drain time of a failback (predicted_failback_seconds)."
  type        = number
  default     = 300

  validation {
    condition     = var.secondary_record_ttl >= 1 && var.secondary_record_ttl <= 3600 && floor(var.secondary_record_ttl) == var.secondary_record_ttl
    error_message = "secondary_record_ttl must be a whole number of seconds from 1 to 3600: the operator's dns.failbackTtlSeconds allows at most an hour, and a longer TTL would keep clients on the standby for more than an hour after the primary recovers."
  }
}

variable "primary_endpoint" {
  description = "Value of the PRIMARY record and the target the health check polls: a host name for CNAME, an address for A / AAAA."
  type        = string

  validation {
    condition = (
      var.record_type == "CNAME" ? can(regex(local.host_pattern, var.primary_endpoint)) && !can(regex(local.ipv4_pattern, var.primary_endpoint)) :
      var.record_type == "A" ? can(regex(local.ipv4_pattern, var.primary_endpoint)) :
      can(cidrhost("${var.primary_endpoint}/128", 0)) && strcontains(var.primary_endpoint, ":")
    )
    error_message = "primary_endpoint must be a host name when record_type is CNAME, an IPv4 address for A, an IPv6 address for AAAA."
  }

  validation {
    # A health check that polls the failover name itself would follow the failover and report the standby's health.
    condition     = var.primary_endpoint != var.record_name
    error_message = "primary_endpoint must not be record_name: the health check would follow the failover it drives."
  }
}

variable "secondary_endpoint" {
  description = "Value of the SECONDARY record: a host name for CNAME, an address for A / AAAA."
  type        = string

  validation {
    condition = (
      var.record_type == "CNAME" ? can(regex(local.host_pattern, var.secondary_endpoint)) && !can(regex(local.ipv4_pattern, var.secondary_endpoint)) :
      var.record_type == "A" ? can(regex(local.ipv4_pattern, var.secondary_endpoint)) :
      can(cidrhost("${var.secondary_endpoint}/128", 0)) && strcontains(var.secondary_endpoint, ":")
    )
    error_message = "secondary_endpoint must be a host name when record_type is CNAME, an IPv4 address for A, an IPv6 address for AAAA."
  }

  validation {
    # The operator tells the regions apart by the DNS answer, so the two targets must differ.
    condition     = var.secondary_endpoint != var.primary_endpoint
    error_message = "secondary_endpoint must differ from primary_endpoint."
  }
}

variable "authoritative_nameservers" {
  description = "Optional host or host:port list the operator queries instead of the zone's own name servers (local tests)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for ns in var.authoritative_nameservers : can(regex("^[A-Za-z0-9.:\\[\\]-]+$", ns))])
    error_message = "authoritative_nameservers entries must be host or host:port."
  }
}
