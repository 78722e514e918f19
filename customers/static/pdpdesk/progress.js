/* A long job's progress bar: polls the page's JSON (data-url on the <progress>), moves the bar
   and its text, and reloads the page once the job has finished, to show its result. Served from
   our static files (no inline script); without it the page refreshes itself (<noscript> meta). */
(function () {
  "use strict";
  var INTERVAL = 1500;

  function poll(bar) {
    var box = bar.closest("[data-progress]") || bar.parentNode;
    var text = box.querySelector("[data-progress-text]");
    function tick() {
      fetch(bar.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (state) {
          if (state.total) { bar.max = state.total; }
          bar.value = state.done;
          bar.textContent = state.percent + "%";
          if (text && state.text) { text.textContent = state.text; }
          if (state.finished) {
            window.location.reload();
          } else {
            window.setTimeout(tick, INTERVAL);
          }
        })
        .catch(function () { window.setTimeout(tick, INTERVAL * 4); });
    }
    window.setTimeout(tick, INTERVAL);
  }

  document.querySelectorAll("progress[data-url][data-running]").forEach(poll);
})();
