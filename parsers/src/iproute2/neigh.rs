//! `ip [-s] neigh show [nud all | proxy]`, as text or `-j` JSON, into [`Neighbour`]s (IPv4 ARP and
//! IPv6 NDP alike).
//!
//! `state` is `None` when no state word is printed (iproute2 prints none for NUD_NONE, e.g. proxy
//! entries). `dev` is required: a dump filtered with `dev X` omits it, and the model cannot hold a
//! neighbour without its device.

use netdiag_core::model::{NeighState, Neighbour};
use serde::Deserialize;

use super::json::{self, Loose};
use super::tokens::{self, err, tokens, value};
use crate::error::{Location, ParseError};

/// Decodes `ip neigh` text: `DST [dev DEV] [lladdr MAC] [router] [proxy] [extern_learn] … STATE…`.
pub fn parse_neigh_text(input: &str) -> Result<Vec<Neighbour>, ParseError> {
    let mut out = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let loc = Location::Line(i + 1);
        let mut t = tokens(line);
        let Some(first) = t.next() else {
            continue;
        };
        let ip = tokens::ip(first, &loc, "dst")?;
        let mut dev = None;
        let mut mac = None;
        let mut state: Option<u16> = None;
        let (mut router, mut proxy) = (false, false);
        while let Some(tok) = t.next() {
            match tok {
                "dev" => dev = Some(value(&mut t, &loc, tok)?),
                "lladdr" => mac = tokens::lladdr(value(&mut t, &loc, tok)?, &loc, tok)?,
                "router" => router = true,
                "proxy" => proxy = true,
                // `-s` statistics (6.1 prints `used 0/60/0probes 0`: the value swallows `probes`).
                "ref" | "used" | "probes" | "proto" => {
                    value(&mut t, &loc, tok)?;
                }
                w => {
                    // State words are upper case (`REACHABLE`, `STALE`, `NOARP`); several may be set.
                    if w.bytes().all(|b| b.is_ascii_uppercase()) {
                        if let Some(f) = NeighState::flag(w) {
                            state = Some(state.unwrap_or(0) | f);
                        }
                    }
                    // Anything else (`extern_learn`, `offload`, `managed`, new words): skipped.
                }
            }
        }
        let dev = dev.ok_or_else(|| {
            err(
                &loc,
                "dev",
                "missing (a dump filtered with `dev X` leaves it out: dump all neighbours)",
            )
        })?;
        out.push(Neighbour {
            ip,
            mac,
            dev: dev.to_string(),
            state: state.map(NeighState),
            router,
            proxy,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct JNeigh<'a> {
    #[serde(default, borrow)]
    dst: Loose<'a>,
    #[serde(default, borrow)]
    dev: Loose<'a>,
    #[serde(default, borrow)]
    lladdr: Loose<'a>,
    /// `"router": null`: the flag is the key's presence.
    #[serde(default, borrow)]
    router: Loose<'a>,
    #[serde(default, borrow)]
    proxy: Loose<'a>,
    #[serde(default, borrow)]
    state: Loose<'a>,
}

/// Decodes `ip -j neigh show …`.
pub fn parse_neigh_json(input: &str) -> Result<Vec<Neighbour>, ParseError> {
    let mut out = Vec::new();
    json::for_each_item::<JNeigh, _>(input, |j, loc| {
        let ip = json::ip_of(&j.dst, loc, "dst")?.ok_or_else(|| err(loc, "dst", "missing"))?;
        let dev = json::req_str(&j.dev, loc, "dev")?;
        let mac = match json::str_of(&j.lladdr, loc, "lladdr")? {
            Some(s) => tokens::lladdr(s, loc, "lladdr")?,
            None => None,
        };
        let mut state = None;
        for w in json::strs_of(&j.state, loc, "state")? {
            // As in the text form, a state word this version does not know is skipped.
            if let Some(f) = NeighState::flag(w) {
                state = Some(state.unwrap_or(0) | f);
            }
        }
        out.push(Neighbour {
            ip,
            mac,
            dev: dev.to_string(),
            state: state.map(NeighState),
            router: json::flag_of(&j.router),
            proxy: json::flag_of(&j.proxy),
        });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use netdiag_core::model::MacAddr;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn mac(s: &str) -> Option<MacAddr> {
        Some(s.parse().expect("test MAC"))
    }

    fn n(ipa: &str, dev: &str, m: Option<MacAddr>, state: Option<u16>) -> Neighbour {
        Neighbour {
            ip: ip(ipa),
            mac: m,
            dev: dev.into(),
            state: state.map(NeighState),
            router: false,
            proxy: false,
        }
    }

    #[test]
    fn states_flags_and_forms() {
        let input = "\
10.0.0.2 dev eth0 lladdr 52:54:00:12:34:56 REACHABLE
10.0.0.3 dev eth0 lladdr 52:54:00:12:34:57 PERMANENT 
10.0.0.9 dev eth0 FAILED
10.0.0.77 dev eth0  INCOMPLETE 

fe80::1 dev eth0 lladdr 52:54:00:12:34:59 router STALE
10.0.0.1 dev eth0 proxy
10.0.0.4\tdev eth0 lladdr 52:54:00:12:34:58 STALE DELAY
0.0.0.0 dev lo lladdr 00:00:00:00:00:00 NOARP
10.0.0.11 dev eth0 lladdr 52:54:00:12:34:5b extern_learn offload PERMANENT
10.0.0.12 dev eth0 lladdr 52:54:00:12:34:5c  ref 1 used 0/60/0probes 4 REACHABLE 
10.0.0.13 dev eth0 lladdr 52:54:00:12:34:5d used 1/2/3 probes 4 STALE
10.0.0.14 dev eth0 lladdr 52:54:00:12:34:5e managed NONE
";
        let got = parse_neigh_text(input).expect("parses");
        let mut router = n(
            "fe80::1",
            "eth0",
            mac("52:54:00:12:34:59"),
            Some(NeighState::STALE),
        );
        router.router = true;
        let mut proxy = n("10.0.0.1", "eth0", None, None);
        proxy.proxy = true;
        let want = vec![
            n(
                "10.0.0.2",
                "eth0",
                mac("52:54:00:12:34:56"),
                Some(NeighState::REACHABLE),
            ),
            n(
                "10.0.0.3",
                "eth0",
                mac("52:54:00:12:34:57"),
                Some(NeighState::PERMANENT),
            ),
            n("10.0.0.9", "eth0", None, Some(NeighState::FAILED)),
            n("10.0.0.77", "eth0", None, Some(NeighState::INCOMPLETE)),
            router,
            proxy,
            n(
                "10.0.0.4",
                "eth0",
                mac("52:54:00:12:34:58"),
                Some(NeighState::STALE | NeighState::DELAY),
            ),
            n(
                "0.0.0.0",
                "lo",
                Some(MacAddr::ZERO),
                Some(NeighState::NOARP),
            ),
            n(
                "10.0.0.11",
                "eth0",
                mac("52:54:00:12:34:5b"),
                Some(NeighState::PERMANENT),
            ),
            n(
                "10.0.0.12",
                "eth0",
                mac("52:54:00:12:34:5c"),
                Some(NeighState::REACHABLE),
            ),
            n(
                "10.0.0.13",
                "eth0",
                mac("52:54:00:12:34:5d"),
                Some(NeighState::STALE),
            ),
            n("10.0.0.14", "eth0", mac("52:54:00:12:34:5e"), Some(0)),
        ];
        assert_eq!(got, want);
        assert!(got[2].state.is_some_and(|s| s.is_unresolved()));
    }

    #[test]
    fn non_ethernet_link_layer_addresses_are_unknown_macs() {
        let got = parse_neigh_text(
            "10.0.0.2 dev ib0 lladdr 80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0e:9b:7d REACHABLE\n10.0.0.3 dev gre1 lladdr 10.0.0.3 PERMANENT\n",
        )
        .expect("parses");
        assert_eq!(got[0].mac, None);
        assert_eq!(got[1].mac, None);
        assert_eq!(got[1].state, Some(NeighState(NeighState::PERMANENT)));
    }

    #[test]
    fn text_errors_name_line_and_field() {
        let e = |s: &str| {
            let e = parse_neigh_text(s).expect_err("must fail");
            (e.location, e.field)
        };
        assert_eq!(
            e("10.0.0.2 dev eth0 REACHABLE\n10.0.0.x dev eth0 STALE\n"),
            (Location::Line(2), "dst".into())
        );
        assert_eq!(
            e("10.0.0.2 dev eth0 lladdr 52:54:zz:12:34:56 STALE\n"),
            (Location::Line(1), "lladdr".into())
        );
        assert_eq!(
            e("10.0.0.2 lladdr 52:54:00:12:34:56 STALE\n"),
            (Location::Line(1), "dev".into())
        );
        assert_eq!(e("10.0.0.2 dev\n"), (Location::Line(1), "dev".into()));
    }

    #[test]
    fn json_neighbours() {
        let input = r#"[
{"dst":"10.0.0.2","dev":"eth0","lladdr":"52:54:00:12:34:56","state":["PERMANENT"]},
{"dst":"10.0.0.77","dev":"eth0","state":["INCOMPLETE"]},
{"dst":"fe80::1","dev":"eth0","lladdr":"52:54:00:12:34:59","router":null,"state":["STALE"]},
{"dst":"10.0.0.100","dev":"eth0","proxy":null},
{"dst":"10.0.0.4","dev":"eth0","lladdr":"52:54:00:12:34:58","state":["STALE","DELAY"],"used":5,"probes":0},
{"dst":"10.0.0.5","dev":"eth0","lladdr":"52:54:00:12:34:55","router":false,"state":"REACHABLE"}
]"#;
        let got = parse_neigh_json(input).expect("parses");
        let text = parse_neigh_text(
            "10.0.0.2 dev eth0 lladdr 52:54:00:12:34:56 PERMANENT\n10.0.0.77 dev eth0 INCOMPLETE\nfe80::1 dev eth0 lladdr 52:54:00:12:34:59 router STALE\n10.0.0.100 dev eth0 proxy\n10.0.0.4 dev eth0 lladdr 52:54:00:12:34:58 STALE DELAY\n10.0.0.5 dev eth0 lladdr 52:54:00:12:34:55 REACHABLE\n",
        )
        .expect("parses");
        assert_eq!(got, text);
    }

    #[test]
    fn json_errors_name_item_and_field() {
        let e = |s: &str| {
            let e = parse_neigh_json(s).expect_err("must fail");
            (e.location, e.field)
        };
        let item = |i| Location::Document {
            doc: 1,
            item: Some(i),
        };
        assert_eq!(
            e(r#"[{"dst":"10.0.0.1","dev":"eth0"},{"dev":"eth0"}]"#),
            (item(2), "dst".into())
        );
        assert_eq!(e(r#"[{"dst":"10.0.0.1"}]"#), (item(1), "dev".into()));
        assert_eq!(
            e(r#"[{"dst":"10.0.0.1","dev":"eth0","lladdr":"xx"}]"#),
            (item(1), "lladdr".into())
        );
        assert_eq!(
            e(r#"[{"dst":"10.0.0.1","dev":"eth0","state":[1]}]"#),
            (item(1), "state".into())
        );
    }
}
