/* vaultkit graph page: views, filters, search, colour groups, labels and the test hook.
 *
 * Note text only ever enters the document through textContent (or the canvas); the data
 * comes from the JSON block #data. The layout work is bounded: a physics run stops after
 * LAYOUT_MS or its iteration cap, then physics is switched off for good.
 *
 * Labels are drawn by the page, not by vis-network: in order of importance (selected,
 * hovered, most-linked), each only where it overlaps no label already drawn, never below
 * MIN_LABEL_PX, fading in with zoom as Obsidian's "text fade" does.
 */
(function () {
  "use strict";

  var LAYOUT_MS = 3000;
  var MAX_ITERATIONS = 400;
  var LOCAL_CAP = 600;
  var BIG_EDGES = 4000;
  var FOLD_LIMIT = 200;
  var FOLD_KEEP = 3;
  var MAX_TREES = 40;
  var FOLD_BUDGET = 120;
  var MIN_LABEL_PX = 11;
  var MAX_LABEL_PX = 26;
  var MAX_LABELS = 500;
  var ALWAYS_LABELLED = 12;
  var DOT_OBSTACLES = 150;
  var FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', sans-serif";
  var KIND_NOTE = 0, KIND_ATTACHMENT = 1, KIND_GHOST = 2, KIND_TAG = 3;
  var EDGE_EMBED = 1, EDGE_UP = 2, EDGE_TAG = 3;
  var PATH = 0, KIND = 1, TOP = 2, ALIASES = 3, TAGS = 4, DIAGNOSTICS = 5, IN = 6, OUT = 7,
    ORPHAN = 8, SEVERITY = 9, CODES = 10, GROUP = 11;
  var SEVERITY_RANK = { error: 3, warning: 2, info: 1, "": 0 };
  var THEMES = {
    light: { bg: "#ffffff", ink: "#1f2937", halo: "#ffffff", accent: "#2563eb", fold: "#9ca3af" },
    dark: { bg: "#1e1e1e", ink: "#dcddde", halo: "#1e1e1e", accent: "#7aa2f7", fold: "#6b7280" },
  };

  var data = JSON.parse(document.getElementById("data").textContent);
  var settings = data.settings;
  var table = data.table;
  var visNodes = data.nodes;
  var visEdges = data.edges;
  var count = visNodes.length;       // the vault's nodes; tag nodes come after them
  var edgeCount = visEdges.length;   // the vault's edges; tag edges come after them
  var colors = data.colors;

  function $(id) { return document.getElementById(id); }
  function fold(text) { return text.normalize("NFC").toLowerCase(); }
  function plural(n, word) { return n.toLocaleString("en") + " " + word + (n === 1 ? "" : "s"); }
  function labelOf(i) { return typeof i === "number" ? visNodes[i].label : folds.get(i).label; }
  function clamp(x, low, high) { return Math.min(Math.max(x, low), high); }

  // ---- colours ---------------------------------------------------------------------------

  function rgb(hex) { return [1, 3, 5].map(function (k) { return parseInt(hex.substr(k, 2), 16); }); }
  function hexOf(parts) {
    return "#" + parts.map(function (v) { return ("0" + Math.round(clamp(v, 0, 255)).toString(16)).slice(-2); }).join("");
  }
  function mix(hex, other, t) {
    var a = rgb(hex), b = rgb(other);
    return hexOf([0, 1, 2].map(function (k) { return a[k] + (b[k] - a[k]) * t; }));
  }

  // ---- tag nodes (Obsidian's "tags" toggle): one per tag, linked from its notes -----------

  (function addTags() {
    var byTag = new Map();
    for (var i = 0; i < count; i++) {
      table[i][TAGS].forEach(function (tag) {
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push(i);
      });
    }
    Array.from(byTag.keys()).sort().forEach(function (tag) {
      var notes = byTag.get(tag);
      var id = visNodes.length, x = 0, y = 0;
      notes.forEach(function (j) { x += visNodes[j].x; y += visNodes[j].y; });
      visNodes.push({ id: id, label: "#" + tag, x: x / notes.length, y: y / notes.length });
      table.push(["", KIND_TAG, "", [], [], [], notes.length, 0, 0, "", [], -1]);
      notes.forEach(function (j) { visEdges.push({ from: j, to: id, kind: EDGE_TAG }); });
    });
  })();
  var total = visNodes.length;

  // ---- derived tables ------------------------------------------------------------------

  var adjacency = [], parents = [], children = [];
  for (var i = 0; i < total; i++) { adjacency.push([]); parents.push([]); children.push([]); }
  visEdges.forEach(function (edge, index) {
    adjacency[edge.from].push(index);
    adjacency[edge.to].push(index);
    if (edge.kind === EDGE_UP) {
      parents[edge.from].push(edge.to);
      children[edge.to].push(edge.from);
    }
  });
  var degree = adjacency.map(function (list) {
    return list.reduce(function (n, e) { return n + (e < edgeCount ? 1 : 0); }, 0);
  });
  var names = visNodes.map(function (node) { return fold(node.label); });
  var aliasKeys = table.map(function (row) { return row[ALIASES].map(fold); });
  var pathKeys = table.map(function (row) { return fold(row[PATH]); });
  var tagKeys = table.map(function (row) { return row[TAGS].map(fold); });
  var mapX = visNodes.map(function (node) { return node.x; });
  var mapY = visNodes.map(function (node) { return node.y; });
  var laidOut = new Uint8Array(total);
  // Importance: most-linked first; it orders labels and picks the hubs of a large vault.
  var byImportance = [];
  for (i = 0; i < total; i++) byImportance.push(i);
  byImportance.sort(function (a, b) { return table[b][IN] - table[a][IN] || degree[b] - degree[a] || a - b; });
  var rank = new Int32Array(total);
  byImportance.forEach(function (node, k) { rank[node] = k; });
  var measure = document.createElement("canvas").getContext("2d");
  measure.font = "100px " + FONT;
  var widthAt100 = new Float32Array(total);

  function textWidth(id, px) {
    if (typeof id !== "number") return measure.measureText(labelOf(id)).width * px / 100;
    if (!widthAt100[id]) widthAt100[id] = measure.measureText(shortLabel(id)).width || 1;
    return widthAt100[id] * px / 100;
  }
  function shortLabel(i) {
    var text = labelOf(i);
    return text.length > 42 ? text.slice(0, 40) + "\u2026" : text;
  }

  function other(edgeIndex, node) {
    var edge = visEdges[edgeIndex];
    return edge.from === node ? edge.to : edge.from;
  }

  // ---- state -----------------------------------------------------------------------------

  var filters = {
    ghosts: settings.found ? !settings.hideUnresolved : true,
    attachments: settings.found ? settings.showAttachments : true,
    orphans: settings.found ? settings.showOrphans : true,
    tags: settings.found ? settings.showTags : false,
    problems: false, rule: "", tag: "", search: "",
  };
  var display = {
    arrows: settings.found ? settings.showArrow : false,
    fade: settings.found ? settings.textFade : 0,
    size: settings.found ? settings.nodeSize : 1,
    thickness: settings.found ? settings.lineSize : 1,
  };
  var local = { incoming: true, outgoing: true, neighbours: true };
  var hiddenFolders = new Set();
  var state = { view: "map", selected: -1, depth: 2, showAll: false, hover: null, relayout: false };
  var shown = { ids: [], edges: [], set: new Set(), problems: [], order: [], labelOrder: [], titles: [], maxIn: 1 };
  var folds = new Map();
  var unfolded = new Set();
  var hook = { ready: false, renders: 0, frames: 0 };
  var drawn = { labels: 0, minLabelPx: 0 };
  var network = null, nodeSet = null, edgeSet = null;
  var theme = "light";
  var treeFont = 14;
  var hierarchyNote = "";
  var queryGroups = [];

  // ---- queries (Obsidian's search syntax: path:, file:, tag:, "phrase", -not, OR) ---------

  function parseQuery(text) {
    var alternatives = text.split(/\s+OR\s+/).map(function (part) {
      var terms = [];
      var pattern = /(-?)(?:(path|file|tag|name):)?(?:"([^"]*)"|(\S+))/g;
      var found;
      while ((found = pattern.exec(part)) !== null) {
        var value = fold(found[3] !== undefined ? found[3] : found[4]);
        if (!value) continue;
        terms.push({ not: found[1] === "-", field: found[2] || "", value: value });
      }
      return terms;
    }).filter(function (terms) { return terms.length; });
    if (!alternatives.length) return null;
    return function (i) {
      return alternatives.some(function (terms) {
        return terms.every(function (term) { return termMatches(i, term) !== term.not; });
      });
    };
  }

  function termMatches(i, term) {
    var value = term.value;
    if (term.field === "path") return pathKeys[i].indexOf(value) >= 0;
    if (term.field === "file") {
      var file = pathKeys[i].slice(pathKeys[i].lastIndexOf("/") + 1) || names[i];
      return file.indexOf(value) >= 0;
    }
    if (term.field === "tag") {
      var wanted = value.replace(/^#/, "");
      return tagKeys[i].some(function (tag) { return tag === wanted || tag.startsWith(wanted + "/"); });
    }
    if (names[i].indexOf(value) >= 0) return true;
    if (term.field === "name") return false;
    return pathKeys[i].indexOf(value) >= 0 ||
      aliasKeys[i].some(function (alias) { return alias.indexOf(value) >= 0; });
  }

  function setGroups(list) {
    queryGroups = list.map(function (group) {
      return { query: group.query, color: group.color, matches: parseQuery(group.query) };
    });
    buildGroupEditor();
    buildLegend();
    restyle("nodes");
  }

  // ---- colours of nodes and edges ---------------------------------------------------------

  function baseColor(i) {
    if (typeof i !== "number") return THEMES[theme].fold;
    var kind = table[i][KIND];
    if (kind === KIND_GHOST) return colors.ghost;
    if (kind === KIND_TAG) return colors.other;
    // Obsidian's groups: the first whose query matches wins.
    for (var k = 0; k < queryGroups.length; k++) {
      if (queryGroups[k].matches && queryGroups[k].matches(i)) return queryGroups[k].color;
    }
    if (kind === KIND_ATTACHMENT) return colors.attachment;
    var group = table[i][GROUP];
    return group >= 0 ? data.groups[group].color : colors.other;
  }

  function nodeSize(id) {
    // In the hierarchy, dots say how many children a note has, so the tree keeps its rhythm.
    if (typeof id !== "number") return 9;
    if (shown.layout === "tree") return 7 + 1.6 * Math.sqrt(Math.min(children[id].length, 60));
    // Among problem notes, a dot says how many problems the note has.
    if (shown.layout === "clusters") return 6 + 2.5 * Math.sqrt(Math.min(table[id][DIAGNOSTICS].length, 40));
    // Elsewhere by how many notes link to it, relative to the most-linked note in view, so a
    // view of hubs is not a wall of equally huge dots.
    return 8 + 16 * Math.sqrt(table[id][IN] / shown.maxIn);
  }

  function hoverSet() {
    if (state.hover === null || typeof state.hover !== "number") return null;
    var near = new Set([state.hover]);
    adjacency[state.hover].forEach(function (e) { near.add(other(e, state.hover)); });
    return near;
  }

  function styleNode(id, near) {
    var t = THEMES[theme];
    var color = baseColor(id);
    var orphan = typeof id === "number" && table[id][ORPHAN] === 1;
    var fill = orphan ? t.bg : color;
    var border = orphan ? color : mix(color, "#000000", 0.3);
    if (near && !near.has(id)) { fill = mix(fill, t.bg, 0.8); border = mix(border, t.bg, 0.8); }
    return {
      id: id,
      size: Math.max(2, nodeSize(id) * display.size),
      shape: typeof id === "number" && table[id][KIND] === KIND_ATTACHMENT ? "square" : "dot",
      borderWidth: orphan ? 3 : 1.5,
      color: { background: fill, border: border,
        highlight: { background: fill, border: t.ink }, hover: { background: fill, border: t.ink } },
    };
  }

  function styleEdge(id, near) {
    var t = THEMES[theme];
    var dark = theme === "dark";
    var edge = typeof id === "number" ? visEdges[id] : { kind: EDGE_UP, from: -1, to: -1 };
    var width = (edge.width || 1) * display.thickness;
    var made = { id: id, width: width, dashes: edge.kind === EDGE_EMBED ? [5, 4] : false,
      arrows: { to: { enabled: display.arrows, scaleFactor: 0.6 } } };
    var color = dark ? colors.linkDark : colors.link, opacity = dark ? 0.95 : 0.7;
    if (edge.kind === EDGE_UP) {
      color = dark ? colors.upDark : colors.up;
      opacity = 1;
      made.width = Math.max(width, 2 * display.thickness);
      made.arrows = { to: { enabled: true, scaleFactor: 0.7 } };
    } else if (edge.kind === EDGE_EMBED) {
      color = colors.embed;
      opacity = 0.9;
    } else if (edge.kind === EDGE_TAG) {
      made.dashes = [2, 3];
    }
    if (near) {
      var touches = edge.from === state.hover || edge.to === state.hover;
      if (touches) { color = edge.kind === EDGE_UP ? color : t.accent; opacity = 1; }
      else { color = mix(color, t.bg, 0.85); }
    }
    made.color = { color: color, highlight: color, hover: color, opacity: opacity };
    return made;
  }

  function restyle(part) {
    // part: "nodes" or "edges" when only one of them changed (100k edges take seconds).
    if (!nodeSet) return;
    var near = hoverSet();
    if (part !== "edges") nodeSet.update(nodeSet.getIds().map(function (id) { return styleNode(id, near); }));
    if (part !== "nodes") edgeSet.update(edgeSet.getIds().map(function (id) { return styleEdge(id, near); }));
  }

  // ---- what is shown -----------------------------------------------------------------------

  function passes(i) {
    var row = table[i];
    var kind = row[KIND];
    if (filters.search && !(searchMatcher && searchMatcher(i))) return false;
    if (kind === KIND_TAG) return filters.tags && !filters.tag;
    if (kind === KIND_GHOST) return filters.ghosts && !filters.tag;
    if (kind === KIND_ATTACHMENT) {
      if (!filters.attachments || filters.tag) return false;
      return !hiddenFolders.has(row[TOP]);
    }
    if (!filters.orphans && row[ORPHAN]) return false;
    if (filters.tag && row[TAGS].indexOf(filters.tag) < 0) return false;
    return !hiddenFolders.has(row[TOP]);
  }
  var searchMatcher = null;

  function edgesAmong(ids, budget) {
    var inside = new Set(ids);
    var found = [];
    ids.forEach(function (i) {
      adjacency[i].forEach(function (index) {
        if (visEdges[index].from === i && inside.has(visEdges[index].to)) found.push(index);
      });
    });
    if (budget && found.length > budget) {
      // Keep the links of the most important notes; every note stays.
      found.sort(function (a, b) {
        return Math.min(rank[visEdges[a].from], rank[visEdges[a].to]) -
          Math.min(rank[visEdges[b].from], rank[visEdges[b].to]) || a - b;
      });
      found = found.slice(0, budget);
    }
    return found;
  }

  function mapView() {
    var ids = [];
    for (var i = 0; i < total; i++) if (passes(i)) ids.push(i);
    var edges = edgesAmong(ids);
    var message = "";
    if (!state.showAll && (ids.length > data.nodeCap || edges.length > data.edgeBudget)) {
      var hubs = hubsOf(ids);
      message = "This vault is large (" + plural(ids.length, "node") + ", " +
        plural(edges.length, "link") + "): showing the " + plural(hubs.ids.length, "most-linked note") +
        " so it stays readable. Search finds every note and opens its local graph; " +
        "\u201conly notes with problems\u201d, the hierarchy and \u201cShow everything\u201d show more.";
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
    var order = ids.slice().sort(function (a, b) { return rank[a] - rank[b]; });
    var chosen = new Set();
    var edges = [];
    var budget = data.edgeBudget / 2;
    for (var k = 0; k < order.length && chosen.size < data.hubCap; k++) {
      var i = order[k];
      var added = [];
      adjacency[i].forEach(function (index) {
        if (chosen.has(other(index, i))) added.push(index);
      });
      if (edges.length + added.length > budget) break;
      chosen.add(i);
      edges = edges.concat(added);
    }
    return { ids: Array.from(chosen), edges: edges };
  }

  function ruleCode(value) {
    if (!value) return "";
    if (data.rules[value]) return value;
    var code = Object.keys(data.rules).find(function (c) { return data.rules[c][0] === value; });
    return code || value;
  }

  function problemOrder(a, b) {
    return SEVERITY_RANK[table[b][SEVERITY]] - SEVERITY_RANK[table[a][SEVERITY]] ||
      table[b][DIAGNOSTICS].length - table[a][DIAGNOSTICS].length || rank[a] - rank[b];
  }

  function problemView() {
    // Problem notes, not the most-linked ones: errors first, then by how many problems.
    // Orphans are problems too, so nothing is dropped for being unlinked.
    var rule = filters.rule;
    var ids = [];
    for (var i = 0; i < count; i++) {
      var codes = table[i][CODES];
      if (!codes.length || !passes(i)) continue;
      if (rule && codes.indexOf(rule) < 0) continue;
      ids.push(i);
    }
    ids.sort(problemOrder);
    var all = ids.length;
    if (ids.length > data.nodeCap) ids = ids.slice(0, data.nodeCap);
    var what = rule ? "notes with " + rule + " " + (data.rules[rule] ? data.rules[rule][0] : "") + " findings"
      : "notes with problems";
    var message = all > ids.length
      ? "Showing " + ids.length.toLocaleString("en") + " of " + all.toLocaleString("en") + " " + what +
        ": errors first, then by number of problems."
      : "Showing " + plural(all, "note") + ": " + what + ".";
    if (!all) message = "No " + what + " here.";
    return { ids: ids, edges: edgesAmong(ids, data.edgeBudget), layout: "clusters", message: message };
  }

  function hierarchyView() {
    var ids = [];
    for (var i = 0; i < count; i++) {
      if ((parents[i].length || children[i].length) && table[i][KIND] !== KIND_GHOST && passes(i)) ids.push(i);
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
    // Obsidian's local graph: links followed in the directions asked for, up to the depth.
    var centre = state.selected;
    var distance = new Map([[centre, 0]]);
    var frontier = [centre];
    for (var depth = 1; depth <= state.depth && distance.size < LOCAL_CAP; depth++) {
      var next = [];
      frontier.forEach(function (i) {
        adjacency[i].forEach(function (index) {
          var edge = visEdges[index];
          var outgoing = edge.from === i;
          if (outgoing ? !local.outgoing : !local.incoming) return;
          var j = outgoing ? edge.to : edge.from;
          if (!passes(j)) return;
          if (!distance.has(j)) { distance.set(j, depth); next.push(j); }
        });
      });
      next.sort(function (a, b) { return rank[a] - rank[b]; });
      next = next.slice(0, LOCAL_CAP - (distance.size - next.length));
      var keep = new Set(next);
      distance.forEach(function (d, j) { if (d === depth && !keep.has(j)) distance.delete(j); });
      frontier = next;
    }
    var ids = Array.from(distance.keys());
    var edges = edgesAmong(ids).filter(function (index) {
      if (local.neighbours) return true;
      // Without neighbour links, only the links that reach outwards from the centre.
      var edge = visEdges[index];
      return Math.abs(distance.get(edge.from) - distance.get(edge.to)) === 1;
    });
    var message = "Local graph of \u201c" + labelOf(centre) + "\u201d, depth " + state.depth +
      ": " + plural(ids.length, "node") + ".";
    if (ids.length >= LOCAL_CAP) message += " Capped at the " + LOCAL_CAP + " nearest.";
    return { ids: ids, edges: edges, layout: "rings", message: message, distance: distance };
  }

  // ---- layouts ---------------------------------------------------------------------------

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
      var radius = Math.max(d * 220, (ring.length * 60) / (2 * Math.PI));
      ring.forEach(function (i, k) {
        var a = (2 * Math.PI * k) / ring.length;
        angle.set(i, a);
        positions.set(i, [radius * Math.cos(a), radius * Math.sin(a)]);
      });
    }
    return positions;
  }

  function primaryRule(i) {
    var best = "";
    table[i][CODES].forEach(function (code) {
      var level = data.rules[code] ? SEVERITY_RANK[data.rules[code][1]] : 0;
      var old = best && data.rules[best] ? SEVERITY_RANK[data.rules[best][1]] : -1;
      if (level > old || (level === old && code < best)) best = code;
    });
    return best;
  }

  function clusterPositions(ids) {
    // Problem notes in one disc per rule (a note's worst rule), each disc titled: the worst
    // notes at a disc's centre on a golden-angle spiral; discs on shelves, largest first.
    var golden = Math.PI * (3 - Math.sqrt(5));
    var SPACING = 40;
    var byRule = new Map();
    ids.forEach(function (i) {
      var rule = filters.rule || primaryRule(i);
      if (!byRule.has(rule)) byRule.set(rule, []);
      byRule.get(rule).push(i);
    });
    var discs = Array.from(byRule.keys()).map(function (rule) {
      var members = byRule.get(rule);
      var radius = SPACING * Math.sqrt(members.length) + 40;
      var title = rule + " " + (data.rules[rule] ? data.rules[rule][0] : "") + " \u00b7 " + members.length.toLocaleString("en");
      return { rule: rule, members: members, radius: radius, width: Math.max(2 * radius, measure.measureText(title).width * 0.16 + 40), title: title };
    }).sort(function (a, b) { return b.members.length - a.members.length || (a.rule < b.rule ? -1 : 1); });
    var box = canvasSize();
    var positions = new Map();
    var titles = [];
    function shelve(limit, apply) {
      var left = 0, top = 0, rowHeight = 0, widest = 0;
      discs.forEach(function (disc) {
        if (left > 0 && left + disc.width > limit) { top += rowHeight + 40; left = 0; rowHeight = 0; }
        if (apply) {
          var cx = left + disc.width / 2, cy = top + 60 + disc.radius;
          titles.push({ x: cx, y: top, text: disc.title, rule: disc.rule });
          disc.members.forEach(function (i, k) {
            var r = SPACING * Math.sqrt(k), a = k * golden;
            positions.set(i, [cx + r * Math.cos(a), cy + r * Math.sin(a)]);
          });
        }
        left += disc.width + 40;
        widest = Math.max(widest, left);
        rowHeight = Math.max(rowHeight, 60 + 2 * disc.radius);
      });
      return [widest, top + rowHeight];
    }
    var sum = discs.reduce(function (n, d) { return n + d.width + 40; }, 0);
    var best = sum, bestFit = 0;
    for (var k = 1; k <= 16; k++) {
      var limit = Math.max(discs.length ? discs[0].width : 1, sum * k / 16);
      var extent = shelve(limit, false);
      var fit = Math.min(box[0] / extent[0], box[1] / extent[1]);
      if (fit > bestFit + 1e-9) { bestFit = fit; best = limit; }
    }
    shelve(best, true);
    shown.titles = titles;
    // Labels go round the discs: each disc's worst note, then each one's second, and so on.
    shown.labelOrder = [];
    for (var n = 0; shown.labelOrder.length < ids.length; n++) {
      discs.forEach(function (disc) { if (n < disc.members.length) shown.labelOrder.push(disc.members[n]); });
    }
    return positions;
  }

  function treeLayout(ids) {
    // Labels keep MIN_LABEL_PX on screen however far the tree is zoomed out to fit, so the
    // layout is computed for the label size it will be drawn at: a few rounds of "lay out with
    // this font, fit, and grow the font to what the fit scale will draw".
    var font = 14, best = null;
    for (var round = 0; round < 5; round++) {
      hierarchyNote = "";
      var laid = treeRound(ids, font);
      var drawnPx = font * laid.fit;
      if (!best || drawnPx > best.px) best = { px: drawnPx, font: font, positions: laid.positions, folds: new Map(folds), note: hierarchyNote };
      if (drawnPx >= MIN_LABEL_PX * 0.98) break;
      font = MIN_LABEL_PX / laid.fit;
    }
    // When no round reaches the size (a forest too big to fit), the closest one is drawn.
    treeFont = best.font;
    folds.clear();
    best.folds.forEach(function (info, id) { folds.set(id, info); });
    hierarchyNote = best.note;
    return best.positions;
  }

  function treeRound(ids, font) {
    // A top-down tree sized by its labels: each note's slot is as wide as its label, a
    // parent's leaves stack in a block of columns under it, and its subtrees sit side by side,
    // wrapping onto further rows past a width limit. The limit is chosen, among a few, to
    // give the largest scale at which the whole forest fits the window.
    var GAP = 16, LEVEL = 70 + 1.5 * font, ROW = 24 + 1.3 * font, ROW_GAP = 30;
    var inside = new Set(ids);
    var owner = new Map(), kids = new Map(), size = new Map(), packs = new Map(), depth = new Map();
    var positions = new Map();
    folds.clear();
    var byLabel = function (a, b) { return names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b; };
    var slotWidths = new Map();
    var slot = function (i) {
      if (!slotWidths.has(i)) slotWidths.set(i, Math.max(textWidth(i, font), 2 * nodeSize(i)) + GAP);
      return slotWidths.get(i);
    };
    var foldLeaves = ids.length > FOLD_LIMIT;
    function isLeaf(j) { return typeof j !== "number" || kids.get(j).length === 0; }
    function block(leaves) {
      if (!leaves.length) return null;
      var cols = Math.max(1, Math.min(leaves.length, Math.round(Math.sqrt(leaves.length / 2.5))));
      var rows = Math.ceil(leaves.length / cols);
      var colWidth = [];
      leaves.forEach(function (j, k) {
        var c = Math.floor(k / rows);
        colWidth[c] = Math.max(colWidth[c] || 0, slot(j));
      });
      var width = colWidth.reduce(function (a, b) { return a + b; }, 0);
      return { leaves: leaves, rows: rows, colWidth: colWidth, w: width, h: LEVEL * 0.3 + rows * ROW };
    }
    function rootOf(i) {
      while (owner.get(i) !== -1 && owner.has(i)) i = owner.get(i);
      return i;
    }
    function own(root) {
      var stack = [root];
      owner.set(root, -1);
      var order = [];
      while (stack.length) {
        var i = stack.pop();
        order.push(i);
        var mine = children[i].filter(function (j) { return inside.has(j) && !owner.has(j); }).sort(byLabel);
        mine.forEach(function (j) { owner.set(j, i); depth.set(j, depth.get(i) + 1); stack.push(j); });
        kids.set(i, mine);
      }
      return order;
    }
    function foldTrees(orders) {
      // A big forest shows its top levels (as many as fit FOLD_LIMIT notes) and folds what
      // lies below a level, or past FOLD_KEEP leaves of one parent, into "+N"; a click on
      // "+N" unfolds that parent.
      var perLevel = [];
      depth.forEach(function (d) { perLevel[d] = (perLevel[d] || 0) + 1; });
      var deepest = 0, running = perLevel[0] || 0;
      while (deepest + 1 < perLevel.length && running + perLevel[deepest + 1] <= FOLD_BUDGET) {
        deepest++;
        running += perLevel[deepest];
      }
      var below = new Map();
      orders.forEach(function (order) {
        for (var k = order.length - 1; k >= 0; k--) {
          var i = order[k];
          below.set(i, kids.get(i).reduce(function (n, j) { return n + 1 + below.get(j); }, 0));
        }
      });
      return orders.map(function (order) {
        var visible = [];
        var seen = new Set([order[0]]);
        order.forEach(function (i) {
          if (!seen.has(i)) return;
          visible.push(i);
          var mine = kids.get(i);
          var hidden = [];
          var under = mine.reduce(function (sum, j) { return sum + 1 + below.get(j); }, 0);
          if (!unfolded.has(i) && depth.get(i) >= deepest && under > 1) {
            hidden = mine;
          } else if (!unfolded.has(i)) {
            var leaves = mine.filter(function (j) { return kids.get(j).length === 0; });
            if (leaves.length > FOLD_KEEP + 1) {
              hidden = leaves.sort(function (a, b) { return rank[a] - rank[b]; }).slice(FOLD_KEEP);
            }
          }
          var gone = new Set(hidden);
          var kept = mine.filter(function (j) { return !gone.has(j); });
          kept.forEach(function (j) { seen.add(j); });
          if (hidden.length) {
            var id = "+" + i;
            var n = hidden.reduce(function (sum, j) { return sum + 1 + below.get(j); }, 0);
            folds.set(id, { parent: i, label: "+" + n.toLocaleString("en") + " more" });
            kept = kept.concat([id]);
            kids.set(id, []);
          }
          kids.set(i, kept);
        });
        return visible;
      });
    }
    function measureAll(order, limit) {
      for (var k = order.length - 1; k >= 0; k--) {
        var i = order[k];
        var items = [];
        var b = block(kids.get(i).filter(isLeaf));
        if (b) items.push(b);
        kids.get(i).forEach(function (j) {
          if (!isLeaf(j)) items.push({ tree: j, w: size.get(j)[0], h: size.get(j)[1] });
        });
        var rows = [], row = null;
        items.forEach(function (item) {
          if (!row || (row.w > 0 && row.w + item.w > limit)) { row = { items: [], w: 0, h: 0 }; rows.push(row); }
          row.items.push(item);
          row.w += item.w;
          row.h = Math.max(row.h, item.h);
        });
        var width = slot(i), height = 0;
        rows.forEach(function (r, n) { width = Math.max(width, r.w); height += r.h + (n ? ROW_GAP : 0); });
        packs.set(i, rows);
        size.set(i, [width, (rows.length ? LEVEL : 0) + height + (rows.length ? 0 : ROW * 0.6)]);
      }
    }
    function place(root, left, top) {
      var stack = [[root, left, top]];
      while (stack.length) {
        var item = stack.pop();
        var i = item[0], from = item[1], y = item[2];
        var wide = size.get(i)[0];
        positions.set(i, [from + wide / 2, y]);
        var rowTop = y + LEVEL;
        packs.get(i).forEach(function (r) {
          var x = from + (wide - r.w) / 2;
          r.items.forEach(function (part) {
            if (part.leaves) {
              var colLeft = x;
              part.colWidth.forEach(function (w, c) {
                part.leaves.slice(c * part.rows, (c + 1) * part.rows).forEach(function (j, k) {
                  positions.set(j, [colLeft + w / 2, rowTop - LEVEL * 0.45 + k * ROW]);
                });
                colLeft += w;
              });
            } else {
              stack.push([part.tree, x, rowTop]);
            }
            x += part.w;
          });
          rowTop += r.h + ROW_GAP;
        });
      }
    }
    var roots = ids.filter(function (i) {
      return !parents[i].some(function (j) { return inside.has(j); });
    }).sort(byLabel);
    var orders = [];
    var starts = roots.slice();
    starts.forEach(function (root) { depth.set(root, 0); orders.push(own(root)); });
    ids.slice().sort(byLabel).forEach(function (i) {
      if (owner.has(i)) return;
      depth.set(i, 0);
      orders.push(own(i));
      starts.push(i);
    });
    if (foldLeaves) {
      var dropped = null;
      if (starts.length > MAX_TREES && !unfolded.has("trees")) {
        // A forest of many small trees: the largest trees, and the rest as one "+N".
        var weight = new Map();
        orders.forEach(function (order) { weight.set(order[0], order.length); });
        var keep = starts.slice().sort(function (a, b) { return weight.get(b) - weight.get(a) || byLabel(a, b); })
          .slice(0, MAX_TREES);
        var kept = new Set(keep);
        var rest = starts.filter(function (i) { return !kept.has(i); });
        orders = orders.filter(function (order) { return kept.has(order[0]); });
        starts = keep;
        depth.forEach(function (d, i) { if (!kept.has(rootOf(i))) depth.delete(i); });
        dropped = { trees: rest.length, notes: rest.reduce(function (n, i) { return n + weight.get(i); }, 0) };
      }
      orders = foldTrees(orders);
      if (dropped) {
        folds.set("+trees", { parent: -1, label: "+" + plural(dropped.trees, "smaller tree") + " (" + plural(dropped.notes, "note") + ")" });
        kids.set("+trees", []);
        orders.push(["+trees"]);
        starts.push("+trees");
      }
      hierarchyNote = "Showing the top levels" + (dropped ? " of the " + MAX_TREES + " largest trees" : "") +
        ": click a \u201c+N\u201d to unfold it.";
    }
    var box = canvasSize();
    function shelve(limit, apply) {
      var left = 0, top = 0, rowHeight = 0, widest = 0;
      starts.forEach(function (root) {
        var s = size.get(root);
        if (left > 0 && left + s[0] > limit) { top += rowHeight + ROW_GAP; left = 0; rowHeight = 0; }
        if (apply) place(root, left, top);
        left += s[0];
        widest = Math.max(widest, left);
        rowHeight = Math.max(rowHeight, s[1]);
      });
      return [widest, top + rowHeight];
    }
    var best = null;
    [0.5, 0.7, 1, 1.4, 2, 3, 5, 1e9].forEach(function (factor) {
      var limit = box[0] * factor;
      orders.forEach(function (order) { measureAll(order, limit); });
      starts.sort(function (a, b) { return size.get(b)[0] - size.get(a)[0] || byLabel(a, b); });
      var widths = starts.map(function (root) { return size.get(root)[0]; });
      var sum = widths.reduce(function (a, b) { return a + b; }, 0);
      for (var k = 0; k <= 16; k++) {
        var shelf = (widths[0] || 1) * Math.pow(Math.max(sum / (widths[0] || 1), 1), k / 16);
        var extent = shelve(shelf, false);
        var fit = Math.min((box[0] - 48) / extent[0], (box[1] - 48) / (extent[1] + 2 * font));
        if (!best || fit > best.fit + 1e-9) best = { fit: fit, limit: limit, shelf: shelf };
      }
    });
    orders.forEach(function (order) { measureAll(order, best.limit); });
    starts.sort(function (a, b) { return size.get(b)[0] - size.get(a)[0] || byLabel(a, b); });
    shelve(best.shelf, true);
    folds.forEach(function (info, id) { if (!positions.has(id)) folds.delete(id); });
    return { positions: positions, fit: best.fit };
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

  // ---- drawing ---------------------------------------------------------------------------

  function canvasSize() {
    var box = $("graph").getBoundingClientRect();
    return [Math.max(box.width, 1), Math.max(box.height, 1)];
  }

  function showLoading(text, fraction) {
    $("loading").hidden = false;
    $("loading-text").textContent = text;
    $("loading-bar").value = Math.round(clamp(fraction, 0, 1) * 100);
  }

  function setMessage(text) {
    $("message").hidden = !text;
    $("message").textContent = text;
  }

  function currentView() {
    if (state.view === "local" && state.selected < 0) state.view = "map";
    if (state.view === "hierarchy") return hierarchyView();
    if (state.view === "local") return localView();
    if (filters.problems || filters.rule) return problemView();
    return mapView();
  }

  function render() {
    hook.ready = false;
    state.hover = null;
    if (state.selected >= total) state.selected = -1;
    var view = currentView();
    shown.ids = view.ids;
    shown.edges = view.edges;
    shown.set = new Set(view.ids);
    shown.problems = view.ids.filter(function (i) { return table[i][DIAGNOSTICS].length > 0; });
    shown.always = view.layout === "tree" && view.ids.length <= FOLD_LIMIT;
    shown.layout = view.layout;
    shown.maxIn = Math.max(1, view.ids.reduce(function (m, i) { return Math.max(m, table[i][IN]); }, 0));
    setMessage(view.message);
    updateButtons();

    if (view.hubs) compact(view.ids);
    folds.clear();
    shown.titles = [];
    var positions = view.layout === "tree" ? treeLayout(view.ids)
      : view.layout === "rings" ? ringPositions(view)
      : view.layout === "clusters" ? clusterPositions(view.ids) : null;
    if (view.layout === "tree" && hierarchyNote) setMessage(hierarchyNote);
    if (view.layout === "tree") shown.always = view.ids.length + folds.size <= 2 * FOLD_LIMIT;
    if (folds.size) {
      // Leaves folded into "+N" are not drawn: the view is what is left.
      view.ids = view.ids.filter(function (i) { return positions.has(i); });
      var kept = new Set(view.ids);
      view.edges = view.edges.filter(function (e) { return kept.has(visEdges[e].from) && kept.has(visEdges[e].to); });
      shown.ids = view.ids;
      shown.edges = view.edges;
      shown.set = kept;
      shown.problems = view.ids.filter(function (i) { return table[i][DIAGNOSTICS].length > 0; });
    }
    var near = null;
    var nodes = view.ids.map(function (i) {
      var node = styleNode(i, near);
      var at = positions ? positions.get(i) : [mapX[i], mapY[i]];
      node.x = at[0];
      node.y = at[1];
      return node;
    });
    var edges = view.edges.map(function (index) {
      var made = styleEdge(index, near);
      made.from = visEdges[index].from;
      made.to = visEdges[index].to;
      return made;
    });
    folds.forEach(function (info, id) {
      var node = styleNode(id, near);
      var at = positions.get(id);
      node.x = at[0];
      node.y = at[1];
      nodes.push(node);
      if (info.parent < 0) return;
      var edge = styleEdge("e" + id, near);
      edge.from = id;
      edge.to = info.parent;
      edge.dashes = [3, 3];
      edges.push(edge);
    });
    shown.order = orderForLabels();
    var fresh = view.ids.some(function (i) { return !laidOut[i]; });
    var physics = view.ids.length > 1 && (view.layout === "rings" ||
      (view.layout === "map" && !state.showAll && (fresh || state.relayout)));
    state.relayout = false;
    var big = edges.length > BIG_EDGES;
    network.setOptions({
      interaction: { hideEdgesOnDrag: big, hideEdgesOnZoom: big, hover: view.ids.length <= 3000 },
      physics: {
        enabled: physics,
        stabilization: { enabled: physics, iterations: MAX_ITERATIONS, updateInterval: 5, fit: false },
      },
    });
    var label = view.layout === "rings" ? "Laying out the local graph\u2026" : "Laying out " + plural(view.ids.length, "node") + "\u2026";
    if (physics) showLoading(label, 0);
    else if (view.ids.length > 2000) showLoading("Drawing " + plural(view.ids.length, "node") + "\u2026", 1);
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
      fitTo(view.ids.concat(Array.from(folds.keys())), false);
      network.once("afterDrawing", function () {
        if (token !== hook.renders) return;
        $("loading").hidden = true;
        hook.ready = true;
        document.body.dataset.ready = "true";
        if (state.selected >= 0 && shown.set.has(state.selected)) network.selectNodes([state.selected]);
      });
      network.redraw();
    };
    layoutStarted = performance.now();
    nodeSet = new vis.DataSet(nodes);
    edgeSet = new vis.DataSet(edges);
    network.setData({ nodes: nodeSet, edges: edgeSet });
    if (!physics) layoutDone();
  }

  function orderForLabels() {
    var first = [];
    if (state.selected >= 0 && shown.set.has(state.selected)) first.push(state.selected);
    // Problem clusters are already worst first; elsewhere the most-linked come first.
    var rest = shown.layout === "clusters" ? shown.labelOrder.slice()
      : shown.ids.slice().sort(function (a, b) { return rank[a] - rank[b]; });
    return first.concat(Array.from(folds.keys()), rest);
  }

  function bounds(ids, withLabels) {
    // The extent of ids in canvas units, with room for each label when asked.
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    ids.forEach(function (id) {
      var node = network.body.nodes[id];
      if (!node) return;
      var r = node.options.size || 10;
      var font = shown.layout === "tree" ? treeFont : 14;
      var half = withLabels ? Math.max(r, textWidth(id, font) / 2) : r;
      x0 = Math.min(x0, node.x - half);
      x1 = Math.max(x1, node.x + half);
      y0 = Math.min(y0, node.y - r);
      y1 = Math.max(y1, node.y + r + (withLabels ? font * 1.5 : 0));
    });
    if (withLabels) {
      (shown.titles || []).forEach(function (title) {
        var half = measure.measureText(title.text).width * 0.13;
        x0 = Math.min(x0, title.x - half);
        x1 = Math.max(x1, title.x + half);
        y0 = Math.min(y0, title.y);
      });
    }
    return [x0, y0, x1, y1];
  }

  function fitTo(ids, animate, maxScale) {
    if (!ids.length) return;
    var box = bounds(ids, true);
    if (!isFinite(box[0])) return;
    var size = canvasSize();
    var margin = 24;
    // The message banner covers the top of the canvas: fit below it.
    var banner = $("message").hidden ? 0 : $("message").offsetHeight + 10;
    var scale = Math.min((size[0] - 2 * margin) / Math.max(box[2] - box[0], 1),
      (size[1] - 2 * margin - banner) / Math.max(box[3] - box[1], 1));
    scale = clamp(scale, 0.02, maxScale || 1.6);
    network.moveTo({
      position: { x: (box[0] + box[2]) / 2, y: (box[1] + box[3]) / 2 - banner / 2 / scale }, scale: scale,
      animation: animate ? { duration: 350, easingFunction: "easeInOutQuad" } : false,
    });
  }

  var layoutDone = function () {};
  var layoutStarted = 0;

  function drawBadges(context) {
    // In screen pixels, so a badge stays legible at any zoom; none on dots too small to carry
    // one (the problem view and the tooltip still say it).
    if (!shown.problems.length) return;
    var scale = network.getScale();
    var translation = network.body.view.translation;
    var ratio = network.canvas.pixelRatio || window.devicePixelRatio || 1;
    var size = canvasSize();
    var list = shown.problems.length > 3000 ? shown.problems.slice(0, 3000) : shown.problems;
    context.save();
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.font = "bold 10px " + FONT;
    context.textAlign = "center";
    context.textBaseline = "middle";
    list.forEach(function (i) {
      var node = network.body.nodes[i];
      if (!node) return;
      var r = (node.options.size || 10) * scale;
      var x = node.x * scale + translation.x + r * 0.75, y = node.y * scale + translation.y - r * 0.75;
      if (x < -10 || y < -10 || x > size[0] + 10 || y > size[1] + 10) return;
      var text = String(table[i][DIAGNOSTICS].length);
      if (r < 6) return;
      var radius = text.length > 1 ? 8.5 : 7;
      context.beginPath();
      context.arc(x, y, radius, 0, 2 * Math.PI);
      context.fillStyle = "#dc2626";
      context.fill();
      context.lineWidth = 1.5;
      context.strokeStyle = THEMES[theme].bg;
      context.stroke();
      context.fillStyle = "#ffffff";
      context.fillText(text, x, y + 0.5);
    });
    context.restore();
  }

  function fadeThreshold() {
    // The label size (CSS px at the current zoom) from which a label starts to show; the
    // text fade slider (-3..3, as Obsidian's) moves it.
    return 9 * Math.pow(1.45, display.fade);
  }

  function drawLabels(context) {
    var t = THEMES[theme];
    var scale = network.getScale();
    var translation = network.body.view.translation;
    var ratio = network.canvas.pixelRatio || window.devicePixelRatio || 1;
    var size = canvasSize();
    var threshold = fadeThreshold();
    var near = hoverSet();
    var cell = 64, grid = new Map(), boxes = [];
    var count_ = 0, smallest = Infinity;
    function collides(box) {
      for (var gx = Math.floor(box[0] / cell); gx <= Math.floor(box[2] / cell); gx++) {
        for (var gy = Math.floor(box[1] / cell); gy <= Math.floor(box[3] / cell); gy++) {
          var list = grid.get(gx + "," + gy);
          if (!list) continue;
          for (var k = 0; k < list.length; k++) {
            var o = list[k];
            if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) return true;
          }
        }
      }
      return false;
    }
    function insert(box) {
      for (var gx = Math.floor(box[0] / cell); gx <= Math.floor(box[2] / cell); gx++) {
        for (var gy = Math.floor(box[1] / cell); gy <= Math.floor(box[3] / cell); gy++) {
          var key = gx + "," + gy;
          if (!grid.has(key)) grid.set(key, []);
          grid.get(key).push(box);
        }
      }
    }
    context.save();
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.textAlign = "center";
    context.textBaseline = "top";
    context.lineJoin = "round";
    var order = near ? Array.from(near).filter(function (i) { return shown.set.has(i); })
      .sort(function (a, b) { return (b === state.hover) - (a === state.hover) || rank[a] - rank[b]; })
      .concat(shown.order) : shown.order;
    (shown.titles || []).forEach(function (title) {
      var x = title.x * scale + translation.x, y = title.y * scale + translation.y;
      var px = clamp(22 * scale, 13, 30);
      context.font = "600 " + px.toFixed(1) + "px " + FONT;
      var width = context.measureText(title.text).width;
      insert([x - width / 2 - 4, y, x + width / 2 + 4, y + px * 1.2]);
      context.lineWidth = 4;
      context.strokeStyle = t.halo;
      context.strokeText(title.text, x, y);
      context.fillStyle = data.rules[title.rule] && data.rules[title.rule][1] === "error" ? "#dc2626" : t.ink;
      context.fillText(title.text, x, y);
    });
    // In views small enough to have room, dots are obstacles too: a label never covers one.
    // In crowded views that would leave almost nothing labelled; the halo keeps text legible.
    if (order.length <= DOT_OBSTACLES) order.forEach(function (id) {
      var node = network.body.nodes[id];
      if (!node) return;
      var r = (node.options.size || 10) * scale;
      if (r < 5) return;
      var x = node.x * scale + translation.x, y = node.y * scale + translation.y;
      if (x < -50 || x > size[0] + 50 || y < -50 || y > size[1] + 50) return;
      insert([x - r - 1, y - r - 1, x + r + 1, y + r + 1]);
    });
    var done = new Set();
    var always = Math.max(ALWAYS_LABELLED, Math.round(order.length * 0.08));
    for (var k = 0; k < order.length && count_ < MAX_LABELS; k++) {
      var id = order[k];
      if (done.has(id)) continue;
      done.add(id);
      var node = network.body.nodes[id];
      if (!node) continue;
      var x = node.x * scale + translation.x, y = node.y * scale + translation.y;
      if (x < -200 || x > size[0] + 200 || y < -40 || y > size[1] + 40) continue;
      var radius = (node.options.size || 10) * scale;
      var raw = (shown.layout === "tree" ? treeFont : 12 + (node.options.size || 10) * 0.25) * scale;
      var important = shown.always || k < always || id === state.selected || id === state.hover ||
        (near && near.has(id)) || typeof id !== "number";
      // The most important notes need less zoom before their label shows (Obsidian shows
      // none when zoomed out; a first view with no names on it says nothing).
      var need = threshold * (0.3 + 0.7 * Math.min(1, k / Math.max(order.length, 1) * 3));
      var alpha = important ? 1 : clamp((raw - need) / (0.4 * need), 0, 1);
      if (alpha <= 0.05) continue;
      var px = clamp(raw, MIN_LABEL_PX, MAX_LABEL_PX);
      var text = typeof id === "number" ? shortLabel(id) : labelOf(id);
      var width = textWidth(id, px);
      // Below the dot as Obsidian draws it; else above, right or left, whichever is free.
      var h = px * 1.15;
      var spots = [
        [x - width / 2 - 2, y + radius + 2],
        [x - width / 2 - 2, y - radius - 2 - h],
        [x + radius + 4, y - h / 2],
        [x - radius - 4 - width - 4, y - h / 2],
      ];
      var box = null;
      for (var p = 0; p < (shown.layout === "tree" ? 1 : spots.length) && !box; p++) {
        var spot = [spots[p][0], spots[p][1], spots[p][0] + width + 4, spots[p][1] + h];
        if (!collides(spot)) box = spot;
      }
      if (!box) continue;
      insert(box);
      boxes.push(box);
      context.globalAlpha = alpha * (near && !near.has(id) ? 0.3 : 1);
      context.font = (id === state.selected || id === state.hover ? "600 " : "") + px.toFixed(1) + "px " + FONT;
      context.lineWidth = 3;
      context.strokeStyle = t.halo;
      context.strokeText(text, (box[0] + box[2]) / 2, box[1]);
      context.fillStyle = t.ink;
      context.fillText(text, (box[0] + box[2]) / 2, box[1]);
      count_++;
      smallest = Math.min(smallest, px);
    }
    context.restore();
    drawn.labels = count_;
    drawn.boxes = boxes;
    drawn.minLabelPx = count_ ? Math.round(smallest * 10) / 10 : 0;
  }

  // ---- details, tooltip, search ----------------------------------------------------------

  function obsidianUrl(i) {
    return "obsidian://open?vault=" + encodeURIComponent(data.vault) +
      "&file=" + encodeURIComponent(table[i][PATH]);
  }

  function canOpen(i) {
    return data.obsidian && typeof i === "number" && table[i][KIND] !== KIND_GHOST && table[i][KIND] !== KIND_TAG;
  }

  function facts(i) {
    var row = table[i];
    var list = [];
    if (row[KIND] === KIND_GHOST) list.push(["missing", "no file in the vault has this name"]);
    else if (row[KIND] === KIND_TAG) list.push(["tag", plural(row[IN], "note")]);
    else list.push(["path", row[PATH]]);
    if (row[ALIASES].length) list.push(["aliases", row[ALIASES].join(", ")]);
    if (row[TAGS].length) list.push(["tags", row[TAGS].map(function (t) { return "#" + t; }).join(" ")]);
    if (parents[i].length) list.push(["parents", parents[i].map(labelOf).join(", ")]);
    if (children[i].length) list.push(["children", String(children[i].length)]);
    if (row[KIND] !== KIND_TAG) list.push(["links", "in " + row[IN] + " \u00b7 out " + row[OUT]]);
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
    tooltip.textContent = "";
    var title = document.createElement("div");
    title.className = "title";
    title.textContent = labelOf(i);
    tooltip.append(title);
    if (typeof i !== "number") {
      tooltip.append(document.createTextNode("click to show them"));
    } else {
      var lines = facts(i).map(function (fact) { return fact[0] + ": " + fact[1]; });
      tooltip.append(document.createTextNode(lines.join("\n")));
      var problems = table[i][DIAGNOSTICS];
      if (problems.length) {
        var box = document.createElement("div");
        box.className = "problem";
        var more = problems.length > 12 ? "\n\u2026 and " + (problems.length - 12) + " more" : "";
        box.textContent = plural(problems.length, "problem") + ":\n" + problems.slice(0, 12).join("\n") + more;
        tooltip.append(box);
      }
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
    for (var i = 0; i < total; i++) {
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
      return a.score - b.score || rank[a.id] - rank[b.id] || (names[a.id] < names[b.id] ? -1 : 1);
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
    shown.order = orderForLabels();
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
    // Centre on the hit at a scale that shows its neighbourhood, never a 1:1 pile of labels.
    var size = canvasSize();
    var node = network.body.nodes[i];
    var reach = 0;
    adjacency[i].forEach(function (e) {
      var other_ = network.body.nodes[other(e, i)];
      if (other_) reach = Math.max(reach, Math.abs(other_.x - node.x) * size[1] / size[0], Math.abs(other_.y - node.y));
    });
    var scale = reach ? clamp((size[1] / 2 - 40) / reach, 0.25, 1.2) : 1;
    network.moveTo({ position: { x: node.x, y: node.y }, scale: scale,
      animation: { duration: 300, easingFunction: "easeInOutQuad" } });
  }

  // ---- sidebar: problems, groups, legend ----------------------------------------------------

  function buildProblems() {
    var select_ = $("f-rule");
    var byRule = new Map();
    for (var i = 0; i < count; i++) {
      var seen = new Set();
      table[i][CODES].forEach(function (code) {
        if (seen.has(code)) return;
        seen.add(code);
        if (!byRule.has(code)) byRule.set(code, []);
        byRule.get(code).push(i);
      });
    }
    var codes = Array.from(byRule.keys()).sort();
    codes.forEach(function (code) {
      var option = document.createElement("option");
      option.value = code;
      option.textContent = code + " " + (data.rules[code] ? data.rules[code][0] : "") + " (" + byRule.get(code).length.toLocaleString("en") + ")";
      select_.append(option);
    });
    var list = $("problem-list");
    if (!codes.length) {
      var none = document.createElement("p");
      none.className = "muted";
      none.textContent = "No problems found.";
      list.append(none);
    }
    codes.forEach(function (code) {
      var box = document.createElement("details");
      box.dataset.rule = code;
      var summary = document.createElement("summary");
      var rule = data.rules[code] || ["", ""];
      summary.textContent = code + " " + rule[0] + " \u00b7 " + plural(byRule.get(code).length, "note");
      box.className = "rule " + rule[1];
      box.append(summary);
      box.addEventListener("toggle", function () {
        if (!box.open || box.dataset.filled) return;
        box.dataset.filled = "1";
        var notes = byRule.get(code).slice().sort(problemOrder);
        var items = document.createElement("ol");
        notes.slice(0, 300).forEach(function (i) {
          var item = document.createElement("li");
          item.dataset.path = table[i][PATH];
          item.textContent = labelOf(i);
          var n = table[i][CODES].filter(function (c) { return c === code; }).length;
          if (n > 1) {
            var small = document.createElement("small");
            small.textContent = " \u00d7" + n;
            item.append(small);
          }
          item.addEventListener("click", function () { goTo(i); });
          items.append(item);
        });
        box.append(items);
        if (notes.length > 300) {
          var more = document.createElement("p");
          more.className = "muted";
          more.textContent = "\u2026 and " + (notes.length - 300).toLocaleString("en") + " more: choose the rule above to see them on the graph.";
          box.append(more);
        }
      });
      list.append(box);
    });
  }

  function buildGroupEditor() {
    var box = $("groups");
    box.textContent = "";
    queryGroups.forEach(function (group, k) {
      var row = document.createElement("div");
      row.className = "group-row";
      var color = document.createElement("input");
      color.type = "color";
      color.value = group.color;
      color.setAttribute("aria-label", "colour of group " + (k + 1));
      color.addEventListener("change", function () { group.color = color.value; buildLegend(); restyle("nodes"); });
      var query = document.createElement("input");
      query.type = "text";
      query.value = group.query;
      query.placeholder = "path:, tag:, file: or text";
      query.spellcheck = false;
      query.setAttribute("aria-label", "query of group " + (k + 1));
      query.addEventListener("change", function () {
        group.query = query.value;
        group.matches = parseQuery(query.value);
        buildLegend();
        restyle("nodes");
      });
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "\u00d7";
      remove.title = "remove this group";
      remove.addEventListener("click", function () {
        queryGroups.splice(k, 1);
        setGroups(queryGroups);
      });
      row.append(color, query, remove);
      box.append(row);
    });
  }

  function nextGroupColor() {
    var used = new Set(queryGroups.map(function (g) { return g.color; })
      .concat(data.groups.map(function (g) { return g.color; })));
    return data.palette.find(function (c) { return !used.has(c); }) || data.palette[queryGroups.length % data.palette.length];
  }

  function buildLegend() {
    var legend = $("legend-groups");
    legend.textContent = "";
    queryGroups.forEach(function (group) {
      if (!group.matches) return;
      var n = 0;
      for (var i = 0; i < total; i++) if (baseColor(i) === group.color && group.matches(i)) n++;
      legend.append(legendItem(group.color, group.query, n));
    });
    var rest = 0, restGroups = 0;
    data.groups.forEach(function (group) {
      // Groups past the palette share one grey, so they share one legend entry.
      if (group.color === colors.other) { rest += group.count; restGroups++; return; }
      legend.append(legendItem(group.color, group.name, group.count));
    });
    if (restGroups) legend.append(legendItem(colors.other, plural(restGroups, "smaller group"), rest));
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

  // ---- controls --------------------------------------------------------------------------

  function updateButtons() {
    ["map", "hierarchy", "local"].forEach(function (name) {
      $("view-" + name).classList.toggle("active", state.view === name);
    });
    $("view-local").disabled = state.selected < 0;
  }

  function setTheme(name) {
    theme = name === "dark" ? "dark" : "light";
    document.body.classList.toggle("dark", theme === "dark");
    // The legend's swatches take the page's colours, so legend and graph cannot disagree.
    var root = document.body.style;
    root.setProperty("--ghost", colors.ghost);
    root.setProperty("--attachment", colors.attachment);
    root.setProperty("--up", theme === "dark" ? colors.upDark : colors.up);
    root.setProperty("--link", theme === "dark" ? colors.linkDark : colors.link);
    root.setProperty("--embed", colors.embed);
    root.setProperty("--note", data.groups.length ? data.groups[0].color : colors.other);
    $("theme").textContent = theme === "dark" ? "Light theme" : "Dark theme";
    $("theme").setAttribute("aria-pressed", String(theme === "dark"));
    restyle();
    if (network) network.redraw();
  }

  function zoomBy(factor) {
    network.moveTo({ scale: clamp(network.getScale() * factor, 0.02, 8), animation: { duration: 150 } });
  }

  function panBy(dx, dy) {
    var at = network.getViewPosition();
    var scale = network.getScale();
    network.moveTo({ position: { x: at.x + dx / scale, y: at.y + dy / scale }, animation: { duration: 150 } });
  }

  function setFilterValue(name, value) {
    if (name === "rule") {
      filters.rule = ruleCode(value || "");
      $("f-rule").value = filters.rule;
      if (state.view !== "map") state.view = "map";
    } else if (name === "search") {
      filters.search = String(value || "");
      searchMatcher = parseQuery(filters.search);
      if (!searchMatcher) filters.search = "";
      $("f-search").checked = Boolean(filters.search);
      if (filters.search && $("search").value !== filters.search) $("search").value = filters.search;
    } else if (name === "tag") {
      filters.tag = value || "";
      $("f-tag").value = filters.tag;
    } else {
      filters[name] = Boolean(value);
      var box = { ghosts: "f-ghosts", attachments: "f-attachments", orphans: "f-orphans",
        problems: "f-problems", tags: "f-tags" }[name];
      if (box) $(box).checked = Boolean(value);
    }
    render();
  }

  function setDisplay(name, value) {
    if (name === "arrows") { display.arrows = Boolean(value); $("d-arrows").checked = display.arrows; }
    else {
      display[name] = Number(value);
      var input = { fade: "d-fade", size: "d-size", thickness: "d-thickness" }[name];
      if (input) $(input).value = String(display[name]);
    }
    if (name !== "fade") restyle(name === "size" ? "nodes" : "edges");
    network.redraw();
  }

  function setLocal(name, value) {
    if (name === "depth") {
      state.depth = clamp(Math.round(Number(value)) || 1, 1, 5);
      $("depth").value = String(state.depth);
    } else {
      local[name] = Boolean(value);
      var box = { incoming: "l-in", outgoing: "l-out", neighbours: "l-neighbours" }[name];
      if (box) $(box).checked = local[name];
    }
    if (state.view === "local") render();
  }

  var searchTimer = 0;

  function buildControls() {
    $("vault-name").textContent = data.vault;
    var notes = 0, ghosts = 0, attachments = 0, withProblems = 0;
    var tagCounts = new Map(), folderCounts = new Map();
    for (var i = 0; i < count; i++) {
      var row = table[i];
      if (row[KIND] === KIND_NOTE) notes++;
      else if (row[KIND] === KIND_GHOST) ghosts++;
      else attachments++;
      if (row[DIAGNOSTICS].length) withProblems++;
      row[TAGS].forEach(function (tag) { tagCounts.set(tag, (tagCounts.get(tag) || 0) + 1); });
      if (row[KIND] !== KIND_GHOST) folderCounts.set(row[TOP], (folderCounts.get(row[TOP]) || 0) + 1);
    }
    $("stats").textContent = [plural(notes, "note"), plural(attachments, "attachment"),
      plural(ghosts, "missing note"), plural(edgeCount, "link"),
      plural(withProblems, "note") + " with problems"].join(" \u00b7 ");

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
      var label = document.createElement("label");
      label.className = "row";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.addEventListener("change", function () {
        if (box.checked) hiddenFolders.delete(folder); else hiddenFolders.add(folder);
        render();
      });
      label.append(box, document.createTextNode(" " + (folder || "(vault root)") + " (" + folderCounts.get(folder) + ")"));
      $("f-folders").append(label);
    });
    buildProblems();

    [["f-ghosts", "ghosts"], ["f-attachments", "attachments"], ["f-orphans", "orphans"],
      ["f-problems", "problems"], ["f-tags", "tags"]].forEach(function (pair) {
      $(pair[0]).checked = filters[pair[1]];
      $(pair[0]).addEventListener("change", function () { setFilterValue(pair[1], $(pair[0]).checked); });
    });
    $("f-tag").addEventListener("change", function () { setFilterValue("tag", $("f-tag").value); });
    $("f-rule").addEventListener("change", function () { setFilterValue("rule", $("f-rule").value); });
    $("f-search").addEventListener("change", function () {
      setFilterValue("search", $("f-search").checked ? $("search").value : "");
    });
    $("view-map").addEventListener("click", function () { state.view = "map"; render(); });
    $("view-hierarchy").addEventListener("click", function () { state.view = "hierarchy"; render(); });
    $("view-local").addEventListener("click", function () { if (state.selected >= 0) { state.view = "local"; render(); } });
    $("depth").addEventListener("change", function () { setLocal("depth", $("depth").value); });
    [["l-in", "incoming"], ["l-out", "outgoing"], ["l-neighbours", "neighbours"]].forEach(function (pair) {
      $(pair[0]).addEventListener("change", function () { setLocal(pair[1], $(pair[0]).checked); });
    });
    $("d-arrows").checked = display.arrows;
    $("d-arrows").addEventListener("change", function () { setDisplay("arrows", $("d-arrows").checked); });
    [["d-fade", "fade"], ["d-size", "size"], ["d-thickness", "thickness"]].forEach(function (pair) {
      $(pair[0]).value = String(display[pair[1]]);
      $(pair[0]).addEventListener("input", function () { setDisplay(pair[1], $(pair[0]).value); });
    });
    $("relayout").addEventListener("click", relayout);
    $("theme").addEventListener("click", function () { setTheme(theme === "dark" ? "light" : "dark"); });
    $("add-group").addEventListener("click", function () {
      queryGroups.push({ query: "", color: nextGroupColor(), matches: null });
      buildGroupEditor();
      var inputs = $("groups").querySelectorAll("input[type=text]");
      if (inputs.length) inputs[inputs.length - 1].focus();
    });
    $("show-all").addEventListener("click", function () {
      state.showAll = true;
      state.view = "map";
      $("show-all").hidden = true;
      render();
    });
    $("search").addEventListener("input", function () {
      showResults();
      if (!$("f-search").checked) return;
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () { setFilterValue("search", $("search").value); }, 250);
    });
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
        clearSearch();
        $("search").blur();
      }
    });
    document.addEventListener("keydown", function (event) {
      var tag = event.target && event.target.tagName;
      if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || event.ctrlKey || event.metaKey || event.altKey) return;
      var key = event.key;
      if (key === "/") { event.preventDefault(); $("search").focus(); }
      else if (key === "Escape") { clearSearch(); select(-1); }
      else if (key === "+" || key === "=") zoomBy(1.25);
      else if (key === "-" || key === "_") zoomBy(0.8);
      else if (key === "0") fitTo(shown.ids.concat(Array.from(folds.keys())), true);
      else if (key === "ArrowLeft") panBy(-80, 0);
      else if (key === "ArrowRight") panBy(80, 0);
      else if (key === "ArrowUp") panBy(0, -80);
      else if (key === "ArrowDown") panBy(0, 80);
      else return;
      event.preventDefault();
    });
    $("graph").addEventListener("pointermove", function (event) {
      var box = $("graph").getBoundingClientRect();
      pointer = { x: event.clientX - box.left, y: event.clientY - box.top };
      if (!pointerQueued) { pointerQueued = true; requestAnimationFrame(showTooltip); }
    });
    $("graph").addEventListener("pointerleave", function () { pointer = null; tooltip.hidden = true; });
  }

  function clearSearch() {
    $("search").value = "";
    showResults();
    if (filters.search) setFilterValue("search", "");
  }

  function relayout() {
    if (state.view === "map" && !filters.problems && !filters.rule) state.relayout = true;
    render();
  }

  // ---- start -----------------------------------------------------------------------------

  function start() {
    queryGroups = settings.colorGroups.map(function (group) {
      return { query: group.query, color: group.color, matches: parseQuery(group.query) };
    });
    buildControls();
    buildGroupEditor();
    buildLegend();
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    setTheme(dark ? "dark" : "light");
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
    network.on("afterDrawing", function (context) { hook.frames++; drawBadges(context); drawLabels(context); });
    network.on("click", function (event) {
      var id = event.nodes.length ? event.nodes[0] : -1;
      if (typeof id === "string") { unfold(id); return; }
      select(id);
    });
    network.on("doubleClick", function (event) {
      if (event.nodes.length && canOpen(event.nodes[0])) window.location.href = obsidianUrl(event.nodes[0]);
    });
    network.on("hoverNode", function (event) { state.hover = event.node; restyle(); });
    network.on("blurNode", function () { state.hover = null; restyle(); });
    network.on("dragStart", function () { tooltip.hidden = true; });
    render();
  }

  function find(key) {
    if (typeof key === "number") return key;
    var wanted = fold(key);
    for (var i = 0; i < total; i++) if (pathKeys[i] === wanted) return i;
    for (i = 0; i < total; i++) if (names[i] === wanted) return i;
    return -1;
  }

  function keyOf(i) { return table[i][PATH] || labelOf(i); }

  function describe(i) {
    var node = nodeSet && nodeSet.get(i);
    return {
      id: i, label: labelOf(i), path: table[i][PATH],
      kind: ["note", "attachment", "ghost", "tag"][table[i][KIND]],
      color: baseColor(i),
      fill: node ? node.color.background : null,
      border: node ? node.color.border : null,
    };
  }

  function openLocal(i, depth) {
    if (depth) setLocal("depth", depth);
    select(i);
    state.view = "local";
    render();
  }

  function unfold(id) {
    var info = folds.get(id);
    if (!info) return false;
    unfolded.add(info.parent >= 0 ? info.parent : "trees");
    render();
    return true;
  }

  function foldEdges() {
    var n = 0;
    folds.forEach(function (info) { if (info.parent >= 0) n++; });
    return n;
  }

  function viewport() {
    var scale = network.getScale();
    var translation = network.body.view.translation;
    var size = canvasSize();
    var box = bounds(shown.ids.concat(Array.from(folds.keys())), false);
    return {
      scale: scale,
      box: isFinite(box[0]) ? [box[0] * scale + translation.x, box[1] * scale + translation.y,
        box[2] * scale + translation.x, box[3] * scale + translation.y] : [0, 0, 0, 0],
      canvas: size,
      minLabelPx: drawn.minLabelPx,
      labels: drawn.labels,
      labelBoxes: drawn.boxes || [],
    };
  }

  // The test hook: tests ask the page what it shows instead of reading pixels. Nodes are named
  // by their vault-relative path (a ghost by its link text).
  window.vaultkit = Object.freeze({
    get ready() { return hook.ready; },
    get frames() { return hook.frames; },
    get view() { return state.view; },
    get theme() { return theme; },
    get selected() { return state.selected >= 0 ? keyOf(state.selected) : null; },
    nodeCount: function () { return count; },
    edgeCount: function () { return edgeCount; },
    visibleNodeCount: function () { return shown.ids.length; },
    counts: function () {
      var kinds = [0, 0, 0];
      for (var i = 0; i < count; i++) kinds[table[i][KIND]]++;
      return {
        nodes: count, edges: edgeCount, notes: kinds[0], attachments: kinds[1], ghosts: kinds[2],
        shownNodes: shown.ids.length, shownEdges: shown.edges.length,
        drawnNodes: network ? network.body.nodeIndices.length - folds.size : 0,
        drawnEdges: network ? network.body.edgeIndices.length - foldEdges() : 0,
      };
    },
    viewport: viewport,
    folded: function () {
      return Array.from(folds.entries()).map(function (entry) {
        return { id: entry[0], label: entry[1].label, parent: entry[1].parent >= 0 ? keyOf(entry[1].parent) : null };
      });
    },
    unfold: unfold,
    search: function (query) { return search(query).map(function (r) { return keyOf(r.id); }); },
    shown: function () { return shown.ids.map(describe); },
    shownEdges: function () {
      return shown.edges.map(function (e) { return [keyOf(visEdges[e].from), keyOf(visEdges[e].to)]; });
    },
    focus: function (key) { var i = find(key); if (i >= 0) goTo(i); return i >= 0; },
    select: function (key) { var i = find(key); select(i); return i >= 0; },
    hover: function (key) {
      var i = key === null ? null : find(key);
      state.hover = i === -1 ? null : i;
      restyle();
      network.redraw();
      return state.hover !== null;
    },
    localGraph: function (key, depth) { var i = find(key); if (i >= 0) openLocal(i, depth); return i >= 0; },
    setLocal: setLocal,
    reset: function () { select(-1); state.view = "map"; render(); },
    setView: function (name) { state.view = name; render(); },
    showGhosts: function (on) { setFilterValue("ghosts", on); },
    setFilter: setFilterValue,
    setDisplay: setDisplay,
    setTheme: setTheme,
    relayout: relayout,
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
