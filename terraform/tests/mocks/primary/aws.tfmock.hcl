# Computed values the mocked primary provider returns: realistic ARNs and ids, because the module builds IAM
# policies from them and the tests compare statements with exact ARNs.

mock_data "aws_region" {
  defaults = { name = "us-east-1" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws" }
}

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}

mock_resource "aws_dynamodb_table" {
  defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/profiles" }
}

mock_resource "aws_route53_health_check" {
  defaults = {
    id  = "0f3c0000-1111-2222-3333-444455556666"
    arn = "arn:aws:route53:::healthcheck/0f3c0000-1111-2222-3333-444455556666"
  }
}

mock_resource "aws_route53_zone" {
  defaults = { zone_id = "Z0123456789MOCKZONE", name_servers = ["ns-1.awsdns-01.org"] }
}

mock_resource "aws_iam_policy" {
  defaults = { arn = "arn:aws:iam::123456789012:policy/profile-api-operator" }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
}

mock_resource "aws_scheduler_schedule_group" {
  defaults = { arn = "arn:aws:scheduler:us-east-1:123456789012:schedule-group/regional-failover-drills" }
}
