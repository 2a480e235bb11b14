//! A transform that maps nothing: the smallest possible export, for measuring the host's
//! per-call overhead (`weft bench host`).

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::model::Entity;
    use weft_sdk::transform::{Outcome, Transform};

    struct Noop;

    impl Transform for Noop {
        fn map_batch(_batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            Ok(Vec::new())
        }
    }

    weft_sdk::export_transform!(Noop);
}
