//! The opaque stream cursor: a keyset position `(timeStamp, id)` of the last row read, plus the
//! server's `next` page of the request chain in progress, plus what is known about the server's
//! clock.
//!
//! Rows are read in `(timeStamp, id)` order (`sort=timeStamp`; the API breaks ties by id). What
//! remains after position `(t, i)` is exactly `timeStamp = t AND id > i` ("same") followed by
//! `timeStamp > t` ("later"), so a read resumes from the position alone, without skipping or
//! repeating rows that share a second, even after a restart. Within a chain the connector follows
//! `@attributes.next` (the API's opaque `after=` paging) instead of crafting tokens; when it has
//! to stop inside a server page it drops the chain and resumes from the position. Id 0 (no
//! record has it) is the position just before a whole second: "same" is then `timeStamp = t` and
//! "later" `timeStamp >= t`.
//!
//! Open seconds. `timeStamp` has one-second resolution, so rows read in second `t` can still
//! change inside `t` (a row re-stamped with a lower id than the position's, or the same row
//! changed twice) and the keyset alone would never show them again. A second is *closed* once
//! the server's clock is known to be at least 2 s past it when it is read: the `Date` header of
//! the response that first read it in this pass, or a row stamped 2 s later in that response, or
//! a row stamped 2 s later in an earlier response (the server's clock only moves forward; the
//! newest such stamp is kept in the cursor). The first second a pass read while it was still
//! open is kept in the cursor; when the pass is caught up the cursor rewinds to just before it
//! (`timeStamp >= t`), so the next read re-reads every row from there, including the whole of the
//! open second, and judges its seconds again. Re-read rows carry content-aware versions (see
//! `streams`), so an unchanged row is a ledger duplicate and a changed one a new effect. A closed
//! second is never re-read: a bulk read of thousands of rows stamped in one old second reads
//! them once.
//!
//! Guaranteed, restarts included and without skipping rows: after any change to a row, the row
//! is read again in that state or a later one (no change hides behind an earlier read of the
//! same second), provided the server's `Date` runs within about a second of the clock that
//! stamps rows and a write is visible within about a second of its `timeStamp` (the 2 s margin).
//! The price is re-reading the rows from the first open second on, once per poll while it is
//! open (on a busy account, the last two or three seconds of changes). Not guaranteed: states a
//! row passes through inside one second (only the one present when the second is read is seen);
//! a write that becomes visible more than a second after its `timeStamp`, once a pass has closed
//! that second (seen at the row's next change, or healed by reconciliation). Without a `Date`
//! header (a proxy that drops it) only row stamps close seconds: an idle stream re-reads its last
//! open second on every poll until a row stamped 2 s later arrives. A row stamped far in the
//! future closes every earlier second (the old, keyset-only behaviour).
//!
//! Wire form: `lsr1:` + JSON `{"s": stream, "p": {"t", "i"}, "c": chain, "n": next, "d":
//! same-done, "o": open second, "k": newest row stamp seen}`; `o` and `k` are left out when
//! absent, and a cursor without them (as issued before they existed) reads as before: its
//! position's second counts as closed.
//!
//! Deliberately not here: requests (see `scan`).

use serde::{Deserialize, Serialize};

use crate::time;

const PREFIX: &str = "lsr1:";

/// Seconds the server's clock must be past a second before it counts as closed.
pub const SETTLE_SECS: i64 = 2;

/// The last row read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pos {
    /// Its `timeStamp`, as Lightspeed wrote it.
    #[serde(rename = "t")]
    pub ts: String,
    /// Its primary id (0: before every row of the second).
    #[serde(rename = "i")]
    pub id: u64,
}

impl Pos {
    /// True when `(ts, id)` sorts after this position.
    pub fn is_before(&self, ts: &str, id: u64) -> bool {
        let order = match (time::parse(&self.ts), time::parse(ts)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.ts.as_str().cmp(ts),
        };
        order.then(self.id.cmp(&id)).is_lt()
    }

    /// True when `ts` is in this position's second.
    pub fn same_second(&self, ts: &str) -> bool {
        match (time::parse(&self.ts), time::parse(ts)) {
            (Some(a), Some(b)) => a == b,
            _ => self.ts == ts,
        }
    }
}

/// Which query a chain of pages answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Chain {
    /// Everything, from the beginning.
    Start,
    /// `timeStamp = t AND id > i` (`timeStamp = t` for id 0).
    Same,
    /// `timeStamp > t` (`timeStamp >= t` for id 0).
    Later,
}

/// The next request to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Follow the server's next page of a chain.
    Follow(Chain, String),
    /// Start a chain of `kind` from the position (None for `Start`).
    Begin(Chain, Option<Pos>),
}

/// A stream's cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The stream it belongs to.
    #[serde(rename = "s")]
    pub stream: String,
    /// The last row read (none before the first row).
    #[serde(rename = "p", default)]
    pub pos: Option<Pos>,
    /// The chain in progress.
    #[serde(rename = "c", default)]
    pub chain: Option<Chain>,
    /// Path of the chain's next server page.
    #[serde(rename = "n", default)]
    pub next: Option<String>,
    /// The "same second" pass for `pos` is done; only "later" remains.
    #[serde(rename = "d", default)]
    pub same_done: bool,
    /// The first second this pass read while it was open (a `timeStamp` as Lightspeed wrote
    /// it): where the cursor rewinds to once the pass is caught up.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub open: Option<String>,
    /// The newest row `timeStamp` seen (Unix seconds): the server's clock was past it.
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    pub known: Option<i64>,
}

impl Cursor {
    /// A cursor at the beginning of `stream`.
    pub fn start(stream: &str) -> Self {
        Cursor {
            stream: stream.into(),
            pos: None,
            chain: None,
            next: None,
            same_done: false,
            open: None,
            known: None,
        }
    }

    /// Parse a cursor issued for `stream`; the error names the problem.
    pub fn decode(stream: &str, text: &str) -> Result<Self, String> {
        let json = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| format!("not a lightspeed-r cursor: {text:.60}"))?;
        let c: Cursor = serde_json::from_str(json).map_err(|e| format!("bad cursor: {e}"))?;
        if c.stream != stream {
            return Err(format!("cursor of stream {} used for {stream}", c.stream));
        }
        Ok(c)
    }

    /// The wire form.
    pub fn encode(&self) -> String {
        format!(
            "{PREFIX}{}",
            serde_json::to_string(self).unwrap_or_default()
        )
    }

    /// The next request.
    pub fn step(&self) -> Step {
        match (&self.chain, &self.next, &self.pos) {
            (Some(chain), Some(next), _) => Step::Follow(*chain, next.clone()),
            (_, _, None) => Step::Begin(Chain::Start, None),
            (_, _, Some(pos)) if self.same_done => Step::Begin(Chain::Later, Some(pos.clone())),
            (_, _, Some(pos)) => Step::Begin(Chain::Same, Some(pos.clone())),
        }
    }

    /// Take in a response before its rows: the `Date` header (`date`) and the `timeStamp`s of
    /// every row it holds (Unix seconds). Returns the server time it proves (what [`take`]
    /// needs), keeps the newest row stamp, and judges the position's second when this is its
    /// first read in the pass (id 0).
    ///
    /// [`take`]: Cursor::take
    pub fn observe(&mut self, date: Option<i64>, stamps: &[i64]) -> Option<i64> {
        let newest_row = stamps.iter().copied().max();
        let evidence = [self.known, date, newest_row].into_iter().flatten().max();
        self.known = [self.known, newest_row].into_iter().flatten().max();
        if let Some(p) = self.pos.as_ref().filter(|p| p.id == 0) {
            let ts = p.ts.clone();
            self.enter(&ts, evidence);
        }
        evidence
    }

    /// Move the position to a row read in a response that proved server time `evidence` (see
    /// [`Cursor::observe`]); a row in a new second is that second's first read in this pass.
    pub fn take(&mut self, ts: &str, id: u64, evidence: Option<i64>) {
        if !self.pos.as_ref().is_some_and(|p| p.same_second(ts)) {
            self.enter(ts, evidence);
        }
        self.pos = Some(Pos { ts: ts.into(), id });
    }

    /// The first read of second `ts` in this pass, when the server's clock was `evidence`.
    fn enter(&mut self, ts: &str, evidence: Option<i64>) {
        let closed = match (time::parse(ts), evidence) {
            (Some(second), Some(now)) => now >= second + SETTLE_SECS,
            _ => false,
        };
        if !closed && self.open.is_none() {
            self.open = Some(ts.to_string());
        }
    }

    /// Record a page answered for `step` (rows already [taken](Cursor::take)): the chain's next
    /// page (none on the last page), and whether rows were left unread in the page. Returns true
    /// when the stream is caught up; then a pass that read an open second rewinds to just before
    /// it.
    pub fn advance(&mut self, step: &Step, next: Option<String>, cut: bool) -> bool {
        let chain = match step {
            Step::Follow(c, _) | Step::Begin(c, _) => *c,
        };
        if cut {
            // Stopped inside a server page: resume from the position alone.
            (self.chain, self.next, self.same_done) = (None, None, false);
            return false;
        }
        if let Some(next) = next {
            (self.chain, self.next) = (Some(chain), Some(next));
            return false;
        }
        (self.chain, self.next) = (None, None);
        match chain {
            Chain::Same => {
                self.same_done = true;
                false
            }
            Chain::Start | Chain::Later => {
                match self.open.take() {
                    // Re-read from the whole open second on (`timeStamp >= t`) next time.
                    Some(ts) => (self.pos, self.same_done) = (Some(Pos { ts, id: 0 }), true),
                    None => self.same_done = false,
                }
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(t: &str, id: u64) -> Pos {
        Pos { ts: t.into(), id }
    }

    const T0: &str = "2026-01-01T00:00:00+00:00";
    const T1: &str = "2026-01-01T00:00:01+00:00";
    /// Unix seconds of T0.
    const S0: i64 = 1_767_225_600;
    /// A server clock that has closed T0 and T1.
    const LATE: Option<i64> = Some(S0 + 10);

    /// One page answered at server time `date` with rows `(ts, id)`, all taken.
    fn page(c: &mut Cursor, date: Option<i64>, rows: &[(&str, u64)], next: Option<&str>) -> bool {
        let s = c.step();
        let stamps: Vec<i64> = rows.iter().filter_map(|(t, _)| time::parse(t)).collect();
        let e = c.observe(date, &stamps);
        for (t, id) in rows {
            c.take(t, *id, e);
        }
        c.advance(&s, next.map(str::to_string), false)
    }

    #[test]
    fn chains_run_start_then_same_then_later_and_round_trip() {
        let mut c = Cursor::start("inventory-levels");
        assert_eq!(c.step(), Step::Begin(Chain::Start, None));
        assert!(!page(
            &mut c,
            LATE,
            &[(T0, 100)],
            Some("/ItemShop.json?after=x")
        ));
        assert_eq!(
            c.step(),
            Step::Follow(Chain::Start, "/ItemShop.json?after=x".into())
        );
        assert!(page(&mut c, LATE, &[(T0, 150)], None), "start chain ended");
        assert_eq!(c.step(), Step::Begin(Chain::Same, Some(pos(T0, 150))));
        assert!(!page(&mut c, LATE, &[], None));
        assert_eq!(c.step(), Step::Begin(Chain::Later, Some(pos(T0, 150))));
        assert!(page(&mut c, LATE, &[(T1, 3)], None));
        assert_eq!(c.step(), Step::Begin(Chain::Same, Some(pos(T1, 3))));
        assert_eq!(
            c.open, None,
            "every second read after the server's clock passed it"
        );
        let text = c.encode();
        assert!(text.starts_with("lsr1:"));
        assert_eq!(Cursor::decode("inventory-levels", &text).unwrap(), c);
        assert!(
            Cursor::decode("sales", &text)
                .unwrap_err()
                .contains("inventory-levels")
        );
        assert!(Cursor::decode("sales", "garbage").is_err());
    }

    #[test]
    fn stopping_inside_a_page_resumes_from_the_position() {
        let mut c = Cursor::start("sales");
        let s = c.step();
        let e = c.observe(LATE, &[S0]);
        c.take(T0, 7, e);
        c.advance(&s, Some("/Sale.json?after=y".into()), true);
        assert_eq!((c.chain, c.next.clone()), (None, None));
        assert_eq!(c.step(), Step::Begin(Chain::Same, Some(pos(T0, 7))));
    }

    #[test]
    fn an_open_second_is_re_read_whole_until_the_server_clock_passes_it() {
        let mut c = Cursor::start("inventory-levels");
        // Read at server time T0: T0 can still change.
        assert!(page(&mut c, Some(S0), &[(T0, 5), (T0, 9)], None));
        assert_eq!(c.step(), Step::Begin(Chain::Later, Some(pos(T0, 0))));
        assert_eq!(c.open, None, "the pass ended; the rewind is the position");
        // One second later it is still open: read again (rows 5 and 9 again), rewind again.
        assert!(page(&mut c, Some(S0 + 1), &[(T0, 5), (T0, 9)], None));
        assert_eq!(c.step(), Step::Begin(Chain::Later, Some(pos(T0, 0))));
        // Two seconds later it is closed: the old keyset behaviour from the last row.
        assert!(page(&mut c, Some(S0 + 2), &[(T0, 5), (T0, 9)], None));
        assert_eq!(c.step(), Step::Begin(Chain::Same, Some(pos(T0, 9))));
        // An idle poll then changes nothing.
        let before = c.clone();
        assert!(!page(&mut c, Some(S0 + 3), &[], None));
        assert!(page(&mut c, Some(S0 + 3), &[], None));
        assert_eq!(c, before);
    }

    #[test]
    fn the_first_open_second_of_a_pass_is_where_it_rewinds_to() {
        let mut c = Cursor::start("sales");
        // T0 is open when read, T1 too; more pages follow.
        assert!(!page(
            &mut c,
            Some(S0 + 1),
            &[(T0, 1), (T1, 2)],
            Some("/Sale.json?after=z")
        ));
        assert_eq!(c.open.as_deref(), Some(T0));
        assert!(page(&mut c, Some(S0 + 3), &[(T1, 4)], None));
        assert_eq!(c.step(), Step::Begin(Chain::Later, Some(pos(T0, 0))));
        // Re-read at S0 + 2: T0 closes, T1 (first read in this pass now) does not.
        assert!(page(
            &mut c,
            Some(S0 + 2),
            &[(T0, 1), (T1, 2), (T1, 4)],
            None
        ));
        assert_eq!(c.step(), Step::Begin(Chain::Later, Some(pos(T1, 0))));
        assert!(page(&mut c, Some(S0 + 3), &[(T1, 2), (T1, 4)], None));
        assert_eq!(c.step(), Step::Begin(Chain::Same, Some(pos(T1, 4))));
    }

    #[test]
    fn without_a_date_only_later_row_stamps_close_a_second() {
        let t3 = "2026-01-01T00:00:03+00:00";
        let mut c = Cursor::start("inventory-levels");
        assert!(page(&mut c, None, &[(T0, 1)], None));
        assert_eq!(
            c.step(),
            Step::Begin(Chain::Later, Some(pos(T0, 0))),
            "no evidence"
        );
        // A row 3 s later in the same response closes T0 (not t3 itself).
        assert!(page(&mut c, None, &[(T0, 1), (t3, 2)], None));
        assert_eq!(c.step(), Step::Begin(Chain::Later, Some(pos(t3, 0))));
        assert_eq!(c.known, Some(S0 + 3));
        // A stamp seen earlier proves the clock too: T0 read again now is closed at once.
        let mut d = Cursor {
            pos: Some(pos(T0, 0)),
            same_done: true,
            ..c.clone()
        };
        assert!(page(&mut d, None, &[(T0, 1)], None));
        assert_eq!(d.step(), Step::Begin(Chain::Same, Some(pos(T0, 1))));
    }

    #[test]
    fn an_old_cursor_without_the_new_fields_reads_as_before() {
        let old = r#"lsr1:{"s":"inventory-levels","p":{"t":"2026-01-01T00:00:00+00:00","i":9},"c":null,"n":null,"d":false}"#;
        let c = Cursor::decode("inventory-levels", old).unwrap();
        assert_eq!((c.open.clone(), c.known), (None, None));
        assert_eq!(c.step(), Step::Begin(Chain::Same, Some(pos(T0, 9))));
        assert_eq!(c.encode(), old, "a closed cursor keeps the old wire form");
        let mid = r#"lsr1:{"s":"sales","p":null,"c":"start","n":"/Sale.json?after=q","d":false}"#;
        let c = Cursor::decode("sales", mid).unwrap();
        assert_eq!(
            c.step(),
            Step::Follow(Chain::Start, "/Sale.json?after=q".into())
        );
    }

    #[test]
    fn positions_order_by_time_then_id() {
        let p = pos(T0, 10);
        assert!(p.is_before(T0, 11));
        assert!(!p.is_before(T0, 10));
        assert!(p.is_before(T1, 1));
        assert!(!p.is_before("2025-12-31T23:59:59Z", 99));
        assert!(
            p.is_before("2026-01-01T01:00:00+01:00", 11),
            "offsets compare as instants"
        );
        assert!(
            pos(T0, 0).is_before(T0, 1),
            "id 0 is before the whole second"
        );
        assert!(p.same_second("2026-01-01T00:00:00Z") && !p.same_second(T1));
    }
}
