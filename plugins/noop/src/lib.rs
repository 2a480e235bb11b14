//! The identity transform: emits every record unchanged. The smallest useful export, for
//! measuring the host's per-call overhead (`weft bench host`, with an empty batch) and the sync
//! engine's own cost (`weft bench sync`).

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::model::Entity;
    use weft_sdk::transform::{Outcome, Transform};

    struct Noop;

    impl Transform for Noop {
        fn map_batch(batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            Ok(batch.into_iter().map(|e| Outcome::Emit(vec![e])).collect())
        }
    }

    weft_sdk::export_transform!(Noop);
}
