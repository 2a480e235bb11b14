//! The Shopify connector against the simulator.
