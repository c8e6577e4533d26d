//! Flannel's VXLAN backend (and Canal: Felix policy over Flannel networking): what flanneld
//! programs on a node, from the cluster's Flannel intent, diffed against the node's state.
//!
//! A cluster whose intent is Flannel's is judged by these rules only, never by Calico's VXLAN,
//! IPIP or block-route rules (there are no IPAM blocks, VTEP annotations or vxlan.calico); Canal
//! keeps the workload and kernel checks, since its pods sit on Calico's cali* veths.
//!
//! Sources (flannel-io/flannel at cdf7605, 2026-08-14):
//! - `pkg/backend/vxlan/vxlan.go` `parseVXLANConfig`: VNI default 1 (`defaultVNI`), Port 0,
//!   MTU the external interface's, Learning and GBP off, DirectRouting off; `createVXLANDevice`:
//!   the device is `flannel.<VNI>` on the external interface, local address its IP;
//!   `configureDeviceIPv4IPv6`: the lease's network address as /32 on it.
//! - `pkg/backend/vxlan/device.go` `newVXLANDevice`: `MTU: devAttrs.MTU - 50`, `Learning`,
//!   `Port` (0 leaves the kernel's default, 8472 on Linux); `Configure`: address then up; `AddARP`
//!   (permanent neighbour), `AddFDB` (NTF_SELF, permanent, `dst` the peer's public IP).
//! - `pkg/backend/vxlan/vxlan_network.go` `handleSubnetEvents`: per peer lease of backend type
//!   vxlan (others are ignored), either the direct route `<subnet> via <public-ip>` when
//!   DirectRouting is on and `ip.DirectRouting` (`pkg/ip/iface.go`: one route to the peer, no
//!   gateway) says the peer is on a connected network, or neighbour `<subnet.IP> lladdr VtepMAC`,
//!   FDB `VtepMAC dst <public-ip>` and route `<subnet> via <subnet.IP> dev flannel.1 onlink`.
//! - `pkg/subnet/kube/kube.go` `nodeToLease`: a peer's lease is its Node's `spec.podCIDR(s)` with
//!   the `public-ip`, `backend-type` and `backend-data` annotations (`annotations.go`); a Node
//!   without them gives no lease; `AcquireLease` refuses a podCIDR outside `Network`.
//! - `pkg/subnet/subnet.go` `WriteSubnetFile`: subnet.env's `FLANNEL_SUBNET` is the lease's first
//!   address with its prefix, `FLANNEL_MTU` the backend's MTU (`network.MTU()`, device MTU).
//! - The CNI side (containernetworking/plugins `flannel` → `bridge`): pods on `cni0`, whose
//!   address is the lease's first address ("cni0" already has an IP address different from …).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::Outcome;
use crate::finding::{Code, Finding, Severity};
use crate::model::cluster::{ClusterIntent, NodeIntent};
use crate::model::flannel::{defaults, first_usable, FlannelConfig};
use crate::model::{FdbState, Link, MacAddr, NodeState, Route};

/// Which Flannel-based dataplane the intent states, and from what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlannelMode {
    /// Canal: Calico policy (cali* veths) with Flannel networking.
    pub canal: bool,
    pub evidence: String,
}

impl FlannelMode {
    pub fn label(&self) -> &'static str {
        if self.canal {
            "canal"
        } else {
            "flannel"
        }
    }
}

/// Whether the intent is Flannel's (net-conf.json, Canal's settings, or Flannel's annotations on
/// Nodes). Calico's own VXLAN needs no Flannel annotation, so none of these is ever present
/// there; a Canal cluster has them and Calico's resources besides.
pub fn detect(intent: &ClusterIntent) -> Option<FlannelMode> {
    let annotated = intent
        .nodes
        .iter()
        .filter(|n| n.flannel.as_ref().is_some_and(|f| f.backend_type.is_some()))
        .count();
    let evidence = if let Some(c) = &intent.flannel {
        format!("net-conf.json of {}", c.source)
    } else if intent.canal.is_some() {
        "canal_iface in Canal's ConfigMap".to_string()
    } else if annotated > 0 && !calico_routes(intent) {
        format!("{annotated} Nodes with flannel.alpha.coreos.com/backend-type")
    } else {
        // Annotations alone, beside Calico pools that tunnel or Calico IPAM blocks: leftovers of
        // a Flannel-to-Calico migration (the annotations stay on the Nodes); Calico's rules apply.
        return None;
    };
    let canal = intent.canal.is_some()
        || intent
            .flannel
            .as_ref()
            .is_some_and(|c| c.source.ends_with("canal-config"));
    Some(FlannelMode { canal, evidence })
}

/// Whether Calico itself routes pods here: an IPPool with VXLAN or IPIP, IPAM blocks, or a
/// calico-config backend of bird or vxlan (Canal's is none).
fn calico_routes(intent: &ClusterIntent) -> bool {
    intent
        .pools
        .iter()
        .any(|p| p.vxlan_mode.is_on() || p.ipip_mode.is_on())
        || !intent.blocks.is_empty()
        || matches!(
            intent.backend,
            Some(crate::model::cluster::Backend::Bird | crate::model::cluster::Backend::Vxlan)
        )
}

/// One remote node's lease, as flanneld reads it from its Node.
#[derive(Debug, Clone)]
pub struct Lease<'a> {
    pub node: &'a NodeIntent,
    pub subnet: Option<IpNet>,
    pub public_ip: Option<Ipv4Addr>,
    pub vtep_mac: Option<MacAddr>,
    pub backend_type: Option<&'a str>,
}

impl Lease<'_> {
    pub fn of(node: &NodeIntent) -> Lease<'_> {
        let f = node.flannel.as_ref();
        Lease {
            node,
            subnet: node
                .pod_cidrs
                .iter()
                .find(|c| c.addr().is_ipv4())
                .map(|c| c.trunc()),
            public_ip: f.and_then(|f| f.public_ipv4()),
            vtep_mac: f.and_then(|f| f.vtep_mac),
            backend_type: f.and_then(|f| f.backend_type.as_deref()),
        }
    }

    /// The peer's flannel.1 address: its subnet's network address (`sn.IP`).
    pub fn vtep_ip(&self) -> Option<Ipv4Addr> {
        match self.subnet? {
            IpNet::V4(n) => Some(n.network()),
            IpNet::V6(_) => None,
        }
    }
}

/// How flanneld reaches one peer's subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlannelPath {
    /// `<subnet> via <vtep ip> dev flannel.1 onlink` + neighbour + FDB.
    Vxlan,
    /// DirectRouting to a peer on a connected network: `<subnet> via <public-ip>`.
    Direct,
    /// Nothing: the peer's lease is incomplete or not vxlan; why.
    None(String),
}

/// The settings in force on this node, after Flannel's defaults.
#[derive(Debug, Clone)]
pub struct Expected {
    pub device: String,
    pub vni: u32,
    pub port: u16,
    pub learning: bool,
    pub direct_routing: bool,
    /// Whether net-conf.json was read (else VNI and port are Flannel's defaults, not judged).
    pub configured: bool,
}

impl Expected {
    pub fn of(conf: Option<&FlannelConfig>) -> Expected {
        let d = FlannelConfig::default();
        let c = conf.unwrap_or(&d);
        Expected {
            device: c.device(),
            vni: c.vni(),
            port: c.port(),
            learning: c.learning == Some(true),
            direct_routing: c.direct_routing(),
            configured: conf.is_some(),
        }
    }
}

/// Whether `ip` is reached without a gateway from this node (`ip.DirectRouting`: the kernel's
/// route to it has no gateway). From the main table's longest match, else a connected prefix.
pub fn directly_connected(state: &NodeState, ip: Ipv4Addr) -> bool {
    let ip = IpAddr::V4(ip);
    let best = state
        .routes()
        .iter()
        .filter(|r| r.is_main() && r.dst.contains(&ip) && r.dst.addr().is_ipv4())
        .max_by_key(|r| r.dst.prefix_len());
    match best {
        Some(r) => r.gateway.is_none() && r.nexthops.is_empty(),
        None => state.links().iter().any(|l| {
            l.addrs.iter().any(|a| {
                a.net()
                    .is_some_and(|n| n.prefix_len() < 32 && n.contains(&ip))
            })
        }),
    }
}

/// The path flanneld programs to `lease` from this node.
pub fn path_to(exp: &Expected, state: &NodeState, lease: &Lease) -> FlannelPath {
    if lease.subnet.is_none() {
        return FlannelPath::None("its Node has no IPv4 spec.podCIDR (no lease)".into());
    }
    match lease.backend_type {
        None => {
            return FlannelPath::None(
                "its Node has no flannel.alpha.coreos.com/backend-type: flanneld has not run there"
                    .into(),
            )
        }
        Some("vxlan") => {}
        Some(other) => {
            return FlannelPath::None(format!(
                "its backend-type is {other}: flanneld's vxlan backend ignores non-vxlan leases"
            ))
        }
    }
    let Some(public) = lease.public_ip else {
        return FlannelPath::None("its Node has no IPv4 flannel.alpha.coreos.com/public-ip".into());
    };
    if exp.direct_routing && directly_connected(state, public) {
        return FlannelPath::Direct;
    }
    if lease.vtep_mac.is_none() {
        return FlannelPath::None("its backend-data has no VtepMAC".into());
    }
    FlannelPath::Vxlan
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "?".to_string())
}

/// Every Flannel rule for `node`. `mode` says Flannel or Canal.
pub fn check(
    intent: &ClusterIntent,
    state: &NodeState,
    node: &NodeIntent,
    mode: &FlannelMode,
    out: &mut Outcome,
) {
    let conf = intent.flannel.as_ref();
    let exp = Expected::of(conf);
    partial_intent(intent, mode, out);
    if let Some(c) = conf {
        // IPv6-only Flannel (EnableIPv4 false) programs flannel-v6.<VNI> only.
        if c.enable_ipv4 == Some(false) {
            out.push(
                Finding::new(Code::FlannelBackendNotModelled, "flannel IPv6-only")
                    .expected("EnableIPv4 (Flannel's default), the IPv4 network netdiag models")
                    .actual(format!("EnableIPv4 false ({})", c.source))
                    .hint("flannel-v6.<VNI> and its routes, neighbours and FDB entries are not checked; the workload and kernel checks still are"),
            );
            return;
        }
        if c.enable_ipv6 == Some(true) {
            out.unknown(format!(
                "EnableIPv6 ({}): flannel-v6.{} and the IPv6 leases are not checked, only IPv4",
                c.source,
                c.vni()
            ));
        }
        if !c.is_vxlan() {
            out.push(
                Finding::new(Code::FlannelBackendNotModelled, format!("flannel backend {}", c.backend()))
                    .expected("Backend.Type vxlan, the backend netdiag models")
                    .actual(format!("Backend.Type {} ({})", c.backend(), c.source))
                    .hint("host-gw, wireguard, udp and ipip program other devices and routes: their checks are not made; the workload and kernel checks still are"),
            );
            return;
        }
    }
    let local = Lease::of(node);
    if local.subnet.is_none() {
        out.unknown(format!(
            "the Node {} has no spec.podCIDR: its lease, flannel.1 address, cni0 and subnet.env are not checked",
            node.name
        ));
    }
    if let (Some(c), Some(sn)) = (conf, local.subnet) {
        if let Some(net) = c.network {
            if !net.contains(&sn) {
                out.push(
                    Finding::new(Code::FlannelLeaseOutsideNetwork, format!("node {} podCIDR {sn}", node.name))
                        .expected(format!("a podCIDR inside Network {net} ({})", c.source))
                        .actual(format!("spec.podCIDR {sn}"))
                        .hint("flanneld refuses to start (\"subnet … specified in the flannel net config doesn't contain … PodCIDR\"): the controller-manager's --cluster-cidr and net-conf.json's Network must agree"),
                );
            }
        }
    }
    let dev = device(state, &exp, node, &local, conf, out);
    if let (Some(d), Some(c)) = (dev, intent.canal.as_ref()) {
        canal_iface(state, d, c, out);
    }
    subnet_env(state, &exp, conf, intent.canal.as_ref(), &local, dev, out);
    if !mode.canal {
        cni0(state, &local, out);
    }
    peers(intent, state, node, &exp, dev.is_some(), out);
    if let Some(d) = dev {
        pod_mtu(state, d, mode, out);
    }
}

/// One INTENT-PARTIAL naming what Flannel's rules lack: net-conf.json (VNI, port, Network,
/// DirectRouting then are Flannel's defaults and not judged), the peers' Nodes, and for Canal the
/// Pods (workload routes). Calico's kinds mean nothing here and are not asked for.
fn partial_intent(intent: &ClusterIntent, mode: &FlannelMode, out: &mut Outcome) {
    let mut missing = Vec::new();
    if intent.flannel.is_none() {
        missing.push("net-conf.json (kube-flannel-cfg or canal-config: VNI 1, port 8472 and no DirectRouting assumed; VNI, port and Network not judged)");
    }
    if intent.nodes.len() < 2 {
        missing.push("the peers' Nodes (routes, neighbours and FDB entries to them)");
    }
    if mode.canal && intent.pods.is_empty() && !intent.listed.pods {
        missing.push("pods (workload routes)");
    }
    if missing.is_empty() {
        return;
    }
    out.push(
        Finding::new(Code::IntentPartial, "cluster intent")
            .expected("what Flannel's checks read: the Flannel ConfigMap, every Node (podCIDR and flannel.alpha.coreos.com/* annotations), and for Canal the Pods")
            .actual(format!("not in the source: {}", missing.join(", ")))
            .hint("add `kubectl -n kube-flannel get configmap kube-flannel-cfg -o yaml` (k3s: its net-conf.json file), `kubectl get nodes -o yaml` and `kubectl get pods -A -o yaml` to judge those too"),
    );
}

fn device<'s>(
    state: &'s NodeState,
    exp: &Expected,
    node: &NodeIntent,
    local: &Lease,
    conf: Option<&FlannelConfig>,
    out: &mut Outcome,
) -> Option<&'s Link> {
    if state.links.is_none() {
        out.unknown(format!(
            "links were not collected: {} is unknown",
            exp.device
        ));
        return None;
    }
    out.checked.links += 1;
    let subject = format!("link {}", exp.device);
    let Some(dev) = state.link(&exp.device) else {
        // A device of another VNI says which setting is wrong.
        let other = state
            .links()
            .iter()
            .find(|l| l.name.starts_with("flannel.") && l.name != exp.device);
        let (actual, hint) = match other {
            Some(o) => (
                format!("no such device; {} exists", o.name),
                "the device's name follows Backend.VNI: net-conf.json and the running flanneld disagree (changed without restarting flanneld, or a leftover)".to_string(),
            ),
            None => (
                "no such device".to_string(),
                "flanneld creates it at start-up: check the kube-flannel pod on this node (`kubectl -n kube-flannel logs`)".to_string(),
            ),
        };
        out.push(
            Finding::new(Code::FlannelDeviceMissing, subject)
                .expected(format!(
                    "{} (vxlan id {}, dstport {})",
                    exp.device, exp.vni, exp.port
                ))
                .actual(actual)
                .hint(hint),
        );
        return None;
    };
    if dev.is_up() == Some(false) {
        out.push(
            Finding::new(Code::FlannelDeviceDown, subject.clone())
                .expected(format!("{} up", exp.device))
                .actual(format!("state {}", dev.oper_state.map(|s| s.as_str()).unwrap_or("DOWN")))
                .hint("flanneld sets it up in Configure; `ip link set flannel.1 up` or restart flanneld"),
        );
    }
    match &dev.vxlan {
        None => out.unknown(format!(
            "{} details (VNI, port, local, learning) are not in the dump: collect `ip -d link`",
            exp.device
        )),
        Some(v) => {
            if let Some(vni) = v.vni {
                if vni != exp.vni && exp.configured {
                    out.push(
                        Finding::new(Code::FlannelVniMismatch, subject.clone())
                            .expected(format!("vxlan id {} (Backend.VNI)", exp.vni))
                            .actual(format!("vxlan id {vni}"))
                            .hint("peers encapsulate with the configured VNI and this node drops their frames; flanneld recreates an incompatible device only when it restarts"),
                    );
                }
            }
            if let Some(port) = v.port {
                if port != exp.port && exp.configured {
                    out.push(
                        Finding::new(Code::FlannelPortMismatch, subject.clone())
                            .expected(format!("dstport {} (Backend.Port, 0 = the kernel's 8472)", exp.port))
                            .actual(format!("dstport {port}"))
                            .hint("peers send to the configured port; the device listens elsewhere (a device made by hand, or net-conf.json changed without restarting flanneld)"),
                    );
                }
            }
            if let Some(learning) = v.learning {
                if learning != exp.learning {
                    out.push(
                        Finding::new(Code::FlannelLearning, subject.clone())
                            .expected(if exp.learning { "learning" } else { "nolearning (Backend.Learning false)" })
                            .actual(if learning { "learning" } else { "nolearning" })
                            .hint("flanneld programs the FDB statically; a learning device also learns source MACs from every frame, which can override the static entries"),
                    );
                }
            }
            let public = node
                .flannel
                .as_ref()
                .and_then(|f| f.public_ipv4())
                .map(IpAddr::V4);
            if let (Some(l), Some(p)) = (v.local, public) {
                if l != p {
                    out.push(
                        Finding::new(Code::FlannelLocalMismatch, subject.clone())
                            .expected(format!("local {p} (the Node's flannel.alpha.coreos.com/public-ip)"))
                            .actual(format!("local {l}"))
                            .hint("peers' FDB entries send to public-ip, this device sends from another address: --iface/--public-ip or the node's address changed without restarting flanneld"),
                    );
                }
            }
        }
    }
    if let (Some(mac), Some(want)) = (dev.mac, local.vtep_mac) {
        if mac != want {
            out.push(
                Finding::new(Code::FlannelMacMismatch, subject.clone())
                    .expected(format!("link/ether {want} (the Node's backend-data VtepMAC)"))
                    .actual(format!("link/ether {mac}"))
                    .hint("peers' neighbour entries carry the annotated MAC, so this node drops their frames (flannel #1795): the device was recreated; restart flanneld so it re-annotates the Node"),
            );
        }
    }
    // MTU: Backend.MTU, else the external interface's, minus 50.
    let parent = dev
        .vxlan
        .as_ref()
        .and_then(|v| {
            v.parent_name
                .as_deref()
                .and_then(|n| state.link(n))
                .or_else(|| v.parent_index.and_then(|i| state.link_by_index(i)))
        })
        .or_else(|| {
            local
                .public_ip
                .and_then(|ip| state.link_with_addr(IpAddr::V4(ip)))
        });
    let base = conf
        .and_then(|c| c.mtu)
        .filter(|m| *m != 0)
        .or(parent.and_then(|p| p.mtu));
    if let (Some(base), Some(mtu)) = (base, dev.mtu) {
        let want = base.saturating_sub(defaults::OVERHEAD);
        out.checked.mtu += 1;
        if mtu != want {
            let from = if conf.and_then(|c| c.mtu).is_some_and(|m| m != 0) {
                "Backend.MTU".to_string()
            } else {
                format!(
                    "{}'s MTU",
                    parent
                        .map(|p| p.name.as_str())
                        .unwrap_or("the external interface")
                )
            };
            out.push(
                Finding::new(Code::FlannelMtuMismatch, subject.clone())
                    .expected(format!("mtu {want} ({from} {base} − 50)"))
                    .actual(format!("mtu {mtu}"))
                    .hint("flanneld sets the MTU only when it creates the device: the underlay's MTU changed since, or the device was altered; restart flanneld (pods keep the MTU they were given from subnet.env)"),
            );
        }
    }
    if state.addrs_collected {
        if let Some(want) = local.vtep_ip() {
            let v4: Vec<_> = dev.addrs.iter().filter(|a| a.addr.is_ipv4()).collect();
            let good = v4.len() == 1 && v4[0].addr == IpAddr::V4(want) && v4[0].prefix_len == 32;
            if !good {
                let actual: Vec<String> = v4
                    .iter()
                    .map(|a| format!("{}/{}", a.addr, a.prefix_len))
                    .collect();
                out.push(
                    Finding::new(Code::FlannelAddrMismatch, subject)
                        .expected(format!("{want}/32 only (the network address of podCIDR {})", opt(local.subnet)))
                        .actual(if actual.is_empty() { "no address".to_string() } else { actual.join(", ") })
                        .hint("peers route this node's subnet via that address (onlink); a different one means the podCIDR changed (a Node deleted and re-added) and flanneld has not restarted"),
                );
            }
        }
    }
    Some(dev)
}

/// Canal's `canal_iface` is flanneld's `--iface` (Canal manifest: `FLANNELD_IFACE` from it): when
/// set, flannel.1 must sit on that interface.
fn canal_iface(
    state: &NodeState,
    dev: &Link,
    canal: &crate::model::flannel::CanalConfig,
    out: &mut Outcome,
) {
    let (Some(want), Some(v)) = (canal.iface.as_deref(), dev.vxlan.as_ref()) else {
        return;
    };
    let actual = v.parent_name.clone().or_else(|| {
        v.parent_index
            .and_then(|i| state.link_by_index(i))
            .map(|l| l.name.clone())
    });
    if let Some(actual) = actual.filter(|a| a != want) {
        out.push(
            Finding::new(Code::FlannelLocalMismatch, format!("link {}", dev.name))
                .expected(format!("dev {want} (Canal's canal_iface)"))
                .actual(format!("dev {actual}"))
                .hint("flanneld runs with --iface from canal_iface: the device was made on another interface (canal_iface changed without restarting the canal pods, or the interface was renamed)"),
        );
    }
}

fn subnet_env(
    state: &NodeState,
    exp: &Expected,
    conf: Option<&FlannelConfig>,
    canal: Option<&crate::model::flannel::CanalConfig>,
    local: &Lease,
    dev: Option<&Link>,
    out: &mut Outcome,
) {
    let Some(env) = &state.flannel_subnet_env else {
        out.unknown("/run/flannel/subnet.env was not collected (nodes/<node>/subnet.env): what the CNI plugin was told is not checked");
        return;
    };
    let mut wrong = |what: &str, want: String, got: String, hint: &str| {
        out.push(
            Finding::new(Code::FlannelSubnetEnvMismatch, format!("subnet.env {what}"))
                .expected(format!("{what}={want}"))
                .actual(format!("{what}={got}"))
                .hint(hint.to_string()),
        );
    };
    if let (Some(want), Some(got)) = (local.subnet.and_then(|s| first_usable(&s)), env.subnet) {
        if want != got {
            wrong("FLANNEL_SUBNET", want.to_string(), got.to_string(), "the CNI plugin gives pods addresses of another subnet than the Node's podCIDR, which peers route here: flanneld wrote it for an old lease (a Node re-created); restart flanneld and recreate the pods");
        }
    }
    if let (Some(want), Some(got)) = (conf.and_then(|c| c.network), env.network) {
        if want != got {
            wrong(
                "FLANNEL_NETWORK",
                want.to_string(),
                got.to_string(),
                "net-conf.json changed and flanneld has not rewritten subnet.env: restart it",
            );
        }
    }
    // Canal's `masquerade` is flanneld's --ip-masq, which subnet.env records as FLANNEL_IPMASQ.
    if let (Some(want), Some(got)) = (canal.and_then(|c| c.masquerade), env.ipmasq) {
        if want != got {
            wrong("FLANNEL_IPMASQ", want.to_string(), got.to_string(), "Canal's masquerade setting and the running flanneld disagree (pods' traffic leaving the cluster is, or is not, masqueraded against the ConfigMap): restart the canal pod on this node");
        }
    }
    if let (Some(d), Some(got)) = (dev.and_then(|d| d.mtu), env.mtu) {
        if got > d {
            wrong("FLANNEL_MTU", format!("{d} (at most {}'s MTU)", exp.device), got.to_string(), "pods get an MTU above the tunnel's: large packets are dropped; restart flanneld so it rewrites subnet.env, then recreate the pods");
        }
    }
}

/// The flannel CNI's bridge: `cni0` carries the lease's first address.
fn cni0(state: &NodeState, local: &Lease, out: &mut Outcome) {
    let (Some(cni0), Some(want)) = (
        state.link("cni0"),
        local.subnet.and_then(|s| first_usable(&s)),
    ) else {
        return;
    };
    if !state.addrs_collected {
        return;
    }
    let v4: Vec<IpNet> = cni0
        .addrs
        .iter()
        .filter(|a| a.addr.is_ipv4())
        .filter_map(|a| a.net())
        .collect();
    out.checked.links += 1;
    if !v4.is_empty() && !v4.contains(&want) {
        out.push(
            Finding::new(Code::FlannelCni0Mismatch, "link cni0")
                .expected(format!("{want} (the first address of podCIDR {})", opt(local.subnet)))
                .actual(v4.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", "))
                .hint("the node's podCIDR changed (Node re-created, cluster reset) but cni0 kept the old address: new pods fail with \"cni0\" already has an IP address different from …; `ip link delete cni0` and let the CNI recreate it"),
        );
    }
}

fn peers(
    intent: &ClusterIntent,
    state: &NodeState,
    node: &NodeIntent,
    exp: &Expected,
    have_dev: bool,
    out: &mut Outcome,
) {
    let routes = state.routes.as_deref();
    let neigh = state.neighbours.as_deref();
    let fdb = state.fdb.as_deref();
    if routes.is_none() {
        out.unknown("routes were not collected: the routes to peer subnets are not checked");
    }
    let mut vtep_ips: HashSet<IpAddr> = HashSet::new();
    let mut vtep_macs: HashSet<MacAddr> = HashSet::new();
    for other in intent.nodes.iter().filter(|n| n.name != node.name) {
        let lease = Lease::of(other);
        let peer = other.name.as_str();
        out.checked.peers += 1;
        let mut path = path_to(exp, state, &lease);
        // Without net-conf.json, DirectRouting is unknown: a peer on a connected network may be
        // routed either way, and the route on the node says which one flanneld chose.
        if !exp.configured && path == FlannelPath::Vxlan {
            let direct = lease.public_ip.filter(|ip| directly_connected(state, *ip));
            let routed_direct = direct.zip(lease.subnet).is_some_and(|(ip, sn)| {
                state
                    .routes()
                    .iter()
                    .any(|r| r.is_main() && r.dst == sn && r.gateway == Some(IpAddr::V4(ip)))
            });
            if routed_direct {
                path = FlannelPath::Direct;
                out.unknown(format!("no net-conf.json: {peer}'s subnet is routed directly (DirectRouting assumed on)"));
            }
        }
        let FlannelPath::None(why) = &path else {
            if let Some(ip) = lease.vtep_ip() {
                vtep_ips.insert(IpAddr::V4(ip));
            }
            if let Some(m) = lease.vtep_mac {
                vtep_macs.insert(m);
            }
            let Some(subnet) = lease.subnet else { continue };
            if let Some(f) = other.flannel.as_ref().and_then(|f| f.vni) {
                if f != exp.vni && exp.configured {
                    out.push(
                        Finding::new(Code::FlannelVniMismatch, format!("node {peer} backend-data"))
                            .peer(peer)
                            .expected(format!("VNI {} (Backend.VNI)", exp.vni))
                            .actual(format!("VNI {f} in its backend-data"))
                            .hint("that node's flanneld runs with another VNI: traffic between the two is dropped; restart it with the cluster's net-conf.json"),
                    );
                }
            }
            if let Some(routes) = routes {
                check_route(routes, exp, &lease, subnet, &path, peer, out);
            }
            if path == FlannelPath::Vxlan && have_dev {
                if let Some(n) = neigh {
                    check_neigh(n, exp, &lease, peer, out);
                }
                if let Some(f) = fdb {
                    check_fdb(f, exp, &lease, peer, out);
                }
            }
            continue;
        };
        // A peer without a usable lease: flanneld programs nothing for it, so pods there are
        // unreachable from here (an error when it has a podCIDR, since pods may run there).
        let sev = if lease.subnet.is_some() {
            Severity::Error
        } else {
            Severity::Warning
        };
        out.push(
            Finding::new(Code::FlannelPeerNoLease, format!("node {peer}"))
                .severity(sev)
                .peer(peer)
                .expected("a podCIDR, backend-type vxlan, public-ip and backend-data with VtepMAC")
                .actual(why.clone())
                .hint("flanneld programs no route, neighbour or FDB entry to a node without a complete lease: check the kube-flannel pod on that node (and that the controller-manager allocates node CIDRs, --allocate-node-cidrs)"),
        );
    }
    if have_dev {
        stale(state, exp, &vtep_ips, &vtep_macs, intent, out);
    }
}

fn check_route(
    routes: &[Route],
    exp: &Expected,
    lease: &Lease,
    subnet: IpNet,
    path: &FlannelPath,
    peer: &str,
    out: &mut Outcome,
) {
    out.checked.routes += 1;
    let (want_gw, want_dev, want_onlink) = match path {
        FlannelPath::Vxlan => (lease.vtep_ip(), Some(exp.device.as_str()), true),
        _ => (lease.public_ip, None, false),
    };
    let want_gw = want_gw.map(IpAddr::V4);
    let expected = match path {
        FlannelPath::Vxlan => format!("{subnet} via {} dev {} onlink", opt(want_gw), exp.device),
        _ => format!(
            "{subnet} via {} (DirectRouting: the peer is on a connected network)",
            opt(want_gw)
        ),
    };
    let found = routes.iter().find(|r| r.is_main() && r.dst == subnet);
    let Some(r) = found else {
        out.push(
            Finding::new(Code::FlannelRouteMissing, format!("route {subnet}"))
                .peer(peer)
                .expected(expected)
                .actual("no route")
                .hint("flanneld adds it when it sees the peer's lease: pods there are unreachable (via the default route); check flanneld's log for \"failed to add vxlanRoute\" and the peer's annotations"),
        );
        return;
    };
    let dev_ok = want_dev.is_none_or(|d| r.dev.as_deref() == Some(d));
    let gw_ok = r.gateway == want_gw;
    let onlink_ok = !want_onlink || r.onlink;
    if !(dev_ok && gw_ok && onlink_ok) {
        let mut actual = format!("{subnet}");
        if let Some(g) = r.gateway {
            actual.push_str(&format!(" via {g}"));
        }
        if let Some(d) = &r.dev {
            actual.push_str(&format!(" dev {d}"));
        }
        if r.onlink {
            actual.push_str(" onlink");
        }
        let hint = match path {
            FlannelPath::Vxlan if r.dev.as_deref() != Some(exp.device.as_str()) => "the subnet is routed outside the tunnel (DirectRouting across a router, host-gw leftovers or a hand-made route): the underlay does not know pod addresses",
            FlannelPath::Vxlan => "the route's gateway is not the peer's flannel.1 address (its podCIDR changed: a stale route from the old lease)",
            _ => "DirectRouting: flanneld routes a peer on a connected network via its public-ip, not through flannel.1",
        };
        out.push(
            Finding::new(Code::FlannelRouteWrong, format!("route {subnet}"))
                .peer(peer)
                .expected(expected)
                .actual(actual)
                .hint(hint),
        );
    }
}

fn check_neigh(
    neigh: &[crate::model::Neighbour],
    exp: &Expected,
    lease: &Lease,
    peer: &str,
    out: &mut Outcome,
) {
    let (Some(ip), Some(mac)) = (lease.vtep_ip(), lease.vtep_mac) else {
        return;
    };
    out.checked.neighbours += 1;
    let ip = IpAddr::V4(ip);
    let entry = neigh.iter().find(|n| n.dev == exp.device && n.ip == ip);
    let want = format!("{ip} dev {} lladdr {mac} PERMANENT", exp.device);
    match entry {
        None => out.push(
            Finding::new(Code::FlannelNeighMissing, format!("neigh {ip}"))
                .peer(peer)
                .expected(want)
                .actual("no entry")
                .hint("flannel.1 is nolearning and flanneld answers no ARP: without the entry the kernel cannot resolve the peer's VTEP and drops the traffic"),
        ),
        Some(n) if n.mac != Some(mac) => out.push(
            Finding::new(Code::FlannelNeighWrongMac, format!("neigh {ip}"))
                .peer(peer)
                .expected(want)
                .actual(n.to_string())
                .hint("the peer's flannel.1 was recreated with a new MAC (its backend-data VtepMAC): frames go to the old MAC and are dropped there; restart flanneld here to reprogram"),
        ),
        _ => {}
    }
}

fn check_fdb(
    fdb: &[crate::model::FdbEntry],
    exp: &Expected,
    lease: &Lease,
    peer: &str,
    out: &mut Outcome,
) {
    let (Some(mac), Some(public)) = (lease.vtep_mac, lease.public_ip) else {
        return;
    };
    out.checked.fdb += 1;
    let want = format!("{mac} dev {} dst {public} self permanent", exp.device);
    let entries: Vec<_> = fdb
        .iter()
        .filter(|e| e.dev == exp.device && e.mac == mac)
        .collect();
    if entries.is_empty() {
        out.push(
            Finding::new(Code::FlannelFdbMissing, format!("fdb {mac}"))
                .peer(peer)
                .expected(want)
                .actual("no entry")
                .hint("without it flannel.1 does not know where to send the peer's VTEP MAC and drops the frame"),
        );
        return;
    }
    if !entries.iter().any(|e| e.dst == Some(IpAddr::V4(public))) {
        let actual = entries
            .iter()
            .map(|e| {
                format!(
                    "{mac} dev {} dst {}{}",
                    e.dev,
                    opt(e.dst),
                    if e.state == Some(FdbState::Permanent) {
                        " self permanent"
                    } else {
                        ""
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        out.push(
            Finding::new(Code::FlannelFdbStaleDst, format!("fdb {mac}"))
                .peer(peer)
                .expected(want)
                .actual(actual)
                .hint("the peer's public-ip changed and the entry still sends to the old address (flanneld only adds entries on lease events); restart flanneld here"),
        );
    }
}

/// Permanent neighbours and FDB entries on flannel.1 that belong to no current peer: leftovers of
/// deleted nodes (flanneld removes them only when it sees the lease go).
fn stale(
    state: &NodeState,
    exp: &Expected,
    ips: &HashSet<IpAddr>,
    macs: &HashSet<MacAddr>,
    intent: &ClusterIntent,
    out: &mut Outcome,
) {
    // With a partial Nodes list (or only this node's, `kubectl get node NAME`), an unknown entry
    // may be a peer that was not collected.
    if !intent.listed.nodes || intent.nodes.len() < 2 {
        out.unknown("only this node's Node is in the intent: entries on flannel.1 for unknown peers are not judged stale");
        return;
    }
    for n in state.neighbours().iter().filter(|n| n.dev == exp.device) {
        if !ips.contains(&n.ip) && n.state.is_some_and(|s| s.is_permanent()) {
            out.push(
                Finding::new(Code::FlannelStaleEntry, format!("neigh {}", n.ip))
                    .expected("no entry: no Node's lease has this VTEP address")
                    .actual(n.to_string())
                    .hint("a leftover of a deleted or re-created node; harmless unless a new lease reuses the address, then `ip neigh del`"),
            );
        }
    }
    for e in state
        .fdb()
        .iter()
        .filter(|e| e.dev == exp.device && e.dst.is_some())
    {
        if !macs.contains(&e.mac) && !e.mac.is_zero() {
            out.push(
                Finding::new(Code::FlannelStaleEntry, format!("fdb {}", e.mac))
                    .expected("no entry: no Node's backend-data has this VtepMAC")
                    .actual(format!("{} dev {} dst {}", e.mac, e.dev, opt(e.dst)))
                    .hint("a leftover of a deleted or re-created node: `bridge fdb del` it"),
            );
        }
    }
}

/// Pod interfaces (cali* for Canal, cni0's veths for Flannel) above the tunnel's MTU.
fn pod_mtu(state: &NodeState, dev: &Link, mode: &FlannelMode, out: &mut Outcome) {
    let Some(tunnel) = dev.mtu else { return };
    for l in state.links() {
        let pod_side = if mode.canal {
            l.name.starts_with("cali")
        } else {
            l.master.as_deref() == Some("cni0")
        };
        if !pod_side {
            continue;
        }
        out.checked.mtu += 1;
        if let Some(m) = l.mtu.filter(|m| *m > tunnel) {
            out.push(
                Finding::new(Code::MtuPodAboveTunnel, format!("link {}", l.name))
                    .expected(format!("mtu ≤ {tunnel} ({}'s)", dev.name))
                    .actual(format!("mtu {m}"))
                    .hint("the pod sends packets the tunnel cannot carry: FLANNEL_MTU in subnet.env (or Canal's veth_mtu) is above flannel.1's MTU; recreate the pod after fixing it"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cluster::{EncapMode, IpPool};
    use crate::model::flannel::{CanalConfig, FlannelNode};

    fn annotated(name: &str) -> NodeIntent {
        NodeIntent {
            name: name.into(),
            flannel: Some(FlannelNode {
                backend_type: Some("vxlan".into()),
                ..FlannelNode::default()
            }),
            ..NodeIntent::default()
        }
    }

    /// Issue 16: the intent picks the dataplane — net-conf.json or Canal's settings always,
    /// Flannel's annotations alone only while Calico routes nothing itself (a Flannel-to-Calico
    /// migration leaves them on the Nodes).
    #[test]
    fn the_intent_picks_flannel_canal_or_calico() {
        let mut i = ClusterIntent {
            nodes: vec![annotated("a"), annotated("b")],
            ..ClusterIntent::default()
        };
        let m = detect(&i).expect("annotations alone");
        assert!(!m.canal && m.evidence.contains("2 Nodes"));
        i.pools.push(IpPool {
            name: "default-ipv4-ippool".into(),
            cidr: "192.168.0.0/16".parse().expect("cidr"),
            block_size: 26,
            ipip_mode: EncapMode::Never,
            vxlan_mode: EncapMode::Always,
            nat_outgoing: true,
            disabled: false,
            node_selector: None,
            allowed_uses: Vec::new(),
        });
        assert_eq!(detect(&i), None, "Calico VXLAN with leftover annotations");
        i.flannel = Some(FlannelConfig {
            source: "ConfigMap kube-system/rke2-canal-config".into(),
            ..FlannelConfig::default()
        });
        assert!(
            detect(&i).is_some_and(|m| m.canal),
            "net-conf.json always wins"
        );
        i.flannel = None;
        i.canal = Some(CanalConfig::default());
        assert!(detect(&i).is_some_and(|m| m.canal));
        assert_eq!(detect(&ClusterIntent::default()), None);
    }
}
