// CryptoSphere web interface: plain JavaScript, no build step, no library.
// Rule: text from the network (messages, names, errors) only ever reaches the page through
// textContent or text nodes, never innerHTML, so a message full of HTML shows as the characters it is.
'use strict';

(() => {
  const PAGE = 50;
  const byId = (id) => document.getElementById(id);

  // ---- DOM helpers -------------------------------------------------------------------------

  /** Creates an element; props: text, class, on* handlers, anything else as an attribute. Strings among children become text nodes. */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') e.textContent = String(value);
      else if (key === 'class') e.className = value;
      else if (key.startsWith('on')) e.addEventListener(key.slice(2), value);
      else e.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child !== undefined && child !== null && child !== false) e.append(child);
    }
    return e;
  }

  function badge(security) {
    const label = security === 'unencrypted' ? 'unencrypted, unverified' : security;
    return el('span', { class: 'badge ' + security, text: label });
  }

  function clockTime(iso) {
    const d = new Date(iso);
    const now = new Date();
    const sameDay = d.toDateString() === now.toDateString();
    return sameDay
      ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }

  function ago(iso) {
    const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    if (seconds < 10) return 'just now';
    if (seconds < 60) return Math.round(seconds) + ' s ago';
    if (seconds < 3600) return Math.round(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.round(seconds / 3600) + ' h ago';
    return new Date(iso).toLocaleDateString();
  }

  function toast(text, isError) {
    const t = el('div', { class: 'toast' + (isError ? ' error' : ''), role: isError ? 'alert' : 'status', text });
    byId('toasts').append(t);
    setTimeout(() => t.remove(), isError ? 8000 : 4000);
  }

  function debounce(fn, ms) {
    let timer = null;
    return () => {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  // ---- API ---------------------------------------------------------------------------------

  class LockedError extends Error {}

  /** JSON API call. Changes carry X-CryptoSphere, which another site cannot add without our consent. */
  async function api(method, path, body) {
    const init = { method, headers: {}, credentials: 'same-origin', cache: 'no-store' };
    if (method !== 'GET') init.headers['X-CryptoSphere'] = '1';
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch('/api' + path, init);
    if (response.status === 401) {
      lock();
      throw new LockedError('access ended');
    }
    const type = response.headers.get('content-type') || '';
    const data = type.includes('json') ? await response.json() : null;
    if (!response.ok) throw new Error((data && data.error) || response.status + ' ' + response.statusText);
    return data;
  }

  /** Runs an action from a button or form; reports its error instead of throwing. */
  async function attempt(action) {
    try {
      return await action();
    } catch (e) {
      if (!(e instanceof LockedError)) toast(e.message, true);
      return undefined;
    }
  }

  function lock() {
    byId('locked').hidden = false;
    setLive('offline', 'no access');
  }

  // ---- state -------------------------------------------------------------------------------

  const state = {
    me: null,
    view: 'chats',
    conversations: [],
    unread: new Set(),
    // The open conversation: id is null for a new chat that has no conversation yet (to = what was typed).
    current: null,
    messages: [], // sorted as the store sorts them
    nodes: new Map(), // message id -> <li>
    // Received messages the node said arrived late (a mailbox handed them over after newer ones): only the live event
    // says so, the store does not keep it, so the note lasts as long as the page.
    late: new Set(),
    more: false,
    loadingOlder: false,
  };

  // ---- header, tabs ------------------------------------------------------------------------

  function setLive(kind, text) {
    const live = byId('live');
    live.dataset.state = kind;
    live.textContent = text;
  }

  function showView(view) {
    state.view = view;
    for (const button of byId('tabs').querySelectorAll('button')) {
      if (button.dataset.view === view) button.setAttribute('aria-current', 'page');
      else button.removeAttribute('aria-current');
    }
    for (const section of document.querySelectorAll('main > .view')) section.hidden = section.id !== 'view-' + view;
    refreshView();
  }

  function refreshView() {
    switch (state.view) {
      case 'peers': return attempt(loadPeers);
      case 'contacts': return attempt(loadContacts);
      case 'groups': return attempt(loadGroups);
      case 'mailboxes': return attempt(loadMailboxes);
      case 'me': return attempt(loadMe);
      case 'files': return attempt(loadTransfers);
      default: return attempt(loadConversations);
    }
  }

  async function loadMe() {
    const me = await api('GET', '/me');
    state.me = me;
    byId('me-summary').textContent = me.name + ' · ' + me.short + ' · ' + me.address;
    byId('me-name').textContent = me.name;
    byId('me-address').textContent = me.address;
    byId('me-id').textContent = me.peerId;
    if (!byId('me-qr').getAttribute('src')) byId('me-qr').setAttribute('src', '/api/me/qr.png');
    byId('me-invite').textContent = me.invite;
    if (!byId('invite-qr').getAttribute('src')) byId('invite-qr').setAttribute('src', '/api/me/invite-qr.svg');
    const phone = byId('phone-link');
    phone.hidden = !me.web.network;
    if (me.web.network) {
      byId('network-url').textContent = me.web.network;
      if (!byId('link-qr').getAttribute('src')) byId('link-qr').setAttribute('src', '/api/me/link-qr.png');
    }
  }

  // ---- conversations list ------------------------------------------------------------------

  async function loadConversations() {
    state.conversations = await api('GET', '/conversations');
    renderConversations();
    if (state.current && state.current.id) renderConversationHead();
  }

  function conversationSub(c) {
    const parts = [];
    if (c.kind === 'group') parts.push('group');
    else parts.push(c.security === 'unencrypted' ? 'unencrypted, unverified' : c.security);
    if (c.address) parts.push(c.address);
    return parts.join(' · ');
  }

  function renderConversations() {
    const list = byId('conversations');
    list.replaceChildren(...state.conversations.map((c) => {
      const classes = [];
      if (state.current && state.current.id === c.id) classes.push('active');
      if (state.unread.has(c.id)) classes.push('unread');
      return el('li', { class: classes.join(' '), 'data-conversation': c.id },
        el('button', { type: 'button', onclick: () => openConversation(c.id) },
          el('span', { class: 'title' + (c.online ? ' online' : ''), text: c.title }),
          el('span', { class: 'when', text: c.lastActivity ? clockTime(c.lastActivity) : '' }),
          el('span', { class: 'sub', text: conversationSub(c) })));
    }));
    if (state.conversations.length === 0)
      list.append(el('li', { class: 'muted', text: 'No conversations yet. Open a new chat above, or one from Peers.' }));
  }

  // ---- the open conversation ---------------------------------------------------------------

  function renderConversationHead() {
    const c = state.current;
    const known = c.id && state.conversations.find((x) => x.id === c.id);
    byId('conversation-title').textContent = known ? known.title : c.title;
    const sub = byId('conversation-sub');
    if (known) sub.textContent = conversationSub(known) + (known.online ? ' · online' : '');
    else if (!c.id) sub.textContent = 'New chat with ' + c.to + ' - your first message opens the connection.';
    else sub.textContent = c.sub || '';
  }

  /** Opens a conversation by ID, or (id null) a new chat with an address or peer ID typed by the user. */
  async function openConversation(id, fallback) {
    state.current = id ? { id, title: (fallback && fallback.title) || id, sub: fallback && fallback.sub } : { id: null, to: fallback.to, title: fallback.to };
    state.messages = [];
    state.nodes = new Map();
    state.more = false;
    if (id) state.unread.delete(id);
    byId('messages').replaceChildren();
    byId('view-chats').classList.add('show-conversation');
    if (state.view !== 'chats') showView('chats');
    renderConversationHead();
    renderConversations();
    byId('send-text').disabled = false;
    byId('send-button').disabled = false;
    byId('send-text').focus();
    if (id) {
      await attempt(async () => {
        const page = await api('GET', '/conversations/' + encodeURIComponent(id) + '/messages?limit=' + PAGE);
        if (!state.current || state.current.id !== id) return;
        state.more = page.more;
        merge(page.messages);
        scrollToEnd();
        await fillScreen();
      });
    }
  }

  // Group conversations are ordered by Lamport time then author, like on every other member; others by arrival.
  function compare(a, b) {
    if (a.lamport !== null && b.lamport !== null && a.conversation.startsWith('group:')) {
      if (a.lamport !== b.lamport) return a.lamport - b.lamport;
      const pa = (a.peerId || '').replace(/-/g, '');
      const pb = (b.peerId || '').replace(/-/g, '');
      if (pa !== pb) return pa < pb ? -1 : 1;
    }
    return a.seq - b.seq;
  }

  /** Adds messages to the open conversation, or updates the ones already shown (their state). Returns how many were new. */
  function merge(messages) {
    const list = byId('messages');
    let added = 0;
    for (const m of messages) {
      if (!state.current || m.conversation !== state.current.id) continue;
      const shown = state.nodes.get(m.id);
      if (shown) {
        updateMessage(shown, m);
        continue;
      }
      let index = state.messages.length;
      while (index > 0 && compare(state.messages[index - 1], m) > 0) index--;
      state.messages.splice(index, 0, m);
      const node = renderMessage(m);
      state.nodes.set(m.id, node);
      const next = state.messages[index + 1];
      list.insertBefore(node, next ? state.nodes.get(next.id) : null);
      added++;
    }
    return added;
  }

  function renderMessage(m) {
    const outgoing = m.outgoing;
    const who = outgoing ? 'You' : (m.name || m.address);
    const meta = el('div', { class: 'meta' },
      el('span', { class: 'name', text: who, title: m.peerId || m.address }),
      !outgoing && m.peerShort ? el('span', { class: 'short', text: m.peerShort }) : null,
      !outgoing ? badge(m.security) : null,
      el('time', { datetime: m.sentAt, title: new Date(m.sentAt).toLocaleString([], { hourCycle: 'h23' }), text: clockTime(m.sentAt) }),
      !outgoing && state.late.has(m.id) ? lateNote() : null);
    const li = el('li', { class: 'msg ' + (outgoing ? 'out' : 'in'), 'data-id': m.id },
      meta,
      el('div', { class: 'text', text: m.text }));
    if (outgoing) li.append(el('div', { class: 'state', 'data-state': m.state, text: stateText(m) }));
    return li;
  }

  // Worded as the terminal words it: shown in arrival order, the message was sent before some shown above it.
  function lateNote() {
    return el('span', { class: 'late', text: 'arrived late: sent before messages already shown' });
  }

  /** Notes a received message as late, on the page already if it is shown. */
  function markLate(id) {
    state.late.add(id);
    const node = state.nodes.get(id);
    if (node && !node.querySelector('.late')) node.querySelector('.meta').append(lateNote());
  }

  function stateText(m) {
    const text = m.state === 'failed' && m.error ? 'failed: ' + m.error
      : m.refusals ? m.state + '; not to: ' + m.refusals : m.state;
    const where = waitingText(m);
    return where ? text + ' · ' + where : text;
  }

  function peerName(p) {
    return p.name || p.short;
  }

  /** Where a message not yet delivered waits, per recipient: the outbox, or held by a mailbox (a sealed copy). */
  function waitingText(m) {
    if (!m.waiting) return null;
    if (m.waiting.length === 0) return 'waiting in the outbox';
    return m.waiting.map((w) => 'for ' + peerName(w.recipient) + ': ' +
      (w.heldBy.length === 0 ? 'waiting in the outbox' : 'held by mailbox ' + w.heldBy.map(peerName).join(', '))).join('; ');
  }

  function updateMessage(node, m) {
    const known = state.messages.find((x) => x.id === m.id);
    if (known) Object.assign(known, m);
    const s = node.querySelector('.state');
    if (s) {
      s.dataset.state = m.state;
      s.textContent = stateText(m);
    }
  }

  function atEnd() {
    const list = byId('messages');
    return list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  }

  function scrollToEnd() {
    const list = byId('messages');
    list.scrollTop = list.scrollHeight;
  }

  /** Reads the newest page again: new messages and changed states. Pages back until it meets what is shown. */
  async function refreshTail() {
    const c = state.current;
    if (!c || !c.id) return;
    const follow = atEnd();
    let before = null;
    for (let pages = 0; pages < 10; pages++) {
      const query = '?limit=' + PAGE + (before ? '&before=' + before : '');
      const page = await api('GET', '/conversations/' + encodeURIComponent(c.id) + '/messages' + query);
      if (state.current !== c) return;
      const overlaps = page.messages.some((m) => state.nodes.has(m.id));
      merge(page.messages);
      if (overlaps || !page.more || state.messages.length === page.messages.length || page.messages.length === 0) break;
      before = Math.min(...page.messages.map((m) => m.seq));
    }
    if (follow) scrollToEnd();
  }

  const scheduleTail = debounce(() => attempt(refreshTail), 100);

  /** Infinite scroll back: the page before the oldest message shown, keeping the view where it was. */
  async function loadOlder() {
    const c = state.current;
    if (!c || !c.id || !state.more || state.loadingOlder || state.messages.length === 0) return;
    state.loadingOlder = true;
    try {
      const oldest = Math.min(...state.messages.map((m) => m.seq));
      const page = await api('GET', '/conversations/' + encodeURIComponent(c.id) + '/messages?limit=' + PAGE + '&before=' + oldest);
      if (state.current !== c) return;
      const list = byId('messages');
      const height = list.scrollHeight;
      state.more = page.more;
      merge(page.messages);
      list.scrollTop += list.scrollHeight - height;
    } finally {
      state.loadingOlder = false;
    }
  }

  /** Loads older pages until the list can scroll, so scrolling up has something to trigger on. */
  async function fillScreen() {
    const list = byId('messages');
    for (let i = 0; i < 5 && state.more && list.scrollHeight <= list.clientHeight; i++) {
      await loadOlder();
      scrollToEnd();
    }
  }

  async function send() {
    const box = byId('send-text');
    const text = box.value;
    const c = state.current;
    if (!c || text.trim() === '') return;
    const button = byId('send-button');
    button.disabled = true;
    try {
      const result = await attempt(() => api('POST', '/messages', { to: c.id || c.to, text }));
      if (!result) return;
      if (result.state === 'failed') {
        toast('Not sent: ' + (result.error || 'unknown error'), true);
        return;
      }
      box.value = '';
      if (result.state === 'queued' && result.error) toast('Queued: ' + result.error);
      if (result.note) toast(result.note);
      if (!c.id && result.conversation) {
        // A new chat now has its conversation (for a secure peer: its proven ID).
        await loadConversations();
        await openConversation(result.conversation, { title: c.to });
      } else {
        await attempt(refreshTail);
        scrollToEnd();
        scheduleConversations();
      }
    } finally {
      button.disabled = false;
      box.focus();
    }
  }

  // ---- search ------------------------------------------------------------------------------

  async function search() {
    const q = byId('search-text').value.trim();
    const results = byId('search-results');
    if (!q) {
      results.hidden = true;
      return;
    }
    const found = await api('GET', '/search?q=' + encodeURIComponent(q));
    results.hidden = false;
    results.replaceChildren(...found.map((m) => {
      const where = state.conversations.find((c) => c.id === m.conversation);
      return el('li', { onclick: () => openConversation(m.conversation, { title: where ? where.title : m.name }) },
        el('div', { class: 'where', text: (where ? where.title : m.conversation) + ' · ' + clockTime(m.sentAt) + ' · ' + (m.outgoing ? 'You' : m.name) }),
        el('div', { text: m.text }));
    }));
    if (found.length === 0) results.append(el('li', { class: 'muted', text: 'Nothing found.' }));
  }

  // ---- peers -------------------------------------------------------------------------------

  async function loadPeers() {
    const peers = await api('GET', '/peers');
    byId('peer-count').textContent = '(' + peers.length + ')';
    const list = byId('peers');
    list.replaceChildren(...peers.map((p) => el('li', { class: 'card' },
      el('span', { class: 'name' + (p.connected ? ' online' : ''), text: p.name || '(no name)' }),
      p.short ? el('span', { class: 'peer-id', title: p.peerId, text: p.short }) : null,
      el('span', { text: p.protocol }),
      badge(p.security),
      el('span', { class: 'line', text: p.address + ' · last seen ' + ago(p.lastSeen) + ' · ' + p.messages + ' message(s) · ' + p.source + ' · ' + p.reach }),
      el('div', { class: 'actions' },
        el('button', { type: 'button', onclick: () => openConversation(p.conversation, { title: p.name || p.address }), text: 'Chat' }),
        el('button', { type: 'button', class: 'danger', text: 'Remove', onclick: () => attempt(async () => {
          await api('DELETE', '/peers/' + encodeURIComponent(p.address));
          await loadPeers();
        }) })))));
    if (peers.length === 0) list.append(el('li', { class: 'muted', text: 'No active peers. They appear when they write to you, when you write to them, or when they are discovered on the network.' }));
  }

  async function connectAll() {
    const results = await api('POST', '/peers/connect');
    const failed = results.filter((r) => r.state === 'failed');
    toast('Connected to ' + (results.length - failed.length) + ' of ' + results.length + ' peer(s)' +
      (failed.length ? '; failed: ' + failed.map((r) => r.to + ' (' + r.error + ')').join(', ') : ''), failed.length > 0);
    await loadPeers();
  }

  // ---- contacts ----------------------------------------------------------------------------

  function contactAction(label, peerId, verb, extra) {
    return el('button', { type: 'button', class: extra || '', text: label, onclick: () => attempt(async () => {
      await api('POST', '/contacts/' + encodeURIComponent(peerId) + '/' + verb);
      await loadContacts();
    }) });
  }

  async function loadContacts() {
    const data = await api('GET', '/contacts');
    showRequestCount(data.requests.length);
    byId('requests-section').hidden = data.requests.length === 0;
    byId('requests').replaceChildren(...data.requests.map((r) => el('li', { class: 'card' },
      el('span', { class: 'name', text: r.name || '(no name)' }),
      el('span', { class: 'peer-id', text: r.peerId }),
      el('span', { class: 'line', text: 'from ' + r.from + ' · ' + r.messages.length + ' message(s) waiting' }),
      r.messages.map((text) => el('blockquote', { text })),
      el('div', { class: 'actions' },
        contactAction('Accept (trust)', r.peerId, 'trust', 'primary'),
        contactAction('Reject', r.peerId, 'reject'),
        contactAction('Block', r.peerId, 'block', 'danger')))));

    const list = byId('contacts');
    list.replaceChildren(...data.contacts.map((c) => el('li', { class: 'card' },
      el('span', { class: 'name' + (c.connected ? ' online' : ''), text: c.name || '(no name)' }),
      badge(c.trust),
      el('span', { class: 'line peer-id', text: c.peerId }),
      el('span', { class: 'line', text: (c.lastAddress ? 'last at ' + c.lastAddress + ' · ' : '') + (c.lastSeen ? 'last seen ' + ago(c.lastSeen) : 'never seen (added ' + new Date(c.firstSeen).toLocaleDateString() + ')') }),
      el('div', { class: 'actions' },
        el('button', { type: 'button', text: 'Chat', onclick: () => openConversation(c.conversation, { title: c.name || c.short }) }),
        c.trust !== 'verified' && c.trust !== 'blocked' ? contactAction('Trust', c.peerId, 'trust') : null,
        c.trust !== 'blocked' ? contactAction('Block', c.peerId, 'block', 'danger') : contactAction('Unblock', c.peerId, 'unblock')))));
    if (data.contacts.length === 0) list.append(el('li', { class: 'muted', text: 'No peer ID met yet.' }));
  }

  function showRequestCount(count) {
    const b = byId('requests-badge');
    b.hidden = count === 0;
    b.textContent = String(count);
  }

  // ---- groups ------------------------------------------------------------------------------

  async function loadGroups() {
    const groups = await api('GET', '/groups');
    const list = byId('groups');
    list.replaceChildren(...groups.map((g) => {
      const members = el('ul', { class: 'members' }, g.members.map((m) => el('li', {},
        el('span', { class: m.connected ? 'online' : '', text: m.name || m.short }),
        el('span', { class: 'peer-id muted', title: m.peerId, text: m.short }),
        m.isAdmin ? el('span', { class: 'muted', text: 'admin' }) : null,
        g.isAdmin && !m.isAdmin ? el('button', { type: 'button', class: 'danger', text: 'Remove', onclick: () => attempt(async () => {
          const r = await api('DELETE', '/groups/' + g.id + '/members/' + encodeURIComponent(m.peerId));
          if (r && r.unchanged) toast('Not a member of ' + g.name + '; nothing changed');
          await loadGroups();
        }) }) : null)));
      const add = g.isAdmin && g.isMember ? el('form', { onsubmit: (e) => {
        e.preventDefault();
        const input = e.target.querySelector('input');
        attempt(async () => {
          const r = await api('POST', '/groups/' + g.id + '/members', { peer: input.value });
          if (r && r.unchanged) toast('Already a member of ' + g.name + '; nothing changed');
          await loadGroups();
        });
      } }, el('input', { placeholder: 'Peer ID to add', 'aria-label': 'Peer ID to add' }), el('button', { type: 'submit', text: 'Add' })) : null;
      return el('li', { class: 'card' },
        el('span', { class: 'name', text: g.name }),
        el('span', { class: 'muted', text: 'version ' + g.version + (g.isAdmin ? ' · you are the admin' : '') + (g.isMember ? '' : ' · you left') }),
        members,
        el('div', { class: 'actions' },
          g.isMember ? el('button', { type: 'button', text: 'Chat', onclick: () => openConversation(g.conversation, { title: g.name }) }) : null,
          g.isMember ? el('button', { type: 'button', class: 'danger', text: 'Leave', onclick: () => attempt(async () => {
            await api('POST', '/groups/' + g.id + '/leave');
            await loadGroups();
          }) }) : null,
          add));
    }));
    if (groups.length === 0) list.append(el('li', { class: 'muted', text: 'No groups yet.' }));
  }

  // ---- mailboxes ---------------------------------------------------------------------------

  async function loadMailboxes() {
    const [status, outbox] = await Promise.all([api('GET', '/mailboxes'), api('GET', '/outbox')]);
    const waiting = byId('outbox');
    waiting.replaceChildren(...outbox.map((m) => {
      const where = state.conversations.find((c) => c.id === m.conversation);
      return el('li', { class: 'card', 'data-id': m.id },
        el('span', { class: 'name', text: where ? where.title : m.conversation }),
        el('span', { class: 'muted', text: clockTime(m.sentAt) + ' · ' + m.state }),
        el('span', { class: 'line', text: m.text }),
        el('span', { class: 'line waiting', text: waitingText(m) }));
    }));
    if (outbox.length === 0) waiting.append(el('li', { class: 'muted', text: 'Nothing is waiting.' }));

    const used = byId('mailboxes-used');
    used.replaceChildren(...status.used.map((u) => el('li', { class: 'card' },
      el('span', { class: 'name', text: peerName(u.mailbox) }),
      el('span', { class: 'peer-id', title: u.mailbox.peerId, text: u.mailbox.short }),
      el('span', { class: 'line', text: u.status + (u.answeredAt ? ' · answered ' + ago(u.answeredAt) : '') }),
      el('div', { class: 'actions' }, el('button', { type: 'button', class: 'danger', text: 'Stop using', onclick: () => attempt(async () => {
        await api('DELETE', '/mailboxes/used/' + encodeURIComponent(u.mailbox.peerId));
        await loadMailboxes();
      }) })))));
    if (status.used.length === 0) used.append(el('li', { class: 'muted', text: 'None: while you are offline, messages to you wait at their senders.' }));

    const served = byId('mailboxes-served');
    served.replaceChildren(...status.served.map((s) => el('li', { class: 'card' },
      el('span', { class: 'name', text: peerName(s.recipient) }),
      el('span', { class: 'peer-id', title: s.recipient.peerId, text: s.recipient.short }),
      el('span', { class: 'line', text: s.status + ' · ' + s.heldCount + '/' + s.quota.maxEnvelopes + ' envelopes, ' +
        (s.heldBytes / 1024).toFixed(1) + '/' + Math.round(s.quota.maxBytes / 1024) + ' KB, kept ' + +s.quota.expiryDays.toFixed(2) + ' days' }),
      el('div', { class: 'actions' }, el('button', { type: 'button', class: 'danger', text: 'Stop holding', onclick: () => attempt(async () => {
        await api('DELETE', '/mailboxes/served/' + encodeURIComponent(s.recipient.peerId));
        await loadMailboxes();
      }) })))));
    if (status.served.length === 0) served.append(el('li', { class: 'muted', text: 'Nobody.' }));

    const d = status.defaults;
    byId('serve-count').placeholder = d.maxEnvelopes + ' envelopes';
    byId('serve-mb').placeholder = Math.round(d.maxBytes / 1048576) + ' MB';
    byId('serve-days').placeholder = d.expiryDays + ' days';
  }

  async function serveMailbox() {
    const number = (id) => (byId(id).value.trim() === '' ? undefined : Number(byId(id).value));
    await api('POST', '/mailboxes/served', {
      peer: byId('serve-peer').value,
      maxEnvelopes: number('serve-count'),
      maxMegabytes: number('serve-mb'),
      expiryDays: number('serve-days'),
    });
    for (const id of ['serve-peer', 'serve-count', 'serve-mb', 'serve-days']) byId(id).value = '';
    await loadMailboxes();
  }

  // ---- broadcast ---------------------------------------------------------------------------

  async function broadcast() {
    const box = byId('broadcast-text');
    if (box.value.trim() === '') return;
    const results = await api('POST', '/broadcast', { text: box.value });
    box.value = '';
    const list = byId('broadcast-results');
    list.replaceChildren(...results.map((r) => el('li', { text: r.to + ': ' + r.state + (r.error ? ' - ' + r.error : '') })));
    if (results.length === 0) list.append(el('li', { class: 'muted', text: 'No known peers: nothing was sent.' }));
  }

  // ---- files -------------------------------------------------------------------------------

  function size(bytes) {
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KiB';
    if (bytes < 1024 * 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + ' MiB';
    return (bytes / 1024 / 1024 / 1024).toFixed(2) + ' GiB';
  }

  function transferAction(label, t, verb, extra) {
    return el('button', { type: 'button', class: extra || '', text: label, onclick: () => attempt(async () => {
      await api('POST', '/transfers/' + encodeURIComponent(t.id) + '/' + verb);
      await loadTransfers();
    }) });
  }

  function renderTransfer(t, rate) {
    const done = t.size > 0 ? Math.floor(t.bytes * 100 / t.size) : 100;
    const active = t.state === 'active' || t.state === 'interrupted';
    return el('li', { class: 'card', 'data-transfer': t.id },
      el('span', { class: 'name', text: (t.direction === 'out' ? 'To ' : 'From ') + (t.peerName || t.peerId.slice(0, 7)) }),
      el('span', { class: 'line', text: t.name + ' · ' + size(t.size) }),
      el('progress', { max: '100', value: String(done), 'aria-label': 'progress of ' + t.name }),
      el('span', { class: 'line transfer-state', text: t.state + ' · ' + size(t.bytes) + ' of ' + size(t.size) +
        (rate ? ' · ' + size(rate) + '/s' : '') + (t.error ? ' · ' + t.error : '') }),
      el('div', { class: 'actions' },
        t.direction === 'in' && t.state === 'offered' ? transferAction('Accept', t, 'accept') : null,
        t.direction === 'in' && t.state === 'offered' ? transferAction('Decline', t, 'decline', 'danger') : null,
        active ? transferAction('Cancel', t, 'cancel', 'danger') : null));
  }

  async function loadTransfers() {
    const transfers = await api('GET', '/transfers');
    const list = byId('transfers');
    list.replaceChildren(...transfers.slice().reverse().map((t) => renderTransfer(t)));
    if (transfers.length === 0) list.append(el('li', { class: 'muted', text: 'No transfers yet.' }));
    const offers = transfers.filter((t) => t.direction === 'in' && t.state === 'offered').length;
    byId('offers-badge').hidden = offers === 0;
    byId('offers-badge').textContent = String(offers);
  }

  function onTransferEvent(e) {
    // The feed's transfer fields, in the shape of the /api/transfers list.
    const t = { id: e.transferId, direction: e.direction === 'outgoing' ? 'out' : 'in', peerId: e.peerId, peerName: e.peerName,
      name: e.name, size: e.size, bytes: e.bytes, state: e.state, error: e.reason };
    const existing = document.querySelector('#transfers [data-transfer="' + t.id + '"]');
    if (e.type === 'transfer_progress' && existing) existing.replaceWith(renderTransfer(t, e.bytesPerSecond));
    else scheduleTransfers();
    if (e.type === 'transfer_offered') toast((t.peerName || 'A peer') + ' offers ' + t.name + ' (' + size(t.size) + '): see Files');
    if (e.type === 'transfer_completed') toast((t.direction === 'in' ? 'Received ' : 'Sent ') + t.name + ', verified');
    if (e.type === 'transfer_failed') toast(t.name + ': ' + e.reason, true);
  }

  async function sendFile() {
    const input = byId('send-file-input');
    const to = byId('send-file-to').value.trim();
    if (!to || input.files.length === 0) throw new Error('choose a peer and a file');
    const file = input.files[0];
    const response = await fetch('/api/transfers?to=' + encodeURIComponent(to) + '&name=' + encodeURIComponent(file.name),
      { method: 'POST', headers: { 'X-CryptoSphere': '1', 'Content-Type': 'application/octet-stream' }, body: file, credentials: 'same-origin' });
    const data = response.headers.get('content-type')?.includes('json') ? await response.json() : null;
    if (!response.ok) throw new Error((data && data.error) || response.status + ' ' + response.statusText);
    input.value = '';
    toast('Offered ' + file.name + '; waiting for ' + to + ' to accept');
    await loadTransfers();
  }

  // ---- live events -------------------------------------------------------------------------

  const scheduleConversations = debounce(() => attempt(loadConversations), 200);
  const scheduleView = debounce(() => { if (state.view !== 'chats') refreshView(); }, 300);
  const scheduleTransfers = debounce(() => attempt(loadTransfers), 200);

  function onEvent(e) {
    switch (e.type) {
      case 'hello':
        setLive('live', 'live');
        // Whatever happened while the feed was down.
        scheduleConversations();
        scheduleTail();
        scheduleView();
        break;
      case 'message_received':
      case 'group_message_received':
        if (e.arrivedLate && e.messageId) markLate(e.messageId);
        if (state.current && state.current.id === e.conversation) scheduleTail();
        else {
          state.unread.add(e.conversation);
          toast((e.group ? '#' + e.group + ' ' : '') + (e.name || e.from) + (e.arrivedLate ? ' (arrived late)' : '') + ': ' + e.text);
        }
        scheduleConversations();
        break;
      case 'message_held_by_mailbox':
      case 'message_delivered':
      case 'message_failed':
        // Also a message sent from the terminal meanwhile: the page learns of it here.
        if (state.nodes.has(e.messageId) || (state.current && state.current.id === e.conversation)) scheduleTail();
        if (state.view === 'mailboxes') scheduleView();
        if (e.type === 'message_failed') toast('Gave up on a message to ' + e.to + ': ' + e.reason, true);
        break;
      case 'send_failed':
        if (state.current) scheduleTail();
        break;
      case 'contact_request_received':
        toast('Contact request from ' + (e.name || e.peerId) + ': ' + e.text);
        attempt(async () => showRequestCount((await api('GET', '/contacts')).requests.length));
        scheduleView();
        break;
      case 'peer_refused':
        // The peer ending the connection first is no refusal of this node's (it may have blocked this node).
        toast((e.closedByPeer ? 'No session with ' : 'Refused ') + e.remote + ': ' + e.reason, true);
        break;
      case 'transfer_offered':
      case 'transfer_accepted':
      case 'transfer_progress':
      case 'transfer_interrupted':
      case 'transfer_completed':
      case 'transfer_failed':
      case 'transfer_declined':
      case 'transfer_cancelled':
        onTransferEvent(e);
        break;
      case 'node_stopped':
        setLive('offline', 'node stopped');
        break;
      default:
        // Peers coming and going, groups changing: refresh what is on screen.
        scheduleConversations();
        scheduleView();
    }
  }

  function connectEvents() {
    const source = new EventSource('/api/events');
    source.onmessage = (message) => {
      try {
        onEvent(JSON.parse(message.data));
      } catch (err) {
        console.error('bad event', err);
      }
    };
    source.onerror = () => {
      setLive('offline', 'reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        // EventSource gives up on an HTTP error (401 after a restart): check why, then try again.
        source.close();
        setTimeout(() => attempt(async () => {
          await api('GET', '/me');
          connectEvents();
        }), 3000);
      }
    };
  }

  // ---- wiring ------------------------------------------------------------------------------

  function wire() {
    for (const button of byId('tabs').querySelectorAll('button'))
      button.addEventListener('click', () => showView(button.dataset.view));

    byId('new-chat').addEventListener('submit', (e) => {
      e.preventDefault();
      const to = byId('new-chat-to').value.trim();
      if (!to) return;
      byId('new-chat-to').value = '';
      const existing = state.conversations.find((c) => c.address === to || c.id === 'legacy:' + to ||
        (c.peerId && c.peerId.replace(/-/g, '').startsWith(to.replace(/-/g, '').toUpperCase()) && to.length >= 7));
      if (existing) openConversation(existing.id);
      else openConversation(null, { to });
    });

    byId('search').addEventListener('submit', (e) => {
      e.preventDefault();
      attempt(search);
    });
    byId('search-text').addEventListener('search', () => attempt(search));

    byId('send').addEventListener('submit', (e) => {
      e.preventDefault();
      send();
    });
    byId('send-text').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        send();
      }
    });

    byId('messages').addEventListener('scroll', () => {
      if (byId('messages').scrollTop < 80) attempt(loadOlder);
    });

    byId('back').addEventListener('click', () => byId('view-chats').classList.remove('show-conversation'));
    byId('connect-all').addEventListener('click', () => attempt(connectAll));

    byId('add-invite').addEventListener('submit', (e) => {
      e.preventDefault();
      const link = byId('add-invite-link');
      attempt(async () => {
        await api('POST', '/contacts/invite', { link: link.value, trust: byId('add-invite-trust').checked });
        link.value = '';
        await loadContacts();
      });
    });

    byId('new-group').addEventListener('submit', (e) => {
      e.preventDefault();
      const name = byId('new-group-name');
      attempt(async () => {
        await api('POST', '/groups', { name: name.value });
        name.value = '';
        await loadGroups();
      });
    });

    byId('use-mailbox').addEventListener('submit', (e) => {
      e.preventDefault();
      const peer = byId('use-mailbox-peer');
      attempt(async () => {
        await api('POST', '/mailboxes/used', { peer: peer.value });
        peer.value = '';
        await loadMailboxes();
      });
    });

    byId('serve-mailbox').addEventListener('submit', (e) => {
      e.preventDefault();
      attempt(serveMailbox);
    });

    byId('send-file').addEventListener('submit', (e) => {
      e.preventDefault();
      attempt(sendFile);
    });

    byId('broadcast').addEventListener('submit', (e) => {
      e.preventDefault();
      attempt(broadcast);
    });
  }

  async function start() {
    wire();
    await attempt(async () => {
      await loadMe();
      await loadConversations();
      showRequestCount((await api('GET', '/contacts')).requests.length);
      await loadTransfers();
    });
    if (byId('locked').hidden) connectEvents();
    // Relative times ("last seen 2 min ago") age on screen.
    setInterval(() => { if (state.view === 'peers' || state.view === 'contacts') refreshView(); }, 30000);
  }

  start();
})();
