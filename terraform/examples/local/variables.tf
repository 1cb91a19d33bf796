variable "local_endpoint_url" {
  description = "URL of the local AWS endpoint, as printed by tests/localaws/serve (READY endpoint=...)."
  type        = string

  validation {
    condition     = can(regex("^http://(127\\.[0-9.]+|localhost):[0-9]+/?$", var.local_endpoint_url))
    error_message = "local_endpoint_url must be http://127.x.y.z:PORT or http://localhost:PORT: this example never talks to a real account."
  }
}

variable "dns_port" {
  description = "UDP/TCP port of the local authoritative DNS server (READY ... dns=127.0.0.1:PORT)."
  type        = number
}

variable "health_check_port" {
  description = "Port of the primary's HTTP health endpoint on primary_endpoint."
  type        = number
  default     = 8081
}

variable "primary_endpoint" {
  description = "Loopback address that stands for the primary region."
  type        = string
  default     = "127.0.0.1"
}

variable "secondary_endpoint" {
  description = "Loopback address that stands for the secondary region."
  type        = string
  default     = "127.0.0.2"
}

variable "zone_name" {
  description = "Hosted zone created in the local Route 53; the failover record is api.<zone_name>."
  type        = string
  default     = "regional-failover.test"
}

variable "name" {
  description = "Name of the RegionalFailover object."
  type        = string
  default     = "profile-api"
}

variable "lab_name" {
  description = "Lab tag value on every resource."
  type        = string
  default     = "regional-failover"
}

variable "primary_region" {
  description = "Region of the default provider."
  type        = string
  default     = "us-east-1"
}

variable "secondary_region" {
  description = "Region of the aws.secondary provider."
  type        = string
  default     = "us-west-2"
}

variable "oidc_issuer_url" {
  description = "Service-account token issuer of the local kube-apiserver (its --service-account-issuer); the operator role trusts tokens of this issuer."
  type        = string
  default     = "https://kubernetes.default.svc"

  validation {
    condition     = can(regex("^https://[^/]+(/.*)?$", var.oidc_issuer_url)) && !endswith(var.oidc_issuer_url, "/")
    error_message = "oidc_issuer_url must be an https:// URL without a trailing slash, exactly as the token's iss claim."
  }
}

variable "operator_namespace" {
  description = "Namespace of the operator's service account; the role's trust admits only its tokens."
  type        = string
  default     = "regional-failover"
}

variable "operator_service_account" {
  description = "Name of the operator's service account."
  type        = string
  default     = "regional-failover"
}

variable "health_check_type" {
  description = "Kind of the primary's health check: HTTP (default; the operator's end-to-end tests use it), CALCULATED (over two child checks created here) or CLOUDWATCH_METRIC (over an alarm created here). terraform/test local applies all three."
  type        = string
  default     = "HTTP"

  validation {
    condition     = contains(["HTTP", "CALCULATED", "CLOUDWATCH_METRIC"], var.health_check_type)
    error_message = "health_check_type must be HTTP, CALCULATED or CLOUDWATCH_METRIC here (the local endpoints speak HTTP)."
  }
}

variable "secondary_health_check" {
  description = "Give the SECONDARY record a health check of secondary_endpoint too (off by default, as in the module)."
  type        = bool
  default     = false
}
