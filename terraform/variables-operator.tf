# The operator: how its pod gets AWS credentials, what it is told to verify, and how drills run.

variable "operator_identity" {
  description = "How the operator's pod assumes its role: \"pod-identity\" (EKS Pod Identity) or \"irsa\" (IAM roles for service accounts)."
  type        = string
  default     = "pod-identity"

  validation {
    condition     = contains(["pod-identity", "irsa"], var.operator_identity)
    error_message = "operator_identity must be \"pod-identity\" or \"irsa\"."
  }
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider. Required when operator_identity is \"irsa\"."
  type        = string
  default     = null

  validation {
    condition     = var.operator_identity != "irsa" || var.oidc_provider_arn != null
    error_message = "oidc_provider_arn is required when operator_identity is \"irsa\"."
  }

  validation {
    # EKS issuers carry a path (/id/EXAMPLE); a self-managed cluster's issuer may be a bare host.
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/[^/]+(/.+)?$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must look like arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE (or .../oidc-provider/ISSUER-HOST)."
  }
}

variable "eks_cluster_name" {
  description = "With pod-identity: the EKS cluster to create the Pod Identity association in, and the only cluster trusted. null trusts any cluster of the account (association made elsewhere)."
  type        = string
  default     = null
}

variable "operator_namespace" {
  description = "Namespace of the operator's Kubernetes service account (the Helm release namespace)."
  type        = string
  default     = "regional-failover"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.operator_namespace))
    error_message = "operator_namespace must be a lowercase DNS label."
  }
}

variable "operator_service_account" {
  description = "Name of the operator's Kubernetes service account."
  type        = string
  default     = "regional-failover"

  validation {
    condition     = can(regex("^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$", var.operator_service_account))
    error_message = "operator_service_account must be a DNS-1123 subdomain."
  }
}

variable "drill_schedule_group_name" {
  description = "EventBridge Scheduler group (primary region) that holds the one-time fail-safe schedules the operator creates before a drill."
  type        = string
  default     = "regional-failover-drills"

  validation {
    condition     = can(regex("^[0-9a-zA-Z_.-]{1,64}$", var.drill_schedule_group_name)) && var.drill_schedule_group_name != "default"
    error_message = "drill_schedule_group_name must be 1-64 characters of 0-9, a-z, A-Z, '_', '-', '.', and not \"default\"."
  }
}

variable "rto_objective_seconds" {
  description = "Recovery time objective written into the manifest; drills pass when the measured DNS failover is within it."
  type        = number
  default     = 300

  validation {
    condition     = var.rto_objective_seconds >= 60 && var.rto_objective_seconds <= 3600
    error_message = "rto_objective_seconds must be between 60 and 3600."
  }
}

variable "rpo_objective_seconds" {
  description = "Recovery point objective written into the manifest; compared with the measured replication lag."
  type        = number
  default     = 5

  validation {
    condition     = var.rpo_objective_seconds >= 1 && var.rpo_objective_seconds <= 3600
    error_message = "rpo_objective_seconds must be between 1 and 3600."
  }
}

variable "verify_interval_seconds" {
  description = "How often the operator re-reads AWS and compares it with the spec."
  type        = number
  default     = 60

  validation {
    condition     = var.verify_interval_seconds >= 10 && var.verify_interval_seconds <= 3600
    error_message = "verify_interval_seconds must be between 10 and 3600."
  }
}

variable "drills" {
  description = "Scheduled drills in the manifest: name, cron schedule (UTC), method and timeout."
  type = list(object({
    name            = string
    schedule        = string
    method          = optional(string, "InvertHealthCheck")
    timeout_seconds = optional(number, 600)
  }))
  default = [{ name = "weekly", schedule = "0 3 * * TUE" }]

  validation {
    condition     = length(distinct([for d in var.drills : d.name])) == length(var.drills)
    error_message = "drill names must be unique (the run-drill annotation selects a drill by name)."
  }

  validation {
    condition     = alltrue([for d in var.drills : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", d.name))])
    error_message = "drill names must be lowercase DNS labels."
  }

  validation {
    condition     = alltrue([for d in var.drills : length(split(" ", trimspace(d.schedule))) == 5])
    error_message = "drill schedules must be 5-field cron expressions (minute hour day-of-month month day-of-week), in UTC."
  }

  validation {
    condition     = alltrue([for d in var.drills : d.method == "InvertHealthCheck"])
    error_message = "the only drill method is InvertHealthCheck."
  }

  validation {
    condition     = alltrue([for d in var.drills : d.timeout_seconds >= 60 && d.timeout_seconds <= 3600])
    error_message = "drill timeout_seconds must be between 60 and 3600."
  }
}

variable "replication_probe" {
  description = "Opt-in canary write the operator uses to measure replication lag (items keyed regionalfailover-probe#...)."
  type = object({
    enabled          = optional(bool, false)
    interval_seconds = optional(number, 300)
  })
  default = {}

  validation {
    condition     = var.replication_probe.interval_seconds >= 60 && var.replication_probe.interval_seconds <= 86400
    error_message = "replication_probe.interval_seconds must be between 60 and 86400."
  }
}
