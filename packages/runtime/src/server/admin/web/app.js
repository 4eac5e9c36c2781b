// The live calls page: a snapshot then every call update over SSE (/events); each call shows its flow's
// diagram (SVG from the admin server) with the current state highlighted.
import { diagramFor, highlight, renderSteps } from '/diagram.js';

const MAX_ENDED = 50;
// Past this many active calls, new ones are counted but not drawn (a diagram each would swamp the browser).
const MAX_ACTIVE_CARDS = 100;
const calls = new Map(); // id -> CallRecord
const $ = (sel, root = document) => root.querySelector(sel);

function age(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function renderCardSteps(card, call) {
  renderSteps($('.steps', card), call);
  $('.step-count', card).textContent = String(call.stateGraph.length);
}

function cardFor(call) {
  let card = document.querySelector(`article[data-call-id="${CSS.escape(call.id)}"]`);
  if (card) return card;
  card = $('#call-card').content.firstElementChild.cloneNode(true);
  card.setAttribute('data-call-id', call.id);
  $('.call-id', card).textContent = call.id;
  $('.call-flow', card).textContent = `${call.app} / ${call.flow}${call.appVersion > 1 ? ` (v${call.appVersion})` : ''}`;
  $('.call-parties', card).textContent = `${call.direction === 'inbound' ? '⇢' : '⇠'} ${call.from}  →  ${call.to}`;
  $('.call-parties', card).title = call.requestUri;
  diagramFor(call).then((svg) => {
    const box = $('.diagram', card);
    if (svg) {
      box.innerHTML = svg;
      highlight(card, calls.get(call.id) || call);
    } else box.innerHTML = '<p class="empty">diagram unavailable</p>';
  });
  return card;
}

function place(card, call) {
  const ended = call.endedAt !== undefined;
  const section = ended ? $('#ended') : $('#active');
  if (card.parentElement !== section) section.prepend(card);
  card.setAttribute('data-ended', ended ? '1' : '0');
  // Keep the page bounded: the oldest ended cards go.
  const endedCards = $('#ended').querySelectorAll('article.call');
  for (let i = MAX_ENDED; i < endedCards.length; i++) {
    calls.delete(endedCards[i].getAttribute('data-call-id'));
    endedCards[i].remove();
  }
}

function render(call) {
  const exists = document.querySelector(`article[data-call-id="${CSS.escape(call.id)}"]`);
  if (!exists && call.endedAt === undefined && $('#active').querySelectorAll('article.call').length >= MAX_ACTIVE_CARDS) {
    refreshCounts();
    return;
  }
  const card = cardFor(call);
  card.setAttribute('data-state', call.state);
  const state = call.state || '(starting)';
  $('.state-badge', card).textContent = call.endedAt !== undefined ? `${state} · ${call.outcome}` : state;
  renderCardSteps(card, call);
  highlight(card, call);
  showAge(card, call);
  place(card, call);
  refreshCounts();
}

function refreshCounts() {
  let active = 0;
  let ended = 0;
  for (const c of calls.values()) {
    if (c.endedAt === undefined) active++;
    else ended++;
  }
  $('#active-count').textContent = String(active);
  $('#ended-count').textContent = String(ended);
  const hidden = active - $('#active').querySelectorAll('article.call').length;
  $('#hidden-note').hidden = hidden <= 0;
  $('#hidden-note').textContent = `${hidden} more active call${hidden === 1 ? '' : 's'} not drawn (npm run calls lists them all)`;
  for (const id of ['active', 'ended']) {
    const box = $(`#${id}`);
    $('.empty', box).hidden = box.querySelector('article.call') !== null;
  }
}

function showAge(card, call, now = Date.now()) {
  const span = age((call.endedAt ?? now) - call.startedAt);
  $('.call-age', card).textContent = call.endedAt !== undefined ? `lasted ${span}` : span;
}

function tickAges() {
  const now = Date.now();
  for (const card of document.querySelectorAll('article.call')) {
    const call = calls.get(card.getAttribute('data-call-id'));
    if (call) showAge(card, call, now);
  }
}

function connect() {
  const conn = $('#conn');
  const events = new EventSource('/events');
  events.addEventListener('open', () => {
    conn.textContent = 'live';
    conn.className = 'conn conn-up';
  });
  events.addEventListener('error', () => {
    conn.textContent = 'reconnecting…';
    conn.className = 'conn conn-down';
  });
  events.addEventListener('snapshot', (e) => {
    const { calls: list } = JSON.parse(e.data);
    for (const card of document.querySelectorAll('article.call')) card.remove();
    calls.clear();
    list.sort((a, b) => a.startedAt - b.startedAt);
    for (const call of list) {
      calls.set(call.id, call);
      render(call);
    }
    refreshCounts();
  });
  events.addEventListener('call', (e) => {
    const call = JSON.parse(e.data);
    calls.set(call.id, call);
    render(call);
  });
}

connect();
tickAges();
setInterval(tickAges, 1000);
