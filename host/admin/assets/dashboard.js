// The Weft dashboard: reads the admin API's JSON with fetch and redraws every few seconds.
// No framework and no build step. The session cookie rides along on every request; changes
// (replay, rollback, release, run, reconcile) also send X-Weft-Dashboard: 1, which the API requires of
// cookie-authenticated changes. Everything put into HTML goes through esc().
"use strict";

const REFRESH_MS = 4000;
const DRIFT_EVERY_MS = 30000; // a drift report is re-read this often, or when its count changes
const PARKED_READ = 500; // parked records read per flow for the top reasons (the API's maximum)
const PARKED_LISTED = 15; // parked records listed per flow, each with a replay button
const REASONS_SHOWN = 5;
const WORST_SHOWN = 5; // worst SKUs shown per location
const ARM_MS = 6000; // how long a "Confirm: ..." button waits for its second click
const NOTICES_KEPT = 4;

const state = {
  nowMs: 0,
  flows: [],
  deployments: [],
  parked: new Map(), // flow id -> {total, records, error}
  drift: new Map(), // flow id -> {count, fetchedAt, rec, drifted, error}
  pending: new Set(), // keys of actions in flight
  armed: null, // {key, until}: a button waiting for its confirming click
  busy: false,
  again: false,
  leaving: false,
  views: new Map(), // tenant -> {flows, parked, drift, plugins} elements
};

const $ = (selector) => document.querySelector(selector);

function esc(value) {
  return String(value ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

const fmt = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : "—");
const clip = (text, n) => {
  const s = String(text ?? "");
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
};
const tenantOf = (id) => id.slice(0, id.indexOf("/"));
const nameOf = (id) => id.slice(id.indexOf("/") + 1);
const flowPath = (id) =>
  `${encodeURIComponent(tenantOf(id))}/${encodeURIComponent(nameOf(id))}`;

function lag(seconds) {
  if (seconds === null || seconds === undefined) return "never ran OK";
  if (seconds < 1) return "< 1 s";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

function when(ms) {
  if (!ms) return "—";
  const d = new Date(ms);
  return d.toDateString() === new Date().toDateString()
    ? d.toLocaleTimeString()
    : d.toLocaleString();
}

// ---------------------------------------------------------------- talking to the API

async function api(path, init = {}) {
  const options = {
    credentials: "same-origin",
    cache: "no-store",
    ...init,
    headers: { Accept: "application/json", ...(init.headers || {}) },
  };
  if (options.method && options.method !== "GET") options.headers["X-Weft-Dashboard"] = "1";
  const response = await fetch(path, options);
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (_) {
    body = { error: clip(text, 300) };
  }
  if (response.status === 401) {
    signedOut();
    throw Object.assign(new Error("signed out"), { status: 401 });
  }
  if (!response.ok) {
    const reasons =
      body && Array.isArray(body.reasons) && body.reasons.length
        ? ` (${body.reasons.join("; ")})`
        : "";
    const message = `${(body && body.error) || response.statusText}${reasons}`;
    throw Object.assign(new Error(message), { status: response.status, body });
  }
  return body;
}

// The session expired or the host's token changed: the page now answers with the sign-in form.
function signedOut() {
  if (state.leaving) return;
  state.leaving = true;
  window.location.reload();
}

async function loadParked(flow) {
  if (!flow.parked) {
    state.parked.delete(flow.id);
    return;
  }
  try {
    const page = await api(
      `/api/parked?flow=${encodeURIComponent(flow.id)}&limit=${PARKED_READ}`,
    );
    state.parked.set(flow.id, { total: page.total, records: page.records || [] });
  } catch (e) {
    if (e.status === 401) throw e;
    state.parked.set(flow.id, { total: flow.parked, records: [], error: e.message });
  }
}

async function loadDrift(flow) {
  if (flow.drift === null || flow.drift === undefined) {
    state.drift.delete(flow.id);
    return;
  }
  const had = state.drift.get(flow.id);
  if (had && had.count === flow.drift && Date.now() - had.fetchedAt < DRIFT_EVERY_MS) return;
  try {
    const d = await api(`/api/flows/${flowPath(flow.id)}/drift`);
    state.drift.set(flow.id, {
      count: flow.drift,
      fetchedAt: Date.now(),
      rec: d.reconciliation,
      drifted: d.drifted_keys,
    });
  } catch (e) {
    if (e.status === 401) throw e;
    if (e.status === 404) state.drift.delete(flow.id);
    else state.drift.set(flow.id, { count: flow.drift, fetchedAt: Date.now(), error: e.message });
  }
}

async function refresh() {
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  const updated = $("#updated");
  try {
    const [flows, plugins] = await Promise.all([api("/api/flows"), api("/api/plugins")]);
    state.nowMs = flows.now_ms;
    state.flows = flows.flows || [];
    state.deployments = plugins.deployments || [];
    await Promise.all(state.flows.map((f) => Promise.all([loadParked(f), loadDrift(f)])));
    render();
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    updated.classList.remove("bad");
  } catch (e) {
    if (e.status !== 401) {
      updated.textContent = `refresh failed: ${e.message}`;
      updated.classList.add("bad");
    }
  } finally {
    state.busy = false;
  }
  if (state.again) {
    state.again = false;
    await refresh();
  }
}

// ---------------------------------------------------------------- drawing

function setHtml(element, html) {
  if (element.__html !== html) {
    element.__html = html;
    element.innerHTML = html;
  }
}

function tenants() {
  const names = new Set(state.flows.map((f) => tenantOf(f.id)));
  for (const d of state.deployments) names.add(d.tenant);
  return [...names].sort();
}

function render() {
  const main = $("#tenants");
  const names = tenants();
  if (!names.length) {
    delete main.dataset.tenants;
    state.views.clear();
    setHtml(main, `<p class="muted">This host has no flows and no plugin deployments.</p>`);
    return;
  }
  const skeleton = names.join("\n");
  if (main.dataset.tenants !== skeleton) {
    main.dataset.tenants = skeleton;
    main.__html = undefined;
    main.textContent = "";
    state.views.clear();
    for (const tenant of names) {
      const section = document.createElement("section");
      section.className = "tenant";
      section.dataset.tenant = tenant;
      const heading = document.createElement("h2");
      heading.textContent = `Tenant ${tenant}`;
      section.append(heading);
      const parts = {};
      for (const part of ["flows", "parked", "drift", "plugins"]) {
        const div = document.createElement("div");
        div.className = `part part-${part}`;
        section.append(div);
        parts[part] = div;
      }
      main.append(section);
      state.views.set(tenant, parts);
    }
  }
  for (const tenant of names) {
    const parts = state.views.get(tenant);
    const flows = state.flows.filter((f) => tenantOf(f.id) === tenant);
    setHtml(parts.flows, flowsHtml(flows));
    setHtml(parts.parked, parkedHtml(flows));
    setHtml(parts.drift, driftHtml(flows));
    setHtml(parts.plugins, pluginsHtml(state.deployments.filter((d) => d.tenant === tenant)));
  }
}

// A button that performs `action`; with opts.confirm it needs a second click within ARM_MS.
function button(action, key, label, data, opts = {}) {
  const full = `${action}:${key}`;
  const armed =
    opts.confirm && state.armed && state.armed.key === full && state.armed.until > Date.now();
  const attrs = Object.entries(data)
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join("");
  const disabled = state.pending.has(full) ? " disabled" : "";
  return (
    `<button type="button" data-action="${esc(action)}" data-key="${esc(full)}"${attrs}` +
    `${opts.confirm ? ' data-confirm="1"' : ""}${armed ? ' class="armed"' : ""}${disabled}>` +
    `${esc(armed ? opts.confirm : label)}</button>`
  );
}

function light(flow) {
  if ((flow.quarantined || []).length) return ["failing", "plugin quarantined"];
  if (flow.state === "failing") return ["failing", "failing"];
  if (flow.parked > 0) return ["parked", `${fmt(flow.parked)} parked`];
  return ["ok", flow.state === "running" ? "ok (running)" : "ok"];
}

function flowsHtml(flows) {
  if (!flows.length) return `<h3>Flows</h3><p class="muted">No flows.</p>`;
  const rows = flows
    .map((f) => {
      const [status, label] = light(f);
      const since = f.since_start || {};
      const totals = f.totals || {};
      const error = f.last_error
        ? `<div class="error-text" title="${esc(f.last_error)}">last error: ${esc(clip(f.last_error, 200))}</div>`
        : "";
      const parked = f.parked
        ? `<a href="#parked-${esc(f.id)}">${fmt(f.parked)}</a>`
        : "0";
      return (
        `<tr data-flow="${esc(f.id)}" data-status="${status}">` +
        `<td class="status"><span class="light ${status}"></span> ${esc(label)}</td>` +
        `<td><b>${esc(nameOf(f.id))}</b><div class="muted small">${esc(f.source)} → ${esc(f.target)}</div>${error}</td>` +
        `<td class="num">${esc(lag(f.lag_seconds))}</td>` +
        `<td class="num">${fmt(since.written)}</td>` +
        `<td class="num">${fmt(totals.written)}</td>` +
        `<td class="num">${parked}</td>` +
        `<td class="num">${f.drift === null || f.drift === undefined ? "—" : fmt(f.drift)}</td>` +
        `<td class="actions">${button("run", f.id, "Run now", { flow: f.id })} ` +
        `${button("reconcile", f.id, "Reconcile", { flow: f.id })}</td></tr>`
      );
    })
    .join("");
  return (
    `<h3>Flows</h3><table class="flows"><thead><tr><th>Status</th><th>Flow</th>` +
    `<th class="num" title="Since the last successful run">Lag</th>` +
    `<th class="num" title="Records written by this host process since it started">Written since start</th>` +
    `<th class="num" title="Records written by completed runs since the store was created">Total</th>` +
    `<th class="num">Parked</th><th class="num" title="Keys that differed at the latest reconciliation">Drift</th>` +
    `<th></th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

// Parked records grouped by error class, HTTP status and message with numbers ignored.
function topReasons(records) {
  const groups = new Map();
  for (const r of records) {
    const e = r.error || {};
    const message = e.message || "(no message)";
    const key = `${e.class}|${e.http_status ?? ""}|${message.replace(/\d+/g, "#")}`;
    const group = groups.get(key) || { cls: e.class, http: e.http_status, example: message, count: 0 };
    group.count += 1;
    groups.set(key, group);
  }
  return [...groups.values()]
    .sort((a, b) => b.count - a.count || a.example.localeCompare(b.example))
    .slice(0, REASONS_SHOWN);
}

function parkedHtml(flows) {
  const blocks = flows
    .filter((f) => f.parked > 0)
    .map((f) => {
      const p = state.parked.get(f.id) || { total: f.parked, records: [] };
      const total = p.total ?? f.parked;
      const reasons = topReasons(p.records)
        .map(
          (r) =>
            `<li><b>${fmt(r.count)}×</b> <span class="class">${esc(r.cls)}</span>` +
            `${r.http ? ` <span class="muted">HTTP ${esc(r.http)}</span>` : ""} ${esc(clip(r.example, 200))}</li>`,
        )
        .join("");
      const basis =
        p.records.length < total
          ? `<p class="muted small">Reasons from the first ${fmt(p.records.length)} of ${fmt(total)} parked records.</p>`
          : "";
      const failed = p.error ? `<p class="error-text">Could not read them: ${esc(p.error)}</p>` : "";
      const rows = p.records
        .slice(0, PARKED_LISTED)
        .map((r) => {
          const e = r.error || {};
          return (
            `<tr data-parked-id="${esc(r.id)}">` +
            `<td class="mono">${esc(r.key)}</td>` +
            `<td><span class="class">${esc(e.class)}</span>${e.http_status ? ` <span class="muted">HTTP ${esc(e.http_status)}</span>` : ""}</td>` +
            `<td title="${esc(e.message)}">${esc(clip(e.message, 160))}</td>` +
            `<td class="num">${fmt(r.attempts)}</td>` +
            `<td class="num">${esc(when(r.last_failed_ms))}</td>` +
            `<td class="actions">${button("replay", r.id, "Replay", { id: r.id })}</td></tr>`
          );
        })
        .join("");
      const more =
        total > PARKED_LISTED
          ? `<p class="muted small">Listing ${fmt(Math.min(PARKED_LISTED, p.records.length))} of ${fmt(total)}; ` +
            `<code>weft parked --flow ${esc(f.id)}</code> or <code>GET /api/parked?flow=${esc(f.id)}</code> has them all.</p>`
          : "";
      return (
        `<div class="parked-flow" id="parked-${esc(f.id)}" data-parked-flow="${esc(f.id)}">` +
        `<h4>${esc(f.id)}: ${fmt(total)} parked ` +
        `${button("replay-flow", f.id, `Replay all ${fmt(total)}`, { flow: f.id }, { confirm: `Confirm: replay all ${fmt(total)}` })}</h4>` +
        `${failed}<p class="small"><b>Top reasons</b></p><ol class="reasons">${reasons}</ol>${basis}` +
        `<table class="parked"><thead><tr><th>Key</th><th>Class</th><th>Error</th><th class="num">Attempts</th>` +
        `<th class="num">Last failed</th><th></th></tr></thead><tbody>${rows}</tbody></table>${more}</div>`
      );
    });
  return `<h3>Parked records</h3>${blocks.length ? blocks.join("") : `<p class="muted">Nothing parked.</p>`}`;
}

// Drifted keys of a report, grouped by location (`sku@location` keys; other keys under "all"),
// worst first: missing on one side, then by the largest difference.
function worstByLocation(report) {
  const byLocation = new Map();
  const severity = (item) =>
    item.kind !== "different" ? Infinity : typeof item.delta === "number" ? Math.abs(item.delta) : 0;
  const add = (key, item) => {
    const at = key.lastIndexOf("@");
    const location = at > 0 ? key.slice(at + 1) : "all";
    item.sku = at > 0 ? key.slice(0, at) : key;
    if (!byLocation.has(location)) byLocation.set(location, new Map());
    const skus = byLocation.get(location);
    const before = skus.get(item.sku);
    if (!before || severity(item) > severity(before)) skus.set(item.sku, item);
  };
  for (const key of report.missing_in_target || []) add(key, { kind: "missing in target" });
  for (const key of report.missing_in_source || []) add(key, { kind: "missing in source" });
  for (const d of report.different || []) {
    add(d.key, { kind: "different", field: d.field, source: d.source, target: d.target, delta: d.delta });
  }
  const out = [];
  for (const [location, skus] of byLocation) {
    const items = [...skus.values()].sort(
      (a, b) => severity(b) - severity(a) || a.sku.localeCompare(b.sku),
    );
    out.push([location, items]);
  }
  return out.sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
}

function short(value) {
  return clip(typeof value === "string" ? value : JSON.stringify(value), 24);
}

function driftItemHtml(item) {
  if (item.kind !== "different") {
    return `<span class="sku"><b>${esc(item.sku)}</b> <span class="muted">${esc(item.kind)}</span></span>`;
  }
  if (item.field === "*") {
    return `<span class="sku"><b>${esc(item.sku)}</b> <span class="muted">differs</span></span>`;
  }
  const delta =
    typeof item.delta === "number" ? ` (${item.delta > 0 ? "+" : ""}${fmt(item.delta)})` : "";
  return (
    `<span class="sku" title="${esc(item.field)}: source ${esc(short(item.source))}, target ${esc(short(item.target))}">` +
    `<b>${esc(item.sku)}</b> ${esc(item.field)} ${esc(short(item.source))} → ${esc(short(item.target))}${delta}</span>`
  );
}

function driftHtml(flows) {
  const blocks = flows
    .filter((f) => state.drift.has(f.id))
    .map((f) => {
      const d = state.drift.get(f.id);
      if (d.error) {
        return `<div class="drift-flow"><h4>${esc(f.id)}</h4><p class="error-text">Could not read the report: ${esc(d.error)}</p></div>`;
      }
      const rec = d.rec || {};
      const report = rec.report || {};
      const c = report.counts || {};
      const totals = Object.entries(report.totals || {})
        .map(([field, t]) => `; ${esc(field)} in total: source ${fmt(t.source)}, target ${fmt(t.target)}`)
        .join("");
      const locations = worstByLocation(report);
      const table = locations.length
        ? `<table class="drift"><thead><tr><th>Location</th><th class="num">Drifted SKUs</th><th>Worst</th></tr></thead><tbody>` +
          locations
            .map(
              ([location, items]) =>
                `<tr data-location="${esc(location)}"><td>${esc(location)}</td><td class="num">${fmt(items.length)}</td>` +
                `<td>${items.slice(0, WORST_SHOWN).map(driftItemHtml).join("; ")}${items.length > WORST_SHOWN ? "; …" : ""}</td></tr>`,
            )
            .join("") +
          `</tbody></table>`
        : `<p class="ok-text">No drift: both sides agree.</p>`;
      return (
        `<div class="drift-flow" data-drift-flow="${esc(f.id)}">` +
        `<h4>${esc(f.id)}: ${fmt(d.drifted)} drifted key(s), reconciled ${esc(when(rec.at_ms))}</h4>` +
        `<p class="muted small">${fmt(c.keys)} keys compared: ${fmt(c.missing_in_target)} missing in the target, ` +
        `${fmt(c.missing_in_source)} missing in the source, ${fmt(c.different)} different` +
        `${rec.healed ? `; ${fmt(rec.healed)} healed` : ""}${totals}</p>${table}` +
        `${rec.summary ? `<details><summary>Full summary</summary><pre>${esc(rec.summary)}</pre></details>` : ""}</div>`
      );
    });
  const never = flows.filter((f) => !state.drift.has(f.id)).map((f) => esc(nameOf(f.id)));
  const pending = never.length
    ? `<p class="muted small">Not reconciled yet: ${never.join(", ")}. Reconcile compares both sides now.</p>`
    : "";
  return `<h3>Drift (latest reconciliation)</h3>${blocks.join("")}${pending}`;
}

function pluginsHtml(deployments) {
  if (!deployments.length) return `<h3>Plugins</h3><p class="muted">No deployments.</p>`;
  const rows = deployments
    .slice()
    .sort((a, b) => a.deployment.localeCompare(b.deployment))
    .map((d) => {
      const id = `${d.tenant}/${d.deployment}`;
      const versions = d.versions || [];
      const previous = versions.length > 1 ? versions[versions.length - 2] : null;
      const history = versions
        .map((v) => `<span class="version">${esc(v.name)} ${esc(v.version)}</span>`)
        .join(" → ");
      const action = previous
        ? button(
            "rollback",
            id,
            `Roll back to ${previous.name} ${previous.version}`,
            { tenant: d.tenant, deployment: d.deployment },
            { confirm: `Confirm: roll back to ${previous.name} ${previous.version}` },
          )
        : `<button type="button" disabled title="No earlier version in this host process">Roll back</button>`;
      const q = d.quarantined;
      const quarantine = q
        ? `<div class="error-text quarantined" title="${esc(q.last_error)}">quarantined after ${fmt(q.failures)} failed calls in a row: ${esc(clip(q.last_error, 160))}</div>`
        : "";
      const release = q
        ? ` ${button("release", id, "Release", { tenant: d.tenant, deployment: d.deployment }, { confirm: "Confirm: run this version again" })}`
        : "";
      return (
        `<tr data-deployment="${esc(id)}"${q ? ' data-quarantined="1"' : ""}><td><b>${esc(d.deployment)}</b></td>` +
        `<td class="current-version">${esc(d.current.name)} <b>${esc(d.current.version)}</b>${quarantine}</td>` +
        `<td class="small">${history}</td><td class="actions">${action}${release}</td></tr>`
      );
    })
    .join("");
  return (
    `<h3>Plugins</h3><table class="plugins"><thead><tr><th>Deployment</th><th>Running</th>` +
    `<th>Versions (oldest first)</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

// ---------------------------------------------------------------- actions

// The outcome of an action, newest first; the last few stay visible.
function notice(text, tone) {
  const box = $("#notice");
  const line = document.createElement("p");
  line.className = tone;
  line.textContent = `${new Date().toLocaleTimeString()}: ${text}`;
  box.prepend(line);
  while (box.children.length > NOTICES_KEPT) box.lastElementChild.remove();
  box.hidden = false;
}

function replaySummary(r) {
  if (!r.matched) return "nothing matched (already replayed or purged?)";
  const parts = [`${fmt(r.confirmed)} confirmed`, `${fmt(r.parked_again)} parked again`];
  if (r.waiting) parts.push(`${fmt(r.waiting)} waiting`);
  if (r.discarded) parts.push(`${fmt(r.discarded)} discarded`);
  if (r.orphaned) parts.push(`${fmt(r.orphaned)} orphaned`);
  return parts.join(", ");
}

const post = (path, body) =>
  api(path, {
    method: "POST",
    ...(body === undefined
      ? {}
      : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
  });

async function perform(action, key, data) {
  state.pending.add(key);
  render();
  try {
    let message;
    let tone = "ok";
    if (action === "replay" || action === "replay-flow") {
      const r = await post("/api/replay", action === "replay" ? { id: data.id } : { flow: data.flow });
      message = `Replayed ${action === "replay" ? `record ${data.id}` : `${data.flow}`}: ${replaySummary(r)}.`;
      if (!r.matched || r.parked_again || r.orphaned) tone = "warn";
    } else if (action === "rollback") {
      const r = await post(
        `/api/plugins/${encodeURIComponent(data.tenant)}/${encodeURIComponent(data.deployment)}/rollback`,
      );
      message = `${r.deployment} now runs ${r.current.name} ${r.current.version}.`;
    } else if (action === "release") {
      const r = await post(
        `/api/plugins/${encodeURIComponent(data.tenant)}/${encodeURIComponent(data.deployment)}/release`,
      );
      message = r.released
        ? `${r.deployment} is back in service.`
        : `${r.deployment} was not quarantined.`;
    } else if (action === "run") {
      await post(`/api/flows/${flowPath(data.flow)}/run?wait=false`);
      message = `Started a run of ${data.flow}.`;
    } else if (action === "reconcile") {
      notice(`Reconciling ${data.flow}: reading both sides…`, "info");
      const r = await post(`/api/flows/${flowPath(data.flow)}/reconcile`);
      state.drift.delete(data.flow);
      message = r.clean
        ? `${data.flow}: both sides agree.`
        : `${data.flow}: drift found; see the report below.`;
      if (!r.clean) tone = "warn";
    } else {
      return;
    }
    notice(message, tone);
  } catch (e) {
    if (e.status !== 401) notice(`${action} failed: ${e.message}`, "bad");
  } finally {
    state.pending.delete(key);
    await refresh();
    render();
  }
}

document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const btn = target && target.closest("button[data-action]");
  if (!btn || btn.disabled) return;
  const data = { ...btn.dataset };
  if (data.confirm) {
    const armed = state.armed && state.armed.key === data.key && state.armed.until > Date.now();
    if (!armed) {
      state.armed = { key: data.key, until: Date.now() + ARM_MS };
      render();
      setTimeout(render, ARM_MS + 50);
      return;
    }
    state.armed = null;
  }
  perform(data.action, data.key, data);
});

$("#refresh").addEventListener("click", () => refresh());
$("#logout").addEventListener("click", async () => {
  try {
    await api("/dashboard/logout", { method: "POST" });
  } finally {
    state.leaving = true;
    window.location.assign("/dashboard");
  }
});
setInterval(() => {
  if ($("#auto").checked && !document.hidden) refresh();
}, REFRESH_MS);
refresh();
