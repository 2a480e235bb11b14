//! Hostile test component. Expectations: `map` never returns; the host must stop it with a
//! fuel or deadline limit error and keep serving other calls.

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::model::Entity;
    use weft_sdk::transform::{Outcome, Transform};

    struct Spin;

    impl Transform for Spin {
        fn map_batch(batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            let mut n: u64 = batch.len() as u64;
            loop {
                n = std::hint::black_box(n.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
    }

    weft_sdk::export_transform!(Spin);
}
