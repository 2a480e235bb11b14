//! Host-side bindings for `wit/` (package `weft:connector@0.1.0`).
//!
//! This is the only crate that runs wasmtime's `bindgen!`; capability crates implement the
//! generated `Host` traits and the engine calls the generated exports. The canonical model types
//! derive serde so the runtime can store, park and replay records as JSON.
//!
//! It deliberately holds no logic: only generated code and the names of the supported worlds.

#![allow(missing_docs)] // generated code

/// Bindings for the `connector` world: every capability interface is generated here.
pub mod connector {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "connector",
        imports: { "weft:connector/http": async | trappable, default: trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

/// Bindings for the `transform` world; its imports reuse the connector world's generated modules.
pub mod transform {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "transform",
        imports: { default: trappable },
        exports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "weft:connector/types": crate::connector::weft::connector::types,
            "weft:connector/log": crate::connector::weft::connector::log,
            "weft:connector/clock": crate::connector::weft::connector::clock,
            "weft:connector/config": crate::connector::weft::connector::config,
        },
    });
}

pub use connector::weft::connector::{clock, config, http, kv, log, schedule, secrets, types};

/// The WIT package every supported world belongs to, without version.
pub const PACKAGE: &str = "weft:connector";
/// The package version this host implements.
pub const PACKAGE_VERSION: &str = "0.1.0";
