//! The VXLAN header (RFC 7348), which etherparse does not know: 8 bytes — flags (I = 0x08), 24
//! reserved bits, the 24-bit VNI, 8 reserved bits. Named like etherparse's slices.

use netdiag_core::model::packet::VxlanHeader;

/// Length of the VXLAN header.
pub const VXLAN_HEADER_LEN: usize = 8;

/// Decodes the header at the start of `udp_payload`; `None` when fewer than 8 bytes are there.
pub fn decode_vxlan(udp_payload: &[u8]) -> Option<(VxlanHeader, &[u8])> {
    let h = udp_payload.get(..VXLAN_HEADER_LEN)?;
    let rest = udp_payload.get(VXLAN_HEADER_LEN..).unwrap_or(&[]);
    let header = VxlanHeader {
        flags: h[0],
        vni: u32::from_be_bytes([0, h[4], h[5], h[6]]),
        reserved: u32::from_be_bytes([h[1], h[2], h[3], h[7]]),
    };
    Some((header, rest))
}

/// Writes a VXLAN header with the I flag and `vni` (for tests and the pcap generator).
pub fn vxlan_header(vni: u32) -> [u8; 8] {
    let v = vni.to_be_bytes();
    [0x08, 0, 0, 0, v[1], v[2], v[3], 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_fields() {
        let (h, rest) =
            decode_vxlan(&[0x08, 0, 0, 0, 0, 0x10, 0x00, 0, 0xaa]).expect("test packet");
        assert_eq!(h.vni, 4096);
        assert!(h.i_flag());
        assert_eq!(h.reserved, 0);
        assert_eq!(rest, &[0xaa]);
        let (h, _) = decode_vxlan(&[0x88, 0, 0x12, 0x34, 0, 0, 1, 0x01]).expect("test packet");
        assert_eq!(h.reserved, 0x0012_3401);
        assert_eq!(
            decode_vxlan(&vxlan_header(4097))
                .expect("test packet")
                .0
                .vni,
            4097
        );
        assert!(decode_vxlan(&[0x08; 7]).is_none());
    }
}
