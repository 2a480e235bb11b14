//! `weft sandbox`: a simulator started from the command line prints its URL and answers a
//! request with the fixed `sandbox` token at once; `--strict-auth` refuses that token.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// The child, and its stdout kept open so its later lines have a reader.
struct Killed(
    Child,
    #[allow(dead_code)] std::io::Lines<BufReader<std::process::ChildStdout>>,
);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start a sandbox and return it with the URL printed on the line starting with `label`.
fn sandbox(args: &[&str], label: &str) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("sandbox")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("sandbox printed its URLs").unwrap();
        if let Some(rest) = line.trim().strip_prefix(label) {
            break rest.trim().to_string();
        }
    };
    (Killed(child, lines), url)
}

fn post(url: &str, headers: &[(&str, &str)], body: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = TcpStream::connect(host).unwrap();
    let mut req = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

const QUERY: &str = r#"{"query":"{ shop { name } }"}"#;

#[test]
fn a_shopify_sandbox_answers_the_sandbox_token_at_once() {
    let (_sim, url) = sandbox(&["shopify"], "GraphQL:");
    let answer = post(&url, &[("X-Shopify-Access-Token", "sandbox")], QUERY);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""shop":{"name""#), "{answer}");
}

#[test]
fn strict_auth_refuses_the_sandbox_token() {
    let (_sim, url) = sandbox(&["shopify", "--strict-auth"], "GraphQL:");
    let answer = post(&url, &[("X-Shopify-Access-Token", "sandbox")], QUERY);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}
