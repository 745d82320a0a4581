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
  // What if: with a script, each change is judged at once (the same form, sent in the background); without one,
  // the form's button sends it and the server answers with the page.
  var whatIf = document.getElementById("whatif-form");
  if (whatIf && window.fetch && window.FormData) {
    var verdict = document.getElementById("whatif-verdict");
    // Each change sends the whole form; answers may come back out of order (a slow one after a newer one), so
    // only the answer to the latest change is shown: an older one would show figures the form no longer holds.
    var sent = 0;
    var judge = function () {
      var url = whatIf.getAttribute("action") + "&format=json";
      var mine = ++sent;
      fetch(url, { method: "POST", body: new FormData(whatIf), credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (mine !== sent || !data.verdict) { return; }
          verdict.className = "verdict " + data.verdict;
          verdict.querySelector("[data-verdict]").textContent = data.verdict_word;
          data.clauses.forEach(function (c) {
            var row = document.querySelector('#whatif-clauses tr[data-clause="' + c.id + '"]');
            if (!row) { return; }
            row.setAttribute("data-status", c.status);
            row.cells[0].className = "st " + c.status;
            row.cells[0].textContent = c.status_word;
            row.querySelector("[data-value]").textContent = c.value;
          });
        })
        .catch(function () {});
    };
    whatIf.addEventListener("change", judge);
    whatIf.addEventListener("submit", function (ev) { ev.preventDefault(); judge(); });
  }
})();
