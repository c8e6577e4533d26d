//! Packets at the edge: a live interface through libpcap (in the caller's network namespace —
//! `capture` runs this on a `netns::run_on_thread` thread), capture files, the BPF filter, the
//! savefile, and errors turned into one clear line (a missing CAP_NET_RAW says so).
//!
//! Classic pcap files are read by [`FileReader`]: large reads into one buffer, records decoded in
//! place (`netdiag_parsers::pcapfile`). libpcap's reader copies every record out of stdio's buffer
//! and was a third of `capture --stats`'s time. pcapng and the rarer pcap variants still go through
//! libpcap ([`open_file`] chooses); BPF filters and `-w` work the same on both (a "dead" libpcap
//! handle compiles the filter and writes the savefile).

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use std::os::fd::AsFd;

use netdiag_parsers::pcapfile::{
    self, FileKind, GlobalHeader, GLOBAL_HEADER_LEN, RECORD_HEADER_LEN,
};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use pcap::{Active, Capture, Offline};

/// A capture file, read by the own reader (classic pcap) or by libpcap (pcapng, other variants).
pub enum CaptureFile {
    Pcap(Box<FileReader>),
    Libpcap(Capture<Offline>),
}

/// Opens a capture file (pcap or pcapng).
pub fn open_file(path: &Path) -> Result<CaptureFile> {
    let cannot = |e: &dyn std::fmt::Display| anyhow!("cannot read {}: {e}", path.display());
    let mut file = File::open(path).map_err(|e| cannot(&e))?;
    let mut head = [0u8; GLOBAL_HEADER_LEN];
    let got = read_full(&mut file, &mut head).map_err(|e| cannot(&e))?;
    if let FileKind::Pcap(header) = pcapfile::global_header(&head[..got]) {
        return Ok(CaptureFile::Pcap(Box::new(FileReader::new(file, header))));
    }
    Capture::from_file_with_precision(path, pcap::Precision::Nano)
        .map(CaptureFile::Libpcap)
        .map_err(|e| cannot(&e))
}

/// Reads until `buf` is full or the file ends; returns how much was read.
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Size of one read: as `cat` does it, large enough that the syscalls do not count, small
/// enough to stay in the cache while the records are decoded.
const CHUNK: usize = 256 * 1024;

/// Whole records of a classic pcap file, as read: `buf[..len]` holds complete records (headers
/// included) and nothing else, so it can be decoded anywhere — on this thread or another.
#[derive(Default)]
pub struct Batch {
    buf: Vec<u8>,
    len: usize,
    /// Records in it.
    pub packets: u64,
}

impl Batch {
    /// The records, in order. The batch was checked when it was filled, so every header is
    /// there and every length fits.
    pub fn packets<'a>(&'a self, header: &'a GlobalHeader) -> impl Iterator<Item = Pkt<'a>> {
        let mut at = 0;
        std::iter::from_fn(move || {
            let b = &self.buf[at..self.len];
            let r = pcapfile::record_header(b, header)?.ok()?;
            let data = b.get(RECORD_HEADER_LEN..RECORD_HEADER_LEN + r.caplen as usize)?;
            at += RECORD_HEADER_LEN + data.len();
            Some(Pkt {
                ts_ns: r.ts_ns,
                wire_len: r.wire_len,
                data,
            })
        })
    }
}

/// Limits on what is read (`-c`, `--max-bytes`): checked before each record, as the packet loop
/// does.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub packets: u64,
    pub bytes: u64,
}

impl Limits {
    pub const NONE: Limits = Limits {
        packets: u64::MAX,
        bytes: u64::MAX,
    };
}

/// A classic pcap file cut into [`Batch`]es of whole records: each read lands in the batch's
/// own buffer (no copy but the kernel's), and only the few bytes of a record that straddles two
/// reads are carried over. Memory stays flat whatever the file size.
pub struct FileReader {
    file: File,
    pub header: GlobalHeader,
    /// The start of a record the last read cut.
    carry: Vec<u8>,
    eof: bool,
    /// Packets and captured bytes handed out so far (for the limits).
    packets: u64,
    bytes: u64,
    limits: Limits,
    /// Sequential reading ([`Packets`]): the current batch and the position in it.
    current: Batch,
    pos: usize,
    /// `--filter`, compiled for the file's link type.
    filter: Option<pcap::BpfProgram>,
}

impl FileReader {
    fn new(file: File, header: GlobalHeader) -> FileReader {
        FileReader {
            file,
            header,
            carry: Vec::new(),
            eof: false,
            packets: 0,
            bytes: 0,
            limits: Limits::NONE,
            current: Batch::default(),
            pos: 0,
            filter: None,
        }
    }

    /// Stops after these limits (the batches end there).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Whether a filter was set (a parallel decode cannot apply it).
    pub fn has_filter(&self) -> bool {
        self.filter.is_some()
    }

    /// The libpcap DLT of the file's LINKTYPE (they differ for raw IP only).
    pub fn dlt(&self) -> i32 {
        match self.header.linktype {
            101 => 12,
            l => i32::from(l),
        }
    }

    fn dead(&self) -> Result<Capture<pcap::Dead>> {
        Capture::dead_with_precision(pcap::Linktype(self.dlt()), pcap::Precision::Nano)
            .map_err(|e| anyhow!("libpcap: {e}"))
    }

    /// Refills `batch` (its buffer reused) with the next whole records: `Ok(false)` at the end
    /// of the file or of the limits; an error for a cut or corrupt record, once every record
    /// before it has been handed out.
    pub fn fill(&mut self, batch: &mut Batch) -> std::result::Result<bool, String> {
        batch.len = 0;
        batch.packets = 0;
        // A guard: a buffer grows to one maximal record at most, so the carry (less than that
        // record) fits a read today; were the two sizes to change, this keeps it from panicking.
        let want = CHUNK.max(self.carry.len());
        if batch.buf.len() < want {
            batch.buf.resize(want, 0);
        }
        batch.buf[..self.carry.len()].copy_from_slice(&self.carry);
        let mut filled = self.carry.len();
        self.carry.clear();
        loop {
            if !self.eof {
                let got = read_full(&mut self.file, &mut batch.buf[filled..])
                    .map_err(|e| e.to_string())?;
                self.eof = filled + got < batch.buf.len();
                filled += got;
            }
            // Whole records, within the limits.
            let mut at = 0;
            let need = loop {
                if self.packets >= self.limits.packets || self.bytes >= self.limits.bytes {
                    self.eof = true;
                    filled = at;
                    break None;
                }
                match pcapfile::record_header(&batch.buf[at..filled], &self.header) {
                    Some(Ok(r)) => {
                        let total = RECORD_HEADER_LEN + r.caplen as usize;
                        if filled - at < total {
                            break Some(total);
                        }
                        at += total;
                        self.packets += 1;
                        self.bytes += u64::from(r.caplen);
                        batch.packets += 1;
                    }
                    Some(Err(e)) => {
                        if at > 0 {
                            // Hand out the records before it first; the next call meets it again.
                            break Some(0);
                        }
                        return Err(e.to_string());
                    }
                    None => break Some(RECORD_HEADER_LEN),
                }
            };
            batch.len = at;
            self.carry.extend_from_slice(&batch.buf[at..filled]);
            if at > 0 {
                return Ok(true);
            }
            match need {
                None => return Ok(false),
                Some(need) if self.eof => {
                    return match filled {
                        0 => Ok(false),
                        n => Err(format!(
                            "the file ends inside a record ({n} of {need} bytes present)"
                        )),
                    };
                }
                // One record larger than the buffer: make room and read on.
                Some(need) => {
                    self.carry.clear();
                    if batch.buf.len() < need {
                        batch.buf.resize(need, 0);
                    }
                }
            }
        }
    }

    /// The next record the filter keeps (sequential reading).
    fn next_packet(&mut self) -> std::result::Result<Next<'_>, String> {
        let (r, start, end) = loop {
            if self.pos >= self.current.len {
                let mut batch = std::mem::take(&mut self.current);
                let more = self.fill(&mut batch);
                self.current = batch;
                self.pos = 0;
                if !more? {
                    return Ok(Next::End);
                }
            }
            let b = &self.current.buf[self.pos..self.current.len];
            let Some(Ok(r)) = pcapfile::record_header(b, &self.header) else {
                return Err("internal: a batch holds a partial record".into());
            };
            let start = self.pos + RECORD_HEADER_LEN;
            let end = start + r.caplen as usize;
            self.pos = end;
            let data = &self.current.buf[start..end];
            if self.filter.as_ref().is_none_or(|f| f.filter(data)) {
                break (r, start, end);
            }
        };
        Ok(Next::Packet(Pkt {
            ts_ns: r.ts_ns,
            wire_len: r.wire_len,
            data: &self.current.buf[start..end],
        }))
    }
}

/// One captured packet, wherever it was read.
pub struct Pkt<'a> {
    /// Nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    pub wire_len: u32,
    pub data: &'a [u8],
}

impl Pkt<'_> {
    /// libpcap's header for this packet (nanosecond stamps: `tv_usec` holds nanoseconds, as the
    /// handles here are all opened with nanosecond precision).
    pub fn pcap_header(&self) -> pcap::PacketHeader {
        pcap::PacketHeader {
            ts: nix::libc::timeval {
                tv_sec: self.ts_ns.div_euclid(1_000_000_000),
                tv_usec: self.ts_ns.rem_euclid(1_000_000_000),
            },
            caplen: self.data.len().try_into().unwrap_or(u32::MAX),
            len: self.wire_len,
        }
    }
}

/// What reading a source gives.
pub enum Next<'a> {
    Packet(Pkt<'a>),
    /// A live capture has nothing right now (wait on it, then read again).
    Idle,
    End,
}

/// A source of packets: a capture file (either reader) or a live interface.
pub trait Packets {
    /// The libpcap DLT of the packets.
    fn dlt(&self) -> i32;
    /// The next packet; an error (a cut file, a device gone) as one line.
    fn next(&mut self) -> std::result::Result<Next<'_>, String>;
    /// Waits until packets may be there (at most `ms`); a file never waits.
    fn wait_readable(&self, _ms: u16) {}
    /// Keeps only the packets `expr` matches (an empty expression keeps everything).
    fn set_filter(&mut self, expr: &str) -> Result<()>;
    /// Opens `-w FILE` for these packets.
    fn savefile(&self, path: &Path) -> Result<pcap::Savefile>;
}

impl Packets for CaptureFile {
    fn dlt(&self) -> i32 {
        match self {
            CaptureFile::Pcap(r) => r.dlt(),
            CaptureFile::Libpcap(c) => c.get_datalink().0,
        }
    }

    fn next(&mut self) -> std::result::Result<Next<'_>, String> {
        match self {
            CaptureFile::Pcap(r) => r.next_packet(),
            CaptureFile::Libpcap(c) => libpcap_next(c),
        }
    }

    fn set_filter(&mut self, expr: &str) -> Result<()> {
        if expr.trim().is_empty() {
            return Ok(());
        }
        match self {
            CaptureFile::Pcap(r) => {
                let prog = r
                    .dead()?
                    .compile(expr, true)
                    .with_context(|| format!("invalid capture filter {expr:?}"))?;
                r.filter = Some(prog);
                Ok(())
            }
            CaptureFile::Libpcap(c) => set_filter(c, expr),
        }
    }

    fn savefile(&self, path: &Path) -> Result<pcap::Savefile> {
        match self {
            CaptureFile::Pcap(r) => savefile(&r.dead()?, path),
            CaptureFile::Libpcap(c) => savefile(c, path),
        }
    }
}

impl Packets for Capture<Active> {
    fn dlt(&self) -> i32 {
        self.get_datalink().0
    }

    fn next(&mut self) -> std::result::Result<Next<'_>, String> {
        libpcap_next(self)
    }

    fn wait_readable(&self, ms: u16) {
        let mut fds = [PollFd::new(self.as_fd(), PollFlags::POLLIN)];
        // An error (EINTR from Ctrl-C) only ends this wait early; the loop checks why.
        let _ = poll(&mut fds, PollTimeout::from(ms));
    }

    fn set_filter(&mut self, expr: &str) -> Result<()> {
        set_filter(self, expr)
    }

    fn savefile(&self, path: &Path) -> Result<pcap::Savefile> {
        savefile(self, path)
    }
}

fn libpcap_next<T: pcap::Activated + ?Sized>(
    cap: &mut Capture<T>,
) -> std::result::Result<Next<'_>, String> {
    match cap.next_packet() {
        Ok(p) => {
            // Opened with nanosecond precision: tv_usec holds nanoseconds.
            let ts = p.header.ts;
            Ok(Next::Packet(Pkt {
                ts_ns: ts
                    .tv_sec
                    .saturating_mul(1_000_000_000)
                    .saturating_add(ts.tv_usec),
                wire_len: p.header.len,
                data: p.data,
            }))
        }
        Err(pcap::Error::NoMorePackets) => Ok(Next::End),
        // A live capture is non-blocking (libpcap's own read timeout does not return on Linux
        // while no packet arrives): the caller waits on the descriptor.
        Err(pcap::Error::TimeoutExpired) => Ok(Next::Idle),
        Err(e) => Err(e.to_string()),
    }
}

/// Opens `iface` for live capture: non-blocking, immediate delivery, nanosecond stamps, the given
/// snaplen.
pub fn open_live(iface: &str, snaplen: i32) -> Result<Capture<Active>> {
    let inactive = Capture::from_device(iface)
        .map_err(|e| anyhow!("cannot capture on {iface}: {e}"))?
        .promisc(false)
        .snaplen(snaplen)
        .timeout(100)
        .immediate_mode(true)
        .precision(pcap::Precision::Nano);
    let active = inactive.open().map_err(|e| {
        let msg = e.to_string();
        if msg.contains("ermission") || msg.contains("not permitted") {
            anyhow!(
                "capturing on {iface} needs CAP_NET_RAW (run as root, e.g. with sudo, or give netdiag cap_net_raw): {msg}"
            )
        } else {
            anyhow!("cannot capture on {iface}: {msg}")
        }
    })?;
    // Non-blocking: on Linux libpcap keeps polling inside `pcap_next_ex` while nothing arrives,
    // whatever the read timeout, so a quiet interface would never let `--duration` or Ctrl-C
    // through. The capture loop waits on the descriptor itself ([`Packets::wait_readable`]).
    active
        .setnonblock()
        .map_err(|e| anyhow!("cannot capture on {iface}: {e}"))
}

/// Applies a BPF filter (an empty expression keeps everything).
fn set_filter<T: pcap::Activated + ?Sized>(cap: &mut Capture<T>, expr: &str) -> Result<()> {
    if expr.trim().is_empty() {
        return Ok(());
    }
    cap.filter(expr, true)
        .with_context(|| format!("invalid capture filter {expr:?}"))
}

/// Opens `-w FILE` for packets of `cap`'s link type.
fn savefile<T: pcap::Activated + ?Sized>(cap: &Capture<T>, path: &Path) -> Result<pcap::Savefile> {
    cap.savefile(path)
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use netdiag_parsers::pcapfile::{write_global_header, write_record};

    fn testdata(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/pcap")
            .join(name)
    }

    /// A packet as read: stamp, wire length, bytes.
    type Owned = (i64, u32, Vec<u8>);

    /// Every packet a source gives, and the error that ended it.
    fn drain(src: &mut impl Packets) -> (Vec<Owned>, Option<String>) {
        let mut v = Vec::new();
        loop {
            match src.next() {
                Ok(Next::Packet(p)) => v.push((p.ts_ns, p.wire_len, p.data.to_vec())),
                Ok(Next::End) => return (v, None),
                Ok(Next::Idle) => panic!("a file is never idle"),
                Err(e) => return (v, Some(e)),
            }
        }
    }

    fn libpcap(path: &Path) -> CaptureFile {
        CaptureFile::Libpcap(
            Capture::from_file_with_precision(path, pcap::Precision::Nano).expect("libpcap opens"),
        )
    }

    fn own(path: &Path) -> CaptureFile {
        let f = open_file(path).expect("opens");
        assert!(
            matches!(f, CaptureFile::Pcap(_)),
            "{} is classic pcap",
            path.display()
        );
        f
    }

    /// The own reader itself, for reading batches.
    fn own_reader(path: &Path) -> Box<FileReader> {
        match own(path) {
            CaptureFile::Pcap(r) => r,
            CaptureFile::Libpcap(_) => unreachable!("own() checked"),
        }
    }

    /// A file of `n` records of varying sizes, some far larger than one read, so that records
    /// straddle the reads in every way.
    fn big_file(dir: &Path, n: usize) -> std::path::PathBuf {
        let mut f = Vec::new();
        write_global_header(&mut f, 1, pcapfile::MAX_RECORD);
        for i in 0..n {
            let len = match i % 97 {
                // With its header, more than one read (three in a row).
                0..=2 => pcapfile::MAX_RECORD as usize,
                k => 14 + (k * 37 + i) % 1500,
            };
            let data: Vec<u8> = (0..len).map(|j| (i + j) as u8).collect();
            write_record(
                &mut f,
                1_700_000_000_000_000_000 + i as i64 * 1001,
                len as u32 + 4,
                &data,
            );
        }
        let p = dir.join("big.pcap");
        std::fs::write(&p, f).expect("write");
        p
    }

    #[test]
    fn own_reader_reads_what_libpcap_reads() {
        let dir = tempfile::tempdir().expect("tempdir");
        for path in [
            testdata("mix.pcap"),
            testdata("mix-sll.pcap"),
            big_file(dir.path(), 3000),
        ] {
            let (mine, err) = drain(&mut own(&path));
            let (theirs, their_err) = drain(&mut libpcap(&path));
            assert_eq!((err, their_err), (None, None), "{}", path.display());
            assert!(!mine.is_empty());
            assert!(mine == theirs, "{}: the readers differ", path.display());
        }
    }

    /// As the parallel summary reads: every batch a fresh buffer (the pool's), so that a carry
    /// from a grown buffer lands in one of ordinary size.
    #[test]
    fn batches_in_fresh_buffers_hold_every_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = big_file(dir.path(), 700);
        let (theirs, _) = drain(&mut libpcap(&path));
        let mut r = own_reader(&path);
        let mut mine = Vec::new();
        loop {
            let mut batch = Batch::default();
            if !r.fill(&mut batch).expect("reads") {
                break;
            }
            let n = mine.len();
            mine.extend(
                batch
                    .packets(&r.header)
                    .map(|p| (p.ts_ns, p.wire_len, p.data.to_vec())),
            );
            assert_eq!((mine.len() - n) as u64, batch.packets);
        }
        assert!(mine == theirs, "the batches differ from libpcap's reading");
    }

    #[test]
    fn pcapng_goes_to_libpcap() {
        let f = open_file(&testdata("mix-sll2.pcapng")).expect("opens");
        assert!(matches!(f, CaptureFile::Libpcap(_)));
    }

    #[test]
    fn a_cut_file_gives_every_whole_record_then_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let whole = std::fs::read(big_file(dir.path(), 500)).expect("read");
        let (all, _) = drain(&mut own(&dir.path().join("big.pcap")));
        for cut in [whole.len() - 1, whole.len() - 30, whole.len() / 2, 24 + 10] {
            let p = dir.path().join("cut.pcap");
            std::fs::write(&p, &whole[..cut]).expect("write");
            let (mine, err) = drain(&mut own(&p));
            let err = err.expect("a cut file is an error");
            assert!(err.contains("ends inside a record"), "{err}");
            let (theirs, their_err) = drain(&mut libpcap(&p));
            assert!(their_err.is_some(), "libpcap also sees the cut");
            assert_eq!(mine.len(), theirs.len(), "cut at {cut}");
            assert!(mine[..] == all[..mine.len()]);
        }
    }

    #[test]
    fn a_corrupt_length_is_an_error_after_the_records_before_it() {
        let mut f = Vec::new();
        write_global_header(&mut f, 1, 65535);
        write_record(&mut f, 1, 60, &[1; 60]);
        write_record(&mut f, 2, 60, &[2; 60]);
        let at = f.len();
        write_record(&mut f, 3, 60, &[3; 60]);
        f[at + 8..at + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("bad.pcap");
        std::fs::write(&p, f).expect("write");
        let (got, err) = drain(&mut own(&p));
        assert_eq!(got.len(), 2);
        assert!(err.expect("error").contains("corrupt"));
    }

    #[test]
    fn limits_end_the_batches_where_the_packet_loop_would() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = big_file(dir.path(), 400);
        let (all, _) = drain(&mut own(&path));
        let mut r = own_reader(&path);
        r.set_limits(Limits {
            packets: 123,
            bytes: u64::MAX,
        });
        let (mut n, mut batch) = (0, Batch::default());
        while r.fill(&mut batch).expect("reads") {
            n += batch.packets;
        }
        assert_eq!(n, 123);
        // Bytes: stop before the record after the one that reached the limit.
        let limit = all[..10].iter().map(|p| p.2.len() as u64).sum::<u64>() - 1;
        let mut r = own_reader(&path);
        r.set_limits(Limits {
            packets: u64::MAX,
            bytes: limit,
        });
        let mut got = Vec::new();
        while r.fill(&mut batch).expect("reads") {
            got.extend(batch.packets(&r.header).map(|p| p.data.to_vec()));
        }
        assert_eq!(got.len(), 10);
    }
}
