/* Plan board: orders waiting, planning with progress, routes as columns of stop cards, publish, rush. */
(function () {
  "use strict";
  const {root} = window.BOARD;
  const {t, hhmm, el, showProblem, clearProblem} = window.BoardUI;
  const day = document.getElementById("day").value;
  const jobLabels = {queued: t("board.job.queued"), running: t("board.job.running"),
    succeeded: t("board.job.succeeded"), failed: t("board.job.failed")};
  let hasPublished = false;

  function notice(text) { document.getElementById("notice").textContent = text; }

  function windowText(windows) {
    return (windows || []).map((w) => hhmm(w[0]) + "–" + hhmm(w[1])).join(", ");
  }

  async function loadDepots() {
    const page = await SmartDist.api(root + "/api/v1/depots?limit=200");
    const select = document.getElementById("depot");
    select.replaceChildren(...page.items.map((d) => el("option", {value: d.id}, d.code + " " + d.name)));
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
      const columns = el("div", {className: "route-columns"});
      board.routes.filter((r) => r.plan_id === plan.id).forEach((r) => columns.append(routeColumn(r)));
      section.append(columns);
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
      if (missed.length) notice(t("board.plan.unassigned") + " " + missed.map((u) => u.order_no + " (" + u.reason + ")").join(", "));
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
      const job = await runJob(root + "/api/v1/plans", {plan_date: day, depot_id: Number(form.depot_id.value),
        time_limit_s: Number(form.time_limit_s.value)});
      const missed = (job.result && job.result.unassigned) || [];
      if (missed.length) {
        unassigned.textContent = t("board.plan.unassigned") + " " + missed.map((u) => u.order_no + " (" + u.reason + ")").join(", ");
        unassigned.hidden = false;
      }
    } catch (error) { showProblem(error.job ? {message: error.job.error} : error); }
    button.disabled = false;
    await refresh();
  });

  loadDepots().catch(showProblem);
  refresh();
})();
