//! MTU rules (§2, §8 rule 11): pod interfaces no larger than the tunnel, the tunnel plus its
//! overhead no larger than the parent, and a note when Felix had to fall back to 1460.

use super::context::Context;
use super::Outcome;
use crate::calico;
use crate::finding::{Code, Finding};

pub fn check(ctx: &Context, out: &mut Outcome) {
    let Some(links) = ctx.state.links.as_deref() else {
        return;
    };
    if !ctx.intent.listed.pools && ctx.intent.pools.is_empty() {
        // Which tunnel the pods use is the pools' to say: judged only against a single tunnel
        // that is up, as without any intent.
        out.unknown("no IPPools in the intent: the pod MTU is judged only against a single tunnel device that is up");
        super::local::mtu(ctx.state, out);
        return;
    }
    if let Some((_, true)) = ctx.host_mtu {
        out.push(
            Finding::new(Code::MtuHostFallback, "host MTU")
                .expected("an up interface matching mtuIfacePattern (eth*, en*, …)")
                .actual(format!("none; Felix assumes {}", calico::FALLBACK_HOST_MTU))
                .hint("set FelixConfiguration mtuIfacePattern (or vxlanMTU/ipipMTU) for bonds and bridges"),
        );
    }
    let tunnels: Vec<(&str, u32, u32)> = [
        (
            calico::VXLAN_DEVICE,
            calico::VXLAN_OVERHEAD_V4,
            ctx.vxlan_enabled,
        ),
        (calico::IPIP_DEVICE, calico::IPIP_OVERHEAD, ctx.ipip_enabled),
        (
            calico::VXLAN_V6_DEVICE,
            calico::VXLAN_OVERHEAD_V6,
            ctx.vxlan6_enabled,
        ),
    ]
    .into_iter()
    // WireGuard (felix/wireguard): its device carries the pods' traffic to keyed peers, so the
    // pod MTU must fit it too.
    .chain(ctx.dataplane.wireguard.as_ref().map(|wg| {
        (
            wg_name(&wg.device),
            super::dataplane::WIREGUARD_OVERHEAD_V4,
            true,
        )
    }))
    .filter(|(_, _, on)| *on)
    .filter_map(|(name, over, _)| {
        ctx.state
            .link(name)
            .and_then(|l| l.mtu)
            .map(|m| (name, m, over))
    })
    .collect();

    for (name, mtu, overhead) in &tunnels {
        out.checked.mtu += 1;
        let parent = if *name == calico::VXLAN_V6_DEVICE {
            ctx.fam(true).parent
        } else {
            ctx.parent
        };
        if let Some(parent_mtu) = parent.and_then(|p| p.mtu) {
            if mtu + overhead > parent_mtu {
                out.push(
                    Finding::new(Code::MtuTunnelAboveParent, format!("link {name}"))
                        .expected(format!(
                            "mtu ≤ {} ({} mtu {parent_mtu} − {overhead} overhead)",
                            parent_mtu - overhead.min(&parent_mtu),
                            parent.map(|p| p.name.as_str()).unwrap_or("parent")
                        ))
                        .actual(format!("mtu {mtu}"))
                        .hint("encapsulated packets exceed the underlay MTU and are fragmented or dropped; lower vxlanMTU/ipipMTU"),
                );
            }
        }
    }
    let Some(min_tunnel) = tunnels.iter().map(|(_, m, _)| *m).min() else {
        return;
    };
    let tunnel_name = tunnels
        .iter()
        .find(|(_, m, _)| *m == min_tunnel)
        .map(|(n, _, _)| *n)
        .unwrap_or("tunnel");
    for l in links.iter().filter(|l| ctx.is_workload_iface(&l.name)) {
        out.checked.mtu += 1;
        if let Some(mtu) = l.mtu {
            if mtu > min_tunnel {
                out.push(
                    Finding::new(Code::MtuPodAboveTunnel, format!("link {}", l.name))
                        .expected(format!("mtu ≤ {min_tunnel} ({tunnel_name})"))
                        .actual(format!("mtu {mtu}"))
                        .hint("pods send packets the tunnel cannot carry: small requests work, large transfers hang (#8953); fix the CNI mtu (veth_mtu) and restart the pods"),
                );
            }
        }
    }
}

/// The tunnels are named by `&'static str`; WireGuard's name may be configured.
fn wg_name(dev: &str) -> &'static str {
    if dev == super::dataplane::WIREGUARD_V6_DEVICE {
        super::dataplane::WIREGUARD_V6_DEVICE
    } else {
        super::dataplane::WIREGUARD_DEVICE
    }
}
