//! Platform connectors against their simulators over real HTTP.

mod demo;
mod ingress;
mod lightspeed_r;
mod shopify;
