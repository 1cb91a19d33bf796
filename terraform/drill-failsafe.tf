# Drill fail-safe (issue #6). Before it inverts the health check, the operator creates a one-time at() schedule
# named regionalfailover-* in this group; its universal target arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck
# restores the check if the operator dies mid-drill. After a normal restore the operator deletes the schedule.

locals {
  drill_schedule_name_prefix = "regionalfailover-"
  drill_schedule_arn_pattern = "arn:${local.partition}:scheduler:${data.aws_region.primary.name}:${local.account_id}:schedule/${aws_scheduler_schedule_group.drills.name}/${local.drill_schedule_name_prefix}*"
}

resource "aws_scheduler_schedule_group" "drills" {
  name = var.drill_schedule_group_name

  tags = local.primary_tags
}

# The role EventBridge Scheduler assumes to run the fail-safe: it can restore this one health check and nothing else.
resource "aws_iam_role" "drill_failsafe" {
  name        = "${var.name}-drill-failsafe"
  description = "Assumed by EventBridge Scheduler to restore the ${var.name} primary health check if a drill is abandoned."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SchedulesOfTheDrillGroupOnly"
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Confused-deputy guard: only schedules of this account's drill group may use the role.
      Condition = {
        StringEquals = {
          "aws:SourceAccount" = local.account_id
          "aws:SourceArn"     = aws_scheduler_schedule_group.drills.arn
        }
      }
    }]
  })

  tags = local.primary_tags
}

resource "aws_iam_role_policy" "drill_failsafe" {
  name = "restore-primary-health-check"
  role = aws_iam_role.drill_failsafe.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "RestorePrimaryHealthCheck"
      Effect   = "Allow"
      Action   = ["route53:UpdateHealthCheck"]
      Resource = [local.health_check_arn]
    }]
  })
}
