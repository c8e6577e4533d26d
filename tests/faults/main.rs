//! Faults injected by hand (issue 14): each test brings up its own lab, proves the node healthy,
//! breaks one thing with `ip`, `bridge`, `sysctl` or `nft` run through `netdiag lab exec` (never
//! `lab break`, whose faults netdiag's authors wrote), and asserts that `node-status --lab -o json`
//! names it with its code on its subject and, for faults on a pod-to-pod path, that `trace --lab
//! -o json` reports it at the hop where the packet is lost. Root-only (see
//! `tests/common/privileged.rs`); every lab is `t<pid>f<n>`, removed on drop. README's "Faults
//! injected by hand (tests/faults)" lists every fault and what netdiag says.

#[path = "../common/lab.rs"]
mod lab_util;
#[path = "../common/privileged.rs"]
mod privileged;

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};

use lab_util::{netdiag, text, Lab};
use netdiag::lab::plan::{Node, Plan, Pod};
use serde_json::Value;

/// The warning a healthy `bgp` or `mixed` lab carries on every node: worker3's subnet is reached
/// through the fabric's routes, not BIRD's own. Tolerated before the fault in those modes only.
const NOENCAP_CROSS_SUBNET: &str = "BGP-NOENCAP-CROSS-SUBNET";

/// A unique lab per test: `t<pid>f<n>` (12 characters at most with a 7-digit pid).
fn next_tag() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("f{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

// ---- looking things up in the lab's plan --------------------------------------------------------

/// The lab's own description of itself (lab.json): names, addresses and MACs for the commands.
struct Names(Plan);

impl Names {
    fn node(&self, name: &str) -> &Node {
        self.0
            .node(name)
            .unwrap_or_else(|| panic!("no node {name} in the lab"))
    }

    fn pod(&self, name: &str) -> &Pod {
        self.0
            .pods
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no pod {name} in the lab"))
    }

    fn ip(&self, node: &str) -> Ipv4Addr {
        self.node(node).ip
    }

    /// The address the node would have after being renumbered: last octet + 100.
    fn moved_ip(&self, node: &str) -> Ipv4Addr {
        let o = self.ip(node).octets();
        Ipv4Addr::new(o[0], o[1], o[2], o[3].wrapping_add(100))
    }

    /// The node's first block, e.g. `192.168.4.0/26`.
    fn block(&self, node: &str) -> String {
        self.node(node).blocks[0].cidr.to_string()
    }

    /// The `k`-th address of the node's first block.
    fn in_block(&self, node: &str, k: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.node(node).blocks[0].cidr.network()) + k)
    }

    /// The first /26 of the first pool that no node owns (a released block).
    fn free_block(&self) -> String {
        let pool = self.0.pools[0].cidr;
        let owned: Vec<_> = self
            .0
            .nodes
            .iter()
            .flat_map(|n| n.blocks.iter().map(|b| b.cidr))
            .collect();
        pool.subnets(26)
            .expect("pool wider than /26")
            .find(|b| !owned.contains(b))
            .expect("a free block")
            .to_string()
    }

    fn vtep(&self, node: &str) -> Ipv4Addr {
        self.node(node).tunnel_ip.expect("a VXLAN lab node")
    }

    fn mac(&self, node: &str) -> &str {
        &self.node(node).vtep_mac
    }

    fn cali(&self, pod: &str) -> &str {
        &self.pod(pod).cali
    }

    fn pod_ip(&self, pod: &str) -> Ipv4Addr {
        self.pod(pod).ip
    }
}

// ---- running netdiag and the lab ----------------------------------------------------------------

/// Runs `cmd` (split on whitespace) in `target` (a node or pod) of the lab; panics when it fails.
fn inject(lab: &Lab, target: &str, cmd: &str) {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let o = lab.exec(target, &words);
    assert!(
        o.status.success(),
        "injecting `{cmd}` on {target} failed: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// `node-status --lab LAB --node NODE -o json` (never failing on findings).
fn report(lab: &Lab, node: &str) -> Value {
    lab.node_status_json(node)
}

#[derive(Debug)]
struct Found {
    code: String,
    severity: String,
    subject: String,
}

fn findings(report: &Value) -> Vec<Found> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            Found {
                code: s("code"),
                severity: s("severity"),
                subject: s("subject"),
            }
        })
        .collect()
}

/// `trace SRC DST --lab LAB -o json` (with `--probe` when asked); exit 0 or 1, never 2.
fn trace(lab: &Lab, src: &str, dst: &str, probe: bool) -> Value {
    let mut a = vec!["trace", src, dst, "--lab", &lab.name, "-o", "json"];
    if probe {
        a.push("--probe");
    }
    let o = netdiag(&a);
    assert_ne!(
        o.status.code(),
        Some(2),
        "trace {src} {dst}: {}",
        text(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("trace JSON")
}

fn first_broken(v: &Value) -> Option<&Value> {
    v["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .find(|h| h["verdict"] == "broken")
}

/// Whether a hop names `needle`: as its code, or in its summary, hint or evidence.
fn hop_names(hop: &Value, needle: &str) -> bool {
    let mut texts = vec![&hop["code"], &hop["summary"], &hop["hint"]];
    texts.extend(hop["evidence"].as_array().into_iter().flatten());
    texts
        .iter()
        .any(|t| t.as_str().is_some_and(|s| s.contains(needle)))
}

// ---- one fault, from a healthy lab to the finding ------------------------------------------------

type Text = Box<dyn Fn(&Names) -> String>;

struct Step {
    target: &'static str,
    cmd: Text,
    /// False for traffic sent to provoke the kernel (a ping that is expected to fail).
    must_succeed: bool,
}

struct TraceCheck {
    src: &'static str,
    dst: &'static str,
    /// The step of the first broken hop (None: any step).
    step: Option<&'static str>,
    /// What that hop must name (its code, or words of its text).
    needle: &'static str,
}

/// A fault: where it is injected, the commands, and what node-status and trace must say.
struct Case {
    node: &'static str,
    code: &'static str,
    mode: Vec<&'static str>,
    tolerated: Vec<&'static str>,
    steps: Vec<Step>,
    subject: Option<Text>,
    trace: Option<TraceCheck>,
}

/// A fault on `node` that node-status there must report as `code`.
fn fault(node: &'static str, code: &'static str) -> Case {
    Case {
        node,
        code,
        mode: Vec::new(),
        tolerated: Vec::new(),
        steps: Vec::new(),
        subject: None,
        trace: None,
    }
}

impl Case {
    /// A lab of another mode (`bgp`, `mixed`), whose healthy nodes carry the no-encap warning.
    fn mode(mut self, mode: &'static str) -> Case {
        self.mode = vec!["--mode", mode];
        self.tolerated.push(NOENCAP_CROSS_SUBNET);
        self
    }

    /// A command on the fault's node.
    fn inject(self, cmd: impl Fn(&Names) -> String + 'static) -> Case {
        let node = self.node;
        self.inject_on(node, cmd)
    }

    /// A command on another node or pod.
    fn inject_on(mut self, target: &'static str, cmd: impl Fn(&Names) -> String + 'static) -> Case {
        self.steps.push(Step {
            target,
            cmd: Box::new(cmd),
            must_succeed: true,
        });
        self
    }

    /// One ping from pod `from` to pod `to`, whatever its outcome (to make the kernel resolve).
    fn ping(mut self, from: &'static str, to: &'static str) -> Case {
        self.steps.push(Step {
            target: from,
            cmd: Box::new(move |n| format!("ping -c1 -W1 {}", n.pod_ip(to))),
            must_succeed: false,
        });
        self
    }

    /// The finding's subject, exactly (`route 192.168.4.0/26`, `link vxlan.calico`…).
    fn subject(mut self, s: impl Fn(&Names) -> String + 'static) -> Case {
        self.subject = Some(Box::new(s));
        self
    }

    /// `trace SRC DST` must be ok before and, after, break first at `step` on the fault's node
    /// with the fault's code.
    fn trace(self, src: &'static str, dst: &'static str, step: &'static str) -> Case {
        let code = self.code;
        self.trace_names(src, dst, Some(step), code)
    }

    /// As [`Case::trace`], with the hop naming `needle` (its code or its text).
    fn trace_names(
        mut self,
        src: &'static str,
        dst: &'static str,
        step: Option<&'static str>,
        needle: &'static str,
    ) -> Case {
        self.trace = Some(TraceCheck {
            src,
            dst,
            step,
            needle,
        });
        self
    }

    fn check(self, test: &str) {
        if !privileged::can_run(test) {
            return;
        }
        let lab = Lab::up(&next_tag(), &self.mode);
        let n = Names(netdiag::lab::load(&lab.name).expect("lab.json"));
        let node = self.node;

        let before = findings(&report(&lab, node));
        let noisy: Vec<_> = before
            .iter()
            .filter(|f| f.severity != "info" && !self.tolerated.contains(&f.code.as_str()))
            .collect();
        assert!(
            noisy.is_empty(),
            "{test}: {node} not healthy before: {noisy:#?}"
        );
        assert!(
            before.iter().all(|f| f.code != self.code),
            "{test}: {} before the fault: {before:#?}",
            self.code
        );
        if let Some(t) = &self.trace {
            let v = trace(&lab, t.src, t.dst, false);
            assert_eq!(v["verdict"], "ok", "{test}: trace before the fault: {v:#}");
        }

        for s in &self.steps {
            let cmd = (s.cmd)(&n);
            if s.must_succeed {
                inject(&lab, s.target, &cmd);
            } else {
                let _ = lab.exec(s.target, &cmd.split_whitespace().collect::<Vec<_>>());
            }
        }

        let after = findings(&report(&lab, node));
        let subject = self.subject.as_ref().map(|s| s(&n));
        assert!(
            after
                .iter()
                .any(|f| f.code == self.code && subject.as_ref().is_none_or(|s| &f.subject == s)),
            "{test}: node-status on {node} does not report {} on {subject:?}: {after:#?}",
            self.code
        );

        if let Some(t) = &self.trace {
            let v = trace(&lab, t.src, t.dst, false);
            let hop = first_broken(&v).unwrap_or_else(|| {
                panic!(
                    "{test}: trace {} → {} has no broken hop: {v:#}",
                    t.src, t.dst
                )
            });
            assert!(
                hop["node"] == node
                    && t.step.is_none_or(|s| hop["step"] == s)
                    && hop_names(hop, t.needle),
                "{test}: trace {} → {}: the first broken hop should be {:?} on {node} naming {:?}: {hop:#}",
                t.src,
                t.dst,
                t.step.unwrap_or("any step"),
                t.needle
            );
        }
    }
}

// ---- routes (default lab: VXLAN CrossSubnet; worker2 shares worker's subnet, worker3 does not) --

#[test]
fn route_missing() {
    fault("worker", "ROUTE-MISSING")
        .inject(|n| format!("ip route del {}", n.block("worker3")))
        .subject(|n| format!("route {}", n.block("worker3")))
        .trace("worker-p1", "worker3-p1", "route")
        .check("route_missing");
}

#[test]
fn route_stale_gateway() {
    // worker2 was renumbered; the direct route still goes to its old address.
    fault("worker", "ROUTE-STALE-GATEWAY")
        .inject(|n| {
            format!(
                "ip route replace {} via {} dev eth0 proto 80 onlink",
                n.block("worker2"),
                n.moved_ip("worker2")
            )
        })
        .subject(|n| format!("route {}", n.block("worker2")))
        .trace("worker-p1", "worker2-p1", "route")
        .check("route_stale_gateway");
}

#[test]
fn route_wrong_path() {
    // worker3 is in another subnet: CrossSubnet must tunnel, this route goes directly.
    fault("worker", "ROUTE-WRONG-PATH")
        .inject(|n| {
            format!(
                "ip route replace {} via {} dev eth0 proto 80 onlink",
                n.block("worker3"),
                n.ip("worker3")
            )
        })
        .subject(|n| format!("route {}", n.block("worker3")))
        .trace("worker-p1", "worker3-p1", "route")
        .check("route_wrong_path");
}

#[test]
fn blackhole_stale() {
    fault("worker", "BLACKHOLE-STALE")
        .inject(|n| format!("ip route replace blackhole {} proto 80", n.block("worker3")))
        .subject(|n| format!("route {}", n.block("worker3")))
        .trace("worker-p1", "worker3-p1", "route")
        .check("blackhole_stale");
}

#[test]
fn blackhole_missing() {
    fault("worker", "BLACKHOLE-MISSING")
        .inject(|n| format!("ip route del blackhole {}", n.block("worker")))
        .subject(|n| format!("route {}", n.block("worker")))
        .check("blackhole_missing");
}

#[test]
fn route_unreachable() {
    fault("worker", "ROUTE-UNREACHABLE")
        .inject(|n| format!("ip route replace unreachable {}", n.block("worker3")))
        .subject(|n| format!("route {}", n.block("worker3")))
        .trace("worker-p1", "worker3-p1", "route")
        .check("route_unreachable");
}

#[test]
fn route_orphan_block() {
    // A block released from a deleted node, its route left behind.
    fault("worker", "ROUTE-ORPHAN-BLOCK")
        .inject(|n| {
            format!(
                "ip route add {} via {} dev vxlan.calico onlink",
                n.free_block(),
                n.vtep("worker3")
            )
        })
        .subject(|n| format!("route {}", n.free_block()))
        .check("route_orphan_block");
}

/// worker3-p1's /32 routed to worker2 (a pod that moved, a stale borrowed-IP route).
fn route_override() -> Case {
    fault("worker", "ROUTE-OVERRIDE")
        .inject(|n| {
            format!(
                "ip route add {}/32 via {} dev eth0 proto 80 onlink",
                n.pod_ip("worker3-p1"),
                n.ip("worker2")
            )
        })
        .subject(|n| format!("route {}/32", n.pod_ip("worker3-p1")))
}

#[test]
fn route_override_is_reported() {
    route_override().check("route_override_is_reported");
}

#[test]
fn route_override_is_named_by_trace() {
    route_override()
        .trace("worker-p1", "worker3-p1", "route")
        .check("route_override_is_named_by_trace");
}

#[test]
fn route_foreign_proto() {
    // The same path, written by hand (`proto static`): traffic flows, Felix would not own it.
    fault("worker", "ROUTE-FOREIGN-PROTO")
        .inject(|n| {
            format!(
                "ip route replace {} via {} dev vxlan.calico onlink proto static",
                n.block("worker3"),
                n.vtep("worker3")
            )
        })
        .subject(|n| format!("route {}", n.block("worker3")))
        .check("route_foreign_proto");
}

#[test]
fn route_attr_onlink_lost() {
    fault("worker", "ROUTE-ATTR")
        .inject(|n| {
            format!(
                "ip route replace {} via {} dev eth0 proto 80",
                n.block("worker2"),
                n.ip("worker2")
            )
        })
        .subject(|n| format!("route {}", n.block("worker2")))
        .check("route_attr_onlink_lost");
}

// ---- VXLAN neighbours and FDB ------------------------------------------------------------------

#[test]
fn vxlan_neigh_missing() {
    fault("worker", "VXLAN-NEIGH-MISSING")
        .inject(|n| format!("ip neigh del {} dev vxlan.calico", n.vtep("worker3")))
        .subject(|n| format!("neigh {}", n.vtep("worker3")))
        .trace("worker-p1", "worker3-p1", "vtep")
        .check("vxlan_neigh_missing");
}

#[test]
fn vxlan_neigh_wrong_mac() {
    fault("worker", "VXLAN-NEIGH-WRONG-MAC")
        .inject(|n| {
            format!(
                "ip neigh replace {} lladdr 66:00:00:00:00:01 dev vxlan.calico nud permanent",
                n.vtep("worker3")
            )
        })
        .subject(|n| format!("neigh {}", n.vtep("worker3")))
        .trace("worker-p1", "worker3-p1", "vtep")
        .check("vxlan_neigh_wrong_mac");
}

#[test]
fn vxlan_neigh_not_permanent() {
    fault("worker", "VXLAN-NEIGH-NOT-PERMANENT")
        .inject(|n| {
            format!(
                "ip neigh replace {} lladdr {} dev vxlan.calico nud reachable",
                n.vtep("worker3"),
                n.mac("worker3")
            )
        })
        .subject(|n| format!("neigh {}", n.vtep("worker3")))
        .check("vxlan_neigh_not_permanent");
}

#[test]
fn vxlan_neigh_stale() {
    // The VTEP of a node that is gone (its block is free).
    fault("worker", "VXLAN-NEIGH-STALE")
        .inject(|n| {
            let gone = n.free_block().replace("/26", "");
            format!("ip neigh add {gone} lladdr 66:00:00:00:00:09 dev vxlan.calico nud permanent")
        })
        .subject(|n| format!("neigh {}", n.free_block().replace("/26", "")))
        .check("vxlan_neigh_stale");
}

#[test]
fn vxlan_neigh_unresolved() {
    // The neighbour deleted, then traffic: the kernel ARPs on a nolearning device and the entry
    // stays INCOMPLETE.
    fault("worker", "VXLAN-NEIGH-UNRESOLVED")
        .inject(|n| format!("ip neigh del {} dev vxlan.calico", n.vtep("worker3")))
        .ping("worker-p1", "worker3-p1")
        .subject(|n| format!("neigh {}", n.vtep("worker3")))
        .trace("worker-p1", "worker3-p1", "vtep")
        .check("vxlan_neigh_unresolved");
}

#[test]
fn vxlan_fdb_missing() {
    fault("worker", "VXLAN-FDB-MISSING")
        .inject(|n| format!("bridge fdb del {} dev vxlan.calico self", n.mac("worker3")))
        .subject(|n| format!("fdb {}", n.mac("worker3")))
        .trace("worker-p1", "worker3-p1", "vtep")
        .check("vxlan_fdb_missing");
}

#[test]
fn vxlan_fdb_stale_dst() {
    fault("worker", "VXLAN-FDB-STALE-DST")
        .inject(|n| {
            format!(
                "bridge fdb replace {} dev vxlan.calico dst {} self permanent",
                n.mac("worker3"),
                n.moved_ip("worker3")
            )
        })
        .subject(|n| format!("fdb {}", n.mac("worker3")))
        .trace("worker-p1", "worker3-p1", "vtep")
        .check("vxlan_fdb_stale_dst");
}

#[test]
fn vxlan_fdb_unknown_mac() {
    fault("worker", "VXLAN-FDB-UNKNOWN-MAC")
        .inject(|_| {
            "bridge fdb append 66:00:00:00:00:09 dev vxlan.calico dst 10.10.20.99 self permanent"
                .into()
        })
        .subject(|_| "fdb 66:00:00:00:00:09".into())
        .check("vxlan_fdb_unknown_mac");
}

#[test]
fn vxlan_fdb_duplicate() {
    // `bridge fdb append` of a second dst for a VTEP MAC cannot be injected: the kernel appends
    // remotes only to all-zero or multicast MACs and silently keeps one dst for a unicast MAC
    // (vxlan_fdb_update_existing). The other duplicate instead: worker3's device was re-created
    // with a new MAC and the entry of the old one still sends to worker3.
    fault("worker", "VXLAN-FDB-DUPLICATE")
        .inject(|n| {
            format!(
                "bridge fdb append 66:00:00:00:00:13 dev vxlan.calico dst {} self permanent",
                n.ip("worker3")
            )
        })
        .subject(|n| format!("fdb dst {}", n.ip("worker3")))
        .check("vxlan_fdb_duplicate");
}

#[test]
fn vxlan_fdb_not_permanent() {
    fault("worker", "VXLAN-FDB-NOT-PERMANENT")
        .inject(|n| {
            format!(
                "bridge fdb replace {} dev vxlan.calico dst {} self dynamic",
                n.mac("worker3"),
                n.ip("worker3")
            )
        })
        .subject(|n| format!("fdb {}", n.mac("worker3")))
        .check("vxlan_fdb_not_permanent");
}

// ---- the VXLAN device --------------------------------------------------------------------------

fn vxlan_link(code: &'static str, cmd: &'static str) -> Case {
    fault("worker", code)
        .inject(move |_| cmd.into())
        .subject(|_| "link vxlan.calico".into())
}

fn vxlan_down() -> Case {
    vxlan_link("VXLAN-DEVICE-DOWN", "ip link set vxlan.calico down")
}

#[test]
fn vxlan_device_down() {
    vxlan_down().check("vxlan_device_down");
}

#[test]
fn vxlan_device_down_is_named_by_trace() {
    vxlan_down()
        .trace_names("worker-p1", "worker3-p1", None, "VXLAN-DEVICE-DOWN")
        .check("vxlan_device_down_is_named_by_trace");
}

fn vxlan_missing() -> Case {
    vxlan_link("VXLAN-DEVICE-MISSING", "ip link del vxlan.calico")
}

#[test]
fn vxlan_device_missing() {
    vxlan_missing().check("vxlan_device_missing");
}

#[test]
fn vxlan_device_missing_is_named_by_trace() {
    vxlan_missing()
        .trace_names("worker-p1", "worker3-p1", None, "VXLAN-DEVICE-MISSING")
        .check("vxlan_device_missing_is_named_by_trace");
}

#[test]
fn vxlan_learning_on() {
    // The kernel changes `learning` on a live device (VNI and port it refuses: "Cannot change").
    vxlan_link(
        "VXLAN-LEARNING-ON",
        "ip link set vxlan.calico type vxlan learning",
    )
    .trace("worker-p1", "worker3-p1", "tunnel-out")
    .check("vxlan_learning_on");
}

#[test]
fn vxlan_local_mismatch() {
    vxlan_link(
        "VXLAN-LOCAL-MISMATCH",
        "ip link set vxlan.calico type vxlan local 10.10.10.99",
    )
    .trace("worker-p1", "worker3-p1", "tunnel-out")
    .check("vxlan_local_mismatch");
}

/// The tunnel MTU lowered below the pods' (1450 → 1400).
fn vxlan_mtu() -> Case {
    vxlan_link("VXLAN-MTU-MISMATCH", "ip link set vxlan.calico mtu 1400")
}

#[test]
fn vxlan_mtu_mismatch() {
    vxlan_mtu().check("vxlan_mtu_mismatch");
}

#[test]
fn vxlan_mtu_mismatch_is_named_by_trace() {
    vxlan_mtu()
        .trace_names(
            "worker-p1",
            "worker3-p1",
            Some("mtu"),
            "MTU-POD-ABOVE-TUNNEL",
        )
        .check("vxlan_mtu_mismatch_is_named_by_trace");
}

#[test]
fn vxlan_mac_mismatch() {
    // Peers still send to the old VTEP MAC: traffic *to* worker is dropped on arrival.
    vxlan_link(
        "VXLAN-MAC-MISMATCH",
        "ip link set vxlan.calico address 66:00:00:00:00:42",
    )
    .trace("worker3-p1", "worker-p1", "arrive")
    .check("vxlan_mac_mismatch");
}

#[test]
fn vxlan_addr_mismatch() {
    fault("worker", "VXLAN-ADDR-MISMATCH")
        .inject(|n| {
            format!(
                "ip addr add {}/32 dev vxlan.calico",
                n.in_block("worker", 63)
            )
        })
        .subject(|_| "link vxlan.calico".into())
        .check("vxlan_addr_mismatch");
}

#[test]
fn mtu_tunnel_above_parent() {
    // eth0 lowered to 1450: 1450 + 50 bytes of VXLAN no longer fit.
    fault("worker", "MTU-TUNNEL-ABOVE-PARENT")
        .inject(|_| "ip link set eth0 mtu 1450".into())
        .subject(|_| "link vxlan.calico".into())
        .trace("worker-p1", "worker3-p1", "tunnel-out")
        .check("mtu_tunnel_above_parent");
}

// ---- workloads ---------------------------------------------------------------------------------

/// A change to worker-p1's host-side interface.
fn cali(code: &'static str, change: &'static str) -> Case {
    fault("worker", code)
        .inject(move |n| format!("ip link set {} {change}", n.cali("worker-p1")))
        .subject(|n| format!("link {}", n.cali("worker-p1")))
}

#[test]
fn mtu_pod_above_tunnel() {
    cali("MTU-POD-ABOVE-TUNNEL", "mtu 1500")
        .trace("worker-p1", "worker3-p1", "mtu")
        .check("mtu_pod_above_tunnel");
}

#[test]
fn workload_host_mac() {
    // The pod re-resolves 169.254.1.1 by proxy ARP, so traffic still flows: no trace check.
    cali("WORKLOAD-HOST-MAC", "address ee:ee:ee:ee:ee:01").check("workload_host_mac");
}

fn cali_down() -> Case {
    cali("WORKLOAD-IFACE-DOWN", "down")
}

#[test]
fn workload_iface_down() {
    cali_down().check("workload_iface_down");
}

#[test]
fn workload_iface_down_is_named_by_trace() {
    cali_down()
        .trace("worker-p1", "worker3-p1", "src-pod")
        .check("workload_iface_down_is_named_by_trace");
}

#[test]
fn workload_route_missing() {
    fault("worker", "WORKLOAD-ROUTE-MISSING")
        .inject(|n| {
            format!(
                "ip route del {} dev {}",
                n.pod_ip("worker-p1"),
                n.cali("worker-p1")
            )
        })
        .subject(|_| "pod default/worker-p1".into())
        .trace("worker3-p1", "worker-p1", "deliver")
        .check("workload_route_missing");
}

#[test]
fn workload_route_orphan() {
    // A /32 left on a cali* after its pod's IP was released.
    fault("worker", "WORKLOAD-ROUTE-ORPHAN")
        .inject(|n| {
            format!(
                "ip route add {} dev {}",
                n.in_block("worker", 9),
                n.cali("worker-p1")
            )
        })
        .subject(|n| format!("route {}/32", n.in_block("worker", 9)))
        .check("workload_route_orphan");
}

// ---- kernel settings ---------------------------------------------------------------------------

#[test]
fn kernel_ip_forward_off() {
    // On the receiver: worker3 decapsulates and cannot forward to its pod.
    fault("worker3", "KERNEL-IP-FORWARD-OFF")
        .inject(|_| "sysctl -w net.ipv4.ip_forward=0".into())
        .subject(|_| "sysctl net.ipv4.ip_forward".into())
        .trace_names("worker-p1", "worker3-p1", Some("deliver"), "ip_forward")
        .check("kernel_ip_forward_off");
}

#[test]
fn kernel_proxy_arp_off() {
    fault("worker", "KERNEL-PROXY-ARP-OFF")
        .inject(|n| {
            format!(
                "sysctl -w net.ipv4.conf.{}.proxy_arp=0",
                n.cali("worker-p1")
            )
        })
        .subject(|n| format!("link {}", n.cali("worker-p1")))
        .trace_names("worker-p1", "worker3-p1", Some("src-pod"), "proxy_arp")
        .check("kernel_proxy_arp_off");
}

/// Forwarding off on worker3's tunnel (sysctl writes the dotted name with '/').
fn forwarding_off() -> Case {
    fault("worker3", "KERNEL-FORWARDING-OFF")
        .inject(|_| "sysctl -w net.ipv4.conf.vxlan/calico.forwarding=0".into())
        .subject(|_| "link vxlan.calico".into())
}

#[test]
fn kernel_forwarding_off() {
    forwarding_off().check("kernel_forwarding_off");
}

#[test]
fn kernel_forwarding_off_is_named_by_trace() {
    forwarding_off()
        .trace_names("worker-p1", "worker3-p1", None, "forwarding")
        .check("kernel_forwarding_off_is_named_by_trace");
}

#[test]
fn kernel_rp_filter_strict() {
    // Harmless on this symmetric lab (an info note), but CrossSubnet can make paths asymmetric.
    fault("worker", "KERNEL-RP-FILTER-STRICT")
        .inject(|_| "sysctl -w net.ipv4.conf.eth0.rp_filter=1".into())
        .subject(|_| "link eth0".into())
        .check("kernel_rp_filter_strict");
}

#[test]
fn kernel_rp_filter_strict_mixed_pools() {
    // Mixed pools really are asymmetric: worker3-p2 (no-encap pool) reaches worker-p1 (VXLAN pool)
    // through vxlan.calico, and the route back to 172.16.4.0/26 leaves by eth0.
    fault("worker", "KERNEL-RP-FILTER-STRICT")
        .mode("mixed")
        .inject(|_| "sysctl -w net.ipv4.conf.all.rp_filter=1".into())
        .subject(|_| "link vxlan.calico".into())
        .trace_names("worker3-p2", "worker-p1", Some("arrive"), "rp_filter")
        .check("kernel_rp_filter_strict_mixed_pools");
}

// ---- the node ----------------------------------------------------------------------------------

#[test]
fn node_ip_removed() {
    fault("worker", "NODE-IP-NOT-LOCAL")
        .inject(|n| format!("ip addr del {} dev eth0", n.node("worker").cidr()))
        .subject(|_| "node worker".into())
        .check("node_ip_removed");
}

/// worker renumbered (DHCP): eth0 has another address, the Node and the tunnel keep the old one.
fn node_ip_changed() -> Case {
    fault("worker", "NODE-IP-NOT-LOCAL")
        .inject(|n| format!("ip addr del {} dev eth0", n.node("worker").cidr()))
        .inject(|n| {
            let w = n.node("worker");
            format!("ip addr add {}/{} dev eth0", n.moved_ip("worker"), w.prefix)
        })
        .inject(|n| {
            format!(
                "ip route replace default via {} dev eth0",
                n.node("worker").gateway
            )
        })
        .subject(|_| "node worker".into())
}

#[test]
fn node_ip_not_local() {
    // Peers still tunnel to the old address: the packet is lost on arrival.
    node_ip_changed()
        .trace_names(
            "worker3-p1",
            "worker-p1",
            Some("arrive"),
            "is not an address of worker",
        )
        .check("node_ip_not_local");
}

#[test]
fn node_ip_not_local_is_named_by_trace_from_the_node() {
    node_ip_changed()
        .trace_names("worker-p1", "worker3-p1", Some("tunnel-out"), "10.10.10.11")
        .check("node_ip_not_local_is_named_by_trace_from_the_node");
}

#[test]
fn dataplane_not_modelled() {
    // The devices the eBPF dataplane leaves behind (or uses): netdiag stops judging its parts.
    fault("worker", "DATAPLANE-NOT-MODELLED")
        .inject(|_| "ip link add bpfin.cali type veth peer name bpfout.cali".into())
        .subject(|_| "dataplane eBPF".into())
        .check("dataplane_not_modelled");
}

#[test]
fn firewall_dropping_vxlan_is_seen_by_the_probe_only() {
    if !privileged::can_run("firewall_dropping_vxlan_is_seen_by_the_probe_only") {
        return;
    }
    let lab = Lab::up(&next_tag(), &[]);
    let v = trace(&lab, "worker-p1", "worker3-p1", true);
    assert_eq!(v["verdict"], "ok", "before: {v:#}");
    assert_eq!(v["probe"]["received"], 3, "before: {}", v["probe"]);
    // nftables on worker3 itself (not the fabric, as `lab break blocked-vxlan` does).
    for cmd in [
        "nft add table inet ndfault",
        "nft add chain inet ndfault input { type filter hook input priority 0 ; policy accept ; }",
        "nft add rule inet ndfault input udp dport 4789 drop",
    ] {
        inject(&lab, "worker3", cmd);
    }
    for node in ["worker", "worker3"] {
        let r = report(&lab, node);
        let f = findings(&r);
        assert!(f.is_empty(), "{node} looks healthy to node-status: {f:#?}");
        let unknown: Vec<&str> = r["unknown"]
            .as_array()
            .expect("unknown")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            unknown
                .iter()
                .any(|u| u.contains("firewall drops") && u.contains("trace SRC DST --probe")),
            "{node}: node-status must say firewall drops are not visible and point at trace --probe: {unknown:#?}"
        );
    }
    let v = trace(&lab, "worker-p1", "worker3-p1", true);
    assert_eq!(v["verdict"], "broken", "{v:#}");
    let hop = first_broken(&v).expect("a broken hop");
    assert_eq!(hop["step"], "probe", "only the probe sees it: {v:#}");
    let p = &v["probe"];
    assert_eq!(p["received"], 0, "{p}");
    assert_eq!(p["seen_leaving"], 3, "the packets left worker: {p}");
    assert_eq!(p["agrees"], false, "{p}");
}

// ---- BGP and mixed labs ------------------------------------------------------------------------

#[test]
fn bgp_route_missing() {
    // BIRD lost the session with worker2 (disabled by hand): it withdraws worker2's block. The
    // lab's BIRD is real, so deleting the route with `ip` would not last: BIRD's kernel protocol
    // puts back what it exports on its next scan (2 s).
    fault("worker", "ROUTE-MISSING")
        .mode("bgp")
        .inject(|n| {
            format!(
                "birdc -s {} disable {}",
                netdiag::lab::bird_socket(&n.0.params.name, "worker").display(),
                netdiag::lab::plan::mesh_name(n.node("worker2").ip)
            )
        })
        .subject(|n| format!("route {}", n.block("worker2")))
        .trace("worker-p1", "worker2-p1", "route")
        .check("bgp_route_missing");
}

#[test]
fn bgp_route_unreachable() {
    // What BIRD installs when it cannot resolve a BGP next hop (#1761).
    fault("worker", "ROUTE-UNREACHABLE")
        .mode("bgp")
        .inject(|n| {
            format!(
                "ip route replace unreachable {} proto bird",
                n.block("worker2")
            )
        })
        .subject(|n| format!("route {}", n.block("worker2")))
        .trace("worker-p1", "worker2-p1", "route")
        .check("bgp_route_unreachable");
}

#[test]
fn bgp_ecmp_to_a_node_that_does_not_own_the_block() {
    // A stale BlockAffinity makes BIRD learn worker2's block from control-plane too (#6486).
    fault("worker", "ROUTE-STALE-GATEWAY")
        .mode("bgp")
        .inject(|n| {
            format!(
                "ip route replace {} proto bird nexthop via {} dev eth0 nexthop via {} dev eth0",
                n.block("worker2"),
                n.ip("worker2"),
                n.ip("control-plane")
            )
        })
        .subject(|n| format!("route {}", n.block("worker2")))
        .trace("worker-p1", "worker2-p1", "route")
        .check("bgp_ecmp_to_a_node_that_does_not_own_the_block");
}

#[test]
fn mixed_noencap_block_through_the_tunnel() {
    // worker2's block of the no-encap pool sent into vxlan.calico (a pool switched without cleanup).
    fault("worker", "ROUTE-WRONG-PATH")
        .mode("mixed")
        .inject(|n| {
            let b = &n.node("worker2").blocks[1];
            format!(
                "ip route replace {} via {} dev vxlan.calico onlink",
                b.cidr,
                n.vtep("worker2")
            )
        })
        .subject(|n| format!("route {}", n.node("worker2").blocks[1].cidr))
        .trace("worker-p2", "worker2-p2", "route")
        .check("mixed_noencap_block_through_the_tunnel");
}
