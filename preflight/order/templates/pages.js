// The seller's pages: copy buttons, and the start page's checklist and link. No storage, no
// cookie: what the page knows is sent to preflight on loopback, nowhere else.
(() => {
  "use strict";
  const body = document.body;
  const status = (text) => {
    const out = document.querySelector(".status");
    if (out) out.textContent = text;
  };
  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    area.remove();
    return ok;
  }
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      const text = source ? source.textContent.trim() : "";
      let ok = false;
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch (e) {
        ok = fallbackCopy(text);
      }
      status(ok ? body.dataset.copied + " : " + text : body.dataset.copyFailed);
      button.dataset.copied = ok ? "yes" : "no";
    });
  }

  // --- « Mes commandes » -------------------------------------------------------------------
  const orders = document.getElementById("orders");
  if (orders) {
    const note = orders.querySelector("[role=status]");
    const send = async (path, number) => {
      const answer = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ number }),
        credentials: "same-origin", // the run's key, in its cookie (issue #25)
        cache: "no-store",
      });
      return answer.json();
    };
    const filter = (name) => {
      for (const button of orders.querySelectorAll("button[data-filter]")) {
        button.setAttribute("aria-pressed", String(button.dataset.filter === name));
      }
      for (const row of orders.querySelectorAll(".order")) {
        row.hidden = name !== "all" && row.dataset[name] !== "yes";
      }
    };
    for (const button of orders.querySelectorAll("button[data-filter]")) {
      button.addEventListener("click", () => filter(button.dataset.filter));
    }
    for (const button of orders.querySelectorAll("button[data-mark]")) {
      button.addEventListener("click", async () => {
        button.disabled = true;
        const said = await send("/api/commandes/attribuer", button.dataset.mark);
        const row = button.closest(".order");
        if (said.ok && row) {
          row.dataset.todo = "no";
          row.dataset.overdue = said.status === "overdue" ? "yes" : "no";
          row.querySelector("[data-testid=status]").textContent = said.status_text;
          row.querySelector("[data-testid=next]").textContent = said.next;
          button.remove();
        } else {
          button.disabled = false;
          note.textContent = said.message || "";
        }
      });
    }
    for (const button of orders.querySelectorAll("button[data-claim]")) {
      button.addEventListener("click", async () => {
        const said = await send("/api/commandes/reclamation", button.dataset.claim);
        note.textContent = said.message || "";
      });
    }
  }

  // --- start page ------------------------------------------------------------------------
  const form = document.getElementById("start");
  if (!form) return;
  const go = document.getElementById("go");
  const link = document.getElementById("link");
  const linkNote = document.getElementById("link-note");
  const phone = document.getElementById("phone");
  const phoneNote = document.getElementById("phone-note");
  let linkOk = false;
  let phoneOk = false;
  let target = "";
  const post = async (path, data) => {
    const answer = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(data),
      credentials: "same-origin", // the run's key, in its cookie (issue #25)
      cache: "no-store",
    });
    return answer.json();
  };
  const boxes = () => [...form.querySelectorAll("input[type=checkbox][data-item]")];
  function refresh() {
    // Unticked items do not stop the order: they are recorded as "no", as on the terminal.
    go.disabled = !(linkOk && form.dataset.ready === "yes");
  }
  async function checkLink() {
    const value = link.value.trim();
    if (!value) {
      linkOk = false;
      linkNote.textContent = "";
      refresh();
      return;
    }
    const answer = await post("/api/link", { link: value });
    linkOk = !!answer.ok;
    target = answer.ok ? value : "";
    linkNote.textContent = answer.message || "";
    linkNote.className = answer.ok ? "ok" : "bad";
    refresh();
  }
  async function checkPhone() {
    // The number goes to preflight once, to be checked; it is not kept, here or there.
    const value = phone.value;
    if (!value.trim()) {
      phoneOk = false;
      phoneNote.textContent = "";
      refresh();
      return;
    }
    const answer = await post("/api/phone", { phone: value });
    phoneOk = !!answer.ok;
    phoneNote.textContent = answer.message || "";
    phoneNote.className = answer.ok ? "ok" : "bad";
    const simWarning = document.getElementById("phone-warning");
    if (simWarning) {
      simWarning.textContent = answer.warning || "";
      simWarning.hidden = !answer.warning;
    }
    refresh();
  }
  // « Vérifier à nouveau »: the check runs again in preflight; its cards replace these, as
  // text (a check's message may quote a page or a file).
  const recheck = document.getElementById("recheck");
  const recheckNote = document.getElementById("recheck-note");
  const blocked = document.getElementById("go-blocked");
  function drawCards(answer) {
    const cards = document.getElementById("cards");
    cards.replaceChildren();
    for (const c of answer.cards) {
      const card = document.createElement("div");
      card.className = "check " + c.status;
      card.dataset.testid = "check-" + c.id;
      const title = document.createElement("b");
      title.textContent = c.symbol + " " + c.title;
      card.append(title, c.message);
      if (c.todo) {
        const todo = document.createElement("span");
        todo.className = "todo";
        todo.dataset.testid = "todo-" + c.id;
        todo.textContent = c.todo;
        card.append(todo);
      }
      cards.append(card);
    }
    const summary = document.querySelector("[data-testid=start-summary]");
    summary.textContent = answer.summary;
    summary.className = answer.ready ? "ok" : "bad";
    form.dataset.ready = answer.ready ? "yes" : "no";
    blocked.hidden = !!answer.ready;
    recheck.hidden = !!answer.ready;
  }
  if (recheck) {
    recheck.addEventListener("click", async () => {
      recheck.disabled = true;
      recheckNote.textContent = recheck.dataset.running;
      try {
        const answer = await post("/api/recheck", {});
        recheckNote.textContent = answer.ok ? "" : answer.message || "";
        if (answer.ok) drawCards(answer);
      } finally {
        recheck.disabled = false;
        refresh();
      }
    });
  }
  link.addEventListener("input", checkLink);
  phone.addEventListener("input", checkPhone);
  for (const box of boxes()) box.addEventListener("change", refresh);
  form.addEventListener("submit", (e) => e.preventDefault());
  go.addEventListener("click", async () => {
    if (go.disabled) return;
    const answers = {};
    for (const box of boxes()) answers[box.dataset.item] = box.checked;
    answers.phone_given = phoneOk;
    phone.value = "";
    const answer = await post("/api/go", { link: target, answers });
    if (answer.ok) location.assign(target);
    else {
      linkNote.textContent = answer.message || "";
      linkNote.className = "bad";
    }
  });
  if (link.value) checkLink();
  refresh();
})();
