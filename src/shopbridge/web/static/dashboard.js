// The dashboard's buttons: each POSTs to the JSON API with the acting person, then reloads.
"use strict";

// Remember who is acting between page loads (the name is recorded in the audit trail).
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("actor");
  if (field && !field.value) {
    field.value = window.localStorage.getItem("shopbridge.actor") || "";
  }
  if (field) {
    field.addEventListener("change", () => window.localStorage.setItem("shopbridge.actor", field.value.trim()));
  }
});

function actor() {
  const field = document.getElementById("actor");
  const name = field ? field.value.trim() : "";
  if (name) {
    window.localStorage.setItem("shopbridge.actor", name);
  }
  return name || "dashboard";
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
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
    return reason ? { actor: actor(), reason: reason } : null;
  }
  return { actor: actor(), note: "" };
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
