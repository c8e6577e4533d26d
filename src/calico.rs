//! Facts of Calico's behaviour that the expectation engine and the lab share: defaults, device
//! names, overheads and the VTEP MAC derivation (see shared/design/calico-expected-state.md §0, §1.5).

use sha1::{Digest, Sha1};

use crate::model::MacAddr;

pub const VXLAN_DEVICE: &str = "vxlan.calico";
pub const VXLAN_V6_DEVICE: &str = "vxlan-v6.calico";
pub const IPIP_DEVICE: &str = "tunl0";
pub const DEFAULT_INTERFACE_PREFIX: &str = "cali";
pub const DEFAULT_VXLAN_VNI: u32 = 4096;
pub const DEFAULT_VXLAN_PORT: u16 = 4789;
/// FelixConfiguration `deviceRouteProtocol` default: RTPROT_BOOT.
pub const DEFAULT_DEVICE_ROUTE_PROTOCOL: u8 = 3;
/// Host MTU Felix falls back to when no interface matches `mtuIfacePattern`.
pub const FALLBACK_HOST_MTU: u32 = 1460;
pub const VXLAN_OVERHEAD_V4: u32 = 50;
pub const VXLAN_OVERHEAD_V6: u32 = 70;
pub const IPIP_OVERHEAD: u32 = 20;
/// The MAC Calico gives the host side of every workload veth.
pub const WORKLOAD_HOST_MAC: MacAddr = MacAddr([0xee; 6]);

/// The VTEP MAC Felix derives when a Node has no `vxlanTunnelMACAddr`: 0x66 followed by the first five
/// bytes of SHA-1(node name) (`-v6` appended to the name for the IPv6 device).
pub fn derived_vtep_mac(node: &str, v6: bool) -> MacAddr {
    let mut h = Sha1::new();
    h.update(node.as_bytes());
    if v6 {
        h.update(b"-v6");
    }
    let d = h.finalize();
    MacAddr([0x66, d[0], d[1], d[2], d[3], d[4]])
}

/// Whether `name` matches Felix's default `mtuIfacePattern`
/// `^((en|wl|ww|sl|ib)[Pcopsvx].*|(eth|wlan|wwan).*)`, without a regex engine.
pub fn matches_default_mtu_iface_pattern(name: &str) -> bool {
    if name.starts_with("eth") || name.starts_with("wlan") || name.starts_with("wwan") {
        return true;
    }
    let b = name.as_bytes();
    b.len() >= 3
        && matches!(&b[..2], b"en" | b"wl" | b"ww" | b"sl" | b"ib")
        && matches!(b[2], b'P' | b'c' | b'o' | b'p' | b's' | b'v' | b'x')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vtep_mac_is_sha1_derived() {
        // SHA-1("worker") = 10f5ebe6ac… (computed independently with `printf worker | sha1sum`).
        let mac = derived_vtep_mac("worker", false);
        assert_eq!(mac.to_string(), "66:10:f5:eb:e6:ac");
        let v6 = derived_vtep_mac("worker", true);
        assert_ne!(mac, v6);
    }

    #[test]
    fn mtu_pattern() {
        assert!(matches_default_mtu_iface_pattern("eth0"));
        assert!(matches_default_mtu_iface_pattern("ens5"));
        assert!(matches_default_mtu_iface_pattern("enp0s3"));
        assert!(!matches_default_mtu_iface_pattern("en"));
        assert!(!matches_default_mtu_iface_pattern("bond0"));
        assert!(!matches_default_mtu_iface_pattern("cali123"));
        assert!(!matches_default_mtu_iface_pattern("vxlan.calico"));
    }
}
