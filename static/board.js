// The live board's client: exact catch-up after a reconnect, no duplicates, a pause switch.
// Every websocket message from the server starts with <!--seq:N-->; the board carries data-seq. Seqs may have
// gaps: an event nothing of which is this board's (another person's vote) is not sent at all, and a replay
// after a reconnect skips it the same way. Only seq <= lastSeq is dropped (a repeat).
(function () {
  "use strict";
  var lastSeq = 0;
  var paused = false;
  var missedWhilePaused = false;
  var SEQ = /^<!--seq:(\d+)-->/;

  function board() { return document.getElementById("board"); }
  function shell() { return document.querySelector(".board-shell"); }
  function boardSeq() {
    var element = board();
    return element ? parseInt(element.getAttribute("data-seq") || "0", 10) : 0;
  }
  function setStatus(kind) {
    var status = document.getElementById("live-status");
    if (!status) { return; }
    var text = status.getAttribute("data-" + kind);
    if (text) { status.textContent = text; }
    status.setAttribute("data-state", kind);
    document.documentElement.setAttribute("data-live", kind);
  }
  function refreshBoard() {
    var container = shell();
    if (!container || !window.htmx) { return; }
    htmx.ajax("GET", container.getAttribute("data-board-url"), { target: "#board", swap: "morph" });
  }

  // Reconnect where we left off: the server replays exactly what we missed (or sends a fresh board).
  // The board's own seq counts too: htmx may open the socket before this script's DOMContentLoaded has read it
  // (on a busy phone it does), and after=0 would replay the whole evening and make the board fetch itself.
  htmx.createWebSocket = function (url) {
    var target = new URL(url, window.location.href);
    lastSeq = Math.max(lastSeq, boardSeq());
    target.searchParams.set("after", String(lastSeq));
    var socket = new WebSocket(target.toString());
    socket.binaryType = htmx.config.wsBinaryType || "blob";
    return socket;
  };

  document.addEventListener("DOMContentLoaded", function () { lastSeq = boardSeq(); });

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var text = event.detail.message;
    if (typeof text !== "string" || text.charAt(0) !== "<") { event.preventDefault(); return; }
    var match = SEQ.exec(text);
    var seq = match ? parseInt(match[1], 10) : null;
    if (paused) {
      if (seq) { missedWhilePaused = true; }
      event.preventDefault();
      return;
    }
    if (seq) {
      if (seq <= lastSeq) { event.preventDefault(); return; }
      lastSeq = seq;
    }
  });

  // Voting pieces pushed over the socket that need more than a swap by id: the "+" buttons follow the
  // remaining dots on every card, and a fixed ranking moves the items into its order.
  document.addEventListener("htmx:wsAfterMessage", function () {
    var remaining = document.getElementById("voting-remaining");
    if (remaining && remaining.hasAttribute("data-remaining")) {
      var spent = remaining.getAttribute("data-remaining") === "0";
      document.querySelectorAll("#voting-panel .vote-add").forEach(function (button) {
        button.disabled = spent || button.hasAttribute("data-full");
      });
    }
    var order = document.getElementById("ranking-order");
    var list = document.getElementById("ranking-list");
    if (order && list && order.getAttribute("data-order")) {
      var ids = order.getAttribute("data-order").split(" ");
      var rest = Array.prototype.filter.call(list.children, function (item) {
        return ids.indexOf(item.getAttribute("data-id")) < 0;
      });
      ids.forEach(function (id) {
        var item = list.querySelector('li[data-id="' + id + '"]');
        if (item) { list.appendChild(item); }
      });
      rest.forEach(function (item) { list.appendChild(item); });  // cards the pushed order does not name
      order.removeAttribute("data-order");
    }
  });

  document.addEventListener("htmx:wsOpen", function () { setStatus(paused ? "paused" : "online"); });
  // Closes that end live updates here (no reconnect), each explained: 4008 a newer socket of the same person
  // took this one's place (too many tabs or devices); 4401 the login session ended; 4410 the access was
  // revoked or changed (token revoked, account locked, role changed).
  var CLOSED = { 4008: "replaced", 4401: "ended", 4410: "revoked" };
  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail && event.detail.event ? event.detail.event.code : 0;
    setStatus(CLOSED[code] || "offline");
  });
  document.addEventListener("htmx:wsError", function () { setStatus("offline"); });
  window.addEventListener("online", function () { if (!paused) { refreshBoard(); } });

  // A swapped-in board brings its own seq: never go backwards, never skip.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board" || (event.detail.elt && event.detail.elt.id === "board")) {
      lastSeq = Math.max(lastSeq, boardSeq());
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var element = board();
    if (element) { lastSeq = Math.max(lastSeq, boardSeq()); }
  });

  // A fresh board (step change, reveal, reconnect) must not wipe what someone is typing: the morph leaves
  // the text of post and comment forms alone (they clear themselves only after their own post), and what is
  // marked data-morph-keep (the projector's join box, whose address only the page knows) stays as it is.
  // A pushed copy of a card (a reaction, an edit, a fresh board) leaves a comment box or moderation menu open
  // that the person opened (the server cannot know): <details> only ever opens by a morph.
  if (window.Idiomorph) {
    Idiomorph.defaults.callbacks.beforeAttributeUpdated = function (attribute, element, updateType) {
      var draft = element.tagName === "TEXTAREA" || (element.tagName === "INPUT" && element.type === "text");
      if (attribute === "value" && draft && element.closest("form[data-reset]")) { return false; }
      if (attribute === "open" && updateType === "remove" && element.tagName === "DETAILS") { return false; }
    };
    Idiomorph.defaults.callbacks.beforeNodeMorphed = function (oldNode) {
      return !(oldNode.nodeType === 1 && oldNode.hasAttribute("data-morph-keep"));
    };
  }

  // Pushed changes. The server renders each event once per audience (role × language), never per person, and
  // the browser never fetches in reply: a whole board (after <!--board-->) is morphed into #board; small
  // moves come as <template data-op> elements, taken out here and applied once htmx has swapped the rest.
  // What is personal is marked here: the cards this browser wrote (ids it has seen marked as its own).
  var BOARD_MARK = "<!--board-->";
  var ownIds = {};
  var pendingBoard = null;
  var pendingOps = [];

  function rememberOwn(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".idea.idea-own[data-idea-id]"), function (card) {
      ownIds[card.getAttribute("data-idea-id")] = true;
    });
  }
  function markOwn() {
    Object.keys(ownIds).forEach(function (id) {
      var card = document.getElementById("idea-" + id);
      if (!card) { return; }
      card.classList.add("idea-own");
      Array.prototype.forEach.call(card.querySelectorAll("[data-own-only]"), function (el) { el.hidden = false; });
    });
  }
  // Where a card belongs: its cluster's list, or (unsorted, or no clusters on this board) the list of its
  // question. Where the cards answer several questions, each question's list names its steps in data-steps
  // (werkstatt.board.columns); a step no list names goes to the last list (cards whose step is gone).
  function questionList(selector, step) {
    var lists = document.querySelectorAll(selector);
    if (lists.length < 2) { return lists[0] || null; }
    for (var i = 0; i < lists.length; i++) {
      if ((" " + (lists[i].getAttribute("data-steps") || "") + " ").indexOf(" " + step + " ") >= 0) { return lists[i]; }
    }
    return lists[lists.length - 1];
  }
  function clusterList(step, cluster) {
    if (cluster && cluster !== "none") {
      return document.getElementById("cluster-cards-" + cluster) ||
        document.querySelector('.cluster-cards[data-cluster-id="' + cluster + '"]');
    }
    return questionList('#board .cluster-cards[data-cluster-id=""]', step);
  }
  function cardContainer(step, cluster) {
    return clusterList(step, cluster) ||
      questionList("#board .ideas[data-steps]", step) ||
      document.getElementById("ideas-step-" + step) ||
      document.getElementById("ideas-all");
  }
  // A column's count: #cluster-count-… beside a cluster's #cluster-cards-… list, #question-count-N beside a
  // question's #ideas-step-N list (only where the cards answer several questions).
  function addToCount(list, delta) {
    var id = list && list.id ? list.id : "";
    var counter = id.indexOf("cluster-cards-") === 0 ? document.getElementById(id.replace("cluster-cards-", "cluster-count-"))
      : (id.indexOf("ideas-step-") === 0 && list.hasAttribute("data-steps") ? document.getElementById(id.replace("ideas-step-", "question-count-")) : null);
    if (counter) { counter.textContent = String(Math.max(0, parseInt(counter.textContent || "0", 10) + delta)); }
  }
  // A card that leaves the board (hidden, merged, withdrawn) no longer counts in its column.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var fragment = event.detail.fragment;
    var incoming = fragment && fragment.firstElementChild;  // none for a delete (htmx passes its empty content)
    if (target && target.classList && target.classList.contains("idea") && !(incoming && incoming.classList.contains("idea"))) {
      addToCount(target.parentNode, -1);
    }
  });
  // A card swapped in place keeps what the person is doing on it: morphed (idiomorph keeps the focus, an open
  // comment box and a half-typed comment, see the callbacks below), not replaced.
  function swapCard(existing, card) {
    if (window.Idiomorph) { Idiomorph.morph(existing, card, { morphStyle: "outerHTML" }); return document.getElementById(card.id); }
    existing.replaceWith(card);
    return card;
  }
  var OPS = {
    // A card into a cluster: the element moves (with its comments and open details); both columns count
    // on, also for a card this board does not show (a column shows its first cards only).
    move: function (op) {
      var to = op.getAttribute("data-cluster");
      var from = op.getAttribute("data-from");
      var step = op.getAttribute("data-step");
      var card = document.getElementById("idea-" + op.getAttribute("data-idea"));
      var target = cardContainer(step, to);
      if (from !== to) { addToCount(clusterList(step, from), -1); addToCount(clusterList(step, to), 1); }
      if (card && target && card.parentNode !== target) { target.appendChild(card); }
    },
    // A cluster dissolved: its cards go back to the unsorted ones (each to its question's column). Cards the
    // column did not show (beyond its first ones) are counted where most of the shown ones went.
    dissolve: function (op) {
      var cluster = op.getAttribute("data-cluster");
      var cards = document.getElementById("cluster-cards-" + cluster);
      var counter = document.getElementById("cluster-count-" + cluster);
      var rest = counter ? parseInt(counter.textContent || "0", 10) : 0;
      var most = null;
      var tally = {};
      if (cards) {
        Array.prototype.slice.call(cards.querySelectorAll(".idea")).forEach(function (card) {
          var target = clusterList(card.getAttribute("data-step"), "none");
          if (!target) { return; }
          target.appendChild(card);
          addToCount(target, 1);
          rest -= 1;
          tally[target.id] = (tally[target.id] || 0) + 1;
          if (!most || tally[target.id] > tally[most.id]) { most = target; }
        });
      }
      if (rest > 0) { addToCount(most || clusterList(null, "none"), rest); }
      var column = document.getElementById("cluster-" + cluster);
      if (column) { column.remove(); }
    },
    append: function (op) {
      var target = document.getElementById(op.getAttribute("data-target"));
      if (!target) { return; }
      Array.prototype.slice.call(op.content.children).forEach(function (element) {
        if (!document.getElementById(element.id)) {
          target.appendChild(element);
          htmx.process(element);
        }
      });
    },
    rename: function (op) {
      var column = document.getElementById("cluster-" + op.getAttribute("data-cluster"));
      var name = column && column.querySelector(".cluster-name");
      if (name) { name.textContent = op.content.textContent.trim(); }
    },
    place: function (op) {
      var card = op.content.firstElementChild;
      if (!card) { return; }
      var existing = document.getElementById(card.id);
      if (existing) { card = swapCard(existing, card); }
      else {
        var target = cardContainer(op.getAttribute("data-step"), op.getAttribute("data-cluster"));
        if (!target) { return; }
        target.appendChild(card);
        addToCount(target, 1);
      }
      htmx.process(card);
    },
    spotlight: function (op) {
      Array.prototype.forEach.call(document.querySelectorAll(".is-spotlight"), function (el) {
        if (el.id !== "spotlight") { el.classList.remove("is-spotlight"); }
      });
      var target = op.getAttribute("data-target") && document.getElementById(op.getAttribute("data-target"));
      if (target) { target.classList.add("is-spotlight"); }
    },
    "class": function (op) {
      var target = document.getElementById(op.getAttribute("data-target"));
      if (target) { target.classList.toggle(op.getAttribute("data-class"), op.getAttribute("data-on") === "true"); }
    },
    // Pieces that only show something (a tally's counts and chips): each replaces the element with its id, all
    // in one pass (no htmx processing: they hold no controls); pieces this page does not show are skipped.
    swap: function (op) {
      Array.prototype.slice.call(op.content.children).forEach(function (element) {
        var existing = element.id && document.getElementById(element.id);
        if (existing) { existing.replaceWith(element); }
      });
    },
    count: function (op) {
      var list = document.getElementById(op.getAttribute("data-list"));
      var target = document.getElementById(op.getAttribute("data-target"));
      if (list && target) { target.textContent = String(list.children.length); }
    }
  };

  htmx.defineExtension("live-board", {
    transformResponse: function (text) {
      var match = SEQ.exec(text);
      var head = match ? match[0] : "";
      var body = text.slice(head.length);
      if (body.indexOf(BOARD_MARK) === 0) {
        pendingBoard = body.slice(BOARD_MARK.length);
        return head;
      }
      if (body.indexOf("data-op=") < 0) { return text; }
      var holder = document.createElement("template");
      holder.innerHTML = body;
      Array.prototype.slice.call(holder.content.children).forEach(function (op) {
        if (op.tagName === "TEMPLATE" && op.hasAttribute("data-op")) {
          pendingOps.push(op);
          op.remove();
        }
      });
      return head + holder.innerHTML;
    }
  });

  // A participant's own cards come first in each list (moved, not restyled: the reading order follows).
  function ownFirst() {
    Array.prototype.forEach.call(document.querySelectorAll(".board:not(.projector) .ideas"), function (list) {
      var own = Array.prototype.filter.call(list.children, function (el) { return el.classList.contains("idea-own"); });
      var inPlace = own.every(function (card, index) { return list.children[index] === card; });
      if (inPlace) { return; }
      for (var i = own.length - 1; i >= 0; i--) { list.insertBefore(own[i], list.firstElementChild); }
    });
  }
  // The step bar's "Punkte übrig" follows the vote panel's remaining dots.
  function syncBar() {
    var bar = document.getElementById("bar-dots");
    var remaining = document.getElementById("voting-remaining");
    if (!bar) { return; }
    if (!remaining || !remaining.hasAttribute("data-remaining")) { bar.hidden = true; return; }
    bar.textContent = "● " + remaining.getAttribute("data-remaining") + " / " + remaining.getAttribute("data-dots") + " " + bar.getAttribute("data-label");
    bar.hidden = false;
  }
  var shownStep = null;
  function checkStep() {  // after a pushed board or a fresh one fetched on reconnect
    var element = board();
    var step = element ? element.getAttribute("data-step") : null;
    if (step === shownStep) { return; }
    var first = shownStep === null;
    shownStep = step;
    if (!first) { showStep(); }
  }
  // A pushed card is swapped in out of band, possibly after the message's own handlers ran: order once more
  // on the next frame.
  var ownFirstQueued = false;
  function queueOwnFirst() {
    if (ownFirstQueued) { return; }
    ownFirstQueued = true;
    window.setTimeout(function () { ownFirstQueued = false; ownFirst(); }, 0);
  }
  document.addEventListener("DOMContentLoaded", function () {
    ownFirst(); syncBar(); checkStep();
    var shellElement = shell();
    if (shellElement && window.MutationObserver && !document.querySelector(".board.projector")) {
      new MutationObserver(function (changes) {
        for (var i = 0; i < changes.length; i++) {
          var target = changes[i].target;
          if (target.classList && target.classList.contains("ideas")) { queueOwnFirst(); return; }
        }
      }).observe(shellElement, { childList: true, subtree: true });
    }
  });
  document.addEventListener("htmx:afterSettle", function () { ownFirst(); syncBar(); checkStep(); });
  // A new step scrolls the page back to the step (the bar and what it asks), without moving the focus.
  function showStep() {
    var element = board();
    if (!element || element.classList.contains("projector")) { return; }
    var top = element.getBoundingClientRect().top + window.scrollY;
    // at once: a smooth scroll is cut short by the browser's scroll anchoring while the new board settles
    if (window.scrollY > top) { window.scrollTo(0, top); }
    // once more after htmx has settled the swap (restoring the focus there may scroll the page back down)
    window.setTimeout(function () { if (window.scrollY > top) { window.scrollTo(0, top); } }, 60);
  }

  document.addEventListener("htmx:wsAfterMessage", function () {
    if (pendingBoard !== null) {
      var html = pendingBoard;
      pendingBoard = null;
      var element = board();
      if (element) { htmx.swap(element, html, { swapStyle: "morph" }, { contextElement: element }); }
    }
    checkStep();
    var ops = pendingOps;
    pendingOps = [];
    ops.forEach(function (op) {
      var apply = OPS[op.getAttribute("data-op")];
      if (apply) { apply(op); }
    });
    rememberOwn(document);
    markOwn();
    ownFirst();
    syncBar();
    initSortable(document);
  });
  document.addEventListener("DOMContentLoaded", function () { rememberOwn(document); });

  // Forms marked data-reset clear themselves after a successful post.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.tagName === "FORM" && form.hasAttribute("data-reset") && event.detail.successful) {
      form.reset();
      var first = form.querySelector("textarea, input[type=text]");
      if (first) { first.focus(); }
    }
  });

  // The shared timer: counts down to the server's end time, corrected by the server's clock at render time.
  var timerHandle = null;
  var announcedZero = false;
  function formatClock(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }
  function tick() {
    var timer = document.getElementById("timer");
    if (!timer) { return; }
    var endsAt = timer.getAttribute("data-ends-at");
    var total = parseFloat(timer.getAttribute("data-total") || "0");
    var remaining;
    if (endsAt) {
      var serverNow = timer.getAttribute("data-server-now");
      if (timer._serverNow !== serverNow) { timer._serverNow = serverNow; timer._renderedAt = Date.now(); }
      var offset = Date.parse(serverNow) - timer._renderedAt;
      remaining = (Date.parse(endsAt) - (Date.now() + offset)) / 1000;
    } else if (timer.getAttribute("data-remaining")) {
      remaining = parseFloat(timer.getAttribute("data-remaining"));
    } else {
      remaining = total;
    }
    timer.textContent = formatClock(remaining);
    var share = total > 0 ? remaining / total : 1;
    timer.classList.toggle("timer-warn", !!endsAt && share <= 0.2 && remaining > 0);
    timer.classList.toggle("timer-critical", !!endsAt && share <= 0.05 && remaining > 0);
    // Run out: counted down here, or ended on the server (which also moves on to the next step when the
    // step says so: no browser asks for that, the step change is pushed like any other).
    var done = (!!endsAt || timer.hasAttribute("data-expired")) && remaining <= 0;
    timer.classList.toggle("timer-done", done);
    var state = document.getElementById("timer-state");
    if (state) {  // "pausiert" or "Zeit um" in words, not only in colour
      var word = timer.classList.contains("is-paused") ? state.getAttribute("data-paused")
        : (done ? state.getAttribute("data-over") : "");
      if (state.textContent !== word) { state.textContent = word; }
    }
    if (done && !announcedZero) {
      announcedZero = true;
      var announcer = document.getElementById("announcer");
      if (announcer) { announcer.textContent = timer.getAttribute("data-done"); }
    }
    if (remaining > 0) { announcedZero = false; }
  }
  function startTimer() {
    if (!timerHandle) { timerHandle = window.setInterval(tick, 500); }
    tick();
  }

  // Drag and drop between clusters (Sortable); the keyboard uses the "Verschieben nach" form instead.
  function initSortable(root) {
    if (!window.Sortable) { return; }
    var lists = (root || document).querySelectorAll("[data-sortable]");
    Array.prototype.forEach.call(lists, function (list) {
      if (list._sortable) { return; }
      list._sortable = Sortable.create(list, {
        group: list.getAttribute("data-sortable"),
        animation: 120,
        draggable: ".idea",
        filter: "input, textarea, select, button, summary, label",
        preventOnFilter: false,
        onEnd: function (event) {
          if (event.from === event.to) { return; }
          var ideaId = event.item.getAttribute("data-idea-id");
          htmx.ajax("POST", list.getAttribute("data-command-url"), {
            target: "#board-message", swap: "innerHTML",
            values: { type: "move_idea", idea_id: ideaId, cluster_id: event.to.getAttribute("data-cluster-id") }
          });
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { startTimer(); initSortable(document); });
  document.addEventListener("htmx:afterSettle", function () {
    tick();
    initSortable(document);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#pause-live");
    if (!button) { return; }
    paused = !paused;
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    button.textContent = button.getAttribute(paused ? "data-resume" : "data-pause");
    setStatus(paused ? "paused" : "online");
    if (!paused && missedWhilePaused) {
      missedWhilePaused = false;
      refreshBoard();
    }
  });

  // Coach shortcuts (listed under "Tastenkürzel" in the moderation panel): Alt+Shift+M the panel,
  // Alt+Shift+W the "Weiter" button (focused, not pressed), Alt+Shift+T the timer controls.
  var SHORTCUTS = {
    KeyM: "#coach-panel",
    KeyW: "#next-step button[type=submit]",
    KeyT: "#timer-controls button:not([disabled])"
  };
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) { return; }
    var selector = SHORTCUTS[event.code];
    var target = selector && document.querySelector(selector);
    if (!target) { return; }
    event.preventDefault();
    if (target.id === "coach-panel") { target.scrollIntoView({ block: "start" }); }
    target.focus();
  });
})();
