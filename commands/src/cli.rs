//! The command line: every subcommand, flag and help text (clap derive). Shared by the binary and by
//! the completion generator, so `completions/` always matches what the binary accepts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "netdiag",
    version,
    about = "Why does pod traffic between two Kubernetes nodes flow, or not? Calico overlay diagnostics.",
    long_about = "netdiag collects a node's links, addresses, routes, neighbours and bridge FDB (live over \
netlink, or from dumps), reads the cluster's intent (IPPools, Nodes, IPAM blocks, FelixConfiguration, \
Pods), computes what Calico would program for each mode (BGP, IPIP, VXLAN, CrossSubnet) and explains \
every difference with evidence and a hint.",
    after_help = "Exit codes: 0 healthy, 1 findings at or above --fail-on, 2 could not run.\n\
Examples:\n  netdiag node-status --from testdata/scenarios/vxlan-stale-fdb --node worker\n  \
netdiag node-status --netns node1 --from cluster-dump/\n  netdiag show routes --from DIR --node worker -o json"
)]
pub struct Cli {
    /// When to colour human output: auto = only on a terminal and when NO_COLOR is unset.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare the node with what Calico would program and explain every difference.
    #[command(name = "node-status")]
    NodeStatus(NodeStatusArgs),
    /// List collected state (links, routes, …) or cluster intent (pools, nodes, …), kubectl-get style.
    Show(ShowArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
}

/// Where the node state and the cluster intent come from.
#[derive(Debug, Clone, Args, Default)]
pub struct SourceArgs {
    /// The node to check or show (default: the Node whose address is on a local link, or the only
    /// node directory under --from).
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,

    /// Read live state inside this network namespace (/run/netns/NAME, or a path).
    #[arg(long, value_name = "NAME")]
    pub netns: Option<String>,

    /// Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps).
    /// With --netns or --live, only the intent is taken from DIR.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,

    /// Read the live state of the current network namespace even when --from is given.
    #[arg(long, conflicts_with = "netns")]
    pub live: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Yaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Debug, Args)]
pub struct NodeStatusArgs {
    #[command(flatten)]
    pub source: SourceArgs,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,

    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// List every peer in the summary, even in large clusters.
    #[arg(long)]
    pub all_peers: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowWhat {
    Links,
    Addrs,
    Routes,
    Neigh,
    Fdb,
    Ippools,
    Nodes,
    Blocks,
    Pods,
    /// The whole node state as one document (readable again by --from).
    State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// What to list.
    #[arg(value_enum)]
    pub what: ShowWhat,

    #[command(flatten)]
    pub source: SourceArgs,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = TableFormat::Table)]
    pub output: TableFormat,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
