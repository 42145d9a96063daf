// loopbatch's page: behaviour attached by data-* hooks, no inline script.
"use strict";

function parse(html) {
  const t = document.createElement("template");
  t.innerHTML = html.trim(); // the server escaped every value
  return t.content.firstElementChild;
}

async function recheck(input) {
  const table = input.closest("table[data-sheet-id]");
  const tr = input.closest("tr");
  if (!table || !tr) return;
  tr.dataset.checking = "true";
  const body = new URLSearchParams({
    sheet: input.dataset.sheet,
    row: input.dataset.row,
    field: input.dataset.field,
    value: input.value,
  });
  try {
    const r = await fetch("/feuille/" + encodeURIComponent(table.dataset.sheetId) + "/cellule", {
      method: "POST",
      body: body,
      credentials: "same-origin",
    });
    if (!r.ok) throw new Error(r.status);
    const answer = await r.json();
    const summary = document.getElementById("summary");
    if (summary) summary.replaceWith(parse(answer.summary));
    for (const row of answer.rows) {
      const old = table.querySelector('tr[data-index="' + row.index + '"]');
      if (old) old.replaceWith(parse(row.html));
    }
  } catch (e) {
    delete tr.dataset.checking;
    tr.classList.add("failed");
  }
}

// An error page's « back »: to the page before (the sheet being fixed
// keeps its fixes in the server); without a page before, home.
document.addEventListener("click", (event) => {
  const a = event.target.closest && event.target.closest("a[data-back]");
  if (a && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

document.addEventListener("change", (event) => {
  const t = event.target;
  if (t.matches('input[data-testid="sheet"]') && t.files && t.files.length > 0) {
    t.form.requestSubmit();
  } else if (t.matches("input[data-field]")) {
    recheck(t);
  }
});

// A run going: the server pushes its progress; the page follows it and
// shows the results when it ends (a reload finds the run where it is).
function follow() {
  const p = document.querySelector('[data-testid="progress"]');
  if (!p || !["running", "paused"].includes(p.dataset.state)) return;
  const source = new EventSource("/execution/" + encodeURIComponent(p.dataset.run) + "/evenements");
  source.addEventListener("progress", (event) => {
    const s = JSON.parse(event.data);
    p.dataset.done = s.done;
    p.dataset.total = s.total;
    p.dataset.state = s.state;
    const bar = p.querySelector("progress");
    if (bar) { bar.max = Math.max(s.total, 1); bar.value = s.done; }
    // Each figure's whole sentence, labels included, as the server says it.
    for (const [id, value] of Object.entries(s.texts || {})) {
      const e = p.querySelector("#" + id);
      if (e) { e.textContent = value; e.hidden = value === ""; }
    }
    if (!["running", "paused"].includes(s.state)) {
      source.close();
      window.location.reload();
    }
  });
}
follow();
