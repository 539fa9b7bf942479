/* Analytics: per-day rates and distance as Chart.js charts, tables per day, vehicle and driver. */
(function () {
  "use strict";
  const {root} = window.BOARD;
  const {t, el, showProblem} = window.BoardUI;
  const box = document.getElementById("analytics");
  const range = "from=" + box.dataset.from + "&to=" + box.dataset.to;

  const pct = (v) => (v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%");

  function table(group, items) {
    const body = document.querySelector("#table-" + group + " tbody");
    body.replaceChildren();
    for (const r of items) {
      const row = el("tr", {dataset: {key: r.key}});
      const reasons = Object.entries(r.exceptions).map(([k, n]) => t("board.reason." + k) + " " + n).join(", ");
      // A driver by name, the code beside it; a day or a vehicle by its key.
      const label = r.name ? r.name + " (" + r.key + ")" : (r.key || t("board.route.no_driver"));
      for (const v of [label, r.routes, r.stops, r.delivered, r.failed, pct(r.success_rate),
        pct(r.on_time_rate), (r.distance_m / 1000).toFixed(1), (r.duration_s / 3600).toFixed(1), reasons]) {
        row.append(el("td", {}, v));
      }
      body.append(row);
    }
  }

  function charts(days) {
    const labels = days.map((d) => d.key);
    const percent = (v) => (v === null ? null : Math.round(v * 1000) / 10);
    new Chart(document.getElementById("rates-chart"), {
      type: "line",
      data: {labels, datasets: [
        {label: t("board.analytics.on_time"), data: days.map((d) => percent(d.on_time_rate)), borderColor: "#1f77b4", spanGaps: true},
        {label: t("board.analytics.success"), data: days.map((d) => percent(d.success_rate)), borderColor: "#2ca02c", spanGaps: true},
      ]},
      options: {animation: false, maintainAspectRatio: false, scales: {y: {min: 0, max: 100, ticks: {callback: (v) => v + "%"}}}},
    });
    new Chart(document.getElementById("distance-chart"), {
      type: "bar",
      data: {labels, datasets: [{label: t("board.analytics.distance"), data: days.map((d) => Math.round(d.distance_m / 100) / 10),
        backgroundColor: "#ff7f0e"}]},
      options: {animation: false, maintainAspectRatio: false},
    });
  }

  async function load() {
    try {
      const [days, vehicles, drivers] = await Promise.all(["day", "vehicle", "driver"].map((g) =>
        SmartDist.api(root + "/api/v1/analytics?" + range + "&group_by=" + g)));
      table("day", days.items);
      table("vehicle", vehicles.items);
      table("driver", drivers.items);
      charts(days.items);
      document.getElementById("empty").hidden = days.items.length > 0;
      box.dataset.loaded = "true";
    } catch (error) { showProblem(error); }
  }

  load();
})();
