//! Workload rules (§1.6, §8 rule 10): every local pod IP has a /32 scope-link route to a cali*
//! interface, every cali* route belongs to a local pod, and the host side of each veth has Calico's
//! MAC.

use std::collections::HashSet;
use std::net::IpAddr;

use ipnet::IpNet;

use super::context::Context;
use super::Outcome;
use crate::calico;
use crate::finding::{Code, Finding};
use crate::model::{Link, RouteType};

pub fn check(ctx: &Context, out: &mut Outcome) {
    if let Some(links) = ctx.state.links.as_deref() {
        host_macs(links, &ctx.interface_prefix, out);
    }
    let Some(routes) = ctx.state.routes.as_deref() else {
        return;
    };
    let local = ctx.node.name.as_str();
    let pods: Vec<_> = ctx
        .intent
        .pods
        .iter()
        .filter(|p| p.node.as_deref() == Some(local) && !p.host_network)
        .collect();
    if ctx.intent.pods.is_empty() {
        out.unknown("no Pods in the intent: workload routes are not checked");
        return;
    }
    if pods.is_empty() {
        // Pods of other nodes only (a namespace's list, a --node filter for another node): a
        // cali* route here cannot be told from a pod that was not collected.
        out.unknown(format!(
            "no Pod of the intent runs on {local}: its workload routes are not checked"
        ));
        return;
    }
    let main_routes: Vec<_> = routes.iter().filter(|r| r.is_main()).collect();
    let mut pod_ips: HashSet<IpAddr> = HashSet::new();
    for pod in &pods {
        for ip in &pod.ips {
            pod_ips.insert(*ip);
            out.checked.workloads += 1;
            let host = IpNet::from(*ip);
            let found = main_routes.iter().find(|r| r.dst == host);
            let ok = found
                .map(|r| {
                    r.kind == RouteType::Unicast
                        && r.dev.as_deref().is_some_and(|d| ctx.is_workload_iface(d))
                })
                .unwrap_or(false);
            if !ok {
                let want = workload_iface(&ctx.interface_prefix, &pod.namespace, &pod.name);
                out.push(
                    Finding::new(Code::WorkloadRouteMissing, format!("pod {}/{}", pod.namespace, pod.name))
                        .expected(format!("{host} dev {want} scope link"))
                        .actual(found.map(|r| r.to_string()).unwrap_or_else(|| "no route".into()))
                        .hint("the CNI plugin adds this route when the pod starts and Felix keeps it; without it replies to this pod are lost"),
                );
            }
        }
    }
    for r in main_routes
        .iter()
        .filter(|r| r.dev.as_deref().is_some_and(|d| ctx.is_workload_iface(d)))
    {
        if r.dst.prefix_len() != r.dst.max_prefix_len() {
            continue;
        }
        if !pod_ips.contains(&r.dst.addr()) {
            out.push(
                Finding::new(Code::WorkloadRouteOrphan, format!("route {}", r.dst))
                    .expected("a local pod with this IP")
                    .actual(r.to_string())
                    .hint("a leftover of a deleted pod, or the intent's Pods are not current; Felix removes it (removeExternalRoutes)"),
            );
        }
    }
}

/// The host side of every workload veth carries Calico's MAC: needs only the interface prefix, so
/// the local-only run checks it too.
pub(super) fn host_macs(links: &[Link], prefix: &str, out: &mut Outcome) {
    for l in links.iter().filter(|l| l.name.starts_with(prefix)) {
        out.checked.links += 1;
        if let Some(mac) = l.mac {
            if mac != calico::WORKLOAD_HOST_MAC {
                out.push(
                    Finding::new(Code::WorkloadHostMac, format!("link {}", l.name))
                        .expected(format!("link/ether {}", calico::WORKLOAD_HOST_MAC))
                        .actual(format!("link/ether {mac}"))
                        .hint("Calico's CNI sets this MAC on the host side; another CNI or a manual veth uses the cali prefix"),
                );
            }
        }
    }
}

/// The host-side veth name Calico's CNI gives a Kubernetes pod: the prefix and the first 11 hex
/// digits of SHA-1("namespace.pod").
pub fn workload_iface(prefix: &str, namespace: &str, pod: &str) -> String {
    use sha1::{Digest, Sha1};
    let d = Sha1::digest(format!("{namespace}.{pod}").as_bytes());
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{}", &hex[..11])
}
