//! The dashboard end to end, as a person uses it: headless Chromium (Debian's `chromium` and
//! `chromium-driver`, driven over WebDriver) against a running `weft demo --admin`.
//!
//! The test signs in through the page's form, checks that every flow of the demo shows with a
//! status light and that the plugins table shows the running versions, then pushes a transform
//! that fails every record (`tests/connectors/fail-all`) onto `acme/order-map` over the admin
//! API, so incoming web orders park. It rolls the deployment back to retail-map with the page's
//! rollback button, replays one parked order with the page's replay button, and checks from
//! both the page and the API that the record left the parked queue because the replay confirmed
//! it. Meanwhile the stock flow, reconciled from the page, must show its drift report per
//! location.
//!
//! Without chromedriver the test fails and says what to install; `WEFT_SKIP_BROWSER=1` skips it
//! explicitly. `CHROMEDRIVER` and `CHROME_BIN` point at other binaries; `WEFT_BIN` at another
//! `weft`. On failure a screenshot and the page's HTML are saved next to the test's temp files
//! (`target/tmp/dashboard-failure.*`); `WEFT_BROWSER_SCREENSHOT=file.png` saves one at the end
//! of a passing run too.

use std::collections::VecDeque;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const TOKEN: &str = "browser-test-admin-token-0123456789";
const TOKEN_ENV: &str = "WEFT_BROWSER_TEST_ADMIN_TOKEN";
const FLOWS: [&str; 6] = [
    "acme/inventory",
    "acme/products",
    "acme/customers",
    "acme/orders",
    "acme/returns",
    "acme/payouts",
];
/// Long enough for the demo's initial alignment (about a minute on 2 busy cores) and then some.
const SLOW: Duration = Duration::from_secs(360);
const QUICK: Duration = Duration::from_secs(30);

/// A child process killed when dropped.
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The file `env` names (only that, when set), else one of `names` on PATH, else the first of
/// `also` that exists.
fn find_binary(env: &str, names: &[&str], also: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    also.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// The `weft` binary (built here, as tests/flows/crash.rs does, unless WEFT_BIN names one).
fn weft_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("WEFT_BIN") {
        return bin.into();
    }
    let root = weft_tests::root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "weft-cli", "--bin", "weft"])
        .current_dir(&root)
        .status()
        .expect("cargo build weft");
    assert!(status.success(), "building weft failed");
    target.join("debug/weft")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running `weft demo --admin 127.0.0.1:0`, its admin URL and the tail of its stderr.
struct Demo {
    _process: Owned,
    url: String,
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Demo {
    fn start(tmp: &Path) -> Demo {
        let mut child = Command::new(weft_bin())
            .args([
                "demo",
                "--admin",
                "127.0.0.1:0",
                "--admin-token-env",
                TOKEN_ENV,
                // Simulated rate limits 100x faster: alignment and reconciliation take seconds.
                "--time-scale",
                "100",
            ])
            .env(TOKEN_ENV, TOKEN)
            .env("TMPDIR", tmp) // the demo's store and config land in our temp dir
            .current_dir(weft_tests::root())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting weft demo");
        let stderr = child.stderr.take().expect("piped stderr");
        let process = Owned(child);
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (found, url) = mpsc::channel();
        let tail = log.clone();
        std::thread::spawn(move || {
            // Drain stderr for the demo's whole life so it never blocks on a full pipe.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("admin API: ") {
                    let _ = found.send(url.trim().to_string());
                }
                let mut tail = tail.lock().unwrap();
                tail.push_back(line);
                if tail.len() > 200 {
                    tail.pop_front();
                }
            }
        });
        let url = url
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| {
                panic!(
                    "weft demo never printed `admin API: ...`; its stderr:\n{}",
                    log.lock()
                        .unwrap()
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            });
        Demo {
            _process: process,
            url,
            log,
        }
    }

    fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap();
        let skip = log.len().saturating_sub(40);
        log.iter()
            .skip(skip)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// chromedriver on a free port, and a headless Chromium session through it.
async fn browser(driver: &Path, chrome: &Path, profile: &Path) -> (Owned, Client) {
    let port = free_port();
    let process = Owned(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", driver.display())),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < QUICK,
            "chromedriver did not listen on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chrome,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--window-size=1400,1400",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| panic!("no Chromium session through chromedriver: {e}"));
    (process, client)
}

/// Poll `probe` every 250 ms until it gives `Some`, or fail after `timeout` with its last error.
async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let started = Instant::now();
    loop {
        let last = match probe().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => "not yet".to_string(),
            Err(e) => format!("{e:#}"),
        };
        if started.elapsed() > timeout {
            bail!("timed out after {timeout:?} waiting for {what} ({last})");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The text of the first element matching `css`, if there is one.
async fn text(b: &Client, css: &str) -> anyhow::Result<Option<String>> {
    let found = b.find_all(Locator::Css(css)).await?;
    match found.first() {
        Some(e) => Ok(Some(e.text().await?)),
        None => Ok(None),
    }
}

/// Click the element matching `css`, finding it again if the page redrew it meanwhile.
async fn click(b: &Client, css: &str) -> anyhow::Result<()> {
    eventually(&format!("a clickable {css}"), QUICK, || async {
        let element = b.find(Locator::Css(css)).await?;
        element.click().await?;
        Ok(Some(()))
    })
    .await
}

/// The admin API with the token.
struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    async fn get(&self, path: &str) -> anyhow::Result<(u16, Value)> {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(TOKEN)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await?))
    }
}

/// Say how far the scenario got (shown with `--nocapture` and on failure).
fn step(started: Instant, what: &str) {
    eprintln!("[{:6.1} s] {what}", started.elapsed().as_secs_f64());
}

async fn scenario(b: &Client, api: &Api, fail_all: Vec<u8>) -> anyhow::Result<()> {
    let t0 = Instant::now();
    // Sign in through the form the page answers with.
    b.goto(&format!("{}/dashboard", api.url)).await?;
    let field = b
        .wait()
        .at_most(QUICK)
        .for_element(Locator::Css("form#login input[name=token]"))
        .await
        .context("the sign-in form")?;
    field.send_keys("not-the-token").await?;
    click(b, "form#login button[type=submit]").await?;
    eventually("the sign-in form refusing a wrong token", QUICK, || async {
        Ok(text(b, "p.error")
            .await?
            .filter(|t| t.contains("not the admin token"))
            .map(|_| ()))
    })
    .await?;
    let field = b.find(Locator::Css("form#login input[name=token]")).await?;
    field.send_keys(TOKEN).await?;
    click(b, "form#login button[type=submit]").await?;

    step(t0, "signed in");
    // Every flow of the demo, with a status light; the plugins with their versions.
    for flow in FLOWS {
        let row = format!("tr[data-flow=\"{flow}\"]");
        eventually(&format!("flow {flow} on the page"), QUICK, || async {
            Ok(text(b, &format!("{row} .light")).await?.map(|_| ()))
        })
        .await?;
    }
    let running = eventually("acme/order-map in the plugins table", QUICK, || async {
        text(b, "tr[data-deployment=\"acme/order-map\"] .current-version").await
    })
    .await?;
    ensure!(running.contains("retail-map"), "order-map runs {running}");

    step(t0, "flows and plugins shown");
    // A transform that fails every order, pushed over the API: web orders park.
    let pushed = api
        .http
        .post(format!("{}/api/plugins/acme/order-map", api.url))
        .query(&[("version", "0.0.1-test"), ("name", "fail-all")])
        .bearer_auth(TOKEN)
        .body(fail_all)
        .send()
        .await?;
    let status = pushed.status();
    ensure!(
        status.is_success(),
        "push refused: {status} {}",
        pushed.text().await?
    );
    eventually("a parked order of acme/orders", SLOW, || async {
        let (_, parked) = api.get("/api/parked?flow=acme/orders&limit=1").await?;
        Ok((parked["total"].as_u64().unwrap_or(0) > 0).then_some(()))
    })
    .await?;

    step(t0, "an order parked");
    // Reconcile the stock flow from the page; it reads both sides in the background meanwhile.
    let reconcile = "tr[data-flow=\"acme/inventory\"] button[data-action=\"reconcile\"]";
    click(b, reconcile).await?;

    // The page shows it: an amber light, the reason, the new version with a rollback button.
    eventually("the parked light on acme/orders", QUICK, || async {
        let status = b
            .find(Locator::Css("tr[data-flow=\"acme/orders\"]"))
            .await?
            .attr("data-status")
            .await?;
        Ok((status.as_deref() == Some("parked")).then_some(()))
    })
    .await?;
    eventually("fail-all as a top reason", QUICK, || async {
        let reasons = text(b, "[data-parked-flow=\"acme/orders\"] .reasons").await?;
        Ok(reasons.filter(|r| r.contains("fail-all")).map(|_| ()))
    })
    .await?;

    step(t0, "parked light and reason shown");
    // Roll back from the page (two clicks: the button asks for confirmation).
    let rollback = "tr[data-deployment=\"acme/order-map\"] button[data-action=\"rollback\"]";
    eventually("the rollback button offering retail-map", QUICK, || async {
        Ok(text(b, rollback)
            .await?
            .filter(|t| t.contains("retail-map 1.0.0"))
            .map(|_| ()))
    })
    .await?;
    click(b, rollback).await?;
    eventually("the rollback button asking to confirm", QUICK, || async {
        Ok(text(b, rollback)
            .await?
            .filter(|t| t.starts_with("Confirm"))
            .map(|_| ()))
    })
    .await?;
    click(b, rollback).await?;
    eventually(
        "retail-map running again on acme/order-map",
        QUICK,
        || async {
            let (_, plugins) = api.get("/api/plugins").await?;
            let current = plugins["deployments"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|d| d["deployment"] == "order-map")
                .map(|d| d["current"]["name"].clone());
            let shown = text(b, "tr[data-deployment=\"acme/order-map\"] .current-version").await?;
            Ok((current == Some(json!("retail-map"))
                && shown.is_some_and(|s| s.contains("retail-map")))
            .then_some(()))
        },
    )
    .await?;

    step(t0, "rolled back from the page");
    // Replay one parked order from the page: it goes through retail-map and leaves the queue.
    let first = "[data-parked-flow=\"acme/orders\"] tr[data-parked-id]";
    let id = eventually("a parked order listed on the page", QUICK, || async {
        let rows = b.find_all(Locator::Css(first)).await?;
        match rows.first() {
            Some(row) => Ok(row.attr("data-parked-id").await?),
            None => Ok(None),
        }
    })
    .await?;
    let (status, _) = api.get(&format!("/api/parked/{id}")).await?;
    ensure!(status == 200, "{id} is not parked before the replay");
    click(
        b,
        &format!("tr[data-parked-id=\"{id}\"] button[data-action=\"replay\"]"),
    )
    .await?;
    let notice = eventually("the replay's outcome on the page", SLOW, || async {
        let lines = b.find_all(Locator::Css("#notice p")).await?;
        for line in lines {
            let line = line.text().await?;
            if line.contains(&format!("Replayed record {id}")) {
                return Ok(Some(line));
            }
        }
        Ok(None)
    })
    .await?;
    ensure!(
        notice.contains("1 confirmed, 0 parked again"),
        "the replay did not confirm the record: {notice}"
    );
    eventually("the replayed record gone from the page", QUICK, || async {
        let rows = b
            .find_all(Locator::Css(&format!("tr[data-parked-id=\"{id}\"]")))
            .await?;
        Ok(rows.is_empty().then_some(()))
    })
    .await?;
    let (status, body) = api.get(&format!("/api/parked/{id}")).await?;
    ensure!(
        status == 404,
        "{id} is still parked after the replay: {body}"
    );
    let (_, page) = api.get("/api/parked?flow=acme/orders&limit=500").await?;
    ensure!(
        !page["records"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["id"] == id.as_str()),
        "{id} is still listed by /api/parked"
    );

    step(t0, "replayed from the page; the record left the queue");
    // The stock flow's drift report, per location with the worst SKUs. A reconciliation that
    // failed (the simulated Shopify may throttle the full read) is started again from the page.
    let drift = "[data-drift-flow=\"acme/inventory\"]";
    let report = eventually("the stock drift report on the page", SLOW, || async {
        if let Some(report) = text(b, drift).await? {
            return Ok(Some(report));
        }
        let idle = b
            .find_all(Locator::Css(&format!("{reconcile}:not([disabled])")))
            .await?;
        if let Some(button) = idle.first() {
            button.click().await?;
        }
        Ok(None)
    })
    .await?;
    ensure!(
        report.contains("drifted key(s)") && report.contains("keys compared"),
        "{report}"
    );
    let per_location = b
        .find_all(Locator::Css(&format!("{drift} tr[data-location]")))
        .await?;
    ensure!(
        !per_location.is_empty() || report.contains("No drift"),
        "the drift report shows neither locations nor that it is clean: {report}"
    );
    step(t0, "drift report shown");
    Ok(())
}

async fn save_failure(b: &Client) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    if let Ok(png) = b.screenshot().await {
        let _ = std::fs::write(dir.join("dashboard-failure.png"), png);
    }
    if let Ok(html) = b.source().await {
        let _ = std::fs::write(dir.join("dashboard-failure.html"), html);
    }
    eprintln!(
        "screenshot and page source saved as {}/dashboard-failure.{{png,html}}",
        dir.display()
    );
}

#[tokio::test]
async fn the_dashboard_shows_the_demo_and_a_replay_from_the_page_moves_a_parked_record_to_done() {
    if std::env::var("WEFT_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("WEFT_SKIP_BROWSER=1: the dashboard's browser test is skipped");
        return;
    }
    let driver = find_binary(
        "CHROMEDRIVER",
        &["chromedriver"],
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
    )
    .unwrap_or_else(|| {
        panic!(
            "chromedriver not found: install Debian's chromium and chromium-driver \
             (apt-get install -y chromium chromium-driver; .ci/run does), or set CHROMEDRIVER \
             to its path. Set WEFT_SKIP_BROWSER=1 to skip this test explicitly."
        )
    });
    let chrome = find_binary(
        "CHROME_BIN",
        &["chromium", "chromium-browser", "google-chrome"],
        &["/usr/bin/chromium", "/usr/lib/chromium/chromium"],
    )
    .unwrap_or_else(|| {
        panic!(
            "Chromium not found: install Debian's chromium and chromium-driver \
             (apt-get install -y chromium chromium-driver), or set CHROME_BIN. \
             Set WEFT_SKIP_BROWSER=1 to skip this test explicitly."
        )
    });

    let fail_all = weft_tests::component("fail-all"); // builds every plugin the demo needs
    let tmp = tempfile::tempdir().unwrap();
    let demo = Demo::start(tmp.path());
    let api = Api {
        http: reqwest::Client::new(),
        url: demo.url.clone(),
    };
    let (_driver, b) = browser(&driver, &chrome, &tmp.path().join("chrome-profile")).await;

    let outcome = scenario(&b, &api, fail_all).await;
    if outcome.is_err() {
        save_failure(&b).await;
    } else if let Some(path) = std::env::var_os("WEFT_BROWSER_SCREENSHOT") {
        let png = b.screenshot().await.expect("screenshot");
        std::fs::write(&path, png).expect("writing the screenshot");
    }
    let _ = b.close().await;
    if let Err(e) = outcome {
        panic!(
            "{e:#}\n--- weft demo's stderr, last lines ---\n{}",
            demo.log_tail()
        );
    }
}
