//! `weft.toml`: parse, check and resolve a host configuration.
//!
//! [`load`] reads the file, refuses unknown keys and bad values (the TOML parser names the line
//! and the key), then checks meaning: every flow names deployments that exist, every deployment
//! names connections and secrets that exist, component files exist, secret references resolve.
//! All problems are reported at once, each with `file:line`, the key and what is allowed. Nothing
//! is started here; `run` builds the host from a [`Config`].

mod check;
mod schema;

pub use check::{Config, Webhooks, load};
