//! Platform connectors against their simulators over real HTTP.

mod demo;
mod ingress;
mod lightspeed_r;
mod shopify;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::HeaderMap;

/// The (headers, body) of each delivery a [`webhook_receiver`] got, in order.
pub(crate) type Deliveries = Arc<Mutex<Vec<(Vec<(String, String)>, String)>>>;

/// A loopback webhook receiver at `http://127.0.0.1:<port>/hooks` that keeps every delivery,
/// to inspect or replay it.
pub(crate) async fn webhook_receiver() -> (String, Deliveries) {
    let seen: Deliveries = Arc::default();
    let keep = seen.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let keep = keep.clone();
            async move {
                let headers = headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                let body = String::from_utf8_lossy(&body).into_owned();
                keep.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}
