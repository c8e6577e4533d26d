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
    /// Build a Calico-shaped cluster out of network namespaces on this machine; break and heal it.
    Lab(LabArgs),
    /// Decode VXLAN/IPIP traffic live or from a pcap: outer and inner headers, node and pod names,
    /// anomalies, one line per packet.
    Capture(CaptureArgs),
    /// Trace the path between two pods (or nodes, or addresses) hop by hop: the encapsulation and
    /// why, the tunnel, VTEP and underlay, the MTU budget, delivery; each hop ok, broken or unknown.
    Trace(TraceArgs),
    /// A live terminal view of a node's tunnels and peers: health, VTEPs, routes, rates, packets.
    Tui(TuiArgs),
    /// Check every node at once: one short-lived Pod per node collects its state, then every pair
    /// of nodes is cross-checked (VTEP MACs, tunnel and node IPs, MTUs) and the culprit named.
    #[command(name = "cluster-status")]
    ClusterStatus(ClusterStatusArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Collect a support bundle (state, intent without secrets, report, sysctls, offloads, optional
    /// pcap) into one .tar.gz; `bundle inspect` and `bundle diff` read bundles. Every analysing
    /// command takes a bundle as --from.
    Bundle(BundleArgs),
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

    /// Read from a directory: DIR/cluster/*.yaml|json (intent) and DIR/nodes/<node>/ (ip/bridge dumps),
    /// or from a `netdiag bundle` .tar.gz (verified, then read the same way).
    /// With --netns or --live, only the intent is taken from DIR. `trace` takes it twice (one
    /// bundle per node).
    #[arg(long, value_name = "DIR")]
    pub from: Vec<PathBuf>,

    /// Read the live state of the current network namespace even when --from is given.
    #[arg(long, conflicts_with = "netns")]
    pub live: bool,

    /// Use a lab built by `netdiag lab up` (default name: lab): the state of --node's namespace and
    /// the lab's intent.
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "lab",
          conflicts_with_all = ["netns", "from", "live"])]
    pub lab: Option<String>,

    /// Read the intent from the Kubernetes API with this kubeconfig (as kubectl; default: KUBECONFIG,
    /// then ~/.kube/config, then the pod's service account). Given explicitly, it wins over --from's
    /// cluster/: --from then supplies the node state only. Without --from/--lab the API is used
    /// whenever a kubeconfig exists.
    #[arg(long, value_name = "PATH", conflicts_with = "lab")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (default: its current-context). Given explicitly, it selects the
    /// API as intent source like --kubeconfig.
    #[arg(long, value_name = "NAME", conflicts_with = "lab")]
    pub context: Option<String>,

    /// Only read Pods of this namespace from the API (default: all namespaces).
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Time limit for each API request, as kubectl: 10s, 1m, 500ms, or plain seconds; 0 = none.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_request_timeout)]
    pub request_timeout: std::time::Duration,
}

impl SourceArgs {
    /// The one `--from` (commands other than `trace` refuse a second: see `source::open`).
    pub fn from_path(&self) -> Option<&std::path::Path> {
        self.from.first().map(PathBuf::as_path)
    }
}

/// `--request-timeout`: kubectl's forms (`10s`, `1m`, `1m30s`, `500ms`, `2h`, or a bare number of
/// seconds). `0` means no limit, kept as a zero duration.
pub fn parse_request_timeout(s: &str) -> Result<std::time::Duration, String> {
    use std::time::Duration;
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let bad = || format!("{s:?} is not a duration (examples: 10s, 1m, 500ms, 0)");
    let (mut total, mut rest) = (Duration::ZERO, s);
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part = match &rest[..unit] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            _ => return Err(bad()),
        };
        total = total.saturating_add(part);
        rest = &rest[unit..];
    }
    Ok(total)
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

impl FailOn {
    /// The exit code of a report whose worst finding is `worst`: 1 at or above the threshold.
    pub fn exit_code(self, worst: Option<netdiag_core::Severity>) -> u8 {
        use netdiag_core::Severity;
        let threshold = match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
            FailOn::Never => return 0,
        };
        u8::from(worst.is_some_and(|w| w >= threshold))
    }
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

    /// BIRD's control socket to read BGP sessions from, read-only (default: Calico's
    /// /var/run/calico/bird.ctl; with --lab, the lab node's BIRD; with --from, the files'). A
    /// bird6.ctl beside a bird.ctl (Calico's IPv6 BIRD) is read too.
    #[arg(long, value_name = "PATH")]
    pub bird_socket: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Needs deploy/netdiag-namespace.yaml and deploy/netdiag-cluster-status-rbac.yaml applied, and the\n\
image (deploy/Dockerfile) pullable by the nodes.\n\
Exit codes: 0 healthy, 1 a culprit at or above --fail-on, 2 could not run.\n\
Examples:\n  netdiag cluster-status --image registry.example/netdiag:0.1.0\n  \
netdiag cluster-status --nodes node-role.kubernetes.io/worker= --concurrency 32 -o json\n  \
sudo netdiag cluster-status --lab\n  netdiag cluster-status --cleanup"
)]
pub struct ClusterStatusArgs {
    /// The kubeconfig to use (as kubectl; default: KUBECONFIG, then ~/.kube/config, then the pod's
    /// service account).
    #[arg(long, value_name = "PATH", conflicts_with = "lab")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (default: its current-context).
    #[arg(long, value_name = "NAME", conflicts_with = "lab")]
    pub context: Option<String>,

    /// Only the Nodes matching this label selector (as `kubectl get nodes -l`); default: all.
    #[arg(long, value_name = "SELECTOR", conflicts_with = "lab")]
    pub nodes: Option<String>,

    /// How many nodes' Pods exist at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub concurrency: u16,

    /// How long one node's Pod may take to start and finish (10s, 1m, …).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_request_timeout)]
    pub timeout: std::time::Duration,

    /// The collector image (built from deploy/Dockerfile).
    #[arg(long, value_name = "IMAGE", default_value = concat!("netdiag:", env!("CARGO_PKG_VERSION")))]
    pub image: String,

    /// Time limit for each API request, as kubectl: 10s, 1m, 500ms; 0 = none.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_request_timeout)]
    pub request_timeout: std::time::Duration,

    /// Check a lab built by `netdiag lab up` instead (default name: lab): each lab node's namespace
    /// stands in for a Pod on that node.
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "lab")]
    pub lab: Option<String>,

    /// Delete every Pod a cluster-status run left in the netdiag namespace (by label), then exit.
    #[arg(long, conflicts_with = "lab")]
    pub cleanup: bool,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,

    /// Exit 1 when a culprit at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// How often each Pod's phase is read.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_request_timeout, hide = true)]
    pub poll_interval: std::time::Duration,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CaptureFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  netdiag capture -r vxlan.pcap --from cluster-dump/\n  \
sudo netdiag capture --lab --node worker -c 10\n  sudo netdiag capture --netns node1 -i eth0 -w out.pcap --duration 30\n  \
netdiag capture -r big.pcap --stats -o json"
)]
pub struct CaptureArgs {
    /// Names and tunnel settings: --from DIR / --lab NAME (or the API); --netns / --lab --node pick
    /// where to capture live.
    #[command(flatten)]
    pub source: SourceArgs,

    /// Read packets from a pcap or pcapng file instead of capturing live.
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: Option<PathBuf>,

    /// Interface to capture on (default: eth0 with --netns or --lab, else `any`).
    #[arg(
        short = 'i',
        long = "interface",
        value_name = "IFACE",
        conflicts_with = "read"
    )]
    pub interface: Option<String>,

    /// Write the captured (or read) packets to this pcap file, readable by tcpdump and Wireshark.
    /// Alone it prints only the summary at the end; add --decode to see each packet as well.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,

    /// Print each packet decoded (the default unless -w or --stats is given).
    #[arg(long)]
    pub decode: bool,

    /// BPF filter replacing the default `udp dst port <VXLAN ports> or ip proto 4` ("" = everything).
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,

    /// Decode this UDP port as VXLAN too (repeatable; e.g. 8472 for Flannel). The cluster's port
    /// (FelixConfiguration vxlanPort, else 4789) is always decoded.
    #[arg(long = "vxlan-port", value_name = "PORT")]
    pub vxlan_port: Vec<u16>,

    /// Stop after this many packets.
    #[arg(short = 'c', long = "count", value_name = "N")]
    pub count: Option<u64>,

    /// Stop after this many captured bytes.
    #[arg(long = "max-bytes", value_name = "BYTES")]
    pub max_bytes: Option<u64>,

    /// Stop a live capture after this many seconds.
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,

    /// Layered view: every header field, inner MACs, on indented lines.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Per-packet output format (`json`: one object per line).
    #[arg(short = 'o', long = "output", value_enum, default_value_t = CaptureFormat::Text)]
    pub output: CaptureFormat,

    /// Print only the summary: per node pair and per pod flow, packets, bytes, encapsulation,
    /// anomalies, and totals (a live capture prints it at the end anyway, on stderr).
    #[arg(long)]
    pub stats: bool,

    /// Bytes kept of each live packet.
    #[arg(long, default_value_t = 262144, value_name = "BYTES")]
    pub snaplen: i32,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The lab's dataplane mode: which pools exist and what Felix/BIRD program for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabMode {
    /// One pool, VXLAN CrossSubnet (backend vxlan): direct within a subnet, VXLAN across.
    VxlanCrosssubnet,
    /// One pool, VXLAN Always (backend vxlan).
    VxlanAlways,
    /// One pool without encapsulation (backend bird); the fabric routes blocks across subnets.
    Bgp,
    /// Two pools: 192.168.0.0/16 VXLAN CrossSubnet and 172.16.0.0/16 no-encap (backend bird).
    Mixed,
    /// One pool, IPIP Always (backend bird); needs the kernel's ipip module.
    IpipAlways,
    /// One pool, IPIP CrossSubnet (backend bird); needs the kernel's ipip module.
    IpipCrosssubnet,
    /// Flannel's VXLAN backend (kube-flannel.yml defaults): flannel.1 VNI 1 port 8472, a /24
    /// podCIDR per node, pods on the cni0 bridge; no Calico resources.
    FlannelVxlan,
    /// Canal: Flannel VXLAN networking with Calico's workload veths (cali*, /32 routes).
    Canal,
}

#[derive(Debug, Args)]
pub struct LabArgs {
    #[command(subcommand)]
    pub command: LabCommand,
}

#[derive(Debug, Args)]
pub struct LabNameArgs {
    /// The lab's name (letters and digits): namespaces are nd-NAME-*, state in /run/netdiag/lab/NAME.
    #[arg(long, default_value = "lab")]
    pub name: String,
}

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Create the lab: a fabric, one namespace per node and per pod, and Calico's state for the mode.
    Up(LabUpArgs),
    /// Remove a lab (or every lab): its namespaces and its state directory.
    Down(LabDownArgs),
    /// List the lab's nodes, pods and addresses, and commands to try.
    Status(LabNameArgs),
    /// Run a command inside a node's or pod's namespace (or `fabric`).
    Exec(LabExecArgs),
    /// Inject one fault and say how to undo it.
    Break(LabBreakArgs),
    /// Re-program the mode's correct state on every node and the fabric.
    Heal(LabNameArgs),
}

#[derive(Debug, Args)]
pub struct LabUpArgs {
    #[command(flatten)]
    pub name: LabNameArgs,

    /// The dataplane mode.
    #[arg(long, value_enum, default_value_t = LabMode::VxlanCrosssubnet)]
    pub mode: LabMode,

    /// How many nodes (control-plane, worker, worker2, …; the 4th is in a second subnet).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(2..=50))]
    pub nodes: u16,

    /// Pods per node.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(0..=60))]
    pub pods_per_node: u16,

    /// Underlay MTU of the nodes' eth0.
    #[arg(long, default_value_t = 1500, value_parser = clap::value_parser!(u32).range(1280..=9000))]
    pub mtu: u32,
}

#[derive(Debug, Args)]
pub struct LabDownArgs {
    /// The lab's name.
    #[arg(long, default_value = "lab", conflicts_with = "all")]
    pub name: String,

    /// Remove every lab that has a state directory.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct LabExecArgs {
    #[command(flatten)]
    pub name: LabNameArgs,

    /// A node name, a pod name, or `fabric`.
    pub target: String,

    /// The command and its arguments (after `--`).
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LabFault {
    /// The FDB entry for the peer's VTEP sends to an old node IP.
    StaleFdb,
    /// The FDB entry for the peer's VTEP is gone.
    MissingFdb,
    /// The permanent neighbour for the peer's VTEP is gone.
    MissingNeigh,
    /// The neighbour for the peer's VTEP has a wrong MAC.
    WrongNeighMac,
    /// The route to the peer's block is gone.
    MissingRoute,
    /// The peer's block is routed the wrong way (tunnel where CrossSubnet wants direct, or the reverse).
    WrongRoute,
    /// vxlan.calico has VNI 4097 instead of 4096.
    WrongVni,
    /// vxlan.calico uses UDP port 4790 instead of 4789.
    WrongPort,
    /// vxlan.calico is down.
    TunnelDown,
    /// The pods' cali* MTU is above the tunnel MTU.
    Mtu,
    /// A blackhole route for a block this node does not own.
    StaleBlackhole,
    /// The node's eth0 carries another address than its Node says.
    NodeIpChanged,
    /// nftables in the fabric drops VXLAN (UDP 4789, 8472 in the Flannel modes) between subnets.
    BlockedVxlan,
    /// bgp lab: the peer's BIRD is stopped (calico-node down there).
    BirdStopped,
    /// bgp lab: nftables in the fabric drops BGP (TCP 179) between the subnets.
    BgpBlocked,
    /// bgp lab: the peer's BIRD runs with AS 64513 instead of the cluster's 64512.
    WrongAs,
    /// The VXLAN device is re-created with learning on.
    Learning,
}

#[derive(Debug, Args)]
pub struct LabBreakArgs {
    /// The fault to inject.
    #[arg(value_enum)]
    pub fault: LabFault,

    #[command(flatten)]
    pub name: LabNameArgs,

    /// The node to break (default: worker).
    #[arg(long)]
    pub node: Option<String>,

    /// The peer the fault concerns (default: worker3, or worker2 for wrong-route).
    #[arg(long)]
    pub peer: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Endpoints: a pod as ns/name (or name, with -n NS), a pod or node IP, or node/NAME.\n\
Exit codes: 0 no hop broken (unknown hops are listed), 1 a hop is broken, 2 could not run.\n\
Examples:\n  netdiag trace default/web-0 default/db-0 --from cluster-dump/\n  \
sudo netdiag trace worker-p1 worker3-p1 --lab --port 80 --probe\n  \
netdiag trace 192.168.81.2 192.168.210.65 --from DIR --both -o json"
)]
pub struct TraceArgs {
    /// Where the traffic starts: ns/name, name (with -n), an IP, or node/NAME.
    #[arg(value_name = "SRC")]
    pub src: String,

    /// Where it goes: ns/name, name (with -n), an IP, or node/NAME.
    #[arg(value_name = "DST")]
    pub dst: String,

    /// Both nodes' state: --lab (both namespaces), --from DIR with DIR/nodes/<node>/ for each end,
    /// or live (the local node only; the other end is then unknown).
    #[command(flatten)]
    pub source: SourceArgs,

    /// Destination port (TCP or UDP); with it the protocol defaults to tcp.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Protocol of the traced traffic (default: tcp with --port, else icmp).
    #[arg(long, value_enum)]
    pub proto: Option<TraceProto>,

    /// Also trace the way back (DST to SRC): CrossSubnet decisions can differ per direction.
    #[arg(long)]
    pub both: bool,

    /// Send real packets (ICMP echo, or a TCP SYN to --port) from SRC to DST and capture them on
    /// both nodes' underlay: did they leave as predicted, did they arrive? Lab only.
    #[arg(long)]
    pub probe: bool,

    #[arg(short = 'o', long, value_enum, default_value_t = ReportFormat::Text)]
    pub output: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceProto {
    Icmp,
    Tcp,
    Udp,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Keys: ↑/↓ j/k move · Enter details · Tab pane · / filter · c capture · p pause · r refresh · ? help · q/Esc quit\n\
Examples:\n  sudo netdiag tui --lab --node worker\n  sudo netdiag tui --netns node1 --from cluster-dump/ --interval 5s\n  \
netdiag tui --from cluster-dump/ --node worker      # a static snapshot"
)]
pub struct TuiArgs {
    /// The node to view: live (this namespace, --netns, or --lab --node), or --from DIR as a static
    /// snapshot.
    #[command(flatten)]
    pub source: SourceArgs,

    /// How often to re-read the node: 2s, 500ms, 1m.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_interval)]
    pub interval: std::time::Duration,
}

/// `--interval`: a duration as `--request-timeout` takes it, at least 100 ms.
fn parse_interval(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_request_timeout(s)?;
    if d < std::time::Duration::from_millis(100) {
        return Err(format!("{s:?} is too short: at least 100ms"));
    }
    Ok(d)
}

// ---- netdiag bundle -------------------------------------------------------------------------

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  sudo netdiag bundle --lab --node worker -o worker.tar.gz\n  \
sudo netdiag bundle --netns node1 --from cluster-dump/ --redact ips,hostnames\n  \
netdiag node-status --from worker.tar.gz\n  netdiag bundle inspect worker.tar.gz\n  \
netdiag bundle diff before.tar.gz after.tar.gz"
)]
pub struct BundleArgs {
    #[command(subcommand)]
    pub command: Option<BundleCommand>,

    #[command(flatten)]
    pub create: BundleCreateArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RedactWhat {
    /// Every IPv4/IPv6 address, mapped network by network (subnets and prefixes kept).
    Ips,
    /// Every node name, as node-1, node-2, … (in file names too).
    Hostnames,
}

#[derive(Debug, Clone, Args)]
pub struct BundleCreateArgs {
    /// The node (live, --netns, --lab --node) and the intent (--from, --lab, the API) to bundle.
    #[command(flatten)]
    pub source: SourceArgs,

    /// Where to write the bundle (default: netdiag-<node>-<time>.tar.gz in the current directory).
    #[arg(short = 'o', long = "output", value_name = "FILE.tar.gz")]
    pub output: Option<PathBuf>,

    /// Capture tunnel traffic on the node's underlay for this many seconds (pcap, size-capped).
    #[arg(long, value_name = "N")]
    pub capture_seconds: Option<u64>,

    /// Replace addresses and/or node names with consistent placeholders in every file.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "ips,hostnames")]
    pub redact: Vec<RedactWhat>,

    /// List what would be collected, collect nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Size cap of the written bundle (compressed): 20MB, 500KB, 1GiB or bytes. What does not fit
    /// is left out (the pcap first) and named.
    #[arg(long, value_name = "SIZE", default_value = "20MB", value_parser = parse_size)]
    pub max_size: u64,

    /// Bundle every node at once into one archive (per-node bundles plus the cluster-status
    /// cross-check), collected as `cluster-status` does: one short-lived Pod per node through the
    /// Kubernetes API, or each lab node's namespace with --lab.
    #[arg(long, conflicts_with_all = ["node", "netns", "from", "live", "capture_seconds"])]
    pub all_nodes: bool,

    /// With --all-nodes: only the Nodes matching this label selector (as `kubectl get nodes -l`).
    #[arg(
        long,
        value_name = "SELECTOR",
        requires = "all_nodes",
        conflicts_with = "lab"
    )]
    pub nodes: Option<String>,

    /// With --all-nodes: how many nodes' Pods exist at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub concurrency: u16,

    /// With --all-nodes: how long one node's Pod may take to start and finish (10s, 1m, …).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_request_timeout)]
    pub timeout: std::time::Duration,

    /// With --all-nodes: the collector image (built from deploy/Dockerfile).
    #[arg(long, value_name = "IMAGE", default_value = concat!("netdiag:", env!("CARGO_PKG_VERSION")))]
    pub image: String,

    /// How often each Pod's phase is read.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_request_timeout, hide = true)]
    pub poll_interval: std::time::Duration,
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Print a bundle's manifest summary and verify every member's SHA-256.
    Inspect(BundleInspectArgs),
    /// Compare the node state of two bundles: links, addresses, routes, neighbours, FDB.
    Diff(BundleDiffArgs),
}

#[derive(Debug, Args)]
pub struct BundleInspectArgs {
    /// The bundle.
    pub file: PathBuf,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = CaptureFormat::Text)]
    pub output: CaptureFormat,
}

#[derive(Debug, Args)]
pub struct BundleDiffArgs {
    /// The first bundle (A).
    pub a: PathBuf,
    /// The second bundle (B).
    pub b: PathBuf,

    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = CaptureFormat::Text)]
    pub output: CaptureFormat,
}

/// `--max-size`: a number of bytes with an optional unit (KB/MB/GB = 1000s, KiB/MiB/GiB = 1024s).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("{s:?} is not a size (examples: 20MB, 500KB, 1GiB, 1048576)");
    let n: f64 = num.parse().map_err(|_| bad())?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let v = n * mult;
    if !v.is_finite() || !(1.0..=1e15).contains(&v) {
        return Err(bad());
    }
    Ok(v as u64)
}
