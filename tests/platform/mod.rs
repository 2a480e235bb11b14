//! Platform connectors against their simulators over real HTTP.

mod lightspeed_r;
mod shopify;
