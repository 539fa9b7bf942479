/* The WMS PDA: one scan field a keyboard-wedge scanner types into (code + Enter), big buttons,
   and every action queued with SmartDist.OfflineQueue (its own Idempotency-Key), so a scan taken
   without signal is sent once when the phone is back online. */
(function () {
  "use strict";
  const root = document.getElementById("pda");
  const api = root.dataset.api;
  const T = JSON.parse(document.getElementById("pda-texts").textContent);
  const scan = document.getElementById("scan");
  const qtyField = document.getElementById("qty");
  const screen = document.getElementById("screen");
  const message = document.getElementById("message");
  const prompt = document.getElementById("prompt");
  const CARRIERS = ["黑貓宅急便", "新竹物流", "嘉里大榮", "中華郵政", "自取"];
  const MODES = {
    receive: {statuses: ["created", "receiving"], kind: "inbound-orders"},
    putaway: {statuses: ["receiving", "putaway"], kind: "inbound-orders"},
    pick: {statuses: ["allocated", "picking"], kind: "outbound-orders"},
    pack: {statuses: ["picked"], kind: "outbound-orders"},
    ship: {statuses: ["picked", "packed"], kind: "outbound-orders"},
  };
  let state = {mode: null, order: null};

  function fmt(text, values) { return text.replace(/\{(\w+)\}/g, (_, k) => (values[k] !== undefined ? values[k] : "")); }
  function say(text, kind) { message.textContent = text; message.className = kind || ""; }
  function ask(text) { prompt.textContent = text; }
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v; else if (k === "onclick") node.addEventListener("click", v); else node.setAttribute(k, v);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  }
  function qty() { const n = parseInt(qtyField.value, 10); return Number.isFinite(n) && n > 0 ? n : 1; }
  function resetQty(value) { qtyField.value = value || 1; }
  function focusScan() { scan.focus(); }

  const queue = new SmartDist.OfflineQueue("wms-pda", (n) => {
    document.getElementById("pending").hidden = n === 0;
    document.getElementById("pending-count").textContent = n;
  });
  function showOnline() { document.getElementById("net").hidden = navigator.onLine; }
  window.addEventListener("online", showOnline);
  window.addEventListener("offline", showOnline);
  showOnline();

  /* Send one action: true when the server took it, "queued" when it waits offline, false when refused. */
  async function send(path, body, okText) {
    const before = (queue.rejected || []).length;
    const left = await queue.push(api + path, "POST", body);
    const rejected = queue.rejected || [];
    if (rejected.length > before) {
      const item = rejected[rejected.length - 1];
      say(item.error, "bad");
      const list = document.getElementById("rejected");
      list.hidden = false;
      list.appendChild(el("li", {text: T.rejected + ": " + item.error}));
      return false;
    }
    if (left > 0) { say(T.offline, "bad"); return "queued"; }
    say(okText, "ok");
    return true;
  }

  function home() {
    state = {mode: null, order: null};
    ask(T.scan_hint);
    say("");
    screen.replaceChildren(el("div", {class: "tasks"}, Object.keys(MODES).map((mode) =>
      el("button", {class: "big", "data-mode": mode, text: T[mode], onclick: () => chooseOrder(mode)}))));
    focusScan();
  }

  async function chooseOrder(mode) {
    state = {mode, order: null, orders: []};
    ask(T.choose_order);
    const spec = MODES[mode];
    const pages = await Promise.all(spec.statuses.map((s) => SmartDist.api(`${api}/${spec.kind}?status=${s}&limit=100`)));
    state.orders = pages.flatMap((p) => p.items);
    const buttons = state.orders.map((o) => el("button", {class: "big secondary", "data-order": o.ref,
      text: `${o.ref} · ${o.no} · ${o.status}`, onclick: () => openOrder(o)}));
    screen.replaceChildren(
      el("h2", {text: T[mode]}),
      state.orders.length ? el("div", {class: "orders"}, buttons) : el("p", {text: T.no_orders}),
      el("button", {class: "big secondary", text: T.back, onclick: home}));
    focusScan();
  }

  async function openOrder(order) {
    state.order = order;
    state.item = null;
    state.location = null;
    state.damaged = false;
    resetQty();
    say("");
    await ({receive: showReceive, putaway: showPutaway, pick: showPick, pack: showPack, ship: showShip})[state.mode]();
    focusScan();
  }

  async function reload() {
    const spec = MODES[state.mode];
    state.order = await SmartDist.api(`${api}/${spec.kind}/${state.order.id}`);
  }

  function orderCard(lines) {
    return el("div", {class: "card"}, [
      el("div", {class: "sku", text: `${state.order.ref} · ${state.order.no}`}),
      el("div", {text: `${T.status}: ${state.order.status}`, "data-status": state.order.status}),
      el("ul", {class: "list"}, lines.map((text) => el("li", {text}))),
    ]);
  }
  function backButton() { return el("button", {class: "big secondary", text: T.back, onclick: home}); }

  // -- receive: each scan counts the qty field (a carton its pack), GS1 labels bring lot and expiry
  function showReceive() {
    ask(T.scan_item);
    const toggle = el("button", {class: "big secondary", id: "damaged", text: T.damaged, onclick: () => {
      state.damaged = !state.damaged;
      toggle.className = state.damaged ? "big on" : "big secondary";
      if (state.damaged) say(T.damaged_on);
      focusScan();
    }});
    screen.replaceChildren(orderCard(state.order.lines.map((l) => `${l.sku} ${l.name}: ${l.received}/${l.qty}`)), toggle, backButton());
  }
  async function onReceive(code) {
    const n = qty();
    const line = {sku: code, qty: n};
    if (state.damaged) line.damaged = n;
    const ok = await send(`/inbound-orders/${state.order.id}/receipts`, {lines: [line]}, fmt(T.received, {n}));
    state.damaged = false;
    resetQty();
    if (ok === true) { await reload(); showReceive(); }
  }

  // -- putaway: scan the item, then the location (the suggestion, or any other to override)
  async function showPutaway() {
    state.suggestions = await SmartDist.api(`${api}/inbound-orders/${state.order.id}/putaway-suggestions`);
    ask(state.item ? T.scan_location : T.scan_item);
    const lines = state.suggestions.map((s) => `${s.sku}${s.lot ? " · " + s.lot : ""}: ${T.waiting} ${s.qty} → ${s.location || "?"}`);
    screen.replaceChildren(orderCard(lines), backButton());
  }
  async function onPutaway(code) {
    if (!state.item) {
      const found = state.suggestions.find((s) => s.sku === code) || null;
      state.item = {code, suggestion: found};
      if (found) { resetQty(found.qty); say(`${T.suggested}: ${found.location || "?"}`, "ok"); }
      ask(T.scan_location);
      return;
    }
    const n = qty();
    const line = {sku: state.item.code, qty: n, location: code};
    if (state.item.suggestion && state.item.suggestion.lot) line.lot = state.item.suggestion.lot;
    const ok = await send(`/inbound-orders/${state.order.id}/putaways`, {lines: [line]}, fmt(T.put_away, {n, loc: code}));
    state.item = null;
    resetQty();
    if (ok === true) { await reload(); await showPutaway(); } else ask(T.scan_item);
  }

  // -- pick: tasks in walking order; location first, then the item
  async function showPick() {
    const list = await SmartDist.api(`${api}/outbound-orders/${state.order.id}/pick-list`);
    state.tasks = list.tasks.filter((t) => t.remaining > 0);
    renderPick();
  }
  function renderPick() {
    const task = state.tasks[0];
    if (!task) {
      ask(T.all_picked);
      screen.replaceChildren(el("p", {class: "prompt", id: "done", text: T.all_picked}), backButton());
      return;
    }
    ask(state.location ? T.scan_item : fmt(T.scan_location_first, {code: task.location}));
    const shortButton = el("button", {class: "big secondary", id: "short", text: T.short, onclick: onShort});
    screen.replaceChildren(
      el("div", {class: "card", id: "task"}, [
        el("div", {class: "loc", text: task.location}),
        el("div", {class: "sku", text: `${task.sku} ${task.name}`}),
        el("div", {text: `${task.lot ? task.lot + " · " : ""}${task.expiry || ""}`}),
        el("div", {class: "sku", text: `${T.qty}: ${task.remaining}`}),
      ]),
      shortButton, backButton());
  }
  async function onPick(code) {
    const task = state.tasks[0];
    if (!task) return;
    if (!state.location) {
      if (code !== task.location) { say(fmt(T.wrong_location, {want: task.location, got: code}), "bad"); return; }
      state.location = code;
      say("");
      renderPick();
      return;
    }
    const n = Math.min(qty(), task.remaining);
    const body = {location: task.location, sku: code, qty: n};
    if (task.lot) body.lot = task.lot;
    const ok = await send(`/outbound-orders/${state.order.id}/picks`, body, fmt(T.picked, {n}));
    resetQty();
    if (ok) {
      task.remaining -= n;
      if (task.remaining <= 0) { state.tasks.shift(); state.location = null; }
    }
    renderPick();
  }
  async function onShort() {
    const task = state.tasks[0];
    if (!task) return;
    const body = {location: task.location, sku: task.sku, missing: task.remaining};
    if (task.lot) body.lot = task.lot;
    const ok = await send(`/outbound-orders/${state.order.id}/short-picks`, body, fmt(T.short_done, {n: task.remaining}));
    if (ok) { state.tasks.shift(); state.location = null; }
    renderPick();
    focusScan();
  }

  // -- pack: scan every item into the parcel
  function showPack() {
    ask(T.scan_item);
    screen.replaceChildren(orderCard(state.order.lines.map((l) => `${l.sku} ${l.name}: ${l.packed}/${l.qty}`)), backButton());
  }
  async function onPack(code) {
    const n = qty();
    const ok = await send(`/outbound-orders/${state.order.id}/packs`, {sku: code, qty: n}, fmt(T.packed, {n}));
    resetQty();
    if (ok === true) { await reload(); showPack(); }
  }

  // -- ship: choose the carrier, scan the tracking number
  function showShip() {
    ask(T.tracking);
    const select = el("select", {id: "carrier", "aria-label": T.carrier}, CARRIERS.map((c) => el("option", {value: c, text: c})));
    screen.replaceChildren(orderCard(state.order.lines.map((l) => `${l.sku} ${l.name}: ${l.picked}/${l.qty}`)),
      el("label", {text: T.carrier}, [select]), backButton());
  }
  async function onShip(code) {
    const carrier = document.getElementById("carrier").value;
    const ok = await send(`/outbound-orders/${state.order.id}/ship`, {carrier, tracking_no: code}, T.shipped);
    if (ok) { say(T.shipped + " · " + code, "ok"); state.order.status = "shipped"; }
  }

  async function onScan(code) {
    if (!state.mode) {
      if (MODES[code.toLowerCase()]) return chooseOrder(code.toLowerCase());
      return say(T.scan_hint);
    }
    if (!state.order) {
      const order = state.orders.find((o) => o.ref === code || o.no === code || String(o.id) === code);
      if (order) return openOrder(order);
      return say(`${T.no_orders}: ${code}`, "bad");
    }
    return ({receive: onReceive, putaway: onPutaway, pick: onPick, pack: onPack, ship: onShip})[state.mode](code);
  }

  let busy = Promise.resolve();
  scan.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const code = scan.value.trim();
    scan.value = "";
    if (!code) return;
    // Scans are handled one after another, in the order they were read.
    busy = busy.then(() => onScan(code)).catch((err) => say(err.message || String(err), "bad"));
  });
  // The quantity typed, Enter goes back to the scan field for the scanner.
  qtyField.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); focusScan(); }
  });
  // A wedge scanner types into whatever has focus: keep it on the scan field.
  document.addEventListener("click", (event) => {
    if (!event.target.closest("select, #qty")) setTimeout(focusScan, 0);
  });
  window.PDA = {idle: () => busy};
  home();
  queue.flush();
})();
