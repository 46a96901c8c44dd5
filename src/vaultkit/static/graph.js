/* vaultkit graph page: views, filters, search, tooltips and the test hook (window.vaultkit).
 *
 * Note text only ever enters the document through textContent; the data comes from the
 * JSON block #vk-data. The layout work is bounded: a physics run stops after LAYOUT_MS or
 * its iteration cap, then physics is switched off for good.
 */
(function () {
  "use strict";

  var LAYOUT_MS = 3000;
  var MAX_ITERATIONS = 400;
  var LOCAL_CAP = 600;
  var BIG_EDGES = 4000;
  var KIND_NOTE = 0, KIND_ATTACHMENT = 1, KIND_GHOST = 2;
  var EDGE_EMBED = 1, EDGE_UP = 2;
  var PATH = 0, KIND = 1, TOP = 2, ALIASES = 3, TAGS = 4, DIAGNOSTICS = 5, IN = 6, OUT = 7,
    ORPHAN = 8;

  var data = JSON.parse(document.getElementById("data").textContent);
  var table = data.table;
  var visNodes = data.nodes;
  var visEdges = data.edges;
  var count = visNodes.length;
  var colors = data.colors;

  function $(id) { return document.getElementById(id); }
  function fold(text) { return text.normalize("NFC").toLowerCase(); }
  function plural(n, word) { return n.toLocaleString("en") + " " + word + (n === 1 ? "" : "s"); }
  function labelOf(i) { return visNodes[i].label; }

  // ---- derived tables ------------------------------------------------------------------

  var adjacency = [], parents = [], children = [];
  for (var i = 0; i < count; i++) { adjacency.push([]); parents.push([]); children.push([]); }
  visEdges.forEach(function (edge, index) {
    adjacency[edge.from].push(index);
    adjacency[edge.to].push(index);
    if (edge.kind === EDGE_UP) {
      parents[edge.from].push(edge.to);
      children[edge.to].push(edge.from);
    }
  });
  var degree = adjacency.map(function (list) { return list.length; });
  var names = visNodes.map(function (node) { return fold(node.label); });
  var aliasKeys = table.map(function (row) { return row[ALIASES].map(fold); });
  var pathKeys = table.map(function (row) { return fold(row[PATH]); });
  var mapX = visNodes.map(function (node) { return node.x; });
  var mapY = visNodes.map(function (node) { return node.y; });
  var laidOut = new Uint8Array(count);
  var edgeCache = new Array(visEdges.length);

  function other(edgeIndex, node) {
    var edge = visEdges[edgeIndex];
    return edge.from === node ? edge.to : edge.from;
  }

  function visEdge(index) {
    var cached = edgeCache[index];
    if (cached) return cached;
    var edge = visEdges[index];
    var made = { id: index, from: edge.from, to: edge.to };
    if (edge.width) made.width = edge.width;
    if (edge.kind === EDGE_UP) {
      made.color = { color: colors.up, highlight: colors.up, opacity: 1 };
      made.arrows = { to: { enabled: true, scaleFactor: 0.7 } };
      made.width = Math.max(edge.width || 1, 2);
    } else if (edge.kind === EDGE_EMBED) {
      made.dashes = [5, 4];
    }
    edgeCache[index] = made;
    return made;
  }

  // ---- state -----------------------------------------------------------------------------

  var filters = { ghosts: true, attachments: true, orphans: true, problems: false, tag: "" };
  var hiddenFolders = new Set();
  var state = { view: "map", selected: -1, depth: 2, showAll: false };
  var shown = { ids: [], edges: [], set: new Set(), problems: [] };
  var hook = { ready: false, renders: 0, frames: 0 };
  var network = null;

  function passes(i) {
    var row = table[i];
    var kind = row[KIND];
    if (kind === KIND_GHOST) return filters.ghosts && !filters.tag;
    if (kind === KIND_ATTACHMENT) {
      if (!filters.attachments || filters.problems || filters.tag) return false;
      return !hiddenFolders.has(row[TOP]);
    }
    if (!filters.orphans && row[ORPHAN]) return false;
    if (filters.problems && row[DIAGNOSTICS].length === 0) return false;
    if (filters.tag && row[TAGS].indexOf(filters.tag) < 0) return false;
    return !hiddenFolders.has(row[TOP]);
  }

  function edgesAmong(ids) {
    var inside = new Set(ids);
    var found = [];
    ids.forEach(function (i) {
      adjacency[i].forEach(function (index) {
        if (visEdges[index].from === i && inside.has(visEdges[index].to)) found.push(index);
      });
    });
    return found;
  }

  // ---- views -----------------------------------------------------------------------------

  function mapView() {
    var ids = [];
    for (var i = 0; i < count; i++) if (passes(i)) ids.push(i);
    var edges = edgesAmong(ids);
    var message = "";
    if (!state.showAll && (ids.length > data.nodeCap || edges.length > data.edgeBudget)) {
      var hubs = hubsOf(ids);
      message = "This vault is large (" + plural(ids.length, "node") + ", " +
        plural(edges.length, "link") + "): showing the " + plural(hubs.ids.length, "most-linked note") +
        " (" + plural(hubs.edges.length, "link") + ") so the page stays fast. Search finds every " +
        "note and opens its local graph; filters, the hierarchy and \u201cShow everything\u201d show more.";
      $("show-all").hidden = false;
      return { ids: hubs.ids, edges: hubs.edges, layout: "map", message: message, hubs: true };
    }
    if (state.showAll && edges.length > BIG_EDGES) {
      message = "Showing everything: " + plural(ids.length, "node") + " and " +
        plural(edges.length, "link") + ". Drawing is slow at this size; links hide while you pan.";
    }
    return { ids: ids, edges: edges, layout: "map", message: message };
  }

  function hubsOf(ids) {
    var order = ids.slice().sort(function (a, b) { return degree[b] - degree[a] || a - b; });
    var chosen = new Set();
    var edges = [];
    for (var k = 0; k < order.length && chosen.size < data.nodeCap; k++) {
      var i = order[k];
      var added = [];
      adjacency[i].forEach(function (index) {
        if (chosen.has(other(index, i))) added.push(index);
      });
      if (edges.length + added.length > data.edgeBudget) break;
      chosen.add(i);
      edges = edges.concat(added);
    }
    return { ids: Array.from(chosen), edges: edges };
  }

  function hierarchyView() {
    var ids = [];
    for (var i = 0; i < count; i++) {
      if ((parents[i].length || children[i].length) && passes(i)) ids.push(i);
    }
    var inside = new Set(ids);
    var edges = [];
    visEdges.forEach(function (edge, index) {
      if (edge.kind === EDGE_UP && inside.has(edge.from) && inside.has(edge.to)) edges.push(index);
    });
    var message = ids.length ? "" : "No note has an up: parent here: the hierarchy is empty.";
    return { ids: ids, edges: edges, layout: "tree", message: message };
  }

  function localView() {
    var centre = state.selected;
    var distance = new Map([[centre, 0]]);
    var frontier = [centre];
    for (var depth = 1; depth <= state.depth && distance.size < LOCAL_CAP; depth++) {
      var next = [];
      frontier.forEach(function (i) {
        adjacency[i].forEach(function (index) {
          var j = other(index, i);
          if (!distance.has(j) && passes(j)) { distance.set(j, depth); next.push(j); }
        });
      });
      next.sort(function (a, b) { return degree[b] - degree[a] || a - b; });
      next = next.slice(0, LOCAL_CAP - (distance.size - next.length));
      var keep = new Set(next);
      distance.forEach(function (d, j) { if (d === depth && !keep.has(j)) distance.delete(j); });
      frontier = next;
    }
    var ids = Array.from(distance.keys());
    var message = "Local graph of \u201c" + labelOf(centre) + "\u201d, depth " + state.depth +
      ": " + plural(ids.length, "node") + ".";
    if (ids.length >= LOCAL_CAP) message += " Capped at the " + LOCAL_CAP + " nearest.";
    return { ids: ids, edges: edgesAmong(ids), layout: "rings", message: message, distance: distance };
  }

  function ringPositions(view) {
    var rings = [];
    var angle = new Map([[state.selected, 0]]);
    view.distance.forEach(function (d, i) { (rings[d] = rings[d] || []).push(i); });
    var positions = new Map([[state.selected, [0, 0]]]);
    for (var d = 1; d < rings.length; d++) {
      var ring = rings[d] || [];
      ring.forEach(function (i) {
        var best = 0;
        adjacency[i].forEach(function (index) {
          var j = other(index, i);
          if (view.distance.get(j) === d - 1 && angle.has(j)) best = angle.get(j);
        });
        angle.set(i, best);
      });
      ring.sort(function (a, b) { return angle.get(a) - angle.get(b) || a - b; });
      var radius = Math.max(d * 200, (ring.length * 40) / (2 * Math.PI));
      ring.forEach(function (i, k) {
        var a = (2 * Math.PI * k) / ring.length;
        angle.set(i, a);
        positions.set(i, [radius * Math.cos(a), radius * Math.sin(a)]);
      });
    }
    return positions;
  }

  function treePositions(ids) {
    var X = 150, Y = 170, ROW = 52;
    var inside = new Set(ids);
    var owner = new Map();
    var kids = new Map();
    var width = new Map();
    var positions = new Map();
    var byLabel = function (a, b) { return names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b; };
    function childrenOf(i) {
      return children[i].filter(function (j) { return inside.has(j); });
    }
    function measure(root) {
      // Iterative post-order, so deep chains cannot overflow the stack.
      var stack = [[root, false]];
      owner.set(root, -1);
      while (stack.length) {
        var top = stack.pop();
        var i = top[0];
        if (!top[1]) {
          var mine = childrenOf(i).filter(function (j) { return !owner.has(j); }).sort(byLabel);
          mine.forEach(function (j) { owner.set(j, i); });
          kids.set(i, mine);
          stack.push([i, true]);
          mine.forEach(function (j) { stack.push([j, false]); });
        } else {
          var own = kids.get(i);
          var leaves = own.filter(function (j) { return kids.get(j).length === 0; });
          var cols = leaves.length ? Math.min(leaves.length, Math.max(4, Math.ceil(Math.sqrt(leaves.length * 3)))) : 0;
          var total = cols;
          own.forEach(function (j) { if (kids.get(j).length) total += width.get(j); });
          width.set(i, Math.max(total, 1));
        }
      }
    }
    function place(root, left, top) {
      // Lays out one subtree from (left, top); returns its lowest y.
      var lowest = top;
      var stack = [[root, left, 0]];
      while (stack.length) {
        var item = stack.pop();
        var i = item[0], from = item[1], level = item[2];
        positions.set(i, [(from + width.get(i) / 2) * X, top + level * Y]);
        var own = kids.get(i);
        var leaves = own.filter(function (j) { return kids.get(j).length === 0; });
        var branches = own.filter(function (j) { return kids.get(j).length > 0; });
        var cols = leaves.length ? Math.min(leaves.length, Math.max(4, Math.ceil(Math.sqrt(leaves.length * 3)))) : 0;
        leaves.forEach(function (j, k) {
          var y = top + (level + 1) * Y + Math.floor(k / cols) * ROW;
          positions.set(j, [(from + (k % cols) + 0.5) * X, y]);
          lowest = Math.max(lowest, y);
        });
        lowest = Math.max(lowest, top + level * Y);
        var cursor = from + cols;
        branches.forEach(function (j) {
          stack.push([j, cursor, level + 1]);
          cursor += width.get(j);
        });
      }
      return lowest;
    }
    var roots = ids.filter(function (i) {
      return !parents[i].some(function (j) { return inside.has(j); });
    }).sort(byLabel);
    // Cycles with no root: each starts from its first note.
    var starts = roots.slice();
    starts.forEach(function (root) { measure(root); });
    ids.slice().sort(byLabel).forEach(function (i) {
      if (owner.has(i)) return;
      measure(i);
      starts.push(i);
    });
    // Shelf packing: subtrees left to right, widest first, wrapping into rows so that a vault
    // with many small trees is a page of them rather than one endless line.
    starts.sort(function (a, b) { return width.get(b) - width.get(a) || byLabel(a, b); });
    var total = 0;
    starts.forEach(function (i) { total += width.get(i) + 1; });
    var shelf = Math.max(width.get(starts[0]) || 1, Math.ceil(Math.sqrt(total) * 4));
    var left = 0, top = 0, bottom = 0;
    starts.forEach(function (root) {
      if (left > 0 && left + width.get(root) > shelf) { left = 0; top = bottom + Y * 1.5; }
      bottom = Math.max(bottom, place(root, left, top));
      left += width.get(root) + 1;
    });
    return positions;
  }

  // ---- drawing ---------------------------------------------------------------------------

  function showLoading(text, fraction) {
    $("loading").hidden = false;
    $("loading-text").textContent = text;
    $("loading-bar").value = Math.round(Math.min(Math.max(fraction, 0), 1) * 100);
  }

  function setMessage(text) {
    $("message").hidden = !text;
    $("message").textContent = text;
  }

  function render() {
    hook.ready = false;
    var view = state.view === "hierarchy" ? hierarchyView()
      : state.view === "local" && state.selected >= 0 ? localView() : mapView();
    if (state.view === "local" && state.selected < 0) state.view = "map";
    shown.ids = view.ids;
    shown.edges = view.edges;
    shown.set = new Set(view.ids);
    shown.problems = view.ids.filter(function (i) { return table[i][DIAGNOSTICS].length > 0; });
    setMessage(view.message);
    updateButtons();

    if (view.hubs) compact(view.ids);
    var positions = view.layout === "tree" ? treePositions(view.ids)
      : view.layout === "rings" ? ringPositions(view) : null;
    var nodes = view.ids.map(function (i) {
      var node = Object.assign({}, visNodes[i]);
      var at = positions ? positions.get(i) : [mapX[i], mapY[i]];
      node.x = at[0];
      node.y = at[1];
      return node;
    });
    var edges = view.edges.map(visEdge);
    var physics = view.ids.length > 1 && (view.layout === "rings" ||
      (view.layout === "map" && !state.showAll && view.ids.some(function (i) { return !laidOut[i]; })));
    var big = edges.length > BIG_EDGES;
    network.setOptions({
      interaction: { hideEdgesOnDrag: big, hideEdgesOnZoom: big },
      physics: {
        enabled: physics,
        stabilization: { enabled: physics, iterations: MAX_ITERATIONS, updateInterval: 5, fit: true },
      },
    });
    var started = performance.now();
    var label = view.layout === "rings" ? "Laying out the local graph…" : "Laying out " + plural(view.ids.length, "node") + "…";
    if (physics) showLoading(label, 0);
    else if (view.ids.length > 2000) showLoading("Drawing " + plural(view.ids.length, "node") + "…", 1);
    var token = ++hook.renders;
    layoutDone = function () {
      if (token !== hook.renders) return;
      network.setOptions({ physics: { enabled: false } });
      if (view.layout === "map") {
        var placed = network.getPositions(view.ids);
        view.ids.forEach(function (i) {
          if (placed[i]) { mapX[i] = placed[i].x; mapY[i] = placed[i].y; laidOut[i] = 1; }
        });
      }
      network.fit({ animation: false });
      network.once("afterDrawing", function () {
        if (token !== hook.renders) return;
        $("loading").hidden = true;
        hook.ready = true;
        document.body.dataset.ready = "true";
        if (state.selected >= 0 && shown.set.has(state.selected)) network.selectNodes([state.selected]);
      });
      network.redraw();
    };
    layoutStarted = started;
    network.setData({ nodes: new vis.DataSet(nodes), edges: new vis.DataSet(edges) });
    if (!physics) layoutDone();
  }

  function compact(ids) {
    // A subset of a large vault (its hubs) is spread over the whole vault's placement: draw it
    // in toward its centre, keeping the groups' arrangement, so the bounded physics has short
    // distances to settle rather than long spokes.
    var fresh = ids.filter(function (i) { return !laidOut[i]; });
    if (fresh.length < 2) return;
    var cx = 0, cy = 0;
    fresh.forEach(function (i) { cx += mapX[i]; cy += mapY[i]; });
    cx /= fresh.length;
    cy /= fresh.length;
    var far = 0;
    fresh.forEach(function (i) { far = Math.max(far, Math.hypot(mapX[i] - cx, mapY[i] - cy)); });
    var scale = Math.min(1, (60 * Math.sqrt(fresh.length)) / (far || 1));
    fresh.forEach(function (i) {
      mapX[i] = cx + (mapX[i] - cx) * scale;
      mapY[i] = cy + (mapY[i] - cy) * scale;
    });
  }

  var layoutDone = function () {};
  var layoutStarted = 0;

  function drawBadges(context) {
    if (!shown.problems.length || network.getScale() < 0.2) return;
    var list = shown.problems.length > 3000 ? shown.problems.slice(0, 3000) : shown.problems;
    var positions = network.getPositions(list);
    context.save();
    context.font = "bold 10px system-ui, sans-serif";
    context.textAlign = "center";
    context.textBaseline = "middle";
    list.forEach(function (i) {
      var at = positions[i];
      if (!at) return;
      var size = visNodes[i].size || 10;
      var x = at.x + size * 0.8, y = at.y - size * 0.8;
      var text = String(table[i][DIAGNOSTICS].length);
      var radius = text.length > 1 ? 8.5 : 7;
      context.beginPath();
      context.arc(x, y, radius, 0, 2 * Math.PI);
      context.fillStyle = "#dc2626";
      context.fill();
      context.lineWidth = 1.5;
      context.strokeStyle = "#ffffff";
      context.stroke();
      context.fillStyle = "#ffffff";
      context.fillText(text, x, y + 0.5);
    });
    context.restore();
  }

  // ---- details, tooltip, search ----------------------------------------------------------

  function obsidianUrl(i) {
    return "obsidian://open?vault=" + encodeURIComponent(data.vault) +
      "&file=" + encodeURIComponent(table[i][PATH]);
  }

  function canOpen(i) { return data.obsidian && table[i][KIND] !== KIND_GHOST; }

  function facts(i) {
    var row = table[i];
    var list = [];
    if (row[KIND] === KIND_GHOST) list.push(["missing", "no file in the vault has this name"]);
    else list.push(["path", row[PATH]]);
    if (row[ALIASES].length) list.push(["aliases", row[ALIASES].join(", ")]);
    if (row[TAGS].length) list.push(["tags", row[TAGS].map(function (t) { return "#" + t; }).join(" ")]);
    if (parents[i].length) list.push(["parents", parents[i].map(labelOf).join(", ")]);
    if (children[i].length) list.push(["children", String(children[i].length)]);
    list.push(["links", "in " + row[IN] + " \u00b7 out " + row[OUT]]);
    if (row[ORPHAN]) list.push(["orphan", "nothing links to it"]);
    return list;
  }

  function showDetails(i) {
    $("details").hidden = i < 0;
    if (i < 0) return;
    var row = table[i];
    $("detail-name").textContent = labelOf(i);
    var list = $("detail-list");
    list.textContent = "";
    facts(i).forEach(function (fact) {
      var term = document.createElement("dt");
      term.textContent = fact[0];
      var value = document.createElement("dd");
      value.textContent = fact[1];
      list.append(term, value);
    });
    var problems = $("detail-problems");
    problems.textContent = "";
    row[DIAGNOSTICS].forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      problems.append(item);
    });
    var open = $("detail-open");
    open.hidden = !canOpen(i);
    open.href = canOpen(i) ? obsidianUrl(i) : "#";
  }

  var tooltip = $("tooltip");
  var pointer = null, pointerQueued = false;

  function showTooltip() {
    pointerQueued = false;
    if (!pointer || !network) return;
    var i = network.getNodeAt(pointer);
    if (i === undefined) { tooltip.hidden = true; return; }
    var row = table[i];
    tooltip.textContent = "";
    var title = document.createElement("div");
    title.className = "title";
    title.textContent = labelOf(i);
    tooltip.append(title);
    var lines = facts(i).map(function (fact) { return fact[0] + ": " + fact[1]; });
    tooltip.append(document.createTextNode(lines.join("\n")));
    var problems = row[DIAGNOSTICS];
    if (problems.length) {
      var box = document.createElement("div");
      box.className = "problem";
      var shownProblems = problems.slice(0, 12);
      var more = problems.length > 12 ? "\n\u2026 and " + (problems.length - 12) + " more" : "";
      box.textContent = plural(problems.length, "problem") + ":\n" + shownProblems.join("\n") + more;
      tooltip.append(box);
    }
    tooltip.hidden = false;
    var stage = $("stage").getBoundingClientRect();
    var x = Math.min(pointer.x + 16, stage.width - tooltip.offsetWidth - 8);
    var y = pointer.y + 16 + tooltip.offsetHeight > stage.height ? pointer.y - tooltip.offsetHeight - 12 : pointer.y + 16;
    tooltip.style.left = Math.max(x, 4) + "px";
    tooltip.style.top = Math.max(y, 4) + "px";
  }

  function search(query) {
    var key = fold(query.trim());
    if (!key) return [];
    var found = [];
    for (var i = 0; i < count; i++) {
      var score = -1, via = "";
      var name = names[i];
      if (name === key) score = 0;
      else if (name.startsWith(key)) score = 1;
      else {
        var aliases = aliasKeys[i];
        for (var k = 0; k < aliases.length; k++) {
          var s = aliases[k] === key ? 2 : aliases[k].startsWith(key) ? 3 : aliases[k].indexOf(key) >= 0 ? 5 : -1;
          if (s >= 0 && (score < 0 || s < score)) { score = s; via = table[i][ALIASES][k]; }
        }
        if (score < 0 || score > 4) {
          if (name.indexOf(key) >= 0) { score = 4; via = ""; }
          else if (score < 0 && pathKeys[i].indexOf(key) >= 0) score = 6;
        }
      }
      if (score >= 0) found.push({ id: i, score: score, via: via });
    }
    found.sort(function (a, b) {
      return a.score - b.score || degree[b.id] - degree[a.id] || (names[a.id] < names[b.id] ? -1 : 1);
    });
    return found.slice(0, 20);
  }

  var results = [], active = 0;

  function showResults() {
    var list = $("results");
    list.textContent = "";
    results = search($("search").value);
    active = 0;
    if (!results.length && $("search").value.trim()) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = "no note or alias matches";
      list.append(none);
      return;
    }
    results.forEach(function (result, k) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.textContent = labelOf(result.id);
      var hint = document.createElement("small");
      hint.textContent = result.via ? "alias: " + result.via : table[result.id][TOP] || "";
      item.append(hint);
      if (k === 0) item.className = "active";
      item.addEventListener("click", function () { goTo(result.id); });
      list.append(item);
    });
  }

  function markActive() {
    Array.prototype.forEach.call($("results").children, function (item, k) {
      item.classList.toggle("active", k === active);
      if (k === active) item.scrollIntoView({ block: "nearest" });
    });
  }

  function select(i) {
    state.selected = i;
    showDetails(i);
    updateButtons();
    if (i >= 0 && shown.set.has(i)) network.selectNodes([i]);
    else network.unselectAll();
  }

  function goTo(i) {
    select(i);
    if (!shown.set.has(i)) {
      state.view = "local";
      render();
      return;
    }
    network.focus(i, { scale: Math.max(network.getScale(), 1), animation: { duration: 300, easingFunction: "easeInOutQuad" } });
  }

  // ---- controls --------------------------------------------------------------------------

  function updateButtons() {
    ["map", "hierarchy", "local"].forEach(function (name) {
      $("view-" + name).classList.toggle("active", state.view === name);
    });
    $("view-local").disabled = state.selected < 0;
  }

  function buildControls() {
    $("vault-name").textContent = data.vault;
    var notes = 0, ghosts = 0, attachments = 0, withProblems = 0;
    var tagCounts = new Map(), folderCounts = new Map();
    table.forEach(function (row) {
      if (row[KIND] === KIND_NOTE) notes++;
      else if (row[KIND] === KIND_GHOST) ghosts++;
      else attachments++;
      if (row[DIAGNOSTICS].length) withProblems++;
      row[TAGS].forEach(function (tag) { tagCounts.set(tag, (tagCounts.get(tag) || 0) + 1); });
      if (row[KIND] !== KIND_GHOST) folderCounts.set(row[TOP], (folderCounts.get(row[TOP]) || 0) + 1);
    });
    $("stats").textContent = [plural(notes, "note"), plural(attachments, "attachment"),
      plural(ghosts, "missing note"), plural(visEdges.length, "link"),
      plural(withProblems, "note") + " with problems"].join(" \u00b7 ");

    var legend = $("legend-groups");
    var rest = 0, restGroups = 0;
    data.groups.forEach(function (group, k) {
      if (k >= 12) { rest += group.count; restGroups++; return; }
      legend.append(legendItem(group.color, group.name, group.count));
    });
    if (restGroups) legend.append(legendItem(colors.other, plural(restGroups, "smaller group"), rest));

    var tags = Array.from(tagCounts.keys()).sort(function (a, b) {
      return tagCounts.get(b) - tagCounts.get(a) || (a < b ? -1 : 1);
    });
    tags.forEach(function (tag) {
      var option = document.createElement("option");
      option.value = tag;
      option.textContent = "#" + tag + " (" + tagCounts.get(tag) + ")";
      $("f-tag").append(option);
    });
    Array.from(folderCounts.keys()).sort().forEach(function (folder) {
      var row = document.createElement("label");
      row.className = "row";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.addEventListener("change", function () {
        if (box.checked) hiddenFolders.delete(folder); else hiddenFolders.add(folder);
        render();
      });
      row.append(box, document.createTextNode(" " + (folder || "(vault root)") + " (" + folderCounts.get(folder) + ")"));
      $("f-folders").append(row);
    });

    [["f-ghosts", "ghosts"], ["f-attachments", "attachments"], ["f-orphans", "orphans"], ["f-problems", "problems"]]
      .forEach(function (pair) {
        $(pair[0]).addEventListener("change", function () { filters[pair[1]] = $(pair[0]).checked; render(); });
      });
    $("f-tag").addEventListener("change", function () { filters.tag = $("f-tag").value; render(); });
    $("view-map").addEventListener("click", function () { state.view = "map"; render(); });
    $("view-hierarchy").addEventListener("click", function () { state.view = "hierarchy"; render(); });
    $("view-local").addEventListener("click", function () { if (state.selected >= 0) { state.view = "local"; render(); } });
    $("depth").addEventListener("change", function () {
      state.depth = Number($("depth").value);
      if (state.view === "local") render();
    });
    $("show-all").addEventListener("click", function () {
      state.showAll = true;
      state.view = "map";
      $("show-all").hidden = true;
      render();
    });
    $("search").addEventListener("input", showResults);
    $("search").addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!results.length) return;
        active = (active + (event.key === "ArrowDown" ? 1 : results.length - 1)) % results.length;
        markActive();
      } else if (event.key === "Enter" && results.length) {
        event.preventDefault();
        goTo(results[active].id);
      } else if (event.key === "Escape") {
        $("search").value = "";
        showResults();
      }
    });
    $("graph").addEventListener("pointermove", function (event) {
      var box = $("graph").getBoundingClientRect();
      pointer = { x: event.clientX - box.left, y: event.clientY - box.top };
      if (!pointerQueued) { pointerQueued = true; requestAnimationFrame(showTooltip); }
    });
    $("graph").addEventListener("pointerleave", function () { pointer = null; tooltip.hidden = true; });
  }

  function legendItem(color, name, n) {
    var item = document.createElement("li");
    var swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = color;
    var text = document.createElement("span");
    text.textContent = name;
    var number = document.createElement("span");
    number.className = "count";
    number.textContent = n.toLocaleString("en");
    item.append(swatch, text, number);
    return item;
  }

  // ---- start -----------------------------------------------------------------------------

  function start() {
    buildControls();
    var options = data.options;
    options.physics.enabled = false;
    network = new vis.Network($("graph"), { nodes: new vis.DataSet([]), edges: new vis.DataSet([]) }, options);
    network.on("stabilizationProgress", function (progress) {
      var elapsed = performance.now() - layoutStarted;
      showLoading($("loading-text").textContent, Math.max(progress.iterations / progress.total, elapsed / LAYOUT_MS));
      // The layout's time budget: stop and keep what is there rather than freeze the tab.
      if (elapsed > LAYOUT_MS) network.stopSimulation();
    });
    network.on("stabilizationIterationsDone", function () { layoutDone(); });
    network.on("afterDrawing", function (context) { hook.frames++; drawBadges(context); });
    network.on("click", function (event) {
      select(event.nodes.length ? event.nodes[0] : -1);
    });
    network.on("doubleClick", function (event) {
      if (event.nodes.length && canOpen(event.nodes[0])) window.location.href = obsidianUrl(event.nodes[0]);
    });
    network.on("dragStart", function () { tooltip.hidden = true; });
    render();
  }

  function find(key) {
    if (typeof key === "number") return key;
    var wanted = fold(key);
    for (var i = 0; i < count; i++) if (pathKeys[i] === wanted) return i;
    for (i = 0; i < count; i++) if (names[i] === wanted) return i;
    return -1;
  }

  function keyOf(i) { return table[i][PATH] || labelOf(i); }

  function describe(i) {
    return { id: i, label: labelOf(i), path: table[i][PATH], kind: ["note", "attachment", "ghost"][table[i][KIND]] };
  }

  function openLocal(i, depth) {
    state.depth = depth || state.depth;
    $("depth").value = String(state.depth);
    select(i);
    state.view = "local";
    render();
  }

  // The test hook: tests ask the page what it shows instead of reading pixels. Nodes are named
  // by their vault-relative path (a ghost by its link text).
  window.vaultkit = Object.freeze({
    get ready() { return hook.ready; },
    get frames() { return hook.frames; },
    get view() { return state.view; },
    nodeCount: function () { return count; },
    edgeCount: function () { return visEdges.length; },
    visibleNodeCount: function () { return shown.ids.length; },
    counts: function () {
      var kinds = [0, 0, 0];
      table.forEach(function (row) { kinds[row[KIND]]++; });
      return {
        nodes: count, edges: visEdges.length, notes: kinds[0], attachments: kinds[1], ghosts: kinds[2],
        shownNodes: shown.ids.length, shownEdges: shown.edges.length,
        drawnNodes: network ? network.body.nodeIndices.length : 0,
        drawnEdges: network ? network.body.edgeIndices.length : 0,
      };
    },
    search: function (query) { return search(query).map(function (r) { return keyOf(r.id); }); },
    shown: function () { return shown.ids.map(describe); },
    focus: function (key) { var i = find(key); if (i >= 0) goTo(i); return i >= 0; },
    select: function (key) { var i = find(key); select(i); return i >= 0; },
    localGraph: function (key, depth) { var i = find(key); if (i >= 0) openLocal(i, depth); return i >= 0; },
    reset: function () { select(-1); state.view = "map"; render(); },
    setView: function (name) { state.view = name; render(); },
    showGhosts: function (on) { $("f-ghosts").checked = Boolean(on); filters.ghosts = Boolean(on); render(); },
    setFilter: function (name, value) {
      var box = { ghosts: "f-ghosts", attachments: "f-attachments", orphans: "f-orphans", problems: "f-problems" }[name];
      if (box) $(box).checked = Boolean(value);
      if (name === "tag") $("f-tag").value = value;
      filters[name] = value;
      render();
    },
    showAll: function () { $("show-all").click(); },
    centreOffset: function (key) {
      var i = find(key);
      var at = network.getPositions([i])[i];
      var view = network.getViewPosition();
      return at ? Math.hypot(at.x - view.x, at.y - view.y) * network.getScale() : null;
    },
    obsidianUrl: function (key) { var i = find(key); return i >= 0 && canOpen(i) ? obsidianUrl(i) : null; },
  });

  requestAnimationFrame(function () { setTimeout(start, 0); });
})();
