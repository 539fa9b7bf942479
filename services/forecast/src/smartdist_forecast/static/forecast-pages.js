/* The forecast pages' scripts: they call the service's JSON API with the sign-in cookie
   (SmartDist.api) and draw what comes back; the server decides everything. */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }

  function cell(row, value, className) {
    const td = document.createElement("td");
    td.textContent = value === null || value === undefined ? "" : value;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function fillTable(table, rows, columns, emptyText) {
    const body = table.querySelector("tbody");
    body.replaceChildren();
    if (!rows.length && emptyText) {
      const tr = document.createElement("tr");
      tr.className = "none";
      cell(tr, emptyText).colSpan = columns.length;
      body.appendChild(tr);
    }
    rows.forEach(function (item) {
      const tr = document.createElement("tr");
      columns.forEach(function (column) {
        const value = typeof column === "function" ? column(item) : item[column];
        cell(tr, value);
      });
      body.appendChild(tr);
    });
    table.dataset.rows = String(rows.length);
  }

  function showProblem(element, error) {
    const p = (error && error.problem) || {};
    const details = (p.errors || []).filter(function (e) { return e.message; }).map(function (e) {
      return (e.loc ? e.loc.filter(function (x) { return x !== "body"; }).join(".") + ": " : "") + e.message;
    });
    element.textContent = [p.detail || p.title || (error && error.message) || String(error)].concat(details.slice(0, 5)).join(" — ");
  }

  /* A row error in the page's language: its code's catalog text with its values, else as sent. */
  function rowMessage(error, texts) {
    const template = error.code && texts && texts[error.code];
    if (!template) return error.message;
    const params = error.params || {};
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in params && params[name] !== null ? String(params[name]) : whole;
    });
  }

  /* People read names, with the code beside it: "芝司樂原味高鈣起司250g（11001010）". */
  function named(name, code) { return name ? name + "（" + code + "）" : String(code); }

  function fixed(x, digits) { return typeof x === "number" && isFinite(x) ? x.toFixed(digits) : "–"; }
  function percent(x) { return typeof x === "number" && isFinite(x) ? (x * 100).toFixed(1) + "%" : "–"; }

  /* POST a FormData with XMLHttpRequest so the upload's own progress can be shown. */
  function uploadWithProgress(url, data, onProgress, networkText) {
    return new Promise(function (resolve, reject) {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) onProgress(ev.loaded / ev.total);
      });
      xhr.upload.addEventListener("load", function () { onProgress(1); });
      xhr.addEventListener("load", function () {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {detail: xhr.responseText}; }
        resolve({status: xhr.status, body: body});
      });
      xhr.addEventListener("error", function () { reject(new Error(networkText || "network error")); });
      xhr.send(data);
    });
  }

  function jobLabels(text) {
    return {queued: text.queued, running: text.running, succeeded: text.succeeded, failed: text.failed};
  }

  /* ---------- /sales/upload ---------- */
  function uploadPage(cfg) {
    const form = $("#upload-form");
    const box = $("#upload-progress");
    const bar = box.querySelector("progress");
    const problem = $("#problem");

    function showResult(result, stored) {
      $("#result").hidden = false;
      $("#rows-accepted").textContent = result.rows_accepted;
      $("#rows-rejected").textContent = result.rows_rejected;
      $("#nothing-stored").hidden = stored;
      const errors = result.errors || [];
      $("#no-errors").hidden = errors.length > 0;
      $("#errors").hidden = errors.length === 0;
      $("#errors-truncated").hidden = !result.errors_truncated;
      fillTable($("#errors"), errors, ["row", "column", function (e) { return rowMessage(e, cfg.errorTexts); }]);
      $("#to-forecasts").hidden = !(stored && result.rows_accepted > 0);
    }

    function showQuality(q) {
      $("#quality").hidden = false;
      $("#q-scope").textContent = q.scope === "stored" ? cfg.text.scope_stored : cfg.text.scope_file;
      $("#q-rows").textContent = q.rows;
      $("#q-series").textContent = q.series;
      $("#q-period").textContent = q.first_date ? q.first_date + " – " + q.last_date : "–";
      $("#q-missing").textContent = q.missing_days;
      $("#q-negative").textContent = q.negative_rows;
      const none = cfg.text.none;
      fillTable($("#q-gaps"), q.gaps, ["store", "sku", "missing_days", "longest_gap_days", "first_missing"], none);
      fillTable($("#q-zero-runs"), q.zero_runs, ["store", "sku", "start", "end", "days"], none);
      fillTable($("#q-outliers"), q.outliers, ["store", "sku", "date", "qty",
        function (o) { return fixed(o.typical, 1); }, "z"], none);
      const compared = q.compared_with_model !== null;
      $("#q-no-model").hidden = compared;
      $("#q-unknown").hidden = !compared;
      $("#q-unknown-stores").textContent = q.unknown_stores.length ? q.unknown_stores.join(", ") : cfg.text.none;
      $("#q-unknown-skus").textContent = q.unknown_skus.length ? q.unknown_skus.join(", ") : cfg.text.none;
      const byColumn = Object.keys(q.rejected_by_column).sort().map(function (k) { return [k, q.rejected_by_column[k]]; });
      fillTable($("#q-rejected"), byColumn, [function (p) { return p[0]; }, function (p) { return p[1]; }], none);
      $("#quality").dataset.loaded = "true";
    }

    const checkStored = $("#check-stored");
    if (checkStored) {
      checkStored.addEventListener("click", async function () {
        problem.textContent = "";
        $("#result").hidden = true;
        $("#quality-pos-only").hidden = true;
        try {
          showQuality(await SmartDist.api(cfg.root + "/forecast-data/quality-report"));
        } catch (error) { showProblem(problem, error); }
      });
    }

    const online = function () { return form.elements.kind.value === "online"; };
    form.querySelectorAll("input[name=kind]").forEach(function (radio) {
      radio.addEventListener("change", function () { $("#online-format").hidden = !online(); });
    });

    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const file = form.elements.file.files[0];
      if (!file) return;
      const isOnline = online();
      problem.textContent = "";
      $("#result").hidden = true;
      $("#quality").hidden = true;
      $("#quality-pos-only").hidden = true;
      $("#import-job").hidden = true;
      $("#upload-submit").disabled = true;
      box.hidden = false;
      box.dataset.status = "running";
      bar.value = 0;
      const status = box.querySelector(".upload-status");
      const pct = box.querySelector(".upload-percent");
      status.textContent = cfg.text.uploading;
      const data = new FormData();
      data.append("file", file);
      const partial = form.elements.partial.checked;
      try {
        const path = isOnline ? "/api/v1/online-orders/import" : "/api/v1/sales/import";
        const answer = await uploadWithProgress(
          cfg.root + path + (partial ? "?partial=true" : ""), data,
          function (fraction) {
            if (fraction >= 1) {
              // The bytes are sent; what the server does now is not a share of them: no "100%"
              // standing still, a moving bar until it answers (or the import job takes over).
              bar.removeAttribute("value");
              pct.textContent = "";
              status.textContent = cfg.text.processing;
            } else {
              bar.value = fraction;
              pct.textContent = Math.round(fraction * 100) + "%";
            }
          }, cfg.text.network);
        let result = null;
        let stored = false;
        if (answer.status === 202) {
          // A large file is imported by a background job: follow the server's own stages.
          bar.value = 1;
          status.textContent = cfg.text.in_background;
          const job = await SmartDist.watchJob(cfg.root + "/api/v1/jobs/" + answer.body.job_id,
                                               $("#import-job"), jobLabels(cfg.text));
          result = job.result;
          stored = result.rows_accepted > 0 || (result.errors || []).length === 0;
        } else if (answer.status === 200) {
          result = answer.body;
          stored = true;
        } else if (answer.status === 422 && (answer.body.errors || []).some(function (e) { return e.row; })) {
          result = {rows_accepted: 0, rows_rejected: answer.body.rows_rejected, errors: answer.body.errors};
        } else {
          throw Object.assign(new Error(answer.body.detail || String(answer.status)), {problem: answer.body});
        }
        bar.value = 1;
        status.textContent = cfg.text.done;
        box.dataset.status = "succeeded";
        showResult(result, stored);
        if (isOnline) { $("#quality-pos-only").hidden = false; return; }
        const again = new FormData();
        again.append("file", file);
        showQuality(await SmartDist.api(cfg.root + "/forecast-data/quality-report", {method: "POST", body: again}));
      } catch (error) {
        box.dataset.status = "failed";
        showProblem(problem, error.job ? {message: error.job.error} : error);
      } finally {
        $("#upload-submit").disabled = false;
      }
    });
  }

  /* ---------- /forecasts ---------- */
  async function allPages(url) {
    let items = [];
    let cursor = null;
    do {
      const page = await SmartDist.api(url + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      items = items.concat(page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  function trainButton(cfg, onDone) {
    const form = $("#train-form");
    const box = $("#train-job");
    const problem = $("#problem");

    function follow(jobId) {
      $("#train").disabled = true;
      return SmartDist.watchJob(cfg.root + "/api/v1/jobs/" + jobId, box, jobLabels(cfg.text))
        .then(onDone)
        .catch(function (error) { showProblem(problem, error.job ? {message: error.job.error} : error); })
        .finally(function () { $("#train").disabled = false; });
    }

    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      problem.textContent = "";
      try {
        const started = await SmartDist.api(cfg.root + "/api/v1/training-runs", {
          method: "POST",
          body: {horizon_days: Number(form.elements.horizon_days.value)},
          headers: {"Idempotency-Key": SmartDist.newKey()},
        });
        await follow(started.job_id);
      } catch (error) { showProblem(problem, error); }
    });
    if (cfg.runningJob) follow(cfg.runningJob);
  }

  async function forecastsPage(cfg) {
    // A new store shows its first product (the server picks it); a new product shows that series.
    $("#store").addEventListener("change", function () {
      window.location.href = cfg.root + "/forecasts?store=" + encodeURIComponent($("#store").value);
    });
    $("#sku").addEventListener("change", function () {
      window.location.href = cfg.root + "/forecasts?store=" + encodeURIComponent(cfg.store) +
        "&sku=" + encodeURIComponent($("#sku").value);
    });
    trainButton(cfg, function () {
      $("#train-job .job-message").textContent = cfg.text.trained;
      window.location.reload();
    });

    const query = "store=" + encodeURIComponent(cfg.store) + "&sku=" + encodeURIComponent(cfg.sku);
    const problem = $("#problem");
    let sales = [];
    let points = [];
    try {
      [sales, points] = await Promise.all([
        allPages(cfg.root + "/api/v1/sales?" + query + "&from=" + cfg.historyFrom + "&limit=500"),
        allPages(cfg.root + "/api/v1/forecasts?" + query + "&limit=500"),
      ]);
    } catch (error) { showProblem(problem, error); return; }

    // /sales answers one row per day and channel (counter, delivery, pickup): the chart shows the day's total.
    const actual = {};
    const stockout = {};
    sales.forEach(function (s) {
      actual[s.date] = (actual[s.date] || 0) + s.qty - (s.returned_qty || 0);
      if (s.stockout_qty > 0) stockout[s.date] = true;
    });
    const forecast = {};
    points.forEach(function (p) { forecast[p.date] = p; });
    const labels = Array.from(new Set(Object.keys(actual).concat(Object.keys(forecast)))).sort();
    const pick = function (table, field) {
      return labels.map(function (d) { return d in table ? (field ? table[d][field] : table[d]) : null; });
    };
    $("#no-forecast").hidden = !(cfg.hasModel && points.length === 0);

    const chart = new Chart($("#chart"), {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          {label: cfg.text.actual, data: pick(actual), borderColor: "#1d2733", backgroundColor: "#1d2733",
           borderWidth: 1.5, pointRadius: 0, spanGaps: false},
          {label: cfg.text.lo, data: pick(forecast, "yhat_lo"), borderColor: "rgba(11,122,111,0.3)",
           borderWidth: 1, pointRadius: 0, fill: false},
          {label: cfg.text.hi, data: pick(forecast, "yhat_hi"), borderColor: "rgba(11,122,111,0.3)",
           backgroundColor: "rgba(11,122,111,0.18)", borderWidth: 1, pointRadius: 0, fill: "-1"},
          {label: cfg.text.yhat, data: pick(forecast, "yhat"), borderColor: "#0b7a6f", backgroundColor: "#0b7a6f",
           borderWidth: 2, pointRadius: 0},
          // Days an online channel ran out: the sales understate demand there.
          {label: cfg.text.stockout, data: labels.map(function (d) { return stockout[d] ? actual[d] || 0 : null; }),
           showLine: false, pointRadius: 5, pointStyle: "triangle", borderColor: "#b3261e", backgroundColor: "#b3261e"},
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: {mode: "index", intersect: false},
        scales: {x: {ticks: {maxTicksLimit: 8}}, y: {beginAtZero: true}},
        plugins: {legend: {labels: {filter: function (item) {
          return item.datasetIndex !== 1 && (item.datasetIndex !== 4 || Object.keys(stockout).length > 0);
        }}}},
      },
    });
    window.FC.chart = chart;

    // The table: the last two weeks of actuals, then every forecast day.
    const forecastDays = labels.filter(function (d) { return d in forecast; });
    const recent = labels.filter(function (d) { return !(d in forecast); }).slice(-14);
    const body = $("#daily tbody");
    body.replaceChildren();
    recent.concat(forecastDays).forEach(function (d) {
      const tr = document.createElement("tr");
      const p = forecast[d];
      if (p) tr.className = "forecast";
      cell(tr, d);
      cell(tr, d in actual ? actual[d] + (stockout[d] ? " ▲" : "") : "", "num actual");
      cell(tr, p ? fixed(p.yhat, 1) : "", "num");
      cell(tr, p ? fixed(p.yhat_lo, 1) : "", "num");
      cell(tr, p ? fixed(p.yhat_hi, 1) : "", "num");
      body.appendChild(tr);
    });
    $("#chart").dataset.ready = "true";
  }

  /* ---------- /replenishment ---------- */
  function replenishmentPage(cfg) {
    const policy = $("#policy-form");
    const problem = $("#problem");

    function policyBody() {
      return {
        lead_time_days: Number(policy.elements.lead_time_days.value),
        review_days: Number(policy.elements.review_days.value),
        service_level: Number(policy.elements.service_level.value),
      };
    }

    function recommendationBody() {
      const stock = Array.from(document.querySelectorAll("#stock tbody tr")).map(function (tr) {
        return {store: tr.dataset.store, sku: tr.dataset.sku,
                on_hand: Number(tr.querySelector(".on-hand").value || 0),
                on_order: Number(tr.querySelector(".on-order").value || 0)};
      });
      return Object.assign(policyBody(), {pack_size: Number(policy.elements.pack_size.value), stock: stock});
    }

    async function prefillStock() {
      // The on-hand counts the WMS reported (GET /api/v1/stock), where the service keeps them.
      let items = [];
      try { items = await allPages(cfg.root + "/api/v1/stock?limit=500"); } catch (error) { return; }
      let filled = 0;
      items.forEach(function (s) {
        const store = s.store || s.location;
        const tr = Array.from(document.querySelectorAll("#stock tbody tr")).find(function (row) {
          return row.dataset.store === String(store) && row.dataset.sku === String(s.sku);
        });
        if (tr && typeof s.on_hand === "number") { tr.querySelector(".on-hand").value = s.on_hand; filled += 1; }
      });
      $("#stock-source").hidden = filled === 0;
    }

    // One Idempotency-Key per distinct request: showing the table and downloading it as CSV or
    // Excel are one recommendation, so its KPI records and event are logged once, not per download.
    let lastRequest = null;
    let lastKey = null;
    function keyFor(body) {
      const text = JSON.stringify(body);
      if (text !== lastRequest) { lastRequest = text; lastKey = SmartDist.newKey(); }
      return lastKey;
    }

    async function recommend() {
      problem.textContent = "";
      if (!policy.reportValidity()) return;
      const body = recommendationBody();
      try {
        const answer = await SmartDist.api(cfg.root + "/api/v1/replenishment/recommendations", {
          method: "POST", body: body, headers: {"Idempotency-Key": keyFor(body)},
        });
        $("#recommendations").hidden = false;
        fillTable($("#lines"), answer.items, [
          function (x) { return named(x.store_name || (cfg.names.stores || {})[x.store], x.store); },
          function (x) { return named(x.product_name || (cfg.names.products || {})[x.sku], x.sku); },
          "on_hand", "on_order",
          function (x) { return fixed(x.expected_demand, 1); }, function (x) { return fixed(x.safety_stock, 1); },
          function (x) { return fixed(x.order_up_to, 1); }, "order_qty"]);
      } catch (error) { showProblem(problem, error); }
    }

    async function download(format) {
      problem.textContent = "";
      if (!policy.reportValidity()) return;
      const body = recommendationBody();
      const response = await fetch(cfg.root + "/api/v1/replenishment/recommendations?format=" + format, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Idempotency-Key": keyFor(body)},
        body: JSON.stringify(body),
      });
      if (!response.ok) { showProblem(problem, {problem: await response.json()}); return; }
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = "replenishment." + format;
      document.body.appendChild(link);
      link.click();
      link.remove();
    }

    if (cfg.hasModel) {
      $("#recommend").addEventListener("click", recommend);
      $("#download-csv").addEventListener("click", function () { download("csv"); });
      $("#download-xlsx").addEventListener("click", function () { download("xlsx"); });
      prefillStock();
    }

    const simForm = $("#simulation-form");
    if (simForm) {
      simForm.addEventListener("submit", async function (ev) {
        ev.preventDefault();
        problem.textContent = "";
        if (!policy.reportValidity()) return;
        $("#simulate").disabled = true;
        try {
          const started = await SmartDist.api(cfg.root + "/api/v1/inventory-simulations", {
            method: "POST", body: Object.assign(policyBody(), {cover_days: Number(simForm.elements.cover_days.value)}),
            headers: {"Idempotency-Key": SmartDist.newKey()},
          });
          const job = await SmartDist.watchJob(cfg.root + "/api/v1/jobs/" + started.job_id, $("#simulation-job"),
                                               jobLabels(cfg.text));
          // The server draws the result with its explanation and the per-product table.
          if (job.status === "succeeded") window.location.reload();
        } catch (error) {
          showProblem(problem, error.job ? {message: error.job.error} : error);
        } finally {
          $("#simulate").disabled = false;
        }
      });
    }
  }

  window.FC = {uploadPage: uploadPage, forecastsPage: forecastsPage, replenishmentPage: replenishmentPage,
               chart: null};
})();
