/* incubator-check: drag-and-drop onto the upload area, and the batch progress bar. The pages work without it. */
(function () {
  "use strict";
  var zone = document.querySelector("[data-drop]");
  if (zone) {
    var input = zone.querySelector("input[type=file]");
    var names = zone.querySelector("[data-names]");
    var show = function () {
      var list = [];
      for (var i = 0; i < input.files.length; i++) { list.push(input.files[i].name); }
      names.textContent = list.length ? names.getAttribute("data-prefix") + list.join("、") : "";
    };
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (ev) { ev.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (ev) {
      ev.preventDefault();
      if (ev.dataTransfer && ev.dataTransfer.files.length) { input.files = ev.dataTransfer.files; show(); }
    });
  }
  var bar = document.querySelector("[data-progress]");
  if (bar) {
    var text = document.getElementById("progress-text");
    var poll = function () {
      fetch(bar.getAttribute("data-progress"), { cache: "no-store", credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          bar.max = p.total; bar.value = p.done;
          if (text) { text.textContent = p.done + " / " + p.total; }
          if (p.finished) { window.location.reload(); } else { setTimeout(poll, 500); }
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }
})();
