/**
 * The built-in inspector page's script, shipped as a string (plain ES2020, no
 * framework, no build step). It listens to `/inspect/events` and draws:
 * the actor tree, the supervisor's state history, the state chart of each
 * machine (boxes and arrows laid out from the chart JSON the worker extracts
 * from its machine definitions), the task timeline and the event log.
 *
 * Kept free of backticks and dollar-brace so it can live in this String.raw.
 */
export const inspectorScript = String.raw`(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var MAX_LOG = 500, MAX_BUFFER = 2000;
  var S = { actors: {}, charts: {}, tasks: {}, history: [], selected: null, machine: 'supervisor', paused: false, buffered: [], dropped: 0 };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function pad(n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; }
  function clock(ms) { var d = new Date(ms); return pad(d.getHours(), 2) + ':' + pad(d.getMinutes(), 2) + ':' + pad(d.getSeconds(), 2) + '.' + pad(d.getMilliseconds(), 3); }
  function dur(ms) { if (typeof ms !== 'number' || !isFinite(ms)) return ''; return ms < 1000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(2) + ' s'; }
  function flash(node) { node.classList.remove('flash'); void node.offsetWidth; node.classList.add('flash'); }

  // ---- connection -------------------------------------------------------
  function setConn(text, cls) { var c = $('conn'); c.textContent = text; c.className = 'conn ' + cls; }
  function connect() {
    var source = new EventSource('/inspect/events');
    source.onopen = function () { setConn('live', 'ok'); };
    source.onerror = function () { setConn('disconnected, retrying', 'bad'); };
    source.onmessage = function (m) {
      var msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      handle(msg);
    };
  }

  function handle(msg) {
    switch (msg.kind) {
      case 'init':
        S.actors = {}; S.tasks = {}; S.history = []; S.charts = msg.charts || {};
        msg.actors.forEach(function (a) { S.actors[a.session] = a; });
        msg.tasks.forEach(function (t) { S.tasks[t.session] = t; });
        $('supervisor-history').textContent = '';
        msg.supervisorHistory.forEach(addHistory);
        renderTabs(); renderTree(null); renderChart(); renderTimeline(); renderContext();
        break;
      case 'chart':
        S.charts[msg.chart.machine] = msg.chart;
        renderTabs();
        if (msg.chart.machine === S.machine) renderChart();
        break;
      case 'actor': {
        var before = S.actors[msg.actor.session];
        S.actors[msg.actor.session] = msg.actor;
        var moved = !before || before.state !== msg.actor.state;
        if (!before || moved) renderTree(moved ? msg.actor.session : null);
        if (moved && msg.actor.machine === S.machine && chartActor() === msg.actor) markActive(true);
        if (S.selected === msg.actor.session || (!S.selected && !msg.actor.parent)) renderContext();
        break;
      }
      case 'actor.gone':
        delete S.actors[msg.session];
        if (S.selected === msg.session) S.selected = null;
        renderTree(null);
        break;
      case 'supervisor':
        addHistory(msg.entry);
        break;
      case 'task':
        S.tasks[msg.task.session] = msg.task;
        renderTimeline();
        break;
      case 'event':
        logEvent(msg);
        break;
    }
  }

  // ---- actors -----------------------------------------------------------
  function renderTree(changed) {
    var tree = $('actor-tree');
    tree.textContent = '';
    var byParent = {};
    Object.keys(S.actors).forEach(function (k) {
      var a = S.actors[k];
      var p = a.parent && S.actors[a.parent] ? a.parent : '';
      (byParent[p] = byParent[p] || []).push(a);
    });
    function branch(list, into) {
      list.sort(function (x, y) { return x.id < y.id ? -1 : x.id > y.id ? 1 : 0; });
      list.forEach(function (a) {
        var li = el('li', 'actor' + (S.selected === a.session ? ' selected' : ''));
        li.dataset.actor = a.id; li.dataset.session = a.session; li.dataset.machine = a.machine;
        var row = el('span', 'row');
        row.appendChild(el('span', 'name', a.id));
        if (a.machine !== a.id) row.appendChild(el('span', 'machine', a.machine));
        var badge = el('span', 'state-badge', a.state + (a.status !== 'active' ? ' (' + a.status + ')' : ''));
        badge.dataset.state = a.state;
        row.appendChild(badge);
        row.addEventListener('click', function () { select(a.session); });
        li.appendChild(row);
        if (changed === a.session) flash(badge);
        var kids = byParent[a.session];
        if (kids) { var ul = el('ul'); branch(kids, ul); li.appendChild(ul); }
        into.appendChild(li);
      });
    }
    branch(byParent[''] || [], tree);
    var root = rootActor();
    if (root) {
      var badge = $('supervisor-state');
      if (badge.textContent !== root.state) { badge.textContent = root.state; flash(badge); }
    }
    var running = Object.keys(S.actors).filter(function (k) { return S.actors[k].machine === 'task'; }).length;
    $('summary').textContent = Object.keys(S.actors).length + ' actors, ' + running + ' tasks running';
  }
  function rootActor() {
    var keys = Object.keys(S.actors);
    for (var i = 0; i < keys.length; i++) if (!S.actors[keys[i]].parent) return S.actors[keys[i]];
    return null;
  }
  function select(session) {
    S.selected = session;
    var a = S.actors[session];
    if (a) S.machine = a.machine;
    renderTree(null); renderTabs(); renderChart(); renderContext();
  }
  function renderContext() {
    var a = (S.selected && S.actors[S.selected]) || rootActor();
    $('context-name').textContent = a ? a.id + ' (' + a.state + ')' : '…';
    $('context').textContent = a ? JSON.stringify(a.context, null, 2) : '';
  }

  function addHistory(entry) {
    S.history.push(entry);
    var li = el('li', 'hist');
    li.dataset.state = entry.state;
    li.appendChild(el('span', 'state-badge', entry.state));
    li.appendChild(el('time', '', clock(entry.at)));
    var list = $('supervisor-history');
    list.appendChild(li);
    flash(li.firstChild);
    list.scrollTop = list.scrollHeight;
  }

  // ---- state charts -------------------------------------------------------
  function renderTabs() {
    var tabs = $('chart-tabs');
    tabs.textContent = '';
    var order = ['supervisor', 'registration', 'heartbeat', 'poller', 'task'];
    Object.keys(S.charts).sort(function (a, b) { return rank(a) - rank(b); }).forEach(function (m) {
      var b = el('button', '', m);
      b.type = 'button'; b.setAttribute('role', 'tab'); b.dataset.machine = m;
      b.setAttribute('aria-selected', String(m === S.machine));
      b.addEventListener('click', function () { S.machine = m; if (S.selected && S.actors[S.selected] && S.actors[S.selected].machine !== m) S.selected = null; renderTabs(); renderChart(); renderTree(null); renderContext(); });
      tabs.appendChild(b);
    });
    function rank(m) { var i = order.indexOf(m); return i < 0 ? 99 : i; }
  }

  /** The actor whose active states the chart marks: the selected one, else the newest of that machine. */
  function chartActor() {
    if (S.selected && S.actors[S.selected] && S.actors[S.selected].machine === S.machine) return S.actors[S.selected];
    var found = null;
    Object.keys(S.actors).forEach(function (k) { if (S.actors[k].machine === S.machine) found = S.actors[k]; });
    return found;
  }

  var chartNodes = {}, chartEdges = [];
  function renderChart() {
    var box = $('chart');
    box.textContent = '';
    chartNodes = {}; chartEdges = [];
    var chart = S.charts[S.machine];
    if (!chart) { box.appendChild(el('p', 'muted', 'waiting for the ' + S.machine + ' machine to start')); $('chart-caption').textContent = ''; return; }
    box.appendChild(renderNode(chart.root, true));
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'arrows');
    var defs = document.createElementNS(SVG, 'defs');
    var marker = document.createElementNS(SVG, 'marker');
    marker.setAttribute('id', 'arrowhead'); marker.setAttribute('viewBox', '0 0 10 10'); marker.setAttribute('refX', '9'); marker.setAttribute('refY', '5');
    marker.setAttribute('markerWidth', '7'); marker.setAttribute('markerHeight', '7'); marker.setAttribute('orient', 'auto-start-reverse');
    var tip = document.createElementNS(SVG, 'path'); tip.setAttribute('d', 'M0,0 L10,5 L0,10 z'); tip.setAttribute('style', 'fill:#64748b;stroke:none');
    marker.appendChild(tip); defs.appendChild(marker); svg.appendChild(defs);
    box.appendChild(svg);
    collectEdges(chart.root);
    drawArrows();
    markActive(false);
  }

  function renderNode(node, isRoot) {
    var d = el('div', 'state state-' + node.type + (isRoot ? ' root' : ''));
    d.dataset.stateId = node.id;
    chartNodes[node.id] = d;
    var head = el('div', 'state-head');
    head.appendChild(el('span', 'state-name', isRoot ? node.id + ' machine' : node.key));
    if (node.type === 'final') head.appendChild(el('span', 'tag', 'final'));
    d.appendChild(head);
    node.invokes.forEach(function (src) { d.appendChild(el('div', 'invoke', 'invokes ' + src)); });
    node.transitions.forEach(function (t) {
      var self = t.targets.length === 0 || (t.targets.length === 1 && t.targets[0] === node.id);
      if (self) d.appendChild(el('div', 'note', '\u21BA ' + t.label + (t.guard ? ' [' + t.guard + ']' : '')));
    });
    if (node.states.length) {
      var kids = el('div', 'substates');
      layers(node).forEach(function (column) {
        var col = el('div', 'rank');
        column.forEach(function (child) {
          var ce = renderNode(child, false);
          if (node.initial === child.id) ce.classList.add('initial');
          col.appendChild(ce);
        });
        kids.appendChild(col);
      });
      d.appendChild(kids);
    }
    return d;
  }

  /** Children in columns by distance from the initial state, so most arrows point right. */
  function layers(node) {
    var ids = node.states.map(function (c) { return c.id; });
    function owner(target) {
      for (var i = 0; i < ids.length; i++) if (target === ids[i] || target.indexOf(ids[i] + '.') === 0) return ids[i];
      return null;
    }
    var adj = {};
    function walk(child, top) {
      child.transitions.forEach(function (t) { t.targets.forEach(function (x) { var o = owner(x); if (o && o !== top) (adj[top] = adj[top] || []).push(o); }); });
      child.states.forEach(function (g) { walk(g, top); });
    }
    node.states.forEach(function (c) { walk(c, c.id); });
    var rankOf = {}, queue = [node.initial || ids[0]];
    rankOf[queue[0]] = 0;
    while (queue.length) {
      var cur = queue.shift();
      (adj[cur] || []).forEach(function (n) { if (rankOf[n] === undefined) { rankOf[n] = rankOf[cur] + 1; queue.push(n); } });
    }
    var max = 0;
    node.states.forEach(function (c) { if (c.type !== 'final' && rankOf[c.id] !== undefined && rankOf[c.id] > max) max = rankOf[c.id]; });
    var cols = [];
    node.states.forEach(function (c) {
      // Final states close the picture on the right; unreachable ones join them.
      var r = c.type === 'final' || rankOf[c.id] === undefined ? max + 1 : rankOf[c.id];
      (cols[r] = cols[r] || []).push(c);
    });
    return cols.filter(function (c) { return c && c.length; });
  }

  function collectEdges(node) {
    var groups = {};
    (function walk(n) {
      n.transitions.forEach(function (t) {
        t.targets.forEach(function (target) {
          if (target === n.id) return;
          var key = n.id + '>' + target;
          var label = t.label + (t.guard ? ' [' + t.guard + ']' : '');
          if (!groups[key]) groups[key] = { from: n.id, to: target, labels: [] };
          if (groups[key].labels.indexOf(label) < 0) groups[key].labels.push(label);
        });
      });
      n.states.forEach(walk);
    })(node);
    chartEdges = Object.keys(groups).map(function (k) { return groups[k]; });
  }

  function drawArrows() {
    var box = $('chart');
    var svg = box.querySelector('svg.arrows');
    if (!svg) return;
    while (svg.childNodes.length > 1) svg.removeChild(svg.lastChild);
    var origin = box.getBoundingClientRect();
    svg.setAttribute('width', String(box.scrollWidth)); svg.setAttribute('height', String(box.scrollHeight));
    function rect(id) {
      var r = chartNodes[id].getBoundingClientRect();
      return { x: r.left - origin.left + box.scrollLeft, y: r.top - origin.top + box.scrollTop, w: r.width, h: r.height };
    }
    /** Where the line from the centre of r toward p leaves r. */
    function edge(r, p) {
      var cx = r.x + r.w / 2, cy = r.y + r.h / 2, dx = p.x - cx, dy = p.y - cy;
      if (!dx && !dy) return { x: cx, y: cy };
      var t = Math.min(dx ? (r.w / 2) / Math.abs(dx) : Infinity, dy ? (r.h / 2) / Math.abs(dy) : Infinity);
      return { x: cx + dx * t, y: cy + dy * t };
    }
    chartEdges.forEach(function (e) {
      if (!chartNodes[e.from] || !chartNodes[e.to]) return;
      var a = rect(e.from), b = rect(e.to);
      var ca = { x: a.x + a.w / 2, y: a.y + a.h / 2 }, cb = { x: b.x + b.w / 2, y: b.y + b.h / 2 };
      var p0 = edge(a, cb), p1 = edge(b, ca);
      var mx = (p0.x + p1.x) / 2, my = (p0.y + p1.y) / 2, dx = p1.x - p0.x, dy = p1.y - p0.y;
      var len = Math.sqrt(dx * dx + dy * dy) || 1, bend = Math.min(40, 12 + len * 0.12);
      var c = { x: mx - (dy / len) * bend, y: my + (dx / len) * bend };
      var path = document.createElementNS(SVG, 'path');
      path.setAttribute('d', 'M' + p0.x.toFixed(1) + ',' + p0.y.toFixed(1) + ' Q' + c.x.toFixed(1) + ',' + c.y.toFixed(1) + ' ' + p1.x.toFixed(1) + ',' + p1.y.toFixed(1));
      path.setAttribute('marker-end', 'url(#arrowhead)');
      path.dataset.from = e.from; path.dataset.to = e.to;
      svg.appendChild(path);
      var text = document.createElementNS(SVG, 'text');
      text.setAttribute('x', (0.25 * p0.x + 0.5 * c.x + 0.25 * p1.x).toFixed(1));
      text.setAttribute('y', (0.25 * p0.y + 0.5 * c.y + 0.25 * p1.y).toFixed(1));
      text.setAttribute('text-anchor', 'middle');
      text.textContent = e.labels.join(' / ');
      svg.appendChild(text);
    });
  }
  window.addEventListener('resize', drawArrows);

  function markActive(animate) {
    var actor = chartActor();
    var active = actor ? actor.active : [];
    Object.keys(chartNodes).forEach(function (id) {
      var on = active.indexOf(id) >= 0;
      var was = chartNodes[id].classList.contains('active');
      chartNodes[id].classList.toggle('active', on);
      if (on && !was && animate) flash(chartNodes[id]);
    });
    $('chart-caption').textContent = actor ? 'active state of ' + actor.id + ': ' + actor.state : 'no ' + S.machine + ' actor running now';
  }

  // ---- task timeline ------------------------------------------------------
  function renderTimeline() {
    var body = $('timeline').tBodies[0];
    body.textContent = '';
    var tasks = Object.keys(S.tasks).map(function (k) { return S.tasks[k]; });
    tasks.sort(function (a, b) { return b.assignedAt - a.assignedAt; });
    var now = Date.now(), start = Infinity, end = 0;
    tasks.forEach(function (t) { start = Math.min(start, t.assignedAt); end = Math.max(end, t.doneAt || now); });
    var span = Math.max(1, end - start);
    tasks.forEach(function (t) {
      var tr = el('tr');
      tr.dataset.task = t.taskId; tr.dataset.job = t.jobId; tr.dataset.status = t.status;
      tr.appendChild(el('td', '', t.jobId + ' / ' + t.taskId + (t.attempt > 1 ? ' #' + t.attempt : '')));
      tr.appendChild(el('td', '', t.type));
      tr.appendChild(el('td', 'status status-' + t.status, t.status));
      tr.appendChild(el('td', '', clock(t.assignedAt)));
      tr.appendChild(el('td', '', t.runningAt ? dur(t.runningAt - t.assignedAt) : ''));
      var run = typeof t.executionMillis === 'number' ? t.executionMillis : t.runningAt ? (t.endedAt || now) - t.runningAt : undefined;
      tr.appendChild(el('td', '', dur(run)));
      tr.appendChild(el('td', '', t.doneAt ? dur(t.doneAt - t.assignedAt) : ''));
      var cell = el('td', 'bar-col'), bar = el('div', 'bar');
      function seg(cls, from, to) {
        if (!from || !to || to < from) return;
        var s = el('span', cls);
        s.style.left = ((from - start) / span * 100).toFixed(2) + '%';
        s.style.width = Math.max(0.5, (to - from) / span * 100).toFixed(2) + '%';
        bar.appendChild(s);
      }
      seg('wait', t.assignedAt, t.runningAt || t.endedAt || t.doneAt || now);
      seg('run', t.runningAt, t.endedAt || t.doneAt || now);
      seg('report', t.endedAt, t.doneAt || now);
      cell.appendChild(bar); tr.appendChild(cell);
      tr.appendChild(el('td', 'error', t.error || ''));
      body.appendChild(tr);
    });
  }

  // ---- event log ----------------------------------------------------------
  function matches(row, filter) {
    return !filter || row.dataset.search.indexOf(filter) >= 0;
  }
  function logEvent(msg) {
    if (S.paused) {
      S.buffered.push(msg);
      if (S.buffered.length > MAX_BUFFER) { S.buffered.shift(); S.dropped++; }
      logStatus();
      return;
    }
    appendLog(msg);
  }
  function appendLog(msg) {
    var log = $('log');
    var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    var row = el('div', 'log-row');
    var detail = JSON.stringify(msg.event);
    row.dataset.target = msg.target; row.dataset.type = msg.type;
    row.dataset.search = (msg.target + ' ' + (msg.source || '') + ' ' + msg.type + ' ' + detail).toLowerCase();
    row.appendChild(el('time', 'muted', clock(msg.at) + ' '));
    row.appendChild(el('span', 'target', msg.target));
    if (msg.source) { row.appendChild(el('span', 'source', ' \u2190 ' + msg.source)); }
    row.appendChild(document.createTextNode(' '));
    row.appendChild(el('span', 'type', msg.type));
    row.appendChild(document.createTextNode(' '));
    row.appendChild(el('code', '', detail.length > 400 ? detail.slice(0, 400) + '\u2026' : detail));
    row.title = detail;
    if (!matches(row, $('log-filter').value.trim().toLowerCase())) row.classList.add('hidden');
    log.appendChild(row);
    while (log.childNodes.length > MAX_LOG) log.removeChild(log.firstChild);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
  function logStatus() {
    $('log-status').textContent = S.paused ? 'paused: ' + S.buffered.length + ' new' + (S.dropped ? ' (' + S.dropped + ' dropped)' : '') : '';
  }
  $('log-filter').addEventListener('input', function () {
    var f = this.value.trim().toLowerCase();
    Array.prototype.forEach.call($('log').childNodes, function (row) { row.classList.toggle('hidden', !matches(row, f)); });
  });
  $('log-pause').addEventListener('click', function () {
    S.paused = !S.paused;
    this.textContent = S.paused ? 'Resume' : 'Pause';
    if (!S.paused) { var queued = S.buffered; S.buffered = []; S.dropped = 0; queued.forEach(appendLog); }
    logStatus();
  });
  $('log-clear').addEventListener('click', function () { $('log').textContent = ''; });

  // Running tasks' bars grow while nothing else happens.
  setInterval(function () {
    var live = Object.keys(S.tasks).some(function (k) { return !S.tasks[k].doneAt; });
    if (live) renderTimeline();
  }, 1000);

  connect();
})();
`;
