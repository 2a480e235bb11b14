//! Hostile test component. Expectations: it imports `wasi:sockets` (through std's TcpStream) to
//! bypass named connections; the host must refuse to load it and list those imports.

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::model::Entity;
    use weft_sdk::transform::{Outcome, Transform};

    struct Raw;

    impl Transform for Raw {
        fn map_batch(_batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            let conn = std::net::TcpStream::connect("169.254.169.254:80");
            Err(format!("{:?}", conn.is_ok()))
        }
    }

    weft_sdk::export_transform!(Raw);
}
