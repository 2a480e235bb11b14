//! OAuth for the Lightspeed simulator: the authorize and token endpoints and bearer-token checks.
//!
//! Reproduced from platform-apis.md 1.1: endpoints `/auth/oauth/authorize` and `/auth/oauth/token`;
//! the token endpoint takes JSON, `multipart/form-data` (and, leniently, urlencoded forms); grants
//! `authorization_code` (with optional PKCE, S256 or plain) and `refresh_token`; JWT-shaped access
//! tokens (HS256 over our own secret; the simulator checks them by lookup, not by JWKS) living
//! `expires_in` = 1800 simulated seconds; **both tokens rotate on every refresh**; unused refresh
//! tokens expire after 30 days; the used refresh token stays valid until the new access token is
//! first used (2026-01-15 change) and is rejected with `400 invalid_grant` after that; errors are
//! `400 invalid_request` / `400 invalid_grant`.
//!
//! Assumptions: authorization codes live 10 minutes and are single use; an unknown or mismatched
//! client is `401 invalid_client`; more than 5 refreshes per simulated minute on one connection is
//! `429 slow_down` (the facts say refreshing too often is rate limited, 5 attempts/minute); the
//! authorize endpoint approves at once and redirects with `code` and `state`; `expires_in` is in
//! real seconds (1800 ÷ time scale). The fixed token `sandbox` is accepted unless `strict_auth`.
//!
//! Deliberately not here: revoke/introspect endpoints, JWKS, scope enforcement.

use std::collections::{HashMap, VecDeque};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::seed::SeedRng;

use super::error::ApiError;

/// Access-token lifetime in simulated seconds (doc example `expires_in: 1800`).
pub const ACCESS_TTL_SECS: i64 = 1800;
/// Refresh-token lifetime when unused: 30 days.
pub const REFRESH_TTL_SECS: i64 = 30 * 86_400;
const CODE_TTL_SECS: i64 = 600;
const REFRESH_PER_MINUTE: usize = 5;
/// The client id the fixed `sandbox` token acts as.
pub const SANDBOX_CLIENT: &str = "sandbox";

/// An OAuth error response.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status} {error}: {description}")]
pub struct OAuthError {
    /// HTTP status.
    pub status: u16,
    /// OAuth error code.
    pub error: &'static str,
    /// Description.
    pub description: String,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }
    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}

#[derive(Debug)]
struct Code {
    client_id: String,
    redirect_uri: Option<String>,
    challenge: Option<(String, String)>,
    expires_ms: i64,
}

#[derive(Debug)]
struct Access {
    client_id: String,
    expires_ms: i64,
    used: bool,
    /// The refresh token this access token's issue retires on first use.
    retires: Option<String>,
}

#[derive(Debug)]
struct Refresh {
    client_id: String,
    family: u64,
    expires_ms: i64,
    /// The refresh token most recently issued in exchange for this one.
    child: Option<String>,
}

/// Token state of one simulated account.
#[derive(Debug)]
pub(crate) struct OAuth {
    client_id: String,
    client_secret: String,
    strict: bool,
    codes: HashMap<String, Code>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    family_uses: HashMap<u64, VecDeque<i64>>,
    next_family: u64,
    rng: SeedRng,
}

impl OAuth {
    pub fn new(client_id: &str, client_secret: &str, strict: bool, seed: u64) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            strict,
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            family_uses: HashMap::new(),
            next_family: 1,
            rng: SeedRng::new(seed ^ 0x0A07_4000),
        }
    }

    fn random_hex(&mut self, words: usize) -> String {
        (0..words)
            .map(|_| format!("{:016x}", self.rng.next_u64()))
            .collect()
    }

    /// Issue an authorization code (what the authorize endpoint redirects with).
    pub fn authorize(
        &mut self,
        client_id: &str,
        redirect_uri: Option<String>,
        challenge: Option<(String, String)>,
        now_ms: i64,
    ) -> Result<String, OAuthError> {
        if client_id != self.client_id {
            return Err(OAuthError::new(401, "invalid_client", "unknown client_id"));
        }
        let code = self.random_hex(2);
        self.codes.insert(
            code.clone(),
            Code {
                client_id: client_id.into(),
                redirect_uri,
                challenge,
                expires_ms: now_ms + CODE_TTL_SECS * 1000,
            },
        );
        Ok(code)
    }

    fn jwt(&mut self, client_id: &str, account_id: u64, now_ms: i64) -> String {
        let header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"HS256"}"#);
        let claims = json!({
            "iss": "weft-sim", "aud": client_id, "sub": "1", "acct": account_id.to_string(),
            "iat": now_ms / 1000, "exp": now_ms / 1000 + ACCESS_TTL_SECS,
            "jti": self.random_hex(2), "scope": "employee:all",
        });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let mut mac = Hmac::<Sha256>::new_from_slice(self.client_secret.as_bytes())
            .expect("hmac accepts any key length");
        mac.update(format!("{header}.{payload}").as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{header}.{payload}.{sig}")
    }

    fn issue(
        &mut self,
        client_id: &str,
        family: u64,
        retires: Option<String>,
        account: u64,
        now_ms: i64,
        scale: f64,
    ) -> Value {
        let access = self.jwt(client_id, account, now_ms);
        let refresh = format!("def50{}", self.random_hex(5));
        self.access.insert(
            access.clone(),
            Access {
                client_id: client_id.into(),
                expires_ms: now_ms + ACCESS_TTL_SECS * 1000,
                used: false,
                retires,
            },
        );
        self.refresh.insert(
            refresh.clone(),
            Refresh {
                client_id: client_id.into(),
                family,
                expires_ms: now_ms + REFRESH_TTL_SECS * 1000,
                child: None,
            },
        );
        let expires_in = ((ACCESS_TTL_SECS as f64 / scale).round() as i64).max(1);
        json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": access, "refresh_token": refresh})
    }

    fn check_client(
        &self,
        form: &HashMap<String, String>,
        secret_required: bool,
    ) -> Result<String, OAuthError> {
        let id = form.get("client_id").cloned().unwrap_or_default();
        if id != self.client_id {
            return Err(OAuthError::new(401, "invalid_client", "unknown client_id"));
        }
        match form.get("client_secret") {
            Some(s) if *s != self.client_secret => Err(OAuthError::new(
                401,
                "invalid_client",
                "client authentication failed",
            )),
            None if secret_required => Err(OAuthError::new(
                401,
                "invalid_client",
                "client_secret is required",
            )),
            _ => Ok(id),
        }
    }

    /// The token endpoint.
    pub fn token(
        &mut self,
        form: &HashMap<String, String>,
        account: u64,
        now_ms: i64,
        scale: f64,
    ) -> Result<Value, OAuthError> {
        let get = |k: &str| form.get(k).filter(|v| !v.is_empty());
        match get("grant_type").map(String::as_str) {
            Some("authorization_code") => {
                let code_s = get("code")
                    .ok_or_else(|| OAuthError::new(400, "invalid_request", "code is required"))?;
                let code = self.codes.remove(code_s).ok_or_else(|| {
                    OAuthError::new(
                        400,
                        "invalid_grant",
                        "authorization code is invalid or was already used",
                    )
                })?;
                let client = self.check_client(form, code.challenge.is_none())?;
                if code.client_id != client || code.expires_ms < now_ms {
                    return Err(OAuthError::new(
                        400,
                        "invalid_grant",
                        "authorization code is expired or was issued to another client",
                    ));
                }
                if code.redirect_uri.is_some()
                    && get("redirect_uri").is_some()
                    && code.redirect_uri.as_ref() != get("redirect_uri")
                {
                    return Err(OAuthError::new(
                        400,
                        "invalid_grant",
                        "redirect_uri does not match",
                    ));
                }
                if let Some((challenge, method)) = &code.challenge {
                    let verifier = get("code_verifier").ok_or_else(|| {
                        OAuthError::new(400, "invalid_request", "code_verifier is required")
                    })?;
                    let computed = if method == "plain" {
                        verifier.clone()
                    } else {
                        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                    };
                    if &computed != challenge {
                        return Err(OAuthError::new(
                            400,
                            "invalid_grant",
                            "code_verifier does not match the code challenge",
                        ));
                    }
                }
                let family = self.next_family;
                self.next_family += 1;
                Ok(self.issue(&client, family, None, account, now_ms, scale))
            }
            Some("refresh_token") => {
                let old = get("refresh_token")
                    .ok_or_else(|| {
                        OAuthError::new(400, "invalid_request", "refresh_token is required")
                    })?
                    .clone();
                let client = self.check_client(form, false)?;
                let (family, stale_child) = match self.refresh.get(&old) {
                    Some(r) if r.client_id == client && r.expires_ms >= now_ms => {
                        (r.family, r.child.clone())
                    }
                    _ => {
                        return Err(OAuthError::new(
                            400,
                            "invalid_grant",
                            "the refresh token is invalid",
                        ));
                    }
                };
                let uses = self.family_uses.entry(family).or_default();
                while uses.front().is_some_and(|t| *t <= now_ms - 60_000) {
                    uses.pop_front();
                }
                if uses.len() >= REFRESH_PER_MINUTE {
                    return Err(OAuthError::new(
                        429,
                        "slow_down",
                        "too many refresh attempts; retry in a minute",
                    ));
                }
                uses.push_back(now_ms);
                if let Some(c) = stale_child {
                    self.refresh.remove(&c);
                }
                let out = self.issue(&client, family, Some(old.clone()), account, now_ms, scale);
                if let (Some(r), Some(new)) =
                    (self.refresh.get_mut(&old), out["refresh_token"].as_str())
                {
                    r.child = Some(new.to_string());
                }
                Ok(out)
            }
            Some(_) => Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )),
            None => Err(OAuthError::new(
                400,
                "invalid_request",
                "grant_type is required",
            )),
        }
    }

    /// Check an `Authorization` header value; returns the OAuth client the bucket is charged to.
    pub fn authenticate(&mut self, header: Option<&str>, now_ms: i64) -> Result<String, ApiError> {
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("missing bearer token"))?;
        if token == SANDBOX_CLIENT {
            return if self.strict {
                Err(ApiError::unauthorized(
                    "the sandbox token is disabled (strict auth)",
                ))
            } else {
                Ok(SANDBOX_CLIENT.to_string())
            };
        }
        let a = self
            .access
            .get_mut(token)
            .ok_or_else(|| ApiError::unauthorized("invalid access token"))?;
        if a.expires_ms <= now_ms {
            return Err(ApiError::unauthorized("access token expired"));
        }
        let client = a.client_id.clone();
        if !a.used {
            a.used = true;
            if let Some(old) = a.retires.take() {
                self.refresh.remove(&old);
            }
        }
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn old_refresh_token_dies_when_new_access_token_is_used() {
        let mut o = OAuth::new("cid", "sec", true, 1);
        let code = o.authorize("cid", None, None, 0).unwrap();
        let t = o
            .token(
                &form(&[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("client_id", "cid"),
                    ("client_secret", "sec"),
                ]),
                1,
                0,
                1.0,
            )
            .unwrap();
        let r1 = t["refresh_token"].as_str().unwrap().to_string();
        let refresh = |o: &mut OAuth, r: &str| {
            o.token(
                &form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", r),
                    ("client_id", "cid"),
                    ("client_secret", "sec"),
                ]),
                1,
                1_000,
                1.0,
            )
        };
        let t2 = refresh(&mut o, &r1).unwrap();
        assert_ne!(t2["refresh_token"], t["refresh_token"]);
        let a2 = format!("Bearer {}", t2["access_token"].as_str().unwrap());
        o.authenticate(Some(&a2), 2_000).unwrap();
        assert_eq!(refresh(&mut o, &r1).unwrap_err().error, "invalid_grant");
        assert!(
            o.authenticate(Some(&a2), ACCESS_TTL_SECS * 1000 + 2_000)
                .is_err()
        );
        assert!(o.authenticate(Some("Bearer sandbox"), 0).is_err());
    }
}
