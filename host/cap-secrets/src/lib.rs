//! Named secrets that sign and verify without ever entering the guest.
//!
//! Threat model: a plugin may be written by a third party. It must be able to verify a webhook
//! signature or sign a request, but must never learn the key, and must only use the secrets the
//! operator granted to its deployment. So the guest passes a secret *name*; the host looks the
//! value up in the [`SecretStore`] (filled by the operator's config from environment variables
//! or files), refuses names that are not granted (recorded as a denial the engine reports), and
//! returns only the HMAC or a yes/no. Verification is constant-time.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use weft_engine::Denial;
use weft_world::secrets::{Encoding, Error, Host};

type HmacSha256 = Hmac<Sha256>;

/// Secret values by name, resolved by the operator's config.
#[derive(Default)]
pub struct SecretStore {
    values: HashMap<String, Vec<u8>>,
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print values.
        f.debug_struct("SecretStore")
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SecretStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add or replace a secret.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) {
        self.values.insert(name.into(), value.into());
    }

    /// HMAC-SHA256 of `message` with secret `name`, if it exists. For the host's own use
    /// (e.g. a simulator signing webhooks in tests).
    pub fn hmac(&self, name: &str, message: &[u8]) -> Option<Vec<u8>> {
        let key = self.values.get(name)?;
        let mut mac = HmacSha256::new_from_slice(key).expect("hmac accepts any key length");
        mac.update(message);
        Some(mac.finalize().into_bytes().to_vec())
    }

    /// Hex HMAC-SHA256 of `message` with `key`: lets tests compute the expected signature
    /// independently of a store.
    pub fn hmac_hex_for_tests(key: &[u8], message: &[u8]) -> String {
        let mut mac = HmacSha256::new_from_slice(key).expect("hmac accepts any key length");
        mac.update(message);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether a secret of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

/// Per-call secrets context of one deployment.
pub struct SecretsCtx {
    store: Arc<SecretStore>,
    granted: Arc<[String]>,
    denials: Vec<Denial>,
}

impl SecretsCtx {
    /// A context allowing the names in `granted`.
    pub fn new(store: Arc<SecretStore>, granted: Arc<[String]>) -> Self {
        SecretsCtx {
            store,
            granted,
            denials: Vec::new(),
        }
    }

    /// Refusals recorded in this call.
    pub fn take_denials(&mut self) -> Vec<Denial> {
        std::mem::take(&mut self.denials)
    }

    fn mac(&mut self, name: &str) -> Result<HmacSha256, Error> {
        let reason = if !self.granted.iter().any(|g| g == name) {
            "not granted to this deployment; add it to the deployment's `secrets` list"
        } else if !self.store.contains(name) {
            "granted but not configured; define it under [secrets] in the host config"
        } else {
            let key = &self.store.values[name];
            return Ok(HmacSha256::new_from_slice(key).expect("hmac accepts any key length"));
        };
        self.denials.push(Denial {
            capability: "secrets".into(),
            target: format!("secret '{name}'"),
            reason: reason.into(),
        });
        Err(Error::Denied(format!("secret '{name}' is {reason}")))
    }
}

fn encode(bytes: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(bytes),
        Encoding::Hex => hex::encode(bytes),
    }
}

fn decode(text: &str, encoding: Encoding) -> Result<Vec<u8>, Error> {
    let text = text.trim();
    match encoding {
        Encoding::Base64 => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| Error::Malformed(format!("signature is not base64: {e}"))),
        Encoding::Hex => {
            hex::decode(text).map_err(|e| Error::Malformed(format!("signature is not hex: {e}")))
        }
    }
}

impl Host for SecretsCtx {
    fn sign(
        &mut self,
        name: String,
        message: Vec<u8>,
        encoding: Encoding,
    ) -> wasmtime::Result<Result<String, Error>> {
        Ok(self.mac(&name).map(|mut mac| {
            mac.update(&message);
            encode(&mac.finalize().into_bytes(), encoding)
        }))
    }

    fn verify(
        &mut self,
        name: String,
        message: Vec<u8>,
        signature: String,
        encoding: Encoding,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let mut mac = match self.mac(&name) {
            Ok(mac) => mac,
            Err(e) => return Ok(Err(e)),
        };
        let expected = match decode(&signature, encoding) {
            Ok(bytes) => bytes,
            Err(e) => return Ok(Err(e)),
        };
        mac.update(&message);
        // `verify_slice` compares in constant time.
        Ok(Ok(mac.verify_slice(&expected).is_ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(granted: &[&str]) -> SecretsCtx {
        let mut store = SecretStore::new();
        store.insert("shopify-webhook", b"hush".to_vec());
        store.insert("other-tenant", b"theirs".to_vec());
        SecretsCtx::new(
            Arc::new(store),
            granted.iter().map(|s| s.to_string()).collect(),
        )
    }

    #[test]
    fn a_granted_secret_signs_and_verifies_in_both_encodings() {
        let mut c = ctx(&["shopify-webhook"]);
        let body = b"{\"id\":1}".to_vec();
        for enc in [Encoding::Base64, Encoding::Hex] {
            let sig = c
                .sign("shopify-webhook".into(), body.clone(), enc)
                .unwrap()
                .unwrap();
            assert!(
                c.verify("shopify-webhook".into(), body.clone(), sig.clone(), enc)
                    .unwrap()
                    .unwrap()
            );
            assert!(
                !c.verify("shopify-webhook".into(), b"tampered".to_vec(), sig, enc)
                    .unwrap()
                    .unwrap()
            );
        }
        // Known answer: HMAC-SHA256("hush", "{\"id\":1}") computed independently.
        let expected = {
            let mut mac = HmacSha256::new_from_slice(b"hush").unwrap();
            mac.update(&body);
            hex::encode(mac.finalize().into_bytes())
        };
        assert_eq!(
            c.sign("shopify-webhook".into(), body, Encoding::Hex)
                .unwrap()
                .unwrap(),
            expected
        );
        assert!(c.take_denials().is_empty());
    }

    #[test]
    fn a_secret_not_granted_is_denied_and_recorded() {
        let mut c = ctx(&["shopify-webhook"]);
        let err = c
            .sign("other-tenant".into(), b"x".to_vec(), Encoding::Hex)
            .unwrap()
            .unwrap_err();
        assert!(
            matches!(err, Error::Denied(ref m) if m.contains("not granted")),
            "{err:?}"
        );
        let denials = c.take_denials();
        assert_eq!(denials.len(), 1);
        assert_eq!(denials[0].target, "secret 'other-tenant'");
    }

    #[test]
    fn a_malformed_signature_is_an_error_not_a_false() {
        let mut c = ctx(&["shopify-webhook"]);
        let err = c
            .verify(
                "shopify-webhook".into(),
                b"x".to_vec(),
                "not hex!".into(),
                Encoding::Hex,
            )
            .unwrap()
            .unwrap_err();
        assert!(matches!(err, Error::Malformed(_)));
    }

    #[test]
    fn debug_output_never_shows_values() {
        let mut store = SecretStore::new();
        store.insert("k", b"supersecret".to_vec());
        assert!(!format!("{store:?}").contains("supersecret"));
    }
}
