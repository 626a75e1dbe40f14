// Flags, as the user types, the points of an answer that no position would cover: its own, one on
// an ancestor (an article covers its paragraphs), one from an earlier answer, or all its
// sub-points'. The server's review step says the same before anything is recorded; this only
// saves a round trip, and the form works without it.
"use strict";
(function () {
  var form = document.getElementById("answer-form");
  if (!form) return;
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-testid='answer-row']"));
  var byEid = {};
  var children = {};
  rows.forEach(function (row) {
    byEid[row.dataset.eid] = row;
    var parent = row.dataset.parent || "";
    (children[parent] = children[parent] || []).push(row);
  });
  function chosen(row) {
    var select = row.querySelector("select");
    return row.dataset.earlier === "true" || (select && select.value !== "");
  }
  function byAncestor(row) {
    for (var p = byEid[row.dataset.parent]; p; p = byEid[p.dataset.parent]) {
      if (chosen(p)) return true;
    }
    return false;
  }
  function covered(row) {
    if (chosen(row) || byAncestor(row)) return true;
    var kids = children[row.dataset.eid] || [];
    return kids.length > 0 && kids.every(covered);
  }
  function update() {
    var open = 0;
    rows.forEach(function (row) {
      var flagged = !covered(row);
      open += flagged ? 1 : 0;
      row.classList.toggle("unanswered", flagged);
      row.dataset.flagged = flagged ? "true" : "false";
      var badge = row.querySelector("[data-testid='unanswered-flag']");
      if (badge) badge.hidden = !flagged;
    });
    var count = document.getElementById("open-count");
    if (count) count.textContent = String(open);
    // name the fewest points: a flagged row whose parent is flagged too is named by its parent
    var labels = rows
      .filter(function (row) {
        var parent = byEid[row.dataset.parent];
        return row.dataset.flagged === "true" && !(parent && parent.dataset.flagged === "true");
      })
      .map(function (row) { return row.dataset.label; });
    var named = document.getElementById("open-labels");
    if (named) named.textContent = labels.length ? "(" + labels.join(", ") + ")" : "";
  }
  form.addEventListener("change", update);
  update();
})();
