// The analysts' pages of `duanka serve`: one script over the JSON API, pages by the
// URL's hash. Every value from the server goes into the page as text (never as HTML),
// identities arrive masked, and a change sends the session's CSRF token.
"use strict";

const state = { me: null, csrf: null, queue: null };

// Script errors and refused loads are kept where a test (or a person at the console) can
// read them: a page that breaks must not break silently.
window.duankaErrors = [];
window.addEventListener("error", (e) => window.duankaErrors.push(String(e.message || e)));
window.addEventListener("unhandledrejection", (e) => window.duankaErrors.push(String(e.reason)));
document.addEventListener("securitypolicyviolation", (e) => window.duankaErrors.push(`CSP refused ${e.blockedURI} (${e.violatedDirective})`));

// ---- DOM and API -----------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const main = () => document.getElementById("main");

function toast(message) {
  const box = document.getElementById("toast");
  const item = h("div", { text: message });
  box.append(item);
  // The newest three only: they must not cover the page they report on.
  while (box.children.length > 3) box.firstChild.remove();
  setTimeout(() => item.remove(), 3000);
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = { message: text }; }
  if (res.status === 401 && path !== "/api/login") {
    state.me = null;
    showSignIn();
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const when = (t) => (t ? new Date(t * 1000).toISOString().replace("T", " ").slice(0, 16) : "–");
const sev = (s) => h("span", { class: `sev sev-${s}`, text: s });
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const can = (...roles) => state.me && roles.includes(state.me.role);

// ---- dialog: one modal for every question the pages ask ------------------------------

function ask(title, fields) {
  const dialog = document.getElementById("dialog");
  document.getElementById("dialog-title").textContent = title;
  const body = document.getElementById("dialog-body");
  body.replaceChildren();
  const inputs = {};
  for (const f of fields) {
    let input;
    if (f.options) {
      input = h("select", { name: f.name, "aria-label": f.label },
        f.options.map(([v, t]) => h("option", { value: v, text: t })));
    } else if (f.long) {
      input = h("textarea", { name: f.name, rows: 3, "aria-label": f.label, required: f.required });
    } else {
      input = h("input", { name: f.name, type: f.type || "text", "aria-label": f.label,
        required: f.required, value: f.value, min: f.min, max: f.max });
    }
    inputs[f.name] = input;
    body.append(h("label", {}, f.label, input));
  }
  return new Promise((resolve) => {
    const form = document.getElementById("dialog-form");
    const done = (ok) => {
      form.onsubmit = null;
      document.getElementById("dialog-cancel").onclick = null;
      dialog.close();
      resolve(ok ? Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value])) : null);
    };
    form.onsubmit = (e) => { e.preventDefault(); if (form.reportValidity()) done(true); };
    document.getElementById("dialog-cancel").onclick = () => done(false);
    dialog.oncancel = () => done(false);
    dialog.showModal();
    const first = body.querySelector("input, select, textarea");
    if (first) first.focus();
  });
}

// ---- sign-in and the header ----------------------------------------------------------

function showSignIn(message) {
  document.getElementById("top").hidden = true;
  const error = h("p", { class: "error", role: "alert", text: message || "" });
  const name = h("input", { id: "signin-name", name: "name", autocomplete: "username", required: true });
  const password = h("input", { id: "signin-password", name: "password", type: "password",
    autocomplete: "current-password", required: true });
  const form = h("form", { class: "card signin", "aria-label": "Sign in" },
    h("h1", { text: "Sign in to duanka" }),
    h("label", {}, "User name", name),
    h("label", {}, "Password", password),
    error,
    h("button", { class: "primary", type: "submit", id: "signin-submit", text: "Sign in" }));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const r = await api("POST", "/api/login", { name: name.value, password: password.value });
      state.me = r.user;
      state.csrf = r.csrf_token;
      start();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  main().replaceChildren(form);
  name.focus();
}

const PAGES = [
  ["#/queue", "Queue", ["analyst", "supervisor", "auditor"]],
  ["#/cases", "Cases", ["analyst", "supervisor", "auditor"]],
  ["#/clusters", "Clusters", ["analyst", "supervisor", "auditor"]],
  ["#/exports", "Exports", ["analyst", "supervisor", "auditor"]],
  ["#/audit", "Audit", ["auditor"]],
  ["#/scans", "Scans", ["supervisor", "admin"]],
];

function header() {
  document.getElementById("top").hidden = false;
  document.getElementById("whoami").textContent = `${state.me.name} · ${state.me.role}`;
  const nav = document.getElementById("nav");
  nav.replaceChildren(...PAGES.filter(([, , roles]) => can(...roles)).map(([href, label]) =>
    h("a", { href, class: location.hash.startsWith(href) ? "here" : null, text: label })));
}

document.getElementById("signout").addEventListener("click", async () => {
  try { await api("POST", "/api/logout", {}); } catch (_) { /* signed out either way */ }
  state.me = null; state.csrf = null;
  showSignIn("Signed out.");
});

// ---- the queue -------------------------------------------------------------------------

const DISPOSITION_KEYS = { c: "confirmed", d: "dismissed", u: "duplicate" };

function queueFilters() {
  const q = state.queue.filters;
  const select = (name, label, options) => h("label", {}, label,
    h("select", { name, "aria-label": label, onchange: (e) => { q[name] = e.target.value; loadQueue(true); } },
      options.map(([v, t]) => h("option", { value: v, text: t, selected: q[name] === v }))));
  return h("div", { class: "filters", role: "search" },
    select("status", "Status", [["open", "open"], ["new", "new"], ["in_progress", "in progress"], ["closed", "closed"], ["all", "all"]]),
    select("assignee", "Assignee", [["me_or_none", "me or nobody"], ["me", "me"], ["none", "nobody"], ["any", "anyone"]]),
    select("severity", "Severity", [["", "any"], ["high", "high"], ["medium", "medium"], ["low", "low"]]),
    select("sort", "Sort", [["severity", "most severe first"], ["due", "soonest due first"]]),
    h("label", {}, "Detector", h("input", { name: "detector", "aria-label": "Detector", value: q.detector,
      placeholder: "e.g. otp_sink", onchange: (e) => { q.detector = e.target.value.trim(); loadQueue(true); } })),
    h("label", {}, "Scan", h("input", { name: "scan", "aria-label": "Scan", value: q.scan, size: 4,
      onchange: (e) => { q.scan = e.target.value.trim(); loadQueue(true); } })),
    h("button", { type: "button", onclick: showKeys, "aria-label": "Keyboard shortcuts", text: "? keys" }));
}

async function loadQueue(reset) {
  const s = state.queue;
  if (reset) { s.after = null; s.pages = []; s.current = 0; s.selected.clear(); }
  const p = new URLSearchParams({ limit: "50" });
  for (const [k, v] of Object.entries(s.filters)) if (v) p.set(k, v);
  if (s.after) p.set("after", s.after);
  const r = await api("GET", `/api/alerts?${p}`);
  s.rows = r.alerts;
  s.next = r.next;
  s.current = Math.min(s.current, Math.max(0, s.rows.length - 1));
  drawQueue();
}

function drawQueue() {
  const s = state.queue;
  const body = h("tbody", {}, s.rows.map((a, i) => h("tr", {
    class: i === s.current ? "current" : null, "data-id": a.id, "aria-selected": i === s.current ? "true" : "false",
    onclick: (e) => { if (e.target.type !== "checkbox") location.hash = `#/alert/${a.id}`; },
  },
    h("td", {}, h("input", { type: "checkbox", "aria-label": `Select alert ${a.id}`, checked: s.selected.has(a.id),
      onchange: (e) => { e.target.checked ? s.selected.add(a.id) : s.selected.delete(a.id); drawBulk(); } })),
    h("td", {}, sev(a.severity)),
    h("td", { class: "mono", text: `${a.entity.type} ${a.entity.masked}` }),
    h("td", { text: a.detector }),
    h("td", { text: a.score.toFixed(2) }),
    h("td", { class: "wide", text: when(a.first_seen) }),
    h("td", { class: "wide", text: when(a.last_seen) }),
    h("td", { text: a.status + (a.disposition ? ` (${a.disposition})` : "") }),
    h("td", { text: a.assignee ? a.assignee.name : "–" }),
    h("td", { class: a.overdue ? "overdue" : "wide", text: when(a.due_at) + (a.overdue ? " overdue" : "") }))));
  const table = h("table", { id: "queue", "aria-label": "Alerts" },
    h("thead", {}, h("tr", {}, ["", "severity", "entity", "detector", "score"].map((t) => h("th", { text: t })),
      h("th", { class: "wide", text: "first seen" }), h("th", { class: "wide", text: "last seen" }),
      ["status", "assignee"].map((t) => h("th", { text: t })), h("th", { class: "wide", text: "due" }))),
    body);
  const pager = h("div", { class: "row" },
    h("button", { type: "button", disabled: s.pages.length === 0, text: "← Previous page",
      onclick: () => { s.after = s.pages.pop() || null; loadQueue(false); } }),
    h("button", { type: "button", disabled: !s.next, text: "Next page →",
      onclick: () => { s.pages.push(s.after); s.after = s.next; loadQueue(false); } }),
    h("span", { class: "muted", text: `${s.rows.length} shown` }));
  main().replaceChildren(h("h1", { text: "Alert queue" }), queueFilters(), h("div", { class: "bulk", id: "bulk" }),
    h("div", { class: "table-wrap" }, table), pager);
  drawBulk();
}

function drawBulk() {
  const s = state.queue;
  const bar = document.getElementById("bulk");
  if (!bar) return;
  const ids = [...s.selected];
  const work = can("analyst", "supervisor");
  const parts = [
    h("span", { class: "muted", text: ids.length ? `${ids.length} selected` : "Select rows (x) for bulk actions" }),
    work && ids.length ? h("button", { type: "button", text: "Assign to me", onclick: () => bulk(ids, { assignee: "me" }) }) : null,
    work && ids.length && can("supervisor") ? h("button", { type: "button", text: "Assign to…", onclick: async () => {
      const people = (await api("GET", "/api/assignees")).users;
      const a = await ask("Assign to", [{ name: "id", label: "Assignee", options: people.map((u) => [String(u.id), `${u.name} (${u.role})`]) }]);
      if (a) bulk(ids, { assignee: a.id });
    } }) : null,
    work && ids.length ? h("button", { type: "button", text: "Close…", onclick: async () => {
      const d = await ask("Close the selected alerts", [
        { name: "disposition", label: "Disposition", options: [["confirmed", "confirmed"], ["dismissed", "dismissed"], ["duplicate", "duplicate"]] },
        { name: "reason", label: "Reason (needed to dismiss)", long: true }]);
      if (d) bulk(ids, { status: "closed", disposition: d.disposition, reason: d.reason || undefined });
    } }) : null];
  bar.replaceChildren(...parts.filter(Boolean));
}

async function bulk(ids, change) {
  try {
    await api("POST", "/api/alerts/bulk", { ids, ...change });
    toast(`${ids.length} alerts updated`);
    state.queue.selected.clear();
    loadQueue(false);
  } catch (e) { toast(e.message); }
}

async function closeCurrent(disposition) {
  const s = state.queue;
  const a = s.rows[s.current];
  if (!a) return;
  let reason;
  if (disposition === "dismissed") {
    const r = await ask(`Dismiss alert ${a.id}: why?`, [{ name: "reason", label: "Reason", long: true, required: true }]);
    if (!r) return;
    reason = r.reason;
  }
  try {
    await api("PATCH", `/api/alerts/${a.id}`, { status: "closed", disposition, reason });
    toast(`alert ${a.id} closed: ${disposition}`);
    await loadQueue(false);
  } catch (e) { toast(e.message); }
}

function showKeys() {
  const keys = [["j / k", "next / previous alert"], ["x", "select the alert for a bulk action"], ["o or Enter", "open the alert"],
    ["a", "assign the alert to me"], ["c", "close: confirmed"], ["d", "close: dismissed (asks the reason)"],
    ["u", "close: duplicate"], ["?", "these keys"]];
  const dialog = document.getElementById("dialog");
  document.getElementById("dialog-title").textContent = "Keyboard triage";
  document.getElementById("dialog-body").replaceChildren(h("table", { class: "keys", "aria-label": "Keys" },
    h("tbody", {}, keys.map(([k, v]) => h("tr", {}, h("td", { text: k }), h("td", { text: v }))))));
  const form = document.getElementById("dialog-form");
  form.onsubmit = (e) => { e.preventDefault(); dialog.close(); };
  document.getElementById("dialog-cancel").onclick = () => dialog.close();
  dialog.showModal();
}

document.addEventListener("keydown", (e) => {
  if (!state.me || !location.hash.startsWith("#/queue") || document.getElementById("dialog").open) return;
  if (e.target.matches("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
  const s = state.queue;
  if (!s || !s.rows) return;
  const move = (d) => { s.current = Math.max(0, Math.min(s.rows.length - 1, s.current + d)); drawQueue(); };
  const a = s.rows[s.current];
  const work = can("analyst", "supervisor");
  switch (e.key) {
    case "j": move(1); break;
    case "k": move(-1); break;
    case "x": if (a) { s.selected.has(a.id) ? s.selected.delete(a.id) : s.selected.add(a.id); drawQueue(); } break;
    case "o": case "Enter": if (a) location.hash = `#/alert/${a.id}`; break;
    case "a": if (a && work) api("PATCH", `/api/alerts/${a.id}`, { assignee: "me", status: "in_progress" })
      .then(() => { toast(`alert ${a.id} is yours`); loadQueue(false); }, (err) => toast(err.message)); break;
    case "?": showKeys(); break;
    default:
      if (DISPOSITION_KEYS[e.key] && work) closeCurrent(DISPOSITION_KEYS[e.key]);
      else return;
  }
  e.preventDefault();
});

// ---- one alert, reveals --------------------------------------------------------------

async function revealButton(entity) {
  const out = h("span", { class: "mono", text: entity.masked, "data-entity": entity.token });
  if (!can("analyst", "supervisor")) return out;
  const cases = (await api("GET", "/api/cases")).cases;
  const button = h("button", { type: "button", "aria-label": `Reveal ${entity.type} ${entity.masked}`, text: "Reveal…",
    onclick: async () => {
      if (!cases.length) { toast("A reveal serves an open case: open one first."); return; }
      const r = await ask(`Reveal ${entity.type} ${entity.masked}`, [
        { name: "case_id", label: "For the case", options: cases.map((c) => [String(c.id), `#${c.id} ${c.title}`]) },
        { name: "reason", label: "Purpose (on the record)", long: true, required: true },
        { name: "minutes", label: "For how many minutes (1–30)", type: "number", value: "5", min: 1, max: 30 }]);
      if (!r) return;
      try {
        const v = await api("POST", "/api/reveals", { entity: entity.token, case_id: Number(r.case_id),
          reason: r.reason, minutes: Number(r.minutes) });
        out.textContent = v.value;
        out.classList.add("revealed");
        button.disabled = true;
        const left = (v.reveal.expires_at - v.reveal.granted_at) * 1000;
        setTimeout(() => { out.textContent = entity.masked; out.classList.remove("revealed"); button.disabled = false; }, left);
        toast(`revealed until ${when(v.reveal.expires_at)} (on the record)`);
      } catch (e) { toast(e.message); }
    } });
  return h("span", { class: "row" }, out, button);
}

async function alertPage(id) {
  const a = (await api("GET", `/api/alerts/${id}`)).alert;
  // Linked: the other detectors' findings on the same entity, and the alerts of its case.
  const [same, inCase] = await Promise.all([
    api("GET", `/api/alerts?entity=${encodeURIComponent(a.entity.token)}&status=all&assignee=any&limit=50`),
    a.case_id ? api("GET", `/api/alerts?case_id=${a.case_id}&status=all&assignee=any&limit=50`) : Promise.resolve({ alerts: [] })]);
  const linked = [...same.alerts, ...inCase.alerts].filter((x, i, all) => x.id !== a.id && all.findIndex((y) => y.id === x.id) === i);
  const work = can("analyst", "supervisor");
  const evidence = Object.entries(a.evidence || {});
  const comment = h("textarea", { rows: 2, "aria-label": "Comment", name: "comment" });
  main().replaceChildren(
    h("h1", {}, `Alert ${a.id}: ${a.detector} `, sev(a.severity)),
    h("div", { class: "card facts" },
      h("div", {}, h("span", { text: "entity" }), await revealButton(a.entity),
        a.entity.type === "msisdn" ? h("a", { href: `#/profile/${a.entity.id}`, id: "profile-link", text: "Profile" }) : null),
      h("div", {}, h("span", { text: "score" }), a.score.toFixed(4)),
      h("div", {}, h("span", { text: "status" }), a.status + (a.disposition ? ` (${a.disposition})` : "")),
      h("div", {}, h("span", { text: "assignee" }), a.assignee ? a.assignee.name : "–"),
      h("div", {}, h("span", { text: "due" }), h("span", { class: a.overdue ? "overdue" : null, text: when(a.due_at) })),
      h("div", {}, h("span", { text: "seen" }), `${when(a.first_seen)} – ${when(a.last_seen)}`),
      h("div", {}, h("span", { text: "scans" }), `${a.first_scan}–${a.last_scan} (${a.times_seen}×)`),
      h("div", {}, h("span", { text: "case" }), a.case_id ? h("a", { href: `#/case/${a.case_id}`, text: `#${a.case_id}` }) : "–")),
    h("div", { class: "card" }, h("h2", { text: "Why" }), h("p", { text: a.explanation }),
      evidence.length ? h("table", { "aria-label": "Evidence" }, h("tbody", {},
        evidence.map(([k, v]) => h("tr", {}, h("th", { text: k }), h("td", { class: "mono", text: JSON.stringify(v) }))))) : null),
    work ? h("div", { class: "row card" },
      h("button", { type: "button", text: "Assign to me", onclick: () => change(a.id, { assignee: "me", status: "in_progress" }) }),
      ["confirmed", "dismissed", "duplicate"].map((d) => h("button", { type: "button", text: `Close: ${d}`, onclick: async () => {
        let reason;
        if (d === "dismissed") { const r = await ask("Why dismiss?", [{ name: "reason", label: "Reason", long: true, required: true }]); if (!r) return; reason = r.reason; }
        change(a.id, { status: "closed", disposition: d, reason });
      } })),
      h("button", { type: "button", id: "open-case", text: "Open a case…", onclick: async () => {
        const r = await ask("Open a case with this alert", [{ name: "title", label: "Title", required: true }]);
        if (!r) return;
        try { const c = await api("POST", "/api/cases", { title: r.title, alert_ids: [a.id] }); location.hash = `#/case/${c.case.id}`; }
        catch (e) { toast(e.message); }
      } })) : null,
    h("div", { class: "card" }, h("h2", { text: "Linked alerts" }), linked.length
      ? h("ul", { id: "linked-alerts" }, linked.map((x) => h("li", {}, h("a", { href: `#/alert/${x.id}`, text: `#${x.id} ${x.detector}` }),
        " ", sev(x.severity), ` ${x.entity.type} ${x.entity.masked} · ${x.status}`)))
      : h("p", { class: "muted", text: "None: no other finding on this entity or in its case." })),
    h("div", { class: "card" }, h("h2", { text: "History" }),
      h("ul", {}, a.history.events.map((e) => h("li", { text: `${when(e.at)} ${e.actor || "scan"}: ${e.field} ${e.old ?? "–"} → ${e.new ?? "–"}` }))),
      h("h2", { text: "Comments" }),
      h("ul", {}, a.history.comments.map((c) => h("li", { text: `${when(c.at)} ${c.author}: ${c.body}` }))),
      work ? h("div", { class: "row" }, comment, h("button", { type: "button", text: "Comment", onclick: async () => {
        try { await api("POST", `/api/alerts/${a.id}/comments`, { body: comment.value }); alertPage(id); } catch (e) { toast(e.message); }
      } })) : null));
}

async function change(id, body) {
  try { await api("PATCH", `/api/alerts/${id}`, body); toast("saved"); alertPage(id); } catch (e) { toast(e.message); }
}

// ---- the number profile ----------------------------------------------------------------

function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children.flat()) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/// One row per kind of traffic, one column per hour, bar height by count.
function timeline(hours) {
  const rows = [["sms_in", "SMS in", "#1f5fae"], ["codes", "codes", "#b3261e"], ["sms_out", "SMS out", "#47704a"],
    ["calls", "calls", "#7b4fa0"], ["attaches", "attaches", "#5b6672"]];
  const t0 = hours.length ? hours[0].hour : 0;
  const t1 = hours.length ? hours[hours.length - 1].hour : 0;
  const span = Math.max(1, (t1 - t0) / 3600 + 1);
  const W = 960, left = 80, rowH = 44, top = 8;
  const cell = (W - left - 8) / span;
  const g = [];
  rows.forEach(([key, label, color], r) => {
    const max = Math.max(1, ...hours.map((x) => x[key]));
    const y = top + r * rowH;
    g.push(svg("text", { x: 4, y: y + rowH / 2 + 4, "font-size": 12, fill: "#1d232b" }, label));
    g.push(svg("line", { x1: left, x2: W - 8, y1: y + rowH - 4, y2: y + rowH - 4, stroke: "#d8dde3" }));
    for (const x of hours) {
      if (!x[key]) continue;
      const hgt = Math.max(2, ((rowH - 10) * x[key]) / max);
      const rx = left + ((x.hour - t0) / 3600) * cell;
      g.push(svg("rect", { x: rx, y: y + rowH - 4 - hgt, width: Math.max(1, cell - 1), height: hgt, fill: color },
        svg("title", {}, `${when(x.hour)}: ${x[key]} ${label}`)));
    }
  });
  const ticks = [];
  for (let k = 0; k < span; k += Math.max(1, Math.ceil(span / 12))) {
    ticks.push(svg("text", { x: left + k * cell, y: top + rows.length * rowH + 14, "font-size": 11, fill: "#5b6672" },
      when(t0 + k * 3600).slice(5)));
  }
  return svg("svg", { viewBox: `0 0 ${W} ${top + rows.length * rowH + 22}`, width: "100%", role: "img", id: "profile-timeline",
    "aria-label": "The number's traffic hour by hour" }, g, ticks);
}

async function profilePage(id) {
  const [p, alerts] = await Promise.all([api("GET", `/api/entities/${id}/profile`),
    api("GET", `/api/alerts?entity=entity:${id}&status=all&assignee=any&limit=100`)]);
  const pr = p.profile;
  const total = (k) => pr.hours.reduce((a, x) => a + x[k], 0);
  const table = (label, rows, cols) => h("table", { "aria-label": label },
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", { text: c })))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((v) => h("td", { text: v }))))));
  main().replaceChildren(h("h1", { text: `Number ${pr.msisdn}` }),
    h("div", { class: "card facts" },
      h("div", {}, h("span", { text: "SMS in / out" }), `${total("sms_in")} / ${total("sms_out")}`),
      h("div", {}, h("span", { text: "verification codes" }), total("codes")),
      h("div", {}, h("span", { text: "calls (talk)" }), `${total("calls")} (${Math.round(total("talk_s") / 60)} min)`),
      h("div", {}, h("span", { text: "attaches" }), total("attaches")),
      h("div", {}, h("span", { text: "scan" }), `#${p.scan}`),
      pr.missing.length ? h("div", {}, h("span", { text: "not in the dataset" }), pr.missing.join(", ")) : null),
    h("div", { class: "card" }, h("h2", { text: "Hour by hour" }), pr.hours.length ? h("div", { class: "scroll-x" }, timeline(pr.hours)) : h("p", { text: "No traffic." })),
    h("div", { class: "card row" },
      h("div", {}, h("h2", { text: "Codes by service" }), table("Codes by service", pr.codes_by_service.map((c) => [c.name, c.count]), ["service", "codes"])),
      h("div", {}, h("h2", { text: "Delivery nodes" }), table("Delivery nodes", pr.delivery_nodes.map((c) => [c.name, c.count]), ["node", "messages"])),
      h("div", {}, h("h2", { text: "Attaches" }), table("Attaches", pr.attaches.slice(0, 20).map((a) => [when(a.ts), a.tac, a.cell_id || "–"]), ["when", "TAC", "cell"]))),
    h("div", { class: "card" }, h("h2", { text: "Its alerts" }), h("ul", {}, alerts.alerts.map((a) =>
      h("li", {}, h("a", { href: `#/alert/${a.id}`, text: `#${a.id} ${a.detector}` }), " ", sev(a.severity), ` ${a.status}`))),
      h("h2", { text: "Its clusters" }), p.clusters.length ? h("ul", { id: "profile-clusters" }, p.clusters.map((k) =>
        h("li", {}, h("a", { href: `#/cluster/${k.id}`, text: `${k.key} (scan ${k.scan}): ${plural(k.members, "member", "members")}, ¥${(k.loss_fen / 100).toFixed(2)}` }))))
        : h("p", { class: "muted", text: "In no cluster." })));
}

// ---- cases, clusters, exports, audit, scans -----------------------------------------------

async function casesPage() {
  const cases = (await api("GET", "/api/cases?status=all")).cases;
  main().replaceChildren(h("h1", { text: "Cases" }), h("div", { class: "table-wrap" }, h("table", { "aria-label": "Cases" },
    h("thead", {}, h("tr", {}, ["#", "title", "severity", "status", "alerts", "assignee", "due"].map((t) => h("th", { text: t })))),
    h("tbody", {}, cases.map((c) => h("tr", { onclick: () => { location.hash = `#/case/${c.id}`; } },
      h("td", { text: c.id }), h("td", { text: c.title }), h("td", {}, sev(c.severity)), h("td", { text: c.status }),
      h("td", { text: c.alerts }), h("td", { text: c.assignee_name || "–" }),
      h("td", { class: c.overdue ? "overdue" : null, text: when(c.due_at) })))))));
}

function exportForm(object) {
  const format = h("select", { "aria-label": "Format" }, ["csv", "graphml", "i2"].map((f) => h("option", { value: f, text: f })));
  const unmasked = h("input", { type: "checkbox", "aria-label": "Unmasked (needs a supervisor's approval)" });
  const reason = h("input", { "aria-label": "Reason", placeholder: "why this export" });
  return h("div", { class: "card" }, h("h2", { text: "Export" }), h("div", { class: "row" },
    h("label", {}, "Format ", format), h("label", {}, unmasked, " unmasked (a supervisor approves)"), reason,
    h("button", { type: "button", id: "export-request", text: "Ask for the export", onclick: async () => {
      try {
        const x = await api("POST", "/api/exports", { ...object, format: format.value, unmasked: unmasked.checked, reason: reason.value });
        toast(`export ${x.export.id}: ${x.export.status === "pending" ? "waiting for a supervisor" : "ready"}`);
        location.hash = "#/exports";
      } catch (e) { toast(e.message); }
    } })));
}

async function casePage(id) {
  const d = await api("GET", `/api/cases/${id}`);
  const c = d.case;
  main().replaceChildren(h("h1", {}, `Case ${c.id}: ${c.title} `, sev(c.severity)),
    h("div", { class: "card facts" },
      h("div", {}, h("span", { text: "status" }), c.status + (c.disposition ? ` (${c.disposition})` : "")),
      h("div", {}, h("span", { text: "assignee" }), c.assignee_name || "–"),
      h("div", {}, h("span", { text: "due" }), h("span", { class: c.overdue ? "overdue" : null, text: when(c.due_at) })),
      h("div", {}, h("span", { text: "opened by" }), `${c.created_by}, ${when(c.created_at)}`)),
    h("div", { class: "card" }, h("h2", { text: "Alerts" }), h("ul", {}, d.alerts.map((a) =>
      h("li", {}, h("a", { href: `#/alert/${a.id}`, text: `#${a.id} ${a.detector}` }), " ", sev(a.severity), ` ${a.entity.type} ${a.entity.masked}`))),
      h("h2", { text: "Clusters" }), h("ul", {}, d.clusters.map((k) =>
        h("li", {}, h("a", { href: `#/cluster/${k.id}`, text: `${k.key}: ${plural(k.members, "member", "members")}, ${plural(k.cases, "case", "cases")}` }))))),
    can("analyst", "supervisor") ? exportForm({ case_id: c.id }) : null);
}

async function clustersPage() {
  const cs = (await api("GET", "/api/clusters")).clusters;
  main().replaceChildren(h("h1", { text: "Clusters of the latest scan" }), h("div", { class: "table-wrap" }, h("table", { "aria-label": "Clusters" },
    h("thead", {}, h("tr", {}, ["cluster", "members", "cases", "loss (¥)"].map((t) => h("th", { text: t })))),
    h("tbody", {}, cs.map((c) => h("tr", { onclick: () => { location.hash = `#/cluster/${c.id}`; } },
      h("td", { text: c.key }), h("td", { text: c.members }), h("td", { text: c.cases }), h("td", { text: (c.loss_fen / 100).toFixed(2) })))))));
}

async function clusterPage(id) {
  const c = (await api("GET", `/api/clusters/${id}`)).cluster;
  const holder = h("div", { class: "graph card", id: "cluster-graph", "aria-label": `Graph of cluster ${c.key}` });
  const agg = c.data && c.data.aggregated;
  main().replaceChildren(h("h1", { text: `Cluster ${c.key}: ${plural(c.members, "member", "members")}, ${plural(c.cases, "case", "cases")}, ¥${(c.loss_fen / 100).toFixed(2)} lost` }),
    agg ? h("p", { class: "muted", id: "cluster-aggregated", text: `${agg.shown} of ${agg.total} members drawn: the chain, the flagged members and the first of each type; the rest are grouped by type.` }) : null,
    holder,
    can("analyst", "supervisor") ? exportForm({ cluster_id: c.id }) : null);
  if (window.duankaCluster) {
    // The server gave each member it knows a token: its alerts open by token.
    const tokens = new Map();
    for (const m of (c.data && c.data.members) || []) if (m.token) tokens.set(`${m.entity_type} ${m.entity_id}`, m.token);
    window.duankaCluster.render(holder, c, { onOpen: async (m) => {
      const token = tokens.get(`${m.entity_type} ${m.entity_id}`);
      if (!token) { toast(`${m.entity_type} ${m.entity_id}: no alert of its own`); return; }
      const r = await api("GET", `/api/alerts?entity=${encodeURIComponent(token)}&status=all&assignee=any&limit=1`);
      if (r.alerts.length) location.hash = `#/alert/${r.alerts[0].id}`;
      else toast(`${m.entity_type} ${m.entity_id}: no alert of its own`);
    } });
  } else {
    holder.textContent = "The graph's scripts did not load.";
  }
}

async function exportsPage() {
  const xs = (await api("GET", "/api/exports")).exports;
  main().replaceChildren(h("h1", { text: "Exports" }), h("div", { class: "table-wrap" }, h("table", { id: "exports", "aria-label": "Exports" },
    h("thead", {}, h("tr", {}, ["#", "of", "format", "unmasked", "asked by", "reason", "status", ""].map((t) => h("th", { text: t })))),
    h("tbody", {}, xs.map((x) => h("tr", { "data-id": x.id },
      h("td", { text: x.id }), h("td", { text: `${x.object_type} ${x.object_id}` }), h("td", { text: x.format }),
      h("td", { text: x.unmasked ? "yes" : "no" }), h("td", { text: x.requester }), h("td", { text: x.reason }),
      h("td", { class: "export-status", text: x.status + (x.decided_by ? ` by ${x.decided_by}` : "") }),
      h("td", {},
        x.status === "pending" && can("supervisor") && x.requester !== state.me.name ? [
          h("button", { type: "button", text: "Approve", onclick: () => decide(x.id, "approve") }),
          h("button", { type: "button", text: "Refuse", onclick: () => decide(x.id, "refuse") })] : null,
        x.status === "approved" && x.requester === state.me.name
          ? h("a", { href: `/api/exports/${x.id}/download`, text: "Download" }) : null)))))));
}

async function decide(id, what) {
  try { await api("POST", `/api/exports/${id}/${what}`, {}); exportsPage(); } catch (e) { toast(e.message); }
}

async function auditPage() {
  const [v, reveals, entries, exports] = await Promise.all([api("GET", "/api/audit/verify"), api("GET", "/api/reveals"),
    api("GET", "/api/audit?limit=1000"), api("GET", "/api/exports")]);
  main().replaceChildren(h("h1", { text: "Audit" }),
    h("div", { class: "card", id: "audit-verify" }, v.intact
      ? `The audit chain verifies: ${v.entries} entries, head ${v.head.slice(0, 16)}…`
      : h("span", { class: "error", text: `The audit chain is broken at entry ${v.broken_at}: ${v.problem}` })),
    h("h2", { text: "Reveals" }), h("div", { class: "table-wrap" }, h("table", { id: "reveals", "aria-label": "Reveals" },
      h("thead", {}, h("tr", {}, ["when", "who", "entity", "case", "reason", "until"].map((t) => h("th", { text: t })))),
      h("tbody", {}, reveals.reveals.map((r) => h("tr", {}, h("td", { text: when(r.granted_at) }), h("td", { text: r.user }),
        h("td", { class: "mono", text: `entity:${r.entity} (${r.entity_type})` }), h("td", { text: `#${r.case_id}` }),
        h("td", { text: r.reason }), h("td", { text: when(r.expires_at) })))))),
    h("h2", { text: "Exports" }), h("div", { class: "table-wrap" }, h("table", { id: "audit-exports", "aria-label": "Exports" },
      h("thead", {}, h("tr", {}, ["#", "asked", "by", "of", "format", "unmasked", "reason", "status"].map((t) => h("th", { text: t })))),
      h("tbody", {}, exports.exports.map((x) => h("tr", {}, h("td", { text: x.id }), h("td", { text: when(x.created_at) }),
        h("td", { text: x.requester }), h("td", { text: `${x.object_type} ${x.object_id}` }), h("td", { text: x.format }),
        h("td", { text: x.unmasked ? "yes" : "no" }), h("td", { text: x.reason }),
        h("td", { text: x.status + (x.decided_by ? ` by ${x.decided_by}` : "") })))))),
    h("h2", { text: "Log (oldest first)" }), h("div", { class: "table-wrap" }, h("table", { id: "audit-log", "aria-label": "Audit log" },
      h("thead", {}, h("tr", {}, ["#", "when", "actor", "role", "channel", "action", "object", "value"].map((t) => h("th", { text: t })))),
      h("tbody", {}, entries.entries.map((e) => h("tr", {}, h("td", { text: e.seq }), h("td", { text: when(e.at) }),
        h("td", { text: e.actor }), h("td", { text: e.role }), h("td", { text: e.channel }), h("td", { text: e.action }),
        h("td", { class: "mono", text: e.object }), h("td", { text: e.new_value || "" })))))));
}

async function scansPage() {
  const scans = (await api("GET", "/api/scans")).scans;
  const path = h("input", { "aria-label": "Scan output folder or dataset folder on the server", size: 40 });
  main().replaceChildren(h("h1", { text: "Scans" }),
    h("div", { class: "card row" }, path,
      h("button", { type: "button", text: "Import outputs", onclick: async () => {
        try { const r = await api("POST", "/api/scans/import", { path: path.value }); toast(`imported: ${r.import.alerts} alerts`); scansPage(); } catch (e) { toast(e.message); }
      } }),
      h("button", { type: "button", text: "Scan dataset", onclick: async () => {
        try { await api("POST", "/api/scans/run", { dataset: path.value }); scansPage(); } catch (e) { toast(e.message); }
      } })),
    h("div", { class: "table-wrap" }, h("table", { "aria-label": "Scans" },
      h("thead", {}, h("tr", {}, ["#", "name", "status", "progress", "alerts", "new", "clusters", "started"].map((t) => h("th", { text: t })))),
      h("tbody", {}, scans.map((s) => h("tr", {}, h("td", { text: s.id }), h("td", { text: s.name }),
        h("td", { text: s.status + (s.error ? `: ${s.error}` : "") }), h("td", { text: s.progress }), h("td", { text: s.alerts }),
        h("td", { text: s.new_alerts }), h("td", { text: s.clusters }), h("td", { text: when(s.started_at) })))))));
}

// ---- routing -------------------------------------------------------------------------

async function route() {
  if (!state.me) return;
  header();
  const [, page, id] = location.hash.split("/");
  try {
    switch (page) {
      case "alert": await alertPage(Number(id)); break;
      case "cases": await casesPage(); break;
      case "case": await casePage(Number(id)); break;
      case "clusters": await clustersPage(); break;
      case "cluster": await clusterPage(Number(id)); break;
      case "exports": await exportsPage(); break;
      case "audit": await auditPage(); break;
      case "scans": await scansPage(); break;
      case "profile": await profilePage(Number(id)); break;
      case "queue":
        if (!state.queue) state.queue = { filters: { status: "open", assignee: "me_or_none", severity: "", sort: "severity", detector: "", scan: "" },
          selected: new Set(), pages: [], current: 0, rows: [] };
        await loadQueue(false);
        break;
      default:
        location.hash = can("admin") && !can("analyst") ? "#/scans" : "#/queue";
        return;
    }
    document.body.dataset.page = page;
  } catch (e) {
    if (e.status !== 401) main().replaceChildren(h("p", { class: "error", role: "alert", text: e.message }));
  }
}

function start() {
  if (!location.hash || location.hash === "#") location.hash = can("auditor") ? "#/audit" : "#/queue";
  route();
}

window.addEventListener("hashchange", route);
(async () => {
  try {
    const r = await api("GET", "/api/me");
    state.me = r.user;
    state.csrf = r.csrf_token;
    start();
  } catch (_) {
    showSignIn();
  }
})();
