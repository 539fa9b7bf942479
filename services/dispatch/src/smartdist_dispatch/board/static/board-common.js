/* Shared by the dispatcher's pages: texts, times in Taipei, problems shown to the user. */
(function () {
  "use strict";
  const texts = window.BOARD.texts;

  function t(key, values) {
    let text = texts[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.split("{" + name + "}").join(value);
    return text;
  }

  function hhmm(iso) {
    if (!iso) return "–";
    return new Date(iso).toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Taipei"});
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "dataset") Object.assign(node.dataset, value);
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value);
    }
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function showProblem(error) {
    const p = error.problem || {};
    const rows = (p.errors || []).map((e) => e.message).join("; ");
    document.getElementById("problem").textContent = [p.detail || p.title || error.message, rows].filter(Boolean).join(" — ");
  }

  function clearProblem() { document.getElementById("problem").textContent = ""; }

  window.BoardUI = {t, hhmm, el, showProblem, clearProblem};
})();
