/** Stylesheet of the built-in inspector page (system fonts only: nothing to download). */
export const inspectorCss = `
:root { --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #6b7280; --line: #d5d9e0; --accent: #2563eb; --ok: #15803d; --bad: #b91c1c; --warn: #b45309; --active: #fde68a; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; gap: 18px; align-items: center; padding: 8px 14px; background: #1d2330; color: #fff; }
header h1 { font-size: 15px; margin: 0; }
header .muted { color: #b8c0cc; }
header .state-badge { color: var(--ink); }
.conn { margin-left: auto; padding: 2px 8px; border-radius: 10px; background: #555; }
.conn.ok { background: var(--ok); }
.conn.bad { background: var(--bad); }
main { display: grid; grid-template-columns: minmax(230px, 0.7fr) minmax(480px, 3fr); grid-template-areas: "actors chart" "timeline timeline" "log log"; gap: 10px; padding: 10px; }
#actors-panel { grid-area: actors; } #chart-panel { grid-area: chart; } #timeline-panel { grid-area: timeline; } #log-panel { grid-area: log; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 0; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 4px 0 8px; }
h3 { font-size: 12px; color: var(--muted); margin: 10px 0 4px; }
.muted { color: var(--muted); }
.tree, .tree ul { list-style: none; margin: 0; padding-left: 14px; }
.tree { padding-left: 0; }
.actor { padding: 2px 0; }
.actor > .row { display: inline-flex; gap: 6px; align-items: baseline; padding: 1px 6px; border-radius: 4px; cursor: pointer; }
.actor > .row:hover { background: #eef2ff; }
.actor.selected > .row { outline: 2px solid var(--accent); }
.actor .machine { color: var(--muted); font-size: 11px; }
.state-badge { display: inline-block; padding: 0 6px; border-radius: 4px; background: #e5e7eb; font-family: ui-monospace, monospace; font-size: 12px; }
.flash { animation: flash 1.2s ease-out; }
@keyframes flash { from { background: var(--active); box-shadow: 0 0 0 3px var(--active); } to { background: #e5e7eb; box-shadow: none; } }
.history { margin: 0; padding-left: 22px; max-height: 220px; overflow: auto; font-family: ui-monospace, monospace; font-size: 12px; }
.history time { color: var(--muted); margin-left: 6px; }
.tabs { display: flex; gap: 4px; flex-wrap: wrap; margin-bottom: 6px; }
.tabs button { border: 1px solid var(--line); background: #fff; border-radius: 4px; padding: 2px 10px; cursor: pointer; font: inherit; }
.tabs button[aria-selected="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
.chart { position: relative; overflow: auto; padding: 6px; min-height: 120px; }
.chart svg.arrows { position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible; }
.chart svg.arrows path { fill: none; stroke: #64748b; stroke-width: 1.3; }
.chart svg.arrows text { font-size: 10px; fill: #334155; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.state { position: relative; border: 1.5px solid #94a3b8; border-radius: 8px; background: #fff; padding: 4px 8px 6px; min-width: 96px; transition: background .3s, border-color .3s; z-index: 1; }
.state.root { border: 1px dashed var(--line); background: transparent; }
.state.initial::before { content: "▶"; position: absolute; left: -14px; top: 4px; color: var(--muted); font-size: 10px; }
.state-final { border-style: double; border-width: 4px; }
.state.active { background: var(--active); border-color: var(--warn); }
.state.active > .state-head .state-name { font-weight: 700; }
.state-head { display: flex; gap: 6px; align-items: baseline; }
.state-name { font-family: ui-monospace, monospace; }
.tag { font-size: 10px; color: var(--muted); }
.invoke, .note { font-size: 10.5px; color: var(--muted); white-space: nowrap; }
.invoke { color: #7c3aed; }
.substates { display: flex; gap: 72px; align-items: flex-start; padding: 10px 6px 4px 16px; }
.rank { display: flex; flex-direction: column; align-items: flex-start; gap: 44px; }
.context { max-height: 240px; overflow: auto; background: #f8fafc; border: 1px solid var(--line); padding: 6px; margin: 0; font-size: 11.5px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
td.error { white-space: normal; color: var(--bad); max-width: 420px; }
.bar-col { width: 30%; }
.bar { position: relative; height: 10px; background: #f1f5f9; border-radius: 3px; min-width: 160px; }
.bar span { position: absolute; top: 0; height: 10px; border-radius: 2px; }
.bar .wait { background: #cbd5e1; } .bar .run { background: var(--accent); } .bar .report { background: #93c5fd; }
tr[data-status="Failed"] .run { background: var(--bad); }
.status { font-weight: 600; }
.status-Completed { color: var(--ok); } .status-Failed { color: var(--bad); } .status-running, .status-assigned, .status-reporting { color: var(--warn); } .status-Abandoned { color: var(--muted); }
.controls { display: flex; gap: 6px; align-items: center; margin-bottom: 6px; }
.controls input { flex: 0 1 320px; padding: 3px 6px; font: inherit; }
.controls button { font: inherit; padding: 2px 10px; }
.log { max-height: 320px; overflow: auto; font-family: ui-monospace, monospace; font-size: 11.5px; }
.log-row { padding: 1px 0; border-bottom: 1px solid #f3f4f6; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.log-row .target { color: var(--accent); } .log-row .source { color: var(--muted); } .log-row .type { font-weight: 600; }
.log-row code { color: #475569; }
.hidden { display: none; }
`;
