//! A support bundle's archive (tar, usually inside gzip) read with a bounded walk of its own: every
//! length the archive states — a GNU long name or long link, a PAX header, a member's size, the
//! number of entries, the total unpacked — is checked against [`Limits`] *before* anything of that
//! length is read, and member data only ever passes through a fixed 64 KiB buffer on its way to a
//! [`Sink`], so memory stays flat whatever the archive claims. Member names follow the core's
//! rules (relative, no `..`, regular files only), each member is hashed on the way and held
//! against `manifest.json` (listed, same size — checked at its header when the manifest came first,
//! as netdiag writes it — and same SHA-256), and nothing listed may be missing.
//!
//! Why not the `tar` crate: it reads a GNU long-name or PAX extension into memory at whatever size
//! its header claims (a 9 MB bundle claiming a 2 GB name took 7 GB of RSS), before a caller can
//! look at it. The walk here knows only what a netdiag bundle can hold: ustar/GNU headers, types
//! `0`/`7` (files), `5` (directories, skipped), `L`, `K`, `x`, `g`; anything else is refused.
//!
//! No I/O beyond the given reader and sink, no panic on any input: every refusal is an
//! [`ArchiveError`] naming the member and saying what to do.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};

use netdiag_core::bundle::manifest::check_member_name;
use netdiag_core::bundle::{BundleError, Manifest, MANIFEST};
use sha2::{Digest as _, Sha256};

/// What an archive may claim. [`Limits::DEFAULT`] is what `netdiag` reads with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of a GNU long name or long link (`L`/`K` entry). Member names stop at 255 anyway.
    pub long_name: u64,
    /// Bytes of a PAX extended (`x`) or global (`g`) header.
    pub pax: u64,
    /// Bytes of `manifest.json` (held in memory and parsed).
    pub manifest: u64,
    /// Bytes of any one member.
    pub member: u64,
    /// Bytes of all members together (what a gzip bomb inflates).
    pub total: u64,
    /// Entries of any kind (files, directories, long names, PAX headers).
    pub entries: usize,
}

impl Limits {
    /// Far above what `netdiag bundle` writes (a dozen members, a few MB unpacked; its default
    /// `--max-size` is 20 MB compressed), far below what hurts a support engineer's laptop.
    pub const DEFAULT: Limits = Limits {
        long_name: 4 << 10,
        pax: 64 << 10,
        manifest: 4 << 20,
        member: 512 << 20,
        total: 1 << 30,
        entries: 10_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Where member data goes: a directory, a hasher only, memory.
pub trait Sink {
    /// A member begins: its name checked, its size within the limits (and as listed, when the
    /// manifest has been read).
    fn begin(&mut self, name: &str, size: u64) -> io::Result<()>;
    /// The next bytes of the member begun last.
    fn data(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// The member begun last is complete.
    fn end(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Keeps nothing: for checking a bundle (`bundle inspect`).
pub struct Discard;

impl Sink for Discard {
    fn begin(&mut self, _: &str, _: u64) -> io::Result<()> {
        Ok(())
    }
    fn data(&mut self, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
}

/// Keeps every member in memory, by name (tests and fuzzing; memory bounded by the input).
#[derive(Debug, Default)]
pub struct Memory {
    pub files: BTreeMap<String, Vec<u8>>,
    current: Option<String>,
}

impl Sink for Memory {
    fn begin(&mut self, name: &str, _: u64) -> io::Result<()> {
        self.files.insert(name.to_string(), Vec::new());
        self.current = Some(name.to_string());
        Ok(())
    }
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(v) = self.current.as_ref().and_then(|c| self.files.get_mut(c)) {
            v.extend_from_slice(bytes);
        }
        Ok(())
    }
}

/// Why an archive is refused. The binary prints `netdiag: BUNDLE: {self}`.
#[derive(Debug)]
pub enum ArchiveError {
    /// The stream cannot be read on (a gzip error, an end in the middle, a damaged header).
    Corrupt { at: At, why: String },
    /// A length the archive states is beyond [`Limits`].
    TooLarge { what: String, size: u64, max: u64 },
    /// Members together beyond [`Limits::total`].
    Total { name: String, max: u64 },
    /// More entries than [`Limits::entries`].
    TooMany { at: At, max: usize },
    /// A member name that is not UTF-8.
    NotUtf8 { at: At },
    /// A name, kind or manifest rule of the core ([`BundleError`]).
    Bundle(BundleError),
    /// The sink could not take a member.
    Sink { name: String, why: io::Error },
}

/// Where in the archive: in a member, or after the last good one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum At {
    Start,
    After(String),
    In(String),
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Start => write!(f, " at the start of the archive"),
            At::After(m) => write!(f, " after member {m:?}"),
            At::In(m) => write!(f, " in member {m:?}"),
        }
    }
}

/// `512 MiB`, `4 KiB`, `1.5 GiB`, `300 B`.
pub fn iec(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (u, name) in UNITS {
        if n >= u {
            return if n.is_multiple_of(u) {
                format!("{} {name}", n / u)
            } else {
                format!("{:.1} {name}", n as f64 / u as f64)
            };
        }
    }
    format!("{n} B")
}

const AGAIN: &str = "make or download the bundle again";
const HOSTILE: &str = "refused, nothing was extracted (not a bundle netdiag writes: damaged or hostile; ask for the bundle again)";

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchiveError::Corrupt { at: At::Start, why } => {
                write!(f, "truncated or corrupt archive ({why}): {AGAIN}")
            }
            ArchiveError::Corrupt { at, why } => {
                write!(f, "truncated or corrupt archive{at} ({why}): {AGAIN}")
            }
            ArchiveError::TooLarge { what, size, max } => write!(
                f,
                "{what} claims {size} bytes ({}), more than the {} a bundle may hold: {HOSTILE}",
                iec(*size),
                iec(*max)
            ),
            ArchiveError::Total { name, max } => write!(
                f,
                "member {name:?} takes the bundle beyond {} unpacked: {HOSTILE}",
                iec(*max)
            ),
            ArchiveError::TooMany { at, max } => {
                write!(f, "more than {max} entries (the last{at}): {HOSTILE}")
            }
            ArchiveError::NotUtf8 { at: At::Start } => write!(
                f,
                "a member name is not UTF-8: refused (not a netdiag bundle)"
            ),
            ArchiveError::NotUtf8 { at } => write!(
                f,
                "a member name{at} is not UTF-8: refused (not a netdiag bundle)"
            ),
            ArchiveError::Bundle(e @ BundleError::UnsafeMember { .. }) => {
                write!(f, "{e}: refused, nothing was extracted")
            }
            ArchiveError::Bundle(
                e @ (BundleError::Missing { .. }
                | BundleError::Size { .. }
                | BundleError::Checksum { .. }
                | BundleError::Unlisted { .. }),
            ) => write!(f, "{e}: {AGAIN}"),
            ArchiveError::Bundle(e) => write!(f, "{e}"),
            ArchiveError::Sink { name, why } => write!(f, "cannot unpack member {name:?}: {why}"),
        }
    }
}

impl std::error::Error for ArchiveError {}

impl From<BundleError> for ArchiveError {
    fn from(e: BundleError) -> Self {
        ArchiveError::Bundle(e)
    }
}

const BLOCK: usize = 512;

/// Reads a gzip-compressed bundle (only the first gzip member: what comes after the archive's end
/// is never inflated). See [`read_tar`].
pub fn read_gz<R: Read>(
    r: R,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Manifest, ArchiveError> {
    read_tar(flate2::read::GzDecoder::new(r), limits, sink)
}

/// Walks the tar stream `r`: every member checked and passed to `sink`, then held against the
/// manifest, which is returned once everything matches. Reading stops at the end-of-archive
/// block (or at the stream's end on a block boundary); what follows is never read.
pub fn read_tar<R: Read>(
    r: R,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Manifest, ArchiveError> {
    Walk {
        r,
        limits,
        buf: vec![0; 64 << 10],
        last: None,
        entries: 0,
        total: 0,
        manifest: None,
        seen: BTreeMap::new(),
    }
    .run(sink)
}

/// A member's size and SHA-256 (hex) as read.
type Seen = (u64, String);

struct Walk<'a, R> {
    r: R,
    limits: &'a Limits,
    buf: Vec<u8>,
    /// The last complete member or entry, for messages.
    last: Option<String>,
    entries: usize,
    total: u64,
    manifest: Option<Manifest>,
    seen: BTreeMap<String, Seen>,
}

/// Metadata entries carry over to the next real entry.
#[derive(Default)]
struct Pending {
    name: Option<Vec<u8>>,
    size: Option<u64>,
}

impl<R: Read> Walk<'_, R> {
    fn after(&self) -> At {
        match &self.last {
            Some(m) => At::After(m.clone()),
            None => At::Start,
        }
    }

    fn corrupt(&self, why: impl Into<String>) -> ArchiveError {
        ArchiveError::Corrupt {
            at: self.after(),
            why: why.into(),
        }
    }

    /// Fills `block` completely; `Ok(false)` when the stream ends before its first byte.
    fn block(&mut self, block: &mut [u8; BLOCK]) -> Result<bool, ArchiveError> {
        let mut got = 0;
        while got < BLOCK {
            match self.r.read(&mut block[got..]) {
                Ok(0) if got == 0 => return Ok(false),
                Ok(0) => {
                    return Err(self.corrupt(format!("the stream ends {got} bytes into a header")))
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.corrupt(e.to_string())),
            }
        }
        Ok(true)
    }

    /// Reads `size` bytes of member `name` plus the padding to the next block, handing them to
    /// `out` in pieces of at most the buffer's size.
    fn data(
        &mut self,
        at: &At,
        size: u64,
        out: &mut dyn FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        let padded = size.div_ceil(BLOCK as u64) * BLOCK as u64;
        let mut done: u64 = 0;
        while done < padded {
            let want = usize::try_from(padded - done)
                .unwrap_or(usize::MAX)
                .min(self.buf.len());
            let n = match self.r.read(&mut self.buf[..want]) {
                Ok(0) => {
                    return Err(ArchiveError::Corrupt {
                        at: at.clone(),
                        why: format!(
                            "its header says {size} bytes, the archive ends after {}",
                            done.min(size)
                        ),
                    })
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(ArchiveError::Corrupt {
                        at: at.clone(),
                        why: e.to_string(),
                    })
                }
            };
            // The part of this read that is data, not padding.
            let data_end = usize::try_from(size.saturating_sub(done))
                .unwrap_or(usize::MAX)
                .min(n);
            if data_end > 0 {
                out(&self.buf[..data_end])?;
            }
            done += n as u64;
        }
        Ok(())
    }

    /// Reads a metadata entry's data (a long name, a PAX header) into memory, `max` bytes at most.
    fn small(&mut self, what: &str, size: u64, max: u64) -> Result<Vec<u8>, ArchiveError> {
        if size > max {
            return Err(ArchiveError::TooLarge {
                what: format!("{what}{}", self.after()),
                size,
                max,
            });
        }
        let mut v = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        let at = self.after();
        self.data(&at, size, &mut |b| {
            v.extend_from_slice(b);
            Ok(())
        })?;
        Ok(v)
    }

    fn count_entry(&mut self) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > self.limits.entries {
            return Err(ArchiveError::TooMany {
                at: self.after(),
                max: self.limits.entries,
            });
        }
        Ok(())
    }

    fn run(mut self, sink: &mut dyn Sink) -> Result<Manifest, ArchiveError> {
        let mut pending = Pending::default();
        let mut h = [0u8; BLOCK];
        loop {
            if !self.block(&mut h)? || h.iter().all(|b| *b == 0) {
                break;
            }
            if !checksum_ok(&h) {
                return Err(self.corrupt("a header's checksum does not match: not a tar header"));
            }
            self.count_entry()?;
            let Some(header_size) = parse_size(&h[124..136]) else {
                return Err(self.corrupt("a header's size field is not a number"));
            };
            let kind = h[156];
            match kind {
                b'L' | b'K' => {
                    let what = format!(
                        "the GNU long {} entry {:?} (type {})",
                        if kind == b'L' { "name" } else { "link" },
                        String::from_utf8_lossy(cstr(&h[..100])),
                        char::from(kind)
                    );
                    let v = self.small(&what, header_size, self.limits.long_name)?;
                    if kind == b'L' {
                        pending.name = Some(cstr(&v).to_vec());
                    }
                    continue;
                }
                b'x' | b'g' => {
                    let what = format!(
                        "the PAX {} header {:?} (type {})",
                        if kind == b'x' { "extended" } else { "global" },
                        String::from_utf8_lossy(cstr(&h[..100])),
                        char::from(kind)
                    );
                    let v = self.small(&what, header_size, self.limits.pax)?;
                    if kind == b'x' {
                        let (name, size) = pax(&v).ok_or_else(|| {
                            self.corrupt("a PAX extended header is not `LEN key=value` records")
                        })?;
                        if name.is_some() {
                            pending.name = name;
                        }
                        if size.is_some() {
                            pending.size = size;
                        }
                    }
                    continue;
                }
                _ => {}
            }
            let raw_name = match pending.name.take() {
                Some(n) => n,
                None => header_name(&h),
            };
            let size = pending.size.take().unwrap_or(header_size);
            let name = String::from_utf8(raw_name)
                .map_err(|_| ArchiveError::NotUtf8 { at: self.after() })?;
            let refuse = |why: &'static str| {
                ArchiveError::Bundle(BundleError::UnsafeMember {
                    name: name.clone(),
                    why,
                })
            };
            match kind {
                b'0' | b'\0' | b'7' => {}
                b'5' => {
                    check_member_name(name.trim_end_matches('/'))?;
                    if size > 0 {
                        return Err(refuse("a directory with data"));
                    }
                    self.last = Some(name);
                    continue;
                }
                b'2' => return Err(refuse("a symbolic link")),
                b'1' => return Err(refuse("a hard link")),
                _ => return Err(refuse("not a regular file")),
            }
            check_member_name(&name)?;
            self.member(&name, size, sink)?;
            self.last = Some(name);
        }
        self.finish()
    }

    /// One regular file: limits, manifest, data through the hasher to the sink.
    fn member(&mut self, name: &str, size: u64, sink: &mut dyn Sink) -> Result<(), ArchiveError> {
        if self.seen.contains_key(name) || (name == MANIFEST && self.manifest.is_some()) {
            return Err(BundleError::Duplicate {
                name: name.to_string(),
            }
            .into());
        }
        let max = if name == MANIFEST {
            self.limits.manifest
        } else {
            self.limits.member
        };
        if size > max {
            return Err(ArchiveError::TooLarge {
                what: format!("member {name:?}"),
                size,
                max,
            });
        }
        self.total = self.total.saturating_add(size);
        if self.total > self.limits.total {
            return Err(ArchiveError::Total {
                name: name.to_string(),
                max: self.limits.total,
            });
        }
        // Once the manifest is known, a member it does not list, or lists at another size, is
        // refused before its data is read.
        if let Some(m) = &self.manifest {
            if name != MANIFEST {
                listed(m, name, size)?;
            }
        }
        let sink_err = |why| ArchiveError::Sink {
            name: name.to_string(),
            why,
        };
        sink.begin(name, size).map_err(sink_err)?;
        let mut hasher = Sha256::new();
        let mut kept = Vec::new();
        let is_manifest = name == MANIFEST;
        self.data(&At::In(name.to_string()), size, &mut |b| {
            hasher.update(b);
            if is_manifest {
                kept.extend_from_slice(b);
            }
            sink.data(b).map_err(|why| ArchiveError::Sink {
                name: name.to_string(),
                why,
            })
        })?;
        sink.end().map_err(sink_err)?;
        let digest = hex(&hasher.finalize());
        if is_manifest {
            let m = Manifest::parse(&kept)?;
            self.check_manifest(&m)?;
            self.manifest = Some(m);
        } else {
            if let Some(m) = &self.manifest {
                matches(m, name, size, &digest)?;
            }
            self.seen.insert(name.to_string(), (size, digest));
        }
        Ok(())
    }

    /// The manifest's own claims within the limits, and every member read before it as listed.
    fn check_manifest(&self, m: &Manifest) -> Result<(), ArchiveError> {
        if m.files.len() >= self.limits.entries {
            return Err(ArchiveError::TooMany {
                at: At::In(MANIFEST.into()),
                max: self.limits.entries,
            });
        }
        let mut total: u64 = 0;
        for f in &m.files {
            if f.size > self.limits.member {
                return Err(ArchiveError::TooLarge {
                    what: format!("{MANIFEST}: member {:?}", f.path),
                    size: f.size,
                    max: self.limits.member,
                });
            }
            total = total.saturating_add(f.size);
            if total > self.limits.total {
                return Err(ArchiveError::Total {
                    name: f.path.clone(),
                    max: self.limits.total,
                });
            }
        }
        for (name, (size, digest)) in &self.seen {
            listed(m, name, *size)?;
            matches(m, name, *size, digest)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Manifest, ArchiveError> {
        let Some(m) = self.manifest else {
            return Err(BundleError::NoManifest.into());
        };
        for f in &m.files {
            if f.path == MANIFEST || !self.seen.contains_key(&f.path) {
                return Err(BundleError::Missing {
                    name: f.path.clone(),
                }
                .into());
            }
        }
        Ok(m)
    }
}

fn listed(m: &Manifest, name: &str, size: u64) -> Result<(), BundleError> {
    match m.files.iter().find(|f| f.path == name) {
        None => Err(BundleError::Unlisted {
            name: name.to_string(),
        }),
        Some(f) if f.size != size => Err(BundleError::Size {
            name: name.to_string(),
            expected: f.size,
            actual: size,
        }),
        Some(_) => Ok(()),
    }
}

fn matches(m: &Manifest, name: &str, size: u64, digest: &str) -> Result<(), BundleError> {
    listed(m, name, size)?;
    match m.files.iter().find(|f| f.path == name) {
        Some(f) if f.sha256 == digest => Ok(()),
        _ => Err(BundleError::Checksum {
            name: name.to_string(),
        }),
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

/// The bytes before the first NUL.
fn cstr(b: &[u8]) -> &[u8] {
    match b.iter().position(|c| *c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// The header's name: ustar's prefix joined to its name; GNU and v7 headers have the name alone.
fn header_name(h: &[u8; BLOCK]) -> Vec<u8> {
    let name = cstr(&h[..100]);
    let ustar = &h[257..263] == b"ustar\0";
    let prefix = if ustar { cstr(&h[345..500]) } else { &[][..] };
    if prefix.is_empty() {
        name.to_vec()
    } else {
        let mut v = prefix.to_vec();
        v.push(b'/');
        v.extend_from_slice(name);
        v
    }
}

/// A numeric field: octal digits (leading spaces, ended by NUL or space), or GNU's base-256 (high
/// bit of the first byte set; a value beyond u64 saturates, so it is refused as too large).
fn parse_size(field: &[u8]) -> Option<u64> {
    let first = *field.first()?;
    if first & 0x80 != 0 {
        if first == 0xff {
            return None; // negative
        }
        let mut v = u64::from(first & 0x7f);
        for b in &field[1..] {
            v = v.saturating_mul(256).saturating_add(u64::from(*b));
        }
        return Some(v);
    }
    let t: &[u8] = {
        let start = field.iter().position(|c| *c != b' ').unwrap_or(field.len());
        let rest = &field[start..];
        let end = rest
            .iter()
            .position(|c| *c == 0 || *c == b' ')
            .unwrap_or(rest.len());
        &rest[..end]
    };
    let mut v: u64 = 0;
    for c in t {
        if !(b'0'..=b'7').contains(c) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// The stored checksum equals the sum of the header's bytes with the checksum field as spaces
/// (unsigned, or signed as some old writers did).
fn checksum_ok(h: &[u8; BLOCK]) -> bool {
    let Some(stored) = parse_size(&h[148..156]) else {
        return false;
    };
    let (mut unsigned, mut signed): (u64, i64) = (0, 0);
    for (i, b) in h.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { *b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// The `path` and `size` of a PAX extended header's `LEN key=value\n` records (others ignored);
/// `None` when the records are malformed.
#[allow(clippy::type_complexity)]
fn pax(mut data: &[u8]) -> Option<(Option<Vec<u8>>, Option<u64>)> {
    let (mut path, mut size) = (None, None);
    // Trailing NUL padding is not a record.
    while let Some(0) = data.last() {
        data = &data[..data.len() - 1];
    }
    while !data.is_empty() {
        let sp = data.iter().position(|c| *c == b' ')?;
        let len: usize = std::str::from_utf8(&data[..sp]).ok()?.parse().ok()?;
        if len <= sp + 1 || len > data.len() {
            return None;
        }
        let record = &data[sp + 1..len];
        let record = record.strip_suffix(b"\n")?;
        let eq = record.iter().position(|c| *c == b'=')?;
        let (key, value) = (&record[..eq], &record[eq + 1..]);
        match key {
            b"path" => path = Some(value.to_vec()),
            b"size" => size = Some(std::str::from_utf8(value).ok()?.parse().ok()?),
            _ => {}
        }
        data = &data[len..];
    }
    Some((path, size))
}

#[cfg(test)]
mod tests;
