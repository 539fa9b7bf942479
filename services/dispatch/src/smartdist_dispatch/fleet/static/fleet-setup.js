/* Fleet set-up: depots, vehicles and drivers listed, created, changed and imported over the JSON API. */
(function () {
  "use strict";
  const {root} = window.BOARD;
  const {t, el, showProblem, clearProblem} = window.BoardUI;
  const plurals = ["depots", "vehicles", "drivers"];
  const rows = {depots: [], vehicles: [], drivers: []};

  function notice(text) { document.getElementById("notice").textContent = text; }

  async function loadAll() {
    const pages = await Promise.all(plurals.map((p) => SmartDist.api(root + "/api/v1/" + p + "?limit=200")));
    plurals.forEach((p, k) => { rows[p] = pages[k].items; });
    plurals.forEach(render);
    fillReferences();
    checklist();
  }

  function shown(input, row) {
    const value = row[input.name];
    if (input.dataset.kind === "ref") {
      const target = rows[input.dataset.ref].find((r) => r.id === value);
      return target ? target.code : t("fleet.none");
    }
    if (input.name === "kind") return t("fleet.kind." + value);
    if (input.dataset.kind === "time") return (value || "").slice(0, 5);
    return value === null || value === undefined ? "" : String(value);
  }

  function render(plural) {
    const section = document.getElementById(plural);
    const form = section.querySelector("form.row-form");
    const inputs = [...form.elements].filter((e) => e.name);
    const body = section.querySelector("table.rows tbody");
    body.replaceChildren();
    for (const row of rows[plural]) {
      const tr = el("tr", {dataset: {id: row.id, code: row.code}});
      inputs.forEach((input) => tr.append(el("td", {dataset: {field: input.name}}, shown(input, row))));
      const edit = el("button", {type: "button", className: "edit secondary"}, t("fleet.edit"));
      edit.addEventListener("click", () => startEdit(plural, row));
      const actions = el("td");
      actions.append(edit);
      tr.append(actions);
      body.append(tr);
    }
    section.querySelector(".count").textContent = "(" + rows[plural].length + ")";
    section.querySelector(".empty").hidden = rows[plural].length > 0;
  }

  function fillReferences() {
    for (const select of document.querySelectorAll("select[data-kind=ref]")) {
      const chosen = select.value;
      const options = rows[select.dataset.ref].map((r) => el("option", {value: r.id}, r.code + (r.name ? " " + r.name : "")));
      select.replaceChildren(el("option", {value: ""}, t("fleet.none")), ...options);
      // A new vehicle goes to the first depot unless the dispatcher picks another.
      select.value = chosen || (select.dataset.ref === "depots" && rows.depots.length ? String(rows.depots[0].id) : "");
    }
  }

  function checklist() {
    const done = {
      depot: rows.depots.length > 0,
      vehicle: rows.vehicles.some((v) => v.depot_id !== null),
      driver: rows.drivers.length > 0,
      orders: false,
    };
    for (const item of document.querySelectorAll("#first-run li")) {
      item.dataset.done = String(done[item.dataset.step]);
      item.querySelector(".step-done").hidden = !done[item.dataset.step];
    }
  }

  function startEdit(plural, row) {
    const section = document.getElementById(plural);
    const form = section.querySelector("form.row-form");
    form.dataset.editing = row.id;
    for (const input of [...form.elements].filter((e) => e.name)) {
      const value = row[input.name];
      input.value = input.dataset.kind === "time" ? (value || "").slice(0, 5) : (value === null ? "" : String(value));
      if (input.name === "code") input.readOnly = true;
    }
    section.querySelector(".form-title").textContent = t("fleet.editing", {code: row.code});
    const save = form.querySelector("button.save");
    save.textContent = save.dataset.save;
    form.querySelector("button.cancel").hidden = false;
    form.scrollIntoView({block: "nearest"});
  }

  function stopEdit(form) {
    delete form.dataset.editing;
    form.reset();
    for (const input of form.elements) if (input.name === "code") input.readOnly = false;
    const section = form.closest("section");
    const title = section.querySelector(".form-title");
    title.textContent = title.dataset.new;
    const save = form.querySelector("button.save");
    save.textContent = save.dataset.create;
    form.querySelector("button.cancel").hidden = true;
    fillReferences();
  }

  /* The form as the API's JSON: numbers as numbers, an empty optional field left out (a new row)
     or cleared with null (a change of a field that may be cleared). */
  function body(form, editing) {
    const out = {};
    for (const input of [...form.elements].filter((e) => e.name)) {
      if (editing && input.name === "code") continue;
      const raw = input.value.trim();
      const kind = input.dataset.kind;
      if (raw === "") {
        if (kind === "ref" && editing && input.dataset.nullable === "true") out[input.name] = null;
        else if (kind === "text" && editing && input.tagName === "INPUT" && !input.required) out[input.name] = "";
        continue;
      }
      out[input.name] = kind === "number" || kind === "ref" ? Number(raw) : raw;
    }
    return out;
  }

  async function save(event) {
    event.preventDefault();
    clearProblem();
    const form = event.target;
    const plural = form.dataset.resource;
    const editing = form.dataset.editing;
    const button = form.querySelector("button.save");
    button.disabled = true;
    try {
      const answer = editing
        ? await SmartDist.api(root + "/api/v1/" + plural + "/" + editing, {method: "PATCH", body: body(form, true)})
        : await SmartDist.api(root + "/api/v1/" + plural, {method: "POST", body: body(form, false),
          headers: {"Idempotency-Key": SmartDist.newKey()}});
      notice(t(editing ? "fleet.saved" : "fleet.created", {code: answer.code}));
      stopEdit(form);
      await loadAll();
    } catch (error) { showProblem(error); }
    button.disabled = false;
  }

  async function importSheet(event) {
    event.preventDefault();
    clearProblem();
    const form = event.target;
    const section = form.closest("section");
    const box = section.querySelector(".import-errors");
    const list = box.querySelector("tbody");
    box.hidden = true;
    list.replaceChildren();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      // All rows or none: a bad row anywhere imports nothing and lists every bad cell.
      const answer = await SmartDist.api(root + "/api/v1/" + form.dataset.resource + "/import",
        {method: "POST", body: new FormData(form), headers: {"Idempotency-Key": SmartDist.newKey()}});
      notice(t("fleet.import.done", {n: answer.created}));
      form.reset();
      await loadAll();
    } catch (error) {
      const problem = error.problem || {};
      box.querySelector(".import-summary").textContent = problem.detail || error.message;
      for (const e of problem.errors || []) {
        const tr = el("tr", {dataset: {row: e.row != null ? e.row : ""}});
        tr.append(el("td", {}, e.row != null ? e.row : "–"), el("td", {}, e.column || "–"), el("td", {}, e.message));
        list.append(tr);
      }
      box.hidden = false;
    }
    button.disabled = false;
  }

  for (const form of document.querySelectorAll("form.row-form")) {
    form.addEventListener("submit", save);
    form.querySelector("button.cancel").addEventListener("click", () => stopEdit(form));
  }
  for (const form of document.querySelectorAll("form.import-form")) form.addEventListener("submit", importSheet);
  loadAll().then(() => { document.body.dataset.loaded = "true"; }).catch(showProblem);
})();
