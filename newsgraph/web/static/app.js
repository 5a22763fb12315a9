// newsgraph's charts: each <div data-chart="ID"> is drawn from the JSON in <script id="ID"> with Plotly,
// which the server itself serves. No inline script: the page's Content-Security-Policy forbids it.
"use strict";

(function () {
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var font = { family: "system-ui, sans-serif", size: 12 };

  function timeline(el, data) {
    var traces = data.links.map(function (link) {
      return { x: link.x, y: link.y, mode: "lines", type: "scatter", hoverinfo: "skip", showlegend: false,
               line: { color: "rgba(180, 90, 0, 0.55)", width: 1.5, dash: "dot" } };
    });
    data.lanes.forEach(function (lane) {
      traces.push({
        x: lane.x, y: lane.x.map(function () { return lane.source; }), text: lane.text, customdata: lane.links,
        mode: "markers", type: "scatter", name: lane.source, hovertemplate: "%{text}<br>%{x}<extra>%{y}</extra>",
        marker: { size: 11, symbol: lane.copy.map(function (c) { return c ? "diamond-open" : "circle"; }),
                  line: { width: 2 } }
      });
    });
    var layout = { font: font, showlegend: false, height: Math.max(220, 60 + 36 * data.lanes.length),
                   margin: { l: 10, r: 20, t: 10, b: 40 }, hovermode: "closest",
                   xaxis: { type: "date" }, yaxis: { type: "category", automargin: true } };
    el.style.height = layout.height + "px";  // the box keeps the chart's height when a resize redraws it
    window.Plotly.newPlot(el, traces, layout, config).then(function () {
      el.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        if (point && point.customdata) { window.location.assign(point.customdata); }
      });
    });
  }

  function weekly(el, data) {
    var traces = [{ x: data.x, y: data.y, type: "bar", name: data.label, marker: { color: "#3b6ea8" } }];
    var layout = { font: font, height: 260, margin: { l: 50, r: 50, t: 10, b: 50 }, showlegend: !!data.extra,
                   legend: { orientation: "h", y: -0.3 }, yaxis: { title: { text: data.label }, rangemode: "tozero" } };
    if (data.extra) {
      traces.push({ x: data.x, y: data.extra, type: "scatter", mode: "lines+markers", name: data.extra_label,
                    yaxis: "y2", line: { color: "#b45a00" } });
      layout.yaxis2 = { overlaying: "y", side: "right", range: [0, 1], tickformat: ".0%" };
    }
    el.style.height = layout.height + "px";
    window.Plotly.newPlot(el, traces, layout, config);
  }

  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      if (data.kind === "timeline") { timeline(el, data); }
      else if (data.kind === "weekly") { weekly(el, data); }
      el.dataset.drawn = "yes";
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
