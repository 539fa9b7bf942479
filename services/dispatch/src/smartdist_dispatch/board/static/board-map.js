/* Live map: each route a coloured polyline depot -> stops -> depot, stops coloured by status,
   vehicles at their last breadcrumb; refreshed every few seconds. Works with no tile server. */
(function () {
  "use strict";
  const {root} = window.BOARD;
  const {t, hhmm, el, showProblem, clearProblem} = window.BoardUI;
  const box = document.getElementById("map");
  const day = box.dataset.day;
  const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"];
  const STATUS_COLORS = {pending: "#ffffff", arrived: "#2b83ba", delivered: "#1a9641", failed: "#d7191c"};

  const map = L.map(box, {zoomControl: true}).setView([25.05, 121.55], 12);
  if (box.dataset.tileUrl) {
    L.tileLayer(box.dataset.tileUrl, {maxZoom: 19, attribution: box.dataset.tileAttribution || ""}).addTo(map);
  }
  const layer = L.layerGroup().addTo(map);
  let fitted = false;

  async function load() {
    let live;
    try {
      live = await SmartDist.api(root + "/api/v1/live?date=" + encodeURIComponent(day));
      clearProblem();
    } catch (error) { showProblem(error); return; }
    layer.clearLayers();
    const legend = document.getElementById("legend");
    legend.replaceChildren();
    const bounds = [];
    const depotsDrawn = new Set();
    live.routes.forEach((route, k) => {
      const color = COLORS[k % COLORS.length];
      const depot = [route.depot.lat, route.depot.lng];
      const path = [depot, ...route.stops.map((s) => [s.lat, s.lng]), depot];
      bounds.push(...path);
      L.polyline(path, {color, weight: 4, opacity: 0.8, className: "route-line route-" + route.id})
        .bindTooltip(route.vehicle_code).addTo(layer);
      for (const stop of route.stops) {
        const fill = STATUS_COLORS[stop.status] || "#999";
        L.circleMarker([stop.lat, stop.lng], {radius: 8, color: stop.late_risk ? "#000" : color, weight: stop.late_risk ? 3 : 2,
          fillColor: fill, fillOpacity: 0.95, className: "stop-marker stop-" + stop.status})
          .bindTooltip(stop.seq + ". " + stop.order_no + " " + stop.customer + " · " + t("board.status." + stop.status) +
            " · " + t("board.eta") + " " + hhmm(stop.eta)).addTo(layer);
      }
      if (!depotsDrawn.has(route.depot.id)) {
        depotsDrawn.add(route.depot.id);
        const depotLabel = document.createElement("div");
        depotLabel.textContent = route.depot.code;
        L.marker(depot, {icon: L.divIcon({className: "depot-marker", html: depotLabel, iconSize: null}), keyboard: false}).addTo(layer);
      }
      if (route.position) {
        const here = [route.position.lat, route.position.lng];
        bounds.push(here);
        const label = document.createElement("div");
        label.textContent = route.vehicle_code;
        L.marker(here, {icon: L.divIcon({className: "vehicle-marker", html: label, iconSize: null}),
          title: t("board.map.vehicle") + " " + route.vehicle_code + " " + hhmm(route.position.recorded_at)}).addTo(layer);
      }
      const item = el("li", {dataset: {routeId: route.id}});
      item.append(el("span", {className: "swatch", style: "background:" + color}), route.vehicle_code + " " +
        route.progress.done + "/" + route.progress.total);
      legend.append(item);
    });
    if (bounds.length && !fitted) {
      map.fitBounds(bounds, {padding: [20, 20]});
      fitted = true;
    }
    document.getElementById("updated").textContent = hhmm(new Date().toISOString());
    box.dataset.routes = String(live.routes.length);
    box.dataset.loads = String(Number(box.dataset.loads || 0) + 1);
  }

  load();
  setInterval(load, Number(box.dataset.refreshS || 15) * 1000);
})();
