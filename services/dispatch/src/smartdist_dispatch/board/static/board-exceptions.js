/* Exceptions of a period: failed stops with their reason, cash mismatches, late deliveries. */
(function () {
  "use strict";
  const {root} = window.BOARD;
  const {t, el, showProblem} = window.BoardUI;
  const table = document.getElementById("exceptions");

  function detail(item) {
    if (item.kind === "failed") return t("board.reason." + item.reason_code) + (item.note ? " — " + item.note : "");
    if (item.kind === "cash_mismatch") return t("board.cash", {expected: item.expected_twd, collected: item.collected_twd === null ? "–" : item.collected_twd});
    return t("board.late_by", {minutes: Math.round(item.late_by_s / 60)});
  }

  async function load() {
    let body;
    try {
      body = await SmartDist.api(root + "/api/v1/exceptions?from=" + table.dataset.from + "&to=" + table.dataset.to);
    } catch (error) { showProblem(error); return; }
    const rows = table.querySelector("tbody");
    rows.replaceChildren();
    for (const item of body.items) {
      const row = el("tr", {dataset: {kind: item.kind, orderNo: item.order_no}});
      row.append(el("td", {className: "kind"}, t("board.kind." + item.kind)), el("td", {}, item.order_no), el("td", {}, item.customer),
        el("td", {}, item.vehicle_code), el("td", {}, item.driver || ""), el("td", {className: "detail"}, detail(item)),
        el("td", {}, item.completed_at ? new Date(item.completed_at).toLocaleString("zh-TW", {timeZone: "Asia/Taipei"}) : ""));
      rows.append(row);
    }
    document.getElementById("counts").textContent = Object.entries(body.counts).map(([k, n]) => t("board.kind." + k) + " " + n).join(" · ");
    document.getElementById("empty").hidden = body.items.length > 0;
    table.dataset.loaded = "true";
  }

  load();
})();
