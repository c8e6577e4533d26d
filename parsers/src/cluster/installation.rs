//! The Tigera operator's `Installation` (`operator.tigera.io/v1`) into [`Installation`]: the BGP
//! switch, the MTU and the IP pool templates of `spec.calicoNetwork`. Nothing else of it is read.

use netdiag_core::model::cluster::{EncapMode, Installation, PoolTemplate};

use super::value::Cursor;
use crate::error::ParseError;

/// Largest MTU a Linux device takes.
const MAX_MTU: u64 = 65535;

pub(crate) fn parse(obj: &Cursor<'_, '_>, name: &str) -> Result<Installation, ParseError> {
    let net = obj.get("spec.calicoNetwork")?;
    let mut pools = Vec::new();
    for p in net.get("ipPools")?.items()? {
        let cidr = {
            let f = p.get("cidr")?;
            f.cidr()?.ok_or_else(|| f.error("required but missing"))?
        };
        let (ipip_mode, vxlan_mode) = {
            let f = p.get("encapsulation")?;
            match f.string()?.as_deref() {
                // The operator's default for an IPv4 pool.
                None => (EncapMode::Always, EncapMode::Never),
                Some("IPIP") => (EncapMode::Always, EncapMode::Never),
                Some("IPIPCrossSubnet") => (EncapMode::CrossSubnet, EncapMode::Never),
                Some("VXLAN") => (EncapMode::Never, EncapMode::Always),
                Some("VXLANCrossSubnet") => (EncapMode::Never, EncapMode::CrossSubnet),
                Some("None") => (EncapMode::Never, EncapMode::Never),
                Some(other) => {
                    return Err(f.error(format!(
                        "{other:?} is not IPIP, IPIPCrossSubnet, VXLAN, VXLANCrossSubnet or None"
                    )))
                }
            }
        };
        pools.push(PoolTemplate {
            name: p.get("name")?.string()?.filter(|s| !s.is_empty()),
            cidr,
            ipip_mode,
            vxlan_mode,
            nat_outgoing: enabled(&p.get("natOutgoing")?)?,
            block_size: p
                .get("blockSize")?
                .uint(128)?
                .and_then(|n| u8::try_from(n).ok()),
            node_selector: p.get("nodeSelector")?.string()?.filter(|s| !s.is_empty()),
        });
    }
    Ok(Installation {
        name: name.to_string(),
        bgp: enabled(&net.get("bgp")?)?,
        mtu: net
            .get("mtu")?
            .uint(MAX_MTU)?
            .and_then(|n| u32::try_from(n).ok()),
        pools,
    })
}

/// The operator's `Enabled`/`Disabled` switches.
fn enabled(f: &Cursor<'_, '_>) -> Result<Option<bool>, ParseError> {
    match f.string()?.as_deref() {
        None => Ok(None),
        Some("Enabled") => Ok(Some(true)),
        Some("Disabled") => Ok(Some(false)),
        Some(other) => Err(f.error(format!("{other:?} is not Enabled or Disabled"))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_resources;
    use netdiag_core::model::cluster::{Backend, EncapMode};

    #[test]
    fn network_pools_and_switches() {
        let ci = parse_resources(
            "apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata: {name: default}\nspec:\n  calicoNetwork:\n    bgp: Disabled\n    mtu: 1400\n    ipPools:\n    - name: default-ipv4-ippool\n      cidr: 192.168.0.0/16\n      encapsulation: VXLANCrossSubnet\n      natOutgoing: Enabled\n      blockSize: 26\n      nodeSelector: all()\n    - cidr: fd00:10::/48\n      encapsulation: None\n",
        )
        .expect("parse");
        let i = ci.installation.expect("installation");
        assert_eq!(i.name, "default");
        assert_eq!(i.bgp, Some(false));
        assert_eq!(i.mtu, Some(1400));
        assert_eq!(i.pools.len(), 2);
        assert_eq!(i.pools[0].vxlan_mode, EncapMode::CrossSubnet);
        assert_eq!(i.pools[0].nat_outgoing, Some(true));
        assert_eq!(i.pools[0].block_size, Some(26));
        assert_eq!(i.pools[1].vxlan_mode, EncapMode::Never);
        assert_eq!(i.pools[1].ipip_mode, EncapMode::Never);
        assert_eq!(i.backend(), Some(Backend::Vxlan));
    }

    #[test]
    fn a_bad_encapsulation_names_the_field() {
        let err = parse_resources(
            "apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata: {name: default}\nspec:\n  calicoNetwork:\n    ipPools:\n    - cidr: 10.0.0.0/16\n      encapsulation: GRE\n",
        )
        .expect_err("bad encapsulation");
        assert_eq!(err.field, "spec.calicoNetwork.ipPools[0].encapsulation");
    }
}
