//! [`Line`]: a cursor that writes one output line (text or JSON) into room reserved at the end
//! of the caller's batch buffer ([`Lines`]), with numbers, addresses and times formatted in place.
//! Safe code only: every write is one bounds check and a copy of a fixed size (a few stores, no
//! `memcpy` call and no capacity check per piece, which were half of a JSON line's cost when it
//! was assembled with `Vec::push`/`extend_from_slice`). A line longer than its room still comes
//! out whole: a write that does not fit grows the buffer (the slow path), so the room is only a
//! hint.

use std::net::{IpAddr, Ipv6Addr};

use crate::model::mac::MacAddr;

/// "00" to "99": two digits per division.
const DIGITS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Each octet's decimal digits followed by a dot, little-endian in the low 32 bits, and in the
/// high 32 bits how many bytes that is (2 to 4).
const OCTET_DOT: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let o = i as u8;
        let (bytes, len) = if o >= 100 {
            ([b'0' + o / 100, b'0' + o / 10 % 10, b'0' + o % 10, b'.'], 4)
        } else if o >= 10 {
            ([b'0' + o / 10, b'0' + o % 10, b'.', 0], 3)
        } else {
            ([b'0' + o, b'.', 0, 0], 2)
        };
        t[i] = (len << 32) | u32::from_le_bytes(bytes) as u64;
        i += 1;
    }
    t
};

/// Output lines: `buf[..len]` holds them, and the rest of `buf` is room that earlier lines
/// left, written over rather than zeroed again. Safe code can write only below a `Vec`'s length,
/// so a line's room has to be initialised; zeroing it afresh for every line (`Vec::resize`, up to
/// 1 280 bytes for a JSON line) was a twentieth of a text line's instructions.
#[derive(Debug, Default)]
pub struct Lines {
    buf: Vec<u8>,
    len: usize,
}

impl Lines {
    pub fn with_capacity(n: usize) -> Lines {
        Lines {
            buf: Vec::with_capacity(n),
            len: 0,
        }
    }

    /// The lines written so far.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets the lines; their bytes stay as room for the next ones.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends through a plain `Vec` (for `write!`), giving up the room past the lines.
    pub fn append_with<R>(&mut self, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        self.buf.truncate(self.len);
        let r = f(&mut self.buf);
        self.len = self.buf.len();
        r
    }

    /// Appends to `v` through `Lines` (the room left is cut off again).
    pub(crate) fn append_to<R>(v: &mut Vec<u8>, f: impl FnOnce(&mut Lines) -> R) -> R {
        let buf = std::mem::take(v);
        let mut lines = Lines {
            len: buf.len(),
            buf,
        };
        let r = f(&mut lines);
        lines.buf.truncate(lines.len);
        *v = lines.buf;
        r
    }
}

/// One line being written at the end of [`Lines`]. Dropping it ends the lines where it ended.
pub(crate) struct Line<'a> {
    b: &'a mut Vec<u8>,
    at: usize,
    end: &'a mut usize,
}

impl Drop for Line<'_> {
    fn drop(&mut self) {
        *self.end = self.at;
    }
}

impl<'a> Line<'a> {
    /// Starts a line after the lines `out` holds, with at least `room` bytes ready for it.
    #[inline]
    pub(crate) fn start(out: &'a mut Lines, room: usize) -> Line<'a> {
        let Lines { buf, len } = out;
        let at = *len;
        if buf.len() < at + room {
            buf.resize(at + room, 0);
        }
        Line {
            b: buf,
            at,
            end: len,
        }
    }

    /// Where the next byte goes: a mark for [`Line::since`].
    #[inline(always)]
    pub(crate) fn mark(&self) -> usize {
        self.at
    }

    /// What was written from `mark` on.
    #[inline]
    pub(crate) fn since(&self, mark: usize) -> &[u8] {
        self.b.get(mark..self.at).unwrap_or_default()
    }

    /// The slow path: what does not fit the room is appended, and more room made.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, s: &[u8]) {
        self.b.truncate(self.at);
        self.b.extend_from_slice(s);
        self.at = self.b.len();
        self.b.resize(self.at + 256, 0);
    }

    #[inline(always)]
    pub(crate) fn byte(&mut self, c: u8) {
        match self.b.get_mut(self.at) {
            Some(d) => *d = c,
            None => return self.grow(&[c]),
        }
        self.at += 1;
    }

    /// Any bytes (a constant piece is a few stores once inlined).
    #[inline(always)]
    pub(crate) fn put(&mut self, s: &[u8]) {
        match self.b.get_mut(self.at..self.at + s.len()) {
            Some(d) => d.copy_from_slice(s),
            None => return self.grow(s),
        }
        self.at += s.len();
    }

    /// The first `n` bytes of `tmp`, copied as all `N` when there is room (one fixed-size copy
    /// instead of a `memcpy` of a variable length; the bytes past `n` are overwritten next).
    #[inline(always)]
    pub(crate) fn put_first<const N: usize>(&mut self, tmp: &[u8; N], n: usize) {
        match self.b.get_mut(self.at..self.at + N) {
            Some(d) => d.copy_from_slice(tmp),
            None => return self.grow(tmp.get(..n).unwrap_or(tmp)),
        }
        self.at += n.min(N);
    }

    /// `n` in decimal.
    #[inline]
    pub(crate) fn u64(&mut self, n: u64) {
        if n < 10 {
            return self.byte(b'0' + n as u8);
        }
        if n < 100 {
            let d = n as usize * 2;
            return self.put(&[DIGITS[d], DIGITS[d + 1]]);
        }
        // Lengths, ports, MTUs: up to eight digits as one or two groups of four in one word, the
        // leading zeros shifted out (no loop, no variable-length copy).
        if n < 10_000 {
            let len = 3 + usize::from(n >= 1000);
            let word = four(n as u32) >> ((4 - len) * 8);
            return self.put_first(&word.to_le_bytes(), len);
        }
        if n < 100_000_000 {
            let n = n as u32;
            let (hi, lo) = (n / 10_000, n % 10_000);
            let len = 5 + usize::from(hi >= 10) + usize::from(hi >= 100) + usize::from(hi >= 1000);
            let word = u64::from(four(lo)) << 32 | u64::from(four(hi));
            let word = word >> ((8 - len) * 8);
            return self.put_first(&word.to_le_bytes(), len);
        }
        let mut tmp = [0u8; 20];
        let len = digits(n);
        let mut end = len;
        let mut n = n;
        while n >= 100 {
            let d = (n % 100) as usize * 2;
            n /= 100;
            end -= 2;
            tmp[end] = DIGITS[d];
            tmp[end + 1] = DIGITS[d + 1];
        }
        if n >= 10 {
            let d = n as usize * 2;
            tmp[0] = DIGITS[d];
            tmp[1] = DIGITS[d + 1];
        } else {
            tmp[0] = b'0' + n as u8;
        }
        self.put_first(&tmp, len);
    }

    /// An address: IPv4 digits from a table straight into the room, IPv6 out of line.
    #[inline]
    pub(crate) fn ip(&mut self, ip: IpAddr) {
        match ip {
            IpAddr::V4(v4) => {
                // Written straight into the room (one bounds check for all of it), or into a
                // scratch array on the slow path.
                let at = self.at;
                if let Some(d) = self.b.get_mut(at..at + 16) {
                    if let Ok(d) = <&mut [u8; 16]>::try_from(d) {
                        self.at += put_v4(d, v4.octets());
                        return;
                    }
                }
                let mut tmp = [0u8; 16];
                let n = put_v4(&mut tmp, v4.octets());
                self.grow(tmp.get(..n).unwrap_or(&tmp));
            }
            IpAddr::V6(v6) => self.v6(v6),
        }
    }

    /// An IPv6 address through `Display` (its `::` compression and IPv4-mapped form), out of
    /// line: the formatter's set-up no longer runs in front of every IPv4 address.
    #[inline(never)]
    fn v6(&mut self, v6: Ipv6Addr) {
        use std::io::Write as _;
        // The longest form is 45 bytes (IPv4-mapped with a full IPv4 tail).
        let mut tmp = [0u8; 48];
        let mut w = &mut tmp[..];
        let _ = write!(w, "{v6}");
        let n = 48 - w.len();
        self.put_first(&tmp, n);
    }

    /// A MAC address, `aa:bb:cc:dd:ee:ff`.
    #[inline]
    pub(crate) fn mac(&mut self, m: MacAddr) {
        self.put(&m.text());
    }

    /// `HH:MM:SS.micro` (UTC) of a time in nanoseconds since the epoch.
    #[inline]
    pub(crate) fn time_of_day(&mut self, ts_ns: i64) {
        let day_ns = ts_ns.rem_euclid(86_400_000_000_000) as u64;
        let secs = day_ns / 1_000_000_000;
        let micros = (day_ns % 1_000_000_000 / 1000) as u32;
        let mut t = *b"00:00:00.000000";
        two(&mut t, 0, (secs / 3600) as u32);
        two(&mut t, 3, (secs / 60 % 60) as u32);
        two(&mut t, 6, (secs % 60) as u32);
        two(&mut t, 9, micros / 10_000);
        two(&mut t, 11, micros / 100 % 100);
        two(&mut t, 13, micros % 100);
        self.put(&t);
    }

    /// RFC 3339 UTC with nanoseconds, `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (days → civil date after
    /// H. Hinnant); years outside 0000–9999 as `{:04}` writes them.
    #[inline]
    pub(crate) fn rfc3339(&mut self, ts_ns: i64) {
        let secs = ts_ns.div_euclid(1_000_000_000);
        let nanos = ts_ns.rem_euclid(1_000_000_000) as u32;
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        if !(0..10_000).contains(&y) {
            use std::io::Write as _;
            let mut tmp = [0u8; 48];
            let mut w = &mut tmp[..];
            let _ = write!(
                w,
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
                sod / 3600,
                sod / 60 % 60,
                sod % 60
            );
            let n = 48 - w.len();
            return self.put_first(&tmp, n);
        }
        let mut t = *b"0000-00-00T00:00:00.000000000Z";
        two(&mut t, 0, y as u32 / 100);
        two(&mut t, 2, y as u32 % 100);
        two(&mut t, 5, m as u32);
        two(&mut t, 8, d as u32);
        two(&mut t, 11, sod / 3600);
        two(&mut t, 14, sod / 60 % 60);
        two(&mut t, 17, sod % 60);
        t[20] = b'0' + (nanos / 100_000_000) as u8;
        let rest = nanos % 100_000_000;
        two(&mut t, 21, rest / 1_000_000);
        two(&mut t, 23, rest / 10_000 % 100);
        two(&mut t, 25, rest / 100 % 100);
        two(&mut t, 27, rest % 100);
        self.put(&t);
    }

    /// The body of a JSON string (no quotes): `"`, `\` and control characters escaped as
    /// serde_json does (`\n`, `\t`, … or `\u00XX`); everything else, UTF-8 included, as is.
    #[inline]
    pub(crate) fn json_str_body(&mut self, s: &str) {
        let bytes = s.as_bytes();
        // Names almost never need it: one scan, one copy.
        if !needs_escape(bytes) {
            return self.put(bytes);
        }
        for &c in bytes {
            match c {
                b'"' => self.put(b"\\\""),
                b'\\' => self.put(b"\\\\"),
                b'\n' => self.put(b"\\n"),
                b'\r' => self.put(b"\\r"),
                b'\t' => self.put(b"\\t"),
                0x08 => self.put(b"\\b"),
                0x0c => self.put(b"\\f"),
                c if c < 0x20 => self.put(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(c >> 4)],
                    HEX[usize::from(c & 0xf)],
                ]),
                c => self.byte(c),
            }
        }
    }
}

/// Whether a JSON string needs escaping (`"`, `\\`, a control character), eight bytes at a
/// time: a byte is flagged when it is below 0x20 or equal to either character.
#[inline]
fn needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Exact per byte (no borrow between bytes): for x < 0x80, (x | 0x80) - k keeps the high bit
    // set exactly when x >= k; bytes >= 0x80 (UTF-8) never need escaping.
    let flagged = |w: u64| {
        let zero = |v: u64| !(((v & !HIGH) + !HIGH) | v) & HIGH; // high bit where a byte is 0
        let below = !((w | HIGH) - ONES * 0x20) & !w & HIGH;
        below | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))
    };
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        if flagged(u64::from_le_bytes(w)) != 0 {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&c| c < 0x20 || c == b'"' || c == b'\\')
}

/// An IPv4 address at the start of `d`, and its length: each octet's digits and dot from a table,
/// stored as four bytes at once where the previous octet ended (no division or branch per digit;
/// the longest address and its trailing dot fill `d` exactly, and the trailing dot is past the
/// returned length, overwritten by what comes next).
#[inline(always)]
pub(crate) fn put_v4(d: &mut [u8; 16], octets: [u8; 4]) -> usize {
    let mut n = 0;
    for o in octets {
        let e = OCTET_DOT[usize::from(o)];
        if let Some(w) = d.get_mut(n..n + 4) {
            w.copy_from_slice(&(e as u32).to_le_bytes());
        }
        n += (e >> 32) as usize;
    }
    n - 1
}

/// Decimal digits of `n` (at least 1).
#[inline]
fn digits(n: u64) -> usize {
    let mut len = 1;
    let mut x = n;
    while x >= 10_000 {
        x /= 10_000;
        len += 4;
    }
    len + usize::from(x >= 10) + usize::from(x >= 100) + usize::from(x >= 1000)
}

/// Four digits of `n` (< 10 000), leading zeros included, as the bytes of a little-endian word.
#[inline(always)]
fn four(n: u32) -> u32 {
    let (hi, lo) = ((n / 100 % 100) as usize * 2, (n % 100) as usize * 2);
    u32::from_le_bytes([DIGITS[hi], DIGITS[hi + 1], DIGITS[lo], DIGITS[lo + 1]])
}

/// Two digits of `n` (< 100) at `t[at..]`.
#[inline(always)]
fn two<const N: usize>(t: &mut [u8; N], at: usize, n: u32) {
    let d = (n % 100) as usize * 2;
    if let Some(s) = t.get_mut(at..at + 2) {
        s.copy_from_slice(&DIGITS[d..d + 2]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut Line<'_>), room: usize) -> String {
        let mut b = b"before|".to_vec();
        Lines::append_to(&mut b, |l| f(&mut Line::start(l, room)));
        String::from_utf8(b).expect("UTF-8")
    }

    #[test]
    fn numbers_like_display() {
        for n in [
            0u64,
            9,
            10,
            99,
            100,
            999,
            1000,
            9999,
            10_000,
            65_535,
            123_456_789,
            u64::from(u32::MAX),
            10_000_000_000_000_000_000,
            u64::MAX,
        ] {
            for room in [0, 3, 64] {
                assert_eq!(
                    with(|l| l.u64(n), room),
                    format!("before|{n}"),
                    "{n} in {room}"
                );
            }
        }
        // Every number of the short paths, and both sides of every power of ten.
        let edges = (1..20).flat_map(|e| {
            let p = 10u64.pow(e);
            [p - 1, p, p + 1]
        });
        for n in (0..120_000).chain(edges).chain([99_999_999, 100_000_000]) {
            assert_eq!(with(|l| l.u64(n), 64), format!("before|{n}"), "{n}");
        }
    }

    #[test]
    fn addresses_like_display() {
        let ips: [IpAddr; 6] = [
            "0.0.0.0".parse().expect("ip"),
            "255.255.255.255".parse().expect("ip"),
            "10.9.100.1".parse().expect("ip"),
            "::".parse().expect("ip"),
            "fd00:10::2:0:1".parse().expect("ip"),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
                .parse()
                .expect("ip"),
        ];
        for ip in ips {
            for room in [0, 5, 64] {
                assert_eq!(with(|l| l.ip(ip), room), format!("before|{ip}"));
            }
        }
        for o in 0..=255u8 {
            for ip in [
                [o, 0, 9, 10],
                [1, o, 99, 100],
                [255, 10, o, 7],
                [0, 0, 0, o],
            ] {
                let ip = IpAddr::from(ip);
                assert_eq!(with(|l| l.ip(ip), 64), format!("before|{ip}"));
            }
        }
        let mapped: IpAddr = "::ffff:255.255.255.255".parse().expect("ip");
        assert_eq!(with(|l| l.ip(mapped), 0), format!("before|{mapped}"));
    }

    #[test]
    fn pieces_past_the_room_still_come_out_whole() {
        let got = with(
            |l| {
                for i in 0..100u64 {
                    l.put(b"ab");
                    l.u64(i * 1_000_003);
                    l.byte(b' ');
                }
            },
            7,
        );
        let want: String = (0..100u64)
            .map(|i| format!("ab{} ", i * 1_000_003))
            .collect();
        assert_eq!(got, format!("before|{want}"));
    }

    /// Lines written over the room earlier ones left: only what was written since the last
    /// `clear` is there, a line past the room comes out whole, and `append_with` continues
    /// right after the lines.
    #[test]
    fn lines_written_over_old_room() {
        let mut out = Lines::default();
        for i in 0..50u64 {
            let mut l = Line::start(&mut out, 64);
            l.put(b"a long line that fills more than its room of sixty-four bytes: ");
            l.u64(i * 1_000_003);
            l.byte(b'\n');
        }
        assert_eq!(out.as_bytes().iter().filter(|&&c| c == b'\n').count(), 50);
        out.clear();
        assert!(out.is_empty());
        Line::start(&mut out, 64).put(b"short\n");
        Line::start(&mut out, 0).u64(42);
        assert_eq!(out.as_bytes(), b"short\n42");
        out.append_with(|v| v.extend_from_slice(b" and more"));
        Line::start(&mut out, 16).byte(b'!');
        assert_eq!(out.as_bytes(), b"short\n42 and more!");
        assert_eq!(out.len(), 18);
    }

    #[test]
    fn escape_check_agrees_with_the_plain_one() {
        let plain = |s: &[u8]| s.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\');
        for len in 0..20 {
            for at in 0..len.max(1) {
                for c in 0u8..=255 {
                    let mut s = vec![b'a'; len];
                    if let Some(x) = s.get_mut(at) {
                        *x = c;
                    }
                    assert_eq!(needs_escape(&s), plain(&s), "{c:#x} at {at} of {len}");
                    // Neighbours that could borrow into the byte next to them.
                    s.iter_mut()
                        .for_each(|x| *x = if *x == b'a' { 0x20 } else { *x });
                    assert_eq!(needs_escape(&s), plain(&s), "{c:#x} at {at} of {len}");
                    s.iter_mut()
                        .for_each(|x| *x = if *x == 0x20 { 0xff } else { *x });
                    assert_eq!(needs_escape(&s), plain(&s), "{c:#x} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn times() {
        let t = |ns| with(|l| l.time_of_day(ns), 64);
        assert_eq!(t(1_700_000_000_123_456_789), "before|22:13:20.123456");
        assert_eq!(t(-1), "before|23:59:59.999999");
        let r = |ns| with(|l| l.rfc3339(ns), 64);
        assert_eq!(r(0), "before|1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            r(1_700_000_000_123_456_789),
            "before|2023-11-14T22:13:20.123456789Z"
        );
        assert_eq!(r(-1), "before|1969-12-31T23:59:59.999999999Z");
    }
}
