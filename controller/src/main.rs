//! CLI entry point: `regional-failover crd | run | check | drill`.
#![forbid(unsafe_code)]
#![deny(warnings, rust_2018_idioms)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use regional_failover::api;

#[derive(Parser)]
#[command(name = "regional-failover", version, about = "Verifies and drills a two-region AWS failover")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the RegionalFailover CustomResourceDefinition as YAML.
    Crd,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Crd => match api::validate::crd_yaml() {
            Ok(yaml) => {
                print!("{yaml}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}
