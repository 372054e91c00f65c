/* Okienko web chat.
   Posts the resident's messages to /api/chat/messages and shows the
   replies; replies that come later (a member of staff) arrive over
   server-sent events from /api/chat/events. The transcript lives in this
   tab's sessionStorage only, so a reload shows it and closing the tab
   forgets it; it is kept with the session's token, and a tab whose session
   changed (the conversation was erased, here or in another tab) drops it.
   Text is always inserted as text (never as HTML). */
(function () {
  'use strict';

  var doc = document;
  var root = doc.documentElement;
  var API = '/api/chat/';
  var KEY = 'okienko-transcript-v1';
  var ERASED_KEY = 'okienko-erased'; // in localStorage: tells the other tabs
  var MAX_ITEMS = 200;

  var TEXTS = JSON.parse(doc.getElementById('okienko-texts').textContent);
  var lang = TEXTS[root.lang] ? root.lang : 'pl';
  var csrf = meta('okienko-csrf');
  var fresh = meta('okienko-fresh') === '1';
  var maxChars = parseInt(meta('okienko-max'), 10) || 2000;
  var embedded = root.classList.contains('embed');

  var logEl = doc.getElementById('log');
  var statusEl = doc.getElementById('status');
  var alertEl = doc.getElementById('alert');
  var form = doc.getElementById('composer');
  var input = doc.getElementById('message');
  var counterEl = doc.getElementById('counter');

  var busy = false;
  var unread = 0;
  var events = null;
  var retryTimer = null;
  // The last message that failed: sent again unchanged, it keeps its id,
  // so that the server applies it once even if the first attempt arrived.
  var failed = null;

  function meta(name) {
    var m = doc.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute('content') : '';
  }

  function t(key, vars) {
    var s = (TEXTS[lang] && TEXTS[lang][key]) || TEXTS.pl[key] || '';
    if (vars) {
      Object.keys(vars).forEach(function (k) { s = s.split('{' + k + '}').join(String(vars[k])); });
    }
    return s;
  }

  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  /* ---- storage ---- */

  function storage(kind) {
    try {
      var s = window[kind];
      s.setItem('okienko-probe', '1');
      s.removeItem('okienko-probe');
      return s;
    } catch (e) {
      return null; // blocked (privacy settings): the chat works without it
    }
  }
  var tabStore = storage('sessionStorage');
  var prefStore = storage('localStorage');

  // state is this tab's transcript: its items, the id of the last staff
  // reply received, and the session (its CSRF token) they belong to.
  function loadState() {
    var empty = { items: [], last: '', sid: csrf };
    if (!tabStore) return empty;
    try {
      var s = JSON.parse(tabStore.getItem(KEY) || 'null');
      if (s && Array.isArray(s.items)) {
        return {
          items: s.items.filter(validItem),
          last: typeof s.last === 'string' ? s.last : '',
          sid: typeof s.sid === 'string' ? s.sid : csrf
        };
      }
    } catch (e) { /* unreadable: start afresh */ }
    return empty;
  }

  function validItem(it) {
    return it && typeof it.text === 'string' && (it.who === 'bot' || it.who === 'me' || it.who === 'centre');
  }

  function saveState() {
    if (!tabStore) return;
    state.sid = csrf;
    state.items = state.items.slice(-MAX_ITEMS);
    try { tabStore.setItem(KEY, JSON.stringify(state)); } catch (e) { /* full: keep going */ }
  }

  var state = loadState();

  /* ---- rendering ---- */

  // Web addresses and phone numbers become links (tel: for a tap to call).
  var LINKS = /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])|(\+?\d[\d \-]{1,16}\d)/g;

  function isPhone(s) {
    var digits = s.replace(/\D/g, '');
    return (digits.length >= 9 && digits.length <= 13) || /^(112|997|998|999|116\d{3})$/.test(digits);
  }

  function appendLine(parent, line) {
    var last = 0;
    var m;
    LINKS.lastIndex = 0;
    while ((m = LINKS.exec(line)) !== null) {
      var s = m[0];
      if (m[2] && !isPhone(s)) continue;
      if (m.index > last) parent.appendChild(doc.createTextNode(line.slice(last, m.index)));
      var a = el('a', null, s);
      if (m[1]) {
        a.href = s;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
      } else {
        a.href = 'tel:' + s.replace(/[^\d+]/g, '');
      }
      parent.appendChild(a);
      last = m.index + s.length;
    }
    if (last < line.length) parent.appendChild(doc.createTextNode(line.slice(last)));
  }

  function appendText(parent, text) {
    text.split(/\n{2,}/).forEach(function (para) {
      if (!para.trim()) return;
      var p = el('p');
      para.split('\n').forEach(function (line, i) {
        if (i > 0) p.appendChild(el('br'));
        appendLine(p, line);
      });
      parent.appendChild(p);
    });
  }

  function whoLabel(who) {
    return who === 'me' ? t('you') : who === 'centre' ? t('centre') : t('bot');
  }

  function renderItem(item) {
    var wrap = el('div', 'msg msg-' + item.who);
    var who = el('p', 'who');
    who.setAttribute('data-who', item.who);
    who.appendChild(el('span', 'name', whoLabel(item.who)));
    who.appendChild(el('span', 'sr-only', ':'));
    wrap.appendChild(who);
    var bubble = el('div', 'bubble');
    if (item.lang && item.who !== 'me') bubble.lang = item.lang;
    appendText(bubble, item.text);
    wrap.appendChild(bubble);
    if (item.choices && item.choices.length) {
      var group = el('div', 'choices');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', t('choices'));
      if (item.lang) group.lang = item.lang;
      item.choices.forEach(function (c) {
        if (!c || typeof c.id !== 'string' || typeof c.label !== 'string') return;
        var b = el('button', 'choice', c.label);
        b.type = 'button';
        b.setAttribute('data-choice', c.id);
        group.appendChild(b);
      });
      wrap.appendChild(group);
    }
    return wrap;
  }

  // Only the newest choices can be pressed; older ones are put away once
  // the resident answered or new ones came.
  function spendChoices() {
    var groups = logEl.querySelectorAll('.choices:not(.spent)');
    Array.prototype.forEach.call(groups, function (g) {
      g.classList.add('spent');
      Array.prototype.forEach.call(g.querySelectorAll('button'), function (b) { b.disabled = true; });
    });
    return groups;
  }

  function unspend(groups) {
    Array.prototype.forEach.call(groups || [], function (g) {
      g.classList.remove('spent');
      Array.prototype.forEach.call(g.querySelectorAll('button'), function (b) { b.disabled = false; });
    });
  }

  function show(item) {
    if (item.who === 'me' || (item.choices && item.choices.length)) spendChoices();
    var node = renderItem(item);
    logEl.appendChild(node);
    return node;
  }

  function add(item) {
    state.items.push(item);
    saveState();
    var node = show(item);
    reveal(node);
    return node;
  }

  // A note of the page's own in the conversation (not kept): text is a
  // key of TEXTS, so that it follows the language switch.
  function addNote(key, withRestart) {
    var note = el('div', 'note');
    var p = el('p', null, t(key));
    p.setAttribute('data-t', key);
    note.appendChild(p);
    if (withRestart) {
      var restart = el('button', 'choice restart', t('restart'));
      restart.setAttribute('data-t', 'restart');
      restart.type = 'button';
      note.appendChild(restart);
    }
    logEl.appendChild(note);
    reveal(note);
    return note;
  }

  // Scroll so that a new message can be read from its start.
  function reveal(node) {
    if (node.offsetHeight > logEl.clientHeight - 16) {
      logEl.scrollTop = node.offsetTop - 8;
    } else {
      logEl.scrollTop = logEl.scrollHeight;
    }
  }

  function setStatus(s) { statusEl.textContent = s; }

  function setAlert(s) {
    alertEl.textContent = s;
    alertEl.classList.toggle('shown', !!s);
  }

  function setBusy(on) {
    busy = on;
    statusEl.classList.toggle('typing', on);
    setStatus(on ? t('typing') : '');
  }

  /* ---- talking to the server ---- */

  function newId() {
    var a = new Uint8Array(12);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function wait(ms) { return new Promise(function (ok) { setTimeout(ok, ms); }); }

  // A proxy's "bad gateway", "unavailable" or "timeout": the message may
  // or may not have arrived, as when the network fails.
  function Unreachable(status) { this.status = status; }

  function post(body) {
    return fetch(API + 'messages', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Okienko-Csrf': csrf, 'X-Okienko-Lang': lang },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (res.status === 502 || res.status === 503 || res.status === 504) throw new Unreachable(res.status);
      return res.json().then(function (data) {
        return { status: res.status, data: data || {} };
      }, function (err) {
        // An answer cut short is an answer lost; an error page that is
        // not ours (a proxy's) still counts as a refusal.
        if (res.status === 200) throw err;
        return { status: res.status, data: {} };
      });
    });
  }

  // A message lost on the network (or at a proxy) is posted again with
  // the same id: the server applies it once, and answers the repeat with
  // the answer it gave, if it still has it. retried tells whether the
  // answer is to a repeat.
  function postPatiently(body) {
    var tries = 0;
    function go() {
      return post(body).then(function (r) {
        r.retried = tries > 0;
        return r;
      }, function (err) {
        tries++;
        if (tries >= 3) throw err;
        return wait(600 * tries).then(go);
      });
    }
    return go();
  }

  // refreshSession asks for the token of the session the browser's cookie
  // now names, and tells whether that is another session (the
  // conversation was erased in another tab, or the session expired).
  function refreshSession() {
    return fetch(API + 'session', { credentials: 'same-origin', headers: { 'X-Okienko-Lang': lang } })
      .then(function (res) { return res.json(); })
      .then(function (data) {
        if (!data || !data.csrf || data.csrf === csrf) return false;
        csrf = data.csrf;
        return true;
      });
  }

  // send posts a message; echo is what the resident's side shows (null for
  // commands); how is 'text', 'choice', 'start', 'start-button' or
  // 'erase'; origin is the button pressed, if any, for focus.
  function send(body, echo, how, origin) {
    if (busy) return false;
    setAlert('');
    var sig = how + '\n' + (body.text || body.choice || body.command || '');
    var again = !!failed && failed.sig === sig;
    body.id = again ? failed.id : newId();
    body.lang = lang;
    var spent = null;
    var echoItem = null;
    var echoNode = null;
    if (echo !== null) {
      spent = spendChoices();
      echoItem = { who: 'me', text: echo };
      echoNode = add(echoItem);
    }
    setBusy(true);
    var renewed = false;
    function attempt() {
      return postPatiently(body).then(function (r) {
        if (r.status === 403 && r.data.code === 'session' && !renewed) {
          renewed = true;
          return refreshSession().then(function (changed) {
            if (changed) {
              // Another session now (erased in another tab, or expired):
              // the message goes to it, without the old transcript.
              forgetTranscript();
              if (echoItem) echoNode = add(echoItem);
            }
            return attempt();
          });
        }
        return r;
      });
    }
    function undo(message) {
      failed = { sig: sig, id: body.id };
      if (echoNode) {
        // Remove the echo itself: a staff reply may have come meanwhile.
        echoNode.remove();
        var i = state.items.indexOf(echoItem);
        if (i >= 0) state.items.splice(i, 1);
        saveState();
        if (!logEl.querySelector('.choices:not(.spent)')) unspend(spent);
      }
      if (how === 'text' && !input.value) {
        input.value = echo;
        updateCounter();
      }
      setAlert(message);
      // Back where the resident can try again.
      if (how === 'choice' && origin && !origin.disabled && origin.offsetParent) {
        origin.focus();
      } else if (how === 'erase') {
        doc.getElementById('erase').focus();
      } else if (how !== 'start') {
        input.focus();
      }
    }
    attempt().then(function (r) {
      setBusy(false);
      if (r.status !== 200) {
        undo(r.data.error || t('failed'));
        return;
      }
      failed = null;
      if (r.data.erased) {
        if (r.data.csrf) csrf = r.data.csrf;
        forgetTranscript();
        tellOtherTabs();
      } else if (!events || events.readyState === EventSource.CLOSED) {
        // Not listening yet (a new conversation, or refused before it
        // existed): the conversation exists now.
        listen();
      }
      var replies = r.data.replies || [];
      var firstChoice = null;
      replies.forEach(function (rep) {
        var node = add({ who: 'bot', text: rep.text || '', choices: rep.choices || [], lang: rep.lang || '' });
        firstChoice = node.querySelector('button.choice') || firstChoice;
      });
      if (!replies.length && !r.data.erased && !r.data.repeat && (r.retried || again)) {
        // The first attempt arrived, but its answer got lost and this
        // server does not have it (another replica, or too late): say
        // so, rather than nothing.
        addNote('already_arrived');
      }
      if (how === 'choice' || how === 'erase' || how === 'start-button') {
        // The pressed button is gone: go on to the new answers, or write.
        var target = firstChoice && firstChoice.closest('.msg') === logEl.lastElementChild ? firstChoice : null;
        (target || input).focus();
      }
    }, function (err) {
      setBusy(false);
      undo(err instanceof Unreachable ? t('failed') : t('offline'));
    }).then(null, function () { setBusy(false); });
    return true;
  }

  // forgetTranscript drops what this tab shows and keeps of the
  // conversation (it was erased, or the session changed) and stops
  // listening: the new session has no conversation yet, and the server
  // opens a stream only for one; the next message starts listening.
  function forgetTranscript() {
    state.items = [];
    state.last = '';
    saveState();
    logEl.textContent = '';
    clearTimeout(retryTimer);
    if (events) events.close();
    events = null;
  }

  // tellOtherTabs lets this browser's other tabs of the chat know that the
  // conversation was erased, so that they drop it too.
  function tellOtherTabs() {
    if (!prefStore) return;
    try { prefStore.setItem(ERASED_KEY, newId()); } catch (e) { /* they drop it when they next post */ }
  }

  window.addEventListener('storage', function (e) {
    if (e.key !== ERASED_KEY || !e.newValue) return;
    forgetTranscript();
    addNote('erased_elsewhere', true);
    refreshSession();
  });

  /* ---- replies that come later (staff) ---- */

  // listen opens the event stream (in place of any open one).
  function listen() {
    if (!window.EventSource) return;
    clearTimeout(retryTimer);
    if (events) events.close();
    // The page's token opens the stream: a cookie alone does not.
    var url = API + 'events?t=' + encodeURIComponent(csrf) + (state.last ? '&after=' + encodeURIComponent(state.last) : '');
    var source = new EventSource(url);
    var slow = null;
    var down = false;
    events = source;
    source.addEventListener('reply', function (e) {
      var r;
      try { r = JSON.parse(e.data); } catch (x) { return; }
      if (!r || typeof r.text !== 'string') return;
      if (e.lastEventId) state.last = e.lastEventId;
      add({ who: 'centre', text: r.text, choices: r.choices || [], lang: r.lang || '' });
      if (doc.hidden) {
        unread++;
        doc.title = '(' + unread + ') ' + t('new_message') + ' — ' + t('title');
      }
    });
    source.addEventListener('open', function () {
      clearTimeout(slow);
      if (down) setStatus(t('connected'));
      down = false;
    });
    source.addEventListener('error', function () {
      if (source !== events) return; // replaced (the session changed)
      if (source.readyState === EventSource.CLOSED) {
        // Refused (no session yet, too many tabs): try again later.
        source.close();
        retryTimer = setTimeout(listen, 15000);
        return;
      }
      clearTimeout(slow);
      slow = setTimeout(function () {
        if (source === events && source.readyState !== EventSource.OPEN) {
          down = true;
          setStatus(t('reconnecting'));
        }
      }, 5000);
    });
  }

  doc.addEventListener('visibilitychange', function () {
    if (!doc.hidden && unread) {
      unread = 0;
      doc.title = t('title');
    }
  });

  /* ---- interface language and display ---- */

  function applyTexts() {
    root.lang = lang;
    doc.title = t('title');
    Array.prototype.forEach.call(doc.querySelectorAll('[data-t]'), function (e) { e.textContent = t(e.getAttribute('data-t')); });
    Array.prototype.forEach.call(doc.querySelectorAll('[data-t-placeholder]'), function (e) {
      e.setAttribute('placeholder', t(e.getAttribute('data-t-placeholder')));
    });
    Array.prototype.forEach.call(doc.querySelectorAll('.who'), function (w) {
      w.firstChild.textContent = whoLabel(w.getAttribute('data-who'));
    });
    Array.prototype.forEach.call(doc.querySelectorAll('.choices'), function (g) { g.setAttribute('aria-label', t('choices')); });
    Array.prototype.forEach.call(doc.querySelectorAll('[data-lang]'), function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-lang') === lang));
    });
    updateCounter();
  }

  function setLang(l) {
    if (!TEXTS[l]) return;
    lang = l;
    doc.cookie = 'okienko_lang=' + l + '; path=/; max-age=31536000; samesite=lax';
    applyTexts();
  }

  function toggle(id, cls) {
    var b = doc.getElementById(id);
    b.setAttribute('aria-pressed', String(root.classList.contains(cls)));
    b.addEventListener('click', function () {
      var on = root.classList.toggle(cls);
      b.setAttribute('aria-pressed', String(on));
      if (prefStore) {
        try { prefStore.setItem('okienko-' + cls, on ? '1' : '0'); } catch (e) { /* not kept */ }
      }
    });
  }

  function chars(s) { return Array.from(s).length; }

  function updateCounter() {
    var n = chars(input.value);
    counterEl.textContent = n > maxChars * 0.8 ? t('counter', { n: n, max: maxChars }) : '';
    counterEl.classList.toggle('over', n > maxChars);
  }

  /* ---- wiring ---- */

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) {
      setAlert(t('empty'));
      input.focus();
      return;
    }
    if (chars(text) > maxChars) {
      setAlert(t('too_long', { n: chars(text), max: maxChars }));
      return;
    }
    if (send({ text: text }, text, 'text')) {
      input.value = '';
      updateCounter();
    }
  });

  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });
  // In the widget's panel, Escape anywhere in the chat closes the panel
  // (the page around it listens; the message carries nothing else).
  doc.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && embedded && window.parent !== window) {
      window.parent.postMessage('okienko:close', '*');
    }
  });
  input.addEventListener('input', updateCounter);

  logEl.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('button') : null;
    if (!b || b.disabled) return;
    if (b.classList.contains('restart')) {
      var note = b.closest('.note');
      if (send({ command: 'start' }, null, 'start-button') && note) note.remove();
    } else if (b.classList.contains('choice')) {
      send({ choice: b.getAttribute('data-choice') }, b.textContent, 'choice', b);
    }
  });

  doc.getElementById('erase').addEventListener('click', function () {
    if (window.confirm(t('erase_confirm'))) send({ command: 'erase' }, null, 'erase');
  });

  Array.prototype.forEach.call(doc.querySelectorAll('[data-lang]'), function (b) {
    b.addEventListener('click', function () { setLang(b.getAttribute('data-lang')); });
  });
  toggle('larger', 'large');
  toggle('contrast', 'contrast');

  /* ---- start ---- */

  if (fresh || state.sid !== csrf) {
    // A new session, or another one than this tab's transcript belongs
    // to (the conversation was erased in another tab): drop it.
    state = { items: [], last: '', sid: csrf };
    saveState();
  }
  if (state.items.length) {
    // Restoring up to MAX_ITEMS messages at once: screen readers should
    // not read them all out as new.
    logEl.setAttribute('aria-busy', 'true');
    state.items.forEach(show);
    logEl.scrollTop = logEl.scrollHeight;
    setTimeout(function () { logEl.removeAttribute('aria-busy'); }, 0);
  }
  applyTexts();
  if (!state.items.length && fresh) {
    // A new session: the greeting starts the conversation, and its answer
    // starts listening (the server opens streams only for conversations).
    send({ command: 'start' }, null, 'start');
  } else {
    if (!state.items.length) addNote('welcome_back', true);
    // Without a conversation yet (erased in another tab, expired), the
    // first message starts listening.
    if (meta('okienko-talking') === '1') listen();
  }
  if (embedded) input.focus();
})();
