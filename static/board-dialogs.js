// The board's shared dialogs: one edit, withdraw, merge, hide and move dialog per page instead of a form (and a list
// of every other card or cluster) in each card. A card's button (data-open="<dialog id>") fills the dialog
// from the card and opens it; Escape or "Abbrechen" closes it and focus returns to the button.
// Also folds others' blind cards that arrive live into the "N verdeckte Karten" line.
(function () {
  "use strict";
  var opener = null;

  function cardOf(element) { return element.closest(".idea[data-idea-id]"); }
  function textOf(card) {
    var text = card && card.querySelector(".idea-text");
    return text ? text.textContent.trim() : "";
  }
  function shorten(text, length) { return text.length > length ? text.slice(0, length - 1) + "…" : text; }
  function option(value, label, selected) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = label;
    element.selected = !!selected;
    return element;
  }

  var fill = {
    "edit-dialog": function (dialog, card) {
      var id = card.getAttribute("data-idea-id");
      Array.prototype.forEach.call(dialog.querySelectorAll("form[data-action]"), function (form) {
        form.setAttribute("action", form.getAttribute("data-action").replace("{id}", id));
      });
      dialog.querySelector("textarea").value = textOf(card);
    },
    "withdraw-dialog": function (dialog, card) {
      var form = dialog.querySelector("form[data-action]");
      form.setAttribute("action", form.getAttribute("data-action").replace("{id}", card.getAttribute("data-idea-id")));
    },
    "merge-dialog": function (dialog, card) {
      var id = card.getAttribute("data-idea-id");
      dialog.querySelector("[name=source_id]").value = id;
      var select = dialog.querySelector("select");
      select.textContent = "";
      Array.prototype.forEach.call(document.querySelectorAll("#board .idea[data-idea-id]:not(.idea-blind)"), function (other) {
        var otherId = other.getAttribute("data-idea-id");
        if (otherId !== id) { select.appendChild(option(otherId, shorten(textOf(other), 60))); }
      });
    },
    "hide-dialog": function (dialog, card) {
      dialog.querySelector("[name=idea_id]").value = card.getAttribute("data-idea-id");
      dialog.querySelector("[name=reason]").value = "";
    },
    "move-dialog": function (dialog, card) {
      dialog.querySelector("[name=idea_id]").value = card.getAttribute("data-idea-id");
      var current = card.closest("[data-cluster-id]");
      var currentId = current ? current.getAttribute("data-cluster-id") : "";
      var select = dialog.querySelector("select");
      select.textContent = "";
      var listed = {};
      Array.prototype.forEach.call(document.querySelectorAll("#board .cluster-cards[data-cluster-id]"), function (list) {
        var clusterId = list.getAttribute("data-cluster-id");
        if (listed[clusterId]) { return; }  // the unsorted cards stand in a column per question: one choice
        listed[clusterId] = true;
        var name = list.closest(".cluster").querySelector(".cluster-name");
        var label = clusterId ? (name ? name.textContent.trim() : clusterId) : dialog.getAttribute("data-unsorted");
        select.appendChild(option(clusterId, label, clusterId === currentId));
      });
    }
  };

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-open]");
    if (button) {
      var dialog = document.getElementById(button.getAttribute("data-open"));
      var card = cardOf(button);
      if (!dialog || !card || !fill[dialog.id]) { return; }
      fill[dialog.id](dialog, card);
      var source = dialog.querySelector(".dialog-source");
      if (source) { source.textContent = textOf(card); }
      dialog.querySelector(".dialog-message").textContent = "";
      opener = button;
      dialog.showModal();
      return;
    }
    var close = event.target.closest && event.target.closest("dialog [data-close]");
    if (close) { close.closest("dialog").close(); }
  });

  // Native <dialog> closes on Escape; either way focus goes back to the button that opened it (or, if a
  // fresh board replaced that card, to the card itself).
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!dialog.classList || !dialog.classList.contains("board-dialog") || !opener) { return; }
    var card = cardOf(opener);
    var target = document.body.contains(opener) ? opener : (card && document.getElementById(card.id));
    opener = null;
    if (target) { target.focus(); }
  }, true);

  // The dialogs' forms post with htmx to their (just set) action; the answer appears in the dialog, and on
  // success the dialog closes and the notice moves to the board's message area.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute || !form.hasAttribute("data-dialog-form") || !window.htmx) { return; }
    event.preventDefault();
    var dialog = form.closest("dialog");
    var message = dialog.querySelector(".dialog-message");
    htmx.ajax("POST", form.getAttribute("action"), { source: form, target: message, swap: "innerHTML" }).then(function () {
      if (message.querySelector(".notice-error, [role=alert], .error")) { return; }
      var board = document.getElementById("board-message");
      if (board) { board.innerHTML = message.innerHTML; }
      message.textContent = "";
      dialog.close();
    });
  });

  // A card's forms and buttons name only the end of their URL (hx-post="reaktion", "kommentare" or
  // "steuerung"); the rest comes from the board (/w/{workshop}) and the card they sit in.
  document.addEventListener("htmx:configRequest", function (event) {
    var path = event.detail.path;
    if (!path || path.charAt(0) === "/" || path.indexOf(":") >= 0) { return; }
    var shell = document.querySelector("[data-board-url]");
    if (!shell) { return; }
    var base = shell.getAttribute("data-board-url").replace(/\/[^/]*$/, "");
    var card = cardOf(event.detail.elt);
    event.detail.path = path === "steuerung" || !card ? base + "/" + path : base + "/ideen/" + card.getAttribute("data-idea-id") + "/" + path;
  });

  // The comment form comes from one <template> when a card's "Weiterdenken" opens (and stays through a
  // fresh board, so a draft survives).
  function addCommentForm(details) {
    var template = document.getElementById("comment-form");
    if (!template || !window.htmx || details.querySelector("form")) { return; }
    var form = template.content.firstElementChild.cloneNode(true);
    details.appendChild(form);
    htmx.process(form);
  }
  function commentForms() {
    Array.prototype.forEach.call(document.querySelectorAll("#board .idea-comments[open]"), addCommentForm);
  }
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.classList && details.classList.contains("idea-comments") && details.open) { addCommentForm(details); }
  }, true);
  if (window.Idiomorph) {
    var removing = Idiomorph.defaults.callbacks.beforeNodeRemoved;
    Idiomorph.defaults.callbacks.beforeNodeRemoved = function (node) {
      if (node.nodeType === 1 && node.matches(".idea-comments > form")) { return false; }
      return removing ? removing(node) : undefined;
    };
  }

  // Others' blind cards that arrive live are folded into the step's "N verdeckte Karten" line.
  function foldBlind() {
    Array.prototype.forEach.call(document.querySelectorAll("#board .ideas .idea-blind"), function (card) {
      var line = document.getElementById("blind-count-step-" + card.getAttribute("data-step"));
      if (!line) { return; }
      var count = parseInt(line.getAttribute("data-count") || "0", 10) + 1;
      line.setAttribute("data-count", String(count));
      line.textContent = line.getAttribute(count === 1 ? "data-one" : "data-other").replace(/\d+/, String(count));
      line.hidden = false;
      card.remove();
    });
  }
  // "weitere anzeigen" may bring a card that arrived live meanwhile: keep the first of two with one id.
  function dropDuplicates() {
    var seen = {};
    Array.prototype.forEach.call(document.querySelectorAll("#board article.idea[id]"), function (card) {
      if (seen[card.id]) { card.remove(); } else { seen[card.id] = true; }
    });
  }
  // A websocket message's <div hx-swap-oob="beforeend:#…"> arrives with its wrapper; a <div> inside a
  // <ul> or among the cards is invalid and breaks the grid, so only its content stays.
  function unwrap() {
    var wrappers = document.querySelectorAll("#board ul[id^='comments-'] > div, #board .ideas > div:not([class]), #board .cluster-cards > div:not([class])");
    Array.prototype.forEach.call(wrappers, function (div) {
      while (div.firstChild) { div.parentNode.insertBefore(div.firstChild, div); }
      div.remove();
    });
  }
  function settle() { unwrap(); foldBlind(); dropDuplicates(); commentForms(); }
  document.addEventListener("DOMContentLoaded", settle);
  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("htmx:oobAfterSwap", settle);
})();
