/* SAML HTTP-POST binding (Profil Zaufany): the page's form goes on by itself. A file, not an
   inline script: the Content-Security-Policy allows scripts from the portal's origin only.
   Without JavaScript the person presses the button. */
(function () {
  "use strict";
  var form = document.getElementById("pz-post-binding");
  if (form) { form.submit(); }
})();
