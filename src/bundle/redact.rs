//! Redaction of a bundle's text: every IPv4/IPv6 address (dotted, and dashed as in `ip-10-0-1-5`
//! or IPAM block names) and every node host name is replaced by a placeholder, the same one
//! wherever it appears, so the redacted bundle still analyses the same.
//!
//! Addresses: a per-bundle bijection that keeps network structure. The cut `L` is the shortest
//! prefix length the bundle mentions (at least /8, at most /16 for IPv4; /16–/64 for IPv6): every
//! distinct original /L network gets a new, distinct /L network, and the bits below `L` are kept.
//! So two addresses share any prefix of length ≥ L exactly when their placeholders do (same subnet
//! stays same subnet, a block stays inside its pool), and a route's prefix length never changes.
//! New IPv4 networks are taken from 10.0.0.0/8 first (at a per-bundle offset), IPv6 ones from
//! fd00::/8; never an original network, never a range with a meaning of its own. Addresses with a
//! meaning of their own are kept: 0/8, loopback, link-local (Calico's 169.254.1.1 gateway),
//! multicast and reserved, Docker's default bridges 172.17/16 and 172.18/16 (the analysis flags
//! node IPs there), and in IPv6 `::`, `::1`, fe80::/10, ff00::/8.
//!
//! Host names: each becomes `node-N` (numbered in sorted order) wherever it stands as a word —
//! delimited by anything but a letter, digit or `_` — so `worker` in `nd-lab-worker` and in the pod
//! `worker-p1` is replaced, in file names too. Longer names are replaced first (`worker2` before
//! `worker`).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedactOptions {
    pub ips: bool,
    pub hostnames: bool,
}

impl RedactOptions {
    pub fn any(&self) -> bool {
        self.ips || self.hostnames
    }
}

/// IPv4 ranges kept as they are: (first, last).
const V4_KEEP: [(u32, u32); 6] = [
    (0x0000_0000, 0x00ff_ffff), // 0.0.0.0/8
    (0x7f00_0000, 0x7fff_ffff), // 127.0.0.0/8
    (0xa9fe_0000, 0xa9fe_ffff), // 169.254.0.0/16
    (0xac11_0000, 0xac12_ffff), // 172.17.0.0/16, 172.18.0.0/16 (Docker defaults)
    (0xe000_0000, 0xffff_ffff), // multicast, reserved, broadcast
    (0x6440_0000, 0x647f_ffff), // 100.64.0.0/10 is kept out of the targets only (see below)
];

fn v4_kept(a: u32) -> bool {
    V4_KEEP[..5].iter().any(|&(lo, hi)| a >= lo && a <= hi)
}

fn v6_kept(a: Ipv6Addr) -> bool {
    let s = a.segments();
    a.is_unspecified() || a.is_loopback() || (s[0] & 0xffc0) == 0xfe80 || (s[0] & 0xff00) == 0xff00
}

/// One address found in a text: where its characters are, and how it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hit {
    start: usize,
    end: usize,
    addr: IpAddr,
    prefix: Option<u8>,
    /// Written with this separator instead of dots (`-` in `ip-10-0-1-5`, `_` in BIRD's
    /// `Mesh_10_0_1_5`).
    dashed: Option<u8>,
}

/// A per-bundle redaction: the address map and the host-name map, filled from the texts the bundle
/// holds (scan them all with [`Redactor::new`] first so that the cut sees every prefix).
#[derive(Debug, Clone)]
pub struct Redactor {
    opts: RedactOptions,
    seed: u64,
    v4_len: u8,
    v4: BTreeMap<u32, u32>,
    v4_used: BTreeSet<u32>,
    v4_orig: BTreeSet<u32>,
    v6_len: u8,
    v6: BTreeMap<u128, u128>,
    v6_used: BTreeSet<u128>,
    v6_orig: BTreeSet<u128>,
    hosts: Vec<(String, String)>,
    replaced: BTreeSet<IpAddr>,
}

impl Redactor {
    /// Builds the maps from every text of the bundle and the node host names. `seed` makes the
    /// address placeholders differ from bundle to bundle.
    pub fn new(opts: RedactOptions, seed: u64, texts: &[&str], hostnames: &[String]) -> Redactor {
        let mut hits = Vec::new();
        for t in texts {
            scan(t, |h| hits.push(h));
        }
        let min_prefix = |v6: bool, lo: u8, hi: u8| {
            hits.iter()
                .filter(|h| h.addr.is_ipv6() == v6 && !kept(h.addr))
                .filter_map(|h| h.prefix)
                .filter(|p| *p >= lo)
                .min()
                .map_or(hi, |p| p.min(hi))
        };
        let v4_len = min_prefix(false, 8, 16);
        let v6_len = min_prefix(true, 16, 64);
        let mut r = Redactor {
            opts,
            seed,
            v4_len,
            v4: BTreeMap::new(),
            v4_used: BTreeSet::new(),
            v4_orig: BTreeSet::new(),
            v6_len,
            v6: BTreeMap::new(),
            v6_used: BTreeSet::new(),
            v6_orig: BTreeSet::new(),
            hosts: Vec::new(),
            replaced: BTreeSet::new(),
        };
        for h in &hits {
            match h.addr {
                IpAddr::V4(a) if !v4_kept(a.to_bits()) => {
                    r.v4_orig.insert(a.to_bits() >> (32 - v4_len));
                }
                IpAddr::V6(a) if !v6_kept(a) => {
                    r.v6_orig.insert(a.to_bits() >> (128 - v6_len));
                }
                _ => {}
            }
        }
        // Targets in the originals' order, so the map does not depend on which file came first.
        for net in r.v4_orig.clone() {
            r.v4_net(net);
        }
        for net in r.v6_orig.clone() {
            r.v6_net(net);
        }
        let mut names: Vec<&String> = hostnames.iter().filter(|h| !h.is_empty()).collect();
        names.sort();
        names.dedup();
        let clash = names.iter().any(|n| {
            n.strip_prefix("node-")
                .is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()))
        });
        let prefix = if clash { "redacted-node-" } else { "node-" };
        r.hosts = names
            .iter()
            .enumerate()
            .map(|(i, n)| ((*n).clone(), format!("{prefix}{}", i + 1)))
            .collect();
        r.hosts
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        r
    }

    /// The network cuts in use (IPv4, IPv6).
    pub fn cuts(&self) -> (u8, u8) {
        (self.v4_len, self.v6_len)
    }

    /// The placeholder of one address (itself when it is kept or IPs are not redacted).
    pub fn ip(&mut self, addr: IpAddr) -> IpAddr {
        if !self.opts.ips || kept(addr) {
            return addr;
        }
        self.replaced.insert(addr);
        match addr {
            IpAddr::V4(a) => {
                let shift = 32 - u32::from(self.v4_len);
                let bits = a.to_bits();
                let net = self.v4_net(bits >> shift);
                IpAddr::V4(Ipv4Addr::from_bits(
                    (net << shift) | (bits & ((1u32 << shift) - 1)),
                ))
            }
            IpAddr::V6(a) => {
                let shift = 128 - u32::from(self.v6_len);
                let bits = a.to_bits();
                let net = self.v6_net(bits >> shift);
                IpAddr::V6(Ipv6Addr::from_bits(
                    (net << shift) | (bits & ((1u128 << shift) - 1)),
                ))
            }
        }
    }

    /// The placeholder of a host name, if it is one of the node names.
    pub fn host(&self, name: &str) -> Option<&str> {
        self.hosts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.as_str())
    }

    /// `s` with every address and host name replaced (as the options say).
    pub fn text(&mut self, s: &str) -> String {
        let mut out = s.to_string();
        if self.opts.ips {
            let mut hits = Vec::new();
            scan(s, |h| hits.push(h));
            let mut buf = String::with_capacity(s.len());
            let mut at = 0;
            for h in hits {
                buf.push_str(&s[at..h.start]);
                let new = self.ip(h.addr);
                if let Some(sep) = h.dashed {
                    buf.push_str(&new.to_string().replace('.', &char::from(sep).to_string()));
                } else {
                    buf.push_str(&new.to_string());
                }
                at = h.end;
            }
            buf.push_str(&s[at..]);
            out = buf;
        }
        if self.opts.hostnames {
            for (name, placeholder) in &self.hosts {
                out = replace_word(&out, name, placeholder);
            }
        }
        out
    }

    /// Distinct addresses and host names replaced so far.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.replaced.len(),
            if self.opts.hostnames {
                self.hosts.len()
            } else {
                0
            },
        )
    }

    fn v4_net(&mut self, net: u32) -> u32 {
        if let Some(t) = self.v4.get(&net) {
            return *t;
        }
        let bits = u32::from(self.v4_len);
        let span: u64 = 1 << bits;
        let inside_ten: u64 = 1 << (bits - 8);
        let start = (10u64 << (bits - 8)) + self.seed % inside_ten;
        let shift = 32 - bits;
        let usable = |c: u32| {
            let (lo, hi) = (u64::from(c) << shift, ((u64::from(c) + 1) << shift) - 1);
            !V4_KEEP
                .iter()
                .any(|&(a, b)| lo <= u64::from(b) && u64::from(a) <= hi)
        };
        let target = (0..span)
            .map(|k| ((start + k) % span) as u32)
            .find(|c| !self.v4_used.contains(c) && !self.v4_orig.contains(c) && usable(*c))
            // More distinct networks than the address space has left: keep the network (its host
            // part is still the original). Unreachable below /16 with any real bundle.
            .unwrap_or(net);
        self.v4_used.insert(target);
        self.v4.insert(net, target);
        target
    }

    fn v6_net(&mut self, net: u128) -> u128 {
        if let Some(t) = self.v6.get(&net) {
            return *t;
        }
        let bits = u32::from(self.v6_len);
        let below = bits - 8;
        let span: u128 = 1 << below;
        let base: u128 = 0xfd << below;
        let target = (0..1u128 << 20)
            .map(|k| base + (u128::from(self.seed) + k) % span)
            .find(|c| !self.v6_used.contains(c) && !self.v6_orig.contains(c))
            .unwrap_or(net);
        self.v6_used.insert(target);
        self.v6.insert(net, target);
        target
    }
}

fn kept(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => v4_kept(a.to_bits()),
        IpAddr::V6(a) => v6_kept(a),
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `s` with `word` replaced where it is not part of a longer word.
fn replace_word(s: &str, word: &str, with: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    let mut from = 0;
    while let Some(pos) = s[from..].find(word) {
        let start = from + pos;
        let end = start + word.len();
        let before = start == 0 || !is_word(bytes[start - 1]);
        let after = end == bytes.len() || !is_word(bytes[end]);
        if before && after {
            out.push_str(&s[at..start]);
            out.push_str(with);
            at = end;
            from = end;
        } else {
            from = start + s[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out.push_str(&s[at..]);
    out
}

/// Calls `f` for every address in `s`, in order, without overlaps.
fn scan(s: &str, mut f: impl FnMut(Hit)) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let prev = if i == 0 { None } else { Some(b[i - 1]) };
        let c = b[i];
        let free = prev.is_none_or(|p| !(p.is_ascii_alphanumeric() || p == b'.' || p == b':'));
        if free && (c.is_ascii_hexdigit() || c == b':') {
            if let Some((h, next)) = v6_at(s, i) {
                f(h);
                i = next;
                continue;
            }
        }
        if c.is_ascii_digit() && prev.is_none_or(|p| !(p.is_ascii_alphanumeric() || p == b'.')) {
            if let Some((h, next)) = v4_at(b, i) {
                f(h);
                i = next;
                continue;
            }
            // Inside a run of dashed numbers (`1-2-3-4-5-6`, already refused as a whole)? A
            // digit before the dash that ends a word (`worker2-10-…`) starts nothing.
            let dash_inside =
                matches!(prev, Some(b'-' | b'_')) && i >= 2 && b[i - 2].is_ascii_digit() && {
                    let mut j = i - 2;
                    while j > 0 && b[j - 1].is_ascii_digit() {
                        j -= 1;
                    }
                    j == 0 || !b[j - 1].is_ascii_alphabetic()
                };
            if !dash_inside {
                if let Some((h, next)) = dashed_at(b, i, b'-').or_else(|| dashed_at(b, i, b'_')) {
                    f(h);
                    i = next;
                    continue;
                }
            }
            // Skip the rest of this number run so that its tail is not read as an address.
            while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], b'.' | b'-' | b'_')) {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
}

fn digits(b: &[u8], mut i: usize) -> (u32, usize, usize) {
    let start = i;
    let mut v: u32 = 0;
    while i < b.len() && b[i].is_ascii_digit() && i - start < 4 {
        v = v * 10 + u32::from(b[i] - b'0');
        i += 1;
    }
    (v, i - start, i)
}

fn prefix_at(b: &[u8], i: usize, max: u32) -> (Option<u8>, usize) {
    if i < b.len() && b[i] == b'/' {
        let (v, n, end) = digits(b, i + 1);
        if (1..=3).contains(&n) && v <= max && !(end < b.len() && b[end].is_ascii_digit()) {
            return (u8::try_from(v).ok(), end);
        }
    }
    (None, i)
}

/// `a.b.c.d` (each 0–255, at most three digits) not followed by more of a dotted number.
fn v4_at(b: &[u8], i: usize) -> Option<(Hit, usize)> {
    let mut octets = [0u8; 4];
    let mut at = i;
    for (k, o) in octets.iter_mut().enumerate() {
        let (v, n, end) = digits(b, at);
        if !(1..=3).contains(&n) || v > 255 {
            return None;
        }
        *o = u8::try_from(v).ok()?;
        at = end;
        if k < 3 {
            if at >= b.len() || b[at] != b'.' {
                return None;
            }
            at += 1;
        }
    }
    let more = at < b.len()
        && (b[at].is_ascii_alphanumeric()
            || (b[at] == b'.' && at + 1 < b.len() && b[at + 1].is_ascii_digit()));
    if more {
        return None;
    }
    let (prefix, next) = prefix_at(b, at, 32);
    Some((
        Hit {
            start: i,
            end: at,
            addr: IpAddr::V4(Ipv4Addr::from(octets)),
            prefix,
            dashed: None,
        },
        next,
    ))
}

/// `a-b-c-d` or `a-b-c-d-len` (IPAM block names, cloud host names), or `a_b_c_d` (Calico's BIRD
/// protocol names, `Mesh_10_0_1_5`), the whole run of `sep`-separated numbers and nothing more.
fn dashed_at(b: &[u8], i: usize, sep: u8) -> Option<(Hit, usize)> {
    let mut groups = Vec::new();
    let mut ends = Vec::new();
    let mut at = i;
    loop {
        let (v, n, end) = digits(b, at);
        if !(1..=3).contains(&n) {
            return None;
        }
        groups.push(v);
        ends.push(end);
        at = end;
        if at + 1 < b.len() && b[at] == sep && b[at + 1].is_ascii_digit() {
            at += 1;
        } else {
            break;
        }
    }
    let more = at < b.len()
        && (b[at].is_ascii_alphanumeric()
            || (b[at] == b'.' && at + 1 < b.len() && b[at + 1].is_ascii_digit()));
    if more {
        return None;
    }
    let ok = match groups.len() {
        4 => groups.iter().all(|g| *g <= 255),
        5 => groups[..4].iter().all(|g| *g <= 255) && groups[4] <= 32,
        _ => false,
    };
    if !ok {
        return None;
    }
    let o: Vec<u8> = groups[..4]
        .iter()
        .filter_map(|g| u8::try_from(*g).ok())
        .collect();
    Some((
        Hit {
            start: i,
            end: ends[3],
            addr: IpAddr::V4(Ipv4Addr::new(o[0], o[1], o[2], o[3])),
            prefix: groups.get(4).and_then(|p| u8::try_from(*p).ok()),
            dashed: Some(sep),
        },
        at,
    ))
}

/// An IPv6 address: a run of hex digits and colons (with a dotted IPv4 tail allowed) that parses,
/// and is not followed by a letter or digit.
fn v6_at(s: &str, i: usize) -> Option<(Hit, usize)> {
    let b = s.as_bytes();
    let mut at = i;
    while at < b.len() && (b[at].is_ascii_hexdigit() || b[at] == b':' || b[at] == b'.') {
        at += 1;
    }
    // A sentence's full stop is no part of the address.
    while at > i && b[at - 1] == b'.' {
        at -= 1;
    }
    let run = &s[i..at];
    if run.bytes().filter(|c| *c == b':').count() < 2 {
        return None;
    }
    if at < b.len() && (b[at].is_ascii_alphanumeric() || b[at] == b'_') {
        return None;
    }
    let addr: Ipv6Addr = run.parse().ok()?;
    let (prefix, next) = prefix_at(b, at, 128);
    Some((
        Hit {
            start: i,
            end: at,
            addr: IpAddr::V6(addr),
            prefix,
            dashed: None,
        },
        next,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn all(s: &str) -> Vec<(String, Option<u8>)> {
        let mut v = Vec::new();
        scan(s, |h| v.push((h.addr.to_string(), h.prefix)));
        v
    }

    fn opts() -> RedactOptions {
        RedactOptions {
            ips: true,
            hostnames: true,
        }
    }

    #[test]
    fn bird_protocol_names_carry_addresses_with_underscores() {
        assert_eq!(
            all("1002-Mesh_10_10_20_13 BGP --- up; Node_fd00__2; a_1_2_3; 2026_11_22_10"),
            vec![("10.10.20.13".into(), None)]
        );
        let mut r = Redactor::new(
            RedactOptions {
                ips: true,
                hostnames: false,
            },
            7,
            &["10.10.20.13"],
            &[],
        );
        let dotted = r.text("neighbor 10.10.20.13");
        let named = r.text("Mesh_10_10_20_13");
        assert_eq!(
            named,
            format!(
                "Mesh_{}",
                dotted.trim_start_matches("neighbor ").replace('.', "_")
            )
        );
        assert_ne!(named, "Mesh_10_10_20_13");
    }

    #[test]
    fn finds_addresses_in_every_form() {
        let text = "192.168.4.0/26 via 10.10.20.13 dev eth0; ip-10-0-1-5.ec2; \
                    worker-192-168-2-0-26; fe80::ecee:eeff:feee:eeee/64 \"fd00:10::1\" \
                    mac 66:5a:cd:e9:86:51 at 11:06:40.000 kernel 6.1.0-18 v1.2.3.4 1.2.3.4.5";
        assert_eq!(
            all(text),
            vec![
                ("192.168.4.0".into(), Some(26)),
                ("10.10.20.13".into(), None),
                ("10.0.1.5".into(), None),
                ("192.168.2.0".into(), Some(26)),
                ("fe80::ecee:eeff:feee:eeee".into(), Some(64)),
                ("fd00:10::1".into(), None),
            ]
        );
    }

    #[test]
    fn the_map_is_a_bijection_that_keeps_subnets() {
        let text = "pool 192.168.0.0/16 block 192.168.2.0/26 node 10.10.10.11/24 \
                    peer 10.10.10.12 far 10.10.20.13/24 other 10.11.0.1 gw 169.254.1.1 \
                    any 0.0.0.0/0 lo 127.0.0.1";
        let mut r = Redactor::new(opts(), 7, &[text], &[]);
        assert_eq!(r.cuts().0, 16);
        let ip = |r: &mut Redactor, s: &str| match r.ip(IpAddr::from_str(s).expect("ip")) {
            IpAddr::V4(a) => a,
            IpAddr::V6(_) => panic!("v6"),
        };
        let originals = [
            "192.168.0.0",
            "192.168.2.0",
            "10.10.10.11",
            "10.10.10.12",
            "10.10.20.13",
            "10.11.0.1",
        ];
        let mapped: Vec<Ipv4Addr> = originals.iter().map(|s| ip(&mut r, s)).collect();
        // Injective, and nothing maps to itself.
        let distinct: BTreeSet<_> = mapped.iter().collect();
        assert_eq!(distinct.len(), originals.len());
        for (o, m) in originals.iter().zip(&mapped) {
            assert_ne!(o.to_string(), m.to_string());
            // Host bits below /16 kept.
            let o: Ipv4Addr = o.parse().expect("ip");
            assert_eq!(o.octets()[2..], m.octets()[2..]);
        }
        let net = |a: Ipv4Addr, len: u8| a.to_bits() >> (32 - len);
        // Same /24 stays same /24; different /24 of one /16 stays in one /16; the block stays in
        // its pool; different /16s stay different.
        assert_eq!(net(mapped[2], 24), net(mapped[3], 24));
        assert_ne!(net(mapped[2], 24), net(mapped[4], 24));
        assert_eq!(net(mapped[2], 16), net(mapped[4], 16));
        assert_eq!(net(mapped[0], 16), net(mapped[1], 16));
        assert_ne!(net(mapped[2], 16), net(mapped[5], 16));
        // Same input, same output; kept addresses kept.
        assert_eq!(ip(&mut r, "10.10.10.11"), mapped[2]);
        for keep in [
            "169.254.1.1",
            "0.0.0.0",
            "127.0.0.1",
            "172.17.0.1",
            "224.0.0.1",
        ] {
            assert_eq!(ip(&mut r, keep).to_string(), keep);
        }
        // Targets avoid ranges with a meaning.
        for m in &mapped {
            assert!(!v4_kept(m.to_bits()), "{m}");
        }
    }

    /// Many addresses from a few networks: the map is injective, and any two addresses share a
    /// prefix of length n ≥ the cut exactly when their placeholders do.
    #[test]
    fn prefixes_of_every_length_above_the_cut_are_kept_for_many_addresses() {
        let mut x: u64 = 42;
        let mut next = || {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 32) as u32
        };
        let nets = [
            0x0a0a_0000u32,
            0x0a14_0000,
            0xc0a8_0000,
            0xac10_0000,
            0x6440_0000,
        ];
        let addrs: Vec<u32> = (0..600)
            .map(|_| {
                let n = nets[(next() % 5) as usize];
                n | (next() & 0xffff)
            })
            .filter(|a| !v4_kept(*a))
            .collect();
        let text: String = addrs
            .iter()
            .map(|a| format!("{} ", Ipv4Addr::from_bits(*a)))
            .collect::<String>()
            + "pool 10.10.0.0/16";
        let mut r = Redactor::new(opts(), 5, &[&text], &[]);
        let cut = u32::from(r.cuts().0);
        let mapped: Vec<u32> = addrs
            .iter()
            .map(|a| match r.ip(IpAddr::V4(Ipv4Addr::from_bits(*a))) {
                IpAddr::V4(m) => m.to_bits(),
                IpAddr::V6(_) => panic!("v6"),
            })
            .collect();
        let common = |a: u32, b: u32| (a ^ b).leading_zeros();
        let mut seen = BTreeMap::new();
        for (a, m) in addrs.iter().zip(&mapped) {
            assert!(
                seen.insert(*m, *a).is_none_or(|prev| prev == *a),
                "not injective"
            );
            assert!(!v4_kept(*m), "{m:x} lands in a kept range");
        }
        for i in 0..addrs.len() {
            for j in (i + 1)..addrs.len().min(i + 40) {
                let (o, m) = (common(addrs[i], addrs[j]), common(mapped[i], mapped[j]));
                if o >= cut || m >= cut {
                    assert_eq!(o, m, "{:x} {:x}", addrs[i], addrs[j]);
                }
            }
        }
    }

    #[test]
    fn a_wider_prefix_lowers_the_cut() {
        let text = "pool 172.16.0.0/12 blocks 172.20.1.0/26 172.31.9.0/26";
        let mut r = Redactor::new(opts(), 3, &[text], &[]);
        assert_eq!(r.cuts().0, 12);
        let out = r.text(text);
        let nets: Vec<ipnet::Ipv4Net> = out
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert_eq!(nets.len(), 3, "{out}");
        let pool = nets[0].trunc();
        assert!(pool.contains(&nets[1]) && pool.contains(&nets[2]), "{out}");
    }

    #[test]
    fn text_replaces_consistently_and_hosts_by_word() {
        let hosts = vec![
            "worker".to_string(),
            "worker2".to_string(),
            "control-plane".to_string(),
        ];
        let a = "node worker 10.10.10.11 ns nd-lab-worker pod worker-p1 peer worker2 workers";
        let b = "{\"nodes/worker/state.json\": \"10.10.10.11/24\", \"block\": \"worker2-10-10-10-0-26\"}";
        let mut r = Redactor::new(opts(), 1, &[a, b], &hosts);
        let ra = r.text(a);
        let rb = r.text(b);
        let ip = r.ip("10.10.10.11".parse().expect("ip")).to_string();
        assert_eq!(
            ra,
            format!("node node-2 {ip} ns nd-lab-node-2 pod node-2-p1 peer node-3 workers")
        );
        assert!(
            rb.contains(&format!("\"nodes/node-2/state.json\": \"{ip}/24\"")),
            "{rb}"
        );
        assert!(
            rb.contains(&format!(
                "node-3-{}-0-26",
                &ip[..ip.rfind('.').expect(".")].replace('.', "-")
            )),
            "{rb}"
        );
        assert_eq!(r.host("control-plane"), Some("node-1"));
        // 10.10.10.11 and the block's 10.10.10.0.
        assert_eq!(r.counts(), (2, 3));
    }

    #[test]
    fn placeholders_do_not_clash_with_node_names() {
        let r = Redactor::new(opts(), 1, &[], &["node-1".into(), "b".into()]);
        assert_eq!(r.host("node-1"), Some("redacted-node-2"));
    }

    #[test]
    fn ipv6_keeps_prefixes() {
        let text =
            "pool fd00:10:244::/48 block fd00:10:244:1::/122 addr fd00:10:244:1::5 ll fe80::1";
        let mut r = Redactor::new(opts(), 9, &[text], &[]);
        assert_eq!(r.cuts().1, 48);
        let out = r.text(text);
        assert!(!out.contains("fd00:10:244"), "{out}");
        assert!(out.contains("fe80::1"), "{out}");
        let nets: Vec<ipnet::Ipv6Net> = out
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(nets[0].contains(&nets[1]), "{out}");
    }

    #[test]
    fn disabled_options_change_nothing() {
        let text = "worker 10.10.10.11";
        let mut r = Redactor::new(RedactOptions::default(), 1, &[text], &["worker".into()]);
        assert_eq!(r.text(text), text);
        let mut r = Redactor::new(
            RedactOptions {
                ips: false,
                hostnames: true,
            },
            1,
            &[text],
            &["worker".into()],
        );
        assert_eq!(r.text(text), "node-1 10.10.10.11");
    }
}
