//! Safety stock: hold back a buffer per location so the web store never sells the last units a
//! shop needs (display stock, damaged goods, the sale being rung up right now).
//!
//! For every inventory level: `available = max(0, available - buffer(location))`. The buffer is
//! the location's entry in `buffers`, else `default-buffer`. Other entities pass unchanged; a
//! negative buffer in the config is refused (nothing is mapped) because it would oversell.
//!
//! Config (per deployment):
//! ```json
//! { "default-buffer": 1, "buffers": { "1": 3, "2": 0 } }
//! ```
//!
//! The logic is plain Rust ([`apply`]) so the host's benchmark can run the very same code
//! natively and measure the sandbox's cost.

use std::collections::HashMap;

use serde::Deserialize;
use weft_sdk::model::Entity;
use weft_sdk::transform::Outcome;

/// The deployment's configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Buffer for locations not listed in `buffers`.
    #[serde(default)]
    pub default_buffer: i64,
    /// Buffer per location id.
    #[serde(default)]
    pub buffers: HashMap<String, i64>,
}

impl Config {
    /// Parse and check a config document.
    pub fn parse(json: &str) -> Result<Config, String> {
        let config: Config = serde_json::from_str(json)
            .map_err(|e| format!("safety-stock config is invalid: {e}; expected {{\"default-buffer\": N, \"buffers\": {{\"<location>\": N}}}}"))?;
        if config.default_buffer < 0 {
            return Err("safety-stock config: default-buffer must not be negative".into());
        }
        if let Some((loc, _)) = config.buffers.iter().find(|(_, b)| **b < 0) {
            return Err(format!(
                "safety-stock config: buffer for location {loc} must not be negative"
            ));
        }
        Ok(config)
    }

    fn buffer(&self, location: &str) -> i64 {
        self.buffers
            .get(location)
            .copied()
            .unwrap_or(self.default_buffer)
    }
}

/// Apply the buffer to one batch.
pub fn apply(config: &Config, batch: Vec<Entity>) -> Vec<Outcome> {
    batch
        .into_iter()
        .map(|entity| match entity {
            Entity::InventoryLevel(mut level) => {
                let buffer = config.buffer(&level.location);
                level.available = (level.available - buffer).max(0);
                Outcome::Emit(vec![Entity::InventoryLevel(level)])
            }
            other => Outcome::Emit(vec![other]),
        })
        .collect()
}

#[cfg(target_arch = "wasm32")]
mod component {
    use super::*;

    struct SafetyStock;

    impl weft_sdk::transform::Transform for SafetyStock {
        fn map_batch(batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
            let config = Config::parse(&weft_sdk::config::raw())?;
            Ok(apply(&config, batch))
        }
    }

    weft_sdk::export_transform!(SafetyStock);
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_sdk::model::{InventoryLevel, meta};

    fn level(location: &str, available: i64) -> Entity {
        Entity::InventoryLevel(InventoryLevel {
            meta: meta("lightspeed-r", "1", "1"),
            sku: "TEE-1".into(),
            location: location.into(),
            on_hand: available,
            available,
            committed: 0,
        })
    }

    fn available(outcome: &Outcome) -> i64 {
        match outcome {
            Outcome::Emit(v) => match &v[0] {
                Entity::InventoryLevel(l) => l.available,
                _ => panic!("not a level"),
            },
            _ => panic!("not emitted"),
        }
    }

    #[test]
    fn subtracts_the_location_buffer_and_never_goes_below_zero() {
        let config = Config::parse(r#"{"default-buffer": 1, "buffers": {"2": 5}}"#).unwrap();
        let out = apply(
            &config,
            vec![level("1", 10), level("2", 10), level("2", 3), level("3", 0)],
        );
        assert_eq!(
            out.iter().map(available).collect::<Vec<_>>(),
            vec![9, 5, 0, 0]
        );
    }

    #[test]
    fn negative_buffers_and_unknown_keys_are_refused() {
        assert!(
            Config::parse(r#"{"default-buffer": -1}"#)
                .unwrap_err()
                .contains("negative")
        );
        assert!(
            Config::parse(r#"{"buffers": {"1": -2}}"#)
                .unwrap_err()
                .contains("location 1")
        );
        assert!(
            Config::parse(r#"{"bufers": {}}"#)
                .unwrap_err()
                .contains("unknown field")
        );
    }
}
