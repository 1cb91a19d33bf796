# The profiles table as a global table (version 2019.11.21): one replica in the secondary region, both
# sides writable, each read served from the local region.

resource "aws_dynamodb_table" "this" {
  name                        = var.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = var.table_hash_key
  deletion_protection_enabled = var.table_deletion_protection

  # Streams carry the replication; NEW_AND_OLD_IMAGES is what global tables require.
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = var.table_hash_key
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  #checkov:skip=CKV_AWS_119:A customer managed key is supported (kms_key_arn / replica_kms_key_arn) but optional: the default AWS managed key keeps the idle standby free of per-key charges.
  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  replica {
    region_name = data.aws_region.secondary.name
    kms_key_arn = var.replica_kms_key_arn
    # The replica block defaults PITR to off; a standby that cannot be restored to a point in time is half a standby.
    point_in_time_recovery = true
    # Copies the table's tags (including RegionRole=primary) to the replica; aws_dynamodb_tag below corrects RegionRole.
    propagate_tags = true
  }

  tags = local.primary_tags
}

locals {
  table_arns = {
    primary   = aws_dynamodb_table.this.arn
    secondary = "arn:${local.partition}:dynamodb:${data.aws_region.secondary.name}:${local.account_id}:table/${aws_dynamodb_table.this.name}"
  }
}

# The replica is created by DynamoDB, not by a resource of its own, so its region-role tag is set here, through the
# secondary provider. Tag propagation runs when the table's tags change; the next apply puts this tag back.
resource "aws_dynamodb_tag" "replica_region_role" {
  provider = aws.secondary

  resource_arn = local.table_arns.secondary
  key          = "RegionRole"
  value        = local.secondary_tags["RegionRole"]
}
