//! `netdiag capture`: read packets (a pcap/pcapng file, or live through libpcap in any network
//! namespace), decode each into a `PacketRecord` (parsers), name its endpoints and add the intent's
//! anomalies (core `Annotator`), and print one line, a layered view or one JSON object per packet,
//! and/or the summary per node pair and pod flow. Streams: memory stays flat whatever the file size.
//! Lines (text and JSON) are formatted into one reused buffer (no allocation per packet); a classic
//! pcap file is decoded and formatted on every core, in order ([`lines`]), or only counted there for
//! `--stats` ([`summary`]).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use netdiag_core::model::packet::{LinkType, PacketRecord};
use netdiag_core::packet::{json, text, Annotator, Lines, Stats};
use netdiag_core::ClusterIntent;
use netdiag_parsers::packet::{decode_into, link_type, DecodeConfig};

use crate::cli::{CaptureArgs, CaptureFormat};
use crate::output::BrokenPipe;
use crate::source;
use crate::source::pcap::{CaptureFile, Limits, Next, Packets};

mod lines;
mod summary;
#[cfg(test)]
mod testutil;

/// Threads that decode a file for the summary: the cores there are (the reader needs little).
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Runs the command; returns the exit code.
pub fn run(args: &CaptureArgs, color: bool) -> Result<u8> {
    // A bundle as `-r` (its embedded pcap; its intent names the packets unless --from/--lab say
    // otherwise) or as `--from`: verified and unpacked for as long as this runs.
    let mut args = args.clone();
    let read_bundle = match &args.read {
        Some(p) if source::bundle::is_bundle(p) => Some(source::bundle::extract(p)?),
        _ => None,
    };
    if let (Some(b), Some(p)) = (&read_bundle, &args.read) {
        let pcap = b.pcap().ok_or_else(|| {
            anyhow!(
                "{}: the bundle holds no capture (made without --capture-seconds, or left out: see `netdiag bundle inspect`)",
                p.display()
            )
        })?;
        if args.source.from_path().is_none() && args.source.lab.is_none() {
            args.source.from = vec![b.path().to_path_buf()];
        }
        args.read = Some(pcap);
    }
    let opened = source::open(&args.source)?;
    args.source = opened.args.clone();
    let args = &args;
    let s = &args.source;
    let wants_intent = s.lab.is_some() || s.from_path().is_some() || source::kube::explicit(s);
    let intent = if wants_intent {
        source::intent(s)?
    } else {
        ClusterIntent::default()
    };
    let cfg = decode_config(&intent, s.node.as_deref(), &args.vxlan_port);
    let assumed = assumption(&intent, &cfg);
    let annotator = Annotator::new(&intent);
    let mut sink = Sink::new(args, color, &annotator, cfg);
    sink.assumed = assumed;
    match &args.read {
        Some(path) => offline(args, path, sink),
        None => live(args, sink),
    }
}

/// The tunnel settings in force: FelixConfiguration (default, overlaid by `node.<node>`), else
/// Calico's defaults; `--vxlan-port` adds ports to decode.
///
/// Without FelixConfiguration in the intent (no intent at all, or files without it) nothing is
/// checked against a default the cluster may not use: any VNI and any inner size pass (tcpdump's
/// own `vxlan.pcap` uses VNI 100), and [`assumption`] says so once in the summary.
pub fn decode_config(intent: &ClusterIntent, node: Option<&str>, extra: &[u16]) -> DecodeConfig {
    // Flannel or Canal: flannel.<VNI>'s port (Backend.Port, 0 = the kernel's 8472) and VNI.
    if netdiag_core::expect::flannel::detect(intent).is_some() {
        let exp = netdiag_core::expect::flannel::Expected::of(intent.flannel.as_ref());
        let mut ports = vec![exp.port];
        ports.extend(extra.iter().filter(|p| **p != exp.port));
        let conf = intent.flannel.as_ref();
        return DecodeConfig {
            vxlan_ports: ports,
            cluster_port: exp.port,
            vni: conf.map(|_| exp.vni),
            // The device's MTU is Backend.MTU − 50 when set, else the underlay's − 50, which
            // the intent does not hold.
            vxlan_mtu: conf
                .and_then(|c| c.mtu)
                .filter(|m| *m != 0)
                .map_or(u32::MAX, |m| m.saturating_sub(50)),
            vxlan_mtu_v6: u32::MAX,
            ipip_mtu: u32::MAX,
        };
    }
    let felix = intent.felix_for(node.unwrap_or(""));
    let port = felix.vxlan_port.unwrap_or(4789);
    let mut ports = vec![port];
    ports.extend(extra.iter().filter(|p| **p != port));
    if !intent.listed.felix {
        return DecodeConfig {
            vxlan_ports: ports,
            cluster_port: port,
            vni: None,
            vxlan_mtu: u32::MAX,
            vxlan_mtu_v6: u32::MAX,
            ipip_mtu: u32::MAX,
        };
    }
    let d = DecodeConfig::default();
    DecodeConfig {
        vxlan_ports: ports,
        cluster_port: port,
        vni: Some(felix.vxlan_vni.unwrap_or(4096)),
        vxlan_mtu: felix.vxlan_mtu.unwrap_or(d.vxlan_mtu),
        vxlan_mtu_v6: felix.vxlan_mtu_v6.unwrap_or(d.vxlan_mtu_v6),
        ipip_mtu: felix.ipip_mtu.unwrap_or(d.ipip_mtu),
    }
}

/// The one line the summary carries when the decode ran without the cluster's settings.
pub fn assumption(intent: &ClusterIntent, cfg: &DecodeConfig) -> Option<String> {
    if netdiag_core::expect::flannel::detect(intent).is_some() {
        return intent.flannel.is_none().then(|| {
            format!(
                "assumed: Flannel without net-conf.json in the intent, so VXLAN is decoded on UDP {} (the kernel's default Flannel leaves) and no packet is judged by VNI",
                cfg.cluster_port
            )
        });
    }
    if intent.listed.felix {
        return None;
    }
    let ports: Vec<String> = cfg.vxlan_ports.iter().map(|p| p.to_string()).collect();
    Some(format!(
        "assumed: no FelixConfiguration in the intent, so VXLAN is decoded on UDP {} (Calico's default; --vxlan-port adds more) and no packet is judged by VNI or tunnel MTU",
        ports.join(", ")
    ))
}

/// The default BPF filter: VXLAN to the ports in force, or IPIP.
pub fn default_filter(cfg: &DecodeConfig) -> String {
    let mut f: Vec<String> = cfg
        .vxlan_ports
        .iter()
        .map(|p| format!("udp dst port {p}"))
        .collect();
    f.push("ip proto 4".into());
    f.join(" or ")
}

fn offline(args: &CaptureArgs, path: &Path, mut sink: Sink<'_>) -> Result<u8> {
    let mut cap = source::pcap::open_file(path)?;
    if let Some(f) = &args.filter {
        cap.set_filter(f)?;
    }
    let result = match &mut cap {
        // Only the summary is asked for: the order of packets does not matter, so the file's
        // batches are decoded on every core.
        CaptureFile::Pcap(reader)
            if args.stats && args.write.is_none() && !reader.has_filter() && workers() > 1 =>
        {
            reader.set_limits(Limits {
                packets: args.count.unwrap_or(u64::MAX),
                bytes: args.max_bytes.unwrap_or(u64::MAX),
            });
            summary::parallel(reader, &mut sink.stats, &sink.cfg, workers())
        }
        // Lines from a classic pcap file: decoded and formatted on every core, written in order
        // (the summary is not printed then, so no flow is counted).
        CaptureFile::Pcap(reader)
            if sink.lines
                && !args.stats
                && args.write.is_none()
                && !reader.has_filter()
                && workers() > 1 =>
        {
            reader.set_limits(Limits {
                packets: args.count.unwrap_or(u64::MAX),
                bytes: args.max_bytes.unwrap_or(u64::MAX),
            });
            let fmt = lines::Format {
                format: sink.format,
                verbose: sink.verbose,
                color: sink.color,
            };
            let ann = sink.stats.annotator();
            // One worker more than there are cores: the reader thread takes a share of a core,
            // and with the outputs taken strictly in turn, as many workers as cores left a core
            // idle whenever one waited for its batch (2 000 000 packets on 2 cores: 235 ms with
            // 2 workers, 194 ms with 3, 193 ms with 4).
            lines::parallel(reader, &mut sink.out, ann, &sink.cfg, fmt, workers() + 1)
        }
        _ => pump(&mut cap, &mut sink, args, None),
    };
    // The packets before a cut record are printed (and counted) before the error, which stays
    // the one line on stderr: no assumption note then.
    if result.is_err() {
        sink.assumed = None;
    }
    sink.finish(args.stats, None)?;
    match result {
        Ok(_) => Ok(0),
        Err(PumpError::Read { after, error }) => Err(anyhow!(
            "{}: cannot read packet {} ({error}); the {after} packets before it were decoded — is the file cut short? (`tcpdump -r` reports the same)",
            path.display(),
            after + 1
        )),
        // Name the file (a link type netdiag does not decode, …) unless the error already does.
        Err(PumpError::Other(e)) => {
            let shown = path.display().to_string();
            if format!("{e:#}").contains(&shown) {
                Err(e)
            } else {
                Err(e.context(shown))
            }
        }
    }
}

fn live(args: &CaptureArgs, sink: Sink<'_>) -> Result<u8> {
    let s = &args.source;
    let netns = match &s.lab {
        Some(lab) => Some(crate::lab::node_netns(lab, s.node.as_deref())?),
        None => s.netns.clone(),
    };
    let iface = args
        .interface
        .clone()
        .unwrap_or_else(|| if netns.is_some() { "eth0" } else { "any" }.to_string());
    let filter = args
        .filter
        .clone()
        .unwrap_or_else(|| default_filter(&sink.cfg));
    // Ctrl-C (and SIGTERM) set a flag; the loop notices within POLL_MS and ends cleanly.
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| anyhow!("cannot handle signals: {e}"))?;
    }
    let args = args.clone();
    source::netns::run_on_thread(netns.as_deref(), move || {
        let mut sink = sink;
        let mut cap = source::pcap::open_live(&iface, args.snaplen)?;
        Packets::set_filter(&mut cap, &filter)?;
        let deadline = args
            .duration
            .filter(|d| d.is_finite() && *d >= 0.0)
            .map(|d| Instant::now() + Duration::from_secs_f64(d));
        let live = Live {
            stop: &stop,
            deadline,
        };
        let result = pump(&mut cap, &mut sink, &args, Some(live));
        let stats = cap.stats().ok();
        sink.finish(true, stats)?;
        match result {
            Ok(_) => Ok(0),
            Err(PumpError::Read { after, error }) => Err(anyhow!(
                "capture on {iface} failed after {after} packets: {error}"
            )),
            Err(PumpError::Other(e)) => Err(e),
        }
    })
}

/// Bytes of lines batched before a write.
const BATCH: usize = 1 << 16;

/// How long one wait for packets lasts before the stop flag and the deadline are checked again.
const POLL_MS: u16 = 100;

/// What ends a live capture besides the count: a signal or the deadline.
#[derive(Clone, Copy)]
struct Live<'a> {
    stop: &'a AtomicBool,
    deadline: Option<Instant>,
}

impl Live<'_> {
    fn over(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

pub(crate) enum PumpError {
    /// The next packet could not be read (a cut file, a device gone).
    Read {
        after: u64,
        error: String,
    },
    Other(anyhow::Error),
}

impl From<anyhow::Error> for PumpError {
    fn from(e: anyhow::Error) -> Self {
        PumpError::Other(e)
    }
}

/// Reads packets until the end, `-c`, `--max-bytes`, the deadline or a signal; returns how many.
fn pump(
    cap: &mut impl Packets,
    sink: &mut Sink,
    args: &CaptureArgs,
    live: Option<Live<'_>>,
) -> std::result::Result<u64, PumpError> {
    let dlt = cap.dlt();
    let link = link_type(dlt).ok_or_else(|| {
        anyhow!(
            "link type {dlt} ({}) is not decoded (Ethernet, Linux SLL/SLL2 and raw IP are)",
            pcap::Linktype(dlt)
                .get_name()
                .unwrap_or_else(|_| "unknown".into())
        )
    })?;
    let mut save = match &args.write {
        Some(p) => Some(cap.savefile(p)?),
        None => None,
    };
    let (mut n, mut bytes) = (0u64, 0u64);
    let result = loop {
        if args.count.is_some_and(|c| n >= c) || args.max_bytes.is_some_and(|m| bytes >= m) {
            break Ok(n);
        }
        if live.is_some_and(|l| l.over()) {
            break Ok(n);
        }
        match cap.next() {
            Ok(Next::Packet(p)) => {
                n += 1;
                bytes += p.data.len() as u64;
                if let Some(sf) = save.as_mut() {
                    sf.write(&pcap::Packet::new(&p.pcap_header(), p.data));
                }
                sink.packet(link, p.ts_ns, p.wire_len, p.data)?;
            }
            Ok(Next::End) => break Ok(n),
            Ok(Next::Idle) => {
                sink.flush_lines()?;
                cap.wait_readable(POLL_MS);
            }
            Err(error) => break Err(PumpError::Read { after: n, error }),
        }
    };
    if let Some(sf) = save.as_mut() {
        sf.flush()
            .map_err(|e| anyhow!("cannot write the capture file: {e}"))?;
    }
    result
}

/// Where decoded packets go: the per-packet output and the summary.
struct Sink<'a> {
    out: std::io::Stdout,
    /// Lines waiting to be written: batched up to [`BATCH`] bytes so that stdout sees one write
    /// per ~400 lines and the bytes are copied once (a BufWriter would copy each line again).
    buf: Lines,
    format: CaptureFormat,
    verbose: bool,
    lines: bool,
    color: bool,
    cfg: DecodeConfig,
    stats: Stats<'a>,
    /// The record each packet is decoded into (reused).
    rec: PacketRecord,
    /// What the decode assumed for lack of intent, said once with the summary.
    assumed: Option<String>,
}

impl<'a> Sink<'a> {
    fn new(
        args: &CaptureArgs,
        color: bool,
        annotator: &'a Annotator,
        cfg: DecodeConfig,
    ) -> Sink<'a> {
        Sink {
            out: std::io::stdout(),
            buf: Lines::with_capacity(BATCH + 4096),
            format: args.output,
            verbose: args.verbose,
            lines: !args.stats && (args.decode || args.write.is_none()),
            color,
            cfg,
            stats: Stats::new(annotator),
            rec: PacketRecord::default(),
            assumed: None,
        }
    }

    fn packet(&mut self, link: LinkType, ts_ns: i64, wire_len: u32, data: &[u8]) -> Result<()> {
        let rec = &mut self.rec;
        decode_into(rec, link, ts_ns, wire_len, data, &self.cfg);
        let (names, flow) = self.stats.record_text(rec);
        if !self.lines {
            return Ok(());
        }
        match self.format {
            CaptureFormat::Text => {
                text::write_line(&mut self.buf, rec, names, flow, self.color);
                if self.verbose {
                    self.buf.append_with(|b| text::layered(b, rec));
                }
            }
            CaptureFormat::Json => json::write_line(&mut self.buf, rec, names),
        }
        if self.buf.len() >= BATCH {
            self.flush_lines()?;
        }
        Ok(())
    }

    /// Writes the waiting lines (also when a live capture is idle, so lines show up at once).
    fn flush_lines(&mut self) -> Result<()> {
        write_out(&mut self.out, self.buf.as_bytes())?;
        self.buf.clear();
        flush(&mut self.out)
    }

    /// Flushes the lines; prints the summary (to stdout with --stats, else to stderr) and the
    /// kernel's drop counters of a live capture.
    fn finish(&mut self, summary: bool, kernel: Option<pcap::Stat>) -> Result<()> {
        self.flush_lines()?;
        if summary {
            let text = match self.format {
                CaptureFormat::Json if !self.lines => {
                    let mut v = serde_json::to_value(self.stats.json())?;
                    if let (Some(a), Some(obj)) = (&self.assumed, v.as_object_mut()) {
                        obj.insert("assumed".into(), serde_json::Value::String(a.clone()));
                    }
                    let mut s = serde_json::to_string(&v)?;
                    s.push('\n');
                    s
                }
                _ => {
                    let mut t = self.stats.text();
                    if let Some(a) = &self.assumed {
                        t.push_str(a);
                        t.push('\n');
                    }
                    t
                }
            };
            if self.lines {
                eprint!("{text}");
            } else {
                write_out(&mut self.out, text.as_bytes())?;
                flush(&mut self.out)?;
            }
        }
        if let (false, Some(a)) = (summary, &self.assumed) {
            // No summary to carry it: one line on stderr, after the packets.
            eprintln!("{a}");
        }
        if let Some(k) = kernel {
            eprintln!(
                "kernel: {} packets received by filter, {} dropped by kernel, {} dropped by interface",
                k.received, k.dropped, k.if_dropped
            );
        }
        Ok(())
    }
}

fn write_out(out: &mut impl Write, b: &[u8]) -> Result<()> {
    match out.write_all(b) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(BrokenPipe.into()),
        other => Ok(other?),
    }
}

fn flush(out: &mut impl Write) -> Result<()> {
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(BrokenPipe.into()),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod flannel_tests {
    use super::*;
    use std::path::Path;

    fn scenario(name: &str) -> ClusterIntent {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/scenarios")
            .join(name);
        crate::source::files::load_intent(&dir).expect("intent")
    }

    /// Issue 16: a Flannel intent decodes UDP 8472 (the kernel's port for Backend.Port 0) with
    /// VNI 1, not Calico's 4789/4096; `--vxlan-port` still adds ports.
    #[test]
    fn flannel_intent_decodes_8472_and_vni_1() {
        let intent = scenario("flannel-healthy");
        let cfg = decode_config(&intent, Some("worker"), &[4789]);
        assert_eq!(cfg.vxlan_ports, vec![8472, 4789]);
        assert_eq!((cfg.cluster_port, cfg.vni), (8472, Some(1)));
        assert_eq!(assumption(&intent, &cfg), None);
        assert_eq!(
            default_filter(&cfg),
            "udp dst port 8472 or udp dst port 4789 or ip proto 4"
        );
    }

    #[test]
    fn flannel_port_and_vni_come_from_net_conf() {
        let mut intent = scenario("flannel-healthy");
        let conf = intent.flannel.as_mut().expect("net-conf");
        conf.port = Some(4790);
        conf.vni = Some(42);
        let cfg = decode_config(&intent, None, &[]);
        assert_eq!((cfg.vxlan_ports.clone(), cfg.vni), (vec![4790], Some(42)));
        // Without net-conf.json (annotations only): 8472, no VNI judged, and said so.
        intent.flannel = None;
        let cfg = decode_config(&intent, None, &[]);
        assert_eq!((cfg.vxlan_ports.clone(), cfg.vni), (vec![8472], None));
        assert!(assumption(&intent, &cfg).is_some_and(|a| a.contains("8472")));
    }
}
