//! Kernel settings Calico's dataplane depends on (§1.6, §8), from the node's sysctls (live from
//! /proc/sys in its namespace, or `sysctl.txt` / `sysctl -a` output): forwarding on, reverse-path
//! filtering that cannot drop Calico's own paths, proxy ARP on every workload interface, and the
//! workload interfaces up. The same facts `trace` reads per hop, checked here for the whole node.
//!
//! What Calico writes, and where (projectcalico/calico):
//! - `felix/dataplane/linux/endpoint_mgr.go` (`configureInterface`) and the CNI plugin's
//!   `cni-plugin/pkg/dataplane/linux/dataplane_linux.go`: `net.ipv4.conf.<cali>.proxy_arp = 1`,
//!   `.forwarding = 1` and `neigh.<cali>.proxy_delay = 0` on the host side of each veth, since the
//!   pod's default gateway 169.254.1.1 is answered by proxy ARP.
//! - `felix/dataplane/linux/int_dataplane.go`: Felix turns `net.ipv4.ip_forward` on at start-up;
//!   a later reset (a host agent, a sysctl.d file) stops all pod traffic through the node.
//! - rp_filter: Felix copies the host's `conf.default.rp_filter` onto each cali* (read in
//!   `int_dataplane.go`, written by `endpoint_mgr.go` `configureInterface`) and sets nothing on
//!   the parent or the tunnels (its anti-spoofing is an `rpfilter` rule, `felix/rules/static.go`;
//!   the old `IgnoreLooseRPF` check is gone). Strict mode (1) drops a packet whose route back leaves by another
//!   interface: harmless while routes are symmetric, fatal with CrossSubnet asymmetry (one side
//!   tunnels, the other sends direct) and with mixed pools. The effective value is the larger of
//!   `conf.all` and `conf.<dev>` (kernel `IN_DEV_RPFILTER`).
//!
//! Without sysctls nothing here is judged: the report says they were not collected.

use super::context::Context;
use super::Outcome;
use crate::calico;
use crate::finding::{Code, Finding, Severity};
use crate::model::cluster::PoolType;
use crate::model::NodeState;

pub fn check(ctx: &Context, out: &mut Outcome) {
    workload_links(ctx.state, &ctx.interface_prefix, out);
    let Some(_) = ctx.state.sysctl.as_ref() else {
        out.unknown(
            "kernel settings (ip_forward, rp_filter, proxy_arp, forwarding) were not collected: \
             add nodes/<node>/sysctl.txt (`sysctl -a`), or run live",
        );
        return;
    };
    if ctx.dataplane.ebpf.is_some() {
        // The BPF programs forward and answer ARP themselves; the iptables dataplane's sysctls do
        // not decide the path there.
        out.unknown("eBPF dataplane: forwarding, rp_filter and proxy_arp are not judged");
        return;
    }
    ip_forward(ctx.state, out);
    forwarding(ctx, out);
    rp_filter(ctx, out);
    proxy_arp(ctx.state, &ctx.interface_prefix, out);
}

/// What is wrong whatever the intent says, for the run without it (Felix's default interface
/// prefix stands in for FelixConfiguration's).
pub fn check_local(state: &NodeState, prefix: &str, out: &mut Outcome) {
    workload_links(state, prefix, out);
    if state.sysctl.is_none() {
        return;
    }
    if state.link(super::dataplane::BPF_DEVICES[0]).is_some() {
        return;
    }
    ip_forward(state, out);
    proxy_arp(state, prefix, out);
}

/// A cali* interface that is down: its pod is cut off whatever the routes say. Needs no sysctl.
fn workload_links(state: &NodeState, prefix: &str, out: &mut Outcome) {
    for l in state.links().iter().filter(|l| l.name.starts_with(prefix)) {
        if l.is_up() == Some(false) {
            let state = l.oper_state.map(|s| s.as_str()).unwrap_or("DOWN");
            out.push(
                Finding::new(Code::WorkloadIfaceDown, format!("link {}", l.name))
                    .expected("state UP (the CNI plugin sets the host side of the veth up)")
                    .actual(format!("state {state}"))
                    .hint(if state == "LOWERLAYERDOWN" {
                        "the pod's end of the veth is down: look at the pod (crash loop, its network namespace being torn down)"
                    } else {
                        "someone set the host side down (`ip link set … up` restores it); the pod is unreachable until then"
                    }),
            );
        }
    }
}

fn ip_forward(state: &NodeState, out: &mut Outcome) {
    if state.sysctl("net.ipv4.ip_forward") == Some("0") {
        out.push(
            Finding::new(Code::KernelIpForwardOff, "sysctl net.ipv4.ip_forward")
                .expected("net.ipv4.ip_forward = 1 (Felix sets it at start-up)")
                .actual("net.ipv4.ip_forward = 0")
                .hint("no pod traffic crosses this node, in or out; `sysctl -w net.ipv4.ip_forward=1` and find what reset it (a sysctl.d file, a host agent)"),
        );
    }
}

/// The devices pod traffic is forwarded between: the parent, the Calico tunnels, the workload
/// interfaces.
fn forwarding_devices<'c>(ctx: &'c Context) -> Vec<&'c str> {
    let mut devs: Vec<&str> = Vec::new();
    // Pod traffic arrives unencapsulated on the parent only from a CrossSubnet peer in the same
    // subnet or a no-encap pool; with every pool always encapsulated it never needs forwarding.
    let direct = ctx
        .intent
        .pools
        .iter()
        .any(|p| !p.disabled && (p.cross_subnet() || p.pool_type() == PoolType::NoEncap));
    if let Some(p) = ctx.parent.filter(|_| direct) {
        devs.push(p.name.as_str());
    }
    for t in [
        calico::VXLAN_DEVICE,
        calico::VXLAN_V6_DEVICE,
        calico::IPIP_DEVICE,
    ] {
        if ctx.state.link(t).is_some() {
            devs.push(t);
        }
    }
    devs
}

fn forwarding(ctx: &Context, out: &mut Outcome) {
    if ctx.state.sysctl("net.ipv4.ip_forward") == Some("0") {
        // Already the node-wide finding.
        return;
    }
    let workloads = ctx
        .state
        .links()
        .iter()
        .filter(|l| ctx.is_workload_iface(&l.name))
        .map(|l| l.name.as_str());
    for dev in forwarding_devices(ctx).into_iter().chain(workloads) {
        let key = format!("net.ipv4.conf.{dev}.forwarding");
        if ctx.state.sysctl(&key) == Some("0") {
            out.checked.links += 1;
            out.push(
                Finding::new(Code::KernelForwardingOff, format!("link {dev}"))
                    .expected(format!("{key} = 1"))
                    .actual(format!("{key} = 0"))
                    .hint(format!("packets arriving on {dev} are not forwarded, so pod traffic through it is dropped; `sysctl -w {key}=1`")),
            );
        }
    }
}

/// The kernel's effective rp_filter for `dev`: the larger of `all` and the device's own.
fn effective_rp_filter(ctx: &Context, dev: &str) -> Option<u8> {
    let parse = |k: &str| ctx.state.sysctl(k).and_then(|v| v.parse::<u8>().ok());
    let all = parse("net.ipv4.conf.all.rp_filter");
    let own = parse(&format!("net.ipv4.conf.{dev}.rp_filter"));
    match (all, own) {
        (None, None) => None,
        (a, o) => Some(a.unwrap_or(0).max(o.unwrap_or(0))),
    }
}

fn rp_filter(ctx: &Context, out: &mut Outcome) {
    // Asymmetry is what strict mode punishes: a CrossSubnet pool (direct one way, tunnelled the
    // other when two nodes disagree on their subnets) or several kinds of paths at once.
    let cross_subnet = ctx.intent.pools.iter().any(|p| p.cross_subnet());
    // Pools of different kinds (VXLAN, IPIP, no-encap): a pod of one pool talking to a pod of
    // another arrives by the destination pool's path and is answered by the source pool's, so
    // the paths are asymmetric by construction.
    let mut kinds: Vec<PoolType> = ctx
        .intent
        .pools
        .iter()
        .filter(|p| !p.disabled && p.cidr.addr().is_ipv4())
        .map(|p| p.pool_type())
        .filter(|k| *k != PoolType::None)
        .collect();
    kinds.sort_by_key(|k| k.as_str());
    kinds.dedup();
    let mixed = kinds.len() > 1;
    let asymmetric_peer = ctx
        .peers
        .iter()
        .find(|p| p.ip.is_some() && p.in_local_subnet != p.local_in_its_subnet);
    if !cross_subnet && !mixed {
        return;
    }
    for dev in forwarding_devices(ctx) {
        out.checked.links += 1;
        if effective_rp_filter(ctx, dev) != Some(1) {
            continue;
        }
        let why = match asymmetric_peer {
            Some(p) if cross_subnet => format!(
                "{} and this node disagree on sharing a subnet, so its traffic arrives on one interface and the route back leaves by another",
                p.node.name
            ),
            _ if cross_subnet && !mixed => "with a CrossSubnet pool, any node whose subnet prefix disagrees with this one's sends direct while this node tunnels back".to_string(),
            _ => "with pools of different kinds, traffic between their pods arrives by one path and is answered by another".to_string(),
        };
        // Harmless while every path is symmetric: a note then, not a warning that would fail
        // `--fail-on warning` on a healthy node.
        let sev = if mixed || (asymmetric_peer.is_some() && cross_subnet) {
            Severity::Error
        } else {
            Severity::Info
        };
        out.push(
            Finding::new(Code::KernelRpFilterStrict, format!("link {dev}"))
                .severity(sev)
                .expected(format!("rp_filter 0 or 2 (loose) on {dev}"))
                .actual(format!(
                    "rp_filter 1 (strict): net.ipv4.conf.all.rp_filter = {}, net.ipv4.conf.{dev}.rp_filter = {}",
                    ctx.state.sysctl("net.ipv4.conf.all.rp_filter").unwrap_or("?"),
                    ctx.state.sysctl(&format!("net.ipv4.conf.{dev}.rp_filter")).unwrap_or("?")
                ))
                .hint(format!("strict reverse-path filtering drops such packets silently: {why}; `sysctl -w net.ipv4.conf.{dev}.rp_filter=2` (and all.rp_filter ≤ 2)")),
        );
    }
}

fn proxy_arp(state: &NodeState, prefix: &str, out: &mut Outcome) {
    for l in state.links().iter().filter(|l| l.name.starts_with(prefix)) {
        let key = format!("net.ipv4.conf.{}.proxy_arp", l.name);
        out.checked.links += 1;
        if state.sysctl(&key) == Some("0") {
            out.push(
                Finding::new(Code::KernelProxyArpOff, format!("link {}", l.name))
                    .expected(format!("{key} = 1 (Felix and the CNI plugin set it)"))
                    .actual(format!("{key} = 0"))
                    .hint("the pod's default gateway 169.254.1.1 is answered by proxy ARP on this interface: without it the pod reaches nothing off its own veth; `sysctl -w` it back to 1 (Felix also does on its next endpoint update)"),
            );
        }
    }
}
