//! The Lightspeed R-Series connector against the simulator.
