// jeongje run report: renders the embedded JSON into tables, SVG plots and a document
// browser. Scraped text is data, never markup: every string from the run reaches the page
// through textContent / createTextNode, and links point only at "#doc=<id>".
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var SVGNS = 'http://www.w3.org/2000/svg';
  var PALETTE = ['#3b6fb6', '#d9822b', '#3a9a5b', '#c23b4a', '#7d5ba6', '#8c6d3f', '#cf5fa8',
                 '#6b7280', '#a3a32a', '#2aa3a3', '#e0a040', '#5a7d9a'];

  function el(tag, attrs) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    for (var i = 2; i < arguments.length; i++) add(e, arguments[i]);
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    setAttrs(e, attrs);
    for (var i = 2; i < arguments.length; i++) add(e, arguments[i]);
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined) return;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'class') e.setAttribute('class', v);
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, String(v));
    });
  }
  function add(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(parent, c); }); return; }
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  function byId(id) { return document.getElementById(id); }
  function fmtInt(n) { return n === null || n === undefined ? '' : Number(n).toLocaleString('en-US'); }
  function fmtBytes(n) {
    if (n === null || n === undefined) return '';
    var units = ['B', 'KB', 'MB', 'GB', 'TB'], v = Number(n), i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + units[i];
  }
  function fmtPct(x) { return (100 * x).toFixed(1) + '%'; }
  function fmtSec(s) { return s === null || s === undefined ? '' : Number(s).toFixed(s < 10 ? 3 : 1) + ' s'; }
  function label(stage, version, reason) {
    return (stage || '') + (version !== null && version !== undefined ? '@' + version : '') + (reason ? ' · ' + reason : '');
  }
  function docLink(id) {
    var known = DOCS_BY_ID[id];
    if (!known) return el('span', {class: 'muted', title: 'not in the report sample'}, safeText(id));
    return el('a', {href: '#doc=' + encodeURIComponent(id), class: 'doclink'}, safeText(id));
  }

  // Invisible and direction-changing characters are shown as visible, inert tokens.
  var CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/;
  function safeText(s) {
    var frag = document.createDocumentFragment();
    s = String(s);
    var buf = '';
    for (var i = 0; i < s.length; i++) {
      var ch = s[i];
      if (CONTROL.test(ch)) {
        if (buf) { frag.appendChild(document.createTextNode(buf)); buf = ''; }
        var code = 'U+' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
        frag.appendChild(el('span', {class: 'ctl', title: 'invisible or direction control character ' + code}, code));
      } else buf += ch;
    }
    if (buf) frag.appendChild(document.createTextNode(buf));
    return frag;
  }

  // ---------- sortable, filterable tables ----------
  function table(container, columns, rows, opts) {
    opts = opts || {};
    var state = {key: opts.sort || null, desc: opts.desc !== false, query: ''};
    var input = el('input', {type: 'search', class: 'filter', placeholder: 'filter rows…', 'aria-label': 'filter rows'});
    var count = el('span', {class: 'muted count'});
    var thead = el('thead'), tbody = el('tbody');
    var headRow = el('tr');
    columns.forEach(function (c) {
      var th = el('th', {class: c.num ? 'num' : '', tabindex: 0, title: 'sort by ' + c.label}, c.label);
      th.addEventListener('click', function () {
        if (state.key === c.key) state.desc = !state.desc; else { state.key = c.key; state.desc = !!c.num; }
        draw();
      });
      c.th = th;
      headRow.appendChild(th);
    });
    thead.appendChild(headRow);
    var tbl = el('table', {class: 'data'}, thead, tbody);
    input.addEventListener('input', function () { state.query = input.value.toLowerCase(); draw(); });
    function cellText(c, r) {
      var v = c.value ? c.value(r) : r[c.key];
      return v === null || v === undefined ? '' : String(v);
    }
    function draw() {
      var shown = rows.filter(function (r) {
        if (!state.query) return true;
        return columns.some(function (c) { return cellText(c, r).toLowerCase().indexOf(state.query) >= 0; });
      });
      if (state.key) {
        var col = columns.filter(function (c) { return c.key === state.key; })[0];
        shown.sort(function (a, b) {
          var x = col.value ? col.value(a) : a[col.key], y = col.value ? col.value(b) : b[col.key];
          if (col.num) { x = Number(x) || 0; y = Number(y) || 0; } else { x = String(x === null || x === undefined ? '' : x); y = String(y === null || y === undefined ? '' : y); }
          var d = x < y ? -1 : x > y ? 1 : 0;
          return state.desc ? -d : d;
        });
      }
      columns.forEach(function (c) {
        c.th.setAttribute('aria-sort', state.key === c.key ? (state.desc ? 'descending' : 'ascending') : 'none');
      });
      tbody.textContent = '';
      shown.forEach(function (r) {
        var tr = el('tr');
        if (opts.onRow) { tr.classList.add('clickable'); tr.addEventListener('click', function () { opts.onRow(r); }); }
        if (opts.rowAttrs) setAttrs(tr, opts.rowAttrs(r));
        columns.forEach(function (c) {
          var td = el('td', {class: c.num ? 'num' : ''});
          if (c.render) add(td, c.render(r));
          else {
            var v = c.value ? c.value(r) : r[c.key];
            add(td, safeText(c.fmt ? c.fmt(v, r) : (v === null || v === undefined ? '' : v)));
          }
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      count.textContent = shown.length === rows.length ? fmtInt(rows.length) + ' rows' : fmtInt(shown.length) + ' of ' + fmtInt(rows.length) + ' rows';
    }
    draw();
    var box = el('div', {class: 'table-box'}, el('div', {class: 'table-tools'}, input, count), el('div', {class: 'table-scroll'}, tbl));
    container.appendChild(box);
    return {redraw: draw, input: input};
  }

  // ---------- plots (inline SVG) ----------
  function hbar(container, items, opts) {
    opts = opts || {};
    var fmt = opts.fmt || fmtInt;
    if (!items.length) { container.appendChild(el('p', {class: 'muted'}, 'nothing to show')); return; }
    var labelW = opts.labelWidth || 230, barW = 420, rowH = 22, valueW = 90;
    var max = Math.max.apply(null, items.map(function (d) { return d.value; })) || 1;
    var s = svg('svg', {class: 'plot', viewBox: '0 0 ' + (labelW + barW + valueW) + ' ' + (items.length * rowH + 6),
                        width: labelW + barW + valueW, role: 'img', 'aria-label': opts.title || 'bar chart'});
    items.forEach(function (d, i) {
      var y = i * rowH + 3, x = labelW;
      var g = svg('g', {class: 'bar'});
      g.appendChild(svg('title', {text: d.title || (d.label + ': ' + fmt(d.value))}));
      g.appendChild(svg('text', {x: labelW - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'lbl', text: truncate(d.label, 34)}));
      var parts = d.parts || [{value: d.value, color: d.color || PALETTE[0]}];
      parts.forEach(function (p) {
        var w = Math.max(p.value > 0 ? 1 : 0, p.value / max * barW);
        g.appendChild(svg('rect', {x: x, y: y + 3, width: w, height: rowH - 7, rx: 2, fill: p.color}));
        x += w;
      });
      g.appendChild(svg('text', {x: x + 6, y: y + rowH / 2 + 4, class: 'val', text: fmt(d.value)}));
      s.appendChild(g);
    });
    container.appendChild(s);
    if (opts.legend) container.appendChild(legend(opts.legend));
  }
  function legend(entries) {
    return el('div', {class: 'legend'}, entries.map(function (e) {
      return el('span', null, el('i', {class: 'swatch', 'data-color': e.color}), e.label);
    }));
  }
  function truncate(s, n) { s = String(s === null || s === undefined ? '' : s); return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  function waterfall(container, steps, fmt, title) {
    // steps: [{label, value, kind: 'total'|'remove'|'end'}], drawn as floating horizontal bars
    var labelW = 260, barW = 400, rowH = 22, valueW = 110;
    var total = steps[0].value || 1, remaining = total;
    var s = svg('svg', {class: 'plot waterfall', viewBox: '0 0 ' + (labelW + barW + valueW) + ' ' + (steps.length * rowH + 6),
                        width: labelW + barW + valueW, role: 'img', 'aria-label': title});
    steps.forEach(function (d, i) {
      var y = i * rowH + 3, from, to, color;
      if (d.kind === 'total') { from = 0; to = d.value; color = '#6b7280'; }
      else if (d.kind === 'end') { from = 0; to = d.value; color = '#3a9a5b'; }
      else { from = remaining - d.value; to = remaining; remaining -= d.value; color = d.color || '#c23b4a'; }
      var g = svg('g', {class: 'bar'});
      g.appendChild(svg('title', {text: d.label + ': ' + fmt(d.value) + ' (' + fmtPct(d.value / total) + ')'}));
      g.appendChild(svg('text', {x: labelW - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'lbl', text: truncate(d.label, 38)}));
      var x0 = labelW + from / total * barW, w = Math.max(1, (to - from) / total * barW);
      g.appendChild(svg('rect', {x: x0, y: y + 3, width: w, height: rowH - 7, rx: 2, fill: color}));
      if (d.kind === 'remove' && i + 1 < steps.length)
        g.appendChild(svg('line', {x1: x0, x2: x0, y1: y + rowH - 4, y2: y + rowH + 3, class: 'connector'}));
      g.appendChild(svg('text', {x: labelW + barW + 6, y: y + rowH / 2 + 4, class: 'val',
                                 text: (d.kind === 'remove' ? '−' : '') + fmt(d.value)}));
      s.appendChild(g);
    });
    container.appendChild(s);
  }

  function histogram(container, bins, series, title) {
    var W = 640, H = 220, left = 56, bottom = 40, top = 10;
    var max = 1;
    series.forEach(function (se) { se.values.forEach(function (v) { if (v > max) max = v; }); });
    var s = svg('svg', {class: 'plot hist', viewBox: '0 0 ' + W + ' ' + H, width: W, role: 'img', 'aria-label': title});
    var plotW = W - left - 10, plotH = H - bottom - top, bw = plotW / Math.max(1, bins.length);
    for (var t = 0; t <= 4; t++) {
      var yv = max * t / 4, yy = top + plotH - plotH * t / 4;
      s.appendChild(svg('line', {x1: left, x2: W - 10, y1: yy, y2: yy, class: 'grid'}));
      s.appendChild(svg('text', {x: left - 6, y: yy + 4, 'text-anchor': 'end', class: 'axis', text: fmtInt(Math.round(yv))}));
    }
    bins.forEach(function (b, i) {
      var x = left + i * bw;
      series.forEach(function (se, j) {
        var v = se.values[i] || 0, h = v / max * plotH, w = (bw - 6) / series.length;
        var r = svg('rect', {x: x + 3 + j * w, y: top + plotH - h, width: Math.max(1, w - 1), height: h, fill: se.color, class: 'hbar'});
        r.appendChild(svg('title', {text: se.name + ', ' + fmtBytes(b[0]) + '–' + fmtBytes(b[1]) + ': ' + fmtInt(v)}));
        s.appendChild(r);
      });
      if (bins.length <= 16 || i % 2 === 0)
        s.appendChild(svg('text', {x: x + bw / 2, y: H - bottom + 16, 'text-anchor': 'middle', class: 'axis', text: fmtBytes(b[0])}));
    });
    s.appendChild(svg('text', {x: left + plotW / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis', text: 'text length (UTF-8 bytes, log scale)'}));
    container.appendChild(s);
    container.appendChild(legend(series.map(function (se) { return {label: se.name, color: se.color}; })));
  }

  // ---------- sections ----------
  var R = D.run, C = R.counts || {};
  var DOCS_BY_ID = {};
  D.documents.forEach(function (d) { DOCS_BY_ID[d.id] = d; });
  var STAGE_RANK = {};
  D.stage_order.forEach(function (s, i) { STAGE_RANK[s] = i; });
  var REASON_COLOR = {};
  function reasonColor(key) {
    if (!(key in REASON_COLOR)) REASON_COLOR[key] = PALETTE[(Object.keys(REASON_COLOR).length + 3) % PALETTE.length];
    return REASON_COLOR[key];
  }

  function summary() {
    var box = byId('summary-cards');
    var b = R.bytes || {};
    [['records', fmtInt(C.records), 'input records'],
     ['kept', fmtInt(C.kept), fmtPct((C.kept || 0) / (C.records || 1)) + ' of records'],
     ['dropped', fmtInt(C.dropped), fmtPct((C.dropped || 0) / (C.records || 1))],
     ['quarantined', fmtInt(C.quarantined), 'unreadable or failing records'],
     ['text in → out', fmtBytes(b.text_in) + ' → ' + fmtBytes(b.text_out), fmtPct((b.text_out || 0) / (b.text_in || 1)) + ' of the text kept'],
     ['wall time', fmtSec(R.wall_seconds), fmtInt(R.shards) + ' shards, ' + fmtInt((R.options || {}).workers) + ' workers']
    ].concat(costCards(R.cost || {})).forEach(function (c) {
      box.appendChild(el('div', {class: 'card card-' + c[0].replace(/\W+/g, '-')}, el('div', {class: 'card-label'}, c[0]),
                         el('div', {class: 'card-value'}, c[1]), el('div', {class: 'card-sub'}, c[2])));
    });
    var meta = byId('run-meta');
    add(meta, ['recipe ', el('b', null, R.recipe || ''), ' · jeongje ', R.jeongje_version || '', ' · finished ', R.finished_at || '',
               ' · conservation check ', (R.conservation || {}).ok ? el('b', {class: 'ok'}, 'passed') : el('b', {class: 'bad'}, 'not recorded')]);
    table(byId('outcomes-table'), [
      {key: 'outcome', label: 'outcome', render: function (r) { return el('span', {class: 'badge ' + r.outcome}, r.outcome); }, value: function (r) { return r.outcome; }},
      {key: 'stage', label: 'stage', value: function (r) { return label(r.stage, r.version); }},
      {key: 'reason', label: 'reason'},
      {key: 'documents', label: 'documents', num: true, fmt: fmtInt},
      {key: 'share', label: 'share', num: true, value: function (r) { return r.documents / (C.records || 1); }, fmt: fmtPct},
      {key: 'bytes_in', label: 'bytes in', num: true, fmt: fmtBytes},
      {key: 'bytes_out', label: 'bytes out', num: true, fmt: fmtBytes}
    ], D.outcomes, {sort: 'documents'});
    table(byId('inputs-table'), [
      {key: 'name', label: 'input'}, {key: 'format', label: 'format'}, {key: 'compression', label: 'compression'},
      {key: 'bytes', label: 'size', num: true, fmt: fmtBytes}, {key: 'blake2b_128', label: 'BLAKE2b-128'}
    ], R.inputs || []);
    var times = (R.stage_seconds || []).slice().sort(function (a, b) { return stageRank(a.stage) - stageRank(b.stage); });
    hbar(byId('time-plot'), times.map(function (t) {
      return {label: t.stage, value: t.wall, parts: [{value: t.cpu, color: PALETTE[0]}, {value: Math.max(0, t.wall - t.cpu), color: '#a8c0e0'}],
              title: t.stage + ': wall ' + fmtSec(t.wall) + ', CPU ' + fmtSec(t.cpu) + ', ' + fmtInt(t.documents) + ' documents'};
    }), {fmt: fmtSec, title: 'time per stage', legend: [{label: 'CPU (summed over workers)', color: PALETTE[0]}, {label: 'wall beyond CPU', color: '#a8c0e0'}]});
    table(byId('time-table'), [
      {key: 'stage', label: 'stage'}, {key: 'wall', label: 'wall', num: true, fmt: fmtSec},
      {key: 'cpu', label: 'CPU', num: true, fmt: fmtSec}, {key: 'documents', label: 'documents', num: true, fmt: fmtInt},
      {key: 'rate', label: 'docs / CPU s', num: true, value: function (r) { return r.cpu > 0 ? Math.round(r.documents / r.cpu) : null; }, fmt: fmtInt}
    ], times);
  }
  function costCards(cost) {  // manifest "cost" (cost.py); runs before it have none
    if (cost.cpu_seconds == null) { return []; }
    var a = cost.assumptions || {};
    var kwh = cost.energy_kwh || 0, kg = cost.co2e_kg || 0;
    return [['CPU time', fmtSec(cost.cpu_seconds), (cost.cpu_seconds_per_gb != null ? fmtInt(Math.round(cost.cpu_seconds_per_gb)) + ' CPU s per GB, ' : '') + 'peak ' + fmtBytes(cost.peak_rss_bytes) + ' per process'],
            ['energy, CO2e', (kwh >= 0.01 ? kwh.toFixed(3) + ' kWh' : (kwh * 1000).toFixed(3) + ' Wh') + ', ' + (kg >= 0.01 ? kg.toFixed(3) + ' kg' : (kg * 1000).toFixed(3) + ' g'),
             'estimate: ' + a.watts_per_core + ' W/core, PUE ' + a.pue + ', ' + a.grid_kg_co2e_per_kwh + ' kg CO2e/kWh']];
  }
  function stageRank(stage) {
    var base = String(stage).split(' ')[0];
    return base in STAGE_RANK ? STAGE_RANK[base] + (stage === base ? 0 : 0.5) : 999;
  }

  function removals() {
    var removed = D.outcomes.filter(function (r) { return r.outcome !== 'kept'; })
      .sort(function (a, b) { return stageRank(a.stage) - stageRank(b.stage) || b.documents - a.documents; });
    var kept = D.outcomes.filter(function (r) { return r.outcome === 'kept'; })[0] || {documents: 0, bytes_out: 0, bytes_in: 0};
    function steps(metric, total, end) {
      return [{label: 'input records', value: total, kind: 'total'}].concat(removed.map(function (r) {
        return {label: label(r.stage, r.version, r.reason), value: r[metric], kind: 'remove', color: r.outcome === 'quarantined' ? '#d9822b' : '#c23b4a'};
      })).concat([{label: 'kept', value: end, kind: 'end'}]);
    }
    waterfall(byId('waterfall-docs'), steps('documents', C.records || 0, kept.documents), fmtInt, 'documents removed by stage and reason');
    var bytesIn = (R.bytes || {}).text_in || 0;
    var bsteps = steps('bytes_in', bytesIn, kept.bytes_in);
    bsteps.splice(bsteps.length - 1, 0, {label: 'edits inside kept documents', value: kept.bytes_in - kept.bytes_out, kind: 'remove', color: '#d9a441'});
    bsteps[bsteps.length - 1].value = kept.bytes_out;
    waterfall(byId('waterfall-bytes'), bsteps, fmtBytes, 'bytes removed by stage and reason');
    [['publisher', D.by_publisher], ['domain', D.by_domain]].forEach(function (p) {
      var rows = p[1];
      hbar(byId('by-' + p[0] + '-plot'), rows.filter(function (r) { return r.dropped > 0; }).slice(0, 15).map(function (r) {
        return {label: r.key, value: r.dropped, parts: r.reasons.map(function (x) { return {value: x.n, color: reasonColor(x.why)}; }),
                title: r.key + ': ' + fmtInt(r.dropped) + ' of ' + fmtInt(r.records) + ' removed — ' + r.reasons.map(function (x) { return x.why + ' ' + x.n; }).join(', ')};
      }), {title: 'removals by ' + p[0], legend: Object.keys(REASON_COLOR).map(function (k) { return {label: k, color: REASON_COLOR[k]}; })});
      table(byId('by-' + p[0] + '-table'), [
        {key: 'key', label: p[0]}, {key: 'records', label: 'records', num: true, fmt: fmtInt},
        {key: 'kept', label: 'kept', num: true, fmt: fmtInt}, {key: 'dropped', label: 'removed', num: true, fmt: fmtInt},
        {key: 'rate', label: 'removed share', num: true, value: function (r) { return r.dropped / (r.records || 1); }, fmt: fmtPct},
        {key: 'bytes_dropped', label: 'bytes removed', num: true, fmt: fmtBytes},
        {key: 'why', label: 'reasons', value: function (r) { return r.reasons.map(function (x) { return x.why + ' (' + x.n + ')'; }).join(', '); }}
      ], rows, {sort: 'dropped'});
    });
  }

  function distributions() {
    histogram(byId('lengths-plot'), D.lengths.bins, [
      {name: 'before: every record as read', values: D.lengths.before, color: '#9aa5b1'},
      {name: 'after: kept documents as written', values: D.lengths.after, color: '#3b6fb6'}], 'length distributions');
    hbar(byId('clusters-plot'), D.clusters.map(function (c) {
      return {label: c.stage + ', size ' + c.size, value: c.clusters, color: c.stage === 'dedup.exact' ? PALETTE[4] : PALETTE[1],
              title: fmtInt(c.clusters) + ' clusters of ' + c.size + ' documents (' + c.stage + ')'};
    }), {title: 'duplicate cluster sizes'});
    table(byId('clusters-table'), [{key: 'stage', label: 'stage'}, {key: 'size', label: 'cluster size', num: true, fmt: fmtInt},
      {key: 'clusters', label: 'clusters', num: true, fmt: fmtInt},
      {key: 'removed', label: 'documents removed', num: true, value: function (r) { return r.clusters * (r.size - 1); }, fmt: fmtInt}], D.clusters);
    hbar(byId('rights-plot'), D.rights.map(function (r) {
      return {label: r.outcome + ': ' + r.class, value: r.documents, color: r.outcome === 'kept' ? PALETTE[2] : PALETTE[3]};
    }), {title: 'rights classes'});
    hbar(byId('pii-plot'), D.pii.map(function (r) {
      return {label: r.type, value: r.spans, color: PALETTE[4], title: r.type + ': ' + fmtInt(r.spans) + ' spans in ' + fmtInt(r.documents) + ' documents'};
    }), {title: 'PII by type'});
    table(byId('pii-table'), [{key: 'type', label: 'type'}, {key: 'spans', label: 'spans replaced', num: true, fmt: fmtInt},
      {key: 'documents', label: 'documents', num: true, fmt: fmtInt}], D.pii, {sort: 'spans'});
    table(byId('edits-table'), [{key: 'stage', label: 'stage'}, {key: 'reason', label: 'reason'},
      {key: 'edits', label: 'edits', num: true, fmt: fmtInt}, {key: 'documents', label: 'documents', num: true, fmt: fmtInt},
      {key: 'chars_removed', label: 'chars replaced', num: true, fmt: fmtInt},
      {key: 'chars_inserted', label: 'chars inserted', num: true, fmt: fmtInt}], D.edits, {sort: 'edits'});
  }

  function optouts() {
    var rows = R.optouts || [];
    if (!rows.length) { byId('optouts-table').appendChild(el('p', {class: 'muted'}, 'No opt-out has been applied to this output.')); return; }
    table(byId('optouts-table'), [{key: 'file', label: 'ledger file'}, {key: 'at', label: 'applied at'},
      {key: 'request', label: 'request', value: function (r) { return JSON.stringify(r.request); }},
      {key: 'removed', label: 'documents removed', num: true, fmt: fmtInt},
      {key: 'bytes', label: 'bytes removed', num: true, fmt: fmtBytes}], rows);
  }

  // ---------- document browser ----------
  var browserTable = null;
  function browser() {
    var B = D.browser;
    byId('browser-note').textContent = B.everything
      ? 'Every record of this run (' + fmtInt(B.records) + ') is in the browser; ' + fmtInt(B.with_original) + ' with their original text.'
      : fmtInt(B.shown) + ' of ' + fmtInt(B.records) + ' records are in the browser: up to ' + B.per_reason +
        ' per outcome, stage and reason (those whose original the run kept first, chosen by a hash of the id) and the kept twins of the duplicates among them; ' +
        fmtInt(B.with_original) + ' with their original text. Query the ledger with DuckDB for the rest.';
    var outcome = byId('f-outcome'), stage = byId('f-stage'), search = byId('doc-search');
    var stages = {};
    D.documents.forEach(function (d) { if (d.stage) stages[d.stage + ' · ' + d.reason] = true; });
    Object.keys(stages).sort().forEach(function (s) { stage.appendChild(el('option', {value: s}, s)); });
    var columns = [
      {key: 'id', label: 'id'},
      {key: 'outcome', label: 'outcome', render: function (r) { return el('span', {class: 'badge ' + r.outcome}, r.outcome); }, value: function (r) { return r.outcome; }},
      {key: 'why', label: 'stage · reason', value: function (r) { return r.stage ? r.stage + ' · ' + r.reason : ''; }},
      {key: 'publisher', label: 'publisher'}, {key: 'domain', label: 'domain'}, {key: 'source', label: 'source'},
      {key: 'edits', label: 'edits', num: true, value: function (r) { return r.edits.length; }, fmt: fmtInt},
      {key: 'has_original', label: 'original', value: function (r) { return r.has_original ? 'yes' : ''; }}
    ];
    var holder = byId('doc-list');
    function filtered() {
      var q = search.value.trim().toLowerCase(), o = outcome.value, s = stage.value;
      return D.documents.filter(function (d) {
        if (o && d.outcome !== o) return false;
        if (s && (d.stage + ' · ' + d.reason) !== s) return false;
        if (!q) return true;
        return [d.id, d.publisher, d.domain, d.source, d.stage, d.reason].some(function (v) { return v && String(v).toLowerCase().indexOf(q) >= 0; });
      });
    }
    function redraw() {
      holder.textContent = '';
      browserTable = table(holder, columns, filtered(), {onRow: function (r) { location.hash = 'doc=' + encodeURIComponent(r.id); },
                                                         rowAttrs: function (r) { return {'data-id': r.id, class: 'doc-row clickable'}; }});
    }
    [search, outcome, stage].forEach(function (c) { c.addEventListener('input', redraw); });
    redraw();
  }

  function openDoc(id) {
    var d = DOCS_BY_ID[id], view = byId('doc-view');
    view.textContent = '';
    if (!d) { view.appendChild(el('p', {class: 'muted'}, 'Document ', safeText(id), ' is not in this report.')); return; }
    view.appendChild(el('h3', {class: 'doc-title'}, safeText(d.id), ' ', el('span', {class: 'badge ' + d.outcome}, d.outcome),
                        d.stage ? el('span', {class: 'why'}, label(d.stage, d.version, d.reason)) : null));
    view.appendChild(el('div', {class: 'muted'}, 'source ', safeText(d.source || ''), d.publisher ? [' · publisher ', safeText(d.publisher)] : null,
                        d.domain ? [' · domain ', safeText(d.domain)] : null, ' · ', fmtBytes(d.bytes_in), ' as read'));
    var hist = el('table', {class: 'data history'}, el('thead', null, el('tr', null, el('th', null, 'when'), el('th', null, 'outcome'), el('th', null, 'stage · reason'))));
    var hb = el('tbody');
    d.history.forEach(function (h) {
      hb.appendChild(el('tr', null, el('td', null, h.later ? 'after the run (opt-out)' : 'run'),
                        el('td', null, el('span', {class: 'badge ' + h.outcome}, h.outcome)), el('td', null, label(h.stage, h.version, h.reason))));
    });
    hist.appendChild(hb);
    view.appendChild(el('div', {class: 'doc-meta'}, el('div', null, el('h4', null, 'ledger history'), hist),
                        el('div', {class: 'evidence'}, el('h4', null, 'evidence'), evidence(d))));
    if (d.replay_error) view.appendChild(el('p', {class: 'bad'}, 'Replaying the recorded edits failed: ', d.replay_error));
    var orig = el('div', {class: 'text-pane', id: 'pane-original'}), fin = el('div', {class: 'text-pane', id: 'pane-final'});
    if (d.original_segments) renderSegments(orig, d.original_segments, d.edits, 'rm');
    else orig.appendChild(el('p', {class: 'muted'}, d.outcome === 'quarantined' && !d.has_original ? 'This record could not be read as a document; its error is above.' : 'The run did not keep this original (outside the sample; see --originals).'));
    if (d.final_segments) renderSegments(fin, d.final_segments, d.edits, 'ins');
    else fin.appendChild(el('p', {class: 'muted'}, d.outcome === 'kept' ? '' : 'Not in the output: ' + d.outcome + '.'));
    view.appendChild(el('div', {class: 'side-by-side'},
      el('div', null, el('h4', null, 'original (as read) — removed spans highlighted'), orig),
      el('div', null, el('h4', null, d.outcome === 'kept' ? 'final (as written to documents/)' : (d.final_note || 'final text')), fin)));
    if (d.edits.length) view.appendChild(editLegend(d.edits));
    view.scrollIntoView({block: 'start'});
  }

  function evidence(d) {
    var detail = d.detail || {};
    var keys = Object.keys(detail);
    if (!keys.length) return el('p', {class: 'muted'}, d.outcome === 'kept' ? 'kept: no evidence to show' : 'no detail recorded');
    var t = el('table', {class: 'data kv'});
    keys.forEach(function (k) {
      var v = detail[k], cell;
      if (k === 'duplicate_of') cell = docLink(String(v));
      else if (k === 'error') cell = el('code', {class: 'error'}, safeText(String(v)));
      else cell = safeText(typeof v === 'object' ? JSON.stringify(v) : String(v));
      t.appendChild(el('tr', {class: k === 'threshold' ? 'threshold' : ''}, el('th', null, k), el('td', null, cell)));
    });
    return t;
  }

  function renderSegments(pane, segments, edits, kind) {
    segments.forEach(function (seg) {
      var text = seg[0], k = seg[1];
      if (k < 0) { pane.appendChild(safeText(text)); return; }
      var e = edits[k];
      var title = label(e.stage, e.version, e.reason) + (e.detail && e.detail.merged_with ? ' (with ' + e.detail.merged_with.join(', ') + ')' : '') +
                  (e.detail && e.detail.type ? ' [' + e.detail.type + ']' : '');
      // the edit's number is drawn by CSS (::before) so that copied text stays the document's
      var span = el('span', {class: kind + ' edit-' + k, 'data-n': k + 1, 'data-stage': e.stage, 'data-reason': e.reason, title: title});
      span.appendChild(safeText(text));
      span.style.setProperty('--c', reasonColor(e.stage + ' / ' + e.reason));
      pane.appendChild(span);
    });
  }

  function editLegend(edits) {
    var rows = edits.map(function (e, i) {
      return {n: i + 1, stage: e.stage, version: e.version, reason: e.reason, start: e.start, end: e.end, replacement: e.replacement,
              detail: JSON.stringify(e.detail || {})};
    });
    var box = el('div', {class: 'edit-legend'}, el('h4', null, 'edits, in the order they were made (offsets into the text each stage received)'));
    table(box, [{key: 'n', label: '#', num: true}, {key: 'stage', label: 'stage', value: function (r) { return label(r.stage, r.version); }},
                {key: 'reason', label: 'reason'}, {key: 'start', label: 'start', num: true}, {key: 'end', label: 'end', num: true},
                {key: 'replacement', label: 'replaced by', value: function (r) { return JSON.stringify(r.replacement); }},
                {key: 'detail', label: 'detail'}], rows);
    return box;
  }

  function route() {
    var h = location.hash;
    if (h.indexOf('#doc=') === 0) openDoc(decodeURIComponent(h.slice(5)));
  }

  summary();
  removals();
  distributions();
  optouts();
  browser();
  document.querySelectorAll('.swatch').forEach(function (s) { s.style.background = s.getAttribute('data-color'); });
  window.addEventListener('hashchange', route);
  route();
  document.body.setAttribute('data-ready', 'true');
})();
