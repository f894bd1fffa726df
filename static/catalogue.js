// Catalogue: what htmx cannot do declaratively. No inline handlers (CSP).
(function () {
  "use strict";
  // Inline styles are forbidden by our CSP, so settling the `style` attribute can only log violations
  // (seen when the back button restores the page: htmx copied an empty style attribute onto inputs).
  if (window.htmx) {
    window.htmx.config.attributesToSettle = window.htmx.config.attributesToSettle.filter(function (name) {
      return name !== "style";
    });
  }
  // The print button on the A4 card.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
  // Filter forms send (and push into the address bar) only the filters that are set, so shared links stay short.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest || !elt.closest("[data-drop-empty]")) { return; }
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      if (params[key] === "" || params[key] === null) { delete params[key]; }
    });
  });
})();
