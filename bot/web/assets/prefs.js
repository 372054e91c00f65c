/* Okienko: apply the resident's display preferences (larger text, high
   contrast) before the page is drawn, so it never flashes without them. */
(function () {
  'use strict';
  var root = document.documentElement;
  try {
    var s = window.localStorage;
    var large = s.getItem('okienko-large');
    var contrast = s.getItem('okienko-contrast');
    if (large === '1') root.classList.add('large');
    if (contrast === '1' || (contrast === null && window.matchMedia &&
        window.matchMedia('(prefers-contrast: more)').matches)) {
      root.classList.add('contrast');
    }
  } catch (e) { /* storage blocked: defaults */ }
})();
