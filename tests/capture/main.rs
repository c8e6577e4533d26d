//! `netdiag capture` end to end: the committed pcaps (`testdata/pcap/`) decoded with the lab's intent
//! (names, every anomaly), cross-checked against tcpdump's reading of the same files, SLL equal to
//! Ethernet, `-w` readable by tcpdump, bad input as one line and exit 2; and, as root, a live capture
//! on a `netdiag lab` node (VXLAN across subnets with pod names, direct within a subnet, a broken
//! VNI flagged).

#[path = "../common/lab.rs"]
mod lab_util;
#[path = "../common/privileged.rs"]
mod privileged;

use lab_util::{netdiag, text, Lab};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn pcap(name: &str) -> String {
    root()
        .join("testdata/pcap")
        .join(name)
        .display()
        .to_string()
}

fn lab_intent() -> String {
    root().join("testdata/pcap/lab").display().to_string()
}

/// Every anomaly code of the records, in order.
fn anomalies(recs: &[serde_json::Value]) -> Vec<String> {
    recs.iter()
        .flat_map(|r| r["anomalies"].as_array().expect("test data").clone())
        .map(|a| a.as_str().expect("test data").to_string())
        .collect()
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn mix_pcap_names_and_every_anomaly() {
    let o = netdiag(&[
        "capture",
        "-r",
        &pcap("mix.pcap"),
        "--from",
        &lab_intent(),
        "-o",
        "json",
    ]);
    let recs = json_lines(&o);
    assert_eq!(recs.len(), 19);
    let first = &recs[0];
    assert_eq!(first["encap"], "vxlan");
    assert_eq!(first["vxlan"]["vni"], 4096);
    assert_eq!(first["names"]["outer_src"], "worker");
    assert_eq!(first["names"]["outer_dst"], "worker3");
    assert_eq!(first["names"]["inner_src"], "default/worker-p2");
    assert_eq!(first["inner"]["tcp_flags"], "S");
    assert_eq!(first["inner"]["dport"], 80);
    let all = anomalies(&recs);
    for code in [
        "vni-mismatch",
        "i-flag-missing",
        "reserved-bits",
        "inner-over-mtu",
        "outer-fragment",
        "icmp-frag-needed",
        "truncated",
        "unknown-node",
        "encap-unexpected",
        "encap-missing",
    ] {
        assert!(all.iter().any(|a| a == code), "no {code} in {all:?}");
    }
    // The text line of the issue's shape.
    let o = netdiag(&[
        "capture",
        "-r",
        &pcap("mix.pcap"),
        "--from",
        &lab_intent(),
        "-c",
        "1",
    ]);
    assert_eq!(
        text(&o.stdout).trim(),
        "11:06:40.000000 worker→worker3 10.10.10.11→10.10.20.13 VXLAN vni 4096 | worker-p2(default) 192.168.2.2:43122 → worker3-p2(default) 192.168.4.2:80 TCP [S] len 0"
    );
}

#[test]
fn stats_summarise_pairs_and_flows() {
    let o = netdiag(&[
        "capture",
        "-r",
        &pcap("mix.pcap"),
        "--from",
        &lab_intent(),
        "--stats",
    ]);
    let out = text(&o.stdout);
    assert!(o.status.success());
    assert!(out.starts_with("packets 19 "), "{out}");
    assert!(
        out.contains("node pairs:") && out.contains("worker 10.10.10.11"),
        "{out}"
    );
    assert!(out.contains("pod flows:"), "{out}");
    let o = netdiag(&["capture", "-r", &pcap("mix.pcap"), "--stats", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("test data");
    assert_eq!(v["total"]["packets"], 19);
    assert_eq!(v["kind"], "CaptureStats");
}

#[test]
fn sll_sll2_and_pcapng_read_like_ethernet() {
    let strip = |o: Output| -> Vec<serde_json::Value> {
        json_lines(&o)
            .into_iter()
            .map(|mut r| {
                r.as_object_mut().expect("test data").remove("len");
                r.as_object_mut().expect("test data").remove("caplen");
                r
            })
            .collect()
    };
    let eth = strip(netdiag(&["capture", "-r", &pcap("mix.pcap"), "-o", "json"]));
    for cooked in ["mix-sll.pcap", "mix-sll2.pcapng"] {
        let other = strip(netdiag(&["capture", "-r", &pcap(cooked), "-o", "json"]));
        assert_eq!(eth, other, "{cooked}");
    }
}

/// What `capture -r FILE -o json` and the text lines printed before they were written by hand and
/// on every core: one packet after another, named through the flow table, the JSON through serde
/// and a `JsonRecord` per packet.
fn reference(file: &Path, intent: Option<&Path>) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    use netdiag::source::pcap::{open_file, Next, Packets};
    use netdiag_core::packet::{json::JsonRecord, text, Annotator, Stats};
    let intent = match intent {
        Some(dir) => {
            let mut files: Vec<_> = std::fs::read_dir(dir.join("cluster"))
                .expect("intent")
                .map(|e| e.expect("entry").path())
                .collect();
            files.sort();
            let all: String = files
                .iter()
                .map(|f| std::fs::read_to_string(f).expect("read") + "\n---\n")
                .collect();
            netdiag_parsers::cluster::parse_resources(&all).expect("intent")
        }
        None => netdiag_core::ClusterIntent::default(),
    };
    let cfg = netdiag::capture::decode_config(&intent, None, &[]);
    let ann = Annotator::new(&intent);
    let mut stats = Stats::new(&ann);
    let mut src = open_file(file).expect("opens");
    let link = netdiag_parsers::packet::link_type(src.dlt()).expect("link type");
    let (mut json, mut lines, mut verbose) = (Vec::new(), Vec::new(), Vec::new());
    while let Next::Packet(p) = src.next().expect("reads") {
        let mut rec = netdiag_parsers::packet::decode(link, p.ts_ns, p.wire_len, p.data, &cfg);
        let names = stats.record(&mut rec);
        serde_json::to_writer(&mut json, &JsonRecord::new(&rec, &names)).expect("serializes");
        json.push(b'\n');
        text::line(&mut lines, &rec, &names, false);
        text::line(&mut verbose, &rec, &names, false);
        text::layered(&mut verbose, &rec);
    }
    (json, lines, verbose)
}

/// A file of many batches (netdiag reads 256 KiB at a time, and the lines of each go to
/// another core): mix.pcap's packets 3 000 times over, each round a little later.
fn many_batches(dir: &Path) -> PathBuf {
    use netdiag::source::pcap::{open_file, Next, Packets};
    let mut src = open_file(Path::new(&pcap("mix.pcap"))).expect("mix.pcap");
    let mut packets = Vec::new();
    while let Ok(Next::Packet(p)) = src.next() {
        packets.push((p.ts_ns, p.wire_len, p.data.to_vec()));
    }
    let mut f = Vec::new();
    netdiag_parsers::pcapfile::write_global_header(&mut f, 1, 262_144);
    for i in 0..3000i64 {
        for (ts, wire, data) in &packets {
            netdiag_parsers::pcapfile::write_record(&mut f, ts + i * 1_000_003, *wire, data);
        }
    }
    let p = dir.join("many.pcap");
    std::fs::write(&p, f).expect("write");
    p
}

/// Issue 17: JSON lines are written by hand into the batch buffer and, like the text lines, on
/// every core; the output is the same bytes as serde's, in the same order, for every committed
/// capture (classic pcap, SLL, pcapng through libpcap) and a file of many batches, with and
/// without intent — and `-c` still stops where it says.
#[test]
fn lines_on_every_core_are_the_bytes_of_one_packet_after_another() {
    let dir = tempfile::tempdir().expect("tempdir");
    let many = many_batches(dir.path());
    let intent = root().join("testdata/pcap/lab");
    let files = [
        PathBuf::from(pcap("mix.pcap")),
        PathBuf::from(pcap("mix-sll.pcap")),
        PathBuf::from(pcap("mix-sll2.pcapng")),
        many.clone(),
    ];
    for file in &files {
        for with_intent in [true, false] {
            let (json, lines, verbose) = reference(file, with_intent.then_some(intent.as_path()));
            let f = file.display().to_string();
            let i = intent.display().to_string();
            let mut args = vec!["capture", "-r", &f];
            if with_intent {
                args.extend(["--from", &i]);
            }
            let run = |more: &[&str]| {
                let o = netdiag(&[&args[..], more].concat());
                assert!(o.status.success(), "{f}: {}", text(&o.stderr));
                o.stdout
            };
            let what = format!("{f} (intent: {with_intent})");
            assert!(run(&["-o", "json"]) == json, "JSON of {what}");
            assert!(run(&[]) == lines, "text of {what}");
            assert!(run(&["-v"]) == verbose, "-v of {what}");
        }
    }
    let f = many.display().to_string();
    let o = netdiag(&["capture", "-r", &f, "-o", "json", "-c", "12345"]);
    assert!(o.status.success());
    assert_eq!(text(&o.stdout).lines().count(), 12345);
}

/// Every `IP a > b:` address(.port) tcpdump prints per packet, in order.
fn tcpdump_endpoints(file: &str) -> Vec<Vec<String>> {
    let o = Command::new("tcpdump")
        .args(["-nr", file])
        .output()
        .expect("tcpdump is installed by scripts/setup.sh");
    let mut packets: Vec<Vec<String>> = Vec::new();
    for line in text(&o.stdout).lines() {
        let starts_packet =
            line.len() > 15 && line.as_bytes()[2] == b':' && line.as_bytes()[8] == b'.';
        if starts_packet {
            packets.push(Vec::new());
        }
        let Some(cur) = packets.last_mut() else {
            continue;
        };
        let mut rest = line;
        while let Some(i) = rest.find("IP ") {
            rest = &rest[i + 3..];
            let mut it = rest.split_whitespace();
            let (Some(a), Some(">"), Some(b)) = (it.next(), it.next(), it.next()) else {
                break;
            };
            if a.starts_with('(') {
                break;
            }
            cur.push(a.to_string());
            cur.push(b.trim_end_matches(':').to_string());
        }
    }
    packets
}

fn netdiag_endpoints(r: &serde_json::Value) -> Vec<String> {
    let ep = |ip: &serde_json::Value, port: &serde_json::Value| match port.as_u64() {
        Some(p) => format!("{}.{p}", ip.as_str().expect("test data")),
        None => ip.as_str().expect("test data").to_string(),
    };
    let mut v = Vec::new();
    let null = serde_json::Value::Null;
    if r["encap"] != "none" {
        v.push(ep(
            &r["outer"]["src"],
            r["udp"].get("sport").unwrap_or(&null),
        ));
        v.push(ep(
            &r["outer"]["dst"],
            r["udp"].get("dport").unwrap_or(&null),
        ));
    }
    if r["inner"]["proto"] != "ARP" && !r["inner"]["src"].is_null() {
        v.push(ep(&r["inner"]["src"], &r["inner"]["sport"]));
        v.push(ep(&r["inner"]["dst"], &r["inner"]["dport"]));
    }
    v
}

#[test]
fn tcpdump_agrees_on_outer_and_inner_addresses_and_ports() {
    if !tcpdump_available() {
        return;
    }
    for file in ["mix.pcap", "mix-sll.pcap", "mix-sll2.pcapng"] {
        let theirs = tcpdump_endpoints(&pcap(file));
        let ours = json_lines(&netdiag(&["capture", "-r", &pcap(file), "-o", "json"]));
        assert_eq!(theirs.len(), ours.len(), "{file}: packet count");
        let mut compared = 0;
        for (i, (t, o)) in theirs.iter().zip(&ours).enumerate() {
            // tcpdump stops at a cut header ([|tcp]) and prints no ports there: skip the odd ones.
            if !o["anomalies"].as_array().expect("test data").is_empty() {
                continue;
            }
            assert_eq!(t, &netdiag_endpoints(o), "{file} packet {i}");
            compared += 1;
        }
        assert!(compared >= 8, "{file}: only {compared} packets compared");
    }
}

#[test]
fn write_file_is_readable_by_tcpdump() {
    let dir = tempfile::tempdir().expect("test data");
    let out = dir.path().join("out.pcap");
    let o = netdiag(&[
        "capture",
        "-r",
        &pcap("mix.pcap"),
        "-c",
        "5",
        "-w",
        out.to_str().expect("test data"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let back = json_lines(&netdiag(&[
        "capture",
        "-r",
        out.to_str().expect("test data"),
        "-o",
        "json",
    ]));
    assert_eq!(back.len(), 5);
    if tcpdump_available() {
        assert_eq!(
            tcpdump_endpoints(out.to_str().expect("utf-8 path")).len(),
            5
        );
    }
}

/// Whether tcpdump is here. CI (`NETDIAG_REQUIRE_PRIVILEGED=1`) installs it through
/// scripts/setup.sh, so there its absence is a failure; elsewhere the cross-check is skipped.
fn tcpdump_available() -> bool {
    if Command::new("tcpdump").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var(privileged::REQUIRE_ENV).map_or(true, |v| v != "1"),
        "tcpdump is missing but {}=1 (scripts/setup.sh installs it)",
        privileged::REQUIRE_ENV
    );
    eprintln!(
        "skipping the tcpdump cross-check: tcpdump is not installed (scripts/setup.sh installs it)"
    );
    false
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("test data");
    let not_pcap = dir.path().join("x.pcap");
    std::fs::write(&not_pcap, "hello, this is not a capture file at all").expect("test data");
    let full = std::fs::read(pcap("mix.pcap")).expect("test data");
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &full[..full.len() - 30]).expect("test data");
    // A link type netdiag does not decode (PPP, as in many of tcpdump's test captures).
    let ppp = dir.path().join("ppp.pcap");
    let mut b = Vec::new();
    netdiag_parsers::pcapfile::write_global_header(&mut b, 9, 65535);
    netdiag_parsers::pcapfile::write_record(&mut b, 0, 4, &[0xff, 0x03, 0x00, 0x21]);
    std::fs::write(&ppp, b).expect("test data");
    for (file, want) in [
        (dir.path().join("missing.pcap"), "cannot read"),
        (not_pcap, "cannot read"),
        (cut, "cut short"),
        (ppp, "link type 9"),
    ] {
        let f = file.to_str().expect("test data");
        for mode in [&["-v"][..], &["-o", "json"], &["--stats"]] {
            let mut a = vec!["capture", "-r", f];
            a.extend_from_slice(mode);
            let o = netdiag(&a);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{err}");
            assert!(err.starts_with("netdiag: ") && err.contains(want), "{err}");
            assert!(err.contains(f), "names the file: {err}");
            assert!(!err.contains("panicked"), "{err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        }
    }
}

impl Lab {
    /// Captures on `node`'s eth0 while `traffic` runs; returns the JSON records.
    fn capture(
        &self,
        node: &str,
        filter: &str,
        traffic: impl FnOnce(&Lab),
    ) -> Vec<serde_json::Value> {
        let child = Command::new(lab_util::BIN)
            .args([
                "capture",
                "--lab",
                &self.name,
                "--node",
                node,
                "--filter",
                filter,
                "--duration",
                "4",
                "-o",
                "json",
            ])
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn capture");
        std::thread::sleep(std::time::Duration::from_millis(1000));
        traffic(self);
        let o = child
            .wait_with_output()
            .expect("capture ends after --duration");
        assert!(
            text(&o.stderr).contains("dropped by kernel"),
            "{}",
            text(&o.stderr)
        );
        json_lines(&o)
    }
}

#[test]
fn live_capture_on_lab_decodes_vxlan_direct_and_wrong_vni() {
    if !privileged::can_run("live_capture_on_lab_decodes_vxlan_direct_and_wrong_vni") {
        return;
    }
    let lab = Lab::up("cap", &[]);
    let recs = lab.capture("worker", "udp port 4789 or icmp or tcp", |lab| {
        // worker-p1 → worker3-p1 (other subnet: VXLAN): a ping and a TCP SYN to a closed port.
        lab.exec("worker-p1", &["ping", "-c1", "-W2", "192.168.4.1"]);
        lab.exec(
            "worker-p1",
            &[
                "timeout",
                "2",
                "bash",
                "-c",
                "echo > /dev/tcp/192.168.4.1/8080",
            ],
        );
        // worker-p1 → worker2-p1 (same subnet: direct).
        lab.exec("worker-p1", &["ping", "-c1", "-W2", "192.168.3.1"]);
    });
    let vx_ping = recs.iter().find(|r| {
        r["encap"] == "vxlan" && r["inner"]["proto"] == "ICMP" && r["inner"]["dst"] == "192.168.4.1"
    });
    let vx_ping = vx_ping.unwrap_or_else(|| panic!("no VXLAN ping in {recs:#?}"));
    assert_eq!(vx_ping["vxlan"]["vni"], 4096);
    assert_eq!(vx_ping["names"]["outer_src"], "worker");
    assert_eq!(vx_ping["names"]["outer_dst"], "worker3");
    assert_eq!(vx_ping["names"]["inner_src"], "default/worker-p1");
    assert_eq!(vx_ping["names"]["inner_dst"], "default/worker3-p1");
    assert!(
        vx_ping["anomalies"]
            .as_array()
            .expect("test data")
            .is_empty(),
        "{vx_ping}"
    );
    assert!(
        recs.iter().any(|r| r["encap"] == "vxlan"
            && r["inner"]["tcp_flags"] == "S"
            && r["inner"]["dport"] == 8080),
        "no VXLAN SYN in {recs:#?}"
    );
    let direct = recs
        .iter()
        .find(|r| r["encap"] == "none" && r["inner"]["dst"] == "192.168.3.1")
        .unwrap_or_else(|| panic!("no direct ping in {recs:#?}"));
    assert_eq!(direct["names"]["inner_dst"], "default/worker2-p1");
    assert!(
        direct["anomalies"]
            .as_array()
            .expect("test data")
            .is_empty(),
        "{direct}"
    );

    let o = netdiag(&[
        "lab",
        "break",
        "wrong-vni",
        "--name",
        &lab.name,
        "--node",
        "worker",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let recs = lab.capture("worker", "udp port 4789", |lab| {
        lab.exec("worker-p1", &["ping", "-c1", "-W1", "192.168.4.1"]);
    });
    assert!(
        recs.iter().any(|r| r["vxlan"]["vni"] == 4097
            && r["anomalies"]
                .as_array()
                .expect("test data")
                .iter()
                .any(|a| a == "vni-mismatch")),
        "no vni-mismatch in {recs:#?}"
    );
}

#[test]
fn live_capture_without_cap_net_raw_says_what_is_needed() {
    if !privileged::can_run("live_capture_without_cap_net_raw_says_what_is_needed") {
        return;
    }
    // Root drops to nobody (no capabilities at all); the capture must refuse in one line. Bounded
    // by -c/--duration should it ever open: it only reads.
    let o = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .args([
            lab_util::BIN,
            "capture",
            "-i",
            "lo",
            "-c",
            "1",
            "--duration",
            "1",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("setpriv (util-linux) runs");
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("needs CAP_NET_RAW") && err.contains("sudo"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

/// Issue 14: without an intent nothing is judged against Calico's defaults — mix.pcap's VNI 5000
/// packet (a `vni-mismatch` with the lab's intent) and its oversized inner packet pass — and the
/// summary says once what was assumed instead.
#[test]
fn without_intent_no_packet_is_judged_by_assumed_defaults() {
    let o = netdiag(&["capture", "-r", &pcap("mix.pcap"), "-o", "json"]);
    let recs = json_lines(&o);
    assert_eq!(recs.len(), 19);
    let all = anomalies(&recs);
    for assumed in ["vni-mismatch", "inner-over-mtu"] {
        assert!(!all.iter().any(|a| a == assumed), "{assumed} in {all:?}");
    }
    // What the packet itself says is still flagged.
    assert!(all.iter().any(|a| a == "i-flag-missing"), "{all:?}");
    let stderr = text(&o.stderr);
    assert_eq!(
        stderr.matches("assumed: no FelixConfiguration").count(),
        1,
        "{stderr}"
    );
    let o = netdiag(&["capture", "-r", &pcap("mix.pcap"), "--stats", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(
        v["assumed"]
            .as_str()
            .is_some_and(|a| a.contains("UDP 4789")),
        "{v}"
    );
    // With the intent, no assumption.
    let o = netdiag(&[
        "capture",
        "-r",
        &pcap("mix.pcap"),
        "--from",
        &lab_intent(),
        "--stats",
    ]);
    assert!(!text(&o.stdout).contains("assumed:"));
}
