/**
 * SDP offer/answer for one audio stream (RFC 3264), pure: no sockets, no clock. The stream applies the
 * `NegotiatedMedia` it returns.
 *
 * Rules: one audio m-line (extra m-lines are refused with port 0); PCMU/PCMA answered in the OFFERER's order;
 * telephone-event answered at the offered payload type (our offers use 101); ptime 20; direction mirrored
 * (offer sendonly → answer recvonly, recvonly → sendonly, inactive → inactive); the same o= session id for the
 * stream's life and the version +1 on every SDP we produce; the codec list of the first answer is kept for every
 * later answer of the call (re-INVITE), restricted to what the new offer still has.
 */
import sdpTransform from 'sdp-transform';
import type { Direction } from './media-types.js';
import { mediaErrors } from './errors.js';
import type { G711Codec } from './g711.js';

export interface CodecPt {
  name: G711Codec;
  pt: number;
}

export interface NegotiatedMedia {
  /** The codec we send with (first of the agreed list). */
  codec: G711Codec;
  codecPt: number;
  /** Every agreed audio codec, in order (we decode any of them). */
  codecs: CodecPt[];
  /** Agreed telephone-event payload type, if any. */
  telephoneEventPt: number | undefined;
  /** Our direction after negotiation. */
  direction: Direction;
  /** Where to send RTP; undefined when the peer holds with c=0.0.0.0 or disabled the stream (port 0). */
  remoteAddress: string | undefined;
  remotePort: number;
  remoteRtcpPort: number;
}

interface ParsedAudio {
  index: number;
  port: number;
  protocol: string;
  address: string;
  rtcpPort: number;
  codecs: CodecPt[];
  /** Every offered payload type with its name ('' when unknown). */
  offered: string[];
  telephoneEvent: { pt: number; fmtp: string | undefined } | undefined;
  direction: Direction;
}

interface ParsedSdp {
  audio: ParsedAudio;
  /** Every m-line as `type proto fmt` so an answer can refuse the extra ones. */
  mlines: Array<{ type: string; protocol: string; fmt: string }>;
}

const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const OUR_TE_PT = 101;

export function directionSends(d: Direction): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

export function directionReceives(d: Direction): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}

/**
 * Our direction once the peer's is known: we send if we wanted to and they receive, we receive if we wanted to and
 * they send. Answering (we want sendrecv) this mirrors the offer: sendonly → recvonly, recvonly → sendonly.
 */
export function agreedDirection(ours: Direction, theirs: Direction): Direction {
  const sends = directionSends(ours) && directionReceives(theirs);
  const receives = directionReceives(ours) && directionSends(theirs);
  return sends && receives ? 'sendrecv' : sends ? 'sendonly' : receives ? 'recvonly' : 'inactive';
}

/** Parse and validate an SDP body; throws MediaError BAD_SDP / NO_COMMON_CODEC. */
export function parseAudioSdp(text: string): ParsedSdp {
  if (typeof text !== 'string' || !/^v=0\s*$/m.test(text)) throw mediaErrors.badSdp('missing v=0 line');
  let session: sdpTransform.SessionDescription;
  try {
    session = sdpTransform.parse(text);
  } catch (err) {
    throw mediaErrors.badSdp('parse error', err);
  }
  const media = Array.isArray(session.media) ? session.media : [];
  if (media.length === 0) throw mediaErrors.badSdp('no m= line');
  if (media.some((m) => typeof m.type !== 'string' || typeof m.port !== 'number')) {
    throw mediaErrors.badSdp('malformed m= line');
  }
  const mlines = media.map((m) => ({
    type: String(m.type ?? ''),
    protocol: String(m.protocol ?? 'RTP/AVP'),
    fmt:
      String(m.payloads ?? '0')
        .trim()
        .split(/\s+/)[0] ?? '0',
  }));
  const index = media.findIndex((m) => m.type === 'audio');
  if (index < 0) throw mediaErrors.noCommonCodec('no audio m= line');
  const m = media[index]!;
  if (typeof m.port !== 'number' || !Number.isInteger(m.port) || m.port < 0 || m.port > 65535) {
    throw mediaErrors.badSdp('audio m= line has no valid port');
  }
  const protocol = String(m.protocol ?? '');
  const conn = m.connection ?? session.connection;
  if (!conn || typeof conn.ip !== 'string') throw mediaErrors.badSdp('no c= line');
  const address = conn.ip.split('/')[0]!;
  if (conn.version !== 4 || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    throw mediaErrors.badSdp(`unsupported connection address ${conn.ip} (IPv4 only)`);
  }
  const ptTexts = String(m.payloads ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (ptTexts.length === 0) throw mediaErrors.badSdp('audio m= line has no payload types');
  const codecs: CodecPt[] = [];
  const offered: string[] = [];
  let telephoneEvent: ParsedAudio['telephoneEvent'];
  for (const t of ptTexts) {
    const pt = Number(t);
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw mediaErrors.badSdp(`bad payload type '${t}'`);
    const map = (m.rtp ?? []).find((r) => r.payload === pt);
    let name = map ? String(map.codec).toUpperCase() : pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : '';
    const rate = map?.rate ?? 8000;
    if (rate !== 8000) name = `${name}/${rate}`;
    offered.push(name ? `${name}(${pt})` : String(pt));
    if ((name === 'PCMU' || name === 'PCMA') && !codecs.some((c) => c.name === name)) codecs.push({ name, pt });
    else if (name === 'TELEPHONE-EVENT' && !telephoneEvent) {
      telephoneEvent = { pt, fmtp: (m.fmtp ?? []).find((f) => f.payload === pt)?.config };
    }
  }
  const dirText = (m.direction ?? (session as { direction?: string }).direction ?? 'sendrecv') as Direction;
  const direction = DIRECTIONS.includes(dirText) ? dirText : 'sendrecv';
  const rtcpPort = typeof m.rtcp?.port === 'number' ? m.rtcp.port : m.port + 1;
  return {
    audio: { index, port: m.port, protocol, address, rtcpPort, codecs, offered, telephoneEvent, direction },
    mlines,
  };
}

function usableProtocol(p: string): boolean {
  return p === 'RTP/AVP' || p === 'RTP/AVPF';
}

/** Our audio m= section, offer or answer alike: the codecs, telephone-event (fmtp default 0-16), ptime 20. */
function audioSection(
  port: number,
  codecs: CodecPt[],
  telephoneEvent: { pt: number; fmtp: string | undefined } | undefined,
  direction: Direction,
): string[] {
  const pts = codecs.map((c) => c.pt);
  if (telephoneEvent) pts.push(telephoneEvent.pt);
  const lines = [`m=audio ${port} RTP/AVP ${pts.join(' ')}`];
  for (const c of codecs) lines.push(`a=rtpmap:${c.pt} ${c.name}/8000`);
  if (telephoneEvent) {
    const { pt, fmtp } = telephoneEvent;
    lines.push(`a=rtpmap:${pt} telephone-event/8000`, `a=fmtp:${pt} ${fmtp ?? '0-16'}`);
  }
  lines.push('a=ptime:20', `a=${direction}`);
  return lines;
}

/** The SDP side of one stream: keeps the session id/version and the codec list across re-INVITEs. */
export class SdpNegotiator {
  readonly sessionId: string;
  #version = 0;
  /** Codec names of our first answer (kept for every later answer of the call). */
  #answerCodecs: G711Codec[] | undefined;
  #pendingOffer: { direction: Direction; codecs: CodecPt[]; tePt: number } | undefined;
  /** Our last offer once answered: a repeated answer (183 with SDP, then the 200) may update it. */
  #answeredOffer: { direction: Direction; codecs: CodecPt[]; tePt: number } | undefined;
  #current: NegotiatedMedia | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    // 12 digits: fits a JS number exactly and stays a plain decimal in o=.
    this.sessionId = String(1e11 + Math.floor(Math.random() * 9e11));
  }

  get version(): number {
    return this.#version;
  }

  get current(): NegotiatedMedia | undefined {
    return this.#current;
  }

  /** Answer an offer; returns our SDP and what was agreed. */
  answer(offerSdp: string): { sdp: string; media: NegotiatedMedia } {
    const parsed = parseAudioSdp(offerSdp);
    const a = parsed.audio;
    if (!usableProtocol(a.protocol)) throw mediaErrors.noCommonCodec(`${a.protocol} ${a.offered.join(' ')}`);
    // The offerer's order; on a later offer the first answer's list and order, less what the offer no longer has.
    const kept = this.#answerCodecs;
    const codecs = kept ? kept.flatMap((name) => a.codecs.filter((c) => c.name === name)) : a.codecs;
    const media = this.#agree(a, codecs, 'sendrecv');
    this.#pendingOffer = undefined;
    this.#answeredOffer = undefined;
    const lines = this.#head();
    parsed.mlines.forEach((ml, i) => {
      if (i !== a.index) {
        lines.push(`m=${ml.type} 0 ${ml.protocol} ${ml.fmt}`);
        return;
      }
      lines.push(...audioSection(a.port === 0 ? 0 : this.port, codecs, a.telephoneEvent, media.direction));
    });
    return { sdp: lines.join('\r\n') + '\r\n', media };
  }

  /** Our offer: PCMU, PCMA (or the call's agreed list on a re-offer) and telephone-event. */
  offer(direction: Direction = 'sendrecv'): string {
    if (!DIRECTIONS.includes(direction)) throw mediaErrors.badOptions(`direction '${String(direction)}'`);
    const cur = this.#current;
    const codecs: CodecPt[] = cur
      ? cur.codecs
      : [
          { name: 'PCMU', pt: 0 },
          { name: 'PCMA', pt: 8 },
        ];
    const tePt = cur?.telephoneEventPt ?? OUR_TE_PT;
    this.#pendingOffer = { direction, codecs, tePt };
    const lines = this.#head();
    lines.push(...audioSection(this.port, codecs, { pt: tePt, fmtp: undefined }, direction));
    return lines.join('\r\n') + '\r\n';
  }

  /**
   * Apply the answer to our pending offer. The answer to the same offer may come again (early media in a 183,
   * then the 200): it is applied again (the codec list of the first answer is kept).
   */
  setRemoteAnswer(answerSdp: string): NegotiatedMedia {
    const pending = this.#pendingOffer ?? this.#answeredOffer;
    if (!pending) throw mediaErrors.badSdp('answer without a pending offer');
    const parsed = parseAudioSdp(answerSdp);
    const a = parsed.audio;
    if (a.port === 0 || !usableProtocol(a.protocol)) throw mediaErrors.noCommonCodec('audio refused by the answer');
    // The answerer's order. It may use other PT numbers only for dynamic types; match by name.
    const codecs = a.codecs.filter((c) => pending.codecs.some((o) => o.name === c.name));
    const media = this.#agree(a, codecs, pending.direction);
    this.#answeredOffer = pending;
    this.#pendingOffer = undefined;
    return media;
  }

  /**
   * What an offer/answer exchange agrees on, whichever side offered, made current: `codecs` are the peer's payload
   * types we accept, in the order we want them (the first is what we send); telephone-event at the peer's payload
   * type; `ours` is the direction we want (what we offered, or sendrecv when we answer), a disabled stream (port 0)
   * is inactive; RTP goes to the peer's connection address, none while it holds with c=0.0.0.0. The first
   * agreement's codec list is kept for every later answer of the call. Throws NO_COMMON_CODEC when no codec is left
   * (and then changes nothing).
   */
  #agree(peer: ParsedAudio, codecs: CodecPt[], ours: Direction): NegotiatedMedia {
    const first = codecs[0];
    if (!first) throw mediaErrors.noCommonCodec(peer.offered.join(' '));
    const held = peer.address === '0.0.0.0' || peer.port === 0;
    const media: NegotiatedMedia = {
      codec: first.name,
      codecPt: first.pt,
      codecs,
      telephoneEventPt: peer.telephoneEvent?.pt,
      direction: peer.port === 0 ? 'inactive' : agreedDirection(ours, peer.direction),
      remoteAddress: held ? undefined : peer.address,
      remotePort: peer.port,
      remoteRtcpPort: peer.rtcpPort,
    };
    this.#answerCodecs ??= codecs.map((c) => c.name);
    this.#current = media;
    return media;
  }

  #head(): string[] {
    this.#version++;
    return ['v=0', `o=sipflow ${this.sessionId} ${this.#version} IN IP4 ${this.host}`, 's=sipflow', `c=IN IP4 ${this.host}`, 't=0 0'];
  }
}
