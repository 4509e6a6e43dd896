// Hover, focus or tap a state, county or chart point to read its number. Pages work without this.
(function () {
  "use strict";
  var tip = document.getElementById("tip");
  if (!tip) { return; }
  var pinned = null;
  function show(target, x, y) {
    tip.textContent = target.getAttribute("data-tip");
    tip.hidden = false;
    var left = Math.min(x + 12, window.innerWidth - tip.offsetWidth - 8);
    var top = y - tip.offsetHeight - 12;
    tip.style.left = Math.max(8, left) + "px";
    tip.style.top = (top < 8 ? y + 16 : top) + "px";
  }
  function hide() { tip.hidden = true; pinned = null; }
  function tipped(node) { return node && node.closest ? node.closest("[data-tip]") : null; }
  document.addEventListener("pointermove", function (e) {
    var target = tipped(e.target);
    if (target && e.pointerType === "mouse") { show(target, e.clientX, e.clientY); }
    else if (!pinned && e.pointerType === "mouse") { tip.hidden = true; }
  });
  document.addEventListener("focusin", function (e) {
    var target = tipped(e.target);
    if (!target) { return; }
    var box = target.getBoundingClientRect();
    show(target, box.left + box.width / 2, box.top);
  });
  document.addEventListener("focusout", hide);
  document.addEventListener("click", function (e) {
    var target = tipped(e.target);
    if (!target || e.pointerType === "mouse" || e.detail === 0) { return; }
    // On a touch screen the first tap on a state shows its number; a second tap follows the link.
    if (pinned !== target) {
      pinned = target;
      show(target, e.clientX, e.clientY);
      if (target.tagName.toLowerCase() === "a") { e.preventDefault(); }
    }
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { hide(); } });
}());
