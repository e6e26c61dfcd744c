// The demo chat page: plain DOM and fetch on the service's public API, no framework and no build step.
// A module script from 'self', with listeners added here: the CSP forbids inline scripts and handlers.

const USER_KEY = 'chat-demo.user_id';
const TOKEN_KEY = 'chat-demo.token';
const $ = (id) => document.getElementById(id);
const ui = {
  settings: $('settings'), userId: $('user-id'), tokenField: $('token-field'), token: $('token'),
  newThread: $('new-thread'), logBox: $('log-box'), older: $('older'), log: $('log'),
  question: $('question'), answer: $('answer'), notice: $('notice'), error: $('error'),
  composer: $('composer'), message: $('message'), send: $('send'),
};
const state = { userId: '', token: '', olderCursor: null, busy: false, historyLoad: 0 };

// 20 exchanges a page; ?page_size=N (1 to 1000) makes paging visible with a short history.
const requestedPageSize = Number(new URLSearchParams(location.search).get('page_size'));
const PAGE_SIZE = Number.isInteger(requestedPageSize) && requestedPageSize >= 1 && requestedPageSize <= 1000 ? requestedPageSize : 20;

/** The stored id, or a new `demo-` one: localStorage so that a visitor finds the conversation again tomorrow. */
function initialUserId() {
  const saved = localStorage.getItem(USER_KEY);
  if (saved !== null) return saved;
  // getRandomValues, not randomUUID: the page may be served over plain http, which is not a secure context.
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  const id = 'demo-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  localStorage.setItem(USER_KEY, id);
  return id;
}

/** fetch on a path relative to the page (so it works behind a path prefix too), with the token when there is one. */
async function api(method, path, query = {}, body = undefined) {
  const url = new URL(path, document.baseURI);
  for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, String(value));
  const headers = {};
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }).catch((error) => {
    throw new Error(`Could not reach the service (${error.message}).`);
  });
  // The service asks for credentials only when AUTH_MODE is on; that is the one sign the page needs.
  if (res.status === 401 && /^Bearer\b/i.test(res.headers.get('WWW-Authenticate') ?? '')) ui.tokenField.hidden = false;
  return res;
}

/** The error body of a failed response as one readable line. */
async function describeFailure(res) {
  // A body that is not JSON (a proxy's error page, say) still gives the status.
  const body = await res.json().catch(() => ({ statusCode: res.status, error: res.statusText }));
  return describeError(body, res.headers.get('Retry-After'));
}

function describeError(body, retryAfter = null) {
  const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
  let text = `${body.statusCode ?? ''} ${body.error ?? 'Error'}`.trim() + (message ? `: ${message}` : '');
  if (!/[.!?]$/.test(text)) text += '.';
  if (retryAfter) text += ` Try again in ${retryAfter} s.`;
  if (body.statusCode === 401) text += ' Enter an access token above and press Apply.';
  if (body.statusCode === 403 && state.token) text += ' The token belongs to another user: clear User ID to use its own.';
  if (body.requestId) text += ` (request ${body.requestId})`;
  return text;
}

function say(notice = '', error = '') {
  ui.notice.textContent = notice;
  ui.error.textContent = error;
}

/** One exchange of the log as a list item; text only ever goes in as text, never as HTML. */
function renderExchange({ user, bot, timestamp }) {
  const item = document.createElement('li');
  item.className = 'exchange';
  item.append(bubble('user', 'You', user), bubble('bot', 'Assistant', bot));
  const time = document.createElement('time');
  const date = new Date(timestamp * 1000);
  time.dateTime = date.toISOString();
  time.textContent = date.toLocaleString();
  item.append(time);
  return item;
}

function bubble(kind, who, text) {
  const p = document.createElement('p');
  p.className = `msg ${kind}`;
  const label = document.createElement('span');
  label.className = 'who';
  label.textContent = who;
  p.append(label, text);
  return p;
}

/** Loads the newest page of history, or the page before `before`, and puts it in the log. */
async function loadHistory(before = null) {
  // A newer load (another user ID, say) wins over a slower earlier one.
  const load = ++state.historyLoad;
  const olderHadFocus = document.activeElement === ui.older;
  try {
    const res = await api('GET', 'api/chat/history', { user_id: state.userId, limit: PAGE_SIZE, before });
    if (!res.ok) throw new Error(await describeFailure(res));
    const page = await res.json();
    if (load !== state.historyLoad) return;
    const items = page.messages.map(renderExchange);
    if (before) {
      // Older messages go on top; keep what the reader was looking at where it was.
      const fromBottom = ui.logBox.scrollHeight - ui.logBox.scrollTop;
      ui.log.prepend(...items);
      ui.logBox.scrollTop = ui.logBox.scrollHeight - fromBottom;
    } else {
      ui.log.replaceChildren(...items);
      scrollToEnd();
    }
    adoptUserId(page.user_id);
    state.olderCursor = page.next_before;
    ui.older.hidden = page.next_before === null;
    // A button that hides while focused would drop focus to the page's start.
    if (olderHadFocus && ui.older.hidden) ui.logBox.focus();
  } catch (error) {
    if (load === state.historyLoad) say('', error.message);
  }
}

function scrollToEnd() {
  ui.logBox.scrollTop = ui.logBox.scrollHeight;
}

/** With an empty User ID the service picks the user (the token's, or a new anon- one): show which. */
function adoptUserId(userId) {
  if (state.userId || !userId) return;
  state.userId = userId;
  ui.userId.value = userId;
  localStorage.setItem(USER_KEY, userId);
}

/** Sends a message on the streaming route and shows the answer as it arrives. */
async function send(text) {
  state.busy = true;
  ui.send.setAttribute('aria-disabled', 'true');
  say();
  ui.question.replaceChildren(text);
  ui.answer.replaceChildren();
  scrollToEnd();
  try {
    const body = state.userId ? { user_id: state.userId, message: text } : { message: text };
    const res = await api('POST', 'api/chat/stream', {}, body);
    if (!res.ok) throw new Error(await describeFailure(res));
    const done = await readAnswer(res.body, showDelta);
    adoptUserId(done.user_id);
    ui.log.append(renderExchange({ user: text, bot: done.answer, timestamp: Date.now() / 1000 }));
    ui.question.replaceChildren();
    ui.answer.replaceChildren();
    scrollToEnd();
  } catch (error) {
    say('', error.message);
    if (!ui.message.value) ui.message.value = text; // give the text back, so that sending again is one key
  } finally {
    state.busy = false;
    ui.send.removeAttribute('aria-disabled');
  }
}

/** Each word is its own text node, so that the aria-live region reads out what was added, not the whole answer again. */
function showDelta(text) {
  const atBottom = ui.logBox.scrollHeight - ui.logBox.scrollTop - ui.logBox.clientHeight < 40;
  ui.answer.append(text);
  if (atBottom) scrollToEnd();
}

/**
 * Reads the text/event-stream body: `delta` events go to onDelta, `done` resolves with its data,
 * `error` (the error body of a failure after the stream began) and a cut-off stream reject.
 */
async function readAnswer(stream, onDelta) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('The connection closed before the answer was complete.');
    buffer += value;
    let end;
    // Events end with a blank line; the service writes LF line ends only.
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const { event, data } = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event === 'delta') onDelta(data.text);
      else if (event === 'done') return data;
      else if (event === 'error') throw new Error(describeError(data));
    }
  }
}

function parseEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return { event, data: data.length > 0 ? JSON.parse(data.join('\n')) : null };
}

/** The service starts a new upstream conversation for this user; the log (and so the history) is kept. */
async function newConversation() {
  say();
  try {
    const res = await api('DELETE', 'api/chat/thread', { user_id: state.userId });
    if (!res.ok) throw new Error(await describeFailure(res));
    const divider = document.createElement('li');
    divider.className = 'divider';
    divider.textContent = 'New conversation';
    ui.log.append(divider);
    scrollToEnd();
    say('New conversation started. Earlier messages stay in the history.');
  } catch (error) {
    say('', error.message);
  }
}

/** Takes the User ID and token from the form; a change of either shows that user's history. */
function applySettings() {
  const userId = ui.userId.value.trim();
  const token = ui.token.value.trim();
  if (userId === state.userId && token === state.token) return;
  state.userId = userId;
  state.token = token;
  localStorage.setItem(USER_KEY, userId);
  // sessionStorage: a credential should not outlive the tab.
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  ui.log.replaceChildren();
  ui.older.hidden = true;
  say();
  void loadHistory();
}

function start() {
  state.userId = initialUserId();
  state.token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  ui.userId.value = state.userId;
  ui.token.value = state.token;
  ui.tokenField.hidden = !state.token; // a token from earlier in this tab means auth is on

  ui.settings.addEventListener('submit', (event) => {
    event.preventDefault();
    applySettings();
  });
  ui.userId.addEventListener('change', applySettings);
  ui.token.addEventListener('change', applySettings);
  ui.newThread.addEventListener('click', () => void newConversation());
  ui.older.addEventListener('click', () => void loadHistory(state.olderCursor));
  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.message.value.trim();
    if (state.busy || !text) return;
    ui.message.value = '';
    void send(text);
  });
  ui.message.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter is a new line; while an input method composes a word, Enter is its own.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    ui.composer.requestSubmit();
  });
  void loadHistory();
}

start();
