//! The plugin host: hostile components, capability grants and denials, hot swap, cache.

mod cache;
mod capabilities;
mod hostile;
mod hot_swap;
mod pushed;
mod safety_stock;
