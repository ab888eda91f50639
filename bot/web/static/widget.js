/*
 * Harm Outside the Home chat widget.
 *
 * One script tag mounts the chat, the quick exit and the help-now panel:
 *   <script src="https://chat.example/static/widget.js" data-area="swindon"
 *     data-name="Swindon Safeguarding Partnership" data-colour="#00557f" defer></script>
 * Optional: data-target (CSS selector to mount into), data-exit-url (neutral
 * https page for quick exit), data-api (base address of the chat server),
 * data-mode="exit" (only the quick exit, for pages around the chat).
 *
 * Safety rules this file keeps (SAFETY.md section 3): bot text is shown with
 * textContent only, links only to an allow-list of https sites; the chat's
 * state lives in sessionStorage only; quick exit hides the page, clears that
 * storage, aborts requests and replaces the location so Back does not return.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.hothChatWidget) {
    return; // one widget per page, even if the tag is pasted twice
  }

  var AREAS = ["durham", "swindon", "elsewhere"];
  var DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather";
  var DEFAULT_COLOUR = "#1d4f91";
  var LINK_HOSTS = [
    "childline.org.uk", "nspcc.org.uk", "ceop.police.uk", "crimestoppers-uk.org", "fearless.org",
    "missingpeople.org.uk", "modernslaveryhelpline.org", "actearly.uk", "gov.uk", "police.uk",
    "durham-scp.org.uk", "swindonsafeguardingpartnership.co.uk"
  ];
  var SAFE_ERROR = "Sorry, the chat is not working right now. If you or a child are in danger now, " +
    "call 999. Young people can call Childline free on 0800 1111, any time.";
  var NO_REPLY = "The helper did not reply. If you or a child are in danger now, call 999. " +
    "Young people can call Childline free on 0800 1111, any time.";
  // National numbers shown if the help-now list cannot be fetched.
  var FALLBACK_CONTACTS = [
    { id: "police_999", name: "Police emergency", phone: "999", anonymity: "If a child is in danger right now" },
    { id: "police_101", name: "Police non-emergency", phone: "101" },
    {
      id: "childline", name: "Childline", phone: "0800 1111", web: "https://www.childline.org.uk/",
      hours: "24 hours", anonymity: "Free, any time, for anyone under 19. You do not have to give your name."
    }
  ];
  var STORE_PREFIX = "hoth-chat:";
  var KEY_SENDER = STORE_PREFIX + "sender";
  var KEY_LOG = STORE_PREFIX + "log";
  var KEY_AREA_SENT = STORE_PREFIX + "area-sent";
  var REPLY_WATCHDOG_MS = 25000;
  var SHIFT_WINDOW_MS = 5000;

  var config = readConfig(script);
  var controllers = [];
  var exiting = false;
  var busy = false;
  var ui = {};

  window.hothChatWidget = { version: 1, quickExit: quickExit };

  // ----- configuration ---------------------------------------------------

  function readConfig(tag) {
    var data = tag.dataset;
    var base = safeUrl(data.api || "", tag.src) || new URL("../", tag.src).href;
    if (base.charAt(base.length - 1) !== "/") {
      base += "/";
    }
    var exitUrl = safeUrl(data.exitUrl || "", base);
    if (!exitUrl || exitUrl.indexOf("https://") !== 0) {
      exitUrl = DEFAULT_EXIT_URL;
    }
    var colour = /^#[0-9a-fA-F]{6}$/.test(data.colour || "") ? data.colour : DEFAULT_COLOUR;
    return {
      area: AREAS.indexOf((data.area || "").toLowerCase()) >= 0 ? data.area.toLowerCase() : "",
      name: (data.name || "").trim() || "Harm Outside the Home",
      colour: colour,
      exitUrl: exitUrl,
      base: base,
      safetyUrl: base + "browsing-safely",
      target: data.target || "",
      mode: data.mode === "exit" ? "exit" : "chat"
    };
  }

  function safeUrl(value, base) {
    if (!value) {
      return "";
    }
    try {
      var url = new URL(value, base);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch (err) {
      return "";
    }
  }

  // ----- storage: sessionStorage only, always under our prefix -------------

  function storeGet(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (err) {
      return null;
    }
  }

  function storeSet(key, value) {
    try {
      window.sessionStorage.setItem(key, value);
    } catch (err) {
      // Storage can be full or blocked; the chat still works for this page view.
    }
  }

  function clearStore() {
    try {
      var keys = [];
      for (var i = 0; i < window.sessionStorage.length; i += 1) {
        var key = window.sessionStorage.key(i);
        if (key && key.indexOf(STORE_PREFIX) === 0) {
          keys.push(key);
        }
      }
      keys.forEach(function (key) { window.sessionStorage.removeItem(key); });
    } catch (err) {
      // Nothing stored, nothing to clear.
    }
  }

  function senderId() {
    var sender = storeGet(KEY_SENDER);
    if (!sender || !/^[0-9a-f]{32}$/.test(sender)) {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      sender = Array.prototype.map.call(bytes, function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      }).join("");
      storeSet(KEY_SENDER, sender);
    }
    return sender;
  }

  function savedLog() {
    try {
      var entries = JSON.parse(storeGet(KEY_LOG) || "[]");
      return Array.isArray(entries) ? entries : [];
    } catch (err) {
      return [];
    }
  }

  function remember(entry) {
    var entries = savedLog();
    entries.push(entry);
    storeSet(KEY_LOG, JSON.stringify(entries.slice(-200)));
  }

  // ----- small DOM helpers (no innerHTML anywhere) --------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function hidden(text) {
    return el("span", { "class": "hoth-visually-hidden" }, [text]);
  }

  function onAccent(hex) {
    // Text colour with the better contrast on the partnership's colour (WCAG formula).
    var rgb = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    return (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) ? "#ffffff" : "#0b0c0c";
  }

  // ----- links: allow-listed https sites only -------------------------------

  function allowedHost(host) {
    host = host.toLowerCase();
    return LINK_HOSTS.some(function (allowed) {
      return host === allowed || host.slice(-(allowed.length + 1)) === "." + allowed;
    });
  }

  function allowedLink(candidate) {
    var text = /^https:\/\//i.test(candidate) ? candidate : "https://" + candidate;
    try {
      var url = new URL(text);
      if (url.protocol !== "https:" || url.username || url.password || url.port || !allowedHost(url.hostname)) {
        return null;
      }
      return url.href;
    } catch (err) {
      return null;
    }
  }

  function link(href, label) {
    var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, [label]);
    a.appendChild(hidden(" (opens in a new tab)"));
    return a;
  }

  var LINK_PATTERN = new RegExp(
    "\\[([^\\]\\n]{1,200})\\]\\((https:\\/\\/[^\\s)]{1,500})\\)" +
    // A host must end where the name ends: "childline.org.uk.evil.example" is not childline.org.uk.
    "|((?:https:\\/\\/)?(?:[a-z0-9-]+\\.)+(?:uk|org|com|net)(?![a-z0-9-]|\\.[a-z0-9]|@)(?:\\/[^\\s<>\"]*)?)",
    "gi"
  );

  function appendRichText(parent, text) {
    var last = 0;
    var match;
    LINK_PATTERN.lastIndex = 0;
    while ((match = LINK_PATTERN.exec(text)) !== null) {
      var start = match.index;
      var whole = match[0];
      var tail = "";
      var node = null;
      if (match[1]) {
        var target = allowedLink(match[2]);
        node = target ? link(target, match[1]) : document.createTextNode(match[1] + " (" + match[2] + ")");
      } else {
        var trimmed = whole.replace(/[.,;:!?)'"\]]+$/, "");
        tail = whole.slice(trimmed.length);
        // Part of a longer address (user@host, other.host/path) is never a link on its own.
        var glued = start > 0 && /[@\w.\/:-]/.test(text.charAt(start - 1));
        var href = glued ? null : allowedLink(trimmed);
        node = href ? link(href, trimmed) : document.createTextNode(trimmed);
      }
      parent.appendChild(document.createTextNode(text.slice(last, start)));
      parent.appendChild(node);
      if (tail) {
        parent.appendChild(document.createTextNode(tail));
      }
      last = start + whole.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // ----- quick exit ----------------------------------------------------------

  function quickExit(event) {
    if (event && event.preventDefault) {
      event.preventDefault();
    }
    exiting = true;
    try {
      document.documentElement.style.setProperty("background", "#ffffff", "important");
      document.body.style.setProperty("display", "none", "important");
      document.title = "";
    } catch (err) {
      // Hiding is best effort; leaving the page below is what matters.
    }
    controllers.splice(0).forEach(function (c) { c.abort(); });
    clearStore();
    if (ui.log) {
      ui.log.textContent = "";
    }
    window.location.replace(config.exitUrl);
  }

  function watchShift() {
    // Shift pressed on its own three times within 5 s. A Shift used to type a
    // capital letter does not count, so typing never triggers an exit.
    var presses = [];
    var usedWithOtherKey = false;
    document.addEventListener("keydown", function (event) {
      if (event.key === "Shift") {
        if (!event.repeat) {
          usedWithOtherKey = false;
        }
      } else {
        usedWithOtherKey = true;
        presses = [];
      }
    }, true);
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") {
        return;
      }
      if (usedWithOtherKey) {
        usedWithOtherKey = false;
        return;
      }
      var now = Date.now();
      presses = presses.filter(function (t) { return now - t < SHIFT_WINDOW_MS; });
      presses.push(now);
      if (presses.length >= 3) {
        quickExit();
      }
    }, true);
  }

  function mountQuickExit() {
    var exit = document.querySelector("[data-hoth-exit]");
    if (!exit) {
      exit = el("a", {
        "class": "hoth-exit", href: config.exitUrl, rel: "noreferrer",
        "data-testid": "quick-exit", "data-hoth-exit": ""
      }, ["Quick exit", el("span", { "class": "hoth-exit__hint" }, [" (or press Shift 3 times)"])]);
      // First in the body, so it is the first thing Tab reaches.
      document.body.insertBefore(exit, document.body.firstChild);
    }
    exit.addEventListener("click", quickExit);
    watchShift();
  }

  // ----- help now --------------------------------------------------------------

  function contactItem(c) {
    var item = el("li", { "class": "hoth-help__item" }, [el("span", { "class": "hoth-help__name" }, [c.name])]);
    if (c.id) {
      item.setAttribute("data-contact", c.id);
    }
    if (c.phone) {
      item.appendChild(el("a", {
        "class": "hoth-help__phone", href: "tel:" + c.phone.replace(/[^0-9+]/g, "")
      }, [hidden("Call "), c.phone]));
    }
    if (c.text) {
      var detail = /^[0-9 +]{3,}$/.test(c.text) ? "Text " + c.text : c.text;
      item.appendChild(el("span", { "class": "hoth-help__detail" }, [detail]));
    }
    if (c.email && /^[^\s@]+@[^\s@]+$/.test(c.email)) {
      item.appendChild(el("a", { "class": "hoth-help__link", href: "mailto:" + c.email }, [c.email]));
    }
    if (c.web && /^https:\/\//.test(c.web)) {
      var host = new URL(c.web).hostname.replace(/^www\./, "");
      item.appendChild(el("a", { "class": "hoth-help__link", href: c.web, rel: "noopener noreferrer" }, [host]));
    }
    var more = [c.hours, c.anonymity].filter(function (v) { return typeof v === "string" && v; });
    if (more.length) {
      item.appendChild(el("details", { "class": "hoth-help__more" }, [
        el("summary", {}, ["Opening hours and privacy", hidden(": " + c.name)])
      ].concat(more.map(function (v) { return el("p", {}, [v]); }))));
    }
    return item;
  }

  function fillHelp(list, contacts) {
    list.textContent = "";
    contacts.forEach(function (c) {
      if (c && typeof c.name === "string") {
        list.appendChild(contactItem(c));
      }
    });
  }

  function buildHelpNow() {
    var list = el("ul", { "class": "hoth-help__list" });
    fillHelp(list, FALLBACK_CONTACTS);
    var panel = el("section", {
      "class": "hoth-help", "data-testid": "help-now", "aria-labelledby": "hoth-help-title"
    }, [
      el("h3", { "class": "hoth-help__title", id: "hoth-help-title" }, ["Help now"]),
      el("p", { "class": "hoth-help__lead" }, [
        "If a child is in danger right now, call 999. These numbers work even if the chat does not."
      ]),
      list
    ]);
    var url = config.base + "api/help-now" + (config.area ? "?area=" + encodeURIComponent(config.area) : "");
    fetch(url, { credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer" })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (data) {
        if (data && Array.isArray(data.contacts) && data.contacts.length && !exiting) {
          fillHelp(list, data.contacts);
        }
      })
      .catch(function () { /* the national numbers stay */ });
    return panel;
  }

  // ----- the conversation --------------------------------------------------------

  function scrollDown() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function showEmptyHint() {
    ui.log.appendChild(el("p", { "class": "hoth-log__empty" }, [
      "Start by typing what is worrying you, in your own words. You can also ask a question."
    ]));
  }

  function addMessage(entry, live) {
    var hint = ui.log.querySelector(".hoth-log__empty");
    if (hint) {
      hint.remove();
    }
    var who = entry.who;
    var bubble = el("div", { "class": "hoth-msg hoth-msg--" + who });
    var prefix = { bot: "Helper said: ", user: "You said: ", error: "Problem: ", note: "" }[who] || "";
    if (prefix) {
      bubble.appendChild(hidden(prefix));
    }
    var body = el("p", { "class": "hoth-msg__text" });
    if (who === "user") {
      body.textContent = entry.text;
    } else {
      appendRichText(body, entry.text || "");
    }
    bubble.appendChild(body);
    if (who === "error") {
      bubble.setAttribute("data-kind", "error");
    }
    ui.log.appendChild(bubble);
    if (entry.buttons && entry.buttons.length) {
      ui.log.appendChild(buttonGroup(entry.buttons, live));
    }
    scrollDown();
  }

  function buttonGroup(buttons, live) {
    var group = el("div", { "class": "hoth-choices", role: "group", "aria-label": "Choose an answer" });
    buttons.forEach(function (b) {
      if (!b || typeof b.title !== "string" || typeof b.payload !== "string") {
        return;
      }
      var button = el("button", { type: "button", "class": "hoth-choice" }, [b.title]);
      button.disabled = !live;
      button.addEventListener("click", function () {
        if (busy) {
          return;
        }
        Array.prototype.forEach.call(group.querySelectorAll("button"), function (other) {
          other.disabled = true;
        });
        button.setAttribute("aria-pressed", "true");
        send(b.payload, b.title);
        ui.input.focus();
      });
      group.appendChild(button);
    });
    return group;
  }

  function disableOldChoices() {
    Array.prototype.forEach.call(ui.log.querySelectorAll(".hoth-choice"), function (b) {
      b.disabled = true;
    });
  }

  function show(entry) {
    addMessage(entry, true);
    remember(entry);
  }

  function setBusy(value) {
    busy = value;
    ui.typing.hidden = !value;
    ui.typingText.textContent = value ? "The helper is writing a reply." : "";
    ui.send.setAttribute("aria-disabled", value ? "true" : "false");
    if (value) {
      scrollDown();
    }
  }

  function cleanMessage(raw) {
    if (!raw || typeof raw !== "object") {
      return null;
    }
    if (raw.error) {
      return { who: "error", text: typeof raw.message === "string" ? raw.message : SAFE_ERROR };
    }
    var text = typeof raw.text === "string" ? raw.text : "";
    var buttons = Array.isArray(raw.buttons) ? raw.buttons.filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string";
    }).map(function (b) { return { title: b.title, payload: b.payload }; }) : [];
    if (!text && !buttons.length) {
      return null;
    }
    return { who: "bot", text: text, buttons: buttons };
  }

  function readLines(resp, onLine, onChunk) {
    if (!resp.body || !resp.body.getReader) {
      return resp.text().then(function (all) { all.split("\n").forEach(onLine); });
    }
    var reader = resp.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (part) {
        if (part.done) {
          buffer += decoder.decode();
          if (buffer) {
            onLine(buffer);
          }
          return;
        }
        onChunk();
        buffer += decoder.decode(part.value, { stream: true });
        var lines = buffer.split("\n");
        buffer = lines.pop();
        lines.forEach(onLine);
        return pump();
      });
    }
    return pump();
  }

  function send(message, shown) {
    if (busy || exiting) {
      return;
    }
    if (shown !== null) {
      disableOldChoices();
      show({ who: "user", text: shown });
    }
    var body = { sender: senderId(), message: message };
    var carriesArea = Boolean(config.area) && !storeGet(KEY_AREA_SENT) && message !== "/restart";
    if (carriesArea) {
      body.area = config.area;
    }
    var controller = new AbortController();
    controllers.push(controller);
    var timedOut = false;
    var watchdog = null;
    function arm() {
      window.clearTimeout(watchdog);
      watchdog = window.setTimeout(function () {
        timedOut = true;
        controller.abort();
      }, REPLY_WATCHDOG_MS);
    }
    // Cancelled by quick exit or "Start again" (not by the watchdog): say nothing more.
    function cancelled() {
      return exiting || (controller.signal.aborted && !timedOut);
    }
    var replies = 0;
    setBusy(true);
    arm();
    return fetch(config.base + "api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer"
    }).then(function (resp) {
      if (!resp.ok) {
        return resp.json().catch(function () { return {}; }).then(function (data) {
          if (!cancelled()) {
            show({ who: "error", text: typeof data.message === "string" ? data.message : SAFE_ERROR });
            replies += 1;
          }
        });
      }
      if (carriesArea) {
        storeSet(KEY_AREA_SENT, "1");
      }
      return readLines(resp, function (line) {
        if (!line.trim() || cancelled()) {
          return;
        }
        var entry;
        try {
          entry = cleanMessage(JSON.parse(line));
        } catch (err) {
          entry = null;
        }
        if (entry) {
          replies += 1;
          show(entry);
        }
      }, arm);
    }).catch(function () {
      if (!cancelled()) {
        show({ who: "error", text: SAFE_ERROR });
        replies += 1;
      }
    }).then(function () {
      window.clearTimeout(watchdog);
      var i = controllers.indexOf(controller);
      if (i >= 0) {
        controllers.splice(i, 1);
      }
      if (cancelled()) {
        return; // whoever cancelled owns the state now
      }
      setBusy(false);
      if (!replies && message !== "/restart") {
        show({ who: "note", text: NO_REPLY });
      }
    });
  }

  function restart() {
    if (exiting) {
      return;
    }
    controllers.splice(0).forEach(function (c) { c.abort(); });
    busy = false;
    ui.log.textContent = "";
    showEmptyHint();
    try {
      window.sessionStorage.removeItem(KEY_LOG);
      // The restart clears the area slot too, so the next message sets it again.
      window.sessionStorage.removeItem(KEY_AREA_SENT);
    } catch (err) {
      // Nothing stored.
    }
    send("/restart", null);
    ui.input.focus();
  }

  // ----- building the widget -------------------------------------------------------

  function buildChat() {
    ui.log = el("div", {
      "class": "hoth-log", role: "log", "aria-live": "polite", "aria-label": "Conversation",
      tabindex: "0", "data-testid": "chat-log"
    });
    ui.typingText = el("span", { "class": "hoth-visually-hidden" });
    ui.typing = el("div", { "class": "hoth-typing", role: "status" }, [
      el("span", { "class": "hoth-typing__dots", "aria-hidden": "true" }, [
        el("span"), el("span"), el("span")
      ]),
      ui.typingText
    ]);
    ui.typing.hidden = true;
    ui.input = el("textarea", {
      id: "hoth-input", "class": "hoth-input", rows: "2", maxlength: "1000", autocomplete: "off",
      "aria-describedby": "hoth-input-hint", "data-testid": "chat-input"
    });
    ui.send = el("button", { type: "submit", "class": "hoth-send", "data-testid": "chat-send" }, ["Send"]);
    var restartButton = el("button", { type: "button", "class": "hoth-restart" }, ["Start again"]);
    var form = el("form", { "class": "hoth-form", "aria-label": "Send a message" }, [
      el("label", { "for": "hoth-input", "class": "hoth-label" }, ["Type your message"]),
      el("p", { "class": "hoth-hint", id: "hoth-input-hint" }, [
        "You do not need to give names, addresses or anything that could identify anyone."
      ]),
      el("div", { "class": "hoth-form__row" }, [ui.input, ui.send]),
      restartButton
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = ui.input.value.trim();
      if (!text || busy) {
        return;
      }
      ui.input.value = "";
      send(text, text);
    });
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit ? form.requestSubmit(ui.send) : ui.send.click();
      }
    });
    restartButton.addEventListener("click", restart);
    return [ui.log, ui.typing, form];
  }

  function build() {
    mountQuickExit();
    if (config.mode === "exit") {
      return;
    }
    var root = el("section", { "class": "hoth-widget", "aria-labelledby": "hoth-title" });
    root.style.setProperty("--hoth-accent", config.colour);
    root.style.setProperty("--hoth-on-accent", onAccent(config.colour));
    var head = el("div", { "class": "hoth-widget__head" }, [
      el("h2", { "class": "hoth-widget__title", id: "hoth-title" }, ["Talk it through"]),
      el("p", { "class": "hoth-widget__org" }, [config.name])
    ]);
    root.appendChild(head);
    root.appendChild(el("p", { "class": "hoth-widget__intro" }, [
      "This is an automated helper. Nobody is reading live and it cannot send help. " +
      "It keeps only an anonymous note of the kind of worry and the advice given, never what you type. " +
      "You can stop at any time."
    ]));
    if (!document.querySelector("[data-hoth-exit-note]")) {
      var safety = el("a", { href: config.safetyUrl, target: "_blank", rel: "noopener noreferrer" }, [
        "How to browse more safely"
      ]);
      root.appendChild(el("p", { "class": "hoth-exit-note", "data-hoth-exit-note": "" }, [
        "Quick exit leaves this page at once, but it does not erase your browser history. ", safety, "."
      ]));
    }
    if (!document.querySelector("[data-testid='help-now']")) {
      root.appendChild(buildHelpNow());
    }
    buildChat().forEach(function (node) { root.appendChild(node); });

    var mount = config.target ? document.querySelector(config.target) : null;
    if (mount) {
      mount.textContent = "";
      mount.appendChild(root);
    } else if (script.parentNode && script.parentNode !== document.head) {
      script.parentNode.insertBefore(root, script.nextSibling);
    } else {
      document.body.appendChild(root);
    }
    ensureStyles();
    savedLog().forEach(function (entry, i, all) {
      if (entry && typeof entry.who === "string") {
        addMessage(entry, i === all.length - 1 && entry.who === "bot");
      }
    });
    if (!ui.log.firstChild) {
      showEmptyHint();
    }
  }

  function ensureStyles() {
    var href = config.base + "static/widget.css";
    var present = Array.prototype.some.call(document.querySelectorAll("link[rel='stylesheet']"), function (l) {
      return l.href === href;
    });
    if (!present) {
      document.head.appendChild(el("link", { rel: "stylesheet", href: href }));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", build);
  } else {
    build();
  }
}());
