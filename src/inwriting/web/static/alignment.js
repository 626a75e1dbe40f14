// On the page that reads a prose answer against the points it answers: show a paragraph's points,
// position and sentence only while "change it" is chosen for it. The form works without this script
// (every field is shown, and the server ignores them unless the paragraph is changed).
"use strict";
(function () {
  var form = document.getElementById("alignment-form");
  if (!form) return;
  function sync(select) {
    var box = select.closest("[data-testid='decide']");
    var fields = box && box.querySelector("[data-testid='change-fields']");
    if (fields) fields.hidden = select.value !== "change";
  }
  Array.prototype.forEach.call(form.querySelectorAll("select[data-role='decision']"), sync);
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.dataset.role === "decision") sync(target);
  });
})();
