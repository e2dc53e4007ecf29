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
