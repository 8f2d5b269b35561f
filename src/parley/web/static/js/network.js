// Contact network graph from /api/v1/network (Cytoscape.js, served locally). Node: the actor's page;
// edge: the reports behind it. Labels are drawn on a canvas, so no scraped text ever becomes HTML here.
(function () {
  "use strict";
  var box = document.getElementById("network-graph");
  if (!box || typeof window.cytoscape === "undefined") {
    return;
  }
  function go(url) {
    if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
      window.location.assign(url);
    }
  }
  fetch(box.getAttribute("data-src"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (graph) {
      if (!graph.edges || !graph.edges.length) {
        box.hidden = true;
        return;
      }
      var maxEdge = 1;
      var maxNode = 1;
      graph.edges.forEach(function (e) { maxEdge = Math.max(maxEdge, e.weight); });
      graph.nodes.forEach(function (n) { maxNode = Math.max(maxNode, n.weight); });
      var elements = graph.nodes.map(function (n) {
        return { data: { id: n.id, label: n.name, weight: n.weight, url: n.url, kind: n.type || "OTHER" } };
      }).concat(graph.edges.map(function (e, i) {
        return { data: { id: "edge-" + i, source: e.source.id, target: e.target.id, weight: e.weight, url: e.url,
                         label: String(e.weight) } };
      }));
      var cy = window.cytoscape({
        container: box,
        elements: elements,
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: {
            "label": "data(label)", "font-size": 11, "color": "#1d2330", "text-valign": "bottom", "text-margin-y": 3,
            "background-color": "#7d8aa3", "width": "mapData(weight, 1, " + maxNode + ", 14, 46)",
            "height": "mapData(weight, 1, " + maxNode + ", 14, 46)", "text-outline-color": "#fff",
            "text-outline-width": 2 } },
          { selector: "node[kind = 'COUNTRY']", style: { "background-color": "#1f5fbf" } },
          { selector: "node[kind = 'PERSON']", style: { "background-color": "#d2452c" } },
          { selector: "node[kind = 'ORG']", style: { "background-color": "#2e7d32" } },
          { selector: "node[kind = 'GROUP']", style: { "background-color": "#8e44ad" } },
          { selector: "edge", style: {
            "width": "mapData(weight, 1, " + maxEdge + ", 1, 10)", "line-color": "#9fb0c8", "curve-style": "bezier",
            "opacity": 0.8 } },
          { selector: "edge:selected, edge:active", style: { "line-color": "#ff7a00", "opacity": 1 } },
          { selector: "node:active", style: { "overlay-opacity": 0.15 } }
        ],
        layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 60000, idealEdgeLength: 120, nodeOverlap: 40,
                  padding: 20 }
      });
      cy.on("tap", "node", function (event) { go(event.target.data("url")); });
      cy.on("tap", "edge", function (event) { go(event.target.data("url")); });
      cy.on("mouseover", "edge", function (event) { event.target.select(); box.title = "open the reports"; });
      cy.on("mouseout", "edge", function (event) { event.target.unselect(); box.title = ""; });
      box.classList.add("ready");
    })
    .catch(function () {
      box.hidden = true;
    });
})();
