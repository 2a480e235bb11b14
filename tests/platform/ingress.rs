//! `weft run` with a `[webhooks]` table, as an operator runs it: the real binary serves the
//! webhook ingress, prints the URL to register, and the Shopify connector behind it verifies
//! every delivery. A wrong or missing `X-Shopify-Hmac-Sha256` is 401 with the reason; the
//! Shopify simulator's own signed delivery is 200 and wakes the flow reading orders; Ctrl-C
//! stops the ingress with the rest.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use weft_sim::shopify::{
    NewLine, NewOrder, RunningShopify, ShopifyConfig, ShopifySim, webhook_hmac,
};

use crate::flows::crash::weft_bin;

/// The app secret the simulator signs with and weft.toml's `shopify-webhook` holds.
const SECRET: &str = "ingress-test-secret";

type Headers = Vec<(String, String)>;

/// `weft run` in the background, killed on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn config(dir: &Path, shop: &RunningShopify, port: u16) -> std::path::PathBuf {
    let secret = dir.join("shopify-webhook.secret");
    std::fs::write(&secret, SECRET).unwrap();
    let text = format!(
        r#"
store = "state"

[secrets]
shopify-webhook = "file:{secret}"

[webhooks]
listen = "127.0.0.1:{port}"
public-url = "https://weft.example.com/"

[tenants.acme.connections.shopify]
base-url = "{shop}/admin/api/2026-01"
allow-loopback = true
auth = {{ header = "X-Shopify-Access-Token", value = "sandbox" }}

[tenants.acme.deployments.shopify]
component = "{shopify}"
version = "1.0.0"
connections = ["shopify"]
secrets = ["shopify-webhook"]

# Drops every order: the flow exists to be woken, not to write.
[tenants.acme.deployments.returns-only]
component = "{retail_map}"
plugin = "retail-map"
version = "1.0.0"
config = {{ kinds = ["customer-return"] }}

[tenants.acme.flows.orders]
source = "shopify/orders"
transforms = ["returns-only"]
target = "shopify/refunds"
webhooks = true
"#,
        secret = secret.display(),
        shop = shop.base_url(),
        shopify = weft_tests::component_path("shopify").display(),
        retail_map = weft_tests::component_path("retail-map").display(),
    );
    let path = dir.join("weft.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The child's stderr, line by line, read on a thread.
fn lines(child: &mut Child) -> UnboundedReceiver<String> {
    let (tx, rx) = unbounded_channel();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The rest of the first stderr line starting with `prefix` (the host deploys first: up to a
/// minute on a cold component cache).
async fn line_after(
    rx: &mut UnboundedReceiver<String>,
    seen: &mut Vec<String>,
    prefix: &str,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(line)) => {
                seen.push(line.clone());
                if let Some(rest) = line.strip_prefix(prefix) {
                    return rest.to_string();
                }
            }
            Ok(None) => panic!(
                "weft run exited before printing {prefix:?}:\n{}",
                seen.join("\n")
            ),
            Err(_) => panic!("no {prefix:?} within 2 minutes:\n{}", seen.join("\n")),
        }
    }
}

async fn eventually<T>(what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within {secs} s")
}

/// POST a delivery with the platform's headers (`X-Shopify-*` only, as a proxy would pass them).
async fn deliver(url: &str, headers: &[(String, String)], body: &str) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers
        .iter()
        .filter(|(k, _)| k.to_ascii_lowercase().starts_with("x-shopify-"))
    {
        req = req.header(k, v);
    }
    let resp = req.send().await.expect("the ingress answers");
    (
        resp.status().as_u16(),
        resp.text().await.unwrap_or_default(),
    )
}

fn header(headers: &[(String, String)], name: &str, value: &str) -> Headers {
    headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(name))
        .cloned()
        .chain((!value.is_empty()).then(|| (name.to_string(), value.to_string())))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weft_run_serves_the_webhook_ingress_and_the_connector_verifies_each_delivery() {
    let weft = tokio::task::spawn_blocking(|| {
        let _ = weft_tests::component("shopify"); // builds every plugin
        weft_bin()
    })
    .await
    .unwrap();
    let shop = ShopifySim::start(ShopifyConfig {
        items: 12,
        webhook_secret: SECRET.into(),
        ..ShopifyConfig::default()
    })
    .await
    .expect("shop starts");
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = config(dir.path(), &shop, port);
    let mut child = Command::new(weft)
        .args(["run", "-c"])
        .arg(&config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut rx = lines(&mut child);
    let mut running = Running(child);
    let mut seen = Vec::new();

    let ingress = line_after(&mut rx, &mut seen, "weft: webhook ingress on ").await;
    assert_eq!(
        ingress,
        format!("127.0.0.1:{port}, public URL https://weft.example.com")
    );
    let register = line_after(
        &mut rx,
        &mut seen,
        "weft: register webhooks for acme/shopify at ",
    )
    .await;
    assert_eq!(
        register,
        "https://weft.example.com/webhooks/acme/shopify (wakes acme/orders)"
    );
    // The proxy behind public-url forwards to the listen address; the test goes there directly.
    let url = format!("http://127.0.0.1:{port}/webhooks/acme/shopify");

    // Shopify itself delivers an order: to the ingress, and to a receiver that keeps a copy.
    let (copy_url, copies) = super::webhook_receiver().await;
    shop.register_webhook("orders/create", &url).unwrap();
    shop.register_webhook("orders/create", &copy_url).unwrap();
    let (_, variant) = shop.retailer().variants().next().expect("seeded variant");
    shop.create_order(NewOrder {
        lines: vec![NewLine {
            variant_id: variant.shopify_variant_id,
            quantity: 1,
        }],
        location_id: Some(shop.location_ids()[0]),
        ..NewOrder::default()
    })
    .expect("order placed");
    let status = eventually("the simulator's delivery to weft", 10, || {
        shop.webhook_attempts()
            .into_iter()
            .find(|a| a.url == url && a.status.is_some())
            .map(|a| a.status)
    })
    .await;
    assert_eq!(status, Some(200), "the simulator's signed delivery");
    let (headers, body) = eventually("the copy of the delivery", 10, || {
        copies.lock().unwrap().first().cloned()
    })
    .await;

    // Delivered again (as Shopify retries): verified, and the orders flow wakes.
    let (status, answer) = deliver(&url, &headers, &body).await;
    assert_eq!((status, answer.as_str()), (200, "{\"woken\":1}"));

    // A body that is not the one signed, a signature with another secret, none at all: 401,
    // with the connector's reason.
    let tampered = body.replacen("\"quantity\":1", "\"quantity\":9", 1);
    assert_ne!(tampered, body);
    let (status, answer) = deliver(&url, &headers, &tampered).await;
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer.starts_with("webhook not verified: ")
            && answer.contains("X-Shopify-Hmac-Sha256 does not match the body"),
        "{answer}"
    );
    let forged = header(
        &headers,
        "X-Shopify-Hmac-Sha256",
        &webhook_hmac("not-the-app-secret", body.as_bytes()),
    );
    let (status, answer) = deliver(&url, &forged, &body).await;
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("does not match the body"), "{answer}");
    let unsigned = header(&headers, "X-Shopify-Hmac-Sha256", "");
    let (status, answer) = deliver(&url, &unsigned, &body).await;
    assert_eq!(status, 401, "{answer}");
    assert!(
        answer.contains("no X-Shopify-Hmac-Sha256 header"),
        "{answer}"
    );
    // And a delivery signed here with the app secret, on a topic that changes nothing: 200.
    let body = "{\"id\":1}";
    let signed = vec![
        ("X-Shopify-Topic".to_string(), "app/uninstalled".to_string()),
        (
            "X-Shopify-Hmac-Sha256".to_string(),
            webhook_hmac(SECRET, body.as_bytes()),
        ),
    ];
    let (status, answer) = deliver(&url, &signed, body).await;
    assert_eq!((status, answer.as_str()), (200, "{\"woken\":0}"));
    // A deployment this host does not have: 404, naming it.
    let elsewhere = url.replace("/webhooks/", "/webhooks/nobody-");
    let (status, answer) = deliver(&elsewhere, &signed, body).await;
    assert_eq!(status, 404, "{answer}");
    assert!(answer.contains("no deployment nobody-"), "{answer}");

    // Ctrl-C: weft run stops, ingress included, and the port is free again.
    let pid = running.0.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(sent.success());
    let exited = eventually("weft run to stop after SIGINT", 30, || {
        running.0.try_wait().unwrap()
    })
    .await;
    assert!(exited.success(), "{exited}: {}", seen.join("\n"));
    TcpListener::bind(("127.0.0.1", port)).expect("the ingress's port is free after shutdown");
    shop.shutdown();
}
