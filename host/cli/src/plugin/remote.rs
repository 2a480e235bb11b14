//! `weft plugin push | list | rollback`: the plugin verbs that act on a running host, through
//! its admin API (`[admin]` in the host's weft.toml).
//!
//! The token is read from an environment variable named on the command line, never taken as a
//! flag value, so it does not land in shell history or `ps`. These verbs do not validate a
//! component themselves: the host does (`weft plugin check` runs the same checks locally).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use serde_json::Value;

/// How to reach the admin API.
#[derive(Args, Clone)]
pub struct AdminArgs {
    /// Base URL of the host's admin API.
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    admin: String,
    /// Environment variable holding the admin token.
    #[arg(long, default_value = "WEFT_ADMIN_TOKEN")]
    token_env: String,
    /// Print the API's JSON answer.
    #[arg(long)]
    json: bool,
}

/// `weft plugin push`.
#[derive(Args)]
pub struct PushArgs {
    /// The component (.wasm).
    file: PathBuf,
    /// The tenant.
    #[arg(long)]
    tenant: String,
    /// The deployment within the tenant.
    #[arg(long)]
    deployment: String,
    /// Version label (default: sha256- and 12 hex digits of the file).
    #[arg(long)]
    version: Option<String>,
    /// Plugin name (default: the deployment's current plugin).
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    api: AdminArgs,
}

/// `weft plugin rollback`.
#[derive(Args)]
pub struct RollbackArgs {
    /// The tenant.
    #[arg(long)]
    tenant: String,
    /// The deployment within the tenant.
    #[arg(long)]
    deployment: String,
    #[command(flatten)]
    api: AdminArgs,
}

impl AdminArgs {
    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> anyhow::Result<reqwest::RequestBuilder> {
        let token = std::env::var(&self.token_env).map_err(|_| {
            anyhow::anyhow!(
                "set {} to the admin token (the [admin] token of the host's weft.toml), or name another variable with --token-env",
                self.token_env
            )
        })?;
        let url = format!("{}{path}", self.admin.trim_end_matches('/'));
        Ok(reqwest::Client::new()
            .request(method, url)
            .bearer_auth(token))
    }
}

/// Send, and split the answer into success JSON or a refusal (422) to print; any other failure
/// is an error naming the status and the API's message.
async fn send(
    api: &AdminArgs,
    request: reqwest::RequestBuilder,
) -> anyhow::Result<Result<Value, Value>> {
    let response = request.send().await.with_context(|| {
        format!(
            "reaching the admin API at {}; is `weft run` serving [admin] there?",
            api.admin
        )
    })?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(Ok(body));
    }
    if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
        return Ok(Err(body));
    }
    let message = body["error"].as_str().unwrap_or("no error message");
    anyhow::bail!("admin API answered {status}: {message}")
}

fn id(v: &Value) -> String {
    format!(
        "{}@{}",
        v["name"].as_str().unwrap_or("?"),
        v["version"].as_str().unwrap_or("?")
    )
}

pub async fn push(args: PushArgs) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let mut query = Vec::new();
    if let Some(v) = &args.version {
        query.push(("version", v.as_str()));
    }
    if let Some(n) = &args.name {
        query.push(("name", n.as_str()));
    }
    let path = format!("/api/plugins/{}/{}", args.tenant, args.deployment);
    let request = args
        .api
        .request(reqwest::Method::POST, &path)?
        .query(&query)
        .header("content-type", "application/wasm")
        .body(bytes);
    match send(&args.api, request).await? {
        Ok(v) if args.api.json => println!("{}", serde_json::to_string_pretty(&v)?),
        Ok(v) => {
            let previous = if v["previous"].is_null() {
                "nothing".into()
            } else {
                id(&v["previous"])
            };
            println!(
                "{}: {} -> {} (hot-swapped; calls in flight finish on the old version)",
                v["deployment"].as_str().unwrap_or("?"),
                previous,
                id(&v["current"])
            );
        }
        Err(refusal) => {
            if args.api.json {
                println!("{}", serde_json::to_string_pretty(&refusal)?);
            } else {
                eprintln!("refused: {}", refusal["error"].as_str().unwrap_or("?"));
                for reason in refusal["reasons"].as_array().into_iter().flatten() {
                    eprintln!("  - {}", reason.as_str().unwrap_or("?"));
                }
                eprintln!("the running version is unchanged");
            }
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn list(api: AdminArgs) -> anyhow::Result<ExitCode> {
    let request = api.request(reqwest::Method::GET, "/api/plugins")?;
    let v = send(&api, request)
        .await?
        .map_err(|r| anyhow::anyhow!("{r}"))?;
    if api.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<32} {:<32} history (oldest first)",
        "deployment", "current"
    );
    for d in v["deployments"].as_array().into_iter().flatten() {
        let history: Vec<String> = d["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(id)
            .collect();
        println!(
            "{:<32} {:<32} {}",
            format!(
                "{}/{}",
                d["tenant"].as_str().unwrap_or("?"),
                d["deployment"].as_str().unwrap_or("?")
            ),
            id(&d["current"]),
            history.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn rollback(args: RollbackArgs) -> anyhow::Result<ExitCode> {
    let path = format!("/api/plugins/{}/{}/rollback", args.tenant, args.deployment);
    let request = args.api.request(reqwest::Method::POST, &path)?;
    let v = send(&args.api, request)
        .await?
        .map_err(|r| anyhow::anyhow!("{r}"))?;
    if args.api.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "{}: back on {}",
            v["deployment"].as_str().unwrap_or("?"),
            id(&v["current"])
        );
    }
    Ok(ExitCode::SUCCESS)
}
