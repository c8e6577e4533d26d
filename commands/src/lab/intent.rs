//! The lab's cluster intent, written as `kubectl get … -o yaml` prints it: Lists of IPPools and
//! BlockAffinities/IPAMBlocks/FelixConfigurations (crd.projectcalico.org/v1), Kubernetes Nodes with
//! Calico's annotations (IPv4Address in CIDR form, the tunnel address), Pods and the calico-config
//! ConfigMap — so `--from`/`--lab` read the lab exactly like a real cluster dump.

use std::net::Ipv4Addr;

use serde_json::{json, Value};

use super::plan::{Encap, Plan};

const CREATED: &str = "2026-11-22T08:00:00Z";

fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

fn dashed(cidr: &ipnet::Ipv4Net) -> String {
    format!("{}-{}", cidr.network(), cidr.prefix_len()).replace('.', "-")
}

/// The files of `cluster/`, each a YAML document.
pub fn documents(plan: &Plan) -> anyhow::Result<Vec<(&'static str, String)>> {
    if plan.flannel() {
        let mut docs = vec![
            ("nodes.yaml", flannel_nodes(plan)),
            ("pods.yaml", pods(plan)),
        ];
        if plan.canal() {
            docs.push(("canal-config.yaml", flannel_config(plan)));
            docs.push(("felixconfigurations.yaml", felix()));
        } else {
            docs.push(("kube-flannel-cfg.yaml", flannel_config(plan)));
        }
        return docs
            .into_iter()
            .map(|(f, v)| Ok((f, crate::output::yaml(&v)?)))
            .collect();
    }
    let docs = [
        ("ippools.yaml", ippools(plan)),
        ("nodes.yaml", nodes(plan)),
        ("ipamblocks.yaml", ipamblocks(plan)),
        ("blockaffinities.yaml", affinities(plan)),
        ("felixconfigurations.yaml", felix()),
        ("pods.yaml", pods(plan)),
        ("calico-config.yaml", calico_config(plan)),
    ];
    docs.into_iter()
        .map(|(f, v)| Ok((f, crate::output::yaml(&v)?)))
        .collect()
}

fn ippools(plan: &Plan) -> Value {
    list(
        plan.pools
            .iter()
            .map(|p| {
                json!({
                    "apiVersion": "crd.projectcalico.org/v1",
                    "kind": "IPPool",
                    "metadata": {"name": p.name, "creationTimestamp": CREATED},
                    "spec": {
                        "allowedUses": ["Workload", "Tunnel"],
                        "blockSize": 26,
                        "cidr": p.cidr.to_string(),
                        "ipipMode": p.ipip_mode(),
                        "vxlanMode": p.vxlan_mode(),
                        "natOutgoing": true,
                        "nodeSelector": "all()",
                    },
                })
            })
            .collect(),
    )
}

fn tunnel_annotation(plan: &Plan) -> Option<&'static str> {
    if plan.vxlan_enabled() {
        Some("projectcalico.org/IPv4VXLANTunnelAddr")
    } else if plan.ipip_enabled() {
        Some("projectcalico.org/IPv4IPIPTunnelAddr")
    } else {
        None
    }
}

fn nodes(plan: &Plan) -> Value {
    list(
        plan.nodes
            .iter()
            .map(|n| {
                let mut ann = json!({"projectcalico.org/IPv4Address": n.cidr()});
                if let (Some(key), Some(t), Some(m)) =
                    (tunnel_annotation(plan), n.tunnel_ip, ann.as_object_mut())
                {
                    m.insert(key.into(), json!(t.to_string()));
                }
                json!({
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {
                        "annotations": ann,
                        "creationTimestamp": CREATED,
                        "labels": {"kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux"},
                        "name": n.name,
                    },
                    "spec": {},
                    "status": {"addresses": [
                        {"address": n.ip.to_string(), "type": "InternalIP"},
                        {"address": n.name, "type": "Hostname"},
                    ]},
                })
            })
            .collect(),
    )
}

fn ipamblocks(plan: &Plan) -> Value {
    let mut items = Vec::new();
    for (ni, n) in plan.nodes.iter().enumerate() {
        for b in &n.blocks {
            let size = 1usize << (32 - b.cidr.prefix_len());
            let mut allocations = vec![Value::Null; size];
            let mut attributes = Vec::new();
            let ordinal = |ip: Ipv4Addr| (u32::from(ip) - u32::from(b.cidr.network())) as usize;
            let tunnel_type = match plan.pools[b.pool].encap {
                Encap::Vxlan => Some(("vxlan-tunnel-addr", "vxlanTunnelAddress")),
                Encap::Ipip => Some(("ipip-tunnel-addr", "ipipTunnelAddress")),
                Encap::None => None,
            };
            if let (Some((handle, ty)), Some(t)) = (tunnel_type, n.tunnel_ip) {
                if b.cidr.contains(&t) {
                    allocations[ordinal(t)] = json!(attributes.len());
                    attributes.push(json!({
                        "handle_id": format!("{handle}-{}", n.name),
                        "secondary": {"node": n.name, "type": ty},
                    }));
                }
            }
            for p in plan.pods_of(ni).filter(|p| b.cidr.contains(&p.ip)) {
                allocations[ordinal(p.ip)] = json!(attributes.len());
                attributes.push(json!({
                    "handle_id": format!("k8s-pod-network.{}", p.name),
                    "secondary": {"namespace": p.namespace, "node": n.name, "pod": p.name},
                }));
            }
            let unallocated: Vec<usize> = allocations
                .iter()
                .enumerate()
                .filter(|(_, a)| a.is_null())
                .map(|(i, _)| i)
                .collect();
            items.push(json!({
                "apiVersion": "crd.projectcalico.org/v1",
                "kind": "IPAMBlock",
                "metadata": {"name": dashed(&b.cidr), "creationTimestamp": CREATED},
                "spec": {
                    "affinity": format!("host:{}", n.name),
                    "allocations": allocations,
                    "attributes": attributes,
                    "cidr": b.cidr.to_string(),
                    "deleted": false,
                    "sequenceNumber": 1,
                    "strictAffinity": false,
                    "unallocated": unallocated,
                },
            }));
        }
    }
    list(items)
}

fn affinities(plan: &Plan) -> Value {
    let mut items = Vec::new();
    for n in &plan.nodes {
        for b in &n.blocks {
            items.push(json!({
                "apiVersion": "crd.projectcalico.org/v1",
                "kind": "BlockAffinity",
                "metadata": {"name": format!("{}-{}", n.name, dashed(&b.cidr)), "creationTimestamp": CREATED},
                "spec": {"cidr": b.cidr.to_string(), "deleted": "false", "node": n.name, "state": "confirmed", "type": "host"},
            }));
        }
    }
    list(items)
}

fn felix() -> Value {
    list(vec![json!({
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "FelixConfiguration",
        "metadata": {"name": "default", "creationTimestamp": CREATED},
        "spec": {"logSeverityScreen": "Info", "reportingInterval": "0s"},
    })])
}

fn pods(plan: &Plan) -> Value {
    list(
        plan.pods
            .iter()
            .map(|p| {
                let n = &plan.nodes[p.node];
                json!({
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "annotations": {
                            "cni.projectcalico.org/podIP": format!("{}/32", p.ip),
                            "cni.projectcalico.org/podIPs": format!("{}/32", p.ip),
                        },
                        "creationTimestamp": CREATED,
                        "name": p.name,
                        "namespace": p.namespace,
                    },
                    "spec": {
                        "containers": [{"image": "registry.k8s.io/pause:3.10", "name": "pause"}],
                        "nodeName": n.name,
                    },
                    "status": {
                        "hostIP": n.ip.to_string(),
                        "phase": "Running",
                        "podIP": p.ip.to_string(),
                        "podIPs": [{"ip": p.ip.to_string()}],
                    },
                })
            })
            .collect(),
    )
}

/// Nodes as Flannel's kube subnet manager leaves them: `spec.podCIDR(s)` and the
/// `flannel.alpha.coreos.com/*` annotations (flannel `pkg/subnet/kube/annotations.go`).
fn flannel_nodes(plan: &Plan) -> Value {
    list(
        plan.nodes
            .iter()
            .map(|n| {
                let cidr = n.pod_cidr.map(|c| c.to_string()).unwrap_or_default();
                json!({
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {
                        "annotations": {
                            "flannel.alpha.coreos.com/backend-data": format!("{{\"VNI\":{},\"VtepMAC\":\"{}\"}}", super::plan::FLANNEL_VNI, n.vtep_mac),
                            "flannel.alpha.coreos.com/backend-type": "vxlan",
                            "flannel.alpha.coreos.com/kube-subnet-manager": "true",
                            "flannel.alpha.coreos.com/public-ip": n.ip.to_string(),
                        },
                        "creationTimestamp": CREATED,
                        "labels": {"kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux"},
                        "name": n.name,
                    },
                    "spec": {"podCIDR": cidr, "podCIDRs": [cidr]},
                    "status": {"addresses": [
                        {"address": n.ip.to_string(), "type": "InternalIP"},
                        {"address": n.name, "type": "Hostname"},
                    ]},
                })
            })
            .collect(),
    )
}

/// kube-flannel.yml's `kube-flannel-cfg` (flannel-vxlan) or Canal's `canal-config`, with
/// kube-flannel.yml's net-conf.json.
fn flannel_config(plan: &Plan) -> Value {
    let net_conf =
        "{\n  \"Network\": \"10.244.0.0/16\",\n  \"Backend\": {\n    \"Type\": \"vxlan\"\n  }\n}\n";
    if plan.canal() {
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "canal-config", "namespace": "kube-system", "creationTimestamp": CREATED},
            "data": {
                "calico_backend": "none",
                "canal_iface": "",
                "masquerade": "true",
                "typha_service_name": "none",
                "veth_mtu": "0",
                "net-conf.json": net_conf,
            },
        })
    } else {
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "kube-flannel-cfg",
                "namespace": "kube-flannel",
                "labels": {"app": "flannel", "k8s-app": "flannel", "tier": "node"},
                "creationTimestamp": CREATED,
            },
            "data": {"net-conf.json": net_conf},
        })
    }
}

fn calico_config(plan: &Plan) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "calico-config", "namespace": "kube-system", "creationTimestamp": CREATED},
        "data": {"calico_backend": plan.backend, "typha_service_name": "none", "veth_mtu": "0"},
    })
}
