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

document.addEventListener("change", (event) => {
  const t = event.target;
  if (t.matches('input[data-testid="sheet"]') && t.files && t.files.length > 0) {
    t.form.requestSubmit();
  } else if (t.matches("input[data-field]")) {
    recheck(t);
  }
});
