// The tenant's chat page (templates/chat/detail.html), on top of a page that works without it:
// sends over the socket instead of posting the form, shows answers as they arrive (the log is
// aria-live), reconnects by itself and asks for what it missed (after=<last id seen>).
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || !window.WebSocket) return;
  var list = document.getElementById("chat-messages");
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var errorBox = document.getElementById("chat-error");
  var connection = document.getElementById("chat-connection");
  var statusLabel = document.getElementById("chat-status-label");
  var lastId = parseInt(root.dataset.after, 10) || 0;
  var seen = {};
  Array.prototype.forEach.call(list.querySelectorAll("[data-id]"), function (li) { seen[li.dataset.id] = true; });
  var socket = null;
  var pending = [];  // frames written while the socket was down, sent again on reconnection
  var delay = 500;
  var wasLost = false;
  var heartbeat = null;

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function add(m) {
    if (seen[m.id]) return;
    seen[m.id] = true;
    if (m.id > lastId) lastId = m.id;
    var li = window.ebokChat.messageItem(m);
    list.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function url() {
    return window.ebokChat.socketUrl(root.dataset.socket + "?after=" + lastId);
  }

  function connect() {
    socket = new WebSocket(url());
    socket.onopen = function () {
      delay = 500;
      if (wasLost) connection.textContent = root.dataset.back;
      wasLost = false;
      pending.forEach(function (frame) { socket.send(JSON.stringify(frame)); });
      clearInterval(heartbeat);
      heartbeat = setInterval(function () {
        if (socket.readyState === 1) socket.send(JSON.stringify({type: "ping"}));
      }, 20000);
    };
    socket.onmessage = function (e) {
      var data = JSON.parse(e.data);
      if (data.type === "message") {
        add(data);
        pending = pending.filter(function (f) { return f.client_id !== data.client_id; });
      } else if (data.type === "status") {
        if (statusLabel) statusLabel.textContent = data.status_label;
        if (data.status === "closed" || data.status === "ticket") {
          if (form) form.hidden = true;
        }
      } else if (data.type === "error") {
        errorBox.textContent = data.message;
      }
    };
    socket.onclose = function (e) {
      clearInterval(heartbeat);
      if (e.code === 4401 || e.code === 4403 || e.code === 4404) return;  // not ours: no retry
      wasLost = true;
      connection.textContent = root.dataset.lost;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  if (form && root.dataset.open === "1") {
    var textarea = form.querySelector("textarea");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = textarea.value;
      if (!body.trim()) { errorBox.textContent = ""; textarea.focus(); return; }
      var frame = {type: "message", body: body, client_id: newId()};
      pending.push(frame);
      errorBox.textContent = "";
      if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame));
      textarea.value = "";
      textarea.focus();
    });
    // Enter sends, Shift+Enter starts a new line (as in every chat); the button works too.
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", {cancelable: true}));
      }
    });
  }
  connect();
})();
