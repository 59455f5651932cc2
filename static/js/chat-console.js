// The clerk's chat console (templates/admin/chat/console.html). Works as plain forms without it;
// with it: answers go over the socket, the tenants' messages appear live in each panel, a new
// conversation in the queue gives a visible and an audible cue and the queue refreshes itself.
(function () {
  "use strict";
  var root = document.querySelector(".chat-console-root");
  if (!root || !window.WebSocket) return;
  var cue = document.getElementById("chat-cue");
  var socket = null;
  var delay = 500;
  var wasLost = false;
  var seen = {};
  var pending = [];

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function panels() { return Array.prototype.slice.call(document.querySelectorAll(".chat-panel")); }

  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.2);
    } catch (e) { /* no sound: the visible cue stays */ }
  }

  function show(text) { cue.textContent = text; cue.hidden = false; }

  function add(m) {
    var key = m.conversation + ":" + m.id;
    if (seen[key]) return;
    seen[key] = true;
    var panel = document.getElementById("rozmowa-" + m.conversation);
    if (!panel) return;
    if (m.id > (parseInt(panel.dataset.after, 10) || 0)) panel.dataset.after = m.id;
    var list = panel.querySelector(".chat-messages");
    var li = window.ebokChat.messageItem(m);
    list.appendChild(li);
    var log = panel.querySelector(".chat-log");
    log.scrollTop = log.scrollHeight;
  }

  function subscribe(panel) {
    panel.querySelectorAll("[data-id]").forEach(function (li) { seen[panel.dataset.conversation + ":" + li.dataset.id] = true; });
    if (socket && socket.readyState === 1) {
      socket.send(JSON.stringify({type: "subscribe", conversation: panel.dataset.conversation, after: panel.dataset.after}));
    }
  }

  function bind(panel) {
    var form = panel.querySelector(".chat-form");
    var textarea = form.querySelector("textarea");
    var errorBox = form.querySelector(".errors");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!textarea.value.trim()) { textarea.focus(); return; }
      var frame = {type: "message", conversation: panel.dataset.conversation, body: textarea.value, client_id: newId()};
      pending.push(frame);
      errorBox.textContent = "";
      if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame));
      textarea.value = "";
      textarea.focus();
    });
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
  }

  // The queue and newly assigned conversations come from the console page itself.
  function refresh() {
    fetch(window.location.pathname, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var queue = doc.getElementById("chat-queue");
      if (queue) document.getElementById("chat-queue").replaceWith(queue);
      var box = document.querySelector(".chat-panels");
      doc.querySelectorAll(".chat-panel").forEach(function (panel) {
        if (!document.getElementById(panel.id)) {
          var node = document.importNode(panel, true);
          box.appendChild(node);
          bind(node);
          subscribe(node);
        }
      });
    });
  }

  function connect() {
    socket = new WebSocket(window.ebokChat.socketUrl(root.dataset.socket));
    socket.onopen = function () {
      delay = 500;
      if (wasLost) show(root.dataset.back);
      wasLost = false;
      panels().forEach(subscribe);
      pending.forEach(function (frame) { socket.send(JSON.stringify(frame)); });
    };
    socket.onmessage = function (e) {
      var data = JSON.parse(e.data);
      if (data.type === "message") {
        add(data);
        pending = pending.filter(function (f) { return f.client_id !== data.client_id; });
      } else if (data.type === "queue") {
        if (data.status === "waiting") { show(root.dataset.new); beep(); }
        refresh();
      } else if (data.type === "error") {
        show(data.message);
      }
    };
    socket.onclose = function (e) {
      if (e.code === 4401 || e.code === 4403) return;
      wasLost = true;
      show(root.dataset.lost);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  panels().forEach(bind);
  setInterval(function () { if (socket && socket.readyState === 1) socket.send(JSON.stringify({type: "ping"})); }, 30000);
  connect();
})();
