//! libpcap at the edge: opening a pcap/pcapng file or a live interface (in the caller's network
//! namespace — `capture` runs this on a `netns::run_on_thread` thread), the BPF filter, the
//! savefile, and errors turned into one clear line (a missing CAP_NET_RAW says so).
//!
//! Why libpcap and not an own reader: it already reads pcap and pcapng (both byte orders, micro- and
//! nanosecond stamps), streams from a buffered file (flat memory), and gives the same handle type
//! for live capture and `-w`; its per-packet cost (~20 ns) is small beside decoding and printing.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use std::os::fd::AsFd;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use pcap::{Active, Capture, Offline};

/// Opens a capture file (pcap or pcapng).
pub fn open_file(path: &Path) -> Result<Capture<Offline>> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(anyhow!("cannot read {}: {e}", path.display()));
    }
    Capture::from_file_with_precision(path, pcap::Precision::Nano)
        .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))
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
    // through. The capture loop waits on the descriptor itself ([`WaitReadable`]).
    active
        .setnonblock()
        .map_err(|e| anyhow!("cannot capture on {iface}: {e}"))
}

/// Waiting until a capture has packets (at most `ms`), for a non-blocking live capture; a file
/// never waits.
pub trait WaitReadable {
    fn wait_readable(&self, ms: u16);
}

impl WaitReadable for Capture<Active> {
    fn wait_readable(&self, ms: u16) {
        let mut fds = [PollFd::new(self.as_fd(), PollFlags::POLLIN)];
        // An error (EINTR from Ctrl-C) only ends this wait early; the loop checks why.
        let _ = poll(&mut fds, PollTimeout::from(ms));
    }
}

impl WaitReadable for Capture<Offline> {
    fn wait_readable(&self, _ms: u16) {}
}

/// Applies a BPF filter (an empty expression keeps everything).
pub fn set_filter<T: pcap::Activated + ?Sized>(cap: &mut Capture<T>, expr: &str) -> Result<()> {
    if expr.trim().is_empty() {
        return Ok(());
    }
    cap.filter(expr, true)
        .with_context(|| format!("invalid capture filter {expr:?}"))
}

/// Opens `-w FILE` for packets of `cap`'s link type.
pub fn savefile<T: pcap::Activated + ?Sized>(
    cap: &Capture<T>,
    path: &Path,
) -> Result<pcap::Savefile> {
    cap.savefile(path)
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))
}
