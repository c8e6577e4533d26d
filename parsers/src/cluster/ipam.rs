//! Calico IPAM: `IPAMBlock` into [`IpamBlock`] (allocation ordinals turned into addresses, with
//! their owners) and `BlockAffinity` into [`BlockAffinity`].
//!
//! In a block, `spec.allocations[i]` is the allocation at ordinal `i` (address = block network + i)
//! and its value indexes `spec.attributes`, whose `secondary` map names the node, pod and type
//! (`libcalico-go/lib/apis/internalapi/ipam_block.go`, attribute keys in `model/block.go`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use netdiag_core::model::cluster::{Allocation, BlockAffinity, IpamBlock};

use super::value::Cursor;
use crate::error::ParseError;

/// The address at `ordinal` inside `net`, or `None` past its end.
pub(crate) fn nth_address(net: &IpNet, ordinal: u128) -> Option<IpAddr> {
    let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
    if host_bits < 128 && ordinal >= (1u128 << host_bits) {
        return None;
    }
    match net.network() {
        IpAddr::V4(a) => {
            let o = u32::try_from(ordinal).ok()?;
            u32::from(a)
                .checked_add(o)
                .map(|n| IpAddr::V4(Ipv4Addr::from(n)))
        }
        IpAddr::V6(a) => u128::from(a)
            .checked_add(ordinal)
            .map(|n| IpAddr::V6(Ipv6Addr::from(n))),
    }
}

pub(crate) fn parse_block(
    obj: &Cursor<'_, '_>,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<IpamBlock, ParseError> {
    let spec = obj.get("spec")?;
    let cidr_field = spec.get("cidr")?;
    let cidr = cidr_field
        .cidr()?
        .ok_or_else(|| cidr_field.error("required but missing"))?
        .trunc();

    let aff_field = spec.get("affinity")?;
    let affinity = match aff_field.string()? {
        None => None,
        Some(a) => match a.split_once(':') {
            Some(("host", host)) if !host.is_empty() => Some(host.to_string()),
            Some(("virtual", _)) => {
                // Virtual affinities belong to Calico Enterprise's VM/virtual-node features;
                // Felix routes such a block to no host.
                notes.push(format!(
                    "IPAMBlock {name}: affinity {a:?} is not a host; treated as unaffine ({})",
                    obj.where_()
                ));
                None
            }
            _ => {
                return Err(aff_field.error(format!(
                    "{a:?} is not a block affinity (expected host:NODE or virtual:NAME)"
                )))
            }
        },
    };

    // Parse attributes first; allocations refer to them by index.
    struct Attr {
        handle: Option<String>,
        node: Option<String>,
        kind: Option<String>,
        namespace: Option<String>,
        pod: Option<String>,
    }
    let mut attrs = Vec::new();
    for a in spec.get("attributes")?.items()? {
        let secondary = a.get("secondary")?;
        let sec = |k: &str| -> Result<Option<String>, ParseError> {
            Ok(secondary.get(k)?.string()?.filter(|s| !s.is_empty()))
        };
        attrs.push(Attr {
            handle: a.get("handle_id")?.string()?,
            node: sec("node")?,
            kind: sec("type")?,
            namespace: sec("namespace")?,
            pod: sec("pod")?,
        });
    }

    let mut allocations = Vec::new();
    for (ordinal, slot) in spec.get("allocations")?.items()?.into_iter().enumerate() {
        let Some(attr_index) = slot.uint(u64::MAX)? else {
            continue; // null: free
        };
        let ip = u128::try_from(ordinal)
            .ok()
            .and_then(|o| nth_address(&cidr, o))
            .ok_or_else(|| slot.error(format!("ordinal {ordinal} lies outside block {cidr}")))?;
        let attr = usize::try_from(attr_index)
            .ok()
            .and_then(|i| attrs.get(i))
            .ok_or_else(|| {
                slot.error(format!(
                    "points at attribute {attr_index}, but spec.attributes has {} entries",
                    attrs.len()
                ))
            })?;
        allocations.push(Allocation {
            ip,
            node: attr.node.clone(),
            kind: attr.kind.clone(),
            namespace: attr.namespace.clone(),
            pod: attr.pod.clone(),
            handle: attr.handle.clone(),
        });
    }

    Ok(IpamBlock {
        name: name.to_string(),
        cidr,
        affinity,
        allocations,
        deleted: spec.get("deleted")?.boolean()?.unwrap_or(false),
        from_affinity: false,
    })
}

pub(crate) fn parse_affinity(
    obj: &Cursor<'_, '_>,
    name: &str,
) -> Result<BlockAffinity, ParseError> {
    let spec = obj.get("spec")?;
    let cidr_field = spec.get("cidr")?;
    let cidr = cidr_field
        .cidr()?
        .ok_or_else(|| cidr_field.error("required but missing"))?
        .trunc();
    Ok(BlockAffinity {
        name: name.to_string(),
        node: spec.get("node")?.required_string()?,
        cidr,
        state: spec.get("state")?.string()?.filter(|s| !s.is_empty()),
        // A string ("false") in crd.projectcalico.org/v1, a boolean in some v3 builds.
        deleted: spec.get("deleted")?.boolean()?.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse_resources;
    use super::*;

    const BLOCK: &str = r#"
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata:
  name: 10-244-36-64-26
spec:
  affinity: host:worker-1
  allocations: [0, null, 1, 2, null]
  attributes:
  - handle_id: vxlan-tunnel-addr-worker-1
    secondary:
      node: worker-1
      type: vxlanTunnelAddress
  - handle_id: k8s-pod-network.0123abcd
    secondary:
      namespace: default
      node: worker-1
      pod: web-7d4b9c6f5-x2x9q
      timestamp: 2024-05-01 10:00:00.000000001 +0000 UTC
  - handle_id: k8s-pod-network.4567ef01
    secondary:
      namespace: kube-system
      node: worker-3
      pod: coredns-5d78c9869d-abcde
  cidr: 10.244.36.64/26
  deleted: false
  strictAffinity: false
  unallocated: [4, 1]
"#;

    #[test]
    fn allocations_become_addresses_with_owners() {
        let ci = parse_resources(BLOCK).expect("parse");
        let b = &ci.blocks[0];
        assert_eq!(b.name, "10-244-36-64-26");
        assert_eq!(b.cidr.to_string(), "10.244.36.64/26");
        assert_eq!(b.affinity.as_deref(), Some("worker-1"));
        assert!(!b.deleted);
        let ips: Vec<String> = b.allocations.iter().map(|a| a.ip.to_string()).collect();
        assert_eq!(ips, vec!["10.244.36.64", "10.244.36.66", "10.244.36.67"]);
        let tunnel = &b.allocations[0];
        assert_eq!(tunnel.kind.as_deref(), Some("vxlanTunnelAddress"));
        assert_eq!(tunnel.handle.as_deref(), Some("vxlan-tunnel-addr-worker-1"));
        assert_eq!(tunnel.pod, None);
        let web = &b.allocations[1];
        assert_eq!(web.namespace.as_deref(), Some("default"));
        assert_eq!(web.pod.as_deref(), Some("web-7d4b9c6f5-x2x9q"));
        assert_eq!(web.kind, None);
        let borrowed: Vec<String> = b.borrowed().map(|a| a.ip.to_string()).collect();
        assert_eq!(borrowed, vec!["10.244.36.67"]);
    }

    #[test]
    fn allocation_past_attributes_is_an_error() {
        let bad = BLOCK.replace("[0, null, 1, 2, null]", "[0, null, 7]");
        let err = parse_resources(&bad).expect_err("bad index");
        assert_eq!(err.field, "spec.allocations[2]");
        assert!(err.message.contains("attribute 7"), "{err}");
    }

    #[test]
    fn allocation_past_block_end_is_an_error() {
        let bad = BLOCK
            .replace("10.244.36.64/26", "10.244.36.64/31")
            .replace("[0, null, 1, 2, null]", "[0, null, 1]");
        let err = parse_resources(&bad).expect_err("outside");
        assert_eq!(err.field, "spec.allocations[2]");
    }

    #[test]
    fn v6_block_arithmetic() {
        let net: IpNet = "fd00:10:244:1::40/122".parse().expect("net");
        assert_eq!(
            nth_address(&net, 63).expect("last").to_string(),
            "fd00:10:244:1::7f"
        );
        assert_eq!(nth_address(&net, 64), None);
        let host: IpNet = "10.0.0.7/32".parse().expect("net");
        assert_eq!(nth_address(&host, 0).expect("only").to_string(), "10.0.0.7");
        assert_eq!(nth_address(&host, 1), None);
        let all: IpNet = "::/0".parse().expect("net");
        assert_eq!(
            nth_address(&all, u128::MAX).expect("last").to_string(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
    }

    #[test]
    fn affinities_null_virtual_and_bad() {
        let ci = parse_resources(&BLOCK.replace("host:worker-1", "null")).expect("parse");
        assert_eq!(ci.blocks[0].affinity, None);
        // Unaffine block: every owned allocation counts as borrowed.
        assert_eq!(ci.blocks[0].borrowed().count(), 3);
        let ci = parse_resources(&BLOCK.replace("host:worker-1", "virtual:vm-1")).expect("parse");
        assert_eq!(ci.blocks[0].affinity, None);
        assert_eq!(ci.notes.len(), 1);
        let err = parse_resources(&BLOCK.replace("host:worker-1", "worker-1")).expect_err("bad");
        assert_eq!(err.field, "spec.affinity");
    }

    #[test]
    fn block_affinity_deleted_as_string_or_bool() {
        let ci = parse_resources(
            "apiVersion: crd.projectcalico.org/v1\nkind: BlockAffinity\nmetadata: {name: worker-1-10-244-36-64-26}\nspec:\n  cidr: 10.244.36.64/26\n  deleted: \"false\"\n  node: worker-1\n  state: confirmed\n---\napiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: x}\nspec: {cidr: 10.244.0.0/26, deleted: true, node: w, state: pendingDeletion}\n",
        )
        .expect("parse");
        let a = &ci.affinities[0];
        assert_eq!(a.name, "worker-1-10-244-36-64-26");
        assert_eq!(a.node, "worker-1");
        assert_eq!(a.cidr.to_string(), "10.244.36.64/26");
        assert_eq!(a.state.as_deref(), Some("confirmed"));
        assert!(!a.deleted);
        assert!(ci.affinities[1].deleted);
        assert_eq!(ci.affinities[1].state.as_deref(), Some("pendingDeletion"));
    }

    #[test]
    fn block_affinity_needs_node() {
        let err = parse_resources(
            "apiVersion: crd.projectcalico.org/v1\nkind: BlockAffinity\nmetadata: {name: a}\nspec: {cidr: 10.244.36.64/26}\n",
        )
        .expect_err("no node");
        assert_eq!(err.field, "spec.node");
    }
}
