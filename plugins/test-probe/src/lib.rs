//! Test connector. Expectations: `read-page` does one thing per stream name and reports the
//! result as a location entity whose `name` holds it, so tests can drive each capability:
//! - "http-get": GET `/ping` (cursor = path when given) on connection "api"; name = "STATUS BODY";
//! - "http-post": POST `/ping` (not idempotent) on "api"; name = "STATUS";
//! - "sign": HMAC of "hello" with secret "webhook", hex; name = the signature;
//! - "set-timer": timer "t" after `limit` ms with the cursor as payload; name = the timer id;
//! - "kv-get": kv value of the cursor key; name = the value or "none".
//!
//! `on-timer` stores the payload under kv key "fired:<name>".
//! Capability errors come back as `call-error::failed` with the error in the message.

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::connector::{self as c, CallError, Connector, ErrorClass};
    use weft_sdk::http::{self, Method};
    use weft_sdk::model::{Entity, Location, meta};
    use weft_sdk::{kv, schedule, secrets};

    fn fail(what: String) -> CallError {
        CallError::Failed(c::failure(ErrorClass::Permanent, what))
    }

    fn page(name: String) -> c::Page {
        let loc = Location {
            meta: meta("probe", "1", "1"),
            name,
            code: None,
        };
        c::Page {
            records: vec![Entity::Location(loc)],
            next_cursor: None,
            has_more: false,
        }
    }

    struct Probe;

    impl Connector for Probe {
        fn describe() -> c::ConnectorInfo {
            c::ConnectorInfo {
                platform: "probe".into(),
                streams: vec![],
                connections: vec!["api".into()],
            }
        }

        fn read_page(
            stream: String,
            cursor: Option<String>,
            limit: u32,
        ) -> Result<c::Page, CallError> {
            match stream.as_str() {
                "http-get" | "http-post" => {
                    let method = if stream == "http-get" {
                        Method::Get
                    } else {
                        Method::Post
                    };
                    let path = cursor.unwrap_or_else(|| "/ping".into());
                    let req = http::json_request("api", method, &path, None);
                    let resp = http::send(&req).map_err(|e| fail(format!("{e:?}")))?;
                    Ok(page(format!(
                        "{} {}",
                        resp.status,
                        String::from_utf8_lossy(&resp.body)
                    )))
                }
                "sign" => secrets::sign("webhook", b"hello", secrets::Encoding::Hex)
                    .map(page)
                    .map_err(|e| fail(format!("{e:?}"))),
                "set-timer" => {
                    let payload = cursor.unwrap_or_default().into_bytes();
                    schedule::set_timer("t", limit as u64, &payload)
                        .map(page)
                        .map_err(|e| fail(format!("{e:?}")))
                }
                "kv-get" => {
                    let key = cursor.unwrap_or_default();
                    let value = kv::get(&key).map_err(|e| fail(format!("{e:?}")))?;
                    Ok(page(
                        value
                            .map(|v| String::from_utf8_lossy(&v).into_owned())
                            .unwrap_or_else(|| "none".into()),
                    ))
                }
                other => Err(CallError::UnknownStream(other.into())),
            }
        }

        fn write_batch(
            s: String,
            _i: Vec<c::WriteItem>,
        ) -> Result<Vec<Result<c::Written, c::Failure>>, CallError> {
            Err(CallError::UnknownStream(s))
        }

        fn lookup_records(s: String, _k: Vec<String>) -> Result<Vec<Entity>, CallError> {
            Err(CallError::UnknownStream(s))
        }

        fn handle_webhook(
            _t: String,
            _h: Vec<(String, String)>,
            _b: Vec<u8>,
        ) -> Result<Vec<c::ChangeEvent>, CallError> {
            Ok(vec![])
        }

        fn on_timer(name: String, payload: Vec<u8>) -> Result<(), CallError> {
            kv::set(&format!("fired:{name}"), &payload).map_err(|e| fail(format!("{e:?}")))
        }
    }

    weft_sdk::export_connector!(Probe);
}
