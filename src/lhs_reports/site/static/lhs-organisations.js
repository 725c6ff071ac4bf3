/* lhs-reports: filter the home page's list of organisations as one types.
   Without this script the list is a plain list of links and the box stays hidden. The number
   of matches is announced (aria-live) so a screen reader user hears the result of typing. */
(function () {
  "use strict";
  function normalise(text) {
    return text.toLocaleLowerCase("en-GB").replace(/\s+/g, " ").trim();
  }
  function setUp(root) {
    var box = root.querySelector(".lhs-org-filter");
    var input = root.querySelector("input[type=search]");
    var count = root.querySelector(".lhs-org-count");
    var items = Array.prototype.slice.call(root.querySelectorAll("li"));
    if (!box || !input || !count) { return; }
    function update() {
      var wanted = normalise(input.value);
      var shown = 0;
      items.forEach(function (item) {
        var match = !wanted || normalise(item.textContent).indexOf(wanted) !== -1;
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = wanted
        ? shown + (shown === 1 ? " organisation matches" : " organisations match")
        : items.length + (items.length === 1 ? " organisation" : " organisations");
    }
    input.addEventListener("input", update);
    update();  // before the box shows, so the count is not announced on arrival
    box.hidden = false;
  }
  function start() {
    Array.prototype.forEach.call(
      document.querySelectorAll("[data-lhs-org-search]"), setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
