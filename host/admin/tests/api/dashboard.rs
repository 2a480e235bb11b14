//! The dashboard's routes: the page and its assets behind the token, the sign-in form a browser
//! gets instead of JSON, the session cookie that signing in sets (HttpOnly, SameSite=Strict,
//! derived from the token, never the token), what that cookie opens, and the check that a
//! cookie-authenticated change comes from the page.

use reqwest::header::{self, HeaderMap};

use crate::support::{Rig, TOKEN};

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
        .to_str()
        .unwrap()
}

/// Sign in with `token` through the form; the response, unread.
async fn sign_in(r: &Rig, token: &str) -> reqwest::Response {
    no_redirects()
        .post(format!("{}/dashboard/login", r.url))
        .header(header::ACCEPT, "text/html")
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
}

/// Sign in with the right token and return the `name=value` of the session cookie.
async fn session_cookie(r: &Rig) -> String {
    let response = sign_in(r, TOKEN).await;
    assert_eq!(response.status().as_u16(), 303);
    let set = header(response.headers(), "set-cookie");
    set.split(';').next().unwrap().trim().to_string()
}

#[tokio::test]
async fn the_page_and_its_assets_answer_with_the_token() {
    let r = Rig::new(&[]).await;
    for (path, kind, needle) in [
        ("/dashboard", "text/html", "/dashboard/app.js"),
        ("/dashboard/app.js", "text/javascript", "/api/flows"),
        ("/dashboard/app.css", "text/css", ".light"),
    ] {
        let response = r.get(path).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let headers = response.headers().clone();
        assert!(header(&headers, "content-type").starts_with(kind), "{path}");
        assert_eq!(header(&headers, "cache-control"), "no-store", "{path}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        let csp = header(&headers, "content-security-policy");
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        let body = response.text().await.unwrap();
        assert!(body.contains(needle), "{path} lacks {needle}");
    }
    // `/` leads to the page.
    let root = no_redirects()
        .get(format!("{}/", r.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(root.status().as_u16(), 303);
    assert_eq!(header(root.headers(), "location"), "/dashboard");
}

#[tokio::test]
async fn a_browser_without_credentials_gets_the_sign_in_form_and_tools_get_json() {
    let r = Rig::new(&[]).await;
    for path in ["/", "/dashboard", "/dashboard/app.js", "/nothing"] {
        let page = r
            .client
            .get(format!("{}{path}", r.url))
            .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 401, "{path}");
        assert!(header(page.headers(), "www-authenticate").starts_with("Bearer"));
        assert!(header(page.headers(), "content-type").starts_with("text/html"));
        let html = page.text().await.unwrap();
        assert!(
            html.contains("action=\"/dashboard/login\"") && html.contains("name=\"token\""),
            "{path}: {html}"
        );
        assert!(
            !html.contains("app.js"),
            "the sign-in form does not load the dashboard"
        );
    }
    // The API stays JSON even for a browser; tools without Accept: text/html get JSON anywhere.
    let api = r
        .client
        .get(format!("{}/api/flows", r.url))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 401);
    let body: serde_json::Value = api.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("bearer token"));
    let page = r
        .client
        .get(format!("{}/dashboard", r.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 401);
    let body: serde_json::Value = page.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("bearer token"));
}

#[tokio::test]
async fn signing_in_with_a_wrong_token_sets_no_cookie() {
    let r = Rig::new(&[]).await;
    for wrong in ["", "nope", &format!("{TOKEN}x"), &TOKEN[1..]] {
        let response = sign_in(&r, wrong).await;
        assert_eq!(response.status().as_u16(), 401, "{wrong:?}");
        assert!(response.headers().get("set-cookie").is_none());
        let html = response.text().await.unwrap();
        assert!(html.contains("not the admin token"), "{html}");
    }
    // No form and no header: the same JSON 401 as every route.
    let bare = no_redirects()
        .post(format!("{}/dashboard/login", r.url))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status().as_u16(), 401);
    assert!(bare.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_session_cookie_that_opens_every_route() {
    let r = Rig::new(&["OK-1", "BAD-1"]).await;
    r.run_flow().await;
    let response = sign_in(&r, TOKEN).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(header(response.headers(), "location"), "/dashboard");
    let set = header(response.headers(), "set-cookie").to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(attribute), "{set} lacks {attribute}");
    }
    assert!(!set.contains(TOKEN), "the cookie must not carry the token");
    let cookie = set.split(';').next().unwrap().to_string();

    let client = no_redirects();
    for path in [
        "/dashboard",
        "/dashboard/app.js",
        "/api/flows",
        "/api/parked",
        "/api/plugins",
        "/metrics",
    ] {
        let response = client
            .get(format!("{}{path}", r.url))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path} with the cookie");
    }
    // A tampered cookie opens nothing.
    let mut forged = cookie.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'a' { b'b' } else { b'a' };
    let forged = String::from_utf8(forged).unwrap();
    let response = client
        .get(format!("{}/api/flows", r.url))
        .header(header::COOKIE, forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);

    // The form also accepts the bearer header in place of the field.
    let response = client
        .post(format!("{}/dashboard/login", r.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);

    // Plain HTTP gets a cookie without Secure (the browser would drop it); behind a TLS proxy
    // the cookie is Secure.
    assert!(!set.contains("Secure"), "{set}");
    let response = client
        .post(format!("{}/dashboard/login", r.url))
        .header("x-forwarded-proto", "https")
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert!(header(response.headers(), "set-cookie").ends_with("; Secure"));
}

#[tokio::test]
async fn a_change_by_cookie_must_come_from_the_page() {
    let r = Rig::new(&["OK-1", "BAD-1"]).await;
    r.run_flow().await;
    let parked = r.json(r.get("/api/parked"), 200).await;
    let id = parked["records"][0]["id"].as_str().unwrap().to_string();
    let cookie = session_cookie(&r).await;
    let client = no_redirects();
    let replay = |extra: &[(&'static str, &'static str)]| {
        let mut request = client
            .post(format!("{}/api/replay", r.url))
            .header(header::COOKIE, &cookie)
            .json(&serde_json::json!({ "id": id }));
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        request.send()
    };

    // A form or script on another site cannot add the header; a same-site page is refused too.
    for extra in [
        &[][..],
        &[("x-weft-dashboard", "0")][..],
        &[("x-weft-dashboard", "1"), ("sec-fetch-site", "cross-site")][..],
        &[("x-weft-dashboard", "1"), ("sec-fetch-site", "same-site")][..],
    ] {
        let response = replay(extra).await.unwrap();
        assert_eq!(response.status().as_u16(), 403, "{extra:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("X-Weft-Dashboard"),
            "{body}"
        );
    }
    assert_eq!(
        r.json(r.get("/api/parked"), 200).await["total"],
        1,
        "nothing was replayed"
    );

    // From the page, with the flow fixed: replayed and confirmed.
    r.broken.store(false, std::sync::atomic::Ordering::SeqCst);
    let response = replay(&[("x-weft-dashboard", "1"), ("sec-fetch-site", "same-origin")])
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let report: serde_json::Value = response.json().await.unwrap();
    assert_eq!(report["confirmed"], 1, "{report}");
    r.json(r.get(&format!("/api/parked/{id}")), 404).await;

    // Signing out clears the cookie (the browser forgets it; the value itself expires).
    let response = client
        .post(format!("{}/dashboard/logout", r.url))
        .header(header::COOKIE, &cookie)
        .header("x-weft-dashboard", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let set = header(response.headers(), "set-cookie");
    assert!(
        set.starts_with("weft_session=;") && set.contains("Max-Age=0"),
        "{set}"
    );
}

#[tokio::test]
async fn a_session_of_another_host_token_opens_nothing() {
    let a = Rig::new(&[]).await;
    let cookie = session_cookie(&a).await;
    // Same token, same cookie: accepted by a second host with that token.
    let b = Rig::new(&[]).await;
    let ok = b
        .client
        .get(format!("{}/api/flows", b.url))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    // A host with another token refuses it.
    let state = weft_admin::AdminState::new(
        b.flows.clone(),
        b.host.clone(),
        "another-admin-token-987654321",
    );
    let other = weft_admin::serve("127.0.0.1:0".parse().unwrap(), state)
        .await
        .unwrap();
    let refused = b
        .client
        .get(format!("{}/api/flows", other.url()))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
}
