//! A transform that fails every record with `Outcome::Fail`, so each one parks at once as a
//! permanent failure. An empty batch (the host's smoke call on deploy) passes, so it can be
//! hot-swapped in over the admin API. The dashboard's browser test pushes it onto a running
//! `weft demo` to get parked records, then rolls it back and replays them from the page.

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::model::Entity;
    use weft_sdk::transform::{Outcome, Transform};

    struct FailAll;

    impl Transform for FailAll {
        fn map_batch(batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            Ok(batch
                .iter()
                .map(|_| Outcome::Fail("fail-all: this test transform refuses every record".into()))
                .collect())
        }
    }

    weft_sdk::export_transform!(FailAll);
}
