//! The classic pcap file format (not pcapng): the 24-byte global header and the 16-byte record
//! headers, read from bytes the caller holds. Pure and allocation-free, so that `netdiag capture
//! -r` can decode straight out of large reads of the file instead of libpcap copying each record
//! out of stdio's buffer (a third of the time of `--stats`).
//!
//! Everything libpcap also reads but this does not (pcapng, the "modified" Kuznetzov format) is
//! reported as [`FileKind::Other`], and the caller hands the file to libpcap instead.

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A classic pcap file this module reads.
    Pcap(GlobalHeader),
    /// Something else (pcapng, another pcap variant, not a capture at all): libpcap's business,
    /// including the error message.
    Other,
}

/// The global header of a classic pcap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalHeader {
    /// The file's integers are big-endian (its magic says so; the writer's byte order, not ours).
    pub big_endian: bool,
    /// Timestamps' second field holds nanoseconds (magic 0xa1b23c4d), not microseconds.
    pub nanos: bool,
    /// LINKTYPE_ number (the upper bits carry FCS information and are dropped).
    pub linktype: u16,
    pub snaplen: u32,
}

/// Length of the global header.
pub const GLOBAL_HEADER_LEN: usize = 24;
/// Length of a record header.
pub const RECORD_HEADER_LEN: usize = 16;

/// Larger records than this are corrupt, not packets: libpcap's own limit (tcpdump and netdiag's
/// libpcap path refuse the same records).
pub const MAX_RECORD: u32 = 256 * 1024;

/// Reads the global header from the first bytes of a file (fewer than 24 bytes: not a pcap file).
pub fn global_header(b: &[u8]) -> FileKind {
    let Some(h) = b.get(..GLOBAL_HEADER_LEN) else {
        return FileKind::Other;
    };
    let magic = [h[0], h[1], h[2], h[3]];
    let (big_endian, nanos) = match magic {
        [0xa1, 0xb2, 0xc3, 0xd4] => (true, false),
        [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
        [0xa1, 0xb2, 0x3c, 0x4d] => (true, true),
        [0x4d, 0x3c, 0xb2, 0xa1] => (false, true),
        _ => return FileKind::Other,
    };
    let u32_at = |at: usize| read_u32(h, at, big_endian);
    FileKind::Pcap(GlobalHeader {
        big_endian,
        nanos,
        snaplen: u32_at(16),
        linktype: (u32_at(20) & 0xffff) as u16,
    })
}

/// One record header: when, how much was captured, how long the packet was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Bytes of packet data that follow the header.
    pub caplen: u32,
    /// Length of the packet on the wire.
    pub wire_len: u32,
}

/// Why a record cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("record claims {caplen} captured bytes (more than {MAX_RECORD}); the file is corrupt")]
    TooLong { caplen: u32 },
}

/// Reads the record header at the start of `b` (which must hold at least [`RECORD_HEADER_LEN`]
/// bytes; `None` otherwise).
pub fn record_header(b: &[u8], g: &GlobalHeader) -> Option<Result<RecordHeader, RecordError>> {
    let h = b.get(..RECORD_HEADER_LEN)?;
    let secs = i64::from(read_u32(h, 0, g.big_endian));
    let frac = i64::from(read_u32(h, 4, g.big_endian));
    let caplen = read_u32(h, 8, g.big_endian);
    let wire_len = read_u32(h, 12, g.big_endian);
    if caplen > MAX_RECORD {
        return Some(Err(RecordError::TooLong { caplen }));
    }
    let frac_ns = if g.nanos { frac } else { frac * 1000 };
    Some(Ok(RecordHeader {
        ts_ns: secs * 1_000_000_000 + frac_ns,
        caplen,
        wire_len,
    }))
}

fn read_u32(b: &[u8], at: usize, big_endian: bool) -> u32 {
    let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if big_endian {
        u32::from_be_bytes(v)
    } else {
        u32::from_le_bytes(v)
    }
}

/// Appends a classic pcap global header (little-endian, nanosecond stamps) to `out`: for tests
/// that need a file of their own making.
pub fn write_global_header(out: &mut Vec<u8>, linktype: u16, snaplen: u32) {
    out.extend_from_slice(&0xa1b2_3c4d_u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&snaplen.to_le_bytes());
    out.extend_from_slice(&u32::from(linktype).to_le_bytes());
}

/// Appends one record (nanosecond stamp, little-endian) to `out`.
pub fn write_record(out: &mut Vec<u8>, ts_ns: i64, wire_len: u32, data: &[u8]) {
    let secs = ts_ns.div_euclid(1_000_000_000) as u32;
    let nanos = ts_ns.rem_euclid(1_000_000_000) as u32;
    out.extend_from_slice(&secs.to_le_bytes());
    out.extend_from_slice(&nanos.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&wire_len.to_le_bytes());
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: [u8; 4], big: bool) -> Vec<u8> {
        let mut v = magic.to_vec();
        let w = |v: &mut Vec<u8>, x: u32| {
            v.extend_from_slice(&if big {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            })
        };
        w(&mut v, 0x0004_0002); // version (two u16s; not looked at)
        w(&mut v, 0);
        w(&mut v, 0);
        w(&mut v, 262_144);
        w(&mut v, 0x1000_0001); // Ethernet, with FCS bits set
        v
    }

    #[test]
    fn all_four_magics() {
        for (magic, big, nanos) in [
            ([0xa1, 0xb2, 0xc3, 0xd4], true, false),
            ([0xd4, 0xc3, 0xb2, 0xa1], false, false),
            ([0xa1, 0xb2, 0x3c, 0x4d], true, true),
            ([0x4d, 0x3c, 0xb2, 0xa1], false, true),
        ] {
            let FileKind::Pcap(g) = global_header(&header(magic, big)) else {
                panic!("{magic:x?} not read");
            };
            assert_eq!((g.big_endian, g.nanos), (big, nanos));
            assert_eq!((g.linktype, g.snaplen), (1, 262_144));
        }
    }

    #[test]
    fn pcapng_short_and_garbage_are_other() {
        assert_eq!(
            global_header(&[0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0]),
            FileKind::Other
        );
        let mut ng = header([0x0a, 0x0d, 0x0d, 0x0a], false);
        ng.truncate(24);
        assert_eq!(global_header(&ng), FileKind::Other);
        assert_eq!(
            global_header(&header([0xd4, 0xc3, 0xb2, 0xa1], false)[..23]),
            FileKind::Other
        );
        assert_eq!(global_header(b"not a capture file at all"), FileKind::Other);
    }

    #[test]
    fn records_round_trip_and_micro_stamps_scale() {
        let mut f = Vec::new();
        write_global_header(&mut f, 1, 65535);
        write_record(&mut f, 1_700_000_000_123_456_789, 100, &[7; 60]);
        let FileKind::Pcap(g) = global_header(&f) else {
            panic!("own header not read");
        };
        let r = record_header(&f[GLOBAL_HEADER_LEN..], &g)
            .expect("whole")
            .expect("valid");
        assert_eq!(r.ts_ns, 1_700_000_000_123_456_789);
        assert_eq!((r.caplen, r.wire_len), (60, 100));
        // The same record in a microsecond file: the fraction is scaled.
        let micro = GlobalHeader { nanos: false, ..g };
        let mut rec = Vec::new();
        rec.extend_from_slice(&5u32.to_le_bytes());
        rec.extend_from_slice(&7u32.to_le_bytes());
        rec.extend_from_slice(&0u32.to_le_bytes());
        rec.extend_from_slice(&0u32.to_le_bytes());
        let r = record_header(&rec, &micro).expect("whole").expect("valid");
        assert_eq!(r.ts_ns, 5_000_007_000);
        assert!(record_header(&rec[..15], &micro).is_none());
    }

    #[test]
    fn absurd_lengths_are_errors() {
        let g = GlobalHeader {
            big_endian: false,
            nanos: true,
            linktype: 1,
            snaplen: 65535,
        };
        let mut rec = vec![0; 8];
        rec.extend_from_slice(&u32::MAX.to_le_bytes());
        rec.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(
            record_header(&rec, &g),
            Some(Err(RecordError::TooLong { caplen: u32::MAX }))
        );
    }
}
