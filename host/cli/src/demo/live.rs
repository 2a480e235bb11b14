//! The live view of `weft demo`: one block every two seconds with what the shops and the web
//! store did and, per flow, its state and the records it read, wrote, parked and holds waiting.
//! Deliberately plain text (no terminal control), so it reads the same in a log.

use std::time::Duration;

use super::activity::Activity;
use super::setup::Demo;

/// Print the current state.
pub fn print(demo: &Demo, activity: &Activity, elapsed: Duration) -> anyhow::Result<()> {
    println!(
        "\n[{:>5.1}s] shops: {} sales, {} returns, {} receipts | web: {} orders | online orders returned in store: {}",
        elapsed.as_secs_f64(),
        activity.store_sales,
        activity.store_returns,
        activity.receipts,
        activity.web_orders,
        activity.online_returns.len()
    );
    println!(
        "  {:<16} {:<8} {:>8} {:>8} {:>7} {:>7}  last error",
        "flow", "state", "read", "written", "parked", "waiting"
    );
    for s in demo.assembled.flows.statuses()? {
        let name = s.id.split_once('/').map_or(s.id.as_str(), |(_, n)| n);
        println!(
            "  {:<16} {:<8} {:>8} {:>8} {:>7} {:>7}  {}",
            name,
            s.state,
            s.totals.read,
            s.totals.written,
            s.parked,
            s.totals.waiting,
            s.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
