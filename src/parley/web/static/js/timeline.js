// Timeline chart: items per month and kind, from /api/v1/timeline/counts (Chart.js, served locally).
// The page works without it; a click on a bar narrows the list below to that month.
(function () {
  "use strict";
  var box = document.getElementById("timeline-chart");
  if (!box || typeof window.Chart === "undefined") {
    return;
  }
  var colours = { event: "#d2452c", quote: "#e2b714", position: "#2f6fbf" };
  fetch(box.getAttribute("data-src"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (data) {
      var periods = data.periods || [];
      if (!periods.length) {
        box.hidden = true;
        return;
      }
      var canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", "Timeline items per month");
      box.appendChild(canvas);
      var labels = periods.map(function (p) { return p.period; });
      var datasets = (data.kinds || ["event", "quote", "position"]).map(function (kind) {
        return {
          label: kind + "s",
          data: periods.map(function (p) { return p[kind] || 0; }),
          backgroundColor: colours[kind] || "#888",
          stack: "items"
        };
      });
      new window.Chart(canvas, {
        type: "bar",
        data: { labels: labels, datasets: datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
          onClick: function (event, elements) {
            if (!elements.length) {
              return;
            }
            var period = labels[elements[0].index];
            var params = new URLSearchParams(window.location.search);
            params.set("from", period + "-01");
            params.set("to", period + "-31");
            params.delete("offset");
            window.location.assign(box.getAttribute("data-page") + "?" + params.toString());
          }
        }
      });
      box.classList.add("ready");
    })
    .catch(function () {
      box.hidden = true;
    });
})();
