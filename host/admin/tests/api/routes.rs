//! Every route: 401 without the token (or with a wrong one), an answer with it; the OpenAPI
//! document lists exactly the served routes; the server stops when asked.

use weft_admin::{Route, served_routes};
use weft_engine::DeploymentKey;

use crate::support::{Rig, TOKEN, component};

enum Auth {
    Missing,
    Wrong,
    OtherScheme,
    Right,
}

async fn call(r: &Rig, route: Route, auth: Auth, parked_id: &str) -> reqwest::Response {
    let path = route
        .path
        .replace("{tenant}", "acme")
        .replace("{name}", "stock")
        .replace("{deployment}", "buffer")
        .replace("{id}", parked_id);
    let url = format!("{}{path}", r.url);
    let mut request = match route.method {
        "GET" => r.client.get(url),
        "POST" => r.client.post(url),
        other => panic!("unexpected method {other}"),
    };
    request = match route.path {
        "/api/replay" => request.json(&serde_json::json!({"all": true})),
        "/api/plugins/{tenant}/{deployment}" => request
            .query(&[("version", "9.9.9")])
            .body(component("safety_stock")),
        _ => request,
    };
    request = match auth {
        Auth::Missing => request,
        Auth::Wrong => request.bearer_auth(format!("{TOKEN}x")),
        Auth::OtherScheme => request.basic_auth("admin", Some(TOKEN)),
        Auth::Right => request.bearer_auth(TOKEN),
    };
    request.send().await.expect("request")
}

/// Rollback after push, drift after reconcile, replay after the record was inspected.
fn rank(route: &Route) -> u8 {
    match route.path {
        "/api/plugins/{tenant}/{deployment}/rollback" | "/api/replay" => 2,
        "/api/flows/{tenant}/{name}/drift" => 1,
        _ => 0,
    }
}

#[tokio::test]
async fn every_route_refuses_without_the_token_and_answers_with_it() {
    let r = Rig::new(&["OK-1", "BAD-1"]).await;
    r.run_flow().await;
    let parked = r.json(r.get("/api/parked"), 200).await;
    let id = parked["records"][0]["id"].as_str().unwrap().to_string();

    let routes = served_routes();
    assert!(routes.len() >= 14, "{routes:?}");
    for route in &routes {
        for auth in [Auth::Missing, Auth::Wrong, Auth::OtherScheme] {
            let response = call(&r, *route, auth, &id).await;
            assert_eq!(response.status().as_u16(), 401, "{route:?}");
            assert!(
                response
                    .headers()
                    .get("www-authenticate")
                    .is_some_and(|v| v.to_str().unwrap().starts_with("Bearer")),
                "{route:?}"
            );
            let body: serde_json::Value = response.json().await.unwrap();
            assert!(
                body["error"].as_str().unwrap().contains("bearer token"),
                "{body}"
            );
        }
    }
    let unknown = r
        .client
        .get(format!("{}/api/nothing", r.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        unknown.status().as_u16(),
        401,
        "unknown paths are behind the token too"
    );
    let key = DeploymentKey::new("acme", "buffer");
    assert_eq!(
        r.host.current(&key).unwrap().version,
        "1.0.0",
        "a push without the token changed nothing"
    );
    assert_eq!(
        r.target.counts().received,
        1,
        "a replay without the token sent nothing"
    );

    let mut ordered = routes.clone();
    ordered.sort_by_key(rank);
    for route in ordered {
        let response = call(&r, route, Auth::Right, &id).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, 200, "{route:?}: {text}");
    }
    let unknown = r.get("/api/nothing").send().await.unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("openapi.json"),
        "{body}"
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_served_route_and_only_those() {
    let r = Rig::new(&[]).await;
    let doc = r.json(r.get("/api/openapi.json"), 200).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let served = served_routes();
    for route in &served {
        let op = &doc["paths"][route.path][route.method.to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "{route:?} is served but not in openapi.json"
        );
        assert!(
            op["responses"]["401"].is_object(),
            "{route:?} does not document its 401"
        );
        for param in route.path.split('{').skip(1) {
            let name = param.split('}').next().unwrap();
            assert!(
                doc.to_string().contains(&format!("\"name\":\"{name}\"")),
                "{route:?}: path parameter {name} is not described"
            );
        }
    }
    let paths = doc["paths"].as_object().unwrap();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            assert!(
                served
                    .iter()
                    .any(|s| s.path == path && s.method.eq_ignore_ascii_case(method)),
                "openapi.json lists {method} {path}, which is not served"
            );
        }
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let r = Rig::new(&[]).await;
    let health = r.json(r.get("/api/health"), 200).await;
    assert_eq!(health["status"], "ok");
    let ready = r.json(r.get("/api/ready"), 200).await;
    assert_eq!(
        (
            ready["ready"].as_bool(),
            ready["flows"].as_u64(),
            ready["deployments"].as_u64()
        ),
        (Some(true), Some(1), Some(1))
    );
    r.ready.store(false, std::sync::atomic::Ordering::SeqCst);
    let starting = r.json(r.get("/api/ready"), 503).await;
    assert_eq!(starting["ready"], false, "{starting}");
}

#[tokio::test]
async fn the_server_stops_on_shutdown_and_refuses_an_empty_token() {
    let mut r = Rig::new(&[]).await;
    r.json(r.get("/api/health"), 200).await;
    r.handle.take().unwrap().shutdown().await.unwrap();
    let fresh = reqwest::Client::new();
    assert!(
        fresh
            .get(format!("{}/api/health", r.url))
            .send()
            .await
            .is_err(),
        "nothing listens after shutdown"
    );
    let state = weft_admin::AdminState::new(r.flows.clone(), r.host.clone(), "");
    let refused = weft_admin::serve("127.0.0.1:0".parse().unwrap(), state).await;
    assert!(matches!(refused, Err(weft_admin::AdminError::EmptyToken)));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let state = weft_admin::AdminState::new(r.flows.clone(), r.host.clone(), TOKEN);
    let clash = weft_admin::serve(taken.local_addr().unwrap(), state).await;
    assert!(
        matches!(&clash, Err(weft_admin::AdminError::Bind { .. })),
        "{:?}",
        clash.err()
    );
}
