//! Calico `IPPool` (projectcalico.org/v3 and crd.projectcalico.org/v1, same `spec`) into
//! [`IpPool`], with Calico's defaults and its conversion of the old APIv1 `spec.ipip` block.

use ipnet::IpNet;
use netdiag_core::model::cluster::{AllowedUse, EncapMode, IpPool};

use super::value::Cursor;
use crate::error::ParseError;

/// Reads one IPPool. `notes` receives what is odd but usable.
pub(crate) fn parse(
    obj: &Cursor<'_, '_>,
    name: &str,
    notes: &mut Vec<String>,
) -> Result<IpPool, ParseError> {
    let spec = obj.get("spec")?;
    let cidr_field = spec.get("cidr")?;
    let cidr = cidr_field
        .cidr()?
        .ok_or_else(|| cidr_field.error("required but missing"))?;
    // Calico stores and routes the pool's network; `10.0.0.1/16` means 10.0.0.0/16.
    let cidr = cidr.trunc();

    let max_bits: u8 = match cidr {
        IpNet::V4(_) => 32,
        IpNet::V6(_) => 128,
    };
    let bs_field = spec.get("blockSize")?;
    let block_size = match bs_field.uint(u64::from(max_bits))? {
        // `blockSize: 0` is what Go's omitempty would hide; treat like unset.
        None | Some(0) => match cidr {
            IpNet::V4(_) => 26,
            IpNet::V6(_) => 122,
        },
        Some(n) => u8::try_from(n).map_err(|_| bs_field.error(format!("{n} is out of range")))?,
    };
    let calico_range = match cidr {
        IpNet::V4(_) => 20..=32,
        IpNet::V6(_) => 116..=128,
    };
    if !calico_range.contains(&block_size) {
        notes.push(format!(
            "IPPool {name}: blockSize {block_size} is outside Calico's range {}-{} ({})",
            calico_range.start(),
            calico_range.end(),
            obj.where_()
        ));
    }
    if block_size < cidr.prefix_len() {
        notes.push(format!(
            "IPPool {name}: blockSize {block_size} is larger than the pool {cidr} itself ({})",
            obj.where_()
        ));
    }

    let mut ipip_mode = mode(&spec.get("ipipMode")?)?;
    let vxlan_mode = mode(&spec.get("vxlanMode")?)?;

    // APIv1 pools migrated into the CRD may still carry `ipip: {enabled, mode}`. Calico's
    // IPPoolv1v3Converter lets it override ipipMode: disabled → Never, `cross-subnet` →
    // CrossSubnet, anything else → Always.
    let ipip = spec.get("ipip")?;
    if ipip.mapping()?.is_some() {
        let enabled = ipip.get("enabled")?.boolean()?.unwrap_or(false);
        let legacy = ipip.get("mode")?;
        let legacy_mode = match legacy.string()? {
            None => EncapMode::Always,
            Some(s) => match EncapMode::parse(&s) {
                Some(EncapMode::CrossSubnet) => EncapMode::CrossSubnet,
                Some(_) => EncapMode::Always,
                None => {
                    return Err(legacy.error(format!(
                        "{s:?} is not an IPIP mode (expected always or cross-subnet)"
                    )))
                }
            },
        };
        ipip_mode = if enabled {
            legacy_mode
        } else {
            EncapMode::Never
        };
    }

    // `nat-outgoing` is the APIv1 spelling; Calico ORs it into natOutgoing.
    let nat_outgoing = spec.get("natOutgoing")?.boolean()?.unwrap_or(false)
        || spec.get("nat-outgoing")?.boolean()?.unwrap_or(false);

    let mut allowed_uses = Vec::new();
    for item in spec.get("allowedUses")?.items()? {
        let s = item.required_string()?;
        let u = match s.as_str() {
            "Workload" => AllowedUse::Workload,
            "Tunnel" => AllowedUse::Tunnel,
            "LoadBalancer" => AllowedUse::LoadBalancer,
            _ => {
                return Err(item.error(format!(
                    "{s:?} is not an allowed use (expected Workload, Tunnel or LoadBalancer)"
                )))
            }
        };
        if !allowed_uses.contains(&u) {
            allowed_uses.push(u);
        }
    }

    Ok(IpPool {
        name: name.to_string(),
        cidr,
        block_size,
        ipip_mode,
        vxlan_mode,
        nat_outgoing,
        disabled: spec.get("disabled")?.boolean()?.unwrap_or(false),
        node_selector: spec.get("nodeSelector")?.string()?,
        allowed_uses,
    })
}

fn mode(field: &Cursor<'_, '_>) -> Result<EncapMode, ParseError> {
    match field.string()? {
        None => Ok(EncapMode::Never),
        Some(s) => EncapMode::parse(&s).ok_or_else(|| {
            field.error(format!(
                "{s:?} is not an encapsulation mode (expected Never, Always or CrossSubnet)"
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_resources;
    use super::*;

    fn one(yaml: &str) -> IpPool {
        let ci = parse_resources(yaml).expect("should parse");
        assert_eq!(ci.pools.len(), 1, "{:?}", ci.notes);
        ci.pools.into_iter().next().expect("one pool")
    }

    #[test]
    fn v3_pool_with_every_field() {
        let p = one(
            "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pool-a\nspec:\n  cidr: 10.244.0.0/16\n  blockSize: 24\n  ipipMode: Never\n  vxlanMode: CrossSubnet\n  natOutgoing: true\n  disabled: true\n  nodeSelector: zone == 'a'\n  allowedUses: [Workload, Tunnel]\n",
        );
        assert_eq!(p.name, "pool-a");
        assert_eq!(p.cidr.to_string(), "10.244.0.0/16");
        assert_eq!(p.block_size, 24);
        assert_eq!(p.ipip_mode, EncapMode::Never);
        assert_eq!(p.vxlan_mode, EncapMode::CrossSubnet);
        assert!(p.nat_outgoing);
        assert!(p.disabled);
        assert_eq!(p.node_selector.as_deref(), Some("zone == 'a'"));
        assert_eq!(
            p.allowed_uses,
            vec![AllowedUse::Workload, AllowedUse::Tunnel]
        );
    }

    #[test]
    fn defaults_by_family() {
        let p = one("apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: v4}\nspec: {cidr: 192.168.0.0/16}\n");
        assert_eq!(p.block_size, 26);
        assert_eq!(p.ipip_mode, EncapMode::Never);
        assert_eq!(p.vxlan_mode, EncapMode::Never);
        assert!(!p.nat_outgoing && !p.disabled);
        assert_eq!(p.node_selector, None);
        assert!(p.allowed_uses.is_empty());
        let p = one("apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: v6}\nspec: {cidr: 'fd00:10:244::/48'}\n");
        assert_eq!(p.block_size, 122);
    }

    #[test]
    fn lower_case_and_legacy_ipip() {
        let p = one("apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: old}\nspec:\n  cidr: 10.0.0.0/16\n  ipipMode: cross-subnet\n");
        assert_eq!(p.ipip_mode, EncapMode::CrossSubnet);
        let p = one("apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: old}\nspec:\n  cidr: 10.0.0.0/16\n  ipip: {enabled: true}\n  nat-outgoing: true\n");
        assert_eq!(p.ipip_mode, EncapMode::Always);
        assert!(p.nat_outgoing);
        let p = one("apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: old}\nspec:\n  cidr: 10.0.0.0/16\n  ipipMode: Always\n  ipip: {enabled: false, mode: always}\n");
        assert_eq!(p.ipip_mode, EncapMode::Never);
        let p = one("apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: old}\nspec:\n  cidr: 10.0.0.0/16\n  ipip: {enabled: true, mode: cross-subnet}\n");
        assert_eq!(p.ipip_mode, EncapMode::CrossSubnet);
    }

    #[test]
    fn bad_values_name_their_field() {
        let err = parse_resources("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16, vxlanMode: Sometimes}\n").expect_err("bad mode");
        assert_eq!(err.field, "spec.vxlanMode");
        assert!(err.message.contains("\"Sometimes\""), "{err}");
        let err = parse_resources("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {ipipMode: Always}\n").expect_err("no cidr");
        assert_eq!(err.field, "spec.cidr");
        let err = parse_resources("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16, blockSize: 33}\n").expect_err("block size");
        assert_eq!(err.field, "spec.blockSize");
        let err = parse_resources("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16, allowedUses: [Workload, Pets]}\n").expect_err("use");
        assert_eq!(err.field, "spec.allowedUses[1]");
    }

    #[test]
    fn host_bits_are_dropped_from_pool_cidr_and_odd_block_sizes_noted() {
        let ci = parse_resources("apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.1/16, blockSize: 12}\n").expect("parse");
        assert_eq!(ci.pools[0].cidr.to_string(), "10.0.0.0/16");
        assert_eq!(ci.pools[0].block_size, 12);
        assert_eq!(ci.notes.len(), 2, "{:?}", ci.notes);
    }
}
