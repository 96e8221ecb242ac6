// The message a page opens with (a flashed message, or the error summary of a refused form) takes
// focus, so that a screen reader reads it and the next Tab reaches its button ("Deshacer") or links.
// The page marks it with data-announce and autofocus (portal.flashes.opening_message); browsers that
// honour autofocus on any element have focused it already, and this script does it for the others,
// without scrolling unless the message is out of sight. Focus that is already elsewhere (a link to
// a place in the page, the person's own first Tab) is left where it is, except on the answer to a
// form (data-announce="answer"): there the address's #part is left from before the form was sent (an
// error summary's link to a field, then the form sent again), and the browser skipped autofocus for it.
(function () {
  "use strict";
  var message = document.querySelector("[data-announce]");
  if (!message || document.activeElement === message) { return; }
  if (message.getAttribute("data-announce") === "answer") {
    // Dropped, so that the browser neither scrolls to that field nor focuses it after this script.
    if (location.hash) { history.replaceState(history.state, "", location.pathname + location.search); }
  } else {
    if (document.activeElement && document.activeElement !== document.body) { return; }
    if (location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)))) { return; }
  }
  message.focus({ preventScroll: true });
  var box = message.getBoundingClientRect();
  if (box.top < 0 || box.bottom > window.innerHeight) {
    message.scrollIntoView({ block: "nearest" });
  }
})();
