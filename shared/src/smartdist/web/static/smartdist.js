/* smartdist page helpers shared by every service: API calls, job progress, offline queue. */
(function () {
  "use strict";

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  /* What a person reads of a problem+json answer: its detail (already in the page's language),
     then each per-item message the detail does not already say (a row, a field), once each. */
  function problemText(problem, fallback) {
    if (!problem || typeof problem !== "object") return fallback || "";
    const parts = [];
    const head = problem.detail || problem.title || fallback || "";
    if (head) parts.push(head);
    for (const item of problem.errors || []) {
      const text = item && item.message;
      if (text && !parts.some(function (p) { return p.indexOf(text) !== -1; })) parts.push(text);
    }
    return parts.join("\n");
  }

  async function api(url, options) {
    options = options || {};
    // The API answers its human texts in the page's language (zh-TW unless the page is English).
    const lang = document.documentElement.lang || "zh-TW";
    const headers = Object.assign({"Accept": "application/json", "Accept-Language": lang}, options.headers || {});
    let body = options.body;
    if (body !== undefined && !(body instanceof FormData) && typeof body !== "string") {
      body = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    const response = await fetch(url, {method: options.method || "GET", headers, body, credentials: "same-origin"});
    const type = response.headers.get("content-type") || "";
    const payload = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      const error = new Error(problemText(payload, response.statusText));
      error.problem = payload;
      error.status = response.status;
      throw error;
    }
    return payload;
  }

  /* Poll GET /api/v1/jobs/{id} and drive a <progress> until the job is done. */
  function watchJob(jobUrl, container, labels) {
    labels = labels || {};
    container.hidden = false;
    const bar = container.querySelector("progress");
    const status = container.querySelector(".job-status");
    const message = container.querySelector(".job-message");
    return new Promise(function (resolve, reject) {
      async function tick() {
        try {
          const job = await api(jobUrl);
          bar.value = job.progress;
          status.textContent = labels[job.status] || job.status;
          message.textContent = job.message || job.error || "";
          container.dataset.status = job.status;
          if (job.status === "succeeded") return resolve(job);
          if (job.status === "failed") return reject(Object.assign(new Error(job.error || "failed"), {job}));
          setTimeout(tick, 700);
        } catch (err) {
          setTimeout(tick, 2000);  // a dropped poll is not a failed job
        }
      }
      tick();
    });
  }

  /* Actions taken offline (driver, picker) wait in localStorage and are replayed in order.
     Each carries its Idempotency-Key, so a replay after a lost answer creates nothing twice. */
  function OfflineQueue(name, onChange) {
    this.key = "smartdist.queue." + name;
    this.onChange = onChange || function () {};
    window.addEventListener("online", () => this.flush());
  }
  OfflineQueue.prototype.items = function () {
    try { return JSON.parse(localStorage.getItem(this.key) || "[]"); } catch (e) { return []; }
  };
  OfflineQueue.prototype.save = function (items) {
    localStorage.setItem(this.key, JSON.stringify(items));
    this.onChange(items.length);
  };
  OfflineQueue.prototype.push = function (url, method, body) {
    const items = this.items();
    items.push({url, method, body, key: newKey(), at: new Date().toISOString()});
    this.save(items);
    return this.flush();
  };
  /* localStorage holds JSON only: an upload is queued as {"$form": {field: value | {"$file": dataURL,
     "name": filename}}} and sent as multipart/form-data. */
  function requestBody(body) {
    if (!body || typeof body !== "object" || !body.$form) return body;
    const form = new FormData();
    for (const [name, value] of Object.entries(body.$form)) {
      if (value && typeof value === "object" && value.$file) {
        const [head, data] = value.$file.split(",");
        const bytes = atob(data);
        const buffer = new Uint8Array(bytes.length);
        for (let i = 0; i < bytes.length; i++) buffer[i] = bytes.charCodeAt(i);
        form.append(name, new Blob([buffer], {type: head.slice(5, head.indexOf(";"))}), value.name || name);
      } else {
        form.append(name, value);
      }
    }
    return form;
  }
  /* One flush at a time: two overlapping flushes would both drop the head of the queue. */
  OfflineQueue.prototype.flush = function () {
    if (this.flushing) { this.again = true; return this.flushing; }
    this.flushing = this._flush().finally(() => { this.flushing = null; });
    return this.flushing.then((left) => {
      if (this.again) { this.again = false; return this.flush(); }
      return left;
    });
  };
  OfflineQueue.prototype._flush = async function () {
    let items = this.items();
    while (items.length) {
      const item = items[0];
      try {
        await api(item.url, {method: item.method, body: requestBody(item.body), headers: {"Idempotency-Key": item.key}});
      } catch (err) {
        if (!err.status || err.status >= 500 || err.status === 429) break;  // offline or server trouble: retry later
        item.error = err.message;  // the server refused it: keep it visible, don't block the queue
        (this.rejected = this.rejected || []).push(item);
      }
      items = this.items().slice(1);
      this.save(items);
    }
    return items.length;
  };

  async function kpiPage(root, labels) {
    const base = root.dataset.api;
    const tbody = root.querySelector("tbody");
    const summary = await api(base + "/summary");
    tbody.innerHTML = "";
    for (const k of summary.kpis) {
      const tr = document.createElement("tr");
      for (const v of [k.code, k.name, k.value === null ? "–" : k.value + " " + k.unit, k.target + " " + k.unit, k.met ? labels.yes : labels.no]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.appendChild(td);
      }
      tr.title = k.detail || "";
      tbody.appendChild(tr);
    }
    root.querySelector("#kpi-co2e").textContent = summary.co2e_kg;
    const form = root.querySelector("#baselines");
    const baselines = await api(base + "/baselines");
    for (const b of baselines) {
      const label = document.createElement("label");
      label.textContent = b.name + " (" + b.unit + ") ";
      const input = document.createElement("input");
      input.type = "number"; input.step = "any"; input.min = "0"; input.name = b.code;
      input.value = b.value === null ? "" : b.value;
      label.appendChild(input);
      form.appendChild(label);
    }
    if (baselines.length) {
      const button = document.createElement("button");
      button.textContent = labels.save;
      form.appendChild(button);
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        for (const input of form.querySelectorAll("input")) {
          if (input.value !== "") await api(base + "/baselines/" + input.name, {method: "PUT", body: {value: Number(input.value)}});
        }
        kpiPage(root, labels);
      });
    }
  }

  window.SmartDist = {api, problemText, watchJob, OfflineQueue, newKey, kpiPage};

  /* The console's sign-in hands the token to a service on another host by a form POST. */
  const handoff = document.querySelector("form[data-autosubmit]");
  if (handoff) handoff.submit();
})();
