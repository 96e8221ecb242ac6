// The activation slip's QR code opens /activar#codigo=K7QM-P4RX-2T. The fragment never reaches the
// server (no access log, no Referer); this copies the code into the form and takes it out of the
// address bar and the history. Without JavaScript the person types the code printed on the slip.
(function () {
  "use strict";
  var match = /(?:^#|&)codigo=([A-Za-z0-9-]{1,20})/.exec(window.location.hash);
  if (!match) { return; }
  var field = document.getElementById("codigo");
  if (field && !field.value) { field.value = match[1].toUpperCase(); }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();
