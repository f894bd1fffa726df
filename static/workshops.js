// Workshops: drag-and-drop reorder (Sortable), focus after agenda swaps, board-mode fields, print.
// No inline scripts (CSP); everything also works without JavaScript through plain forms.
(function () {
  "use strict";

  // htmx's settle step copies `style` attributes with setAttribute, which our CSP refuses; Sortable leaves
  // CSSOM styles on the list. Settling classes and sizes is enough here.
  if (window.htmx) { window.htmx.config.attributesToSettle = ["class", "width", "height"]; }
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) { window.htmx.config.attributesToSettle = ["class", "width", "height"]; }
  });

  // htmx does not swap error responses by default; our 422 answers carry the form with its messages.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function showMechanicFields(root) {
    root.querySelectorAll("select.mechanic-select").forEach(function (select) {
      var form = select.form;
      if (!form) { return; }
      form.querySelectorAll("fieldset.config[data-mechanic]").forEach(function (fieldset) {
        var active = fieldset.getAttribute("data-mechanic") === select.value;
        fieldset.hidden = !active;
        fieldset.disabled = !active;
      });
    });
  }

  function enableSorting(root) {
    var list = root.querySelector ? root.querySelector("#agenda-list[data-reorder-url]") : null;
    if (!list || list.dataset.sortable === "1" || typeof window.Sortable === "undefined") { return; }
    list.dataset.sortable = "1";
    window.Sortable.create(list, {
      handle: ".drag-handle",
      animation: 150,
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) { return; }
        var ids = Array.prototype.map.call(list.querySelectorAll("li[data-step-id]"), function (item) {
          return item.getAttribute("data-step-id");
        });
        var moved = event.item.getAttribute("data-step-id");
        window.htmx.ajax("POST", list.getAttribute("data-reorder-url"), {
          target: "#agenda",
          swap: "outerHTML",
          values: { order: ids.join(","), moved: moved }
        }).then(function () {
          var again = document.getElementById("step-" + moved);
          if (again) { again.focus(); }
        });
      }
    });
  }

  function restoreFocus() {
    var agenda = document.getElementById("agenda");
    var target = agenda && agenda.getAttribute("data-focus");
    if (!target) { return; }
    var element = document.getElementById(target);
    if (element && element.disabled) {
      element = document.getElementById(target.replace(/^up-/, "down-")) || element;
    }
    if (element) { element.focus(); }
  }

  function setUp(root, fromSwap) {
    showMechanicFields(root);
    enableSorting(root);
    if (fromSwap) { restoreFocus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document, false);
    if (new URLSearchParams(window.location.search).has("fokus")) { restoreFocus(); }
    var editor = document.querySelector(".step-editor input[name=title]");
    if (editor && new URLSearchParams(window.location.search).has("bearbeiten")) { editor.focus(); }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : document;
    setUp(document.getElementById("agenda") ? document : root, true);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select.mechanic-select")) { showMechanicFields(document); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });
})();
