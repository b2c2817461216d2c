// Sign in with Plex: open plex.tv's approval page in a popup and notice when it is closed.
// The page itself follows the sign-in by polling its own status partial (htmx).
(function () {
  "use strict";
  var popup = null;
  var watcher = null;

  function openBlank() {
    // Opened during the click, so popup blockers allow it; the address comes after the POST.
    popup = window.open("about:blank", "plex-sign-in", "popup,width=540,height=740");
  }

  function follow(root) {
    var target = root.querySelector ? root.querySelector("[data-auth-url]") : null;
    if (!target) {
      // The sign-in form came back instead of a PIN (plex.tv did not answer): the page says
      // why, and the blank window has no use.
      var refused = root.id === "sign-in-area" && root.querySelector("#plex-sign-in");
      if (refused && popup && !popup.closed) { popup.close(); }
      return;
    }
    var url = target.getAttribute("data-auth-url");
    if (popup && !popup.closed) {
      popup.location.href = url;
    }
    if (watcher) { window.clearInterval(watcher); }
    watcher = window.setInterval(function () {
      if (!popup || popup.closed) {
        window.clearInterval(watcher);
        var notice = document.getElementById("popup-closed");
        var status = document.getElementById("pin-status");
        if (notice && status && status.hasAttribute("hx-get")) { notice.hidden = false; }
      }
    }, 500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("plex-done") && window.opener) {
      window.close();
      return;
    }
    // On the document, so a form swapped in again (after plex.tv did not answer) opens it too.
    document.addEventListener("submit", function (event) {
      if (event.target && event.target.id === "plex-sign-in") { openBlank(); }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) { follow(event.target); });
    // Full-page waiting view (no htmx swap): open the page when the user clicks the link.
  });
})();
