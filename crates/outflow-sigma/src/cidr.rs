//! IPv4 / IPv6 network ranges for the `cidr` modifier.

use std::net::IpAddr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `10.0.0.0/8`, `fe80::/10`, or a bare address (a single host).
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{s}' is not an IP network"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}' has an invalid prefix length"))?,
            None => max,
        };
        Ok(Cidr { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is its IPv4 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }

    /// Tests text holding an address; text that is no address never matches.
    pub fn contains_text(&self, s: &str) -> bool {
        let t = s.trim().trim_start_matches('[').trim_end_matches(']');
        // Zone ids (`fe80::1%eth0`) are not part of the address.
        let t = t.split('%').next().unwrap_or(t);
        t.parse().is_ok_and(|ip| self.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_and_v6() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains_text("10.200.1.1"));
        assert!(!c.contains_text("11.0.0.1"));
        assert!(c.contains_text("::ffff:10.1.2.3"));
        assert!(!c.contains_text("not an ip"));
        let z = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(z.contains_text("8.8.8.8"));
        let v6 = Cidr::parse("fe80::/10").unwrap();
        assert!(v6.contains_text("FE80::1%eth0"));
        assert!(!v6.contains_text("2001:db8::1"));
        assert!(!v6.contains_text("10.0.0.1"));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("x/8").is_err());
    }
}
