// Sharing console: confirmation links open their native <dialog> instead of the
// confirmation page they point to (which is what happens without JavaScript).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const opener = event.target.closest("[data-dialog]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.dialog);
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    const closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      event.preventDefault();
      closer.closest("dialog").close();
    }
  });
  // A confirmed action sent with htmx answers with its live status, shown on the page:
  // the dialog it was confirmed in has done its job.
  document.addEventListener("htmx:afterRequest", function (event) {
    const dialog = event.target.closest && event.target.closest("dialog");
    if (dialog && dialog.open) {
      dialog.close();
    }
  });
  // A confirmation the server asked for in an htmx answer (a matrix cell whose library turned
  // out to be the person's last one) arrives as a <dialog data-open>: show it.
  document.addEventListener("htmx:load", function (event) {
    const root = event.target;
    const found = root.matches && root.matches("dialog[data-open]")
      ? [root]
      : Array.from(root.querySelectorAll ? root.querySelectorAll("dialog[data-open]") : []);
    found.forEach(function (dialog) {
      dialog.removeAttribute("data-open");
      if (typeof dialog.showModal === "function") {
        dialog.showModal();
      }
    });
  });
})();
