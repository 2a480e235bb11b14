//! Hostile test component. Expectations: `map` panics with the message
//! "hostile-panic: deliberate panic"; the host must report a panic error carrying that message.

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::model::Entity;
    use weft_sdk::transform::{Outcome, Transform};

    struct Boom;

    impl Transform for Boom {
        fn map_batch(batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            if std::hint::black_box(batch.len()) < usize::MAX {
                panic!("hostile-panic: deliberate panic");
            }
            Ok(Vec::new())
        }
    }

    weft_sdk::export_transform!(Boom);
}
