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
