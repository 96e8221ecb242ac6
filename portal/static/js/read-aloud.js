// "Escuchar": the lesson read aloud by the browser's own speech synthesis (Web Speech API), in Spanish,
// with pause and stop. Nothing leaves the browser. Where there is no Spanish voice the buttons stay
// hidden: absent, never broken.
(function () {
  "use strict";
  var group = document.querySelector(".read-aloud");
  var body = document.querySelector(".lesson-body");
  var speech = window.speechSynthesis;
  if (!group || !body || !speech || !window.SpeechSynthesisUtterance) { return; }
  var buttons = {};
  group.querySelectorAll("[data-speech]").forEach(function (button) {
    buttons[button.getAttribute("data-speech")] = button;
  });
  var voice = null;

  function spanishVoice() {
    var voices = speech.getVoices().filter(function (candidate) { return /^es([-_]|$)/i.test(candidate.lang); });
    var chilean = voices.filter(function (candidate) { return /^es[-_]CL$/i.test(candidate.lang); });
    return chilean[0] || voices[0] || null;
  }

  function show(state) {  // "idle", "speaking" or "paused"
    buttons.play.hidden = state !== "idle";
    buttons.pause.hidden = state !== "speaking";
    buttons.resume.hidden = state !== "paused";
    buttons.stop.hidden = state === "idle";
  }

  function chunks() {
    // One utterance per paragraph, heading or list item: long utterances stop early in some browsers.
    var parts = [];
    body.querySelectorAll("h2, h3, h4, h5, h6, p, li, blockquote, td, th").forEach(function (node) {
      if (node.closest("li, blockquote") && node.closest("li, blockquote") !== node) { return; }
      var text = node.textContent.replace(/\s+/g, " ").trim();
      if (text) { parts.push(text); }
    });
    return parts;
  }

  function play() {
    speech.cancel();
    var parts = chunks();
    parts.forEach(function (text, index) {
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.voice = voice;
      utterance.lang = voice.lang;
      if (index === parts.length - 1) { utterance.onend = function () { show("idle"); }; }
      speech.speak(utterance);
    });
    show("speaking");
  }

  buttons.play.addEventListener("click", play);
  buttons.pause.addEventListener("click", function () { speech.pause(); show("paused"); buttons.resume.focus(); });
  buttons.resume.addEventListener("click", function () { speech.resume(); show("speaking"); buttons.pause.focus(); });
  buttons.stop.addEventListener("click", function () { speech.cancel(); show("idle"); buttons.play.focus(); });
  window.addEventListener("pagehide", function () { speech.cancel(); });

  function offer() {
    voice = spanishVoice();
    group.hidden = !voice;
  }
  offer();
  if (speech.addEventListener) { speech.addEventListener("voiceschanged", offer); }
})();
