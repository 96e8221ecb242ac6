// The message a page opens with (a flashed message, or the error summary of a refused form) takes
// focus, so that a screen reader reads it and the next Tab reaches its button ("Deshacer") or links.
// The page marks it with data-announce and autofocus (portal.flashes.opening_message); browsers that
// honour autofocus on any element have focused it already, and this script does it for the others,
// without scrolling unless the message is out of sight. Focus that is already elsewhere (a link to
// a place in the page, the person's own first Tab) is left where it is.
(function () {
  "use strict";
  var message = document.querySelector("[data-announce]");
  if (!message || document.activeElement === message) { return; }
  if (document.activeElement && document.activeElement !== document.body) { return; }
  if (location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)))) { return; }
  message.focus({ preventScroll: true });
  var box = message.getBoundingClientRect();
  if (box.top < 0 || box.bottom > window.innerHeight) {
    message.scrollIntoView({ block: "nearest" });
  }
})();
