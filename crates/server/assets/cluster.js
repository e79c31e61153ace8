/*
 * The cluster graph of the analysts' pages.
 *
 * window.duankaCluster.render(container, cluster, options) draws one cluster as the API
 * returns it (GET /api/clusters/{id}, its `cluster` value) with sigma on WebGL, because
 * canvas and SVG renderers stall near a thousand nodes and clusters reach thousands.
 * Needs the vendored graphology and sigma scripts loaded before it.
 *
 * options: onOpen({entity_type, entity_id}) on a click on a node or a chain hop;
 *          height (CSS pixels of the drawing, default 480).
 * Returns {destroy(), nodes, edges, renderer}: renderer is the sigma instance (null
 * without WebGL), for a page that drives the camera or a test that clicks a node.
 *
 * Styles are set through element.style rather than a <style> element so that the pages
 * can keep a Content-Security-Policy without 'unsafe-inline' styles.
 */
(function () {
  "use strict";

  // Chain order, downstream to upstream; also the legend's order. Colours are those of
  // the static report's graph, so that an analyst reads both alike.
  var TYPES = ["case", "account", "msisdn", "imsi", "imei", "device", "node", "ip", "user"];
  var COLOURS = {
    case: "#7f1d1d",
    account: "#2563eb",
    msisdn: "#059669",
    imsi: "#65a30d",
    imei: "#0d9488",
    device: "#0891b2",
    ip: "#9333ea",
    node: "#a16207",
    user: "#db2777"
  };
  var OTHER_COLOUR = "#6b7280";
  var TYPE_NAMES = {
    case: "case",
    account: "account",
    msisdn: "phone number (msisdn)",
    imsi: "SIM (imsi)",
    imei: "handset (imei)",
    device: "device",
    ip: "IP address (ip)",
    node: "network node (node)",
    user: "staff user (user)"
  };
  var SEVERITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 };
  var CHAIN_COLOUR = "#ea580c";
  var HUB_RING = "#111827";
  var EDGE_COLOUR = "#cbd5e1";
  // Thousands of overlapping links would otherwise grey out the nodes they join.
  var EDGE_COLOUR_DENSE = "#e2e8f0";
  var INK = "#111827";
  var FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif";

  function nodeKey(ref) {
    return String(ref.entity_type) + "\u0000" + String(ref.entity_id);
  }

  function colourOf(type) {
    return Object.prototype.hasOwnProperty.call(COLOURS, type) ? COLOURS[type] : OTHER_COLOUR;
  }

  // Dimmed colours are blended towards white rather than made transparent: overlapping
  // translucent discs in a dense cluster add up to blotches that read as structure.
  function towardsWhite(hex, amount) {
    var n = parseInt(hex.slice(1), 16);
    var parts = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(function (c) {
      return Math.round(c + (255 - c) * amount);
    });
    return "#" + parts.map(function (c) { return (c < 16 ? "0" : "") + c.toString(16); }).join("");
  }

  function el(tag, styles, text) {
    var e = document.createElement(tag);
    if (styles) {
      for (var k in styles) {
        if (Object.prototype.hasOwnProperty.call(styles, k)) e.style.setProperty(k, styles[k]);
      }
    }
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function swatch(colour, ring, gap) {
    var s = el("span", {
      display: "inline-block",
      width: "12px",
      height: "12px",
      "border-radius": "50%",
      background: colour,
      "flex-shrink": "0",
      "box-sizing": "border-box"
    });
    s.setAttribute("aria-hidden", "true");
    if (ring) {
      s.style.setProperty("border", "2px solid " + ring);
      if (gap) s.style.setProperty("box-shadow", "inset 0 0 0 2px " + gap);
    }
    return s;
  }

  // Where a label would go on either side of its node, in viewport pixels.
  function labelBox(context, data, settings) {
    var size = settings.labelSize;
    context.font = settings.labelWeight + " " + size + "px " + settings.labelFont;
    var width = context.measureText(data.label).width;
    return {
      width: width,
      size: size,
      room: context.canvas.clientWidth || context.canvas.width,
      right: data.x + data.size + 4,
      left: data.x - data.size - 4 - width,
      top: data.y - size / 2 - 3,
      height: size + 5
    };
  }

  function boxAt(b, x) {
    return { x0: x - 2, x1: x + b.width + 2, y0: b.top, y1: b.top + b.height };
  }

  function overlaps(r, list) {
    for (var i = 0; i < list.length; i++) {
      var p = list[i];
      if (r.x0 < p.x1 && p.x0 < r.x1 && r.y0 < p.y1 && p.y0 < r.y1) return true;
    }
    return false;
  }

  // The chain's labels go right of their node, or left near the right edge so the last
  // column is not cut off.
  function chainSide(b) {
    return b.right + b.width + 4 > b.room ? b.left : b.right;
  }

  // Labels get a light plate so they stay readable over a dense cluster. Sigma draws
  // forced labels over each other; here the chain's labels and nodes are reserved
  // first in every frame, and any other label that would cover one of them, or a label
  // already drawn, moves to the other side of its node or waits for a hover.
  function labelDrawer(chainKeys) {
    var state = { renderer: null, placed: [], stale: true };
    function reserve(context, settings) {
      state.placed = [];
      state.stale = false;
      var r = state.renderer;
      if (!r) return;
      chainKeys.forEach(function (key) {
        var d = r.getNodeDisplayData(key);
        if (!d || d.hidden) return;
        var p = r.framedGraphToViewport(d);
        var size = r.scaleSize(d.size);
        var b = labelBox(context, { label: d.label, x: p.x, y: p.y, size: size }, settings);
        state.placed.push(boxAt(b, chainSide(b)));
        state.placed.push({ x0: p.x - size, x1: p.x + size, y0: p.y - size, y1: p.y + size });
      });
    }
    function draw(context, data, settings) {
      if (!data.label) return;
      if (state.stale) reserve(context, settings);
      var b = labelBox(context, data, settings);
      var x;
      if (chainKeys.has(data.key)) {
        x = chainSide(b);
      } else {
        // Outward first: left of centre, labels read away from the middle.
        var sides = data.x < b.room / 2 ? [b.left, b.right] : [b.right, b.left];
        x = null;
        for (var i = 0; i < sides.length && x === null; i++) {
          var r = boxAt(b, sides[i]);
          if (r.x0 >= 0 && r.x1 <= b.room && !overlaps(r, state.placed)) x = sides[i];
        }
        if (x === null) return;
        state.placed.push(boxAt(b, x));
      }
      context.fillStyle = "rgba(255, 255, 255, 0.85)";
      context.fillRect(x - 2, b.top, b.width + 4, b.height);
      context.fillStyle = INK;
      context.fillText(data.label, x, data.y + b.size / 3);
    }
    return { state: state, draw: draw };
  }

  function drawHover(context, data, settings) {
    var size = settings.labelSize;
    context.font = settings.labelWeight + " " + size + "px " + settings.labelFont;
    var width = context.measureText(data.label || "").width;
    var room = context.canvas.clientWidth || context.canvas.width;
    var x = data.x + data.size + 4;
    if (x + width + 4 > room) x = data.x - data.size - 4 - width;
    context.save();
    context.shadowColor = "rgba(0, 0, 0, 0.35)";
    context.shadowBlur = 6;
    context.fillStyle = "#ffffff";
    context.beginPath();
    context.arc(data.x, data.y, data.size + 3, 0, Math.PI * 2);
    context.fill();
    if (data.label) context.fillRect(x - 4, data.y - size / 2 - 5, width + 8, size + 9);
    context.restore();
    context.strokeStyle = INK;
    context.lineWidth = 1.5;
    context.beginPath();
    context.arc(data.x, data.y, data.size + 2, 0, Math.PI * 2);
    context.stroke();
    if (data.label) {
      context.fillStyle = INK;
      context.fillText(data.label, x, data.y + size / 3);
    }
  }

  // Collects the nodes and edges to draw, in the order the data gives them, so that the
  // same cluster is always laid out the same way.
  function model(cluster) {
    var data = (cluster && cluster.data) || {};
    var nodes = new Map();
    function touch(ref) {
      if (!ref || ref.entity_type === undefined || ref.entity_id === undefined) return null;
      var key = nodeKey(ref);
      if (!nodes.has(key)) {
        nodes.set(key, {
          key: key,
          type: String(ref.entity_type),
          id: String(ref.entity_id),
          chainIndex: -1,
          hub: false,
          rank: 0,
          alerts: []
        });
      }
      return nodes.get(key);
    }
    var chain = [];
    (data.chain || []).forEach(function (hop) {
      var n = touch(hop);
      if (n && n.chainIndex < 0) {
        n.chainIndex = chain.length;
        chain.push({ node: n, via: hop.via || null });
      }
    });
    (data.members || []).forEach(touch);
    var hasEdges = Array.isArray(data.edges);
    if (hasEdges) {
      data.edges.forEach(function (e) { touch(e.source); touch(e.target); });
    }
    (data.hubs || []).forEach(function (h) {
      var n = touch(h);
      if (n) n.hub = true;
    });
    (data.alerts || []).forEach(function (a) {
      var n = nodes.get(nodeKey(a));
      if (!n) return;
      n.rank = Math.max(n.rank, SEVERITY_RANK[a.severity] || 0);
      n.alerts.push(a);
    });

    var edges = [];
    for (var i = 1; i < chain.length; i++) {
      edges.push({ a: chain[i - 1].node.key, b: chain[i].node.key, via: chain[i].via, chain: true });
    }
    if (hasEdges) {
      data.edges.forEach(function (e) {
        if (e.source && e.target) {
          edges.push({ a: nodeKey(e.source), b: nodeKey(e.target), via: e.via || null, chain: false });
        }
      });
    } else {
      // Without edges the server vouches only for the chain and for membership: every
      // member joins the cluster through its case.
      var centre = null;
      nodes.forEach(function (n) { if (!centre && n.type === "case") centre = n; });
      if (!centre && chain.length) centre = chain[0].node;
      if (centre) {
        nodes.forEach(function (n) {
          if (n !== centre && n.chainIndex < 0) edges.push({ a: centre.key, b: n.key, via: null, chain: false });
        });
      }
    }
    return { nodes: nodes, chain: chain, edges: edges };
  }

  function typeOrder(type) {
    var i = TYPES.indexOf(type);
    return i < 0 ? TYPES.length : i;
  }

  // Deterministic layout: the chain down the middle, case on top; the other members on
  // rings around it, one wedge per entity type (alerted members innermost), leaving the
  // chain's labels room on the right; hubs off the chain on a circle outside everything,
  // so that their many edges do not pull the drawing together.
  function layout(m) {
    var pos = new Map();
    var step = 1;
    var half = Math.max(0, (m.chain.length - 1) / 2) * step;
    m.chain.forEach(function (hop, i) {
      pos.set(hop.node.key, { x: 0, y: half - i * step });
    });
    var others = [];
    var hubs = [];
    m.nodes.forEach(function (n) {
      if (n.chainIndex >= 0) return;
      (n.hub ? hubs : others).push(n);
    });
    var inner = Math.max(half + 1, 1.2);
    // The chain's labels read rightwards from the middle: the rings leave that side open
    // so that no label covers a member.
    var open = m.chain.length > 1 ? Math.asin(Math.min(1, (half + 0.4) / inner)) : 0;
    var arc = 2 * Math.PI - 2 * open;
    var spacing = others.length ? Math.min(1, Math.max(0.12, (arc * inner) / others.length)) : 1;
    var groups = [];
    var byType = new Map();
    others.forEach(function (n) {
      if (!byType.has(n.type)) {
        byType.set(n.type, []);
        groups.push(n.type);
      }
      byType.get(n.type).push(n);
    });
    groups.sort(function (a, b) { return typeOrder(a) - typeOrder(b) || (a < b ? -1 : a > b ? 1 : 0); });
    var outer = inner;
    var angle = open;
    var gap = groups.length > 1 ? Math.min(0.12, Math.PI / (4 * groups.length)) : 0;
    // Each type's wedge is as wide as its share of the members, but never so narrow that
    // a small type stretches into a long spoke.
    var floor = Math.min(arc / Math.max(1, groups.length), 0.35);
    var raw = groups.map(function (t) { return Math.max(floor, (arc * byType.get(t).length) / others.length); });
    var rawTotal = raw.reduce(function (x, y) { return x + y; }, 0);
    groups.forEach(function (type, g) {
      var list = byType.get(type).slice().sort(function (a, b) {
        return b.rank - a.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      });
      var share = (arc * raw[g]) / rawTotal;
      var width = Math.max(share - gap, share * 0.5);
      var start = angle + (share - width) / 2;
      var placed = 0;
      for (var ring = 0; placed < list.length; ring++) {
        var r = inner + ring * spacing;
        var slots = Math.max(1, Math.floor((width * r) / spacing));
        var take = Math.min(slots, list.length - placed);
        // A part-filled outer ring is spread over its wedge rather than bunched at one end.
        var used = take < slots ? take : slots;
        for (var k = 0; k < take; k++) {
          var a = start + (width * (k + 0.5)) / used;
          pos.set(list[placed + k].key, { x: r * Math.cos(a), y: r * Math.sin(a) });
        }
        placed += take;
        outer = Math.max(outer, r);
      }
      angle += share;
    });
    var hubRadius = outer + (others.length ? Math.max(1, 3 * spacing) : 0.5) + (m.chain.length ? 0 : 0.5);
    hubs.forEach(function (n, i) {
      // Starting off the chain's axis keeps a lone hub clear of the case and the supplier.
      var a = Math.PI / 4 - (2 * Math.PI * i) / hubs.length;
      pos.set(n.key, { x: hubRadius * Math.cos(a), y: hubRadius * Math.sin(a) });
    });
    return pos;
  }

  // Element ids for aria-labelledby; a counter, so that two widgets on a page never clash.
  var serial = 0;
  function uid(prefix) {
    serial += 1;
    return "duanka-" + prefix + "-" + serial;
  }

  function describe(n) {
    return n.type + " " + n.id;
  }

  function render(container, cluster, options) {
    if (!container || !container.appendChild) throw new TypeError("duankaCluster.render: container must be an element");
    options = options || {};
    var onOpen = typeof options.onOpen === "function" ? options.onOpen : function () {};
    var height = Math.max(200, Number(options.height) || 480);
    var m = model(cluster);
    var name = (cluster && (cluster.key || (cluster.data && cluster.data.cluster_id))) || "cluster";
    var count = m.nodes.size;
    var dense = count > 300;
    var sparse = count <= 60;
    var hasChain = m.chain.length > 1;

    var root = el("div", {
      display: "flex",
      "flex-direction": "column",
      gap: "8px",
      "font-family": FONT,
      "font-size": "14px",
      color: INK
    });
    root.className = "duanka-cluster";

    var toolbar = el("div", { display: "flex", gap: "6px", "flex-wrap": "wrap", "align-items": "center" });
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Graph view of " + name);
    function button(text, label) {
      var b = el("button", {
        font: "inherit",
        "font-size": "13px",
        padding: "3px 10px",
        border: "1px solid #9ca3af",
        "border-radius": "4px",
        background: "#ffffff",
        color: INK,
        cursor: "pointer"
      }, text);
      b.type = "button";
      b.setAttribute("aria-label", label);
      toolbar.appendChild(b);
      return b;
    }
    var zoomIn = button("+", "Zoom in");
    var zoomOut = button("\u2212", "Zoom out");
    var zoomReset = button("Fit", "Fit the whole cluster in view");
    var summary = el("span", { "font-size": "13px", color: "#4b5563" });
    toolbar.appendChild(summary);
    root.appendChild(toolbar);

    var row = el("div", { display: "flex", "flex-wrap": "wrap", gap: "12px", "align-items": "flex-start" });
    var stage = el("div", {
      position: "relative",
      // A large grow factor keeps the spare width for the drawing while the legend sits
      // beside it, and lets the legend take the whole line once it wraps below.
      flex: "1000 1 480px",
      "min-width": "0",
      height: height + "px",
      border: "1px solid #d1d5db",
      "border-radius": "6px",
      background: "#ffffff",
      overflow: "hidden"
    });
    stage.setAttribute("role", "img");
    row.appendChild(stage);

    var legend = el("div", { flex: "1 1 220px", "min-width": "180px" });
    var legendTitle = el("p", { margin: "0 0 6px", "font-weight": "600" }, "Legend");
    legendTitle.id = uid("legend");
    legend.appendChild(legendTitle);
    var legendList = el("ul", {
      display: "grid",
      "grid-template-columns": "repeat(auto-fill, minmax(170px, 1fr))",
      gap: "4px 12px",
      margin: "0",
      padding: "0",
      "list-style": "none",
      "font-size": "13px"
    });
    legendList.setAttribute("aria-labelledby", legendTitle.id);
    var counts = new Map();
    m.nodes.forEach(function (n) { counts.set(n.type, (counts.get(n.type) || 0) + 1); });
    var legendTypes = Array.from(counts.keys()).sort(function (a, b) {
      return typeOrder(a) - typeOrder(b) || (a < b ? -1 : a > b ? 1 : 0);
    });
    function legendItem(mark, text) {
      var li = el("li", { display: "flex", gap: "6px", "align-items": "center" });
      li.appendChild(mark);
      li.appendChild(el("span", null, text));
      legendList.appendChild(li);
    }
    legendTypes.forEach(function (t) {
      legendItem(swatch(colourOf(t)), (TYPE_NAMES[t] || t) + " \u00b7 " + counts.get(t));
    });
    if (hasChain) legendItem(swatch("#ffffff", CHAIN_COLOUR), "on the chain (orange ring, orange links)");
    var hubCount = 0;
    m.nodes.forEach(function (n) { if (n.hub) hubCount++; });
    if (hubCount) legendItem(swatch("#9ca3af", HUB_RING, "#ffffff"), "hub, drawn apart (ring with a gap) \u00b7 " + hubCount);
    legendItem(swatch("#9ca3af"), "larger node: higher alert severity");
    legend.appendChild(legendList);
    row.appendChild(legend);
    root.appendChild(row);

    var chainBox = null;
    if (m.chain.length) {
      chainBox = el("div", null);
      var chainTitle = el("p", { margin: "4px 0", "font-weight": "600" }, "Chain from the case to the supplier");
      chainTitle.id = uid("chain");
      chainBox.appendChild(chainTitle);
      var ol = el("ol", { margin: "0", "padding-left": "28px", "font-size": "13px", "line-height": "1.7" });
      ol.setAttribute("aria-labelledby", chainTitle.id);
      m.chain.forEach(function (hop, i) {
        var li = el("li", null);
        var b = el("button", {
          font: "inherit",
          border: "0",
          padding: "0",
          background: "none",
          color: "#1d4ed8",
          "text-decoration": "underline",
          cursor: "pointer",
          "overflow-wrap": "anywhere",
          "text-align": "left"
        });
        b.type = "button";
        b.setAttribute("aria-label", "Open " + describe(hop.node));
        b.textContent = describe(hop.node);
        b.addEventListener("click", function () { onOpen({ entity_type: hop.node.type, entity_id: hop.node.id }); });
        var mark = swatch(colourOf(hop.node.type));
        mark.style.setProperty("margin-right", "6px");
        mark.style.setProperty("vertical-align", "-1px");
        li.appendChild(mark);
        li.appendChild(b);
        var notes = [];
        if (hop.via) notes.push("via " + hop.via);
        if (i === m.chain.length - 1 && i > 0) notes.push("supplier");
        if (hop.node.hub) notes.push("hub");
        hop.node.alerts.forEach(function (a) {
          notes.push((a.severity || "alert") + " alert" + (a.detectors && a.detectors.length ? ": " + a.detectors.join(", ") : ""));
        });
        if (notes.length) li.appendChild(el("span", { color: "#4b5563" }, " \u2014 " + notes.join(" \u00b7 ")));
        ol.appendChild(li);
      });
      chainBox.appendChild(ol);
      root.appendChild(chainBox);
    }

    container.appendChild(root);
    // Sigma fits the drawing into the smaller side: a narrow window gets a squarer stage
    // instead of a tall strip of empty space under the graph.
    var across = stage.clientWidth;
    if (across > 0 && across < height) stage.style.setProperty("height", Math.max(260, across) + "px");
    var ownLabel = !container.hasAttribute("aria-label");
    if (ownLabel) container.setAttribute("aria-label", "Cluster " + name);

    var graph = new graphology.Graph({ type: "undirected", multi: false, allowSelfLoops: false });
    var pos = layout(m);
    var scale = sparse ? 1 : dense ? 0.45 : 0.7;
    m.nodes.forEach(function (n) {
      var base = [6, 8, 10, 12, 14][n.rank] * scale;
      var onChain = hasChain && n.chainIndex >= 0;
      var colour = colourOf(n.type);
      var ringed = onChain || n.hub;
      var p = pos.get(n.key);
      graph.addNode(n.key, {
        x: p.x,
        y: p.y,
        label: describe(n),
        size: onChain ? Math.max(10, base + 4) : n.hub ? Math.max(8, base + 2) : Math.max(2.5, base),
        color: hasChain && !onChain ? towardsWhite(colour, 0.5) : colour,
        type: ringed ? "ringed" : "circle",
        ringColor: onChain ? CHAIN_COLOUR : HUB_RING,
        gapColor: n.hub ? "#ffffff" : colour,
        forceLabel: onChain || n.hub || sparse,
        zIndex: onChain ? 2 : n.hub ? 1 : 0,
        entity_type: n.type,
        entity_id: n.id
      });
    });
    m.edges.forEach(function (e) {
      if (e.a === e.b || !graph.hasNode(e.a) || !graph.hasNode(e.b) || graph.hasEdge(e.a, e.b)) return;
      graph.addEdge(e.a, e.b, {
        size: e.chain ? 4 : dense ? 0.5 : 1,
        color: e.chain ? CHAIN_COLOUR : dense ? EDGE_COLOUR_DENSE : EDGE_COLOUR,
        zIndex: e.chain ? 1 : 0,
        via: e.via
      });
    });

    summary.textContent = count + (count === 1 ? " member, " : " members, ") + graph.size +
      (graph.size === 1 ? " link" : " links") + (hasChain ? ", chain of " + m.chain.length + " entities" : "");
    stage.setAttribute("aria-label", "Graph of cluster " + name + ": " + summary.textContent +
      ". The chain from the case to the supplier is listed below as text; click a node to open it.");

    var chainKeys = new Set(hasChain ? m.chain.map(function (h) { return h.node.key; }) : []);
    var labels = labelDrawer(chainKeys);
    var renderer = null;
    try {
      var border = Sigma.rendering.createNodeBorderProgram({
        borders: [
          { size: { value: 0.2 }, color: { attribute: "ringColor" } },
          { size: { value: 0.18 }, color: { attribute: "gapColor" } },
          { size: { fill: true }, color: { attribute: "color" } }
        ],
        drawLabel: labels.draw,
        drawHover: drawHover
      });
      renderer = new Sigma(graph, stage, {
        nodeProgramClasses: { ringed: border },
        defaultDrawNodeLabel: labels.draw,
        defaultDrawNodeHover: drawHover,
        labelFont: FONT,
        labelSize: 12,
        labelWeight: "500",
        labelColor: { color: INK },
        // In a dense cluster only the chain and hubs carry labels; the rest on hover.
        labelRenderedSizeThreshold: dense ? 1000 : 6,
        renderEdgeLabels: false,
        zIndex: true,
        stagePadding: 36,
        minCameraRatio: 0.05,
        maxCameraRatio: 4,
        allowInvalidContainer: true
      });
    } catch (err) {
      // WebGL may be off (policy, old GPU): the legend and chain list still carry the
      // cluster, so say so instead of failing the page.
      stage.textContent = "The graph needs WebGL, which this browser does not offer. The chain and the legend list the members.";
      stage.style.setProperty("padding", "12px");
      stage.style.setProperty("height", "auto");
      renderer = null;
    }

    var canvasCursor = function (value) { stage.style.setProperty("cursor", value); };
    if (renderer) {
      labels.state.renderer = renderer;
      renderer.on("beforeRender", function () { labels.state.stale = true; });
      // The first frame was drawn inside the constructor, before the labels could see
      // the renderer to reserve the chain's places.
      renderer.scheduleRender();
      renderer.on("clickNode", function (e) {
        var a = graph.getNodeAttributes(e.node);
        onOpen({ entity_type: a.entity_type, entity_id: a.entity_id });
      });
      renderer.on("enterNode", function () { canvasCursor("pointer"); });
      renderer.on("leaveNode", function () { canvasCursor("default"); });
      zoomIn.addEventListener("click", function () { renderer.getCamera().animatedZoom({ duration: 200 }); });
      zoomOut.addEventListener("click", function () { renderer.getCamera().animatedUnzoom({ duration: 200 }); });
      zoomReset.addEventListener("click", function () { renderer.getCamera().animatedReset({ duration: 200 }); });
    } else {
      [zoomIn, zoomOut, zoomReset].forEach(function (b) { b.disabled = true; });
    }

    container.setAttribute("data-ready", "cluster");
    container.setAttribute("data-nodes", String(graph.order));
    container.setAttribute("data-edges", String(graph.size));
    container.setAttribute("data-renderer", renderer ? "webgl" : "none");

    var alive = true;
    return {
      nodes: graph.order,
      edges: graph.size,
      renderer: renderer,
      destroy: function () {
        if (!alive) return;
        alive = false;
        if (renderer) renderer.kill();
        graph.clear();
        if (root.parentNode) root.parentNode.removeChild(root);
        ["data-ready", "data-nodes", "data-edges", "data-renderer"].forEach(function (a) { container.removeAttribute(a); });
        if (ownLabel) container.removeAttribute("aria-label");
      }
    };
  }

  window.duankaCluster = { render: render };
})();
