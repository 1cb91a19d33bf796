# Identity, regions and tags. DNS, health check, operator and drill inputs live in variables-*.tf.

variable "name" {
  description = "Name of the RegionalFailover object in the emitted manifest; also prefixes the IAM role names."
  type        = string
  default     = "profile-api"

  validation {
    # A DNS-1123 label short enough that "<name>-drill-failsafe" stays within IAM's 64-character role names.
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be a lowercase DNS label (a-z, 0-9, '-') of at most 40 characters."
  }
}

variable "namespace" {
  description = "Kubernetes namespace of the RegionalFailover object in the emitted manifest."
  type        = string
  default     = "default"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a lowercase DNS label of at most 63 characters."
  }
}

variable "lab_name" {
  description = "Value of the Lab tag carried by every resource (and by the callers' provider default_tags)."
  type        = string
  default     = "regional-failover"

  validation {
    condition     = length(var.lab_name) > 0 && length(var.lab_name) <= 256
    error_message = "lab_name must be 1 to 256 characters (an AWS tag value)."
  }
}

variable "tags" {
  description = "Extra tags for every resource. Lab and RegionRole are set by the module and cannot be overridden here."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.tags), ["Lab", "RegionRole"])) == 0
    error_message = "tags must not contain Lab or RegionRole: the module derives them from lab_name and the region."
  }
}

variable "primary_region" {
  description = "Region that serves traffic. The default `aws` provider passed to this module must be configured for it."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.primary_region))
    error_message = "primary_region must be an AWS region name such as us-east-1."
  }
}

variable "secondary_region" {
  description = "Standby region. The `aws.secondary` provider passed to this module must be configured for it."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.secondary_region))
    error_message = "secondary_region must be an AWS region name such as us-west-2."
  }

  validation {
    condition     = var.secondary_region != var.primary_region
    error_message = "secondary_region must differ from primary_region: a standby in the same region protects against nothing regional."
  }
}

variable "table_name" {
  description = "Name of the DynamoDB global table (the same name in both regions)."
  type        = string
  default     = "profiles"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'."
  }
}

variable "table_hash_key" {
  description = "Partition key attribute (type S) of the table; the operator's replication probe writes items under this key."
  type        = string
  default     = "pk"

  validation {
    condition     = length(var.table_hash_key) >= 1 && length(var.table_hash_key) <= 255
    error_message = "table_hash_key must be 1-255 characters."
  }
}

variable "table_deletion_protection" {
  description = "Refuse DeleteTable while true. Keep it on in real accounts; the local example turns it off so destroy works."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the primary table. null uses the AWS managed key alias/aws/dynamodb."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "replica_kms_key_arn" {
  description = "Customer managed KMS key for the replica, in the secondary region (e.g. a multi-Region key replica). Set together with kms_key_arn."
  type        = string
  default     = null

  validation {
    condition     = (var.replica_kms_key_arn == null) == (var.kms_key_arn == null)
    error_message = "Set kms_key_arn and replica_kms_key_arn together (a KMS key is regional), or neither."
  }

  validation {
    condition     = var.replica_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:${var.secondary_region}:[0-9]{12}:key/.+$", var.replica_kms_key_arn))
    error_message = "replica_kms_key_arn must be a KMS key ARN in secondary_region."
  }
}
