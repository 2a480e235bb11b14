//! Thin, idiomatic wrappers over the host capabilities.

/// Logging into the host's logs (tagged with tenant, plugin and version by the host).
pub mod log {
    use crate::bindings::transform::weft::connector::log::{Level, log};

    /// Log at info.
    pub fn info(message: &str) {
        log(Level::Info, message)
    }
    /// Log at warn.
    pub fn warn(message: &str) {
        log(Level::Warn, message)
    }
    /// Log at error.
    pub fn error(message: &str) {
        log(Level::Error, message)
    }
    /// Log at debug.
    pub fn debug(message: &str) {
        log(Level::Debug, message)
    }
}

/// The deployment's configuration.
pub mod config {
    /// The raw JSON config ("{}" when none).
    pub fn raw() -> String {
        crate::bindings::transform::weft::connector::config::get()
    }

    /// The config parsed into `T`; the error names the problem for the operator.
    pub fn get<T: serde::de::DeserializeOwned>() -> Result<T, String> {
        let raw = raw();
        serde_json::from_str(&raw).map_err(|e| format!("deployment config is invalid: {e}"))
    }
}

/// The host's clock.
pub mod clock {
    /// Milliseconds since the Unix epoch.
    pub fn now_ms() -> u64 {
        crate::bindings::transform::weft::connector::clock::now_ms()
    }
}

/// Storage private to this deployment.
pub mod kv {
    pub use crate::bindings::connector::weft::connector::kv::{
        Error, KeyPage, compare_and_swap, delete, get, list_keys, set,
    };

    /// Read a JSON value.
    pub fn get_json<T: serde::de::DeserializeOwned>(key: &str) -> Result<Option<T>, String> {
        match get(key).map_err(|e| format!("kv get {key}: {e:?}"))? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("kv {key}: {e}")),
        }
    }

    /// Write a JSON value.
    pub fn set_json<T: serde::Serialize>(key: &str, value: &T) -> Result<(), String> {
        let bytes = serde_json::to_vec(value).map_err(|e| e.to_string())?;
        set(key, &bytes).map_err(|e| format!("kv set {key}: {e:?}"))
    }
}

/// Signing and verification with named secrets the plugin never sees.
pub mod secrets {
    pub use crate::bindings::connector::weft::connector::secrets::{Encoding, Error, sign, verify};
}

/// Durable timers that call `on-timer` back.
pub mod schedule {
    pub use crate::bindings::connector::weft::connector::schedule::{
        Error, cancel_timer, set_timer,
    };
}
