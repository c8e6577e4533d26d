//! The walk itself: decide the encapsulation from the intent, then check each step against the
//! state of the node it happens on. Every verdict quotes the state it rests on; codes and hints come
//! from node-status's findings for that node when it has one for the object, so `trace` and
//! `node-status` never disagree about what is wrong.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use super::{
    Encap, Endpoint, Hop, MtuBudget, NodeEvidence, Outer, Request, Step, Trace, Verdict,
    TRACE_SCHEMA_VERSION,
};
use crate::calico;
use crate::expect::{self, Context, ExpectedRoute, RoutePath};
use crate::finding::{Code, Finding, Severity};
use crate::model::cluster::PoolType;
use crate::model::{ClusterIntent, Link, LinkKind, NodeState, Route, RouteType};
use crate::report::Report;

mod flannel;

/// One end's node: its name, what was collected there, and node-status's report for it.
struct Side<'a> {
    name: Option<&'a str>,
    ev: Option<&'a NodeEvidence>,
    report: Option<Report>,
    /// The workload interface prefixes (FelixConfiguration interfacePrefix, `cali` by default).
    prefixes: Vec<String>,
}

impl<'a> Side<'a> {
    fn new(
        intent: &ClusterIntent,
        nodes: &'a HashMap<String, NodeEvidence>,
        name: Option<&'a str>,
    ) -> Self {
        let ev = name.and_then(|n| nodes.get(n));
        let report = match (name, ev) {
            (Some(n), Some(ev)) if intent.node(n).is_some() => {
                expect::check(intent, &ev.state, n).ok()
            }
            _ => None,
        };
        let prefixes = name
            .map(|n| intent.felix_for(n))
            .and_then(|f| f.interface_prefix)
            .unwrap_or_else(|| calico::DEFAULT_INTERFACE_PREFIX.to_string())
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        Side {
            name,
            ev,
            report,
            prefixes,
        }
    }

    fn label(&self) -> String {
        self.name.unwrap_or("?").to_string()
    }

    fn state(&self) -> Option<&'a NodeState> {
        self.ev.map(|e| &e.state)
    }

    fn is_workload(&self, dev: &str) -> bool {
        self.prefixes.iter().any(|p| dev.starts_with(p.as_str()))
    }

    /// The pod's host-side interface by Calico's naming (`cali` + SHA-1 of `namespace.name`),
    /// for when its route is gone.
    fn pod_link(&self, ep: &Endpoint) -> Option<&'a Link> {
        let (ns, name) = ep.pod.as_deref()?.split_once('/')?;
        let state = self.state()?;
        self.prefixes
            .iter()
            .find_map(|p| state.link(&expect::workload_iface(p, ns, name)))
    }

    fn sysctl(&self, key: &str) -> Option<&'a str> {
        self.ev.and_then(|e| e.sysctl.get(key)).map(String::as_str)
    }

    /// node-status found the eBPF dataplane here: vxlan.calico is flow-based (no VNI, no FDB),
    /// so the FDB and VNI steps are the BPF programs' and are not judged.
    fn ebpf(&self) -> bool {
        self.report.as_ref().is_some_and(|r| {
            r.findings
                .iter()
                .any(|f| f.code == Code::DataplaneNotModelled && f.subject == "dataplane eBPF")
        })
    }

    /// An error finding of node-status on this node that `pick` selects.
    fn finding(&self, pick: impl Fn(&Finding) -> bool) -> Option<&Finding> {
        self.report
            .as_ref()?
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .find(|f| pick(f))
    }

    /// The route the kernel takes for `ip`: its own answer when read live, else the main table.
    fn route_for(&self, ip: IpAddr) -> Option<(Route, &'static str)> {
        let ev = self.ev?;
        if let Some(r) = ev.lookups.get(&ip) {
            return Some((r.clone(), "kernel"));
        }
        lpm(&ev.state, ip).map(|r| (r.clone(), "table main"))
    }

    /// The hop for a step on a node whose state is not available.
    fn missing(&self, step: Step, what: &str) -> Hop {
        let (summary, hint) = match self.name {
            Some(n) => (
                format!("{what}: the state of {n} is not available"),
                format!(
                    "collect {n}'s state: --lab, --from DIR with DIR/nodes/{n}/ (ip/bridge dumps), or a support bundle made on {n}"
                ),
            ),
            None => (
                format!("{what}: the cluster intent does not say which node this is on"),
                "name a pod or node the intent knows".to_string(),
            ),
        };
        Hop {
            node: self.name.map(str::to_string),
            step,
            verdict: Verdict::Unknown,
            summary,
            evidence: Vec::new(),
            code: None,
            hint: Some(hint),
        }
    }

    fn hop(&self, step: Step, verdict: Verdict, summary: String, evidence: Vec<String>) -> Hop {
        Hop {
            node: self.name.map(str::to_string),
            step,
            verdict,
            summary,
            evidence,
            code: None,
            hint: None,
        }
    }
}

impl Hop {
    fn broken(mut self, code: Option<Code>, hint: impl Into<String>) -> Hop {
        self.verdict = Verdict::Broken;
        self.code = code;
        self.hint = Some(hint.into());
        self
    }

    /// Broken with node-status's finding when there is one, else with `code` and `hint`.
    fn broken_by(self, f: Option<&Finding>, code: Code, hint: &str) -> Hop {
        match f {
            Some(f) => {
                let mut h = self.broken(Some(f.code), f.hint.clone());
                h.evidence.push(format!(
                    "node-status {}: expected {}, actual {}",
                    f.code.as_str(),
                    f.expected,
                    f.actual
                ));
                h
            }
            None => self.broken(Some(code), hint),
        }
    }
}

/// The intent's answer: which encapsulation, why, and the route Calico programs for it.
struct Decision {
    encap: Encap,
    reason: String,
    expected: Option<ExpectedRoute>,
}

pub(super) fn walk(
    intent: &ClusterIntent,
    nodes: &HashMap<String, NodeEvidence>,
    req: Request<'_>,
) -> Trace {
    // Flannel and Canal: flanneld's routes, neighbours and FDB, not Calico's blocks.
    if let Some(mode) = expect::flannel::detect(intent) {
        return flannel::walk(intent, nodes, req, &mode);
    }
    let (src, dst) = (req.src, req.dst);
    let s = Side::new(intent, nodes, src.node.as_deref());
    let d = Side::new(intent, nodes, dst.node.as_deref());
    let same_node = s.name.is_some() && s.name == d.name;
    let empty = NodeState::default();
    let ctx = s
        .name
        .and_then(|n| intent.node(n))
        .map(|n| Context::new(intent, s.state().unwrap_or(&empty), n));
    let decision = decide(intent, ctx.as_ref(), src, dst, same_node);

    let mut hops = vec![source(&s, src)];
    let (route_hop, actual) = route(&s, &decision, src, dst, same_node);
    hops.push(route_hop);
    // What the kernel will really do, when the route is known; else what the intent says.
    let encap = actual
        .as_ref()
        .map(|r| encap_of(r, s.state()))
        .unwrap_or(decision.encap);
    let v6 = dst.ip.is_ipv6();
    let mut outer = None;
    if !same_node {
        if encap != Encap::None {
            let (hop, o) = tunnel_out(&s, ctx.as_ref(), encap, actual.as_ref(), v6);
            hops.push(hop);
            outer = Some(o);
        }
        if encap == Encap::Vxlan {
            hops.push(vtep(&s, ctx.as_ref(), &d, actual.as_ref(), outer.as_mut()));
        }
        if encap == Encap::Ipip {
            if let Some(o) = outer.as_mut() {
                o.dst = actual.as_ref().and_then(first_gateway);
            }
        }
        hops.push(underlay(&s, encap, actual.as_ref(), outer.as_ref(), dst));
    }
    let (mtu_hop, mtu) = mtu(
        &s,
        &d,
        ctx.as_ref(),
        encap,
        actual.as_ref(),
        req,
        same_node,
        None,
    );
    hops.push(mtu_hop);
    if !same_node {
        hops.push(arrive(
            &d,
            encap,
            outer.as_ref(),
            src,
            !dst.in_host_namespace(),
        ));
    }
    let (deliver_hop, cali) = deliver(&d, dst, same_node);
    if !same_node || dst.in_host_namespace() {
        hops.push(deliver_hop);
    }
    if !dst.in_host_namespace() {
        hops.push(dst_pod(&d, dst, cali.as_deref()));
    }

    let verdict = hops
        .iter()
        .map(|h| h.verdict)
        .max()
        .unwrap_or(Verdict::Unknown);
    Trace {
        schema_version: TRACE_SCHEMA_VERSION.to_string(),
        src: src.clone(),
        dst: dst.clone(),
        proto: req.proto,
        port: req.port,
        encapsulation: decision.encap,
        reason: decision.reason,
        encapsulation_actual: (encap != decision.encap).then_some(encap),
        outer,
        mtu,
        hops,
        verdict,
        probe: None,
    }
}

fn decide(
    intent: &ClusterIntent,
    ctx: Option<&Context>,
    src: &Endpoint,
    dst: &Endpoint,
    same_node: bool,
) -> Decision {
    let plain = |encap, reason: String| Decision {
        encap,
        reason,
        expected: None,
    };
    if same_node {
        return plain(
            Encap::None,
            format!(
                "both ends are on {}: routed locally to the destination's interface, never encapsulated",
                src.node.as_deref().unwrap_or("one node")
            ),
        );
    }
    if dst.in_host_namespace() {
        return plain(
            Encap::None,
            format!(
                "{} is a node address: traffic to it travels the underlay unencapsulated",
                dst.ip
            ),
        );
    }
    let Some(pool) = intent.pool_for(&IpNet::from(dst.ip)) else {
        return plain(
            Encap::None,
            format!(
                "{} is in no IPPool: Calico does not route it; the node's ordinary routes do",
                dst.ip
            ),
        );
    };
    let v6 = dst.ip.is_ipv6();
    let peer = ctx.zip(dst.node.as_deref()).and_then(|(c, n)| c.peer(n));
    let same_subnet = peer.map(|p| p.fam(v6).in_local_subnet);
    let words = match (ctx, peer) {
        (Some(c), Some(p)) => {
            let net = c.fam(v6).node_net.map(|n| n.trunc());
            match (net, p.fam(v6).ip) {
                (Some(net), Some(ip)) if p.fam(v6).in_local_subnet => {
                    format!("{ip} ({}) is inside {net}", p.node.name)
                }
                (Some(net), Some(ip)) => format!("{ip} ({}) is outside {net}", p.node.name),
                _ => "the subnets are unknown (a node has no address in the intent)".to_string(),
            }
        }
        _ => "the subnets are unknown (a node is not in the intent)".to_string(),
    };
    let mode = format!(
        "pool {} ({}) is {}",
        pool.name,
        pool.cidr,
        pool.mode_label()
    );
    let (encap, reason) = match pool.pool_type() {
        PoolType::Vxlan | PoolType::Ipip if v6 && pool.pool_type() == PoolType::Ipip => (
            Encap::None,
            format!("{mode}, but IPv6 has no IPIP: routed natively"),
        ),
        kind @ (PoolType::Vxlan | PoolType::Ipip) => {
            let tunnel = if kind == PoolType::Vxlan {
                Encap::Vxlan
            } else {
                Encap::Ipip
            };
            let name = if kind == PoolType::Vxlan {
                "VXLAN"
            } else {
                "IPIP"
            };
            if !pool.cross_subnet() {
                (tunnel, format!("{mode}: always {name}"))
            } else if same_subnet == Some(true) {
                (Encap::None, format!("{mode}; {words}: same subnet, direct"))
            } else {
                (tunnel, format!("{mode}; {words}: other subnet, {name}"))
            }
        }
        PoolType::NoEncap => {
            let tail = match same_subnet {
                Some(true) => format!("; {words}: same subnet, next hop is the node itself"),
                Some(false) => {
                    format!("; {words}: other subnet, the fabric's routers must carry pod routes")
                }
                None => String::new(),
            };
            (Encap::None, format!("{mode}: routed natively{tail}"))
        }
        PoolType::None => (
            Encap::None,
            format!("{mode}: its addresses get no routes between nodes"),
        ),
    };
    // CrossSubnet asymmetry (§7): the other node judges "same subnet" by its own prefix.
    let reason = match peer {
        Some(p) if pool.cross_subnet() && !v6 && p.in_local_subnet != p.local_in_its_subnet => {
            format!(
                "{reason}; the way back is decided differently ({} {} this node in its own subnet: CROSSSUBNET-ASYMMETRIC), trace it with --both",
                p.node.name,
                if p.local_in_its_subnet { "sees" } else { "does not see" }
            )
        }
        _ => reason,
    };
    let expected = ctx.and_then(|c| {
        expect::expected_routes(c)
            .into_iter()
            .filter(|e| e.path != RoutePath::Blackhole && e.dst.contains(&dst.ip))
            .max_by_key(|e| e.dst.prefix_len())
    });
    Decision {
        encap,
        reason,
        expected,
    }
}

/// Step 1: out of the source pod (or host).
fn source(s: &Side, src: &Endpoint) -> Hop {
    if src.in_host_namespace() {
        let mut ev = Vec::new();
        if let Some(l) = s.state().and_then(|st| st.link_with_addr(src.ip)) {
            ev.push(link_line(l));
        }
        return s.hop(
            Step::SrcHost,
            Verdict::Ok,
            format!("starts in {}'s host namespace from {}", s.label(), src.ip),
            ev,
        );
    }
    let Some(state) = s.state() else {
        return s.missing(Step::SrcPod, "source pod's host side");
    };
    if state.routes.is_none() {
        return s.missing(
            Step::SrcPod,
            "source pod's /32 route (routes not collected)",
        );
    }
    let pod = src.pod.clone().unwrap_or_else(|| src.ip.to_string());
    let route = workload_route(state, src.ip);
    let Some(r) = route.filter(|r| r.dev.as_deref().is_some_and(|d| s.is_workload(d))) else {
        // The kernel drops a link's routes when it goes down: the missing /32 may be the symptom.
        if let Some(l) = s.pod_link(src).filter(|l| l.is_up() == Some(false)) {
            let hop = s.hop(
                Step::SrcPod,
                Verdict::Broken,
                format!("{pod}'s interface {} is down on {}", l.name, s.label()),
                vec![link_line(l)],
            );
            return hop.broken_by(
                s.finding(|f| f.code == Code::WorkloadIfaceDown && f.subject == format!("link {}", l.name)),
                Code::WorkloadIfaceDown,
                "the host side of the pod's veth is down, and the kernel removed its /32 route with it: `ip link set` it up, or look at the pod",
            );
        }
        let hop = s.hop(
            Step::SrcPod,
            Verdict::Broken,
            format!(
                "{pod} has no /32 route to a workload interface on {}",
                s.label()
            ),
            route.map(|r| vec![r.to_string()]).unwrap_or_default(),
        );
        return hop.broken_by(
            s.finding(|f| f.code == Code::WorkloadRouteMissing && f.subject == format!("pod {pod}")),
            Code::WorkloadRouteMissing,
            "the CNI did not finish or the route was removed: restart the pod, check calico-node's Felix logs",
        );
    };
    let dev = r.dev.clone().unwrap_or_default();
    let mut ev = vec![r.to_string()];
    let link = state.link(&dev);
    if let Some(l) = link {
        ev.push(link_line(l));
    }
    let proxy_arp = s.sysctl(&format!("net.ipv4.conf.{dev}.proxy_arp"));
    if let Some(v) = proxy_arp {
        ev.push(format!("net.ipv4.conf.{dev}.proxy_arp = {v}"));
    }
    // The kernel forwards by the input interface's setting: the pod's veth here.
    let forwarding = s.sysctl(&format!("net.ipv4.conf.{dev}.forwarding"));
    if forwarding == Some("0") {
        ev.push(format!("net.ipv4.conf.{dev}.forwarding = 0"));
    }
    let summary = format!("{pod} eth0 → default via 169.254.1.1, answered by proxy ARP on {dev}");
    let hop = s.hop(Step::SrcPod, Verdict::Ok, summary, ev);
    match link {
        None if state.links.is_some() => hop.broken(
            None,
            format!("{dev} does not exist although a route uses it: the pod's sandbox is gone; delete the pod so it is recreated"),
        ),
        Some(l) if l.is_up() == Some(false) => hop.broken(
            Some(Code::WorkloadIfaceDown),
            format!("{dev} is down: the pod cannot send; check the pod's sandbox"),
        ),
        _ if proxy_arp == Some("0") && src.ip.is_ipv4() => hop.broken(
            Some(Code::KernelProxyArpOff),
            format!("proxy_arp is off on {dev}: the pod's gateway 169.254.1.1 never resolves (Felix sets it to 1; something reset it)"),
        ),
        _ if forwarding == Some("0") => hop.broken(
            Some(Code::KernelForwardingOff),
            format!("forwarding is off on {dev}: the kernel forwards nothing the pod sends; `sysctl -w net.ipv4.conf.{dev}.forwarding=1` (Felix and the CNI set it)"),
        ),
        _ => hop,
    }
}

/// Step 2: the source node's route for the destination.
fn route(
    s: &Side,
    decision: &Decision,
    src: &Endpoint,
    dst: &Endpoint,
    same_node: bool,
) -> (Hop, Option<Route>) {
    let Some(state) = s.state() else {
        let mut h = s.missing(Step::Route, "route to the destination");
        h.evidence.push(format!("intent: {}", decision.reason));
        return (h, None);
    };
    if state.routes.is_none() && s.ev.is_none_or(|e| !e.lookups.contains_key(&dst.ip)) {
        return (
            s.missing(
                Step::Route,
                "route to the destination (routes not collected)",
            ),
            None,
        );
    }
    let found = s.route_for(dst.ip);
    let mut ev = Vec::new();
    match &found {
        Some((r, from)) => ev.push(format!("{from}: {r}")),
        None => ev.push(format!("no route for {} in the main table", dst.ip)),
    }
    // The kernel's answer names the looked-up address, not the matching prefix.
    let from_kernel = found.as_ref().is_some_and(|(_, from)| *from == "kernel");
    let actual = found.map(|(r, _)| r);
    let forward_off = !src.in_host_namespace() && s.sysctl("net.ipv4.ip_forward") == Some("0");
    let summary = match actual.as_ref() {
        Some(r) => format!("{} → {}", dst.ip, path_words(r, s.state())),
        None => format!("{} → no route", dst.ip),
    };
    let mut hop = s.hop(Step::Route, Verdict::Ok, summary, ev);
    let unusable = actual.as_ref().is_none_or(|r| {
        matches!(
            r.kind,
            RouteType::Blackhole | RouteType::Unreachable | RouteType::Prohibit
        )
    });

    if same_node {
        let to_pod = actual.as_ref().is_some_and(|r| {
            r.dst.prefix_len() == r.dst.max_prefix_len()
                && r.dev.as_deref().is_some_and(|d| s.is_workload(d))
        });
        if dst.in_host_namespace() && state.link_with_addr(dst.ip).is_some() {
            hop.summary = format!("{} is a local address of {}", dst.ip, s.label());
        } else if !to_pod && !dst.in_host_namespace() {
            let pod = dst.pod.clone().unwrap_or_default();
            hop = hop.broken_by(
                s.finding(|f| f.code == Code::WorkloadRouteMissing && f.subject == format!("pod {pod}")),
                Code::WorkloadRouteMissing,
                "the destination pod has no /32 route to its cali interface: restart the pod, check Felix",
            );
        }
    } else if dst.in_host_namespace() {
        if unusable {
            hop = hop.broken(
                None,
                format!(
                    "{} has no usable route to the node address {}: check the underlay routing",
                    s.label(),
                    dst.ip
                ),
            );
        }
    } else if let Some(exp) = &decision.expected {
        hop.evidence
            .push(format!("expected: {} ({})", exp.describe(), exp.why));
        let subject = format!("route {}", exp.dst);
        let f = s.finding(|f| f.subject == subject);
        // A tunnel device down or gone takes its routes with it: name the device, not the route.
        let device = s.finding(|f| match decision.encap {
            Encap::Vxlan => matches!(f.code, Code::VxlanDeviceDown | Code::VxlanDeviceMissing),
            Encap::Ipip => f.code == Code::IpipDeviceMissing,
            Encap::None => false,
        });
        // A more specific route than the block's (node-status's ROUTE-OVERRIDE) is the cause.
        let overriding = actual
            .as_ref()
            .filter(|r| r.dst.prefix_len() > exp.dst.prefix_len())
            .and_then(|r| {
                let subject = format!("route {}", r.dst.trunc());
                s.finding(|f| f.code == Code::RouteOverride && f.subject == subject)
            });
        let via_tunnel = actual.as_ref().and_then(first_dev).is_some_and(|d| {
            [
                calico::VXLAN_DEVICE,
                calico::VXLAN_V6_DEVICE,
                calico::IPIP_DEVICE,
            ]
            .contains(&d)
        });
        if device.is_some() && (unusable || !via_tunnel) {
            hop = hop.broken_by(device, Code::VxlanDeviceDown, "");
        } else if unusable {
            hop = hop.broken_by(
                f,
                Code::RouteMissing,
                "Calico's route for the destination block is missing: check Felix (VXLAN) or BIRD (BGP/IPIP) on this node",
            );
        } else if overriding.is_some() {
            hop = hop.broken_by(overriding, Code::RouteOverride, "");
        } else if !matches_expected(exp, actual.as_ref().expect("usable route"), s, !from_kernel) {
            let wrong_kind =
                actual.as_ref().map(|r| encap_of(r, s.state())) != Some(decision.encap);
            hop = hop.broken_by(
                f,
                if wrong_kind {
                    Code::RouteWrongPath
                } else {
                    Code::RouteStaleGateway
                },
                "the route does not go where Calico would send it: Felix/BIRD has not reprogrammed it, or something else owns it",
            );
        }
    } else if let Some(f) = s.finding(|f| {
        matches!(f.code, Code::PeerNoVtep | Code::NoEncapNoRouter)
            && (f.peer.as_deref() == dst.node.as_deref() || f.code == Code::NoEncapNoRouter)
    }) {
        hop = hop.broken_by(Some(f), f.code, "");
    } else if unusable {
        hop = hop.broken(
            Some(Code::RouteMissing),
            format!(
                "no usable route to {}: is it in a Calico pool with a block on its node?",
                dst.ip
            ),
        );
    } else {
        hop.verdict = Verdict::Unknown;
        hop.hint = Some(
            "the intent gives no Calico route for this destination (no IPAM block or pool); the kernel's route is shown".to_string(),
        );
    }
    if forward_off {
        hop.evidence.push("net.ipv4.ip_forward = 0".to_string());
        hop = hop.broken(
            Some(Code::KernelIpForwardOff),
            format!("forwarding is off on {}: pod traffic is dropped; sysctl -w net.ipv4.ip_forward=1 (Calico needs it)", s.label()),
        );
    }
    (hop, actual)
}

/// Step 3a: the tunnel device the packet leaves by, and the outer header it gets.
fn tunnel_out(
    s: &Side,
    ctx: Option<&Context>,
    encap: Encap,
    actual: Option<&Route>,
    v6: bool,
) -> (Hop, Outer) {
    let default_dev = match (encap, v6) {
        (Encap::Vxlan, false) => calico::VXLAN_DEVICE,
        (Encap::Vxlan, true) => calico::VXLAN_V6_DEVICE,
        _ => calico::IPIP_DEVICE,
    };
    let dev = actual
        .and_then(|r| first_dev(r))
        .unwrap_or(default_dev)
        .to_string();
    let mut outer = Outer {
        src: ctx.and_then(|c| c.fam(v6).node_ip),
        dst: None,
        proto: if encap == Encap::Vxlan { "udp" } else { "ipip" }.to_string(),
        vni: None,
        dport: None,
    };
    if encap == Encap::Vxlan {
        outer.vni = ctx.map(|c| c.vxlan_vni);
        outer.dport = ctx.map(|c| c.vxlan_port);
    }
    let Some(state) = s.state() else {
        return (s.missing(Step::TunnelOut, "tunnel device"), outer);
    };
    if state.links.is_none() {
        return (
            s.missing(Step::TunnelOut, "tunnel device (links not collected)"),
            outer,
        );
    }
    let link = state.link(&dev);
    // A flow-based device (eBPF dataplane) says `id 0`: the BPF program sets the cluster's VNI.
    if let Some(vx) = link.and_then(|l| l.vxlan.as_ref()).filter(|_| !s.ebpf()) {
        outer.vni = vx.vni.or(outer.vni);
        outer.dport = vx.port.or(outer.dport);
        outer.src = vx.local.or(outer.src);
    }
    let summary = match encap {
        Encap::Vxlan => format!(
            "leaves by {dev}: VXLAN vni {} udp/{}",
            opt(outer.vni),
            opt(outer.dport)
        ),
        _ => format!("leaves by {dev}: IPIP (IP protocol 4)"),
    };
    let hop = s.hop(
        Step::TunnelOut,
        Verdict::Ok,
        summary,
        link.map(|l| vec![link_line(l)]).unwrap_or_default(),
    );
    let subject = format!("link {dev}");
    let f = s.finding(|f| f.subject == subject);
    let missing_code = if encap == Encap::Vxlan {
        Code::VxlanDeviceMissing
    } else {
        Code::IpipDeviceMissing
    };
    let hop = match link {
        None => hop.broken_by(
            f,
            missing_code,
            "the tunnel device does not exist: Felix creates it; check calico-node's logs",
        ),
        Some(l) if l.is_up() == Some(false) => hop.broken_by(
            f,
            if encap == Encap::Vxlan {
                Code::VxlanDeviceDown
            } else {
                Code::IpipDeviceMissing
            },
            "the tunnel device is down: ip link set it up, and find out who downed it",
        ),
        Some(_) if f.is_some() => hop.broken_by(f, missing_code, ""),
        // The outer source must be this node's address: a renumbered node keeps encapsulating
        // from the old one, and peers' FDB entries and replies go to an address nobody has.
        Some(_)
            if outer
                .src
                .is_some_and(|ip| state.link_with_addr(ip).is_none())
                && state.addrs_collected =>
        {
            let src_ip = opt(outer.src);
            hop.broken_by(
                s.finding(|f| f.code == Code::NodeIpNotLocal),
                Code::NodeIpNotLocal,
                &format!("the outer source {src_ip} is no address of {}: the node was renumbered and the Node (and vxlan.calico) still say the old address; fix IP autodetection and restart calico-node", s.label()),
            )
        }
        Some(_) => hop,
    };
    (hop, outer)
}

/// Step 3b (VXLAN): the VTEP IP's neighbour entry and the MAC's FDB entry, which give the outer
/// destination.
fn vtep(
    s: &Side,
    ctx: Option<&Context>,
    d: &Side,
    actual: Option<&Route>,
    outer: Option<&mut Outer>,
) -> Hop {
    let Some(state) = s.state() else {
        return s.missing(Step::Vtep, "VTEP neighbour and FDB entries");
    };
    let (Some(gw), Some(dev)) = (actual.and_then(first_gateway), actual.and_then(first_dev)) else {
        return s.hop(
            Step::Vtep,
            Verdict::Unknown,
            "the route names no VTEP (no gateway)".to_string(),
            Vec::new(),
        );
    };
    if state.neighbours.is_none() || state.fdb.is_none() {
        return s.missing(Step::Vtep, "VTEP neighbour and FDB entries (not collected)");
    }
    let v6 = gw.is_ipv6();
    let peer = ctx.zip(d.name).and_then(|(c, n)| c.peer(n));
    let peer_ip = peer.and_then(|p| p.fam(v6).ip);
    let want_mac = peer.and_then(|p| p.fam(v6).vtep).map(|(_, m)| m);
    let neigh = state
        .neighbours()
        .iter()
        .find(|n| n.ip == gw && n.dev == dev);
    let fdb = neigh
        .and_then(|n| n.mac)
        .and_then(|mac| state.fdb().iter().find(|e| e.mac == mac && e.dev == dev));
    let mut ev = Vec::new();
    ev.push(match neigh {
        Some(n) => format!("neigh: {n}"),
        None => format!("neigh: no entry for {gw} on {dev}"),
    });
    match (neigh.and_then(|n| n.mac), fdb) {
        (_, Some(e)) => ev.push(format!("fdb: {e}")),
        (Some(mac), None) => ev.push(format!("fdb: no entry for {mac} on {dev}")),
        (None, None) => {}
    }
    if let (Some(m), Some(ip)) = (want_mac, peer_ip) {
        ev.push(format!(
            "expected: {gw} lladdr {m} permanent; {m} dst {ip} self permanent"
        ));
    }
    let outer_dst = fdb.and_then(|e| e.dst);
    if let Some(o) = outer {
        o.dst = outer_dst.or(peer_ip);
    }
    let summary = format!(
        "VTEP {gw} → {} → {}",
        neigh
            .and_then(|n| n.mac)
            .map(|m| m.to_string())
            .unwrap_or_else(|| "?".to_string()),
        opt(outer_dst)
    );
    let hop = s.hop(Step::Vtep, Verdict::Ok, summary, ev);
    let peer_name = d.name;
    let f =
        |codes: &[Code]| s.finding(|f| codes.contains(&f.code) && f.peer.as_deref() == peer_name);
    match (neigh, fdb) {
        (None, _) => hop.broken_by(
            f(&[Code::NeighMissing]),
            Code::NeighMissing,
            "Felix writes a permanent neighbour per peer VTEP: check calico-node on this node",
        ),
        (Some(n), _) if n.mac.is_none() || n.state.is_some_and(|st| st.is_unresolved()) => hop
            .broken_by(
                f(&[Code::NeighUnresolved, Code::NeighMissing]),
                Code::NeighUnresolved,
                "the VTEP's MAC is unresolved: Felix has not programmed the peer (is its Node resource complete?)",
            ),
        (Some(n), _) if want_mac.is_some() && n.mac != want_mac => hop.broken_by(
            f(&[Code::NeighWrongMac]),
            Code::NeighWrongMac,
            "the neighbour's MAC is not the peer's VTEP MAC: a stale entry from a rebuilt node",
        ),
        (Some(_), None) if s.ebpf() => {
            let mut h = hop;
            h.verdict = Verdict::Unknown;
            h.hint = Some("eBPF dataplane: there is no FDB entry by design; the BPF program picks the outer destination (not modelled)".to_string());
            h
        }
        (Some(_), None) => hop.broken_by(
            f(&[Code::FdbMissing]),
            Code::FdbMissing,
            "no FDB entry for the VTEP MAC: the kernel does not know where to send the frame",
        ),
        (Some(_), Some(e)) if peer_ip.is_some() && e.dst != peer_ip => hop.broken_by(
            f(&[Code::FdbStaleDst]),
            Code::FdbStaleDst,
            "the FDB entry sends to an old node IP: Felix has not updated it (node IP changed?)",
        ),
        _ => hop,
    }
}

/// Step 3c: the underlay route toward the outer destination (or the direct next hop).
fn underlay(
    s: &Side,
    encap: Encap,
    actual: Option<&Route>,
    outer: Option<&Outer>,
    dst: &Endpoint,
) -> Hop {
    let target = match encap {
        // A node address is the target itself, whatever router the route goes through.
        Encap::None if dst.in_host_namespace() => Some(dst.ip),
        Encap::None => actual.and_then(first_gateway).or(Some(dst.ip)),
        _ => outer.and_then(|o| o.dst),
    };
    let Some(target) = target else {
        return s.hop(
            Step::Underlay,
            Verdict::Unknown,
            "the outer destination is not known".to_string(),
            Vec::new(),
        );
    };
    let Some(state) = s.state() else {
        return s.missing(Step::Underlay, "underlay route");
    };
    if state.routes.is_none() {
        return s.missing(Step::Underlay, "underlay route (routes not collected)");
    }
    let found = s.route_for(target);
    let mut ev = vec![match &found {
        Some((r, from)) => format!("{from}: {r}"),
        None => format!("no route for {target}"),
    }];
    let route = found.map(|(r, _)| r);
    let dev = route
        .as_ref()
        .and_then(|r| first_dev(r).map(str::to_string));
    let via = route.as_ref().and_then(first_gateway);
    // The next hop on the wire: the router when the route has a gateway, else the target itself.
    let next = via.unwrap_or(target);
    if let Some(n) = dev.as_deref().and_then(|d| {
        state
            .neighbours()
            .iter()
            .find(|n| n.ip == next && n.dev == d)
    }) {
        ev.push(format!("neigh: {n}"));
    }
    let summary = match (&dev, via) {
        (Some(dev), Some(gw)) if gw != target => format!("to {target} via {gw} on {dev}"),
        (Some(dev), _) => format!("to {target} on {dev}, directly connected"),
        _ => format!("to {target}: no route"),
    };
    let hop = s.hop(Step::Underlay, Verdict::Ok, summary, ev);
    let tunnel_dev = dev.as_deref().is_some_and(|d| {
        state
            .link(d)
            .is_some_and(|l| matches!(l.kind, Some(LinkKind::Vxlan) | Some(LinkKind::Ipip)))
            || d == calico::IPIP_DEVICE
    });
    let failed_neigh = dev.as_deref().and_then(|d| {
        state
            .neighbours()
            .iter()
            .find(|n| n.ip == next && n.dev == d)
            .filter(|n| n.state.is_some_and(|st| st.is_unresolved()))
    });
    match route {
        None => hop.broken(None, format!("{} has no route to {target}: fix the underlay routing", s.label())),
        Some(r) if matches!(r.kind, RouteType::Blackhole | RouteType::Unreachable | RouteType::Prohibit) => {
            hop.broken(None, format!("the route to {target} is a {}: the packet is dropped", r.kind.as_str()))
        }
        Some(_) if encap != Encap::None && tunnel_dev => hop.broken(
            None,
            format!("the route to the outer destination {target} goes into a tunnel again: the underlay must carry it"),
        ),
        Some(_) if failed_neigh.is_some() => hop.broken(
            None,
            format!("the next hop {next} does not answer ARP/ND: the peer or router is down or unreachable at layer 2"),
        ),
        Some(_) => hop,
    }
}

/// Step 4: the MTU budget along the path.
#[allow(clippy::too_many_arguments)]
fn mtu(
    s: &Side,
    d: &Side,
    ctx: Option<&Context>,
    encap: Encap,
    actual: Option<&Route>,
    req: Request<'_>,
    same_node: bool,
    bridge_port: Option<String>,
) -> (Hop, MtuBudget) {
    let v6 = req.dst.ip.is_ipv6();
    let overhead = match encap {
        Encap::None => 0,
        Encap::Ipip => calico::IPIP_OVERHEAD,
        Encap::Vxlan if v6 => calico::VXLAN_OVERHEAD_V6,
        Encap::Vxlan => calico::VXLAN_OVERHEAD_V4,
    };
    let mut ev = Vec::new();
    // The source pod's interface (host side and pod side share an MTU in Calico).
    // Flannel's bridge: the pod's port on cni0 (found by its MAC), which has no /32 route.
    let pod_dev = if req.src.in_host_namespace() {
        None
    } else {
        bridge_port.or_else(|| {
            s.state()
                .and_then(|st| workload_route(st, req.src.ip))
                .and_then(|r| r.dev.clone())
        })
    };
    let pod = pod_dev
        .as_deref()
        .and_then(|dev| s.state().and_then(|st| st.link(dev)))
        .and_then(|l| l.mtu);
    if let (Some(dev), Some(m)) = (&pod_dev, pod) {
        ev.push(format!("pod: {dev} mtu {m}"));
    }
    let tunnel = (encap != Encap::None)
        .then(|| actual.and_then(first_dev))
        .flatten()
        .and_then(|dev| s.state().and_then(|st| st.link(dev)))
        .and_then(|l| l.mtu.map(|m| (l.name.clone(), m)));
    if let Some((dev, m)) = &tunnel {
        ev.push(format!(
            "tunnel: {dev} mtu {m} (+{overhead} bytes of {})",
            encap.as_str()
        ));
    }
    let parent_mtu = |side: &Side, ip: Option<IpAddr>| -> Option<(String, u32)> {
        let l = side.state()?.link_with_addr(ip?)?;
        Some((l.name.clone(), l.mtu?))
    };
    let src_ip = ctx.and_then(|c| c.fam(v6).node_ip);
    let dst_ip = ctx
        .zip(d.name)
        .and_then(|(c, n)| c.peer(n))
        .and_then(|p| p.fam(v6).ip);
    let mut underlays = Vec::new();
    if !same_node || encap != Encap::None {
        for (side, ip) in [(s, src_ip), (d, dst_ip)] {
            if let Some((dev, m)) = parent_mtu(side, ip) {
                ev.push(format!("underlay: {dev} mtu {m} on {}", side.label()));
                underlays.push(m);
            }
        }
    }
    let underlay = underlays.iter().copied().min();
    let path = [
        pod,
        tunnel.as_ref().map(|(_, m)| *m),
        underlay.map(|u| u.saturating_sub(overhead)),
    ]
    .into_iter()
    .flatten()
    .min();
    let max_payload = path.map(|p| p.saturating_sub(req.proto.header_len(v6)));
    let budget = MtuBudget {
        pod,
        overhead,
        underlay,
        path,
        max_payload,
    };
    let summary = match (path, max_payload) {
        (Some(p), Some(m)) => format!(
            "path MTU {p}: the largest {} payload that fits is {m} bytes",
            req.proto.as_str()
        ),
        _ => "path MTU unknown".to_string(),
    };
    let mut hop = s.hop(Step::Mtu, Verdict::Ok, summary, ev);
    if let (Some(p), Some(u)) = (pod, underlay) {
        if p + overhead > u {
            let f = pod_dev.as_deref().and_then(|dev| {
                s.finding(|f| {
                    f.code == Code::MtuPodAboveTunnel && f.subject == format!("link {dev}")
                })
            });
            hop = hop.broken_by(
                f,
                Code::MtuPodAboveTunnel,
                &format!("the pod's MTU {p} plus {overhead} bytes of encapsulation exceeds the underlay's {u}: large packets are dropped; set the pod MTU (veth_mtu / FelixConfiguration) to {} or less", u - overhead),
            );
            return (hop, budget);
        }
    }
    if let (Some(p), Some((dev, t))) = (pod, &tunnel) {
        if p > *t {
            let f = pod_dev.as_deref().and_then(|pd| {
                s.finding(|f| {
                    f.code == Code::MtuPodAboveTunnel && f.subject == format!("link {pd}")
                })
            });
            hop = hop.broken_by(
                f,
                Code::MtuPodAboveTunnel,
                &format!("the pod's MTU {p} is above {dev}'s {t}: packets between the two sizes are dropped (or need fragmentation the pod forbids); set the pod MTU to {t} or less"),
            );
            return (hop, budget);
        }
    }
    if let (Some((dev, t)), Some(u)) = (&tunnel, underlay) {
        if t + overhead > u {
            hop = hop.broken_by(
                s.finding(|f| f.code == Code::MtuTunnelAboveParent),
                Code::MtuTunnelAboveParent,
                &format!("{dev}'s MTU {t} plus {overhead} exceeds the underlay's {u}: set it to {} or less", u - overhead),
            );
            return (hop, budget);
        }
    }
    if path.is_none()
        || (pod.is_none() && !req.src.in_host_namespace())
        || (underlay.is_none() && !same_node)
    {
        hop.verdict = Verdict::Unknown;
        hop.hint =
            Some("an MTU along the path is not known: collect both nodes' links".to_string());
    }
    (hop, budget)
}

/// Step 5: the destination node receives the packet.
fn arrive(d: &Side, encap: Encap, outer: Option<&Outer>, src: &Endpoint, to_pod: bool) -> Hop {
    let Some(state) = d.state() else {
        return d.missing(Step::Arrive, "arrival on the destination node");
    };
    if state.links.is_none() {
        return d.missing(Step::Arrive, "arrival (links not collected)");
    }
    let mut ev = Vec::new();
    let mut hop;
    let receiving: Option<String>;
    match encap {
        Encap::Vxlan | Encap::Ipip => {
            let o = outer.expect("encapsulated paths have an outer header");
            let on = o.dst.and_then(|ip| state.link_with_addr(ip));
            let dev = if encap == Encap::Vxlan {
                if src.ip.is_ipv6() {
                    calico::VXLAN_V6_DEVICE
                } else {
                    calico::VXLAN_DEVICE
                }
            } else {
                calico::IPIP_DEVICE
            };
            let link = state.link(dev);
            if let Some(l) = on {
                ev.push(format!("outer destination {} is on {}", opt(o.dst), l.name));
            }
            if let Some(l) = link {
                ev.push(link_line(l));
            }
            hop = d.hop(
                Step::Arrive,
                Verdict::Ok,
                format!("{} decapsulates it on {dev}", d.label()),
                ev,
            );
            receiving = Some(dev.to_string());
            let vx = link.and_then(|l| l.vxlan.as_ref());
            let f = d.finding(|f| f.subject == format!("link {dev}"));
            if on.is_none() {
                // A renumbered node: node-status names it; the hop takes its code.
                let code = d
                    .finding(|f| f.code == Code::NodeIpNotLocal)
                    .map(|f| f.code);
                hop = hop.broken(
                    code,
                    format!(
                        "the outer destination {} is not an address of {}: the packet goes to the wrong host (see the vtep hop)",
                        opt(o.dst),
                        d.label()
                    ),
                );
            } else if link.is_none() {
                hop = hop.broken_by(
                    f,
                    if encap == Encap::Vxlan { Code::VxlanDeviceMissing } else { Code::IpipDeviceMissing },
                    "the destination has no tunnel device: its kernel drops the encapsulated packet",
                );
            } else if link.and_then(|l| l.is_up()) == Some(false) {
                hop = hop.broken_by(
                    f,
                    if encap == Encap::Vxlan {
                        Code::VxlanDeviceDown
                    } else {
                        Code::IpipDeviceMissing
                    },
                    "the destination's tunnel device is down",
                );
            } else if encap == Encap::Vxlan
                && !d.ebpf()
                && (vx
                    .and_then(|v| v.vni)
                    .zip(o.vni)
                    .is_some_and(|(a, b)| a != b)
                    || vx
                        .and_then(|v| v.port)
                        .zip(o.dport)
                        .is_some_and(|(a, b)| a != b))
            {
                let vni_differs = vx
                    .and_then(|v| v.vni)
                    .zip(o.vni)
                    .is_some_and(|(a, b)| a != b);
                hop = hop.broken_by(
                    f,
                    if vni_differs { Code::VxlanVniMismatch } else { Code::VxlanPortMismatch },
                    &format!(
                        "the sender uses vni {} udp/{}, the receiver listens on vni {} udp/{}: the kernel drops it",
                        opt(o.vni),
                        opt(o.dport),
                        opt(vx.and_then(|v| v.vni)),
                        opt(vx.and_then(|v| v.port))
                    ),
                );
            } else if let Some(f) = f {
                hop = hop.broken_by(Some(f), f.code, "");
            }
        }
        Encap::None => {
            let parent = d
                .report
                .as_ref()
                .and_then(|r| r.node_ip.as_deref())
                .and_then(|ip| ip.split('/').next())
                .and_then(|ip| ip.parse::<IpAddr>().ok())
                .and_then(|ip| state.link_with_addr(ip));
            if let Some(l) = parent {
                ev.push(link_line(l));
            }
            receiving = parent.map(|l| l.name.clone());
            hop = d.hop(
                Step::Arrive,
                Verdict::Ok,
                format!(
                    "arrives unencapsulated on {}",
                    receiving.as_deref().unwrap_or("its underlay interface")
                ),
                ev,
            );
        }
    }
    // The kernel forwards by the receiving interface's own setting (ip_forward is judged at
    // delivery): off there, nothing that arrives reaches a pod.
    if let Some(dev) = receiving.as_deref().filter(|_| to_pod) {
        let key = format!("net.ipv4.conf.{dev}.forwarding");
        if hop.verdict == Verdict::Ok
            && d.sysctl(&key) == Some("0")
            && d.sysctl("net.ipv4.ip_forward") != Some("0")
        {
            hop.evidence.push(format!("{key} = 0"));
            hop = hop.broken_by(
                d.finding(|f| f.code == Code::KernelForwardingOff && f.subject == format!("link {dev}")),
                Code::KernelForwardingOff,
                &format!("forwarding is off on {dev}: what arrives there is not forwarded to the pod; `sysctl -w {key}=1`"),
            );
        }
    }
    // Reverse-path filtering: strict mode drops what arrives on an interface other than the one
    // the route back to the source uses; the kernel applies max(all, interface).
    if let Some(dev) = receiving {
        let all = d
            .sysctl("net.ipv4.conf.all.rp_filter")
            .and_then(|v| v.parse::<u8>().ok());
        let one = d
            .sysctl(&format!("net.ipv4.conf.{dev}.rp_filter"))
            .and_then(|v| v.parse::<u8>().ok());
        let rp = all.max(one);
        if let Some(rp) = rp {
            let back = d.route_for(src.ip).map(|(r, _)| r);
            let back_dev = back.as_ref().and_then(|r| first_dev(r).map(str::to_string));
            hop.evidence.push(format!(
                "rp_filter {rp} on {dev}; route back to {}: {}",
                src.ip,
                back.as_ref()
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "none".to_string())
            ));
            let usable = back.as_ref().is_some_and(|r| r.kind == RouteType::Unicast);
            if src.ip.is_ipv4()
                && hop.verdict == Verdict::Ok
                && ((rp == 1 && back_dev.as_deref() != Some(dev.as_str())) || (rp == 2 && !usable))
            {
                hop = hop.broken(
                    Some(Code::KernelRpFilterStrict),
                    format!(
                        "rp_filter={rp} on {} drops it: the route back to {} leaves by {}; Calico needs the return route on the receiving interface (or rp_filter 2/0)",
                        d.label(),
                        src.ip,
                        back_dev.as_deref().unwrap_or("nothing")
                    ),
                );
            }
        }
    }
    hop
}

/// Step 6a: the destination node hands the packet to the pod (or keeps it, for a node address).
/// Returns the pod's interface when found.
fn deliver(d: &Side, dst: &Endpoint, same_node: bool) -> (Hop, Option<String>) {
    let Some(state) = d.state() else {
        return (
            d.missing(Step::Deliver, "delivery to the destination"),
            None,
        );
    };
    if dst.in_host_namespace() {
        let local = state.link_with_addr(dst.ip);
        let hop = d.hop(
            Step::Deliver,
            Verdict::Ok,
            format!("{} is a local address of {}", dst.ip, d.label()),
            local.map(|l| vec![link_line(l)]).unwrap_or_default(),
        );
        return match local {
            None if state.links.is_some() => (
                hop.broken(
                    None,
                    format!(
                        "{} is not on any interface of {}: the Node's address is stale",
                        dst.ip,
                        d.label()
                    ),
                ),
                None,
            ),
            _ => (hop, None),
        };
    }
    if state.routes.is_none() {
        return (
            d.missing(Step::Deliver, "delivery (routes not collected)"),
            None,
        );
    }
    let found = d.route_for(dst.ip);
    let mut ev = vec![match &found {
        Some((r, from)) => format!("{from}: {r}"),
        None => format!("no route for {}", dst.ip),
    }];
    let route = found.map(|(r, _)| r);
    let cali = route
        .as_ref()
        .filter(|r| r.dst.prefix_len() == r.dst.max_prefix_len())
        .and_then(|r| first_dev(r).map(str::to_string))
        .filter(|dev| d.is_workload(dev));
    let forward_off = !same_node && d.sysctl("net.ipv4.ip_forward") == Some("0");
    if forward_off {
        ev.push("net.ipv4.ip_forward = 0".to_string());
    }
    let pod = dst.pod.clone().unwrap_or_else(|| dst.ip.to_string());
    let summary = match &cali {
        Some(dev) => format!("{} forwards it to {pod} on {dev}", d.label()),
        None => format!("{} has no /32 route to {pod}'s interface", d.label()),
    };
    let mut hop = d.hop(Step::Deliver, Verdict::Ok, summary, ev);
    if cali.is_none() {
        let what = match route.as_ref().map(|r| r.kind) {
            Some(RouteType::Blackhole) => "the block's blackhole route drops it",
            Some(_) => "it is routed away instead of to the pod",
            None => "it is dropped",
        };
        hop = hop.broken_by(
            d.finding(|f| f.code == Code::WorkloadRouteMissing && f.subject == format!("pod {pod}")),
            Code::WorkloadRouteMissing,
            &format!("the pod's /32 route to its cali interface is missing, so {what}: restart the pod, check Felix on this node"),
        );
    } else if forward_off {
        hop = hop.broken(
            Some(Code::KernelIpForwardOff),
            format!(
                "forwarding is off on {}: sysctl -w net.ipv4.ip_forward=1",
                d.label()
            ),
        );
    }
    (hop, cali)
}

/// Step 6b: the destination pod's host-side interface and Calico's static ARP entry for it.
fn dst_pod(d: &Side, dst: &Endpoint, cali: Option<&str>) -> Hop {
    let Some(state) = d.state() else {
        return d.missing(Step::DstPod, "destination pod's interface");
    };
    let pod = dst.pod.clone().unwrap_or_else(|| dst.ip.to_string());
    let Some(dev) = cali else {
        return d.hop(
            Step::DstPod,
            Verdict::Unknown,
            format!("{pod}'s interface is not known (no /32 route names it)"),
            Vec::new(),
        );
    };
    let link = state.link(dev);
    let mut ev = Vec::new();
    if let Some(l) = link {
        ev.push(link_line(l));
    }
    let neigh = state
        .neighbours()
        .iter()
        .find(|n| n.ip == dst.ip && n.dev == dev);
    if let Some(n) = neigh {
        ev.push(format!("neigh: {n}"));
    }
    let hop = d.hop(
        Step::DstPod,
        Verdict::Ok,
        format!("{pod} receives it on eth0 (host side {dev})"),
        ev,
    );
    match link {
        None if state.links.is_some() => hop.broken(
            None,
            format!("{dev} does not exist although the route uses it: the pod's sandbox is gone; delete the pod so it is recreated"),
        ),
        Some(l) if l.is_up() == Some(false) => {
            hop.broken(None, format!("{dev} is down: the pod is not reachable"))
        }
        _ if neigh.is_some_and(|n| n.state.is_some_and(|st| st.is_unresolved())) => hop.broken(
            None,
            format!("the pod does not answer ARP on {dev}: is it running?"),
        ),
        _ => hop,
    }
}

/// Longest-prefix match in the main table, as the kernel does (then the lowest metric).
pub(super) fn lpm(state: &NodeState, ip: IpAddr) -> Option<&Route> {
    state
        .routes()
        .iter()
        .filter(|r| r.is_main() && r.dst.contains(&ip))
        .filter(|r| {
            !matches!(
                r.kind,
                RouteType::Local | RouteType::Broadcast | RouteType::Multicast | RouteType::Anycast
            )
        })
        .max_by(|a, b| {
            a.dst
                .prefix_len()
                .cmp(&b.dst.prefix_len())
                .then_with(|| b.metric.unwrap_or(0).cmp(&a.metric.unwrap_or(0)))
        })
}

/// The /32 (or /128) route of a local pod.
fn workload_route(state: &NodeState, ip: IpAddr) -> Option<&Route> {
    state
        .routes()
        .iter()
        .find(|r| r.is_main() && r.dst == IpNet::from(ip) && r.kind == RouteType::Unicast)
}

fn first_gateway(r: &Route) -> Option<IpAddr> {
    r.gateway
        .or_else(|| r.nexthops.first().and_then(|n| n.gateway))
}

fn first_dev(r: &Route) -> Option<&str> {
    r.dev
        .as_deref()
        .or_else(|| r.nexthops.first().and_then(|n| n.dev.as_deref()))
}

/// The encapsulation a route implies, by its device.
fn encap_of(r: &Route, state: Option<&NodeState>) -> Encap {
    let Some(dev) = first_dev(r) else {
        return Encap::None;
    };
    let kind = state.and_then(|s| s.link(dev)).and_then(|l| l.kind.clone());
    match kind {
        Some(LinkKind::Vxlan) => Encap::Vxlan,
        Some(LinkKind::Ipip) => Encap::Ipip,
        _ if dev == calico::VXLAN_DEVICE || dev == calico::VXLAN_V6_DEVICE => Encap::Vxlan,
        _ if dev == calico::IPIP_DEVICE => Encap::Ipip,
        _ => Encap::None,
    }
}

fn matches_expected(exp: &ExpectedRoute, r: &Route, s: &Side, exact_prefix: bool) -> bool {
    if exact_prefix && r.dst != exp.dst {
        // A shorter prefix (the default route, a summary) is not Calico's route.
        return false;
    }
    match &exp.path {
        RoutePath::Via { gateway, dev, .. } => {
            first_gateway(r) == Some(*gateway) && first_dev(r) == Some(dev.as_str())
        }
        RoutePath::Connected { dev } => {
            first_dev(r) == Some(dev.as_str()) && first_gateway(r).is_none()
        }
        RoutePath::Fabric => r.kind == RouteType::Unicast && encap_of(r, s.state()) == Encap::None,
        RoutePath::Blackhole => r.kind == RouteType::Blackhole,
    }
}

/// A route in words: `VXLAN via 192.168.210.64 on vxlan.calico`.
fn path_words(r: &Route, state: Option<&NodeState>) -> String {
    if r.kind != RouteType::Unicast {
        return format!("{} ({})", r.kind.as_str(), r.dst);
    }
    let how = match encap_of(r, state) {
        Encap::Vxlan => "VXLAN ",
        Encap::Ipip => "IPIP ",
        Encap::None => "",
    };
    match (first_gateway(r), first_dev(r)) {
        (Some(gw), Some(dev)) => format!("{how}via {gw} on {dev}"),
        (None, Some(dev)) => format!("{how}on {dev}"),
        (Some(gw), None) => format!("{how}via {gw}"),
        (None, None) => r.to_string(),
    }
}

/// A link as one line: name, kind, tunnel attributes, MTU, state, MAC.
fn link_line(l: &Link) -> String {
    let mut s = l.name.clone();
    if let Some(k) = &l.kind {
        s.push(' ');
        s.push_str(k.as_str());
    }
    if let Some(v) = &l.vxlan {
        if let Some(id) = v.vni {
            s.push_str(&format!(" id {id}"));
        }
        if let Some(p) = v.port {
            s.push_str(&format!(" dstport {p}"));
        }
        if let Some(local) = v.local {
            s.push_str(&format!(" local {local}"));
        }
        if let Some(dev) = &v.parent_name {
            s.push_str(&format!(" dev {dev}"));
        }
    }
    if let Some(m) = l.mtu {
        s.push_str(&format!(" mtu {m}"));
    }
    if let Some(st) = l.oper_state {
        s.push_str(&format!(" state {}", st.as_str()));
    }
    if let Some(mac) = l.mac {
        s.push_str(&format!(" link/ether {mac}"));
    }
    s
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "?".to_string())
}
