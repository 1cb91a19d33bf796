variable "name" {
  description = "Name of the RegionalFailover object and prefix of the IAM roles."
  type        = string
  default     = "profile-api"
}

variable "lab_name" {
  description = "Lab tag value on every resource."
  type        = string
  default     = "regional-failover"
}

variable "primary_region" {
  description = "Region that serves traffic."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Standby region."
  type        = string
  default     = "us-west-2"
}

variable "hosted_zone_id" {
  description = "Existing public hosted zone for record_name."
  type        = string
}

variable "record_name" {
  description = "Name clients resolve, e.g. api.example.com."
  type        = string
}

variable "primary_endpoint" {
  description = "Host name of the primary region's load balancer or API."
  type        = string
}

variable "secondary_endpoint" {
  description = "Host name of the standby region's load balancer or API."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider for IRSA; null uses EKS Pod Identity instead."
  type        = string
  default     = null
}

variable "eks_cluster_name" {
  description = "With Pod Identity: the cluster to create the association in (null: create it elsewhere)."
  type        = string
  default     = null
}

variable "secondary_record_ttl" {
  description = "TTL of the SECONDARY record (the failback TTL). Higher than the PRIMARY's 60 s so that traffic drains back to a recovered primary over up to this many seconds instead of all at once; no effect on the RTO."
  type        = number
  default     = 300
}

# ---- What drives the PRIMARY's health. The default is an HTTPS check of primary_endpoint (/health, every 10 s,
# 3 failures). The two other kinds name no endpoint; see calculated.tfvars.example and alarm.tfvars.example.

variable "health_check_type" {
  description = "HTTPS (default), HTTP, TCP, CALCULATED (needs child_health_check_ids, child_health_threshold, health_check_detection_seconds) or CLOUDWATCH_METRIC (needs cloudwatch_alarm_name, health_check_detection_seconds)."
  type        = string
  default     = "HTTPS"
}

# CALCULATED: the primary is healthy while at least child_health_threshold of these existing health checks are
# (e.g. the load balancer, the API, its database path). The children are yours: create them in this configuration
# (aws_route53_health_check) or elsewhere, and pass their IDs.
variable "child_health_check_ids" {
  description = "CALCULATED only: IDs of the child health checks."
  type        = list(string)
  default     = []
}

variable "child_health_threshold" {
  description = "CALCULATED only: how many children must be healthy (1 to the number of children)."
  type        = number
  default     = null
}

# CLOUDWATCH_METRIC: the primary follows a CloudWatch alarm, e.g. on a deep synthetic canary that exercises the API
# and its dependencies. The alarm must exist first, on a standard-resolution metric (period >= 60 s).
variable "cloudwatch_alarm_name" {
  description = "CLOUDWATCH_METRIC only: the alarm's name."
  type        = string
  default     = null
}

variable "cloudwatch_alarm_region" {
  description = "CLOUDWATCH_METRIC only: the alarm's region (null = primary_region)."
  type        = string
  default     = null
}

variable "insufficient_data_health_status" {
  description = "CLOUDWATCH_METRIC only: Unhealthy (recommended: a canary that dies with its region stops publishing, and its silence must fail the primary over), Healthy or LastKnownStatus."
  type        = string
  default     = "Unhealthy"
}

# Both non-endpoint kinds.
variable "health_check_probe_type" {
  description = "CALCULATED / CLOUDWATCH_METRIC only: how the operator's drill probes reach both endpoints (HTTP, HTTPS or TCP; null = HTTPS, on port 443 and /health)."
  type        = string
  default     = null
}

variable "health_check_detection_seconds" {
  description = "CALCULATED / CLOUDWATCH_METRIC only (required there): seconds Route 53 needs to call the primary unhealthy (the deciding child's interval x threshold; the alarm's period x evaluation periods). Used for the plan-time RTO check."
  type        = number
  default     = null
}

variable "secondary_health_check" {
  description = "Also check the standby and attach that check to the SECONDARY record: a dead standby is never served, but while it is unhealthy failover is impossible. Off by default."
  type        = bool
  default     = false
}
