//! Hostile test component. Expectations: `map` allocates 1 MiB after 1 MiB and keeps it all;
//! the host must stop it with a memory limit error naming the limit.

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::model::Entity;
    use weft_sdk::transform::{Outcome, Transform};

    struct Hog;

    impl Transform for Hog {
        fn map_batch(_batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(std::hint::black_box(vec![7u8; 1 << 20]));
            }
        }
    }

    weft_sdk::export_transform!(Hog);
}
