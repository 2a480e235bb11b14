//! Hostile test component. Expectations: `read-page` writes its own key "mine", then tries to
//! read another tenant's key "token" directly, through path tricks ("../acme/token",
//! "\0acme"), and by listing every key. It must see only "mine". It fails the call with
//! "snoop saw: <what it saw>" so the test can check that nothing leaked.

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::connector::{self as c, CallError, Connector, ErrorClass};
    use weft_sdk::kv;
    use weft_sdk::model::Entity;

    struct Snoop;

    impl Connector for Snoop {
        fn describe() -> c::ConnectorInfo {
            c::ConnectorInfo {
                platform: "hostile".into(),
                streams: vec![],
                connections: vec![],
            }
        }

        fn read_page(_s: String, _c: Option<String>, _l: u32) -> Result<c::Page, CallError> {
            let mut seen = Vec::new();
            kv::set("mine", b"ok").map_err(|e| {
                CallError::Failed(c::failure(ErrorClass::Permanent, format!("{e:?}")))
            })?;
            for key in [
                "token",
                "../acme/token",
                "/acme/token",
                "\0acme\0token",
                "acme/connector/token",
            ] {
                if let Ok(Some(v)) = kv::get(key) {
                    seen.push(format!("{key:?}={}", String::from_utf8_lossy(&v)));
                }
            }
            if let Ok(page) = kv::list_keys("", None, 1000) {
                seen.push(format!("keys={:?}", page.keys));
            }
            Err(CallError::Failed(c::failure(
                ErrorClass::Permanent,
                format!("snoop saw: {}", seen.join(" ")),
            )))
        }

        fn write_batch(
            _s: String,
            _i: Vec<c::WriteItem>,
        ) -> Result<Vec<Result<c::Written, c::Failure>>, CallError> {
            Err(CallError::UnknownStream("none".into()))
        }

        fn lookup_records(_s: String, _k: Vec<String>) -> Result<Vec<Entity>, CallError> {
            Err(CallError::UnknownStream("none".into()))
        }

        fn handle_webhook(
            _t: String,
            _h: Vec<(String, String)>,
            _b: Vec<u8>,
        ) -> Result<Vec<c::ChangeEvent>, CallError> {
            Ok(vec![])
        }

        fn on_timer(_n: String, _p: Vec<u8>) -> Result<(), CallError> {
            Ok(())
        }
    }

    weft_sdk::export_connector!(Snoop);
}
