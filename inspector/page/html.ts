/**
 * The built-in inspector page. It ships inside the package as a string (no
 * build step, nothing fetched from a CDN): its script and stylesheet are served
 * by the worker itself, and its Content-Security-Policy forbids anything else.
 */
export const inspectorHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>splai-worker inspector</title>
<link rel="stylesheet" href="/inspect/app.css">
</head>
<body>
<header>
  <h1>splai-worker inspector</h1>
  <span>supervisor: <strong id="supervisor-state" class="state-badge">…</strong></span>
  <span id="summary" class="muted"></span>
  <span id="conn" class="conn">connecting…</span>
</header>
<main>
  <section class="panel" id="actors-panel">
    <h2>Actors</h2>
    <ul id="actor-tree" class="tree"></ul>
    <h2>Supervisor history</h2>
    <ol id="supervisor-history" class="history"></ol>
  </section>
  <section class="panel" id="chart-panel">
    <h2>State chart</h2>
    <div id="chart-tabs" class="tabs" role="tablist"></div>
    <div id="chart-caption" class="muted"></div>
    <div id="chart" class="chart"></div>
    <h3>Context of <span id="context-name">…</span></h3>
    <pre id="context" class="context"></pre>
  </section>
  <section class="panel" id="timeline-panel">
    <h2>Task timeline</h2>
    <table id="timeline">
      <thead><tr><th>task</th><th>type</th><th>status</th><th>assigned</th><th>wait</th><th>run</th><th>total</th><th class="bar-col">timeline</th><th>error</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="panel" id="log-panel">
    <h2>Event log</h2>
    <div class="controls">
      <input id="log-filter" type="search" placeholder="filter by actor or event type" aria-label="filter events">
      <button id="log-pause" type="button">Pause</button>
      <button id="log-clear" type="button">Clear</button>
      <span id="log-status" class="muted"></span>
    </div>
    <div id="log" class="log"></div>
  </section>
</main>
<script src="/inspect/app.js"></script>
</body>
</html>
`;
