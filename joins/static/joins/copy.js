// The invite link's Copy button: copies the text field named by data-copy.
"use strict";

(function () {
  const button = document.getElementById("copy-invite");
  if (!button) {
    return;
  }
  button.addEventListener("click", async () => {
    const field = document.getElementById(button.dataset.copy);
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Copied";
    } catch (error) {
      button.textContent = "Press Ctrl+C to copy";
    }
  });
})();
