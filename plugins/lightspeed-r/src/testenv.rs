//! A fake [`Env`] for native unit tests: canned responses matched by method and a substring of
//! the path, a record of what was sent, an in-memory kv, captured logs and an optional server
//! clock (a `Date` header on every response once set).
//!
//! Deliberately not here: any simulation of Lightspeed semantics (the end-to-end tests run the
//! component against the real simulator).

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::Value;
use weft_sdk::http::{Error, Header, Method, Request, Response};

use crate::client::{Env, Level};

struct Route {
    method: Method,
    needle: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
    times: Option<usize>,
}

/// One request the code under test sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: Method,
    pub path: String,
    pub body: Value,
}

/// The fake environment.
#[derive(Default)]
pub struct FakeEnv {
    routes: RefCell<Vec<Route>>,
    pub sent: RefCell<Vec<Sent>>,
    pub kv: RefCell<BTreeMap<String, Vec<u8>>>,
    pub logs: RefCell<Vec<String>>,
    pub config: String,
    /// The server's clock (Unix seconds) sent as `Date`; none sends no `Date`.
    pub date: std::cell::Cell<Option<i64>>,
}

impl FakeEnv {
    /// An environment with an empty config.
    pub fn new() -> Self {
        FakeEnv {
            config: "{}".into(),
            ..Default::default()
        }
    }

    /// Answer `method` requests whose path contains `needle` (first match wins, in order).
    pub fn on(&self, method: Method, needle: &str, status: u16, body: Value) {
        self.add(method, needle, status, body, None, Vec::new());
    }

    /// Like [`FakeEnv::on`], for the next `times` matching requests only.
    pub fn on_times(&self, method: Method, needle: &str, times: usize, body: Value) {
        self.add(method, needle, 200, body, Some(times), Vec::new());
    }

    /// Answer with extra headers.
    pub fn on_with(&self, method: Method, needle: &str, status: u16, headers: &[(&str, &str)]) {
        let h = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.add(
            method,
            needle,
            status,
            serde_json::json!({"message": "slow down"}),
            None,
            h,
        );
    }

    fn add(
        &self,
        method: Method,
        needle: &str,
        status: u16,
        body: Value,
        times: Option<usize>,
        headers: Vec<(String, String)>,
    ) {
        self.routes.borrow_mut().push(Route {
            method,
            needle: needle.into(),
            status,
            headers,
            body,
            times,
        });
    }

    /// An environment whose responses say the server's clock is `secs` (Unix seconds).
    pub fn at(secs: i64) -> Self {
        let env = FakeEnv::new();
        env.date.set(Some(secs));
        env
    }

    /// Paths sent with `method`.
    pub fn paths(&self, method: Method) -> Vec<String> {
        let sent = self.sent.borrow();
        sent.iter()
            .filter(|s| s.method == method)
            .map(|s| s.path.clone())
            .collect()
    }
}

impl Env for FakeEnv {
    fn send(&self, req: &Request) -> Result<Response, Error> {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        self.sent.borrow_mut().push(Sent {
            method: req.method,
            path: req.path.clone(),
            body,
        });
        assert_eq!(req.connection, "lightspeed");
        let mut routes = self.routes.borrow_mut();
        let found = routes
            .iter_mut()
            .find(|r| r.method == req.method && req.path.contains(&r.needle) && r.times != Some(0));
        let Some(route) = found else {
            return Ok(Response {
                status: 404,
                headers: Vec::new(),
                body: br#"{"httpCode":"404","message":"no fake route"}"#.to_vec(),
            });
        };
        if let Some(t) = route.times.as_mut() {
            *t -= 1;
        }
        let mut headers = vec![Header {
            name: "X-LS-API-Bucket-Level".into(),
            value: "3.5/90".into(),
        }];
        if let Some(secs) = self.date.get() {
            headers.push(Header {
                name: "Date".into(),
                value: crate::time::format_http_date(secs),
            });
        }
        headers.extend(route.headers.iter().map(|(k, v)| Header {
            name: k.clone(),
            value: v.clone(),
        }));
        Ok(Response {
            status: route.status,
            headers,
            body: route.body.to_string().into_bytes(),
        })
    }

    fn kv_get(&self, key: &str) -> Option<Vec<u8>> {
        self.kv.borrow().get(key).cloned()
    }

    fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.kv.borrow_mut().insert(key.into(), value.to_vec());
        Ok(())
    }

    fn log(&self, level: Level, message: &str) {
        self.logs.borrow_mut().push(format!("{level:?} {message}"));
    }

    fn config(&self) -> String {
        self.config.clone()
    }
}
