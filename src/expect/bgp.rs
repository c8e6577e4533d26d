//! BGP sessions (BIRD's `show protocols all`) and the routes they brought (`show route`) against
//! the intent's node-to-node mesh: each Node with a BGP address is a peer, each peer needs an
//! Established session, each session needs a Node, and each session's routes are the peer's blocks.
//!
//! How Calico names and builds the sessions (projectcalico/calico, read at 87c15906):
//! - confd/pkg/backends/calico/bgp_processor.go: one mesh peer per other host with an
//!   `ip_addr_v4` (the Node's `spec.bgp.ipv4Address`), named `Mesh_<ip with . or : as _>`, the
//!   side whose peer IP sorts higher `passive on`; route reflectors are skipped.
//! - node/filesystem/etc/calico/confd/templates/bird.cfg.template (compiled example
//!   confd/tests/compiled_templates/mesh/bgp-export/bird*.cfg): `protocol bgp Mesh_… from
//!   bgp_template` with `multihop`, `gateway recursive`; bird_aggr.cfg.template: a static
//!   `blackhole` per local block and `calico_aggr` exporting the block, nothing beneath it — so a
//!   peer's session carries exactly its blocks.
//! - calicoctl/calicoctl/commands/node/status.go: `calicoctl node status` dials
//!   `/var/run/calico/bird.ctl` (then `/var/run/bird/bird.ctl`), sends `show protocols`, keeps
//!   the BGP lines whose name matches `^(Global|Node|Mesh)_(.+)$` and prints state, since and info
//!   (the session state and the last error).
//!
//! Whether the mesh is on is the BGPConfiguration `default`'s `nodeToNodeMeshEnabled`, on when
//! unset (confd/pkg/backends/calico/client.go: `getNodeToNodeMeshKVPair` writes
//! `/calico/bgp/v1/global/node_mesh` from it, `globalDefaults` holds `{"enabled": true}` without
//! it; `processMeshPeers` writes no mesh peer when it is off). When the intent holds no
//! BGPConfiguration `default`, it is assumed: on unless BIRD has only `Node_`/`Global_` sessions,
//! which is how a cluster with the mesh off and explicit BGPPeers (route reflectors) looks. The
//! report says which it read or assumed. Route reflectors are known from the intent
//! (`spec.bgp.routeReflectorClusterID`, or the Kubernetes Node's
//! `projectcalico.org/RouteReflectorClusterID`): `processMeshPeers` gives a route reflector no
//! mesh sessions at all and leaves route reflectors out of every other node's mesh.
//!
//! IPv6 (dual stack): Calico's BIRD 1.6 fork runs IPv6 in a second daemon, bird6, with its own
//! socket (`bird6.ctl`; calicoctl's node/status.go reports "IPv6 BGP status" from the `bird6`
//! process), and `processMeshPeers(…, 6)` builds its mesh from the hosts' `ip_addr_v6`. Those
//! sessions are judged only when bird6 was read, against the IPv6 blocks.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use super::{Context, Outcome};
use crate::finding::{Code, Finding};
use crate::model::{BgpState, BirdProtocol};
use crate::report::{BgpSessionSummary, BgpSummary};

pub fn check(ctx: &Context, out: &mut Outcome) {
    if !ctx.backend.bird() {
        return;
    }
    let Some(bgp) = &ctx.state.bgp else {
        out.unknown("BGP sessions: BIRD's control socket was not read (pass --bird-socket PATH on the node, or put `show protocols all` output in nodes/<node>/bird-protocols.txt)");
        return;
    };
    if let Some(why) = &bgp.unavailable {
        out.unknown(format!("BGP sessions: {why}"));
        return;
    }
    let sessions: Vec<&BirdProtocol> = bgp.protocols.iter().filter(|p| p.is_bgp()).collect();
    let mesh: Vec<(&BirdProtocol, IpAddr)> = sessions
        .iter()
        .filter_map(|p| match p.calico_peer() {
            Some(("Mesh", ip)) => Some((*p, ip)),
            _ => None,
        })
        .collect();
    let explicit = sessions
        .iter()
        .filter(|p| p.calico_peer().is_some_and(|(k, _)| k != "Mesh"))
        .count();
    let reflector = ctx.node.route_reflector_cluster_id.as_deref();
    let configured = ctx
        .intent
        .bgp_configs
        .iter()
        .find(|c| c.name == "default")
        .map(|c| c.node_to_node_mesh.unwrap_or(true));
    let mesh_on = reflector.is_none() && configured.unwrap_or(!(mesh.is_empty() && explicit > 0));
    out.unknown(match (reflector, configured) {
        (Some(id), _) => format!("BGP mesh: this node is a route reflector (cluster ID {id}), which Calico keeps out of the node-to-node mesh: its Node_/Global_ sessions (BGPPeers) are not checked against the intent"),
        (None, Some(true)) => "BGP mesh: on (BGPConfiguration default); explicit BGPPeers are not checked against the intent".to_string(),
        (None, Some(false)) => "BGP mesh: off (BGPConfiguration default nodeToNodeMeshEnabled: false): the Node_/Global_ sessions (BGPPeers, route reflectors) are not checked against the intent".to_string(),
        (None, None) if mesh_on => "BGP mesh: assumed node-to-node mesh on (Calico's default; the intent holds no BGPConfiguration default)".to_string(),
        (None, None) => format!("BGP mesh: assumed off (BIRD has {explicit} Node_/Global_ sessions and no Mesh_ ones; the intent holds no BGPConfiguration default): explicit BGPPeers are not checked against the intent"),
    });

    for p in &sessions {
        out.checked.peers += 1;
        if !p.established() {
            session_down(ctx, p, out);
        }
    }
    if mesh_on {
        missing_sessions(ctx, &mesh, bgp, configured == Some(true), out);
    }
    // With only this node's Node in the intent, every session lacks "its" Node: not judged.
    let peers_known = !ctx.peers_not_collected();
    if !peers_known {
        out.unknown("BGP sessions without a Node: the intent holds only this node's Node, so sessions are not matched to peers");
    }
    for (p, ip) in mesh.iter().filter(|_| peers_known) {
        if node_with_ip(ctx, *ip).is_none() {
            out.push(
                Finding::new(Code::BgpSessionNoNode, format!("bgp {}", p.name))
                    .expected(format!("a Node with BGP address {ip} (a mesh session exists only for a Node)"))
                    .actual(format!("{} {} {} since {}: no Node of the intent has {ip}", p.name, p.state, p.session_state(), p.since))
                    .hint("the Node was deleted or changed its address and confd has not rewritten bird.cfg (or BIRD was not reloaded): check the calico-node logs (confd) on this node; a session to a gone node keeps retrying and makes the node NotReady"),
            );
        }
    }
    if (ctx.blocks_known_v4 || ctx.blocks_known_v6) && !ctx.intent.pools.is_empty() {
        imported_routes(ctx, bgp, &mesh, out);
    } else {
        out.unknown("BGP routes: the intent lacks the IP pools or the blocks, so the routes each session imports are not compared with the peers' blocks");
    }
}

/// The sessions for the report's summary (what `calicoctl node status` prints: peer, state,
/// since, info), when BIRD was read on a BIRD node.
pub fn summary(ctx: &Context) -> Option<BgpSummary> {
    let bgp = ctx.state.bgp.as_ref().filter(|b| b.unavailable.is_none())?;
    if !ctx.backend.bird() {
        return None;
    }
    let sessions = bgp
        .protocols
        .iter()
        .filter(|p| p.is_bgp())
        .map(|p| {
            let ip = p.calico_peer().map(|(_, ip)| ip).or(p.neighbor);
            BgpSessionSummary {
                name: p.name.clone(),
                peer: ip.and_then(|ip| node_with_ip(ctx, ip)).map(str::to_string),
                neighbor: ip.map(|i| i.to_string()),
                state: p.state.clone(),
                bgp_state: p.session_state().to_string(),
                since: p.since.clone(),
                last_error: p.last_error.clone(),
                routes_imported: p.routes_imported,
            }
        })
        .collect();
    Some(BgpSummary {
        source: bgp.source.clone(),
        version: bgp.version.clone(),
        sessions,
    })
}

/// The Node (other than this one) whose BGP IPv4 address is `ip`.
fn node_with_ip<'a>(ctx: &Context<'a>, ip: IpAddr) -> Option<&'a str> {
    ctx.peers
        .iter()
        .find(|p| p.ip.map(IpAddr::V4) == Some(ip) || p.ip6.map(IpAddr::V6) == Some(ip))
        .map(|p| p.node.name.as_str())
}

fn session_down(ctx: &Context, p: &BirdProtocol, out: &mut Outcome) {
    let state = p.session_state();
    let err = p.last_error.clone().or_else(|| {
        // Without `all`, the info column holds the last error after the state.
        let rest = p.info.split_once(' ').map(|(_, r)| r.trim().to_string());
        rest.filter(|r| !r.is_empty())
    });
    let ip = p.calico_peer().map(|(_, ip)| ip).or(p.neighbor);
    let node = ip.and_then(|ip| node_with_ip(ctx, ip));
    let lower = err.as_deref().unwrap_or("").to_ascii_lowercase();
    let hint = if lower.contains("bad peer as")
        || lower.contains("as") && lower.contains("open message")
    {
        format!("the peers disagree on the AS number ({}): every Node uses BGPConfiguration's asNumber unless its spec.bgp.asNumber overrides it; compare `calicoctl get nodes -o wide` and `calicoctl get bgpconfiguration default -o yaml`", as_pair(p))
    } else if state.eq_ignore_ascii_case("passive") {
        // Before the error checks: a passive side keeps the last error it received (often the
        // peer's "Administrative shutdown" from a restart long ago), which says little about why
        // the peer does not connect now (bgp-blocked in the lab: a firewall, not a stopped BIRD).
        "this side waits for the peer to connect (Calico makes the session to the higher address passive) and the peer does not: its BIRD is down or TCP 179 is blocked from it; run node-status on the peer".to_string()
    } else if lower.contains("administrative shutdown") || lower.contains("connection refused") {
        "the peer's BIRD is not running or not listening on TCP 179 (calico-node stopped, restarting or crashed there): check `kubectl -n calico-system get pods -o wide` and the peer's calico-node logs".to_string()
    } else if p.state == "down" {
        "BIRD has the session switched off (`birdc disable`, or `disabled` in bird.cfg): `birdc enable` it, or let confd rewrite bird.cfg (restart calico-node)".to_string()
    } else if lower.contains("no route to host") || lower.contains("network is unreachable") {
        "the peer's address does not answer at all (no route to host): the node is gone, down or off the network, or its Node's BGP address is stale".to_string()
    } else if state.eq_ignore_ascii_case("connect")
        || state.eq_ignore_ascii_case("active")
        || lower.contains("timed out")
        || lower.contains("hold timer")
    {
        "the TCP connection to port 179 does not complete: a firewall, security group or the fabric drops BGP between the nodes (`nc -zv PEER 179` from this node; Calico needs TCP 179 open between all nodes)".to_string()
    } else {
        "BIRD has the session but it is not up: check both nodes' calico-node logs (bird) and that TCP 179 is open between them".to_string()
    };
    let mut f = Finding::new(Code::BgpSessionDown, format!("bgp {}", p.name))
        .expected(format!(
            "{} Established (BGP session to {})",
            p.name,
            ip.map(|i| i.to_string())
                .unwrap_or_else(|| "its neighbour".into())
        ))
        .actual(format!(
            "{} {} since {}{}",
            p.state,
            if state.is_empty() {
                "(no BGP state)"
            } else {
                state
            },
            if p.since.is_empty() { "?" } else { &p.since },
            err.map(|e| format!(", last error: {e}"))
                .unwrap_or_default()
        ))
        .hint(hint);
    if let Some(n) = node {
        f = f.peer(n);
    }
    out.push(f);
}

fn as_pair(p: &BirdProtocol) -> String {
    match (p.local_as, p.neighbor_as) {
        (Some(l), Some(n)) => format!("this node's BIRD has local AS {l} and expects the peer to have {n}; the peer's OPEN said otherwise"),
        _ => "see the last error".to_string(),
    }
}

/// Every other Node with a BGP address of the family needs a `Mesh_<ip>` session (`.` or `:` as
/// `_`), but a route reflector (`processMeshPeers` skips a host with an `rr_cluster_id`). IPv6
/// sessions are bird6's (`processMeshPeers(…, 6)` with `ip_addr_v6`, the Node's
/// `spec.bgp.ipv6Address`), checked only when bird6 was read.
fn missing_sessions(
    ctx: &Context,
    mesh: &[(&BirdProtocol, IpAddr)],
    bgp: &BgpState,
    configured_on: bool,
    out: &mut Outcome,
) {
    let have: BTreeSet<IpAddr> = mesh.iter().map(|(_, ip)| *ip).collect();
    let hint = if configured_on {
        "confd has not written this peer into bird.cfg although BGPConfiguration default has the mesh on (calico-node's confd not syncing, or BIRD not reloaded): check the calico-node logs on this node"
    } else {
        "confd has not written this peer into bird.cfg (calico-node's confd not syncing, or BIRD not reloaded), or the mesh is off in BGPConfiguration (then this is expected and the BGPPeers decide): check the calico-node logs on this node"
    };
    let v6_peers = ctx.peers.iter().any(|p| p.ip6.is_some());
    if v6_peers && bgp.ipv6_source.is_none() {
        out.unknown(match &bgp.ipv6_unavailable {
            Some(why) => format!("BGP IPv6 sessions: bird6 could not be read ({why})"),
            None => "BGP IPv6 sessions: Nodes have IPv6 BGP addresses but bird6 (bird6.ctl beside bird.ctl, or nodes/<node>/bird6-protocols.txt) was not read".to_string(),
        });
    }
    for peer in &ctx.peers {
        if peer.node.route_reflector_cluster_id.is_some() {
            continue;
        }
        let v4 = peer.ip.filter(|_| peer.node.has_bgp_spec).map(IpAddr::V4);
        let v6 = peer
            .ip6
            .filter(|_| bgp.ipv6_source.is_some())
            .map(IpAddr::V6);
        let own = [ctx.node_ip.map(IpAddr::V4), ctx.node.ipv6.map(|n| n.addr())];
        for ip in [v4, v6].into_iter().flatten() {
            if own.contains(&Some(ip)) || have.contains(&ip) {
                continue;
            }
            let (name, source) = match ip {
                IpAddr::V4(a) => (
                    format!("Mesh_{}", a.to_string().replace('.', "_")),
                    &bgp.source,
                ),
                IpAddr::V6(a) => (
                    format!("Mesh_{}", a.to_string().replace(':', "_")),
                    bgp.ipv6_source.as_ref().unwrap_or(&bgp.source),
                ),
            };
            out.push(
                Finding::new(Code::BgpPeerNoSession, format!("bgp {name}"))
                    .peer(peer.node.name.clone())
                    .expected(format!(
                        "protocol bgp {name} (node-to-node mesh peer {ip}, Node {})",
                        peer.node.name
                    ))
                    .actual(format!("no BGP protocol {name} in BIRD ({source})"))
                    .hint(hint),
            );
        }
    }
}

/// Each Established mesh session's imported routes in the pools against the peer's blocks.
fn imported_routes(
    ctx: &Context,
    bgp: &BgpState,
    mesh: &[(&BirdProtocol, IpAddr)],
    out: &mut Outcome,
) {
    let Some(routes) = &bgp.routes else {
        out.unknown("BGP routes: BIRD's `show route` was not read: the routes each session imports are not compared with the peers' blocks");
        return;
    };
    let in_pool = |n: &IpNet| ctx.intent.pools.iter().any(|p| p.cidr.contains(n));
    let (mut v4_skipped, mut v6_skipped) = (false, false);
    for (p, ip) in mesh {
        let Some(node) = node_with_ip(ctx, *ip) else {
            continue;
        };
        if !p.established() {
            continue;
        }
        // A family is compared only when its blocks are known and (IPv6) bird6's routes were read.
        let v6 = ip.is_ipv6();
        let comparable = if v6 {
            ctx.blocks_known_v6 && bgp.ipv6_routes
        } else {
            ctx.blocks_known_v4
        };
        if !comparable {
            v6_skipped |= v6;
            v4_skipped |= !v6;
            continue;
        }
        let blocks: BTreeSet<IpNet> = ctx
            .intent
            .blocks
            .iter()
            .filter(|b| {
                !b.deleted && b.affinity.as_deref() == Some(node) && b.cidr.addr().is_ipv6() == v6
            })
            .map(|b| b.cidr)
            .collect();
        let got: BTreeSet<IpNet> = routes
            .iter()
            .filter(|r| r.protocol == p.name && in_pool(&r.prefix))
            .map(|r| r.prefix)
            .collect();
        let missing: Vec<String> = blocks.difference(&got).map(ToString::to_string).collect();
        // A /32 inside one of its blocks is a borrowed or confirmed address Calico may export.
        let foreign: Vec<String> = got
            .iter()
            .filter(|g| !blocks.iter().any(|b| b.contains(*g)))
            .map(ToString::to_string)
            .collect();
        out.checked.routes += blocks.len();
        if missing.is_empty() && foreign.is_empty() {
            continue;
        }
        let mut actual = Vec::new();
        if !missing.is_empty() {
            actual.push(format!("not imported: {}", missing.join(", ")));
        }
        if !foreign.is_empty() {
            actual.push(format!(
                "imported but not {node}'s blocks: {}",
                foreign.join(", ")
            ));
        }
        out.push(
            Finding::new(Code::BgpRoutesMismatch, format!("bgp {}", p.name))
                .peer(node)
                .expected(format!("{} imports {node}'s blocks: {}", p.name, blocks.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")))
                .actual(actual.join("; "))
                .hint(format!("{node}'s BIRD exports other blocks than IPAM says it owns: its confd is behind IPAM (stale bird_aggr.cfg), its static blackholes are wrong, or an export filter drops them; compare `birdcl show route protocol {}` here with {node}'s IPAM blocks (`calicoctl ipam show --show-blocks`)", p.name)),
        );
    }
    if v4_skipped {
        out.unknown("BGP routes: the intent lacks the IPv4 blocks, so the routes each IPv4 session imports are not compared with the peers' blocks");
    }
    if v6_skipped {
        out.unknown("BGP IPv6 routes: bird6's `show route` or the IPv6 blocks were not read, so the IPv6 sessions' imports are not compared");
    }
}
