//! # weft-sdk
//!
//! Everything a Weft plugin author needs:
//! - [`model`]: the canonical retail model (`Entity`, `InventoryLevel`, `Money`, ...), with serde;
//! - the two contracts: [`transform`] (map a batch) and [`connector`] (talk to a platform), with
//!   the export macros [`export_transform!`] and [`export_connector!`];
//! - capability wrappers: [`log`], [`config`], [`clock`], [`http`] (JSON requests on named
//!   connections, error classification), [`kv`], [`secrets`], [`schedule`];
//! - [`paging`] helpers and [`testing`], a harness that runs the built component against JSON
//!   fixtures and recorded HTTP inside `cargo test`.
//!
//! A transform in full:
//!
//! ```no_run
//! use weft_sdk::model::Entity;
//! use weft_sdk::transform::{Outcome, Transform};
//!
//! struct Upper;
//! impl Transform for Upper {
//!     fn map_batch(batch: Vec<Entity>) -> Result<Vec<Outcome>, String> {
//!         Ok(batch.into_iter().map(|e| Outcome::Emit(vec![e])).collect())
//!     }
//! }
//! weft_sdk::export_transform!(Upper);
//! ```
//!
//! This crate deliberately depends on nothing of the host: the contract is `wit/`.

#![deny(missing_docs)]

/// Generated bindings (kept for advanced use; prefer the wrappers).
#[doc(hidden)]
pub mod bindings {
    /// The transform world.
    #[allow(missing_docs)]
    pub mod transform {
        wit_bindgen::generate!({
            path: "../wit",
            world: "transform",
            pub_export_macro: true,
            export_macro_name: "export_transform",
            default_bindings_module: "weft_sdk::bindings::transform",
            additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        });
    }
    /// The connector world; shared interfaces reuse the transform world's types.
    #[allow(missing_docs)]
    pub mod connector {
        wit_bindgen::generate!({
            path: "../wit",
            world: "connector",
            pub_export_macro: true,
            export_macro_name: "export_connector",
            default_bindings_module: "weft_sdk::bindings::connector",
            additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
            with: {
                "weft:connector/types@0.1.0": crate::bindings::transform::weft::connector::types,
                "weft:connector/log@0.1.0": crate::bindings::transform::weft::connector::log,
                "weft:connector/clock@0.1.0": crate::bindings::transform::weft::connector::clock,
                "weft:connector/config@0.1.0": crate::bindings::transform::weft::connector::config,
            },
        });
    }
}

pub use bindings::connector::export_connector;
pub use bindings::transform::export_transform;

pub mod capabilities;
pub mod http;
pub mod paging;
pub mod testing;

pub use capabilities::{clock, config, kv, log, schedule, secrets};

/// The canonical retail model.
pub mod model {
    pub use crate::bindings::transform::weft::connector::types::*;

    /// Money in minor units: `money(1999, "USD")` is $19.99.
    pub fn money(amount_minor: i64, currency: &str) -> Money {
        Money {
            amount_minor,
            currency: currency.to_string(),
        }
    }

    /// Provenance with no external ids or attributes.
    pub fn meta(source_system: &str, source_id: &str, version: &str) -> Meta {
        Meta {
            source_system: source_system.into(),
            source_id: source_id.into(),
            version: version.into(),
            external_ids: Vec::new(),
            attributes: Vec::new(),
        }
    }
}

/// The transform contract.
pub mod transform {
    pub use crate::bindings::transform::exports::weft::connector::transform_api::{
        Guest as Transform, Outcome,
    };
}

/// The connector contract.
pub mod connector {
    pub use crate::bindings::connector::exports::weft::connector::connector_api::{
        CallError, ChangeEvent, ConnectorInfo, ErrorClass, Failure, Guest as Connector, Page,
        StreamInfo, WriteItem, WriteOp, Written,
    };

    /// A failure of `class` with a message and nothing else.
    pub fn failure(class: ErrorClass, message: impl Into<String>) -> Failure {
        Failure {
            class,
            message: message.into(),
            retry_after_ms: None,
            http_status: None,
            detail: None,
            waiting_for: None,
        }
    }
}
