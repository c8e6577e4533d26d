//! The `netdiag` binary's library half: the command line, one module per subcommand, and every I/O
//! edge (`source/`). `main.rs` only maps errors to exit codes.

pub mod bundle;
pub mod capture;
pub mod cli;
pub mod cluster_status;
pub mod completions;
pub mod lab;
pub mod node_status;
pub mod output;
pub mod show;
pub mod source;
pub mod trace;
pub mod tui;

use anyhow::Result;

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: &cli::Cli) -> Result<u8> {
    let color = output::use_color(cli.color);
    match &cli.command {
        cli::Command::NodeStatus(args) => node_status::run(args, color),
        cli::Command::Show(args) => show::run(args),
        cli::Command::Lab(args) => lab::run(args),
        cli::Command::Capture(args) => capture::run(args, color),
        cli::Command::Trace(args) => trace::run(args, color),
        cli::Command::Tui(args) => tui::run(args, color),
        cli::Command::ClusterStatus(args) => cluster_status::run(args, color),
        cli::Command::Completions(args) => completions::run(args.shell),
        cli::Command::Bundle(args) => bundle::run(args),
    }
}
