//! Local copies of the platforms' APIs, served over real HTTP on loopback (work in progress).
pub mod clock;
pub mod faults;
pub mod lightspeed_r;
pub mod seed;
pub mod shopify;
