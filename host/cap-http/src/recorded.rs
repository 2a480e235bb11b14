//! Recorded HTTP: answers from a fixture instead of the network, for the plugin runner and
//! plugin tests. Each recorded exchange is used once, in order, for the first request that
//! matches its connection, method and path; a request with no recording left is a transport
//! error naming what to add, and every request is kept so a test can assert what was sent.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use weft_world::http::{Error, Header, Request, Response};

/// One recorded response.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedExchange {
    /// Connection name the request uses.
    pub connection: String,
    /// Method, upper case ("GET").
    pub method: String,
    /// Path and query as the plugin sends it; a trailing `*` matches any rest.
    pub path: String,
    /// Status to answer.
    #[serde(default = "ok")]
    pub status: u16,
    /// Headers to answer with.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Body: a JSON value is sent as JSON text, a string as is.
    #[serde(default)]
    pub body: serde_json::Value,
}

fn ok() -> u16 {
    200
}

/// A request the plugin made during a recorded run.
#[derive(Debug, Clone, Serialize)]
pub struct SentRequest {
    /// Connection.
    pub connection: String,
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Body as text.
    pub body: String,
}

/// A set of recordings for one run.
#[derive(Debug, Default)]
pub struct Recording {
    remaining: Mutex<Vec<Option<RecordedExchange>>>,
    sent: Mutex<Vec<SentRequest>>,
}

impl Recording {
    /// Recordings to answer from.
    pub fn new(exchanges: Vec<RecordedExchange>) -> Self {
        Recording {
            remaining: Mutex::new(exchanges.into_iter().map(Some).collect()),
            sent: Mutex::default(),
        }
    }

    /// Requests made so far.
    pub fn sent(&self) -> Vec<SentRequest> {
        self.sent.lock().expect("lock").clone()
    }

    /// Recorded exchanges nobody asked for.
    pub fn unused(&self) -> Vec<RecordedExchange> {
        self.remaining
            .lock()
            .expect("lock")
            .iter()
            .flatten()
            .cloned()
            .collect()
    }

    /// Answer `req` from the recordings.
    pub fn answer(&self, req: &Request) -> Result<Response, Error> {
        let method = format!("{:?}", req.method).to_uppercase();
        self.sent.lock().expect("lock").push(SentRequest {
            connection: req.connection.clone(),
            method: method.clone(),
            path: req.path.clone(),
            body: String::from_utf8_lossy(&req.body).into_owned(),
        });
        let mut remaining = self.remaining.lock().expect("lock");
        let found = remaining.iter_mut().find(|slot| {
            slot.as_ref().is_some_and(|x| {
                x.connection == req.connection
                    && x.method.eq_ignore_ascii_case(&method)
                    && match x.path.strip_suffix('*') {
                        Some(prefix) => req.path.starts_with(prefix),
                        None => x.path == req.path,
                    }
            })
        });
        let Some(exchange) = found.and_then(Option::take) else {
            return Err(Error::Transport(format!(
                "no recorded response left for {method} {} on connection '{}'; add one to the fixture's \"http\" list",
                req.path, req.connection
            )));
        };
        let body = match exchange.body {
            serde_json::Value::Null => Vec::new(),
            serde_json::Value::String(s) => s.into_bytes(),
            other => other.to_string().into_bytes(),
        };
        let headers = exchange
            .headers
            .into_iter()
            .map(|(name, value)| Header { name, value })
            .collect();
        Ok(Response {
            status: exchange.status,
            headers,
            body,
        })
    }
}
