/* Okienko widget. One tag on any page of the Centre's site:

     <script src="https://czat.cus.example.pl/widget.js" defer></script>

   adds a "Porozmawiaj z Okienkiem" button that opens the chat in a panel.
   Optional attributes: data-lang="pl|uk|en" (default: the page's lang).
   The chat opens (and sets its cookie) only when the resident asks for it.
   The Centre's site must be allowed to frame the chat (OKIENKO_WEB_ORIGINS)
   unless both are on one origin. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.okienkoWidget) return;
  window.okienkoWidget = true;

  var VERSION = "__OKIENKO_VERSION__";
  var TEXTS = "__OKIENKO_TEXTS__";
  var base = new URL(script.src, window.location.href).origin;
  var lang = (script.getAttribute('data-lang') || document.documentElement.lang || 'pl').slice(0, 2).toLowerCase();
  if (lang === 'ru' || lang === 'be') lang = 'uk';
  if (!TEXTS[lang]) lang = 'pl';
  var T = TEXTS[lang];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function start() {
    var css = el('link');
    css.rel = 'stylesheet';
    css.href = base + '/assets/widget.css?v=' + VERSION;
    document.head.appendChild(css);

    var launcher = el('button', 'okienko-launcher');
    launcher.type = 'button';
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-controls', 'okienko-panel');
    var icon = el('img');
    icon.src = base + '/assets/okienko.svg?v=' + VERSION;
    icon.alt = '';
    launcher.appendChild(icon);
    launcher.appendChild(el('span', null, T.launcher));

    var panel = el('div', 'okienko-panel');
    panel.id = 'okienko-panel';
    panel.hidden = true;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-labelledby', 'okienko-panel-title');
    panel.lang = lang;
    var bar = el('div', 'okienko-bar');
    var title = el('h2', 'okienko-title', 'Okienko');
    title.id = 'okienko-panel-title';
    var newWindow = el('a', null, T.open_window);
    newWindow.href = base + '/chat?lang=' + lang;
    newWindow.target = '_blank';
    newWindow.rel = 'noopener';
    var close = el('button', 'okienko-close');
    close.type = 'button';
    close.setAttribute('aria-label', T.close);
    close.appendChild(el('span', null, '\u00d7')).setAttribute('aria-hidden', 'true');
    bar.appendChild(title);
    bar.appendChild(newWindow);
    bar.appendChild(close);
    panel.appendChild(bar);

    var frame = null;

    function open() {
      if (!frame) {
        frame = el('iframe', 'okienko-frame');
        frame.title = T.log;
        frame.src = base + '/chat?embed=1&lang=' + lang;
        panel.appendChild(frame);
      }
      panel.hidden = false;
      launcher.setAttribute('aria-expanded', 'true');
      frame.focus();
    }

    function shut() {
      panel.hidden = true;
      launcher.setAttribute('aria-expanded', 'false');
      launcher.focus();
    }

    launcher.addEventListener('click', open);
    close.addEventListener('click', shut);
    panel.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') shut();
    });
    // Escape pressed inside the chat's frame.
    window.addEventListener('message', function (e) {
      if (e.origin === base && e.data === 'okienko:close' && !panel.hidden) shut();
    });

    document.body.appendChild(launcher);
    document.body.appendChild(panel);
  }

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
