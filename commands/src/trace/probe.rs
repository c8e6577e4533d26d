//! `--probe` (lab only): real packets from the source to the destination — three ICMP echoes, or
//! three TCP connects (SYNs) to `--port`, or three UDP datagrams — sent from inside the source's
//! namespace, while libpcap captures on both nodes' underlay interface. The packets seen leaving
//! and arriving are decoded with the capture decoder and compared with the predicted path; a probe
//! that contradicts the prediction is itself a finding (the trace's verdict becomes broken).
//!
//! Traffic stays inside the lab's own namespaces, as everything `lab` does.

use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _, Result};
use netdiag_core::model::packet::{Encap as PacketEncap, PacketRecord};
use netdiag_core::trace::{Encap, Hop, Probe, Proto, Step, Trace, Verdict};
use netdiag_parsers::packet::{self, DecodeConfig};

use crate::source::{netns, pcap as pcapsrc};

const PROBES: u32 = 3;
/// The lab's nodes reach their subnet through eth0.
const UNDERLAY: &str = "eth0";

pub fn run(lab: &str, t: &mut Trace, port: Option<u16>) -> Result<()> {
    let plan = crate::lab::load(lab)?;
    let node_ns = |name: Option<&str>| -> Result<String> {
        let name = name.ok_or_else(|| anyhow!("--probe: an endpoint has no node"))?;
        Ok(plan
            .node(name)
            .ok_or_else(|| anyhow!("--probe: {name} is not a node of lab {lab}"))?
            .netns
            .clone())
    };
    let src_ns = match t.src.pod.as_deref().filter(|_| !t.src.host_network) {
        Some(pod) => plan
            .pods
            .iter()
            .find(|p| format!("{}/{}", p.namespace, p.name) == pod)
            .map(|p| p.netns.clone())
            .ok_or_else(|| anyhow!("--probe: pod {pod} is not a pod of lab {lab}"))?,
        None => node_ns(t.src.node.as_deref())?,
    };
    let src_node_ns = node_ns(t.src.node.as_deref())?;
    let dst_node_ns = node_ns(t.dst.node.as_deref())?;
    let same_node = t.src.node == t.dst.node;
    let filter = match (t.encapsulation_actual.unwrap_or(t.encapsulation), &t.outer) {
        (Encap::Vxlan, Some(o)) => format!("udp port {}", o.dport.unwrap_or(4789)),
        (Encap::Ipip, _) => "ip proto 4".to_string(),
        // Unencapsulated: the inner addresses are on the wire; encapsulated by mistake is caught
        // too (the outer header is the nodes', so widen to tunnels as well).
        _ => format!(
            "host {} or ip proto 4 or udp port {}",
            t.dst.ip,
            t.outer.as_ref().and_then(|o| o.dport).unwrap_or(4789)
        ),
    };
    let cfg = DecodeConfig {
        vxlan_ports: vec![t.outer.as_ref().and_then(|o| o.dport).unwrap_or(4789)],
        cluster_port: t.outer.as_ref().and_then(|o| o.dport).unwrap_or(4789),
        vni: None,
        vxlan_mtu: u32::MAX,
        vxlan_mtu_v6: u32::MAX,
        ipip_mtu: u32::MAX,
    };
    // ICMP echo payload filling the source pod's MTU (IP 20/40 + ICMP 8 bytes of headers).
    let size = t
        .mtu
        .pod
        .map(|m| m.saturating_sub(if t.dst.ip.is_ipv4() { 28 } else { 48 }));
    let stop = AtomicBool::new(false);
    let (src_ip, dst_ip, proto) = (t.src.ip, t.dst.ip, t.proto);

    let (sent, received, rtt, leaving, arriving) = std::thread::scope(|scope| -> Result<_> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<()>>();
        let mut captures = Vec::new();
        if !same_node {
            for ns in [&src_node_ns, &dst_node_ns] {
                let (ready, stop, filter, cfg) = (ready_tx.clone(), &stop, &filter, &cfg);
                captures.push(
                    scope.spawn(move || capture(ns, filter, cfg, stop, ready, src_ip, dst_ip)),
                );
            }
            for _ in 0..captures.len() {
                ready_rx
                    .recv_timeout(Duration::from_secs(5))
                    .map_err(|_| anyhow!("--probe: the capture did not start"))??;
            }
        }
        let sent_result = send(&src_ns, proto, dst_ip, port, size);
        // Late packets (the last echo reply) still count.
        std::thread::sleep(Duration::from_millis(200));
        stop.store(true, Ordering::Relaxed);
        let mut seen = Vec::new();
        for c in captures {
            seen.push(
                c.join()
                    .map_err(|_| anyhow!("--probe: a capture thread failed"))??,
            );
        }
        let (sent, received, rtt) = sent_result?;
        let leaving = seen.first().cloned().unwrap_or_default();
        let arriving = seen.get(1).cloned().unwrap_or_default();
        Ok((sent, received, rtt, leaving, arriving))
    })?;

    let predicted = t.encapsulation_actual.unwrap_or(t.encapsulation);
    let mut notes = Vec::new();
    let left_as = leaving.first().map(describe);
    let mut agrees = true;
    if !same_node {
        if let Some(first) = leaving.first() {
            let enc = first.encap;
            let want = match predicted {
                Encap::Vxlan => PacketEncap::Vxlan,
                Encap::Ipip => PacketEncap::Ipip,
                Encap::None => PacketEncap::None,
            };
            if enc != want {
                agrees = false;
                notes.push(format!(
                    "predicted {}, but the packets left as {}",
                    predicted.as_str(),
                    enc.as_str()
                ));
            }
            if let (Some(o), Some(outer)) = (&t.outer, &first.outer) {
                if enc != PacketEncap::None && o.dst.is_some_and(|d| d != outer.dst) {
                    agrees = false;
                    notes.push(format!(
                        "predicted outer destination {}, seen {}",
                        o.dst.map(|d| d.to_string()).unwrap_or_default(),
                        outer.dst
                    ));
                }
            }
            if let (Some(o), Some(vx)) = (&t.outer, &first.vxlan) {
                if o.vni.is_some_and(|v| v != vx.vni) {
                    agrees = false;
                    notes.push(format!(
                        "predicted VNI {}, seen {}",
                        o.vni.unwrap_or(0),
                        vx.vni
                    ));
                }
            }
        } else {
            notes.push(format!(
                "nothing left {} toward {}",
                t.src.node.as_deref().unwrap_or("?"),
                t.dst.ip
            ));
        }
    }
    let delivered = match proto {
        Proto::Udp => !arriving.is_empty() || same_node,
        _ => received > 0,
    };
    match (t.predicts_delivery(), delivered) {
        (false, true) => {
            agrees = false;
            notes.push("the trace predicted a broken path, but the probe got through".to_string());
        }
        (false, false) => {
            notes.push("the probe confirms the failure: nothing got through".to_string())
        }
        (true, false) => {
            agrees = false;
            notes.push(
                "the trace found no broken hop, but the probe got no answer: something outside the checked state drops it (firewall, fabric)"
                    .to_string(),
            );
        }
        (true, true) => {}
    }
    if !agrees {
        // Where it got lost: between the nodes when it left but never arrived, else at the source.
        let lost_between = !leaving.is_empty() && arriving.is_empty();
        t.hops.push(Hop {
            node: if lost_between {
                t.dst.node.clone()
            } else {
                t.src.node.clone()
            },
            step: Step::Probe,
            verdict: Verdict::Broken,
            summary: format!("the probe contradicts the prediction: {}", notes.join("; ")),
            evidence: vec![format!(
                "sent {sent}, answered {received}; seen leaving {}, arriving {}",
                leaving.len(),
                arriving.len()
            )],
            code: None,
            hint: Some(if lost_between {
                "the packets left as predicted and never reached the destination's underlay: look at firewalls (nftables/iptables, security groups) and the fabric between the nodes".to_string()
            } else {
                "the state netdiag reads does not explain what the packets did: capture with `netdiag capture --lab … --node …` on both nodes and compare".to_string()
            }),
        });
        t.verdict = Verdict::Broken;
    }
    t.probe = Some(Probe {
        sent,
        received,
        rtt_ms: rtt,
        seen_leaving: u32::try_from(leaving.len()).unwrap_or(u32::MAX),
        left_as,
        seen_arriving: u32::try_from(arriving.len()).unwrap_or(u32::MAX),
        agrees,
        notes,
    });
    Ok(())
}

/// Captures on the node's underlay until `stop`, keeping the packets from `src` to `dst` (the
/// inner header when tunnelled, else the IP header).
fn capture(
    ns: &str,
    filter: &str,
    cfg: &DecodeConfig,
    stop: &AtomicBool,
    ready: mpsc::Sender<Result<()>>,
    src: IpAddr,
    dst: IpAddr,
) -> Result<Vec<PacketRecord>> {
    netns::run_on_thread(Some(ns), || {
        let opened = pcapsrc::open_live(UNDERLAY, 512).and_then(|mut cap| {
            pcapsrc::Packets::set_filter(&mut cap, filter)?;
            Ok(cap)
        });
        let mut cap = match opened {
            Ok(c) => {
                let _ = ready.send(Ok(()));
                c
            }
            Err(e) => {
                let msg = e.to_string();
                let _ = ready.send(Err(e));
                bail!("{msg}");
            }
        };
        let link = packet::link_type(cap.get_datalink().0).ok_or_else(|| {
            anyhow!("--probe: {UNDERLAY} has a link type netdiag does not decode")
        })?;
        let mut out = Vec::new();
        use pcapsrc::{Next, Packets};
        loop {
            match cap.next() {
                Ok(Next::Packet(p)) => {
                    let rec = packet::decode(link, p.ts_ns, p.wire_len, p.data, cfg);
                    let hdr = if rec.encap == PacketEncap::None {
                        rec.outer.as_ref()
                    } else {
                        rec.inner.as_ref()
                    };
                    if hdr.is_some_and(|h| h.src == src && h.dst == dst) {
                        out.push(rec);
                    }
                }
                Ok(Next::Idle) => {
                    if stop.load(Ordering::Relaxed) {
                        return Ok(out);
                    }
                    cap.wait_readable(50);
                }
                Ok(Next::End) => return Ok(out),
                Err(e) => return Err(anyhow!("--probe: capture on {UNDERLAY} in {ns}: {e}")),
            }
        }
    })
}

/// Sends the probes from inside `ns`; returns (sent, answered, mean round trip in ms).
fn send(
    ns: &str,
    proto: Proto,
    dst: IpAddr,
    port: Option<u16>,
    size: Option<u32>,
) -> Result<(u32, u32, Option<f64>)> {
    netns::run_on_thread(Some(ns), || {
        let mut rtts = Vec::new();
        match proto {
            Proto::Icmp => {
                // The system's ping: raw ICMP sockets need no code of ours, and its output is stable.
                let mut ping = std::process::Command::new("ping");
                ping.args(["-n", "-q", "-c", "3", "-i", "0.2", "-W", "1"]);
                if let Some(size) = size {
                    // As large as the pod may send, never fragmented: a path that cannot carry
                    // what the pod's MTU allows fails here, as it would for the application.
                    ping.args(["-M", "do", "-s"]).arg(size.to_string());
                }
                let out = ping
                    .arg(dst.to_string())
                    .output()
                    .context("--probe needs ping (iputils-ping)")?;
                let text = String::from_utf8_lossy(&out.stdout);
                let received = text
                    .split(',')
                    .find_map(|part| part.trim().strip_suffix(" received"))
                    .and_then(|n| n.trim().parse::<u32>().ok())
                    .unwrap_or(0);
                let avg = text
                    .lines()
                    .find(|l| l.contains("min/avg/max"))
                    .and_then(|l| l.split('=').nth(1))
                    .and_then(|v| v.trim().split('/').nth(1))
                    .and_then(|v| v.parse::<f64>().ok());
                return Ok((PROBES, received, avg));
            }
            Proto::Tcp => {
                let addr = SocketAddr::new(dst, port.unwrap_or(80));
                for _ in 0..PROBES {
                    let start = Instant::now();
                    match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                        // Accepted, or refused with a RST: either way the SYN got there and back.
                        Ok(_) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
                        Err(_) => continue,
                    }
                    rtts.push(start.elapsed().as_secs_f64() * 1000.0);
                }
            }
            Proto::Udp => {
                let sock = UdpSocket::bind(if dst.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })
                    .context("--probe: cannot open a UDP socket")?;
                for _ in 0..PROBES {
                    let _ = sock.send_to(b"netdiag probe", SocketAddr::new(dst, port.unwrap_or(9)));
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        let avg = (!rtts.is_empty()).then(|| rtts.iter().sum::<f64>() / rtts.len() as f64);
        Ok((PROBES, u32::try_from(rtts.len()).unwrap_or(0), avg))
    })
}

/// How a probe packet left: `vxlan vni 4096 10.10.10.11→10.10.20.13`.
fn describe(r: &PacketRecord) -> String {
    let outer = r
        .outer
        .as_ref()
        .map(|o| format!("{}→{}", o.src, o.dst))
        .unwrap_or_default();
    match (r.encap, &r.vxlan) {
        (PacketEncap::Vxlan, Some(v)) => format!("vxlan vni {} {outer}", v.vni),
        (PacketEncap::Ipip, _) => format!("ipip {outer}"),
        _ => format!("unencapsulated {outer}"),
    }
}
