//! Subcommands. Exit codes are an interface: 0 success / in sync, 1 drift, unhealthy or a failed
//! drill, 2 an error (bad input, AWS or Kubernetes unreachable).

mod check;
mod drill;
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
    },
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
        Command::Drill { file, drill, output, log_format, failsafe } => {
            drill::drill(&file, &drill, output, log_format, failsafe.config()).await
        }
    }
}

pub fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// Reads FILE, or standard input for `-`.
pub fn read_input(path: &std::path::Path) -> Result<String, regional_failover::Error> {
    let read =
        if path.as_os_str() == "-" { std::io::read_to_string(std::io::stdin()) } else { std::fs::read_to_string(path) };
    read.map_err(|source| regional_failover::Error::Read { path: path.display().to_string(), source })
}
