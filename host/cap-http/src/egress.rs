//! Egress policy: which resolved addresses a connection may reach.
//!
//! Threat model: the base URL comes from the operator, but its host name can resolve to
//! anything (DNS rebinding, a compromised record), and a guest must never reach the cloud
//! metadata service or the host's own loopback services through it. So the policy is applied to
//! every address DNS returns — in the HTTP client's resolver, which the connection cannot
//! bypass — and to IP-literal hosts before sending:
//! - always refused: unspecified (0.0.0.0, ::), link-local (169.254.0.0/16 incl. the
//!   169.254.169.254 metadata address, fe80::/10), other metadata addresses (fd00:ec2::254,
//!   100.100.100.200), multicast and broadcast;
//! - loopback (127.0.0.0/8, ::1) only on connections with `allow-loopback` (simulators);
//! - IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
//!
//! Private ranges (10/8, 172.16/12, 192.168/16) are allowed: retailers run ERPs on them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused, or `None` when it is allowed.
pub fn refusal(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4, allow_loopback),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refusal_v4(v4, allow_loopback);
            }
            refusal_v6(v6, allow_loopback)
        }
    }
}

fn refusal_v4(ip: Ipv4Addr, allow_loopback: bool) -> Option<&'static str> {
    if ip.is_unspecified() {
        Some("unspecified address")
    } else if ip.is_link_local() {
        Some("link-local or cloud metadata address")
    } else if ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("cloud metadata address")
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some("multicast or broadcast address")
    } else if ip.is_loopback() && !allow_loopback {
        Some("loopback address (set allow-loopback on the connection for a local sandbox)")
    } else {
        None
    }
}

fn refusal_v6(ip: Ipv6Addr, allow_loopback: bool) -> Option<&'static str> {
    let metadata: Ipv6Addr = "fd00:ec2::254".parse().expect("valid literal");
    if ip.is_unspecified() {
        Some("unspecified address")
    } else if (ip.segments()[0] & 0xffc0) == 0xfe80 {
        Some("link-local address")
    } else if ip == metadata {
        Some("cloud metadata address")
    } else if ip.is_multicast() {
        Some("multicast address")
    } else if ip.is_loopback() && !allow_loopback {
        Some("loopback address (set allow-loopback on the connection for a local sandbox)")
    } else {
        None
    }
}

/// A reqwest resolver that drops forbidden addresses and fails when none is left.
#[derive(Debug, Clone, Copy)]
pub struct PolicyResolver {
    /// Whether loopback is allowed.
    pub allow_loopback: bool,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<_> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = Vec::new();
            let allowed: Vec<_> = addrs
                .into_iter()
                .filter(|a| match refusal(a.ip(), allow_loopback) {
                    None => true,
                    Some(why) => {
                        refused.push(format!("{} ({why})", a.ip()));
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let msg = format!(
                    "{host} resolves only to forbidden addresses: {}",
                    refused.join(", ")
                );
                return Err(
                    Box::new(ForbiddenAddress(msg)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Error carried through reqwest when the resolver refused every address.
#[derive(Debug)]
pub struct ForbiddenAddress(pub String);

impl std::fmt::Display for ForbiddenAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ForbiddenAddress {}

#[cfg(test)]
mod tests {
    use super::refusal;

    fn refused(ip: &str, loopback: bool) -> bool {
        refusal(ip.parse().unwrap(), loopback).is_some()
    }

    #[test]
    fn metadata_and_link_local_are_always_refused_in_every_spelling() {
        for ip in [
            "169.254.169.254",
            "169.254.1.1",
            "::ffff:169.254.169.254",
            "fe80::1",
            "fd00:ec2::254",
            "100.100.100.200",
            "0.0.0.0",
            "::",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(
                refused(ip, true),
                "{ip} must be refused even with loopback allowed"
            );
        }
    }

    #[test]
    fn loopback_only_when_allowed() {
        for ip in ["127.0.0.1", "127.8.8.8", "::1", "::ffff:127.0.0.1"] {
            assert!(refused(ip, false), "{ip}");
            assert!(!refused(ip, true), "{ip}");
        }
    }

    #[test]
    fn public_and_private_addresses_are_allowed() {
        for ip in ["23.227.38.65", "10.0.0.5", "192.168.1.10", "2606:4700::1"] {
            assert!(!refused(ip, false), "{ip}");
        }
    }
}
