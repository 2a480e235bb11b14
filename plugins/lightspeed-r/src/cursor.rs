//! The opaque stream cursor: a keyset position `(timeStamp, id)` of the last row read, plus the
//! server's `next` page of the request chain in progress.
//!
//! Rows are read in `(timeStamp, id)` order (`sort=timeStamp`; the API breaks ties by id). What
//! remains after position `(t, i)` is exactly `timeStamp = t AND id > i` ("same") followed by
//! `timeStamp > t` ("later"), so a read resumes from the position alone, without skipping or
//! repeating rows that share a second, even after a restart. Within a chain the connector follows
//! `@attributes.next` (the API's opaque `after=` paging) instead of crafting tokens; when it has
//! to stop inside a server page it drops the chain and resumes from the position.
//!
//! Wire form: `lsr1:` + JSON `{"s": stream, "p": {"t", "i"}, "c": chain, "n": next, "d": same-done}`.
//!
//! Deliberately not here: requests (see `scan`). Known limit: `timeStamp` has one-second
//! resolution, so a row re-stamped within the very second of the position but with a lower id
//! than the position's is seen at its next change (the sync engine's reconciliation covers it).

use serde::{Deserialize, Serialize};

use crate::time;

const PREFIX: &str = "lsr1:";

/// The last row read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pos {
    /// Its `timeStamp`, as Lightspeed wrote it.
    #[serde(rename = "t")]
    pub ts: String,
    /// Its primary id.
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
}

/// Which query a chain of pages answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Chain {
    /// Everything, from the beginning.
    Start,
    /// `timeStamp = t AND id > i`.
    Same,
    /// `timeStamp > t`.
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

    /// Record a page answered for `step`: the last row taken, the chain's next page (none on the
    /// last page), and whether rows were left unread in the page. Returns true when the stream
    /// is caught up.
    pub fn advance(
        &mut self,
        step: &Step,
        last: Option<Pos>,
        next: Option<String>,
        cut: bool,
    ) -> bool {
        let chain = match step {
            Step::Follow(c, _) | Step::Begin(c, _) => *c,
        };
        if let Some(last) = last {
            self.pos = Some(last);
        }
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
                self.same_done = false;
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

    #[test]
    fn chains_run_start_then_same_then_later_and_round_trip() {
        let mut c = Cursor::start("inventory-levels");
        assert_eq!(c.step(), Step::Begin(Chain::Start, None));
        let s = c.step();
        assert!(!c.advance(
            &s,
            Some(pos(T0, 100)),
            Some("/ItemShop.json?after=x".into()),
            false
        ));
        assert_eq!(
            c.step(),
            Step::Follow(Chain::Start, "/ItemShop.json?after=x".into())
        );
        let s = c.step();
        assert!(
            c.advance(&s, Some(pos(T0, 150)), None, false),
            "start chain ended"
        );
        assert_eq!(c.step(), Step::Begin(Chain::Same, Some(pos(T0, 150))));
        let s = c.step();
        assert!(!c.advance(&s, None, None, false));
        assert_eq!(c.step(), Step::Begin(Chain::Later, Some(pos(T0, 150))));
        let s = c.step();
        assert!(c.advance(&s, Some(pos(T1, 3)), None, false));
        assert_eq!(c.step(), Step::Begin(Chain::Same, Some(pos(T1, 3))));
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
        c.advance(
            &s,
            Some(pos(T0, 7)),
            Some("/Sale.json?after=y".into()),
            true,
        );
        assert_eq!((c.chain, c.next.clone()), (None, None));
        assert_eq!(c.step(), Step::Begin(Chain::Same, Some(pos(T0, 7))));
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
    }
}
