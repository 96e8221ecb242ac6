// Progressive enhancement for the lesson editor. Without JavaScript the form still does everything:
// files travel with the text and the page comes back with the text intact. With it: files upload in
// place (an image's Markdown goes where the cursor is), a small toolbar, a live preview beside the
// text, and a warning before leaving with unsaved changes.
(function () {
  "use strict";
  var form = document.querySelector("form.lesson-editor");
  if (!form || !window.fetch || !window.FormData) { return; }
  var text = form.querySelector("#body_md");
  var title = form.querySelector("#title");
  var status = form.querySelector("[data-upload-status]");
  var waiting = form.querySelector("[data-waiting]");
  var previewBox = form.querySelector(".editor-preview");
  var preview = form.querySelector("[data-preview]");
  var token = form.querySelector("input[name=csrf_token]").value;
  var dirty = false;

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("error", !!isError);
  }

  function changed() {
    dirty = true;
    schedulePreview();
  }

  // --- Insert at the cursor and format the selection -----------------------------------------
  function replaceSelection(before, after, placeholder) {
    var start = text.selectionStart, end = text.selectionEnd;
    var chosen = text.value.slice(start, end) || placeholder || "";
    text.value = text.value.slice(0, start) + before + chosen + after + text.value.slice(end);
    text.focus();
    text.setSelectionRange(start + before.length, start + before.length + chosen.length);
    changed();
  }

  function prefixLines(prefix) {
    var start = text.value.lastIndexOf("\n", text.selectionStart - 1) + 1;
    var end = text.selectionEnd;
    var lines = text.value.slice(start, end).split("\n").map(function (line) { return prefix + line; });
    var block = lines.join("\n");
    text.value = text.value.slice(0, start) + block + text.value.slice(end);
    text.focus();
    text.setSelectionRange(start, start + block.length);
    changed();
  }

  function insertBlock(markdown) {
    var start = text.selectionStart;
    var before = start > 0 && text.value.charAt(start - 1) !== "\n" ? "\n\n" : "";
    text.setSelectionRange(start, text.selectionEnd);
    replaceSelection(before + markdown + "\n", "", "");
  }

  var formats = {
    bold: function () { replaceSelection("**", "**", "texto en negrita"); },
    heading: function () { prefixLines("### "); },
    list: function () { prefixLines("- "); },
    quote: function () { prefixLines("> "); },
    link: function () { replaceSelection("[", "](https://)", "texto del enlace"); },
    image: function () { form.querySelector("#image").click(); }
  };
  var toolbar = form.querySelector(".toolbar");
  toolbar.hidden = false;
  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-format]");
    if (button) { formats[button.getAttribute("data-format")](); }
  });
  // A toolbar is one stop of the Tab key (WAI-ARIA toolbar pattern): arrows, Home and End move
  // between its buttons, so reaching the text from the title takes two Tabs, not seven.
  var tools = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
  function rove(next) {
    tools.forEach(function (tool) { tool.tabIndex = tool === next ? 0 : -1; });
    next.focus();
  }
  tools.forEach(function (tool, index) { tool.tabIndex = index === 0 ? 0 : -1; });
  toolbar.addEventListener("keydown", function (event) {
    var at = tools.indexOf(document.activeElement);
    if (at < 0) { return; }
    var moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tools.length - 1 };
    if (!(event.key in moves)) { return; }
    event.preventDefault();
    rove(tools[(moves[event.key] + tools.length) % tools.length]);
  });

  // --- Uploads in place ----------------------------------------------------------------------
  function upload(input) {
    var file = input.files[0];
    if (!file) { return; }
    var kind = input.getAttribute("data-upload");
    var data = new FormData();
    data.append("csrf_token", token);
    data.append("file", file);
    say("Subiendo «" + file.name + "»…");
    fetch(form.getAttribute("data-" + kind + "-url"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token }
    }).then(function (response) {
      return response.json().catch(function () {
        return { error: response.status === 413 ? "El archivo supera el tamaño permitido." : "No se pudo subir el archivo." };
      });
    }).then(function (answer) {
      input.value = "";
      if (answer.error) { say(answer.error, true); return; }
      if (kind === "image") {
        insertBlock(answer.markdown);
        say("Imagen subida y agregada al texto. Cambie «Descripción de la imagen» por lo que muestra.");
      } else if (kind === "video") {
        showWaitingVideo(answer);
        say("Video «" + answer.name + "» subido: se mostrará al guardar la lección. Agregue sus subtítulos (.vtt).");
      } else {
        addWaiting(answer);
        say("Documento «" + answer.name + "» subido: se adjuntará al guardar la lección.");
      }
    }).catch(function () {
      input.value = "";
      say("No se pudo subir el archivo. Revise su conexión; su texto sigue aquí.", true);
    });
  }

  function addWaiting(document_) {
    var item = document.createElement("li");
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "adjunto_pendiente";
    hidden.value = document_.id;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = document_.kind + " · " + document_.size + " · se adjuntará al guardar";
    item.appendChild(hidden);
    item.appendChild(document.createTextNode(document_.name + " "));
    item.appendChild(meta);
    waiting.appendChild(item);
    dirty = true;
  }

  // The captions (a small file) travel with the lesson's save; the video waits for it like a document.
  function showWaitingVideo(video) {
    var box = form.querySelector("[data-waiting-video]");
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = "video_pendiente";
    hidden.value = video.id;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = video.kind + " · " + video.size + " · se mostrará al guardar";
    box.textContent = "";
    box.appendChild(hidden);
    box.appendChild(document.createTextNode(video.name + " "));
    box.appendChild(meta);
    dirty = true;
  }

  form.querySelectorAll("input[type=file][data-upload]").forEach(function (input) {
    input.addEventListener("change", function () { upload(input); });
  });
  form.querySelector("[data-upload-button]").hidden = true;
  // The captions are not uploaded in place: say they were taken, or the line above still reads
  // "sin subtítulos" after the trainer chose them.
  var captions = form.querySelector("#captions");
  captions.addEventListener("change", function () {
    if (captions.files[0]) {
      say("Subtítulos «" + captions.files[0].name + "» elegidos: se guardarán con la lección.");
    }
  });

  // --- Live preview, rendered by the portal's own sanitiser -------------------------------------
  var timer = null;
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, 500);
  }
  function refreshPreview() {
    var data = new FormData();
    data.append("csrf_token", token);
    data.append("body_md", text.value);
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": token }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) { preview.innerHTML = html; }
    }).catch(function () { /* the preview waits for the next change */ });
  }
  previewBox.hidden = false;
  form.classList.add("with-preview");
  refreshPreview();

  // --- Unsaved changes -----------------------------------------------------------------------
  text.addEventListener("input", changed);
  // Any other field (the title, the transcript, a file chosen) is work the trainer could lose too.
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
