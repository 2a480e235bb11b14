//! Lightspeed Retail R-Series (API V3) connector.
//!
//! Streams (see [`streams`] for the table): `inventory-levels` (read, lookup), `products`
//! (read), `customers` (read, upsert, lookup), `sales` (read: orders and returns) and `orders`
//! (write: online orders posted as sales). It talks only to the connection named `lightspeed`,
//! whose base URL is the account's API base (`https://api.lightspeedapp.com/API/V3/Account/<id>`)
//! and whose auth header the host injects; the guest never handles OAuth. Read cursors are keyset
//! positions on `timeStamp` (see [`cursor`]). Config: [`config::Config`].
//!
//! Layout: [`lenient`] and [`time`] parse Lightspeed's string-typed JSON, [`wire`] holds the
//! record shapes, [`query`] builds paths, [`client`] sends them through an [`client::Env`] (the
//! host's capabilities in the component, a fake in unit tests), [`scan`] pages through a
//! resource with a [`cursor::Cursor`], and [`streams`] maps to and from the canonical model.
//!
//! Deliberately not here: webhooks (R-Series has none; `handle-webhook` refuses) and timers.

pub mod client;
pub mod config;
pub mod cursor;
pub mod lenient;
pub mod query;
pub mod scan;
pub mod streams;
pub mod time;
pub mod wire;

#[cfg(test)]
mod testenv;

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::connector::{self as c, CallError, Connector, ErrorClass};
    use weft_sdk::http::{Error, Request, Response};
    use weft_sdk::model::Entity;

    use crate::client::{Env, Level};
    use crate::streams;

    /// The host's capabilities.
    struct HostEnv;

    impl Env for HostEnv {
        fn send(&self, req: &Request) -> Result<Response, Error> {
            weft_sdk::http::send(req)
        }
        fn kv_get(&self, key: &str) -> Option<Vec<u8>> {
            match weft_sdk::kv::get(key) {
                Ok(v) => v,
                Err(e) => {
                    weft_sdk::log::warn(&format!("kv get {key}: {e:?}"));
                    None
                }
            }
        }
        fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), String> {
            weft_sdk::kv::set(key, value).map_err(|e| format!("{e:?}"))
        }
        fn log(&self, level: Level, message: &str) {
            match level {
                Level::Debug => weft_sdk::log::debug(message),
                Level::Info => weft_sdk::log::info(message),
                Level::Warn => weft_sdk::log::warn(message),
            }
        }
        fn config(&self) -> String {
            weft_sdk::config::raw()
        }
    }

    struct LightspeedR;

    impl Connector for LightspeedR {
        fn describe() -> c::ConnectorInfo {
            streams::info()
        }

        fn read_page(
            stream: String,
            cursor: Option<String>,
            limit: u32,
        ) -> Result<c::Page, CallError> {
            streams::read_page(&HostEnv, &stream, cursor, limit)
        }

        fn write_batch(
            stream: String,
            items: Vec<c::WriteItem>,
        ) -> Result<Vec<Result<c::Written, c::Failure>>, CallError> {
            streams::write_batch(&HostEnv, &stream, items)
        }

        fn lookup_records(stream: String, keys: Vec<String>) -> Result<Vec<Entity>, CallError> {
            streams::lookup(&HostEnv, &stream, keys)
        }

        fn handle_webhook(
            topic: String,
            _headers: Vec<(String, String)>,
            _body: Vec<u8>,
        ) -> Result<Vec<c::ChangeEvent>, CallError> {
            Err(CallError::Failed(c::failure(
                ErrorClass::Permanent,
                format!(
                    "lightspeed-r has no webhooks (topic {topic}); its streams are polled by cursor"
                ),
            )))
        }

        fn on_timer(_name: String, _payload: Vec<u8>) -> Result<(), CallError> {
            Ok(())
        }
    }

    weft_sdk::export_connector!(LightspeedR);
}
