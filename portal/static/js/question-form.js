// Progressive enhancement for the question editor: show only the answer fields that
// apply to the chosen question type. Without JavaScript every field stays visible.
(function () {
  "use strict";
  var kind = document.getElementById("kind");
  if (!kind) { return; }
  var groups = document.querySelectorAll("[data-kinds]");
  function update() {
    groups.forEach(function (group) {
      group.hidden = group.getAttribute("data-kinds").split(" ").indexOf(kind.value) === -1;
    });
  }
  kind.addEventListener("change", update);
  update();
})();
