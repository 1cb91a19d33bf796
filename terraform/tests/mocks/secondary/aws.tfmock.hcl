mock_data "aws_region" {
  defaults = { name = "us-west-2" }
}
