/* Copy buttons for account numbers (unit and invoice pages). Without JavaScript the
   buttons stay hidden and the number can be selected as text. */
(function () {
  "use strict";
  function announce(button, text) {
    var status = button.closest("section") && button.closest("section").querySelector(".copy-status");
    if (status) { status.textContent = text; }
  }
  document.querySelectorAll("button.copy-button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.textContent = "Skopiowano ✓";
        announce(button, "Numer rachunku skopiowano do schowka.");
        setTimeout(function () { button.textContent = label; }, 2500);
      }, function () {
        announce(button, "Nie udało się skopiować; zaznacz numer i skopiuj go ręcznie.");
      });
    });
  });
})();
