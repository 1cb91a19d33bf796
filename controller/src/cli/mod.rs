//! Subcommands. Exit codes are an interface: 0 success / in sync, 1 drift, unhealthy or a failed
//! drill, 2 an error (bad input, AWS or Kubernetes unreachable).

mod check;
mod drill;
mod junit;
mod report;
mod run;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand, ValueEnum};
use regional_failover::{api, telemetry::LogFormat};

#[derive(Parser)]
#[command(name = "regional-failover", version, about = "Verifies and drills a two-region AWS failover")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the operator: watch RegionalFailovers, verify them, run their drills.
    Run(run::RunArgs),
    /// Print the RegionalFailover CustomResourceDefinition as YAML.
    Crd,
    /// Verify each RegionalFailover in FILE once, without a cluster, and print the status it would get.
    Check {
        /// YAML file with one or more RegionalFailover documents (`-` for standard input).
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
        #[arg(long, value_enum, env = "RF_LOG_FORMAT", default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Run one declared drill without a cluster and print its record (exit 0 succeeded, 1 failed or refused).
    Drill {
        /// YAML file with the RegionalFailover that declares the drill (`-` for standard input).
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
        /// Name of the drill in `spec.drills`.
        #[arg(long)]
        drill: String,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
        #[arg(long, value_enum, env = "RF_LOG_FORMAT", default_value_t = LogFormat::Text)]
        log_format: LogFormat,
        #[command(flatten)]
        failsafe: run::FailsafeArgs,
        /// Exit 1 when the measured RTO exceeds this many seconds, even within the objective (a CI gate).
        #[arg(long, value_name = "SECONDS")]
        max_rto: Option<f64>,
        /// Also write a JUnit XML report: one test case per safety check and per waterfall stage.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// Render the runbook and drill evidence of each RegionalFailover in FILE from its live state.
    Report {
        /// YAML file with RegionalFailover documents; their `status` (e.g. `kubectl get rf NAME -o yaml`) adds the drills.
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
        #[arg(long, value_enum, env = "RF_LOG_FORMAT", default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
}

/// Format of `report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Md,
    Json,
}

/// Output format of one-shot commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

pub async fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Crd => match api::validate::crd_yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        Command::Run(args) => run::run(args).await,
        Command::Check { file, output, log_format } => check::check(&file, output, log_format).await,
        Command::Drill { file, drill, output, log_format, failsafe, max_rto, junit } => {
            let gates = drill::Gates { max_rto, junit };
            drill::drill(&file, &drill, output, log_format, failsafe.config(), gates).await
        }
        Command::Report { file, format, log_format } => report::report(&file, format, log_format).await,
    }
}

pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// The validated `RegionalFailover` documents of FILE (or standard input for `-`): the one way
/// `check`, `drill` and `report` read their input.
pub fn read_manifests(
    path: &std::path::Path,
) -> Result<Vec<regional_failover::api::RegionalFailover>, regional_failover::Error> {
    regional_failover::api::validate::parse_manifests(&read_input(path)?)
}

/// Reads FILE, or standard input for `-`.
pub fn read_input(path: &std::path::Path) -> Result<String, regional_failover::Error> {
    let read =
        if path.as_os_str() == "-" { std::io::read_to_string(std::io::stdin()) } else { std::fs::read_to_string(path) };
    read.map_err(|source| regional_failover::Error::Read { path: path.display().to_string(), source })
}
