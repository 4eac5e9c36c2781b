// The admin page's phone: sip.js's UserAgent over SIP over WebSocket (the server's --ws/--wss listener), WebRTC audio
// from the microphone, a keypad sending DTMF (RFC 4733 through the browser's DTMF sender, or SIP INFO), and the live
// state diagram of its own call (the call record whose SIP Call-ID is ours, from the admin server's /events stream).
import { Inviter, SessionState, UserAgent } from '/vendor/sip.js';
import { diagramFor, highlight, renderSteps } from '/diagram.js';

const $ = (sel) => document.querySelector(sel);
const ui = {
  uaState: $('#ua-state'),
  notice: $('#notice'),
  form: $('#dial-form'),
  number: $('#number'),
  call: $('#call'),
  hangup: $('#hangup'),
  mute: $('#mute'),
  apps: $('#apps'),
  callState: $('#call-state'),
  callId: $('#call-id'),
  sent: $('#sent-keys'),
  audio: $('#remote-audio'),
  diagram: $('#diagram'),
  steps: $('#steps'),
  flowName: $('#flow-name'),
  flowState: $('#flow-state'),
};

/** What the test (and a curious user) can read: the phone's state in one object. */
const phone = (window.sipflowPhone = { ua: 'connecting', call: 'idle', callId: undefined, record: undefined, error: undefined });

let config;
let ua;
let session;
let muted = false;
let recordDrawn;

function setUa(state, cls) {
  phone.ua = state;
  ui.uaState.textContent = state;
  ui.uaState.className = `conn ${cls}`;
}

function notice(text) {
  ui.notice.hidden = !text;
  ui.notice.textContent = text || '';
  if (text) phone.error = text;
}

function setCall(state) {
  phone.call = state;
  ui.callState.textContent = state;
  const live = state === 'calling' || state === 'ringing' || state === 'established';
  ui.call.disabled = live || phone.ua !== 'connected';
  ui.hangup.disabled = !live;
  ui.mute.disabled = state !== 'established';
  document.body.dataset.call = state;
}

function webSocketUrl(listeners) {
  // Prefer the scheme of this page (wss behind https); the listener's host, or this page's when it binds any address.
  const order = location.protocol === 'https:' ? ['wss', 'ws'] : ['ws', 'wss'];
  for (const scheme of order) {
    const l = listeners.find((x) => x.transport === scheme);
    if (!l) continue;
    const host = l.host === '0.0.0.0' || l.host === '::' ? location.hostname : l.host;
    return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${l.port}`;
  }
  return undefined;
}

async function start() {
  const res = await fetch('/phone/config');
  if (!res.ok) throw new Error(`/phone/config: HTTP ${res.status}`);
  config = await res.json();
  ui.apps.textContent = config.apps.map((a) => a.name).join(', ') || '(none)';
  const server = webSocketUrl(config.websocket);
  if (!server) {
    setUa('no WebSocket', 'conn-down');
    notice('The server has no SIP over WebSocket listener: start it with --ws 127.0.0.1:8088 (or --wss with a certificate).');
    return;
  }
  ua = new UserAgent({
    uri: UserAgent.makeURI('sip:phone@sipflow.invalid'),
    displayName: 'sipflow phone',
    transportOptions: { server, traceSip: false },
    logLevel: 'warn',
    sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] }, iceGatheringTimeout: 2000 },
    delegate: {
      onConnect: () => {
        setUa('connected', 'conn-up');
        setCall(phone.call);
      },
      onDisconnect: (error) => {
        setUa(error ? 'disconnected' : 'closed', 'conn-down');
        setCall(phone.call);
        if (error) setTimeout(() => ua.reconnect().catch(() => undefined), 2000);
      },
    },
  });
  await ua.start();
}

function targetUri(number) {
  const { host, port } = config.sip;
  return UserAgent.makeURI(`sip:${encodeURIComponent(number)}@${host.includes(':') ? `[${host}]` : host}:${port}`);
}

async function dial(number) {
  const target = targetUri(number);
  if (!target) return notice(`not a number sipflow can call: ${number}`);
  notice('');
  ui.sent.textContent = '';
  muted = false;
  ui.mute.textContent = 'Mute';
  ui.mute.setAttribute('aria-pressed', 'false');
  // Early media: a flow may play a prompt in a 183 before it answers (quizconnect's welcome).
  const inviter = new Inviter(ua, target, { earlyMedia: true, sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
  session = inviter;
  phone.callId = inviter.request.callId;
  phone.record = undefined;
  recordDrawn = undefined;
  ui.callId.textContent = phone.callId;
  ui.diagram.innerHTML = '<p class="loading">waiting for the call record…</p>';
  ui.steps.textContent = '';
  inviter.stateChange.addListener((state) => {
    if (session !== inviter) return;
    if (state === SessionState.Established) {
      setCall('established');
      const sdh = inviter.sessionDescriptionHandler;
      ui.audio.srcObject = sdh.remoteMediaStream;
      ui.audio.play().catch(() => undefined);
    } else if (state === SessionState.Terminated) {
      setCall('ended');
      session = undefined;
    }
  });
  setCall('calling');
  await inviter.invite({
    requestDelegate: {
      onProgress: (response) => {
        setCall('ringing');
        if (response.message.body) {
          ui.audio.srcObject = inviter.sessionDescriptionHandler?.remoteMediaStream ?? null;
          ui.audio.play().catch(() => undefined);
        }
      },
      onReject: (response) => notice(`call refused: ${response.message.statusCode} ${response.message.reasonPhrase}`),
    },
  });
}

function hangup() {
  const s = session;
  if (!s) return;
  if (s.state === SessionState.Established) s.bye().catch(() => undefined);
  else if (s.state === SessionState.Establishing || s.state === SessionState.Initial) s.cancel().catch(() => undefined);
}

function toggleMute() {
  const sdh = session?.sessionDescriptionHandler;
  if (!sdh) return;
  muted = !muted;
  sdh.enableSenderTracks(!muted);
  ui.mute.textContent = muted ? 'Unmute' : 'Mute';
  ui.mute.setAttribute('aria-pressed', String(muted));
  phone.muted = muted;
}

function sendKey(key) {
  const s = session;
  if (!s || s.state !== SessionState.Established) return;
  const mode = document.querySelector('input[name="dtmf"]:checked').value;
  let sent;
  if (mode === 'info') {
    const body = { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: `Signal=${key}\r\nDuration=160` };
    s.info({ requestOptions: { body } }).catch((err) => notice(`INFO failed: ${err.message}`));
    sent = true;
  } else {
    // insertDTMF replaces the tones still queued: keys typed faster than they play are appended to them.
    // (sip.js's sendDtmf takes one key at a time, so the browser's DTMF sender is used directly.)
    const dtmf = s.sessionDescriptionHandler.peerConnection?.getSenders().find((x) => x.dtmf)?.dtmf;
    sent = !!dtmf?.canInsertDTMF;
    if (sent) dtmf.insertDTMF(dtmf.toneBuffer + key, 160, 70);
    if (!sent) notice('the browser could not send RFC 4733 DTMF on this call (no telephone-event agreed?)');
  }
  if (sent) ui.sent.textContent += key;
}

/**
 * The call's WebRTC figures from getStats (for the curious and for tests): audio received (packets, level, energy),
 * audio sent, and the address pairs ICE tried (local and remote candidate addresses).
 */
phone.pc = () => session?.sessionDescriptionHandler?.peerConnection;
phone.stats = async () => {
  const pc = session?.sessionDescriptionHandler?.peerConnection;
  if (!pc) return undefined;
  const report = await pc.getStats();
  const out = { packetsReceived: 0, packetsSent: 0, audioLevel: 0, totalAudioEnergy: 0, pairs: [], candidates: [] };
  const byId = new Map();
  report.forEach((r) => byId.set(r.id, r));
  report.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      out.packetsReceived += r.packetsReceived ?? 0;
      out.totalAudioEnergy += r.totalAudioEnergy ?? 0;
    } else if (r.type === 'outbound-rtp' && r.kind === 'audio') out.packetsSent += r.packetsSent ?? 0;
    else if (r.type === 'media-source' && r.kind === 'audio') out.micLevel = r.audioLevel;
    else if (r.type === 'track' && r.kind === 'audio' && r.remoteSource) out.audioLevel = r.audioLevel ?? 0;
    else if (r.type === 'local-candidate' || r.type === 'remote-candidate') out.candidates.push({ type: r.type, address: r.address ?? r.ip });
    else if (r.type === 'candidate-pair') {
      const l = byId.get(r.localCandidateId);
      const m = byId.get(r.remoteCandidateId);
      out.pairs.push({ state: r.state, local: l?.address ?? l?.ip, remote: m?.address ?? m?.ip, nominated: !!r.nominated });
    }
  });
  report.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio' && typeof r.audioLevel === 'number') out.audioLevel = r.audioLevel;
  });
  return out;
};

// ---- the live diagram of our own call ----

function showRecord(record) {
  phone.record = { id: record.id, app: record.app, flow: record.flow, state: record.state, ended: record.endedAt !== undefined };
  ui.flowName.textContent = `${record.app} / ${record.flow}`;
  ui.flowState.textContent = record.endedAt !== undefined ? `${record.state} · ${record.outcome}` : record.state;
  document.body.dataset.flowState = record.state;
  renderSteps(ui.steps, record);
  const key = `${record.app}/${record.flow}@${record.appVersion}`;
  if (recordDrawn !== key) {
    recordDrawn = key;
    diagramFor(record).then((svg) => {
      ui.diagram.innerHTML = svg || '<p class="empty">diagram unavailable</p>';
      if (phone.record) highlight(ui.diagram, latest);
    });
  }
  latest = record;
  highlight(ui.diagram, record);
}
let latest;

function follow() {
  const events = new EventSource('/events');
  const consider = (record) => {
    if (phone.callId && record.sipCallId === phone.callId) showRecord(record);
  };
  events.addEventListener('snapshot', (e) => JSON.parse(e.data).calls.forEach(consider));
  events.addEventListener('call', (e) => consider(JSON.parse(e.data)));
}

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  const number = ui.number.value.trim();
  if (number) dial(number).catch((err) => notice(`call failed: ${err.message}`));
});
ui.hangup.addEventListener('click', hangup);
ui.mute.addEventListener('click', toggleMute);
for (const b of document.querySelectorAll('#keypad button')) b.addEventListener('click', () => sendKey(b.dataset.key));
window.addEventListener('pagehide', () => ua?.stop());

setCall('idle');
follow();
start().catch((err) => {
  setUa('error', 'conn-down');
  notice(`phone not started: ${err.message}`);
});
