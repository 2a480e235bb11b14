//! Flows across components: the test connectors against the testbed platform over real HTTP.
//! Not here: single-component host behaviour (`host`) or platform simulators (`platform`).

mod cli;
mod connectors;
pub(crate) mod crash;
mod engine;
mod quarantine;
