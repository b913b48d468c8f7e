"use strict";
(function () {
  var findings = Array.prototype.slice.call(document.querySelectorAll("section.finding"));
  var severityBoxes = Array.prototype.slice.call(document.querySelectorAll("input[name=severity]"));
  var operationSelect = document.getElementById("filter-operation");
  var textInput = document.getElementById("filter-text");
  var shownCount = document.getElementById("shown-count");

  function apply() {
    var severities = {};
    severityBoxes.forEach(function (box) { severities[box.value] = box.checked; });
    var operation = operationSelect ? operationSelect.value : "";
    var text = textInput ? textInput.value.trim().toLowerCase() : "";
    var shown = 0;
    findings.forEach(function (section) {
      var visible = severities[section.dataset.severity] !== false &&
        (!operation || section.dataset.operation === operation) &&
        (!text || section.textContent.toLowerCase().indexOf(text) !== -1);
      section.hidden = !visible;
      if (visible) { shown += 1; }
    });
    if (shownCount) { shownCount.textContent = String(shown); }
  }

  severityBoxes.forEach(function (box) { box.addEventListener("change", apply); });
  if (operationSelect) { operationSelect.addEventListener("change", apply); }
  if (textInput) { textInput.addEventListener("input", apply); }
  document.querySelectorAll("#matrix a[data-operation]").forEach(function (link) {
    link.addEventListener("click", function () {
      if (operationSelect) { operationSelect.value = link.dataset.operation; }
      severityBoxes.forEach(function (box) { box.checked = true; });
      if (textInput) { textInput.value = ""; }
      apply();
    });
  });
  apply();
})();
