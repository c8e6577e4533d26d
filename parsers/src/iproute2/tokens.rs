//! Shared pieces of the iproute2 decoders: a zero-allocation token cursor over one line, value
//! parsers that turn a bad token into a [`ParseError`] naming the field, and the name tables
//! (route tables, protocols, scopes, types) both the text and the JSON decoders resolve.

use std::iter::Peekable;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::SplitAsciiWhitespace;

use ipnet::IpNet;
use netdiag_core::model::{MacAddr, Route, RouteProto, RouteScope, RouteType};

use crate::error::{Location, ParseError};

/// The tokens of one line (or one `\`-separated segment of an `ip -o` line). Splitting on ASCII
/// whitespace is what makes odd spacing and tabs a non-issue, and peeking lets a keyword decide
/// its arity (`mtu lock 1450`, `via inet6 fe80::1`, a bare `master` flag) without a token vector.
pub(crate) type Tokens<'a> = Peekable<SplitAsciiWhitespace<'a>>;

pub(crate) fn tokens(s: &str) -> Tokens<'_> {
    s.split_ascii_whitespace().peekable()
}

/// Where a decoder is: a text line, or a JSON document item. Carried by reference so that building
/// the error (and its strings) only happens on the error path.
pub(crate) fn err(loc: &Location, field: &str, message: impl Into<String>) -> ParseError {
    ParseError::new(loc.clone(), field, message)
}

/// The value after keyword `kw`; a keyword that ends the line is an error naming it, because every
/// keyword this is called for is one iproute2 always prints with a value.
pub(crate) fn value<'a>(
    t: &mut Tokens<'a>,
    loc: &Location,
    kw: &str,
) -> Result<&'a str, ParseError> {
    t.next()
        .ok_or_else(|| err(loc, kw, format!("`{kw}` is not followed by a value")))
}

pub(crate) fn ip(s: &str, loc: &Location, field: &str) -> Result<IpAddr, ParseError> {
    s.parse().map_err(|_| {
        let why = if looks_redacted(s) {
            format!("{s:?} is not an IP address: redacted? replace each address by a made-up one, the same everywhere (or use `netdiag bundle --redact ips`, which keeps the structure)")
        } else {
            format!("{s:?} is not an IP address")
        };
        err(loc, field, why)
    })
}

/// An address with its digits masked by hand (`xx.xx.199.27`, `10.*.*.5`, `<node-ip>`): the
/// paste was redacted, which a checker cannot see through.
fn looks_redacted(s: &str) -> bool {
    s.contains(['x', 'X', '*', '#', '<', '>']) && s.contains(['.', ':', '<'])
}

pub(crate) fn mac(s: &str, loc: &Location, field: &str) -> Result<MacAddr, ParseError> {
    s.parse()
        .map_err(|_| err(loc, field, format!("{s:?} is not a MAC address")))
}

/// A link-layer address that is well-formed but not an Ethernet MAC (IPoIB's 20 octets, a
/// tunnel's 4): `None`, because the model's [`MacAddr`] is Ethernet-only. Anything that is not
/// colon-separated hex octets at all is an error.
pub(crate) fn lladdr(s: &str, loc: &Location, field: &str) -> Result<Option<MacAddr>, ParseError> {
    if let Ok(m) = s.parse::<MacAddr>() {
        return Ok(Some(m));
    }
    let octets = s.split(':');
    let mut n = 0usize;
    for o in octets {
        n += 1;
        if o.is_empty() || o.len() > 2 || !o.bytes().all(|b| b.is_ascii_hexdigit()) {
            // A tunnel's link-layer address is printed as an IPv4/IPv6 address.
            if s.parse::<IpAddr>().is_ok() {
                return Ok(None);
            }
            return Err(err(
                loc,
                field,
                format!("{s:?} is not a link-layer address"),
            ));
        }
    }
    if n == 0 || n > 32 {
        return Err(err(
            loc,
            field,
            format!("{s:?} is not a link-layer address"),
        ));
    }
    Ok(None)
}

pub(crate) fn num<T: std::str::FromStr>(
    s: &str,
    loc: &Location,
    field: &str,
) -> Result<T, ParseError> {
    // `str::parse` accepts a leading `+`; iproute2 never prints one, so a `+` is as wrong as a letter.
    if s.starts_with('+') {
        return Err(err(loc, field, format!("{s:?} is not a number")));
    }
    s.parse()
        .map_err(|_| err(loc, field, format!("{s:?} is not a number in range")))
}

/// `ADDR` or `ADDR/LEN` as iproute2 prints a route destination or an interface address: no prefix
/// length means a host prefix (/32 or /128). The address keeps its host bits.
pub(crate) fn prefix(s: &str, loc: &Location, field: &str) -> Result<IpNet, ParseError> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let addr = ip(addr, loc, field)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => num::<u8>(l, loc, field)?,
        None => max,
    };
    IpNet::new(addr, len).map_err(|_| {
        err(
            loc,
            field,
            format!("{s:?}: prefix length {len} is longer than {max}"),
        )
    })
}

/// A route destination before its family is known: `default` and `0/N` (a zero-length RTA_DST)
/// carry no address, so the family comes from the rest of the route (see [`RouteFamily`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dst {
    Net(IpNet),
    /// `default`, or `0/N`: the unspecified address of the route's family with this length.
    Unspecified(u8),
}

pub(crate) fn dst(s: &str, loc: &Location) -> Result<Dst, ParseError> {
    if s == "default" {
        return Ok(Dst::Unspecified(0));
    }
    if let Some(len) = s.strip_prefix("0/") {
        return Ok(Dst::Unspecified(num(len, loc, "dst")?));
    }
    prefix(s, loc, "dst").map(Dst::Net)
}

/// Evidence about a route's address family, for destinations that have no address. `pref` is
/// printed for IPv6 routes only (the kernel always sends RTA_PREF for them, never for IPv4); a
/// plain gateway or source shares the route's family; a `via inet6 …` (RTA_VIA) is printed only
/// when the gateway's family differs from the route's.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RouteFamily {
    v6: Option<bool>,
}

impl RouteFamily {
    pub(crate) fn same_as(&mut self, a: IpAddr) {
        self.v6.get_or_insert(a.is_ipv6());
    }
    pub(crate) fn other_than(&mut self, a: IpAddr) {
        self.v6.get_or_insert(!a.is_ipv6());
    }
    pub(crate) fn ipv6(&mut self) {
        self.v6 = Some(true);
    }

    /// The destination as a network; IPv4 when nothing says otherwise (the only family
    /// `ip route` lists by default).
    pub(crate) fn resolve(self, d: Dst, loc: &Location) -> Result<IpNet, ParseError> {
        match d {
            Dst::Net(n) => Ok(n),
            Dst::Unspecified(len) => {
                let addr = if self.v6 == Some(true) {
                    IpAddr::V6(Ipv6Addr::UNSPECIFIED)
                } else {
                    IpAddr::V4(Ipv4Addr::UNSPECIFIED)
                };
                IpNet::new(addr, len)
                    .map_err(|_| err(loc, "dst", format!("prefix length {len} is too long")))
            }
        }
    }
}

/// A route table by iproute2 name or number. Only the names every `rt_tables` file has can be
/// resolved; a site-specific name is an error rather than a guess (`ip -N` prints numbers).
pub(crate) fn table(s: &str, loc: &Location) -> Result<u32, ParseError> {
    match s {
        "main" => Ok(Route::TABLE_MAIN),
        "local" => Ok(Route::TABLE_LOCAL),
        "default" => Ok(253),
        "unspec" => Ok(0),
        _ if s.bytes().all(|b| b.is_ascii_digit()) => num(s, loc, "table"),
        _ => Err(err(
            loc,
            "table",
            format!("table name {s:?} is not one of main, local, default: dump with `ip -N` to get numbers"),
        )),
    }
}

/// A route protocol by name or number. Names beyond iproute2's defaults come from site files
/// (`/etc/iproute2/rt_protos.d`); FRR's are common on routers, so they are known too. Any other
/// well-formed name is `None` (a protocol the dump names but this table cannot number); a number
/// out of range, or a token that is not a name at all, is an error.
pub(crate) fn protocol(s: &str, loc: &Location) -> Result<Option<u8>, ParseError> {
    if let Some(p) = RouteProto::parse(s) {
        return Ok(Some(p));
    }
    let frr = match s {
        "ripng" => Some(190),
        "nhrp" => Some(191),
        "ldp" => Some(193),
        "sharp" => Some(194),
        "pbr" => Some(195),
        "openfabric" => Some(197),
        "srte" => Some(198),
        _ => None,
    };
    if frr.is_some() {
        return Ok(frr);
    }
    let first_is_digit = s.bytes().next().is_some_and(|b| b.is_ascii_digit());
    let name_like = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if first_is_digit || !name_like {
        return Err(err(loc, "proto", format!("{s:?} is not a route protocol")));
    }
    Ok(None)
}

pub(crate) fn scope(s: &str, loc: &Location) -> Result<RouteScope, ParseError> {
    RouteScope::parse(s).ok_or_else(|| err(loc, "scope", format!("{s:?} is not a route scope")))
}

/// A route type word; `None` when `s` is not one (so it can be the destination instead).
/// `xresolve` and bare numbers (types iproute2 has no name for) are [`RouteType::Other`].
pub(crate) fn route_type(s: &str) -> Option<RouteType> {
    if let Some(t) = RouteType::parse(s) {
        return Some(t);
    }
    if s == "xresolve" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())) {
        return Some(RouteType::Other);
    }
    None
}

/// Route-level keywords iproute2 prints with exactly one value (after an optional `lock` for the
/// metrics). Listing them keeps an unknown value from being read as a keyword (`realm bird`).
pub(crate) fn route_keyword_with_value(kw: &str) -> bool {
    matches!(
        kw,
        "from"
            | "tos"
            | "dsfield"
            | "realm"
            | "realms"
            | "expires"
            | "error"
            | "nhid"
            | "mark"
            | "iif"
            | "oif"
            | "uid"
            | "advmss"
            | "rtt"
            | "rttvar"
            | "reordering"
            | "window"
            | "cwnd"
            | "ssthresh"
            | "initcwnd"
            | "initrwnd"
            | "quickack"
            | "congctl"
            | "rto_min"
            | "hoplimit"
            | "features"
            | "fastopen_no_cookie"
            | "users"
            | "used"
            | "age"
            | "ipid"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Location = Location::Line(3);

    #[test]
    fn prefix_forms() {
        assert_eq!(
            prefix("10.0.0.5", &L, "dst").ok(),
            "10.0.0.5/32".parse::<IpNet>().ok()
        );
        assert_eq!(
            prefix("fd00::1", &L, "dst").ok(),
            "fd00::1/128".parse::<IpNet>().ok()
        );
        assert_eq!(
            prefix("10.0.0.5/24", &L, "dst").ok(),
            "10.0.0.5/24".parse::<IpNet>().ok()
        );
        let e = prefix("10.0.0.0/33", &L, "dst").err();
        assert_eq!(e.as_ref().map(|e| e.field.as_str()), Some("dst"));
        assert!(prefix("10.0.0.x/24", &L, "dst").is_err());
        assert!(prefix("10.0.0.0/+4", &L, "dst").is_err());
    }

    #[test]
    fn lladdr_forms() {
        assert!(matches!(
            lladdr("52:54:00:12:34:56", &L, "lladdr"),
            Ok(Some(_))
        ));
        // IPoIB: 20 octets, well-formed, not Ethernet.
        let ib = "80:00:00:48:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0e:9b:7d";
        assert!(matches!(lladdr(ib, &L, "lladdr"), Ok(None)));
        assert!(matches!(lladdr("10.0.0.2", &L, "lladdr"), Ok(None)));
        let e = lladdr("zz:yy", &L, "lladdr").err();
        assert_eq!(
            e.map(|e| (e.location, e.field)),
            Some((L, "lladdr".to_string()))
        );
    }

    #[test]
    fn names() {
        assert_eq!(table("local", &L).ok(), Some(255));
        assert_eq!(table("100", &L).ok(), Some(100));
        assert!(table("calico", &L).is_err());
        assert_eq!(protocol("80", &L).ok(), Some(Some(80)));
        assert_eq!(protocol("bird", &L).ok(), Some(Some(12)));
        assert_eq!(protocol("kernel", &L).ok(), Some(Some(2)));
        assert_eq!(protocol("ripng", &L).ok(), Some(Some(190)));
        assert_eq!(protocol("mysite", &L).ok(), Some(None));
        assert!(protocol("300", &L).is_err());
        assert!(protocol("a/b", &L).is_err());
        assert_eq!(scope("link", &L).ok(), Some(RouteScope::LINK));
        assert!(scope("planet", &L).is_err());
        assert_eq!(route_type("blackhole"), Some(RouteType::Blackhole));
        assert_eq!(route_type("xresolve"), Some(RouteType::Other));
        assert_eq!(route_type("10.0.0.0/8"), None);
    }

    #[test]
    fn unspecified_destinations_take_the_route_family() {
        let mut f = RouteFamily::default();
        assert_eq!(
            f.resolve(Dst::Unspecified(0), &L).ok(),
            "0.0.0.0/0".parse::<IpNet>().ok()
        );
        f.ipv6();
        assert_eq!(
            f.resolve(Dst::Unspecified(0), &L).ok(),
            "::/0".parse::<IpNet>().ok()
        );
        let mut g = RouteFamily::default();
        g.other_than("fe80::1".parse().expect("address"));
        assert_eq!(
            g.resolve(Dst::Unspecified(0), &L).ok(),
            "0.0.0.0/0".parse::<IpNet>().ok()
        );
        assert!(RouteFamily::default()
            .resolve(Dst::Unspecified(40), &L)
            .is_err());
    }
}
