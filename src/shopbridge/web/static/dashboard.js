// The dashboard's buttons: each POSTs to the JSON API (as the signed-in user), then reloads.
"use strict";

// The session's CSRF token, which every state-changing request must carry (see web/auth.py).
function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.error || response.statusText);
  }
  return data;
}

function bodyFor(button) {
  if (button.classList.contains("ignore")) {
    const reason = window.prompt("Why ignore this problem?");
    return reason ? { reason: reason } : null;
  }
  return { note: "" };
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-url]");
  if (!button) {
    return;
  }
  const body = bodyFor(button);
  if (body === null) {
    return;
  }
  button.disabled = true;
  try {
    await post(button.dataset.url, body);
    window.location.reload();
  } catch (error) {
    document.getElementById("message").textContent = error.message;
    button.disabled = false;
  }
});

// Live parts: an element with data-refresh-seconds is re-read from the server every so often and
// swapped in place (the same page, fetched again, keeping the user's ticked boxes).
function keepTicked(fresh) {
  document.querySelectorAll("input[type=checkbox][name][value]:checked").forEach((box) => {
    const twin = fresh.querySelector(`input[name="${box.name}"][value="${box.value}"]`);
    if (twin) {
      twin.checked = true;
    }
  });
}

async function refresh(element) {
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (response.ok && response.url === window.location.href) {
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById(element.id);
      if (fresh) {
        keepTicked(fresh);
        element.innerHTML = fresh.innerHTML;
      }
    }
  } finally {
    schedule(element);
  }
}

function schedule(element) {
  const seconds = Number(element.dataset.refreshSeconds) || 10;
  window.setTimeout(() => refresh(element), seconds * 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-refresh-seconds][id]").forEach(schedule);
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll('input[name="problem_id"]').forEach((box) => {
        box.checked = all.checked;
      });
    });
  }
});
