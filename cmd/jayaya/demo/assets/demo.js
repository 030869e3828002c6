// JayayaCRM demo page: forms post in the background and the live parts of
// the page are swapped in whenever the server says a chat changed
// (server-sent events). Without this script the forms post and reload.
"use strict";

(function () {
  const panes = ["discord-feed", "discord-where", "slack-feed", "slack-where", "answers", "dms", "modal"];
  const problem = document.getElementById("problem");

  function params() {
    const q = new URLSearchParams();
    q.set("as", document.getElementById("as").value);
    q.set("client", document.getElementById("client").value);
    return q;
  }

  // Keep the acting staff member in every button's form.
  function syncStaff() {
    const as = document.getElementById("as").value;
    document.querySelectorAll("input.as-staff").forEach(function (i) { i.value = as; });
  }

  function atBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 40; }

  let loading = false, again = false;
  async function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const res = await fetch("/demo/panes?" + params().toString(), { headers: { "Accept": "application/json" } });
      if (!res.ok) return;
      const html = await res.json();
      for (const id of panes) {
        const el = document.getElementById(id);
        if (!el || html[id] === undefined || el.innerHTML === html[id]) continue;
        const keep = el.tagName === "SELECT" ? el.value : null;
        const stick = el.classList.contains("feed") && atBottom(el);
        el.innerHTML = html[id];
        if (keep !== null && Array.from(el.options).some(function (o) { return o.value === keep; })) el.value = keep;
        if (stick) el.scrollTop = el.scrollHeight;
      }
      syncStaff();
    } finally {
      loading = false;
      if (again) { again = false; refresh(); }
    }
  }

  // Forms post in the background; the page refreshes on the next change.
  document.addEventListener("submit", async function (ev) {
    const form = ev.target;
    ev.preventDefault();
    syncStaff();
    const action = (ev.submitter && ev.submitter.getAttribute("formaction")) || form.getAttribute("action");
    const body = new URLSearchParams(new FormData(form, ev.submitter));
    body.set("client", document.getElementById("client").value);
    if (!body.get("as")) body.set("as", document.getElementById("as").value);
    const buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    try {
      const res = await fetch(action, { method: "POST", body: body, headers: { "X-Demo-Script": "1" } });
      if (res.ok) {
        problem.hidden = true;
        const text = form.querySelector("textarea, input[name=text]");
        if (text) text.value = "";
      } else {
        problem.textContent = await res.text();
        problem.hidden = false;
      }
    } catch (e) {
      problem.textContent = "The demo is not answering: is jayaya demo still running?";
      problem.hidden = false;
    } finally {
      buttons.forEach(function (b) { b.disabled = false; });
      refresh();
    }
  });

  // Enter sends, Shift+Enter makes a new line.
  document.querySelectorAll(".compose textarea").forEach(function (t) {
    t.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); t.form.requestSubmit(); }
    });
  });
  document.getElementById("as").addEventListener("change", function () { syncStaff(); refresh(); });
  document.getElementById("client").addEventListener("change", refresh);

  document.querySelectorAll(".feed").forEach(function (f) { f.scrollTop = f.scrollHeight; });
  syncStaff();
  const events = new EventSource("/demo/events");
  events.addEventListener("change", refresh);
  events.addEventListener("open", refresh);
  document.body.dataset.live = "1";
})();
