//! One integration binary for every end-to-end scenario (one link step, shared component build).

mod flows;
mod host;
mod platform;
