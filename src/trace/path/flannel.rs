//! The walk on a Flannel (or Canal) cluster: the same steps as Calico's, held against what
//! flanneld's vxlan backend programs (`expect::flannel`, which cites flannel's source): the
//! source's route `<peer lease> via <peer flannel.1 addr> dev flannel.1 onlink` (or, with
//! DirectRouting to a peer on a connected network, `via <public-ip>`), the permanent neighbour
//! and FDB entry that give the outer destination, the underlay, the destination's flannel.1 and
//! delivery on cni0 (Flannel's CNI bridge) or the pod's cali* veth (Canal).

use std::collections::HashMap;
use std::net::IpAddr;

use super::{deliver, dst_pod, first_dev, first_gateway, link_line, mtu, source, underlay, Side};
use crate::expect::flannel::{path_to, Expected, FlannelMode, FlannelPath, Lease};
use crate::expect::Context;
use crate::finding::Code;
use crate::model::{ClusterIntent, NodeState, Route};
use crate::trace::{
    Encap, Endpoint, Hop, NodeEvidence, Outer, Request, Step, Trace, Verdict, TRACE_SCHEMA_VERSION,
};

pub(super) fn walk(
    intent: &ClusterIntent,
    nodes: &HashMap<String, NodeEvidence>,
    req: Request<'_>,
    mode: &FlannelMode,
) -> Trace {
    let (src, dst) = (req.src, req.dst);
    let s = Side::new(intent, nodes, src.node.as_deref());
    let d = Side::new(intent, nodes, dst.node.as_deref());
    let same_node = s.name.is_some() && s.name == d.name;
    let exp = Expected::of(intent.flannel.as_ref());
    let empty = NodeState::default();
    let ctx = s
        .name
        .and_then(|n| intent.node(n))
        .map(|n| Context::new(intent, s.state().unwrap_or(&empty), n));
    let lease = d.name.and_then(|n| intent.node(n)).map(Lease::of);
    let conf_words = match &intent.flannel {
        Some(c) => format!(
            "{} Flannel {} (VNI {}, port {}){}",
            c.source,
            c.backend(),
            exp.vni,
            exp.port,
            if exp.direct_routing {
                ", DirectRouting"
            } else {
                ""
            }
        ),
        None => "Flannel (no net-conf.json: VNI 1, port 8472 assumed)".to_string(),
    };
    // The intent's answer.
    let (encap, reason, path) = if same_node {
        (
            Encap::None,
            format!(
                "both ends are on {}: bridged or routed locally, never encapsulated",
                src.node.as_deref().unwrap_or("one node")
            ),
            None,
        )
    } else if dst.in_host_namespace() {
        (
            Encap::None,
            format!(
                "{} is a node address: the underlay carries it unencapsulated",
                dst.ip
            ),
            None,
        )
    } else {
        match (&lease, s.state()) {
            (Some(l), Some(st)) => {
                let p = path_to(&exp, st, l);
                let (e, why) = match &p {
                    FlannelPath::Vxlan if exp.direct_routing => (
                        Encap::Vxlan,
                        format!(
                            "{conf_words}; {} ({}) is not on a connected network of {}: VXLAN",
                            l.public_ip.map(|i| i.to_string()).unwrap_or_default(),
                            l.node.name,
                            s.label()
                        ),
                    ),
                    FlannelPath::Vxlan => (Encap::Vxlan, format!("{conf_words}: every peer's subnet via VXLAN")),
                    FlannelPath::Direct => (
                        Encap::None,
                        format!(
                            "{conf_words}; {} ({}) is on a connected network of {} (its route has no gateway): direct",
                            l.public_ip.map(|i| i.to_string()).unwrap_or_default(),
                            l.node.name,
                            s.label()
                        ),
                    ),
                    FlannelPath::None(why) => (
                        Encap::Vxlan,
                        format!("{conf_words}; {} has no usable lease: {why}", l.node.name),
                    ),
                };
                (e, why, Some(p))
            }
            _ => (
                Encap::Vxlan,
                format!("{conf_words}; the source's state or the destination's Node is not known"),
                None,
            ),
        }
    };

    let mut hops = Vec::new();
    hops.push(if mode.canal {
        source(&s, src)
    } else {
        bridge_source(&s, src)
    });
    let (route_hop, actual) = route(&s, &exp, lease.as_ref(), path.as_ref(), dst, same_node);
    hops.push(route_hop);
    let actual_encap = actual.as_ref().map(|r| {
        if first_dev(r) == Some(exp.device.as_str()) {
            Encap::Vxlan
        } else {
            Encap::None
        }
    });
    let now = actual_encap.unwrap_or(encap);
    let mut outer = None;
    if !same_node {
        if now == Encap::Vxlan {
            hops.push(tunnel_out(&s, &exp));
            let (hop, o) = vtep(&s, &exp, lease.as_ref(), actual.as_ref(), ctx.as_ref());
            hops.push(hop);
            outer = Some(o);
        }
        hops.push(underlay(&s, now, actual.as_ref(), outer.as_ref(), dst));
    }
    let port = (!mode.canal)
        .then(|| s.state().and_then(|st| bridge_port(st, src.ip)))
        .flatten();
    let (mtu_hop, budget) = mtu(
        &s,
        &d,
        ctx.as_ref(),
        now,
        actual.as_ref(),
        req,
        same_node,
        port,
    );
    hops.push(mtu_hop);
    if !same_node && now == Encap::Vxlan {
        hops.push(arrive(&d, &exp, outer.as_ref()));
    }
    if mode.canal || dst.in_host_namespace() {
        let (deliver_hop, cali) = deliver(&d, dst, same_node);
        if !same_node || dst.in_host_namespace() {
            hops.push(deliver_hop);
        }
        if !dst.in_host_namespace() {
            hops.push(dst_pod(&d, dst, cali.as_deref()));
        }
    } else {
        hops.push(bridge_deliver(&d, dst));
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
        encapsulation: encap,
        reason,
        encapsulation_actual: actual_encap.filter(|a| *a != encap),
        outer,
        mtu: budget,
        hops,
        verdict,
        probe: None,
    }
}

/// The pod's port on cni0: its neighbour entry on cni0 gives its MAC, the bridge's FDB the port
/// that MAC was learnt on. `None` until the pod has talked (no neighbour yet).
fn bridge_port(state: &NodeState, ip: IpAddr) -> Option<String> {
    let mac = state
        .neighbours()
        .iter()
        .find(|n| n.ip == ip && n.dev == "cni0")?
        .mac?;
    state
        .fdb()
        .iter()
        .find(|e| e.mac == mac && e.master.as_deref() == Some("cni0"))
        .map(|e| e.dev.clone())
}

/// Flannel's CNI bridge on one node: cni0 up, carrying its lease's first address.
fn cni0_hop(side: &Side, step: Step, what: &str) -> Hop {
    let Some(state) = side.state() else {
        return side.missing(step, what);
    };
    let Some(l) = state.link("cni0") else {
        return side
            .hop(step, Verdict::Broken, format!("{} has no cni0 bridge", side.label()), Vec::new())
            .broken(None, "the flannel CNI (bridge plugin) creates cni0 with the first pod: no pod was ever set up here, or cni0 was deleted");
    };
    let hop = side.hop(
        step,
        Verdict::Ok,
        format!("{what} on cni0 ({})", side.label()),
        vec![link_line(l)],
    );
    if l.is_up() == Some(false) {
        return hop.broken(
            None,
            "cni0 is down: no pod on this node can send or receive",
        );
    }
    match side.finding(|f| f.code == Code::FlannelCni0Mismatch) {
        Some(f) => {
            let hint = f.hint.clone();
            let mut h = hop.broken(Some(Code::FlannelCni0Mismatch), hint);
            h.evidence.push(format!(
                "node-status: expected {}, actual {}",
                f.expected, f.actual
            ));
            h
        }
        None => hop,
    }
}

fn bridge_source(s: &Side, src: &Endpoint) -> Hop {
    if src.in_host_namespace() {
        return s.hop(
            Step::SrcHost,
            Verdict::Ok,
            format!("starts in {}'s host namespace from {}", s.label(), src.ip),
            Vec::new(),
        );
    }
    let pod = src.pod.clone().unwrap_or_else(|| src.ip.to_string());
    let gw = s
        .name
        .and_then(|n| s.report.as_ref().map(|_| n))
        .and_then(|_| s.state())
        .and_then(|st| st.link("cni0"))
        .and_then(|l| l.addrs.iter().find(|a| a.addr.is_ipv4()).map(|a| a.addr));
    cni0_hop(
        s,
        Step::SrcPod,
        &format!(
            "{pod} eth0 → default via {} (the flannel CNI's gateway)",
            gw.map(|g| g.to_string())
                .unwrap_or_else(|| "cni0's address".into())
        ),
    )
}

fn bridge_deliver(d: &Side, dst: &Endpoint) -> Hop {
    let pod = dst.pod.clone().unwrap_or_else(|| dst.ip.to_string());
    let mut hop = cni0_hop(d, Step::DstPod, &format!("{pod} is bridged to its veth"));
    if let Some(state) = d.state() {
        if let Some((r, from)) = d.route_for(dst.ip) {
            hop.evidence.push(format!("{from}: {r}"));
            if hop.verdict == Verdict::Ok && r.dev.as_deref() != Some("cni0") {
                hop = hop.broken(
                    None,
                    format!(
                        "{} does not route {} to cni0: the node's lease and its bridge disagree",
                        d.label(),
                        dst.ip
                    ),
                );
            }
        }
        if let Some(n) = state
            .neighbours()
            .iter()
            .find(|n| n.ip == dst.ip && n.dev == "cni0")
        {
            hop.evidence.push(format!("neigh: {n}"));
            if hop.verdict == Verdict::Ok && n.state.is_some_and(|st| st.is_unresolved()) {
                hop = hop.broken(
                    None,
                    format!("the pod does not answer ARP on cni0: is {pod} running?"),
                );
            }
        }
    }
    hop
}

fn route(
    s: &Side,
    exp: &Expected,
    lease: Option<&Lease>,
    path: Option<&FlannelPath>,
    dst: &Endpoint,
    same_node: bool,
) -> (Hop, Option<Route>) {
    let Some(state) = s.state() else {
        return (s.missing(Step::Route, "route to the destination"), None);
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
    let ev = vec![match &found {
        Some((r, from)) => format!("{from}: {r}"),
        None => format!("no route for {}", dst.ip),
    }];
    let route = found.map(|(r, _)| r);
    if same_node || dst.in_host_namespace() {
        let hop = s.hop(
            Step::Route,
            Verdict::Ok,
            format!("{} routes {} locally", s.label(), dst.ip),
            ev,
        );
        return (hop, route);
    }
    let (Some(l), Some(p)) = (lease, path) else {
        let hop = s.hop(
            Step::Route,
            Verdict::Unknown,
            "the destination's lease is not known".to_string(),
            ev,
        );
        return (hop, route);
    };
    let subnet = l.subnet.map(|s| s.to_string()).unwrap_or_default();
    let (want_gw, want_dev, words) = match p {
        FlannelPath::Vxlan => (
            l.vtep_ip().map(IpAddr::V4),
            Some(exp.device.as_str()),
            format!(
                "{subnet} via {} dev {} onlink",
                l.vtep_ip().map(|i| i.to_string()).unwrap_or_default(),
                exp.device
            ),
        ),
        FlannelPath::Direct => (
            l.public_ip.map(IpAddr::V4),
            None,
            format!(
                "{subnet} via {} (DirectRouting)",
                l.public_ip.map(|i| i.to_string()).unwrap_or_default()
            ),
        ),
        FlannelPath::None(why) => {
            let hop = s
                .hop(
                    Step::Route,
                    Verdict::Broken,
                    format!("flanneld programs no route to {}", l.node.name),
                    ev,
                )
                .broken(
                    Some(Code::FlannelPeerNoLease),
                    format!("{} has no usable lease: {why}", l.node.name),
                );
            return (hop, route);
        }
    };
    let mut ev = ev;
    ev.push(format!("expected: {words}"));
    // A table route must be the lease's own (a shorter prefix, the default route, is not
    // flanneld's); the kernel's answer to a lookup names the destination itself (a /32).
    let lease_len = l.subnet.map_or(0, |s| s.prefix_len());
    // The kernel's answer is a /32 either way: whether flanneld's route exists is the table's.
    let missing = if state.routes.is_some() {
        !state
            .routes()
            .iter()
            .any(|r| r.is_main() && Some(r.dst) == l.subnet)
    } else {
        route
            .as_ref()
            .is_none_or(|r| r.dst.prefix_len() < lease_len)
    };
    let good = !missing
        && route.as_ref().is_some_and(|r| {
            first_gateway(r) == want_gw && want_dev.is_none_or(|d| first_dev(r) == Some(d))
        });
    let summary = match &route {
        Some(r) => format!("{} routes {} by {}", s.label(), dst.ip, r.dst),
        None => format!("{} has no route for {}", s.label(), dst.ip),
    };
    let hop = s.hop(Step::Route, Verdict::Ok, summary, ev);
    if good {
        return (hop, route);
    }
    let subject = format!("route {subnet}");
    let hop = if missing {
        hop.broken_by(
            s.finding(|f| f.code == Code::FlannelRouteMissing && f.subject == subject),
            Code::FlannelRouteMissing,
            "flanneld has not programmed the peer's subnet: it leaves by the default route (or a shorter prefix) and is lost",
        )
    } else {
        hop.broken_by(
            s.finding(|f| f.code == Code::FlannelRouteWrong && f.subject == subject),
            Code::FlannelRouteWrong,
            "the peer's subnet is routed other than flanneld routes it",
        )
    };
    (hop, route)
}

fn tunnel_out(s: &Side, exp: &Expected) -> Hop {
    let Some(state) = s.state() else {
        return s.missing(Step::TunnelOut, &exp.device);
    };
    let Some(l) = state.link(&exp.device) else {
        return s
            .hop(
                Step::TunnelOut,
                Verdict::Broken,
                format!("{} has no {}", s.label(), exp.device),
                Vec::new(),
            )
            .broken_by(
                s.finding(|f| f.code == Code::FlannelDeviceMissing),
                Code::FlannelDeviceMissing,
                "flanneld creates it at start-up: check the kube-flannel pod on this node",
            );
    };
    let hop = s.hop(
        Step::TunnelOut,
        Verdict::Ok,
        format!(
            "leaves by {} (VNI {}, port {})",
            exp.device,
            l.vxlan.as_ref().and_then(|v| v.vni).unwrap_or(exp.vni),
            l.vxlan.as_ref().and_then(|v| v.port).unwrap_or(exp.port)
        ),
        vec![link_line(l)],
    );
    // Learning on is a finding, not a break: frames still reach the static FDB entries' peers.
    let device_codes = [
        Code::FlannelDeviceDown,
        Code::FlannelVniMismatch,
        Code::FlannelPortMismatch,
        Code::FlannelLocalMismatch,
    ];
    let subject = format!("link {}", exp.device);
    let mut hop = hop;
    if let Some(f) = s.finding(|f| f.code == Code::FlannelLearning && f.subject == subject) {
        hop.evidence.push(format!(
            "node-status {}: {} (traffic still flows)",
            f.code.as_str(),
            f.actual
        ));
    }
    match s.finding(|f| device_codes.contains(&f.code) && f.subject == subject) {
        Some(f) => {
            let code = f.code;
            hop.broken_by(Some(f), code, "")
        }
        None => hop,
    }
}

fn vtep(
    s: &Side,
    exp: &Expected,
    lease: Option<&Lease>,
    actual: Option<&Route>,
    ctx: Option<&Context>,
) -> (Hop, Outer) {
    // The kernel encapsulates with the device's own VNI and port, whatever the config says.
    let dev_vx = s
        .state()
        .and_then(|st| st.link(&exp.device))
        .and_then(|l| l.vxlan.clone());
    let mut outer = Outer {
        src: ctx.and_then(|c| c.node_ip).map(IpAddr::V4),
        dst: None,
        proto: "udp".to_string(),
        vni: dev_vx.as_ref().and_then(|v| v.vni).or(Some(exp.vni)),
        dport: dev_vx.as_ref().and_then(|v| v.port).or(Some(exp.port)),
    };
    let Some(state) = s.state() else {
        return (s.missing(Step::Vtep, "VTEP neighbour and FDB entry"), outer);
    };
    let Some(gw) = actual.and_then(first_gateway) else {
        let hop = s.hop(
            Step::Vtep,
            Verdict::Unknown,
            "the route names no VTEP address".to_string(),
            Vec::new(),
        );
        return (hop, outer);
    };
    let mut ev = Vec::new();
    let neigh = state
        .neighbours()
        .iter()
        .find(|n| n.ip == gw && n.dev == exp.device);
    let Some(n) = neigh else {
        let hop = s
            .hop(
                Step::Vtep,
                Verdict::Broken,
                format!("no neighbour for {gw} on {}", exp.device),
                ev,
            )
            .broken_by(
                s.finding(|f| {
                    f.code == Code::FlannelNeighMissing && f.subject == format!("neigh {gw}")
                }),
                Code::FlannelNeighMissing,
                "flannel.1 is nolearning: without the permanent entry the VTEP never resolves",
            );
        return (hop, outer);
    };
    ev.push(format!("neigh: {n}"));
    let Some(mac) = n.mac else {
        let hop = s
            .hop(
                Step::Vtep,
                Verdict::Broken,
                format!("{gw} has no MAC on {}", exp.device),
                ev,
            )
            .broken(
                Some(Code::FlannelNeighMissing),
                "the entry is incomplete: flanneld writes it permanent with the peer's VtepMAC",
            );
        return (hop, outer);
    };
    let fdb = state
        .fdb()
        .iter()
        .find(|e| e.dev == exp.device && e.mac == mac && e.dst.is_some());
    if let Some(e) = fdb {
        ev.push(format!(
            "fdb: {} dev {} dst {}",
            e.mac,
            e.dev,
            e.dst.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    outer.dst = fdb.and_then(|e| e.dst);
    let want = lease.and_then(|l| l.public_ip).map(IpAddr::V4);
    let summary = format!(
        "{gw} → {mac} → {}",
        outer
            .dst
            .map(|d| d.to_string())
            .unwrap_or_else(|| "?".into())
    );
    let hop = s.hop(Step::Vtep, Verdict::Ok, summary, ev);
    let hop = if lease.and_then(|l| l.vtep_mac).is_some_and(|m| m != mac) {
        hop.broken_by(
            s.finding(|f| {
                f.code == Code::FlannelNeighWrongMac && f.subject == format!("neigh {gw}")
            }),
            Code::FlannelNeighWrongMac,
            "the neighbour's MAC is not the peer's VtepMAC",
        )
    } else if fdb.is_none() {
        hop.broken_by(
            s.finding(|f| f.code == Code::FlannelFdbMissing && f.subject == format!("fdb {mac}")),
            Code::FlannelFdbMissing,
            "no FDB entry: flannel.1 does not know where to send the frame",
        )
    } else if want.is_some() && outer.dst != want {
        hop.broken_by(
            s.finding(|f| f.code == Code::FlannelFdbStaleDst && f.subject == format!("fdb {mac}")),
            Code::FlannelFdbStaleDst,
            "the FDB entry sends to an address other than the peer's public-ip",
        )
    } else {
        hop
    };
    (hop, outer)
}

fn arrive(d: &Side, exp: &Expected, outer: Option<&Outer>) -> Hop {
    let Some(state) = d.state() else {
        return d.missing(Step::Arrive, "arrival on the destination's flannel.1");
    };
    let mut ev = Vec::new();
    let to = outer.and_then(|o| o.dst);
    let mine = to.is_some_and(|ip| state.link_with_addr(ip).is_some());
    if let Some(ip) = to {
        ev.push(format!(
            "outer destination {ip}{}",
            if mine {
                " is local"
            } else {
                " is on no interface here"
            }
        ));
    }
    let Some(l) = state.link(&exp.device) else {
        return d
            .hop(
                Step::Arrive,
                Verdict::Broken,
                format!("{} has no {}", d.label(), exp.device),
                ev,
            )
            .broken_by(
                d.finding(|f| f.code == Code::FlannelDeviceMissing),
                Code::FlannelDeviceMissing,
                "the receiver has no VXLAN device for the VNI: the kernel drops the datagram",
            );
    };
    ev.push(link_line(l));
    let hop = d.hop(
        Step::Arrive,
        Verdict::Ok,
        format!("{} decapsulates on {}", d.label(), exp.device),
        ev,
    );
    if state.links.is_some() && to.is_some() && !mine && state.addrs_collected {
        return hop.broken(
            None,
            "the outer destination is not this node's address: the sender's FDB entry is stale",
        );
    }
    // Judged against what the sender really sends (its device's VNI and port).
    let (vni, port) = (
        outer.and_then(|o| o.vni).unwrap_or(exp.vni),
        outer.and_then(|o| o.dport).unwrap_or(exp.port),
    );
    let vx = l.vxlan.as_ref();
    if vx.and_then(|v| v.vni).is_some_and(|v| v != vni)
        || vx.and_then(|v| v.port).is_some_and(|p| p != port)
    {
        let subject = format!("link {}", exp.device);
        return hop.broken_by(
            d.finding(|f| matches!(f.code, Code::FlannelVniMismatch | Code::FlannelPortMismatch) && f.subject == subject),
            Code::FlannelVniMismatch,
            "the receiver's device has another VNI or port than the sender uses: the datagram is dropped",
        );
    }
    if l.is_up() == Some(false) {
        return hop.broken(
            Some(Code::FlannelDeviceDown),
            format!("{} is down on {}", exp.device, d.label()),
        );
    }
    hop
}
