// Live progress of a job: asks for its state every second and updates the bar, the numbers and the
// summary in place. Without this script the page refreshes itself (meta refresh) and says the same.
(function () {
  "use strict";
  var panel = document.querySelector("[data-job-state]");
  if (!panel || !window.fetch) { return; }
  var refresh = document.querySelector('meta[http-equiv="refresh"]');
  if (!refresh) { return; }
  refresh.parentNode.removeChild(refresh);
  var bar = document.getElementById("job-progress");
  var label = document.getElementById("job-label");
  var count = document.getElementById("job-count");
  var summary = document.getElementById("job-summary");
  var hint = document.getElementById("job-hint");

  function show(state) {
    bar.value = state.percent;
    bar.textContent = state.percent + " %";
    label.textContent = state.label;
    label.className = "badge job-" + state.status;
    count.textContent = state.total ? state.done + " de " + state.total + " (" + state.percent + " %)" : state.percent + " %";
    if (state.summary) { summary.textContent = state.summary; summary.hidden = false; }
    if (state.finished) { window.location.reload(); }
  }

  function poll() {
    fetch(panel.getAttribute("data-job-state"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.location.reload(); return; }
        show(state);
        if (!state.finished) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
