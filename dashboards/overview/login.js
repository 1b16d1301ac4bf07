// Trades the key for an HttpOnly session cookie, then opens the overview (keeping its query).
const form = document.getElementById("login");
const error = document.getElementById("login-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const key = form.elements.key.value.trim();
  try {
    const res = await fetch("/v1/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key }),
      credentials: "same-origin",
    });
    if (res.ok) {
      location.assign(`/${location.search}`);
      return;
    }
    const problem = await res.json().catch(() => ({}));
    error.textContent =
      res.status === 401
        ? "That is not a valid API key."
        : problem.detail || `Sign-in failed (${res.status}).`;
  } catch {
    error.textContent = "The API does not answer; is it running?";
  }
  error.hidden = false;
});
