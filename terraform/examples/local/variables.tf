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
