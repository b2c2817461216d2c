// Sign in with Plex, simulated: reads the app.plex.tv fragment (#?clientID=…&code=…&forwardUrl=…),
// signs in through /api/v2/users/signin and approves the PIN through the control API.
"use strict";

(function () {
  const hash = window.location.hash;
  const query = hash.indexOf("?") >= 0 ? hash.slice(hash.indexOf("?") + 1) : "";
  const params = new URLSearchParams(query);
  const clientID = params.get("clientID") || "";
  const code = params.get("code") || "";
  const forwardUrl = params.get("forwardUrl") || "";
  const product = params.get("context[device][product]") || "this app";
  let token = "";
  let login = "";

  const $ = (id) => document.getElementById(id);

  function show(id, visible) {
    $(id).hidden = !visible;
  }

  function say(text) {
    $("message").textContent = text;
    show("message", Boolean(text));
  }

  function choose(account) {
    $("login").value = account.username || account.email || "";
    show("code-row", Boolean(account.twoFactor));
    show("signin", true);
    $("password").focus();
  }

  async function loadAccounts() {
    const response = await fetch("/__sim__/accounts");
    const accounts = await response.json();
    const list = $("accounts");
    for (const account of accounts) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = account.title + (account.email ? " (" + account.email + ")" : "");
      button.addEventListener("click", () => choose(account));
      item.appendChild(button);
      list.appendChild(item);
    }
  }

  async function signIn(event) {
    event.preventDefault();
    say("");
    const form = new URLSearchParams();
    login = $("login").value.trim();
    form.set("login", login);
    form.set("password", $("password").value);
    if ($("code").value.trim()) {
      form.set("verificationCode", $("code").value.trim());
    }
    const response = await fetch("/api/v2/users/signin", {
      method: "POST",
      headers: {
        "Accept": "application/json",
        "X-Plex-Client-Identifier": "plexsim-auth-page",
        "X-Plex-Product": "Plex Web",
      },
      body: form,
    });
    const body = await response.json();
    if (response.ok) {
      token = body.authToken;
      $("who").textContent = body.title || login;
      show("signin", false);
      show("pick", false);
      show("approve", true);
      return;
    }
    const error = (body.errors && body.errors[0]) || {};
    if (error.code === 1029) {
      show("code-row", true);
      $("code").focus();
    }
    say(error.message || "Sign-in failed");
  }

  async function signUp(event) {
    event.preventDefault();
    say("");
    const form = new URLSearchParams();
    form.set("email", $("new-email").value.trim());
    form.set("username", $("new-username").value.trim());
    form.set("password", $("new-password").value);
    const response = await fetch("/api/v2/users", {
      method: "POST",
      headers: {
        "Accept": "application/json",
        "X-Plex-Client-Identifier": "plexsim-auth-page",
        "X-Plex-Product": "Plex Web",
      },
      body: form,
    });
    const body = await response.json();
    if (!response.ok) {
      const error = (body.errors && body.errors[0]) || {};
      say(error.message || "Could not create the account");
      return;
    }
    token = body.authToken;
    $("who").textContent = body.title || body.username;
    show("signin", false);
    show("signup", false);
    show("pick", false);
    show("approve", true);
  }

  async function approve() {
    say("");
    const response = await fetch("/__sim__/pins/" + encodeURIComponent(code) + "/approve", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token }),
    });
    if (!response.ok) {
      const body = await response.json();
      say(body.error || "Approval failed");
      return;
    }
    show("approve", false);
    if (forwardUrl) {
      window.location.assign(forwardUrl);
    } else {
      show("done", true);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("product").textContent = product;
    $("request").textContent = code
      ? "Request from " + product + (clientID ? " (" + clientID + ")" : "")
      : "No PIN code in the address: open this page from an app's sign-in link.";
    $("signin").addEventListener("submit", signIn);
    $("approve-button").addEventListener("click", approve);
    $("signup").addEventListener("submit", signUp);
    show("signin", true);
    show("signup", true);
    loadAccounts().catch(() => say("Could not load the simulated accounts"));
  });
})();
