//! Checks of the operator tables: `[admin]` (listen address, token reference), `[webhooks]`
//! (listen address, public URL) and `[alerts]` with the per-flow `alerts = {...}` rules.
//!
//! Like the rest of `check`, each problem names `file:line` and the key, and every problem is
//! collected before anything starts. Tokens are never echoed in a message.

use std::collections::BTreeMap;
use std::time::Duration;

use weft_admin::alerts::AlertConfig;

use super::super::schema::{AdminFile, ConfigFile, WebhooksFile};
use super::Checker;

/// The shortest admin token accepted.
const MIN_TOKEN_LEN: usize = 16;

/// Alert checks every 30 s unless `interval-ms` says otherwise.
const DEFAULT_ALERT_INTERVAL_MS: u64 = 30_000;

/// Where the admin API listens and its resolved token.
pub struct Admin {
    /// The listen address.
    pub listen: std::net::SocketAddr,
    /// The bearer token.
    pub token: String,
}

/// Where the webhook ingress listens and the URL platforms are told to deliver to.
pub struct Webhooks {
    /// The listen address.
    pub listen: std::net::SocketAddr,
    /// `public-url` without a trailing `/`, if given.
    pub public_url: Option<String>,
    /// `file:line` of `listen`, for errors found when `weft run` binds it.
    pub listen_at: String,
}

impl Checker<'_> {
    /// The webhook ingress's address and public URL; `admin` is checked for the same address.
    pub(super) fn webhooks(
        &mut self,
        w: &WebhooksFile,
        admin: Option<&AdminFile>,
    ) -> Option<Webhooks> {
        let listen_at = format!("{}:{}", self.path.display(), self.line(w.listen.span()));
        let listen: Option<std::net::SocketAddr> = match w.listen.get_ref().parse() {
            Ok(addr) => Some(addr),
            Err(_) => {
                self.at(
                    w.listen.span(),
                    "webhooks.listen",
                    format!(
                        "{:?} is not an address; write host:port, e.g. \"0.0.0.0:8733\"",
                        w.listen.get_ref()
                    ),
                );
                None
            }
        };
        let admin_listen = admin.and_then(|a| a.listen.get_ref().parse().ok());
        if let (Some(hook), Some(adm)) = (listen, admin_listen)
            && shared_port(hook, adm)
        {
            self.at(
                w.listen.span(),
                "webhooks.listen",
                format!(
                    "{hook} is also where the admin API listens (admin.listen = \"{adm}\"); give the ingress its own port"
                ),
            );
        }
        let public_url = w.public_url.as_ref().and_then(|raw| {
            let value = raw.get_ref();
            let problem = match url::Url::parse(value) {
                Ok(u) if !matches!(u.scheme(), "http" | "https") || !u.has_host() => format!(
                    "{value:?} is not an http(s) URL; write the base URL platforms reach, e.g. \"https://weft.example.com\""
                ),
                Ok(u) if u.query().is_some() || u.fragment().is_some() => format!(
                    "{value:?} has a query or fragment; give the base URL only (deliveries go to <public-url>/webhooks/<tenant>/<deployment>)"
                ),
                Ok(_) => return Some(value.trim_end_matches('/').to_string()),
                Err(e) => format!(
                    "{value:?} is not an http(s) URL ({e}); write the base URL platforms reach, e.g. \"https://weft.example.com\""
                ),
            };
            self.at(raw.span(), "webhooks.public-url", problem);
            None
        });
        if w.public_url.is_some() && public_url.is_none() {
            return None;
        }
        Some(Webhooks {
            listen: listen?,
            public_url,
            listen_at,
        })
    }

    /// The admin API's address and token.
    pub(super) fn admin(&mut self, a: &AdminFile) -> Option<Admin> {
        let listen = a.listen.get_ref().parse().map_err(|_| {
            self.at(
                a.listen.span(),
                "admin.listen",
                format!(
                    "{:?} is not an address; write host:port, e.g. \"127.0.0.1:8787\"",
                    a.listen.get_ref()
                ),
            )
        });
        let token = self.secret(&a.token, "admin.token").and_then(|bytes| {
            let problem = match String::from_utf8(bytes) {
                Err(_) => "the token is not UTF-8 text".to_string(),
                Ok(t) if t.trim().len() >= MIN_TOKEN_LEN => return Some(t.trim().to_string()),
                Ok(t) => format!(
                    "the token is {} characters; use at least {MIN_TOKEN_LEN} random ones (e.g. `openssl rand -hex 32`)",
                    t.trim().len()
                ),
            };
            self.at(a.token.span(), "admin.token", problem);
            None
        });
        Some(Admin {
            listen: listen.ok()?,
            token: token?,
        })
    }

    /// The alert config: `[alerts]` plus every flow's rules.
    pub(super) fn alerts(&mut self, file: &ConfigFile) -> Option<AlertConfig> {
        let mut rules = BTreeMap::new();
        for (tenant, t) in &file.tenants {
            for (name, f) in &t.flows {
                let Some(r) = &f.alerts else { continue };
                let key = format!("tenants.{tenant}.flows.{name}.alerts");
                if file.alerts.is_none() {
                    self.at(
                        r.span(),
                        &key,
                        "alert rules need somewhere to send alerts; add [alerts] with webhook = \"https://...\"".into(),
                    );
                }
                if r.get_ref()
                    .lag_above_seconds
                    .is_some_and(|s| s.is_nan() || s < 0.0)
                {
                    self.at(
                        r.span(),
                        &format!("{key}.lag-above-seconds"),
                        "must be 0 or more seconds".into(),
                    );
                }
                rules.insert(format!("{tenant}/{name}"), r.get_ref().clone());
            }
        }
        let a = file.alerts.as_ref()?;
        let webhook = a.webhook.get_ref();
        let scheme_ok =
            url::Url::parse(webhook).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !scheme_ok {
            self.at(
                a.webhook.span(),
                "alerts.webhook",
                format!("{webhook:?} is not an http(s) URL; write e.g. \"https://hooks.example.com/weft\""),
            );
        }
        let interval_ms = match &a.interval_ms {
            Some(ms) if *ms.get_ref() == 0 => {
                self.at(ms.span(), "alerts.interval-ms", "must be at least 1".into());
                DEFAULT_ALERT_INTERVAL_MS
            }
            Some(ms) => *ms.get_ref(),
            None => DEFAULT_ALERT_INTERVAL_MS,
        };
        Some(AlertConfig {
            webhook: webhook.clone(),
            interval: Duration::from_millis(interval_ms),
            notify_resolved: a.notify_resolved,
            rules,
        })
    }
}

/// Whether two listen addresses would take the same port (port 0 picks a free one, so never).
fn shared_port(a: std::net::SocketAddr, b: std::net::SocketAddr) -> bool {
    a.port() != 0
        && a.port() == b.port()
        && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}
