# What drives the PRIMARY record's health: a check that polls primary_endpoint (HTTP, HTTPS, TCP), a CALCULATED check
# over existing child checks, or a CLOUDWATCH_METRIC check that follows an alarm (e.g. a deep synthetic canary's).
# Optionally a health check on the SECONDARY record too. README.md: "Health-check kinds" and the RTO budget.

locals {
  # Kinds whose checkers poll an endpoint; the other two take their timing from children or an alarm.
  endpoint_check_kinds = ["HTTP", "HTTPS", "TCP"]
  polls_endpoint       = contains(local.endpoint_check_kinds, var.health_check_type)
}

variable "health_check_type" {
  description = "What drives the PRIMARY record's health: HTTPS (default), HTTP or TCP (Route 53's checkers poll primary_endpoint); CALCULATED (healthy while child_health_threshold of child_health_check_ids are healthy); CLOUDWATCH_METRIC (follows cloudwatch_alarm_name, e.g. the alarm on a deep synthetic canary)."
  type        = string
  default     = "HTTPS"

  validation {
    condition     = contains(["HTTP", "HTTPS", "TCP", "CALCULATED", "CLOUDWATCH_METRIC"], var.health_check_type)
    error_message = "health_check_type must be HTTP, HTTPS, TCP, CALCULATED or CLOUDWATCH_METRIC."
  }
}

variable "health_check_port" {
  description = "HTTP/HTTPS/TCP: port the checkers connect to on primary_endpoint. CALCULATED/CLOUDWATCH_METRIC: port of the operator's own drill probes of both endpoints (those checks name no endpoint)."
  type        = number
  default     = 443

  validation {
    condition     = var.health_check_port >= 1 && var.health_check_port <= 65535 && floor(var.health_check_port) == var.health_check_port
    error_message = "health_check_port must be a port number from 1 to 65535."
  }
}

variable "health_check_path" {
  description = "Path of the primary's health endpoint (HTTP / HTTPS checks, and the operator's probes of CALCULATED / CLOUDWATCH_METRIC setups). It should check real dependencies, not always answer 200."
  type        = string
  default     = "/health"

  validation {
    condition     = startswith(var.health_check_path, "/") && length(var.health_check_path) <= 255
    error_message = "health_check_path must start with '/' and be at most 255 characters."
  }
}

variable "health_check_request_interval" {
  description = "HTTP/HTTPS/TCP only (and the SECONDARY's check): seconds between two checks by one checker, 10 (fast, billed as an optional feature) or 30. CALCULATED and CLOUDWATCH_METRIC checks take their timing from their children or alarm."
  type        = number
  default     = 10

  validation {
    condition     = contains([10, 30], var.health_check_request_interval)
    error_message = "health_check_request_interval must be 10 or 30 (the only values Route 53 accepts)."
  }
}

variable "health_check_failure_threshold" {
  description = "HTTP/HTTPS/TCP only (and the SECONDARY's check): consecutive failures one checker needs before it calls the endpoint unhealthy."
  type        = number
  default     = 3

  validation {
    condition     = var.health_check_failure_threshold >= 1 && var.health_check_failure_threshold <= 10 && floor(var.health_check_failure_threshold) == var.health_check_failure_threshold
    error_message = "health_check_failure_threshold must be a whole number from 1 to 10."
  }
}

variable "health_check_regions" {
  description = "Route 53 checker regions (at least 3) of the checks that poll an endpoint. Spread over continents so one region's network trouble cannot fail the check."
  type        = list(string)
  default     = ["us-east-1", "us-west-1", "eu-west-1", "ap-southeast-1"]

  validation {
    condition     = length(distinct(var.health_check_regions)) >= 3
    error_message = "health_check_regions must list at least 3 distinct regions (Route 53's minimum)."
  }

  validation {
    condition     = alltrue([for r in var.health_check_regions : contains(local.health_checker_regions, r)])
    error_message = "health_check_regions entries must be Route 53 checker regions: us-east-1, us-west-1, us-west-2, eu-west-1, ap-southeast-1, ap-southeast-2, ap-northeast-1, sa-east-1."
  }
}

variable "child_health_check_ids" {
  description = "CALCULATED only: IDs of the existing Route 53 health checks the primary's check combines (created outside this module, e.g. one for the load balancer, one for the API, one for its database path). The operator reads them (GetHealthCheck, GetHealthCheckStatus), so the policy names each."
  type        = list(string)
  default     = []

  validation {
    condition     = var.health_check_type != "CALCULATED" || length(var.child_health_check_ids) > 0
    error_message = "health_check_type CALCULATED needs child_health_check_ids: the IDs of the health checks it combines (at least one)."
  }

  validation {
    condition     = var.health_check_type == "CALCULATED" || length(var.child_health_check_ids) == 0
    error_message = "child_health_check_ids apply only to health_check_type CALCULATED."
  }

  validation {
    condition     = length(distinct(var.child_health_check_ids)) == length(var.child_health_check_ids) && length(var.child_health_check_ids) <= 256
    error_message = "child_health_check_ids must not list a health check twice, and Route 53 combines at most 256."
  }

  validation {
    condition     = alltrue([for id in var.child_health_check_ids : can(regex("^[A-Za-z0-9-]{1,64}$", id))])
    error_message = "child_health_check_ids entries must be Route 53 health check IDs (e.g. 1a2b3c4d-0000-4000-8000-00000000000a), not ARNs."
  }
}

variable "child_health_threshold" {
  description = "CALCULATED only: how many of child_health_check_ids must be healthy for the primary to count as healthy (Route 53 HealthThreshold)."
  type        = number
  default     = null

  validation {
    condition     = var.health_check_type != "CALCULATED" || var.child_health_threshold != null
    error_message = "health_check_type CALCULATED needs child_health_threshold: how many of child_health_check_ids must be healthy for the primary to count as healthy."
  }

  validation {
    condition     = var.health_check_type == "CALCULATED" || var.child_health_threshold == null
    error_message = "child_health_threshold applies only to health_check_type CALCULATED."
  }

  validation {
    # A conditional, not ||: Terraform evaluates both sides of || and a null operand is an error.
    condition     = var.child_health_threshold == null ? true : (var.child_health_threshold >= 1 && var.child_health_threshold <= length(var.child_health_check_ids) && floor(var.child_health_threshold) == var.child_health_threshold)
    error_message = "child_health_threshold must be a whole number from 1 to the number of child_health_check_ids: 0 would keep the primary healthy forever (failover could never happen), more than the children would keep it unhealthy forever."
  }
}

variable "cloudwatch_alarm_name" {
  description = "CLOUDWATCH_METRIC only: the CloudWatch alarm the primary's check follows (e.g. on a deep synthetic canary's failures). It must exist before the check, on a standard-resolution metric (period >= 60 s) with a standard statistic. The operator reads it (cloudwatch:DescribeAlarms on this alarm only)."
  type        = string
  default     = null

  validation {
    condition     = var.health_check_type != "CLOUDWATCH_METRIC" || var.cloudwatch_alarm_name != null
    error_message = "health_check_type CLOUDWATCH_METRIC needs cloudwatch_alarm_name: the name of the CloudWatch alarm the check follows."
  }

  validation {
    condition     = var.health_check_type == "CLOUDWATCH_METRIC" || var.cloudwatch_alarm_name == null
    error_message = "cloudwatch_alarm_name applies only to health_check_type CLOUDWATCH_METRIC."
  }

  validation {
    condition     = var.cloudwatch_alarm_name == null ? true : (length(var.cloudwatch_alarm_name) >= 1 && length(var.cloudwatch_alarm_name) <= 255)
    error_message = "cloudwatch_alarm_name must be 1 to 255 characters."
  }
}

variable "cloudwatch_alarm_region" {
  description = "CLOUDWATCH_METRIC only: region of cloudwatch_alarm_name. null = primary_region. (An alarm in the primary region goes silent with it: see insufficient_data_health_status.)"
  type        = string
  default     = null

  validation {
    condition     = var.health_check_type == "CLOUDWATCH_METRIC" || var.cloudwatch_alarm_region == null
    error_message = "cloudwatch_alarm_region applies only to health_check_type CLOUDWATCH_METRIC."
  }

  validation {
    condition     = var.cloudwatch_alarm_region == null || can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]+$", var.cloudwatch_alarm_region))
    error_message = "cloudwatch_alarm_region must be an AWS region name such as us-east-1."
  }
}

variable "insufficient_data_health_status" {
  description = "CLOUDWATCH_METRIC only: what Route 53 decides while the alarm has too little data. Unhealthy (default, recommended): a canary that dies with its region stops publishing, its alarm goes to INSUFFICIENT_DATA, and the primary must then fail over; with Healthy, or LastKnownStatus after a healthy spell, it never would."
  type        = string
  default     = "Unhealthy"

  validation {
    condition     = contains(["Healthy", "Unhealthy", "LastKnownStatus"], var.insufficient_data_health_status)
    error_message = "insufficient_data_health_status must be Healthy, Unhealthy or LastKnownStatus (Unhealthy is recommended: a silent canary then fails the primary over)."
  }
}

variable "health_check_probe_type" {
  description = "CALCULATED / CLOUDWATCH_METRIC only: protocol of the operator's own drill probes of both endpoints (at health_check_port, health_check_path), because those checks name no endpoint; also the protocol of the SECONDARY's check when secondary_health_check is on. null = HTTPS."
  type        = string
  default     = null

  validation {
    condition     = var.health_check_probe_type == null || contains(["HTTP", "HTTPS", "TCP"], coalesce(var.health_check_probe_type, "HTTPS"))
    error_message = "health_check_probe_type must be HTTP, HTTPS or TCP."
  }

  validation {
    condition     = var.health_check_probe_type == null || contains(["CALCULATED", "CLOUDWATCH_METRIC"], var.health_check_type)
    error_message = "health_check_probe_type applies only to health_check_type CALCULATED or CLOUDWATCH_METRIC: the operator probes HTTP, HTTPS and TCP setups the way their health check does."
  }
}

variable "health_check_detection_seconds" {
  description = "CALCULATED / CLOUDWATCH_METRIC only (required there): seconds Route 53 needs to call the primary unhealthy once it fails. CALCULATED: the detection time (interval x threshold) of the (N - T + 1)-th fastest of the N children, T = child_health_threshold. CLOUDWATCH_METRIC: the alarm's period x evaluation periods (plus the canary's own interval, if it publishes less often). The module cannot read children or alarms, so this figure feeds predicted_rto_seconds and the plan-time RTO check; the operator computes the real one from the live settings (status.predictedRtoSeconds)."
  type        = number
  default     = null

  validation {
    condition     = local.polls_endpoint || var.health_check_detection_seconds != null
    error_message = "health_check_type CALCULATED and CLOUDWATCH_METRIC need health_check_detection_seconds: how long their children (the (N - T + 1)-th fastest child's interval x threshold) or their alarm (period x evaluation periods) take to call the primary unhealthy. The module cannot read them, and the plan-time RTO check needs the figure."
  }

  validation {
    condition     = !local.polls_endpoint || var.health_check_detection_seconds == null
    error_message = "health_check_detection_seconds applies only to CALCULATED and CLOUDWATCH_METRIC: for HTTP, HTTPS and TCP it is health_check_request_interval x health_check_failure_threshold."
  }

  validation {
    condition = var.health_check_detection_seconds == null ? true : (
      floor(var.health_check_detection_seconds) == var.health_check_detection_seconds && var.health_check_detection_seconds <= 3600
      && var.health_check_detection_seconds >= (var.health_check_type == "CLOUDWATCH_METRIC" ? 60 : 10)
    )
    error_message = "health_check_detection_seconds must be whole seconds, at most 3600, and at least 10 for CALCULATED (the fastest child: 10 s x 1) or 60 for CLOUDWATCH_METRIC (Route 53 follows only standard-resolution alarms: a period of at least 60 s)."
  }
}

variable "secondary_health_check" {
  description = "Give the SECONDARY record a health check of secondary_endpoint too (same protocol, port, path, interval and checkers as the primary's; for CALCULATED / CLOUDWATCH_METRIC the probe type). Off by default, a conscious choice either way: without one Route 53 answers with the standby whenever the primary fails, even if the standby is down; with one a dead standby is never served, but while it is unhealthy Route 53 answers with the PRIMARY whatever the primary's health, so failover is impossible during that time. The manifest declares the choice (spec.dns.secondaryHealthCheck)."
  type        = bool
  default     = false
}
