//! The admin API over real HTTP on loopback: a host with the safety-stock component deployed, a
//! flow between in-memory ends through it, and reqwest as the client.

mod alerts;
mod dashboard;
mod flows;
mod hot_swap;
mod parked;
mod plugins;
mod quarantine;
mod routes;
mod support;
