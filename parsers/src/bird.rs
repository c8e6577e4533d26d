//! BIRD's control-socket replies (`show protocols all`, `show route`) into [`BirdProtocol`]s and
//! [`BirdRoute`]s, for BIRD 1.6 as Calico ships it (`v0.3.3+birdv1.6.8`) and BIRD 2.x (channels).
//!
//! The socket's line protocol (BIRD's `doc/prog` "client" section, and what calicoctl's
//! `scanBIRDPeers` in calicoctl/calicoctl/commands/node/status.go relies on): every line starts
//! with a 4-digit code; `DDDD-text` says more lines follow, `DDDD text` is the reply's last line
//! (`0000` "OK", `0001 BIRD … ready.` the greeting, 8xxx/9xxx errors); a line starting with a
//! space continues the previous code. `birdc`/`birdcl` print the same text without the codes, so
//! both forms are read: a ticket's `birdcl show protocols all` paste parses like a bundle's
//! socket transcript.

use netdiag_core::model::{BirdProtocol, BirdRoute};

use crate::error::ParseError;

/// One decoded line: its code (None in `birdc` text) and its text without code or continuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine {
    pub code: Option<u16>,
    pub text: String,
    pub line: usize,
}

/// A decoded transcript: the greeting's version, the reply lines, and whether the reply ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub version: Option<String>,
    pub lines: Vec<ReplyLine>,
    /// A final (`DDDD text`) line other than the greeting was seen.
    pub complete: bool,
}

fn code_of(l: &str) -> Option<(u16, bool, &str)> {
    let b = l.as_bytes();
    if b.len() >= 4
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b.get(4), None | Some(b' ' | b'-'))
    {
        let code = l[..4].parse().ok()?;
        let last = b.get(4) != Some(&b'-');
        return Some((code, last, l.get(5..).unwrap_or("")));
    }
    None
}

/// Whether `text` is a socket transcript (coded lines) rather than `birdc` output.
fn coded(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| code_of(l).is_some())
}

/// Decodes a socket transcript, or `birdc` text, into lines. An error reply (8xxx, 9xxx) is an
/// error naming BIRD's message; a transcript that stops before its final line is truncated.
pub fn decode(text: &str) -> Result<Reply, ParseError> {
    let mut out = Reply::default();
    if !coded(text) {
        for (i, l) in text.lines().enumerate() {
            if let Some(v) = l
                .strip_prefix("BIRD ")
                .and_then(|r| r.strip_suffix(" ready."))
            {
                out.version = Some(v.to_string());
                continue;
            }
            out.lines.push(ReplyLine {
                code: None,
                text: l.to_string(),
                line: i + 1,
            });
        }
        out.complete = true;
        return Ok(out);
    }
    let mut current: Option<u16> = None;
    for (i, l) in text.lines().enumerate() {
        let n = i + 1;
        if l.is_empty() {
            continue;
        }
        if let Some((code, last, rest)) = code_of(l) {
            if code == 1 {
                out.version = rest
                    .strip_prefix("BIRD ")
                    .and_then(|r| r.strip_suffix(" ready."))
                    .map(str::to_string);
                continue;
            }
            if code >= 8000 {
                return Err(ParseError::at_line(
                    n,
                    "reply",
                    format!("BIRD answered an error: {code} {rest}"),
                ));
            }
            if out.complete {
                return Err(ParseError::at_line(
                    n,
                    "reply",
                    "more lines after the reply's final line: one reply per file",
                ));
            }
            current = Some(code);
            // `0000` (and other final codes) close the reply; their text, if any, is kept.
            if code != 0 {
                out.lines.push(ReplyLine {
                    code: Some(code),
                    text: rest.to_string(),
                    line: n,
                });
            }
            out.complete = last;
        } else if let Some(rest) = l.strip_prefix(' ') {
            if current.is_none() || out.complete {
                return Err(ParseError::at_line(
                    n,
                    "reply",
                    "a continuation line with no reply before it",
                ));
            }
            out.lines.push(ReplyLine {
                code: current,
                text: rest.to_string(),
                line: n,
            });
        } else {
            return Err(ParseError::at_line(
                n,
                "reply",
                format!(
                    "not a BIRD control-socket line (4-digit code or a leading space): {:?}",
                    truncate(l)
                ),
            ));
        }
    }
    if !out.complete {
        return Err(ParseError::at_line(
            text.lines().count(),
            "reply",
            "the reply ends without its final line (0000): truncated",
        ));
    }
    Ok(out)
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

/// BIRD's column heading of `show protocols` (1.6 lower case, 2.x capitalised), as calicoctl's
/// `birdExpectedHeadings` checks it.
const HEADINGS: [&str; 6] = ["name", "proto", "table", "state", "since", "info"];

/// `show protocols [all]` → its version (from the greeting) and protocols.
pub fn parse_protocols(text: &str) -> Result<(Option<String>, Vec<BirdProtocol>), ParseError> {
    let reply = decode(text)?;
    let mut out: Vec<BirdProtocol> = Vec::new();
    let mut seen_heading = false;
    for l in &reply.lines {
        let t = l.text.as_str();
        let summary = match l.code {
            Some(2002) | None if is_heading(t) => {
                seen_heading = true;
                continue;
            }
            Some(2002) => {
                return Err(ParseError::at_line(l.line, "heading", format!("unknown BIRD table heading {:?} (expected name proto table state since info)", truncate(t))));
            }
            Some(1002) => true,
            Some(1006) => false,
            // birdc text: summary lines start at column 0, details are indented.
            None => !t.starts_with([' ', '\t']) && !t.trim().is_empty(),
            Some(_) => continue,
        };
        if summary {
            if !seen_heading {
                return Err(ParseError::at_line(l.line, "heading", "a protocol line before the name/proto/table/state/since/info heading: not `show protocols` output"));
            }
            out.push(summary_line(t, l.line)?);
        } else if let Some(p) = out.last_mut() {
            detail_line(p, t, l.line)?;
        }
    }
    if !seen_heading && !reply.lines.is_empty() {
        return Err(ParseError::at_line(
            reply.lines[0].line,
            "heading",
            "no name/proto/table/state/since/info heading: not `show protocols` output",
        ));
    }
    Ok((reply.version, out))
}

fn is_heading(t: &str) -> bool {
    let cols: Vec<String> = t.split_whitespace().map(str::to_ascii_lowercase).collect();
    cols == HEADINGS
}

fn summary_line(t: &str, line: usize) -> Result<BirdProtocol, ParseError> {
    let cols: Vec<&str> = t.split_whitespace().collect();
    if cols.len() < 5 {
        return Err(ParseError::at_line(
            line,
            "protocol",
            format!(
                "fewer than 5 columns (name proto table state since): {:?}",
                truncate(t)
            ),
        ));
    }
    let mut since = cols[4].to_string();
    let mut rest = 5;
    // `timeformat protocol iso long` writes the date and the time as two columns.
    if cols.len() > 5 && cols[4].contains('-') && cols[5].contains(':') {
        since = format!("{} {}", cols[4], cols[5]);
        rest = 6;
    }
    Ok(BirdProtocol {
        name: cols[0].to_string(),
        proto: cols[1].to_string(),
        state: cols[3].to_string(),
        since,
        info: cols.get(rest..).unwrap_or_default().join(" "),
        ..BirdProtocol::default()
    })
}

fn detail_line(p: &mut BirdProtocol, t: &str, line: usize) -> Result<(), ParseError> {
    let Some((key, value)) = t.trim().split_once(':') else {
        return Ok(());
    };
    let value = value.trim();
    let num = |field: &str| -> Result<u32, ParseError> {
        value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| ParseError::at_line(line, field, format!("not a number: {value:?}")))
    };
    match key.trim() {
        "BGP state" => p.bgp_state = Some(value.to_string()),
        "Neighbor address" => {
            // BIRD 2 may add `%iface` for link-local neighbours.
            let ip = value.split(['%', ' ']).next().unwrap_or(value);
            p.neighbor = Some(ip.parse().map_err(|_| {
                ParseError::at_line(
                    line,
                    "Neighbor address",
                    format!("not an IP address: {value:?}"),
                )
            })?);
        }
        "Neighbor AS" => p.neighbor_as = Some(num("Neighbor AS")?),
        "Local AS" => p.local_as = Some(num("Local AS")?),
        "Last error" => p.last_error = Some(value.to_string()),
        "Routes" => {
            // `1 imported, 1 exported, 0 preferred` (1.6 may add `N filtered`); BIRD 2 has one
            // such line per channel: summed.
            for part in value.split(',') {
                let mut w = part.split_whitespace();
                let (Some(n), Some(what)) = (w.next(), w.next()) else {
                    continue;
                };
                let Ok(n) = n.parse::<u32>() else {
                    return Err(ParseError::at_line(
                        line,
                        "Routes",
                        format!("not a count: {part:?}"),
                    ));
                };
                let slot = match what {
                    "imported" => &mut p.routes_imported,
                    "exported" => &mut p.routes_exported,
                    _ => continue,
                };
                *slot = Some(slot.unwrap_or(0) + n);
            }
        }
        _ => {}
    }
    Ok(())
}

/// `show route [all]` → its routes (BIRD 1.6: `P via G on D [proto …] * (100/0) [i]` on one line;
/// BIRD 2: `P unicast [proto …] * (100) [i]` then `\tvia G on D` beneath).
pub fn parse_routes(text: &str) -> Result<Vec<BirdRoute>, ParseError> {
    let reply = decode(text)?;
    let mut out: Vec<BirdRoute> = Vec::new();
    let mut last_prefix: Option<ipnet::IpNet> = None;
    for l in &reply.lines {
        let t = l.text.as_str();
        if t.trim().is_empty() || t.starts_with("Table ") {
            continue;
        }
        if t.starts_with('\t') || l.code == Some(1008) {
            // BIRD 2's next hop (and attribute) lines under a route.
            if let Some(r) = out.last_mut() {
                let (gw, dev) = next_hop(t.trim());
                if r.gateway.is_none() && r.device.is_none() {
                    r.gateway = gw;
                    r.device = dev;
                }
            }
            continue;
        }
        let (prefix, rest) = if t.starts_with(' ') {
            // Another route for the previous prefix (BIRD 2 leaves the prefix column blank).
            match last_prefix {
                Some(p) => (p, t.trim()),
                None => {
                    return Err(ParseError::at_line(
                        l.line,
                        "prefix",
                        "a route without a prefix before it",
                    ))
                }
            }
        } else {
            let (p, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
            let p: ipnet::IpNet = p
                .parse()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ParseError::at_line(
                        l.line,
                        "prefix",
                        format!("not a prefix: {:?}", truncate(p)),
                    )
                })?;
            (p, rest.trim())
        };
        last_prefix = Some(prefix);
        let Some((before, after)) = rest.split_once('[') else {
            return Err(ParseError::at_line(
                l.line,
                "protocol",
                format!("no [protocol …] in {:?}", truncate(t)),
            ));
        };
        let (inside, tail) = after.split_once(']').unwrap_or((after, ""));
        let mut words = inside.split_whitespace();
        let protocol = words.next().unwrap_or("").to_string();
        let from = inside
            .split_once(" from ")
            .and_then(|(_, f)| f.split_whitespace().next())
            .and_then(|f| f.parse().ok());
        let before = before.trim();
        let (gateway, device) = next_hop(before);
        let kind = match before.split_whitespace().next() {
            Some("via" | "dev") | None => "unicast",
            Some(k) => k,
        };
        out.push(BirdRoute {
            prefix,
            kind: kind.to_string(),
            protocol,
            gateway,
            device,
            from,
            primary: tail.trim_start().starts_with('*'),
        });
    }
    Ok(out)
}

/// `via 10.0.0.1 on eth0` / `dev cali12` → gateway and device.
fn next_hop(s: &str) -> (Option<std::net::IpAddr>, Option<String>) {
    let w: Vec<&str> = s.split_whitespace().collect();
    let mut gw = None;
    let mut dev = None;
    for (i, x) in w.iter().enumerate() {
        match *x {
            "via" => gw = w.get(i + 1).and_then(|g| g.parse().ok()),
            "on" | "dev" => dev = w.get(i + 1).map(|d| d.to_string()),
            _ => {}
        }
    }
    (gw, dev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/../testdata/bird/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn bird2_socket_protocols_all_from_the_lab() {
        let (v, ps) = parse_protocols(&fixture("bird2-worker-protocols-all.txt")).expect("parses");
        assert_eq!(v.as_deref(), Some("2.0.12"));
        let names: Vec<&str> = ps.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "device1",
                "direct1",
                "static1",
                "kernel1",
                "Mesh_10_10_10_10",
                "Mesh_10_10_10_12",
                "Mesh_10_10_20_13"
            ]
        );
        let m = &ps[6];
        assert!(m.is_bgp() && m.established());
        assert_eq!(m.neighbor, Some("10.10.20.13".parse().expect("ip")));
        assert_eq!((m.neighbor_as, m.local_as), (Some(64512), Some(64512)));
        assert_eq!((m.routes_imported, m.routes_exported), (Some(1), Some(1)));
        assert_eq!(m.since, "00:48:39.469");
        assert_eq!(
            m.calico_peer()
                .map(|(k, ip)| (k.to_string(), ip.to_string())),
            Some(("Mesh".into(), "10.10.20.13".into()))
        );
        assert_eq!(ps[3].routes_imported, Some(3));
        assert!(!ps[3].is_bgp());
    }

    #[test]
    fn bird2_faults_name_state_and_last_error() {
        let (_, ps) = parse_protocols(&fixture("bird2-peer-stopped.txt")).expect("parses");
        assert_eq!(ps.len(), 1);
        assert_eq!(
            (ps[0].state.as_str(), ps[0].session_state()),
            ("start", "Passive")
        );
        assert_eq!(
            ps[0].last_error.as_deref(),
            Some("Received: Administrative shutdown")
        );
        assert!(!ps[0].established());
        let (_, ps) = parse_protocols(&fixture("bird2-wrong-as.txt")).expect("parses");
        assert_eq!(ps[0].session_state(), "Idle");
        assert_eq!(ps[0].last_error.as_deref(), Some("BGP Error: Bad peer AS"));
        assert_eq!(ps[0].info, "Idle BGP Error: Bad peer AS");
        let (_, ps) = parse_protocols(&fixture("bird2-filtered-179.txt")).expect("parses");
        assert_eq!(
            (ps[0].session_state(), ps[0].last_error.as_deref()),
            ("Connect", None)
        );
    }

    #[test]
    fn bird2_routes_with_next_hops_beneath() {
        let rs = parse_routes(&fixture("bird2-worker-route.txt")).expect("parses");
        assert_eq!(rs.len(), 8);
        let r = rs
            .iter()
            .find(|r| r.prefix.to_string() == "192.168.4.0/26")
            .expect("route");
        assert_eq!(r.protocol, "Mesh_10_10_20_13");
        assert_eq!(r.gateway, Some("10.10.10.1".parse().expect("ip")));
        assert_eq!(r.from, Some("10.10.20.13".parse().expect("ip")));
        assert_eq!(r.device.as_deref(), Some("eth0"));
        assert!(r.primary);
        let bh = rs
            .iter()
            .find(|r| r.kind == "blackhole")
            .expect("blackhole");
        assert_eq!(
            (bh.prefix.to_string().as_str(), bh.protocol.as_str()),
            ("192.168.2.0/26", "static1")
        );
    }

    #[test]
    fn bird16_socket_show_protocols() {
        let (v, ps) =
            parse_protocols(&fixture("bird16-calicoctl-1281-protocols.txt")).expect("parses");
        assert_eq!(v, None);
        assert_eq!(ps.len(), 5);
        assert_eq!(ps[4].name, "Global_192_168_56_15");
        assert!(ps[4].established());
        assert_eq!(ps[4].since, "05:04:44");
    }

    #[test]
    fn bird16_protocols_all_text() {
        let (v, ps) = parse_protocols(&fixture("bird16-protocols-all.txt")).expect("parses");
        assert_eq!(v.as_deref(), Some("v0.3.3+birdv1.6.8"));
        let down = ps.iter().find(|p| p.name == "Mesh_10_0_0_3").expect("peer");
        assert_eq!(down.session_state(), "Active");
        assert_eq!(
            down.last_error.as_deref(),
            Some("Socket: Connection refused")
        );
        let up = ps.iter().find(|p| p.name == "Mesh_10_0_0_2").expect("peer");
        assert!(up.established());
        assert_eq!(up.routes_imported, Some(1));
    }

    #[test]
    fn bird16_routes_on_one_line() {
        let rs = parse_routes(&fixture("bird16-calico-2178-route.txt")).expect("parses");
        assert_eq!(rs.len(), 5);
        assert_eq!(rs[0].kind, "unreachable");
        assert_eq!(rs[0].from, Some("10.17.8.36".parse().expect("ip")));
        assert_eq!(rs[2].gateway, Some("10.17.8.30".parse().expect("ip")));
        assert_eq!(rs[2].device.as_deref(), Some("eth0"));
        assert_eq!(rs[2].protocol, "static_bgp");
    }

    proptest::proptest! {
        /// Any text, coded or not: an answer or an error, never a panic.
        #[test]
        fn any_text_parses_or_errs(s in "(([0-9]{4}[- ])?[ -~\t]{0,40}\n){0,12}") {
            let _ = parse_protocols(&s);
            let _ = parse_routes(&s);
        }
    }

    #[test]
    fn bad_input_is_one_error_with_a_line() {
        let e =
            parse_protocols("0001 BIRD 2.0.12 ready.\n9001 syntax error, unexpected PROTOCOL\n")
                .expect_err("error");
        assert!(e.to_string().contains("9001 syntax error"), "{e}");
        let e = parse_protocols("0001 BIRD 2.0.12 ready.\n2002-Name Proto Table State Since Info\n1002-kernel1 Kernel master4 up 00:00\n").expect_err("truncated");
        assert!(e.to_string().contains("truncated"), "{e}");
        let e =
            parse_protocols("0001 BIRD 2.0.12 ready.\n2002-Who What\n0000\n").expect_err("heading");
        assert!(e.to_string().contains("heading"), "{e}");
        let e = parse_routes(
            "0001 BIRD 2.0.12 ready.\n1007-Table master4:\n nonsense unicast [x] *\n0000\n",
        )
        .expect_err("prefix");
        assert!(e.to_string().contains(":3"), "{e}");
        // Garbage never panics.
        for s in [
            "\u{0}",
            "0000",
            "1002-",
            " x",
            "9999",
            "1007-1.2.3.4/33 [",
            "2002-\n1002-a b c d",
        ] {
            let _ = parse_protocols(s);
            let _ = parse_routes(s);
        }
    }
}
