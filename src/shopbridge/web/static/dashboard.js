// The dashboard's buttons: each POSTs to the JSON API with the acting person, then reloads.
"use strict";

function actor() {
  const field = document.getElementById("actor");
  return field && field.value.trim() ? field.value.trim() : "dashboard";
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
