//! Guest logging: `weft:connector/log` into the host's `tracing`, tagged with tenant, plugin and
//! version.
//!
//! Threat model: a guest controls the message text and how often it logs. Messages longer than
//! [`MAX_MESSAGE_BYTES`] are cut (on a character boundary, with the number of bytes dropped);
//! after [`MAX_MESSAGES_PER_CALL`] messages in one call the rest are counted, not written, and
//! one summary line says how many were dropped. Control characters other than tab are
//! replaced so a guest cannot forge extra log lines.

use std::sync::Arc;

use weft_world::log::{Host, Level};

/// Longest message kept, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// Messages written per call before the rest are dropped.
pub const MAX_MESSAGES_PER_CALL: u32 = 256;

/// Per-call logging context.
pub struct LogCtx {
    tenant: Arc<str>,
    plugin: Arc<str>,
    version: Arc<str>,
    written: u32,
    dropped: u32,
}

impl LogCtx {
    /// A context for one call of `plugin@version` in `tenant`.
    pub fn new(tenant: Arc<str>, plugin: Arc<str>, version: Arc<str>) -> Self {
        LogCtx {
            tenant,
            plugin,
            version,
            written: 0,
            dropped: 0,
        }
    }

    /// Messages dropped in this call because of the per-call cap.
    pub fn dropped(&self) -> u32 {
        self.dropped
    }
}

impl Drop for LogCtx {
    fn drop(&mut self) {
        if self.dropped > 0 {
            tracing::warn!(
                tenant = %self.tenant, plugin = %self.plugin, version = %self.version,
                dropped = self.dropped,
                "plugin log messages dropped: more than {MAX_MESSAGES_PER_CALL} in one call"
            );
        }
    }
}

/// Cut and clean a guest message.
pub fn sanitize(message: &str) -> String {
    let mut end = message.len().min(MAX_MESSAGE_BYTES);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let mut out: String = message[..end]
        .chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect();
    if end < message.len() {
        out.push_str(&format!(" …({} bytes cut)", message.len() - end));
    }
    out
}

impl Host for LogCtx {
    fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        if self.written >= MAX_MESSAGES_PER_CALL {
            self.dropped += 1;
            return Ok(());
        }
        self.written += 1;
        let msg = sanitize(&message);
        let (tenant, plugin, version) = (&*self.tenant, &*self.plugin, &*self.version);
        match level {
            Level::Trace => {
                tracing::trace!(target: "weft::plugin", tenant, plugin, version, "{msg}")
            }
            Level::Debug => {
                tracing::debug!(target: "weft::plugin", tenant, plugin, version, "{msg}")
            }
            Level::Info => tracing::info!(target: "weft::plugin", tenant, plugin, version, "{msg}"),
            Level::Warn => tracing::warn!(target: "weft::plugin", tenant, plugin, version, "{msg}"),
            Level::Error => {
                tracing::error!(target: "weft::plugin", tenant, plugin, version, "{msg}")
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn captured(f: impl FnOnce()) -> String {
        let capture = Capture::default();
        let sink = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        String::from_utf8(capture.0.lock().unwrap().clone()).unwrap()
    }

    fn ctx() -> LogCtx {
        LogCtx::new("acme".into(), "safety-stock".into(), "1.0.0".into())
    }

    #[test]
    fn a_guest_message_is_tagged_with_tenant_plugin_and_version() {
        let out = captured(|| {
            ctx()
                .log(Level::Warn, "sku ABC has no location".into())
                .unwrap();
        });
        assert!(out.contains("WARN"), "{out}");
        assert!(
            out.contains("tenant=\"acme\"") || out.contains("tenant=acme"),
            "{out}"
        );
        assert!(
            out.contains("plugin=\"safety-stock\"") || out.contains("plugin=safety-stock"),
            "{out}"
        );
        assert!(out.contains("1.0.0"), "{out}");
        assert!(out.contains("sku ABC has no location"), "{out}");
    }

    #[test]
    fn long_messages_are_cut_and_newlines_cannot_forge_lines() {
        let long = "é".repeat(5000); // 10,000 bytes
        let cut = sanitize(&long);
        assert!(cut.len() < MAX_MESSAGE_BYTES + 40);
        assert!(cut.ends_with("bytes cut)"), "{cut}");
        assert_eq!(sanitize("a\nINFO forged"), "a INFO forged");
    }

    #[test]
    fn messages_beyond_the_per_call_cap_are_counted_not_written() {
        let out = captured(|| {
            let mut c = ctx();
            for i in 0..(MAX_MESSAGES_PER_CALL + 10) {
                c.log(Level::Info, format!("line {i}")).unwrap();
            }
            assert_eq!(c.dropped(), 10);
        });
        assert!(out.contains("line 255"));
        assert!(!out.contains("line 256"));
        assert!(out.contains("dropped=10"), "{out}");
    }
}
