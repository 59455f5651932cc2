// What the tenant's chat (chat.js) and the clerk's console (chat-console.js) share: a message
// as a list item, and the address of the page's socket. Loaded before either.
(function () {
  "use strict";

  function messageItem(m) {
    var li = document.createElement("li");
    li.className = "chat-message chat-" + m.author;
    li.dataset.id = m.id;
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var who = document.createElement("span");
    who.className = "chat-author";
    who.textContent = m.author_name;
    var when = document.createElement("time");
    when.dateTime = m.created_at;
    when.textContent = m.time;
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(when);
    var body = document.createElement("div");
    body.className = "chat-body";
    // Escaped by the server, with links made by Django's urlize (chat.models.Message.body_html).
    body.innerHTML = m.html;
    li.appendChild(meta);
    li.appendChild(body);
    return li;
  }

  function socketUrl(path) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + path;
  }

  window.ebokChat = {messageItem: messageItem, socketUrl: socketUrl};
})();
