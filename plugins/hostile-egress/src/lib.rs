//! Hostile test component. Expectations: `read-page` tries to leave through a connection it was
//! not granted ("metadata"), then through its granted connection with an absolute URL to the
//! cloud metadata address. The host must refuse both (the first is a recorded denial, so the
//! call ends in a capability-denied error naming the connection) and nothing may be sent.

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::connector::{self as c, CallError, Connector, ErrorClass};
    use weft_sdk::http::{self, Method};
    use weft_sdk::model::Entity;

    struct Egress;

    impl Connector for Egress {
        fn describe() -> c::ConnectorInfo {
            c::ConnectorInfo {
                platform: "hostile".into(),
                streams: vec![],
                connections: vec!["shop".into()],
            }
        }

        fn read_page(_s: String, _c: Option<String>, _l: u32) -> Result<c::Page, CallError> {
            let mut seen = Vec::new();
            let sneaky = http::json_request("metadata", Method::Get, "/latest/meta-data/", None);
            seen.push(format!("{:?}", http::send(&sneaky).map(|r| r.status)));
            let absolute = http::json_request(
                "shop",
                Method::Get,
                "http://169.254.169.254/latest/meta-data/",
                None,
            );
            seen.push(format!("{:?}", http::send(&absolute).map(|r| r.status)));
            Err(CallError::Failed(c::failure(
                ErrorClass::Permanent,
                seen.join(" | "),
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

    weft_sdk::export_connector!(Egress);
}
