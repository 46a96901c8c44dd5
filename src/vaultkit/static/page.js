"use strict";
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac", "#86bcb6"];
  var tops = [];
  data.nodes.forEach(function (n) { if (n.kind === "note" && tops.indexOf(n.top) < 0) tops.push(n.top); });
  tops.sort();
  function colour(n) {
    if (n.kind === "ghost") return "#e15759";
    if (n.kind === "attachment") return "#a0a0a0";
    return PALETTE[tops.indexOf(n.top) % PALETTE.length];
  }
  function fold(s) { return (s || "").normalize("NFC").toLowerCase(); }
  function tip(n) {
    var el = document.createElement("div");
    var lines = [n.path || n.label + " (missing)"];
    if (n.aliases.length) lines.push("aliases: " + n.aliases.join(", "));
    if (n.tags.length) lines.push("tags: " + n.tags.join(", "));
    n.diagnostics.forEach(function (d) { lines.push(d); });
    el.style.whiteSpace = "pre-wrap";
    el.textContent = lines.join("\n");
    return el;
  }
  var byPath = {}, byId = {};
  var visNodes = data.nodes.map(function (n) {
    byId[n.id] = n; if (n.path) byPath[n.path] = n;
    var label = n.label + (n.diagnostics.length ? " (" + n.diagnostics.length + ")" : "");
    return {
      id: n.id, label: label, title: tip(n), value: 1 + n.in,
      color: { background: colour(n), border: n.orphan ? "#111827" : colour(n) },
      shapeProperties: { borderDashes: n.orphan ? [4, 3] : false },
      borderWidth: n.orphan ? 2 : 1, shape: n.kind === "attachment" ? "square" : "dot"
    };
  });
  var visEdges = data.edges.map(function (e, i) {
    return {
      id: i, from: e.from, to: e.to, value: e.weight,
      color: { color: e.kind === "up" ? "#d97706" : e.kind === "embed" ? "#2563eb" : "#b8bec8" },
      arrows: e.kind === "up" ? "to" : "", dashes: e.kind === "embed"
    };
  });
  var nodes = new vis.DataSet(visNodes), edges = new vis.DataSet(visEdges);
  var big = data.nodes.length > 2000;
  var state = { ghosts: true, attachments: true, orphans: true, problems: false, local: null };
  var options = {
    nodes: { font: { size: 12 }, scaling: { min: 6, max: 30 } },
    edges: { smooth: false, scaling: { min: 1, max: 4 } },
    layout: { improvedLayout: false, randomSeed: 42 },
    interaction: { hover: true, tooltipDelay: 150 },
    physics: { solver: "barnesHut", barnesHut: { gravitationalConstant: -9000, springLength: 140, avoidOverlap: 0.3 }, stabilization: { iterations: big ? 50 : Math.min(200, 50 + data.nodes.length) } }
  };
  var network = new vis.Network(document.getElementById("graph"), { nodes: nodes, edges: edges }, options);
  var api = { ready: false };
  var loading = document.getElementById("loading");
  if (big) { var msg = document.getElementById("message"); msg.hidden = false; msg.textContent = data.nodes.length + " nodes: the layout is rougher to stay fast."; }
  document.getElementById("heading").textContent = data.vault;
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({ physics: false });
    loading.style.display = "none";
    api.ready = true;
  });
  function neighbourhood(id, depth) {
    var seen = {}; seen[id] = true; var frontier = [id];
    for (var d = 0; d < depth; d++) {
      var next = [];
      frontier.forEach(function (x) {
        network.getConnectedNodes(x).forEach(function (y) { if (!seen[y]) { seen[y] = true; next.push(y); } });
      });
      frontier = next;
    }
    return seen;
  }
  function visible(n) {
    if (state.local && !state.local[n.id]) return false;
    if (n.kind === "ghost" && !state.ghosts) return false;
    if (n.kind === "attachment" && !state.attachments) return false;
    if (n.orphan && !state.orphans) return false;
    if (state.problems && !n.diagnostics.length) return false;
    return true;
  }
  function apply() {
    nodes.update(data.nodes.map(function (n) { return { id: n.id, hidden: !visible(n) }; }));
  }
  api.nodeCount = function () { return data.nodes.length; };
  api.edgeCount = function () { return data.edges.length; };
  api.visibleNodeCount = function () { return data.nodes.filter(visible).length; };
  api.search = function (text) {
    var q = fold(text).trim(); if (!q) return [];
    return data.nodes.filter(function (n) {
      return n.kind !== "ghost" && [n.label].concat(n.aliases).some(function (s) { return fold(s).indexOf(q) >= 0; });
    }).map(function (n) { return n.path; });
  };
  api.focus = function (path) {
    var n = byPath[path]; if (!n) return false;
    network.selectNodes([n.id]); network.focus(n.id, { scale: 1.2, animation: false }); show(n);
    return true;
  };
  api.localGraph = function (path, depth) {
    var n = byPath[path]; if (!n) return false;
    state.local = neighbourhood(n.id, depth); apply(); return true;
  };
  api.reset = function () { state.local = null; apply(); };
  api.showGhosts = function (on) { state.ghosts = !!on; document.getElementById("f-ghosts").checked = !!on; apply(); };
  window.vaultkit = api;
  var details = document.getElementById("details"), selected = null;
  function show(n) {
    selected = n; details.textContent = "";
    var pre = tip(n); details.appendChild(pre);
  }
  var results = document.getElementById("results");
  document.getElementById("search").addEventListener("input", function (ev) {
    results.textContent = "";
    api.search(ev.target.value).slice(0, 30).forEach(function (p) {
      var li = document.createElement("li"); li.textContent = p;
      li.addEventListener("click", function () { api.focus(p); });
      results.appendChild(li);
    });
  });
  document.getElementById("search").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var found = api.search(ev.target.value); if (found.length) api.focus(found[0]); }
  });
  ["ghosts", "attachments", "orphans", "problems"].forEach(function (k) {
    document.getElementById("f-" + k).addEventListener("change", function (ev) { state[k] = ev.target.checked; apply(); });
  });
  document.getElementById("depth").addEventListener("change", function (ev) {
    if (selected && selected.path) api.localGraph(selected.path, +ev.target.value);
  });
  document.getElementById("reset").addEventListener("click", api.reset);
  network.on("click", function (p) {
    if (!p.nodes.length) return;
    var n = byId[p.nodes[0]]; show(n);
    if (data.obsidian && n.kind === "note") {
      window.location.href = "obsidian://open?vault=" + encodeURIComponent(data.vault) + "&file=" + encodeURIComponent(n.path.replace(/\.md$/, ""));
    }
  });
  var legend = document.getElementById("legend");
  tops.forEach(function (t) {
    var row = document.createElement("div"), sw = document.createElement("span");
    sw.style.cssText = "display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px;background:" + colour({ kind: "note", top: t });
    row.appendChild(sw); row.appendChild(document.createTextNode(t || "(vault root)")); legend.appendChild(row);
  });
  [["#e15759", "missing target (ghost)"], ["#d97706", "up: parent (arrow)"], ["#a0a0a0", "attachment"]].forEach(function (x) {
    var row = document.createElement("div"), sw = document.createElement("span");
    sw.style.cssText = "display:inline-block;width:10px;height:10px;margin-right:6px;background:" + x[0];
    row.appendChild(sw); row.appendChild(document.createTextNode(x[1])); legend.appendChild(row);
  });
  var note = document.createElement("div"); note.textContent = "dashed border: orphan · (n): problems";
  legend.appendChild(note);
})();
