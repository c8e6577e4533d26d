//! IPIP rules (§3.1, §8 rules 3 and 15): tunl0 up with the node's IPIP tunnel address and MTU when a
//! pool uses IPIP, and no address on it when none does.

use std::net::IpAddr;

use super::context::Context;
use super::Outcome;
use crate::calico;
use crate::finding::{Code, Finding};

pub fn check_device(ctx: &Context, out: &mut Outcome) {
    if ctx.state.links.is_none() {
        return;
    }
    let dev = ctx.state.link(calico::IPIP_DEVICE);
    let v4: Vec<_> = dev
        .map(|d| d.addrs.iter().filter(|a| a.addr.is_ipv4()).collect())
        .unwrap_or_default();
    if !ctx.ipip_enabled {
        if !ctx.intent.listed.pools {
            return;
        }
        if let Some(d) = dev {
            if !v4.is_empty() {
                out.checked.links += 1;
                out.push(
                    Finding::new(Code::IpipUnexpectedAddr, format!("link {}", d.name))
                        .expected("no address on tunl0: no IPv4 pool uses IPIP")
                        .actual(format!("inet {}/{}", v4[0].addr, v4[0].prefix_len))
                        .hint("the encapsulation was switched without cleanup (#10449); Felix strips it when it runs"),
                );
            }
        }
        return;
    }
    out.checked.links += 1;
    let subject = format!("link {}", calico::IPIP_DEVICE);
    let Some(dev) = dev else {
        out.push(
            Finding::new(Code::IpipDeviceMissing, subject)
                .expected("tunl0 up, because a pool uses IPIP")
                .actual("no such device")
                .hint("the kernel's ipip module is not loaded (modprobe ipip; CONFIG_NET_IPIP) or Felix has not configured it"),
        );
        return;
    };
    if dev.is_up() == Some(false) {
        out.push(
            Finding::new(Code::IpipDeviceMissing, subject.clone())
                .expected("tunl0 UP")
                .actual(format!(
                    "state {}",
                    dev.oper_state.map(|s| s.as_str()).unwrap_or("DOWN")
                ))
                .hint("Felix sets tunl0 up when IPIP is enabled; check calico-node"),
        );
    }
    if ctx.state.addrs_collected {
        let good = match ctx.node.ipip_tunnel_ip {
            Some(ip) => v4.len() == 1 && v4[0].addr == IpAddr::V4(ip) && v4[0].prefix_len == 32,
            None => true,
        };
        if !good {
            let actual: Vec<String> = v4
                .iter()
                .map(|a| format!("{}/{}", a.addr, a.prefix_len))
                .collect();
            out.push(
                Finding::new(Code::IpipAddrMismatch, subject.clone())
                    .expected(format!(
                        "inet {}/32 only",
                        ctx.node.ipip_tunnel_ip.map(|i| i.to_string()).unwrap_or_default()
                    ))
                    .actual(if actual.is_empty() {
                        "no IPv4 address".to_string()
                    } else {
                        format!("inet {}", actual.join(", "))
                    })
                    .hint("tunl0 must carry the Node's IPv4IPIPTunnelAddr as /32: host-to-pod traffic is sourced from it"),
            );
        }
    }
    if let (Some(want), Some(mtu)) = (ctx.ipip_mtu(), dev.mtu) {
        if want != mtu && !ctx.mtu_configured_known() {
            out.unknown(format!("tunl0 has MTU {mtu}, not the {want} Felix derives from the host MTU: no FelixConfiguration in the intent says whether ipipMTU sets it"));
        } else if want != mtu {
            out.push(
                Finding::new(Code::IpipMtuMismatch, subject)
                    .expected(format!("mtu {want}"))
                    .actual(format!("mtu {mtu}"))
                    .hint("FelixConfiguration ipipMTU, or host MTU − 20 (#8953: large packets dropped when it is too big)"),
            );
        }
    }
}
