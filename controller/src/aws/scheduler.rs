//! EventBridge Scheduler: the drill's fail-safe and lock. Before inverting the health check, a
//! drill creates a one-time schedule that restores it, so even a process that dies mid-drill
//! cannot leave the primary looking down past the drill's timeout. Its name is derived from the
//! health check alone and Scheduler refuses a second schedule of the same name, so the schedule is
//! also the lock that keeps two drills of one check from overlapping (docs/architecture.md,
//! "Drills: the AWS-side lock").

use aws_sdk_scheduler::types::{ActionAfterCompletion, FlexibleTimeWindow, FlexibleTimeWindowMode, Target};
use chrono::{DateTime, Utc};

use super::{
    AwsError, ErrorKind,
    budget::Service,
    client::{Aws, found, to_chrono},
};

/// Scheduler's universal target that calls Route 53 `UpdateHealthCheck` with the schedule's input.
pub const UPDATE_HEALTH_CHECK_TARGET: &str = "arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck";

/// A one-time schedule that sets a health check's `Inverted` back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailsafeSchedule {
    pub name: String,
    pub group: String,
    /// Who holds the lock (shown to anyone refused by it).
    pub description: String,
    /// When it fires (whole seconds, UTC).
    pub at: DateTime<Utc>,
    /// Role Scheduler assumes; it needs `route53:UpdateHealthCheck` on the health check.
    pub role_arn: String,
    pub health_check_id: String,
    /// The value to restore.
    pub inverted: bool,
}

impl FailsafeSchedule {
    /// `at(yyyy-mm-ddThh:mm:ss)`, read in the `UTC` time zone.
    pub fn expression(&self) -> String {
        format!("at({})", self.at.format("%Y-%m-%dT%H:%M:%S"))
    }

    /// The `UpdateHealthCheck` request body: only the field a drill changes, so a fail-safe that
    /// fires never undoes anyone's other changes.
    pub fn input(&self) -> String {
        serde_json::json!({ "HealthCheckId": self.health_check_id, "Inverted": self.inverted }).to_string()
    }

    /// Same holder and schedule → same token: a retried create by the same drill succeeds, a
    /// create by anyone else conflicts.
    fn client_token(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&self.name, &self.description, self.at.timestamp()).hash(&mut h);
        format!("rf-{:016x}", h.finish())
    }
}

/// A schedule as `GetSchedule` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleObserved {
    pub name: String,
    pub group: String,
    pub expression: String,
    /// `ENABLED` or `DISABLED`.
    pub state: String,
    pub description: Option<String>,
    pub target_arn: String,
    pub input: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

impl Aws {
    /// Creates the failsafe schedule in `region`; returns its ARN.
    pub async fn create_failsafe_schedule(
        &self,
        region: &str,
        schedule: &FailsafeSchedule,
    ) -> Result<String, AwsError> {
        let site = self.site(Service::Scheduler, "CreateSchedule", Some(region));
        let invalid = |e: aws_sdk_scheduler::error::BuildError| site.error(ErrorKind::Invalid, e.to_string());
        let target = Target::builder()
            .arn(UPDATE_HEALTH_CHECK_TARGET)
            .role_arn(&schedule.role_arn)
            .input(schedule.input())
            .build()
            .map_err(invalid)?;
        let window = FlexibleTimeWindow::builder().mode(FlexibleTimeWindowMode::Off).build().map_err(invalid)?;
        let client = self.scheduler(region);
        let out = self
            .call(Service::Scheduler, "CreateSchedule", Some(region), || {
                client
                    .create_schedule()
                    .name(&schedule.name)
                    .group_name(&schedule.group)
                    .description(&schedule.description)
                    .schedule_expression(schedule.expression())
                    .schedule_expression_timezone("UTC")
                    .flexible_time_window(window.clone())
                    .target(target.clone())
                    .action_after_completion(ActionAfterCompletion::Delete)
                    .client_token(schedule.client_token())
                    .send()
            })
            .await?;
        Ok(out.schedule_arn().to_string())
    }

    /// Deletes a schedule; one that is already gone (fired, or deleted before) is fine.
    pub async fn delete_schedule(&self, region: &str, name: &str, group: &str) -> Result<(), AwsError> {
        let client = self.scheduler(region);
        found(
            self.call(Service::Scheduler, "DeleteSchedule", Some(region), || {
                client.delete_schedule().name(name).group_name(group).send()
            })
            .await,
        )?;
        Ok(())
    }

    /// `GetSchedule`; `None` when it does not exist.
    pub async fn get_schedule(
        &self,
        region: &str,
        name: &str,
        group: &str,
    ) -> Result<Option<ScheduleObserved>, AwsError> {
        let client = self.scheduler(region);
        let out = found(
            self.call(Service::Scheduler, "GetSchedule", Some(region), || {
                client.get_schedule().name(name).group_name(group).send()
            })
            .await,
        )?;
        Ok(out.map(|o| ScheduleObserved {
            name: o.name().unwrap_or(name).to_string(),
            group: o.group_name().unwrap_or(group).to_string(),
            expression: o.schedule_expression().unwrap_or_default().to_string(),
            state: o.state().map(|s| s.as_str().to_string()).unwrap_or_default(),
            description: o.description().map(str::to_string),
            target_arn: o.target().map(|t| t.arn().to_string()).unwrap_or_default(),
            input: o.target().and_then(|t| t.input()).map(str::to_string),
            created_at: o.creation_date().and_then(to_chrono),
        }))
    }
}

#[cfg(test)]
mod tests;
