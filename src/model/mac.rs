//! Ethernet MAC addresses: parsing, printing in the `aa:bb:cc:dd:ee:ff` form iproute2 uses, and serde
//! as that string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid MAC address {0:?} (expected six hex octets like aa:bb:cc:dd:ee:ff)")]
pub struct MacParseError(pub String);

impl FromStr for MacAddr {
    type Err = MacParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 6];
        let mut parts = s.split([':', '-']);
        for byte in out.iter_mut() {
            let part = parts.next().ok_or_else(|| MacParseError(s.to_string()))?;
            if part.is_empty() || part.len() > 2 {
                return Err(MacParseError(s.to_string()));
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| MacParseError(s.to_string()))?;
        }
        if parts.next().is_some() {
            return Err(MacParseError(s.to_string()));
        }
        Ok(MacAddr(out))
    }
}

impl MacAddr {
    /// `aa:bb:cc:dd:ee:ff`, from a table (also what capture's JSON lines copy): `write!` with six
    /// `{:02x}` was a tenth of `show state -o json` on a node with 20 000 neighbour and FDB
    /// entries.
    pub(crate) fn text(&self) -> [u8; 17] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut t = *b"00:00:00:00:00:00";
        for (i, o) in self.0.into_iter().enumerate() {
            t[i * 3] = HEX[usize::from(o >> 4)];
            t[i * 3 + 1] = HEX[usize::from(o & 0xf)];
        }
        t
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.text();
        f.write_str(std::str::from_utf8(&t).unwrap_or_default())
    }
}

impl fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.text();
        s.serialize_str(std::str::from_utf8(&t).unwrap_or_default())
    }
}

impl<'de> Deserialize<'de> for MacAddr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects() {
        let m: MacAddr = "66:0a:1B:2c:3d:4e".parse().expect("valid");
        assert_eq!(m.to_string(), "66:0a:1b:2c:3d:4e");
        assert!("66:0a:1b:2c:3d".parse::<MacAddr>().is_err());
        assert!("66:0a:1b:2c:3d:4e:5f".parse::<MacAddr>().is_err());
        assert!("zz:0a:1b:2c:3d:4e".parse::<MacAddr>().is_err());
    }

    /// Every octet value in every position prints as `{:02x}` does, and serializes the same.
    #[test]
    fn prints_like_two_hex_digits_per_octet() {
        for o in 0..=255u8 {
            for at in 0..6 {
                let mut b = [0x5a; 6];
                b[at] = o;
                let want = b.map(|x| format!("{x:02x}")).join(":");
                assert_eq!(MacAddr(b).to_string(), want);
                assert_eq!(
                    serde_json::to_string(&MacAddr(b)).expect("serializes"),
                    format!("\"{want}\"")
                );
            }
        }
    }
}
