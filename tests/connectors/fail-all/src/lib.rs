//! A transform that fails every record with `Outcome::Fail`, so each one parks at once as a
//! permanent failure; with the deployment config `{"trap": true}` it panics on every non-empty
//! batch instead (a broken version, for the quarantine tests). An empty batch (the host's smoke
//! call on deploy) passes either way, so it can be hot-swapped in over the admin API. The
//! dashboard's browser test pushes it onto a running `weft demo` to get parked records, then
//! rolls it back and replays them from the page.

#[cfg(target_arch = "wasm32")]
mod component {
    use weft_sdk::model::Entity;
    use weft_sdk::transform::{Outcome, Transform};

    struct FailAll;

    /// `"trap": true` anywhere in the deployment config (other keys are left to the real plugin
    /// this one stands in for).
    fn trap_mode() -> bool {
        weft_sdk::config::raw()
            .replace(char::is_whitespace, "")
            .contains("\"trap\":true")
    }

    impl Transform for FailAll {
        fn map_batch(batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            if !batch.is_empty() && trap_mode() {
                panic!("fail-all: trap mode, every non-empty batch panics");
            }
            Ok(batch
                .iter()
                .map(|_| Outcome::Fail("fail-all: this test transform refuses every record".into()))
                .collect())
        }
    }

    weft_sdk::export_transform!(FailAll);
}
