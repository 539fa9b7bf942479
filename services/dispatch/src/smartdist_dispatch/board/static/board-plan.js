/* Plan board: orders waiting, planning with progress, routes as columns of stop cards, publish, rush. */
(function () {
  "use strict";
  const {root} = window.BOARD;
  const {t, hhmm, el, showProblem, clearProblem} = window.BoardUI;
  const day = document.getElementById("day").value;
  const jobLabels = {queued: t("board.job.queued"), running: t("board.job.running"),
    succeeded: t("board.job.succeeded"), failed: t("board.job.failed")};
  let hasPublished = false;
  let vehicles = [];
  const baselineAnswers = {};  // plan id -> the last baseline answer, shown again after a refresh

  function km(metres) { return (metres / 1000).toFixed(1); }

  function notice(text) { document.getElementById("notice").textContent = text; }

  /* The orders the planner left out, each with its reason in words (the code stays in the job result). */
  function unassignedText(missed) {
    return t("board.plan.unassigned") + " " + missed.map((u) => t("board.plan.unassigned_item",
      {order_no: u.order_no, reason: t("board.unassigned." + u.reason)})).join(t("board.plan.separator"));
  }

  function windowText(windows) {
    return (windows || []).map((w) => hhmm(w[0]) + "–" + hhmm(w[1])).join(", ");
  }

  let depots = [];

  async function loadDepots() {
    depots = (await SmartDist.api(root + "/api/v1/depots?limit=200")).items;
    const select = document.getElementById("depot");
    select.replaceChildren(...depots.map((d) => el("option", {value: d.id}, d.code + " " + d.name)));
  }

  async function loadVehicles() {
    vehicles = (await SmartDist.api(root + "/api/v1/vehicles?limit=200")).items;
  }

  /* A new merchant's first visit: say what to set up before planning, and link to it. */
  function setupState() {
    const box = document.getElementById("setup-needed");
    const noDepot = depots.length === 0;
    const noVehicles = !noDepot && !vehicles.some((v) => v.depot_id !== null);
    box.querySelector(".no-depot").hidden = !noDepot;
    box.querySelector(".no-vehicles").hidden = !noVehicles;
    box.hidden = !(noDepot || noVehicles);
    document.getElementById("depot").disabled = noDepot;
  }

  /* The merchant's usual plan for the same orders: per vehicle the order numbers in their usual
     order, judged by PUT /plans/{id}/baseline (plan mode) against the planned distance. */
  function baselineSection(plan, routes) {
    const details = el("details", {className: "baseline", dataset: {planId: plan.id}});
    const summary = el("summary", {}, t("board.baseline.title"));
    const stored = el("span", {className: "stored"});
    if (plan.baseline_distance_m != null) stored.textContent = " · " + t("board.baseline.stored", {km: km(plan.baseline_distance_m)});
    summary.append(stored);
    details.append(summary, el("p", {className: "help"}, t("board.baseline.help")));
    const form = el("form", {className: "baseline-form"});
    const used = routes.map((r) => r.vehicle_id);
    // The plan's vehicles first, then the rest of the fleet (the usual plan may have used others).
    const ordered = [...vehicles.filter((v) => used.includes(v.id)), ...vehicles.filter((v) => !used.includes(v.id))];
    for (const vehicle of ordered) {
      const label = el("label", {className: "baseline-route"});
      label.append(el("span", {className: "vehicle"}, vehicle.code),
        el("input", {type: "text", name: "orders", autocomplete: "off", dataset: {vehicleId: vehicle.id, vehicleCode: vehicle.code}}));
      form.append(label);
    }
    const button = el("button", {type: "submit", className: "secondary"}, t("board.baseline.submit"));
    form.append(button);
    const result = el("div", {className: "baseline-result", role: "status"});
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      computeBaseline(plan.id, form, result, button, stored);
    });
    details.append(form, result);
    if (baselineAnswers[plan.id]) {
      details.open = true;
      showBaseline(result, baselineAnswers[plan.id]);
    }
    return details;
  }

  async function computeBaseline(planId, form, result, button, stored) {
    const routes = [...form.querySelectorAll("input[name=orders]")]
      .map((input) => ({vehicle_id: Number(input.dataset.vehicleId), order_nos: input.value.split(/[\s,，、;；]+/).filter(Boolean)}))
      .filter((route) => route.order_nos.length > 0);
    button.disabled = true;
    try {
      const answer = await SmartDist.api(root + "/api/v1/plans/" + planId + "/baseline",
        {method: "PUT", body: routes.length ? {routes} : {}});
      baselineAnswers[planId] = answer;
      showBaseline(result, answer);
      stored.textContent = " · " + t("board.baseline.stored", {km: km(answer.baseline_distance_m)});
    } catch (error) {
      const problem = error.problem || {};
      result.replaceChildren(el("p", {className: "problem"}, [problem.detail || error.message,
        ...(problem.errors || []).map((e) => e.message)].join(" — ")));
    }
    button.disabled = false;
  }

  function showBaseline(result, answer) {
    const figures = [
      ["distance", km(answer.baseline_distance_m) + " km"],
      ["planned", km(answer.planned_distance_m) + " km"],
      ["saved", km(answer.saved_m) + " km"],
      ["co2e", answer.co2e_kg.toFixed(2) + " kg CO2e"],
    ];
    if (answer.duration_s != null) figures.splice(1, 0, ["duration", (answer.duration_s / 3600).toFixed(1) + " h"]);
    const table = el("table", {className: "grid baseline-figures"});
    for (const [key, value] of figures) {
      const row = el("tr");
      row.append(el("th", {}, t("board.baseline." + key)), el("td", {dataset: {figure: key}}, value));
      table.append(row);
    }
    result.replaceChildren(el("p", {className: "source"}, t("board.baseline.source." + answer.baseline_source)), table);
    if (answer.violations) {
      if (!answer.violations.length) {
        result.append(el("p", {className: "no-violations"}, t("board.baseline.no_violations")));
      } else {
        const list = el("ul", {className: "violations"});
        answer.violations.forEach((v) => list.append(el("li", {dataset: {kind: v.kind}},
          (v.order_no ? v.order_no + " · " : "") + v.kind + ": " + v.detail)));
        result.append(el("h4", {}, t("board.baseline.violations")), list);
      }
    }
  }

  async function loadWaiting() {
    const page = await SmartDist.api(root + "/api/v1/orders?status=created&limit=200");
    const body = document.querySelector("#waiting tbody");
    body.replaceChildren();
    for (const order of page.items) {
      const row = el("tr", {dataset: {orderId: order.id, orderNo: order.order_no}});
      row.append(el("td", {}, order.order_no), el("td", {}, order.customer_name), el("td", {}, order.address || ""),
        el("td", {}, windowText(order.time_windows)), el("td", {}, order.boxes));
      const actions = el("td");
      if (hasPublished) {
        const button = el("button", {type: "button", className: "rush"}, t("board.rush"));
        button.addEventListener("click", () => rush(order.id, button));
        actions.append(button);
      }
      row.append(actions);
      body.append(row);
    }
    document.getElementById("waiting-count").textContent = "(" + page.items.length + ")";
    document.getElementById("waiting-empty").hidden = page.items.length > 0;
  }

  function stopCard(stop) {
    const card = el("li", {className: "stop-card", dataset: {status: stop.status, orderNo: stop.order_no, stopId: stop.id}});
    card.append(el("span", {className: "seq"}, stop.seq + ". "), el("strong", {}, stop.order_no),
      el("span", {className: "eta", title: t("board.eta")}, hhmm(stop.eta)), el("br"),
      el("span", {}, stop.customer + " "), el("span", {className: "badge status"}, t("board.status." + stop.status)));
    if (stop.late_risk) {
      card.append(" ", el("span", {className: "badge late-risk", title: t("board.eta") + " " + hhmm(stop.forecast_eta)},
        t("board.late_risk")));
    }
    return card;
  }

  function routeColumn(route) {
    const column = el("div", {className: "route-column", dataset: {routeId: route.id, status: route.status}});
    column.append(el("h3", {}, route.vehicle_code + " · " + t("board.status." + route.status)));
    if (route.plan_status === "published" && route.status !== "completed") {
      // A van that broke down: its stops not yet reached go to the others on re-plan.
      const label = el("label", {className: "out-of-service"});
      label.append(el("input", {type: "checkbox", name: "exclude", value: route.vehicle_id}), " " + t("board.out_of_service"));
      column.append(label);
    }
    const driver = route.driver ? route.driver.name : t("board.route.no_driver");
    column.append(el("div", {className: "meta"}, t("board.route.driver") + ": " + driver + " · " +
      (route.distance_m / 1000).toFixed(1) + " km · " + t("board.route.revision", {n: route.revision})));
    const bar = el("progress", {max: Math.max(route.progress.total, 1), value: route.progress.done, className: "route-progress"});
    column.append(el("div", {className: "meta"}, t("board.route.progress") + " " + route.progress.done + "/" + route.progress.total), bar);
    if (route.late_risk) column.append(el("span", {className: "badge late-risk route-late"}, t("board.route.late_risk", {n: route.late_risk})));
    const list = el("ol", {className: "stops"});
    route.stops.forEach((s) => list.append(stopCard(s)));
    column.append(list);
    return column;
  }

  async function loadBoard() {
    const board = await SmartDist.api(root + "/api/v1/board?date=" + encodeURIComponent(day));
    const container = document.getElementById("plans");
    container.replaceChildren();
    hasPublished = board.plans.some((p) => p.status === "published");
    for (const plan of board.plans) {
      const section = el("section", {className: "plan", dataset: {planId: plan.id, status: plan.status}});
      const header = el("header");
      header.append(el("h2", {}, t("board.plan.title", {id: plan.id})), el("span", {className: "badge status plan-status"}, t("board.status." + plan.status)),
        el("span", {}, (plan.total_distance_m / 1000).toFixed(1) + " km"));
      if (plan.status === "planned") {
        const publish = el("button", {type: "button", className: "publish"}, t("board.publish"));
        publish.addEventListener("click", () => publishPlan(plan.id, publish));
        header.append(publish);
      } else {
        const replan = el("button", {type: "button", className: "replan secondary"}, t("board.replan"));
        replan.addEventListener("click", () => replanPlan(plan.id, replan));
        header.append(replan);
      }
      section.append(header);
      const routes = board.routes.filter((r) => r.plan_id === plan.id);
      const columns = el("div", {className: "route-columns"});
      routes.forEach((r) => columns.append(routeColumn(r)));
      section.append(columns, baselineSection(plan, routes));
      container.append(section);
    }
    document.getElementById("routes-empty").hidden = board.plans.length > 0;
    container.dataset.loaded = "true";
  }

  async function refresh() {
    try {
      await loadBoard();
      await loadWaiting();
    } catch (error) { showProblem(error); }
  }

  async function publishPlan(planId, button) {
    clearProblem();
    button.disabled = true;
    try {
      await SmartDist.api(root + "/api/v1/plans/" + planId + "/publish", {method: "POST", headers: {"Idempotency-Key": SmartDist.newKey()}});
    } catch (error) { showProblem(error); button.disabled = false; return; }
    await refresh();
  }

  async function runJob(url, body) {
    const started = await SmartDist.api(url, {method: "POST", body, headers: {"Idempotency-Key": SmartDist.newKey()}});
    return SmartDist.watchJob(root + "/api/v1/jobs/" + started.job_id, document.getElementById("plan-job"), jobLabels);
  }

  async function replanPlan(planId, button) {
    clearProblem();
    button.disabled = true;
    try {
      const section = document.querySelector("section.plan[data-plan-id='" + planId + "']");
      const exclude = [...section.querySelectorAll("input[name=exclude]:checked")].map((box) => Number(box.value));
      const limit = Number(document.querySelector("input[name=time_limit_s]").value) || 5;
      const job = await runJob(root + "/api/v1/plans/" + planId + "/replan", {exclude_vehicle_ids: exclude, time_limit_s: limit});
      const missed = (job.result && job.result.unassigned) || [];
      if (missed.length) notice(unassignedText(missed));
    } catch (error) { showProblem(error.job ? {message: error.job.error} : error); }
    button.disabled = false;
    await refresh();
  }

  async function rush(orderId, button) {
    clearProblem();
    button.disabled = true;
    try {
      const answer = await SmartDist.api(root + "/api/v1/routes/rush-orders", {method: "POST",
        body: {order_id: orderId, plan_date: day}, headers: {"Idempotency-Key": SmartDist.newKey()}});
      const route = answer.routes[0];
      notice(t("board.rush.done", {vehicle: route.vehicle_code, position: Object.values(route.positions)[0]}));
    } catch (error) { showProblem(error); button.disabled = false; return; }
    await refresh();
  }

  document.getElementById("plan-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem();
    const form = event.target;
    const button = document.getElementById("start-planning");
    button.disabled = true;
    const unassigned = document.getElementById("unassigned");
    unassigned.hidden = true;
    try {
      // No depot chosen (none yet): the API answers what to set up first.
      const request = {plan_date: day, time_limit_s: Number(form.time_limit_s.value)};
      if (form.depot_id.value) request.depot_id = Number(form.depot_id.value);
      const job = await runJob(root + "/api/v1/plans", request);
      const missed = (job.result && job.result.unassigned) || [];
      if (missed.length) {
        unassigned.textContent = unassignedText(missed);
        unassigned.hidden = false;
      }
    } catch (error) { showProblem(error.job ? {message: error.job.error} : error); }
    button.disabled = false;
    await refresh();
  });

  document.getElementById("import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem();
    const form = event.target;
    const box = document.getElementById("import-errors");
    const rows = box.querySelector("tbody");
    box.hidden = true;
    rows.replaceChildren();
    const button = document.getElementById("import-orders");
    button.disabled = true;
    try {
      // All rows or none: a bad row anywhere imports nothing and lists every bad cell.
      const answer = await SmartDist.api(root + "/api/v1/orders/import",
        {method: "POST", body: new FormData(form), headers: {"Idempotency-Key": SmartDist.newKey()}});
      notice(t("board.import.done", {n: answer.created}));
      form.reset();
      await refresh();
    } catch (error) {
      const problem = error.problem || {};
      document.getElementById("import-summary").textContent = problem.detail || error.message;
      for (const e of problem.errors || []) {
        const row = el("tr", {dataset: {row: e.row != null ? e.row : ""}});
        row.append(el("td", {}, e.row != null ? e.row : "–"), el("td", {}, e.column || "–"), el("td", {}, e.message));
        rows.append(row);
      }
      box.hidden = false;
    }
    button.disabled = false;
  });

  /* One order by hand: the address alone is geocoded by the API (when configured); the window is
     on the board's day, in Taiwan time. */
  document.getElementById("order-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem();
    const form = event.target;
    const button = document.getElementById("create-order");
    const value = (name) => form.elements[name].value.trim();
    const body = {order_no: value("order_no"), customer_name: value("customer_name"), phone: value("phone"),
      address: value("address"), boxes: Number(value("boxes") || 0)};
    if (value("lat") !== "" || value("lng") !== "") {
      body.lat = value("lat") === "" ? null : Number(value("lat"));
      body.lng = value("lng") === "" ? null : Number(value("lng"));
    }
    if (value("window_start") && value("window_end")) {
      body.time_windows = [[day + "T" + value("window_start") + ":00+08:00", day + "T" + value("window_end") + ":00+08:00"]];
    }
    button.disabled = true;
    try {
      const order = await SmartDist.api(root + "/api/v1/orders", {method: "POST", body,
        headers: {"Idempotency-Key": SmartDist.newKey()}});
      notice(t("board.order.created", {order_no: order.order_no}));
      form.reset();
      await refresh();
    } catch (error) { showProblem(error); }
    button.disabled = false;
  });

  Promise.all([loadDepots(), loadVehicles()]).then(setupState).catch(showProblem).finally(refresh);
})();
