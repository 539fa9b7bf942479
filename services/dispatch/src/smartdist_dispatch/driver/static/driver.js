/* The driver's phone app: today's stops, arrive / deliver / fail with proof and cash, GPS, notices.
   Every action goes through SmartDist.OfflineQueue with its own Idempotency-Key, so actions taken
   without signal wait on the phone and a replay after reconnecting never counts twice. */
(function () {
  "use strict";

  const root = document.getElementById("driver-app");
  if (!root) return;
  const T = JSON.parse(document.getElementById("driver-texts").textContent);
  const API = root.dataset.api;
  const LANG = root.dataset.lang || "zh-TW";
  const driverId = root.dataset.driverId;
  const who = driverId || "me";
  const CACHE = "smartdist.driver.today." + who;
  const GPS_BUFFER = "smartdist.driver.gps." + who;
  const STOP_ACTION = /\/stops\/(\d+)\/(arrive|deliver|fail)(\?|$)/;
  const ACK = /\/notices\/(\d+)\/ack(\?|$)/;

  let today = null;
  let openPanel = null;  // a stop whose form is open is not redrawn under the driver's finger
  const queue = new SmartDist.OfflineQueue("driver-" + who, showPending);
  const gpsQueue = new SmartDist.OfflineQueue("driver-gps-" + who);

  function url(path) { return API + path + (driverId ? "?driver_id=" + encodeURIComponent(driverId) : ""); }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "on") for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function clock(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleTimeString(LANG, {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Taipei"});
  }

  /* -- sync state --------------------------------------------------------------------------- */

  function showPending(count) {
    const box = document.getElementById("pending");
    box.hidden = count === 0;
    document.getElementById("pending-count").textContent = String(count);
    document.getElementById("pending-label").textContent = T.pending.replace("{count}", "").trim();
    box.dataset.count = String(count);
  }

  function showNetwork() {
    document.getElementById("net").hidden = navigator.onLine;
  }

  function showRejected() {
    const list = document.getElementById("rejected");
    const rejected = queue.rejected || [];
    list.hidden = rejected.length === 0;
    list.replaceChildren(...rejected.map((item) => el("li", {text: T.rejected + ": " + (item.error || "")})));
  }

  async function sync() {
    showNetwork();
    const left = await queue.flush();
    showRejected();
    if (left === 0 && navigator.onLine) await load();
  }

  /* What the phone has done but the server may not know yet: the queued actions, applied on top. */
  function localOutcomes() {
    const stops = {};
    const acked = new Set();
    for (const item of queue.items()) {
      const stop = STOP_ACTION.exec(item.url);
      if (stop) {
        const status = {arrive: "arrived", deliver: "delivered", fail: "failed"}[stop[2]];
        const current = stops[stop[1]];
        if (!(status === "arrived" && current && current !== "arrived")) stops[stop[1]] = status;
      }
      const ack = ACK.exec(item.url);
      if (ack) acked.add(Number(ack[1]));
    }
    return {stops, acked};
  }

  async function load() {
    const problem = document.getElementById("problem");
    try {
      today = await SmartDist.api(url("/routes/today"));
      localStorage.setItem(CACHE, JSON.stringify(today));
      problem.hidden = true;
    } catch (err) {
      if (!err.status) {
        today = today || JSON.parse(localStorage.getItem(CACHE) || "null");  // offline: the last copy
      } else if (err.status === 422 && !driverId) {
        today = null;
        await pickDriver();  // a dispatcher or owner: whose day to open
      } else {
        problem.hidden = false;
        problem.textContent = err.status === 403 ? T.not_driver : err.message;
        today = null;
      }
    }
    render();
  }

  async function pickDriver() {
    const drivers = await SmartDist.api(API.replace(/\/driver$/, "/drivers") + "?limit=200");
    const here = new URL(location.href);
    document.getElementById("routes").replaceChildren(el("h2", {text: T.pick_driver}), el("ul", {id: "driver-picker"},
      drivers.items.map((d) => {
        here.searchParams.set("driver_id", d.id);
        return el("li", {}, [el("a", {href: here.pathname + here.search, text: d.code + " · " + d.name})]);
      })));
  }

  /* -- drawing the day ---------------------------------------------------------------------- */

  function render() {
    if (openPanel !== null || document.getElementById("driver-picker")) return;
    const routesBox = document.getElementById("routes");
    const noticesBox = document.getElementById("notices");
    if (!today) { routesBox.replaceChildren(); noticesBox.replaceChildren(); return; }
    const local = localOutcomes();
    noticesBox.replaceChildren(...today.routes.flatMap((route) => route.notices
      .filter((n) => !local.acked.has(n.id))
      .map((n) => el("div", {class: "notice", "data-notice-id": n.id}, [
        el("strong", {text: T.notice + " · " + T.revision + " " + n.revision}),
        el("div", {text: n.message}),
        el("button", {type: "button", class: "ack", text: T.ack, on: {click: () => acknowledge(n)}}),
      ]))));
    if (!today.routes.length) {
      routesBox.replaceChildren(el("p", {class: "lead", id: "no-routes", text: T.no_routes}));
      return;
    }
    const parts = [];
    for (const route of today.routes) {
      const stops = route.stops.map((s) => Object.assign({}, s, {status: local.stops[s.id] || s.status}));
      const done = stops.filter((s) => s.status === "delivered" || s.status === "failed").length;
      parts.push(el("div", {class: "route-head", "data-route-id": route.id}, [
        el("h2", {text: T.route + " " + route.seq + " · " + T.vehicle + " " + (route.vehicle_code || "")}),
        el("span", {class: "chip route-status", text: T["route_status." + route.status] || route.status}),
        el("span", {class: "chip progress", text: T.progress.replace("{done}", done).replace("{total}", stops.length)}),
      ]));
      // The stops still to do come first, in driving order, so the next one is at the driver's
      // thumb; the finished ones fold away below (open them to check a proof or a reason).
      const finished = stops.filter((s) => s.status === "delivered" || s.status === "failed");
      for (const stop of stops) if (!finished.includes(stop)) parts.push(stopCard(stop));
      if (finished.length) {
        parts.push(el("details", {class: "finished-stops", "data-route-id": route.id}, [
          el("summary", {text: T.done_stops.replace("{n}", finished.length)}),
          ...finished.map(stopCard),
        ]));
      }
    }
    routesBox.replaceChildren(...parts);
  }

  function stopCard(stop) {
    const final = stop.status === "delivered" || stop.status === "failed";
    const windows = (stop.time_windows || []).map((w) => clock(w[0]) + "–" + clock(w[1])).join(", ");
    const card = el("article", {class: "stop", "data-stop-id": stop.id, "data-status": stop.status,
                                "data-order-no": stop.order_no}, [
      el("h3", {text: T.stop.replace("{seq}", stop.seq) + " · " + stop.customer_name}),
      el("span", {class: "status", text: T["status." + stop.status] || stop.status}),
      stop.cash_exception ? el("span", {class: "chip bad", text: T.cash_exception}) : null,
      el("div", {class: "addr", text: stop.address}),
      el("div", {class: "meta", text: T.eta + " " + clock(stop.eta) + (windows ? " · " + T.window + " " + windows : "") +
                                      " · " + stop.order_no}),
      stop.cash_to_collect_twd > 0 ? el("div", {class: "cash", text: T.cash_due + " NT$" + stop.cash_to_collect_twd}) : null,
      stop.notes ? el("div", {class: "meta notes", text: T.notes + "：" + stop.notes}) : null,
      el("div", {class: "links"}, [
        el("a", {class: "navigate", target: "_blank", rel: "noopener", text: T.navigate,
                 href: "https://www.google.com/maps/dir/?api=1&destination=" + stop.lat + "," + stop.lng}),
        stop.phone ? el("a", {class: "call", href: "tel:" + stop.phone.replace(/[^0-9+]/g, ""), text: T.call}) : null,
      ]),
    ]);
    if (final) return card;
    const actions = el("div", {class: "actions"}, [
      el("button", {type: "button", class: "action-arrive secondary", text: T.arrive, disabled: stop.status !== "pending",
                    on: {click: () => act(stop, "arrive", {})}}),
      el("button", {type: "button", class: "action-deliver", text: T.deliver, on: {click: () => open(card, "deliver")}}),
      el("button", {type: "button", class: "action-fail danger", text: T.fail, on: {click: () => open(card, "fail")}}),
    ]);
    card.appendChild(actions);
    card.appendChild(deliverPanel(stop));
    card.appendChild(failPanel(stop));
    return card;
  }

  function open(card, which) {
    for (const panel of card.querySelectorAll(".panel")) panel.hidden = !panel.classList.contains(which + "-panel");
    openPanel = Number(card.dataset.stopId);
    const canvas = card.querySelector("." + which + "-panel canvas.signature");
    if (canvas) canvas.pad.reset();
  }

  function close() {
    openPanel = null;
    render();
  }

  function deliverPanel(stop) {
    const due = stop.cash_to_collect_twd;
    const cash = el("input", {name: "cash_collected_twd", type: "number", inputmode: "numeric", min: "0", step: "1",
                              value: due > 0 ? String(due) : ""});
    const mismatch = el("div", {class: "meta cash-mismatch", text: T.cash_mismatch, hidden: true});
    cash.addEventListener("input", () => { mismatch.hidden = !(due > 0 && cash.value !== "" && Number(cash.value) !== due); });
    const recipient = el("input", {name: "recipient_name", type: "text", autocomplete: "off"});
    const note = el("input", {name: "note", type: "text"});
    const canvas = el("canvas", {class: "signature"});
    canvas.pad = signaturePad(canvas);
    const photo = el("input", {name: "photo", type: "file", accept: "image/*", capture: "environment"});
    const error = el("div", {class: "error", hidden: true});
    const confirm = async () => {
      if (due > 0 && cash.value === "") { error.hidden = false; error.textContent = T.cash_required; return; }
      const proofs = [];
      if (!canvas.pad.isEmpty()) proofs.push({kind: "signature", file: {$file: canvas.toDataURL("image/png"), name: "signature.png"}});
      if (photo.files && photo.files[0]) proofs.push({kind: "photo", file: {$file: await shrink(photo.files[0]), name: "photo.jpg"}});
      const body = {recipient_name: recipient.value.trim(), note: note.value.trim()};
      if (cash.value !== "") body.cash_collected_twd = Math.round(Number(cash.value));
      act(stop, "deliver", body, proofs);
    };
    return el("div", {class: "panel deliver-panel", hidden: true}, [
      el("label", {}, [document.createTextNode(T.recipient), recipient]),
      due > 0 ? el("label", {}, [document.createTextNode(T.cash_collected), cash]) : null,
      mismatch,
      el("label", {}, [document.createTextNode(T.note), note]),
      el("div", {}, [document.createTextNode(T.signature)]),
      canvas,
      el("button", {type: "button", class: "secondary clear-signature", text: T.clear, on: {click: () => canvas.pad.reset()}}),
      el("label", {}, [document.createTextNode(T.photo), photo]),
      error,
      el("div", {class: "row"}, [
        el("button", {type: "button", class: "secondary", text: T.cancel, on: {click: close}}),
        el("button", {type: "button", class: "confirm-deliver", text: T.confirm_deliver, on: {click: confirm}}),
      ]),
    ]);
  }

  function failPanel(stop) {
    const reason = el("select", {name: "reason_code"},
      T.reason_codes.map((code) => el("option", {value: code, text: T["reason." + code]})));
    const note = el("input", {name: "fail_note", type: "text"});
    const error = el("div", {class: "error", hidden: true});
    const confirm = () => {
      if (reason.value === "other" && !note.value.trim()) { error.hidden = false; error.textContent = T.note_required; return; }
      act(stop, "fail", {reason_code: reason.value, note: note.value.trim()});
    };
    return el("div", {class: "panel fail-panel", hidden: true}, [
      el("label", {}, [document.createTextNode(T.reason), reason]),
      el("label", {}, [document.createTextNode(T.note), note]),
      error,
      el("div", {class: "row"}, [
        el("button", {type: "button", class: "secondary", text: T.cancel, on: {click: close}}),
        el("button", {type: "button", class: "danger confirm-fail", text: T.confirm_fail, on: {click: confirm}}),
      ]),
    ]);
  }

  /* -- actions ------------------------------------------------------------------------------ */

  function act(stop, action, body, proofs) {
    const now = new Date().toISOString();
    const pushes = [];
    for (const proof of proofs || []) {
      pushes.push(queue.push(url("/stops/" + stop.id + "/proofs"), "POST",
                             {$form: {kind: proof.kind, taken_at: now, file: proof.file}}));
    }
    pushes.push(queue.push(url("/stops/" + stop.id + "/" + action), "POST", Object.assign({occurred_at: now}, body)));
    openPanel = null;
    render();
    Promise.all(pushes).then(sync);
  }

  function acknowledge(notice) {
    queue.push(url("/notices/" + notice.id + "/ack"), "POST", {}).then(sync);
    render();
  }

  /* A phone photo is several MB: send a 1600 px JPEG, which is proof enough and fits the queue. */
  function shrink(file) {
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => {
        const scale = Math.min(1, 1600 / Math.max(image.width, image.height));
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(image.width * scale);
        canvas.height = Math.round(image.height * scale);
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(image.src);
        resolve(canvas.toDataURL("image/jpeg", 0.8));
      };
      image.onerror = reject;
      image.src = URL.createObjectURL(file);
    });
  }

  function signaturePad(canvas) {
    let drawing = false;
    let drawn = false;
    const ctx = () => canvas.getContext("2d");
    function point(ev) {
      const box = canvas.getBoundingClientRect();
      return [(ev.clientX - box.left) * canvas.width / box.width, (ev.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", (ev) => {
      drawing = true;
      canvas.setPointerCapture(ev.pointerId);
      const [x, y] = point(ev);
      ctx().beginPath();
      ctx().moveTo(x, y);
      ev.preventDefault();
    });
    canvas.addEventListener("pointermove", (ev) => {
      if (!drawing) return;
      const [x, y] = point(ev);
      const c = ctx();
      c.lineTo(x, y);
      c.stroke();
      drawn = true;
      ev.preventDefault();
    });
    for (const name of ["pointerup", "pointercancel"]) canvas.addEventListener(name, () => { drawing = false; });
    return {
      isEmpty: () => !drawn,
      reset() {
        const box = canvas.getBoundingClientRect();
        canvas.width = Math.max(Math.round(box.width), 300);
        canvas.height = Math.max(Math.round(box.height), 120);
        const c = ctx();
        c.fillStyle = "#fff";
        c.fillRect(0, 0, canvas.width, canvas.height);
        c.lineWidth = 3;
        c.lineCap = "round";
        c.strokeStyle = "#1d2733";
        drawn = false;
      },
    };
  }

  /* -- GPS ---------------------------------------------------------------------------------- */

  function activeRoute() {
    return today && today.routes.find((r) => r.status !== "completed");
  }

  function sendBreadcrumbs() {
    const route = activeRoute();
    const points = JSON.parse(localStorage.getItem(GPS_BUFFER) || "[]");
    if (!route || !points.length) return;
    localStorage.setItem(GPS_BUFFER, "[]");
    gpsQueue.push(url("/routes/" + route.id + "/breadcrumbs"), "POST", points);
  }

  function watchGps() {
    const chip = document.getElementById("gps");
    if (!navigator.geolocation) return;
    navigator.geolocation.watchPosition((pos) => {
      chip.textContent = T.gps;
      chip.dataset.on = "true";
      const points = JSON.parse(localStorage.getItem(GPS_BUFFER) || "[]");
      points.push({lat: pos.coords.latitude, lng: pos.coords.longitude,
                   accuracy_m: pos.coords.accuracy === null ? null : Math.round(pos.coords.accuracy),
                   recorded_at: new Date(pos.timestamp).toISOString()});
      localStorage.setItem(GPS_BUFFER, JSON.stringify(points.slice(-500)));
      if (points.length >= 10) sendBreadcrumbs();
    }, () => { chip.textContent = T.gps_off; chip.dataset.on = "false"; },
    {enableHighAccuracy: true, maximumAge: 10000, timeout: 60000});
  }

  /* -- a reload without signal ---------------------------------------------------------------- */

  function keepForOffline() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext || !window.caches) return;
    const base = API.slice(0, -"/api/v1/driver".length);
    navigator.serviceWorker.register(base + "/driver/sw.js", {scope: base + "/driver"}).catch(() => {});
    caches.open("smartdist-driver")
      .then((cache) => cache.addAll([location.pathname + location.search, base + "/driver/app.js",
                                     base + "/static/smartdist.js", base + "/static/smartdist.css"]))
      .catch(() => {});  // offline now: the copy from the last visit stays
  }

  /* -- start -------------------------------------------------------------------------------- */

  window.addEventListener("online", sync);
  window.addEventListener("offline", showNetwork);
  showPending(queue.items().length);
  showNetwork();
  load().then(sync);
  keepForOffline();
  watchGps();
  setInterval(() => { if (queue.items().length && navigator.onLine) sync(); }, 5000);
  setInterval(sendBreadcrumbs, 30000);
  // Rush stops and re-plans reach the phone within a minute (render() leaves an open form alone).
  setInterval(() => { if (navigator.onLine && !queue.items().length) load(); }, 60000);
  window.SmartDistDriver = {sync, load, sendBreadcrumbs, queue, gpsQueue};
})();
