// guard Schema Explorer: progressive enhancement only. Every page works
// without this file; it filters the explorer's list as you type.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var rows = document.querySelectorAll(input.getAttribute("data-filter"));
    var apply = function () {
      var q = input.value.trim().toLowerCase();
      rows.forEach(function (row) {
        var name = (row.getAttribute("data-name") || "").toLowerCase();
        row.hidden = q !== "" && name.indexOf(q) < 0 && !row.classList.contains("selected");
      });
    };
    input.addEventListener("input", apply);
    var form = input.form;
    if (form) {
      form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    }
  });
});
