/* Online payment (B8): right after "Zapłać online" the payment page hands the tenant over to
   the gateway by itself. A file, not an inline script (Content-Security-Policy); a link
   navigation, not a form post, so the policy's form-action needs no gateway origin.
   Without JavaScript the person presses the link. */
(function () {
  "use strict";
  var link = document.getElementById("payment-hand-over");
  if (link && link.getAttribute("data-follow") === "1") { window.location.assign(link.href); }
})();
