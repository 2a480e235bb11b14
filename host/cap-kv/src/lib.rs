//! Key-value storage for plugins (`weft:connector/kv`), on sled.
//!
//! Threat model: a plugin must not read or disturb another tenant's or another deployment's
//! keys, and must not fill the disk. So every key a guest names is *relative*: the host prefixes
//! it with its deployment's namespace (tenant and deployment, each length-prefixed, so no choice
//! of characters in a key can reach into another namespace), listing only ever scans inside the
//! namespace, and each namespace has a byte quota (keys plus values) kept in a usage tree that is
//! updated in the same sled transaction as the write.

use std::sync::Arc;

use sled::Transactional;
use sled::transaction::ConflictableTransactionError;
use weft_world::kv::{Error, Host, KeyPage};

/// Longest key a guest may use, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Most keys one `list-keys` call returns.
pub const MAX_LIST: u32 = 1000;

/// Limits of one namespace.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct KvLimits {
    /// Bytes of keys plus values the namespace may hold.
    pub quota_bytes: u64,
    /// Largest single value.
    pub max_value_bytes: u64,
}

impl Default for KvLimits {
    fn default() -> Self {
        KvLimits {
            quota_bytes: 64 << 20,
            max_value_bytes: 1 << 20,
        }
    }
}

/// The shared store behind every namespace.
pub struct KvStore {
    data: sled::Tree,
    usage: sled::Tree,
}

impl KvStore {
    /// Use (or create) the `kv` trees of an open sled database.
    pub fn open(db: &sled::Db) -> sled::Result<Self> {
        Ok(KvStore {
            data: db.open_tree("plugin-kv")?,
            usage: db.open_tree("plugin-kv-usage")?,
        })
    }

    /// Bytes used by a namespace.
    pub fn usage(&self, namespace: &Namespace) -> u64 {
        self.usage
            .get(&namespace.0)
            .ok()
            .flatten()
            .map(|v| decode_u64(&v))
            .unwrap_or(0)
    }

    /// Raw read for tests and admin tools: the value of `key` in `namespace`.
    pub fn raw_get(&self, namespace: &Namespace, key: &str) -> Option<Vec<u8>> {
        self.data
            .get(namespace.key(key))
            .ok()
            .flatten()
            .map(|v| v.to_vec())
    }
}

/// The namespace of one tenant's deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace(Arc<[u8]>);

impl Namespace {
    /// The namespace for `deployment` of `tenant`.
    pub fn new(tenant: &str, deployment: &str) -> Self {
        let mut bytes = Vec::with_capacity(tenant.len() + deployment.len() + 4);
        for part in [tenant, deployment] {
            bytes.extend_from_slice(&(part.len() as u16).to_be_bytes());
            bytes.extend_from_slice(part.as_bytes());
        }
        Namespace(bytes.into())
    }

    fn key(&self, key: &str) -> Vec<u8> {
        let mut full = Vec::with_capacity(self.0.len() + key.len());
        full.extend_from_slice(&self.0);
        full.extend_from_slice(key.as_bytes());
        full
    }
}

fn decode_u64(bytes: &[u8]) -> u64 {
    bytes.try_into().map(u64::from_be_bytes).unwrap_or(0)
}

/// Per-call kv context of one deployment.
pub struct KvCtx {
    store: Arc<KvStore>,
    namespace: Namespace,
    limits: KvLimits,
}

impl KvCtx {
    /// A context for `namespace`.
    pub fn new(store: Arc<KvStore>, namespace: Namespace, limits: KvLimits) -> Self {
        KvCtx {
            store,
            namespace,
            limits,
        }
    }

    fn check_key(key: &str) -> Result<(), Error> {
        if key.is_empty() || key.len() > MAX_KEY_BYTES || key.contains('\0') {
            return Err(Error::InvalidKey(format!(
                "key of {} bytes: keys must be 1 to {MAX_KEY_BYTES} bytes without NUL",
                key.len()
            )));
        }
        Ok(())
    }

    /// Replace the value of `key` by `new` when the current value equals `expected` (when
    /// `expected` is `Some`), keeping the usage counter exact in the same transaction.
    fn write(
        &self,
        key: &str,
        expected: Option<Option<&[u8]>>,
        new: Option<&[u8]>,
    ) -> Result<bool, Error> {
        Self::check_key(key)?;
        if let Some(value) = new
            && value.len() as u64 > self.limits.max_value_bytes
        {
            return Err(Error::TooLarge(format!(
                "value of {} bytes; the limit is {} bytes",
                value.len(),
                self.limits.max_value_bytes
            )));
        }
        let full = self.namespace.key(key);
        let quota = self.limits.quota_bytes;
        let ns = &self.namespace.0;
        let result = (&self.store.data, &self.store.usage).transaction(|(data, usage)| {
            let current = data.get(&full)?;
            if let Some(expected) = expected
                && current.as_deref() != expected
            {
                return Ok(false);
            }
            let used = usage.get(&ns[..])?.map(|v| decode_u64(&v)).unwrap_or(0);
            let old = current.map(|v| (key.len() + v.len()) as u64).unwrap_or(0);
            let added = new.map(|v| (key.len() + v.len()) as u64).unwrap_or(0);
            let after = used - old.min(used) + added;
            if added > old && after > quota {
                return Err(ConflictableTransactionError::Abort(Error::QuotaExceeded(format!(
                    "writing {added} bytes would use {after} of {quota} bytes; delete keys or raise `kv.quota-bytes`"
                ))));
            }
            match new {
                Some(value) => data.insert(&full[..], value)?,
                None => data.remove(&full[..])?,
            };
            usage.insert(&ns[..], &after.to_be_bytes())?;
            Ok(true)
        });
        result.map_err(|e| match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => Error::Storage(e.to_string()),
        })
    }
}

impl Host for KvCtx {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        if let Err(e) = Self::check_key(&key) {
            return Ok(Err(e));
        }
        Ok(self
            .store
            .data
            .get(self.namespace.key(&key))
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(|e| Error::Storage(e.to_string())))
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.write(&key, None, Some(&value)).map(|_| ()))
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.write(&key, None, None).map(|_| ()))
    }

    fn list_keys(
        &mut self,
        prefix: String,
        cursor: Option<String>,
        limit: u32,
    ) -> wasmtime::Result<Result<KeyPage, Error>> {
        // `limit` comes from the guest: clamp it so one call cannot pull the whole tree.
        let limit = limit.clamp(1, MAX_LIST) as usize;
        let ns_len = self.namespace.0.len();
        let scan = self.store.data.scan_prefix(self.namespace.key(&prefix));
        let mut keys = Vec::new();
        let mut next_cursor = None;
        for item in scan {
            let (k, _) = match item {
                Ok(kv) => kv,
                Err(e) => return Ok(Err(Error::Storage(e.to_string()))),
            };
            let key = String::from_utf8_lossy(&k[ns_len..]).into_owned();
            if cursor.as_ref().is_some_and(|c| key.as_str() <= c.as_str()) {
                continue;
            }
            if keys.len() == limit {
                next_cursor = keys.last().cloned();
                break;
            }
            keys.push(key);
        }
        Ok(Ok(KeyPage { keys, next_cursor }))
    }

    fn compare_and_swap(
        &mut self,
        key: String,
        expected: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> wasmtime::Result<Result<bool, Error>> {
        Ok(self.write(&key, Some(expected.as_deref()), new.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Arc<KvStore>) {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        (dir, Arc::new(KvStore::open(&db).unwrap()))
    }

    fn ctx(store: &Arc<KvStore>, tenant: &str, limits: KvLimits) -> KvCtx {
        KvCtx::new(store.clone(), Namespace::new(tenant, "mapping"), limits)
    }

    #[test]
    fn a_deployment_reads_back_its_own_keys() {
        let (_d, s) = store();
        let mut a = ctx(&s, "acme", KvLimits::default());
        a.set("sku:1".into(), b"42".to_vec()).unwrap().unwrap();
        assert_eq!(
            a.get("sku:1".into()).unwrap().unwrap(),
            Some(b"42".to_vec())
        );
        a.delete("sku:1".into()).unwrap().unwrap();
        assert_eq!(a.get("sku:1".into()).unwrap().unwrap(), None);
        assert_eq!(s.usage(&Namespace::new("acme", "mapping")), 0);
    }

    #[test]
    fn another_tenant_cannot_see_or_list_the_keys() {
        let (_d, s) = store();
        ctx(&s, "acme", KvLimits::default())
            .set("token".into(), b"secret".to_vec())
            .unwrap()
            .unwrap();
        let mut other = ctx(&s, "globex", KvLimits::default());
        assert_eq!(other.get("token".into()).unwrap().unwrap(), None);
        let page = other.list_keys(String::new(), None, 1000).unwrap().unwrap();
        assert!(page.keys.is_empty());
        // Crafted names cannot escape: namespaces are length-prefixed, not separator-joined.
        let tricky = KvCtx::new(
            s.clone(),
            Namespace::new("acme\0\u{8}mapping", ""),
            KvLimits::default(),
        );
        assert_eq!(
            tricky
                .store
                .data
                .get(tricky.namespace.key("token"))
                .unwrap(),
            None
        );
    }

    #[test]
    fn compare_and_swap_only_swaps_on_the_expected_value() {
        let (_d, s) = store();
        let mut c = ctx(&s, "acme", KvLimits::default());
        assert!(
            c.compare_and_swap("n".into(), None, Some(b"1".to_vec()))
                .unwrap()
                .unwrap()
        );
        assert!(
            !c.compare_and_swap("n".into(), None, Some(b"2".to_vec()))
                .unwrap()
                .unwrap()
        );
        assert!(
            c.compare_and_swap("n".into(), Some(b"1".to_vec()), Some(b"2".to_vec()))
                .unwrap()
                .unwrap()
        );
        assert_eq!(c.get("n".into()).unwrap().unwrap(), Some(b"2".to_vec()));
        assert!(
            c.compare_and_swap("n".into(), Some(b"2".to_vec()), None)
                .unwrap()
                .unwrap()
        );
        assert_eq!(c.get("n".into()).unwrap().unwrap(), None);
    }

    #[test]
    fn the_quota_refuses_growth_but_allows_shrinking() {
        let (_d, s) = store();
        let limits = KvLimits {
            quota_bytes: 100,
            max_value_bytes: 80,
        };
        let mut c = ctx(&s, "acme", limits);
        c.set("a".into(), vec![0; 60]).unwrap().unwrap();
        let err = c.set("b".into(), vec![0; 60]).unwrap().unwrap_err();
        assert!(matches!(err, Error::QuotaExceeded(_)), "{err:?}");
        assert_eq!(
            c.get("b".into()).unwrap().unwrap(),
            None,
            "nothing written on refusal"
        );
        c.set("a".into(), vec![0; 10]).unwrap().unwrap();
        c.set("b".into(), vec![0; 60]).unwrap().unwrap();
        assert_eq!(s.usage(&Namespace::new("acme", "mapping")), 11 + 61);
        assert!(matches!(
            c.set("c".into(), vec![0; 81]).unwrap().unwrap_err(),
            Error::TooLarge(_)
        ));
    }

    #[test]
    fn listing_pages_by_cursor_and_clamps_the_limit() {
        let (_d, s) = store();
        let mut c = ctx(&s, "acme", KvLimits::default());
        for i in 0..25 {
            c.set(format!("sku:{i:03}"), b"x".to_vec())
                .unwrap()
                .unwrap();
        }
        c.set("other".into(), b"x".to_vec()).unwrap().unwrap();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = c.list_keys("sku:".into(), cursor, 10).unwrap().unwrap();
            seen.extend(page.keys);
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        assert_eq!(seen.len(), 25);
        assert_eq!(seen[0], "sku:000");
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        let zero = c.list_keys("sku:".into(), None, 0).unwrap().unwrap();
        assert_eq!(zero.keys.len(), 1, "a limit of 0 is clamped to 1");
    }

    #[test]
    fn bad_keys_are_refused() {
        let (_d, s) = store();
        let mut c = ctx(&s, "acme", KvLimits::default());
        assert!(matches!(
            c.get(String::new()).unwrap().unwrap_err(),
            Error::InvalidKey(_)
        ));
        assert!(matches!(
            c.set("a\0b".into(), vec![]).unwrap().unwrap_err(),
            Error::InvalidKey(_)
        ));
        assert!(matches!(
            c.get("k".repeat(513)).unwrap().unwrap_err(),
            Error::InvalidKey(_)
        ));
    }
}
