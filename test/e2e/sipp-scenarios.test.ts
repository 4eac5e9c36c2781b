/**
 * The sipp caller scenarios the drain tests (direct) and the Kamailio tests (through the proxy) share, checked on
 * the wire against a raw UDP UAS: the ACK (and the caller's BYE) must be a whole SIP request — request line to our
 * Contact, Via, CSeq, the dialog's tags, nothing after the headers — with a Route header exactly when the 200 was
 * record-routed. The scenarios put `[routes]` (rrs) right after the request line; with no Record-Route sipp drops
 * that line, so one file serves both (a blank line before it would end the headers there).
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';
import { startSipp } from '../support/sipp.js';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}`, import.meta.url));

interface Request {
  method: string;
  uri: string;
  headers: Map<string, string[]>;
  body: string;
  from: { address: string; port: number };
}

function parseRequest(raw: string, from: { address: string; port: number }): Request {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no end of headers in:\n${raw}`);
  const [line, ...fields] = raw.slice(0, end).split('\r\n');
  const m = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(line!);
  assert.ok(m, `not a request line: ${line}`);
  const headers = new Map<string, string[]>();
  for (const f of fields) {
    const colon = f.indexOf(':');
    assert.ok(colon > 0, `not a header line ${JSON.stringify(f)} in:\n${raw}`);
    const name = f.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), f.slice(colon + 1).trim()]);
  }
  return { method: m[1]!, uri: m[2]!, headers, body: raw.slice(end + 4), from };
}

const one = (r: Request, name: string): string => {
  const v = r.headers.get(name);
  assert.equal(v?.length, 1, `${r.method}: one ${name} header, got ${JSON.stringify(v)}`);
  return v![0]!;
};

/** A UAS on a UDP socket that answers the INVITE 200 (record-routed or not) and hands over every request. */
class RawUas {
  readonly requests: Request[] = [];
  readonly responses: string[] = [];
  #waiters: Array<() => void> = [];
  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (buf, rinfo) => {
      const text = buf.toString('utf8');
      if (text.startsWith('SIP/2.0 ')) this.responses.push(text);
      else this.requests.push(parseRequest(text, rinfo));
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async start(): Promise<RawUas> {
    const port = await freePort();
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
    return new RawUas(socket, port);
  }

  /** The next request of `method` (retransmissions of an INVITE included), awaiting its arrival. */
  async next(method: string, timeoutMs = 15_000): Promise<Request> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find((r) => r.method === method);
      if (found) {
        this.requests.splice(this.requests.indexOf(found), 1);
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${method} within ${timeoutMs} ms (got ${this.requests.map((r) => r.method).join(', ') || 'nothing'})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(text: string, to: { address: string; port: number }): void {
    this.socket.send(text.replace(/\n/g, '\r\n'), to.port, to.address);
  }

  /** 200 to a request, echoing its dialog headers; `extra` lines go before Content-Length. */
  reply(req: Request, extra: string[] = [], body = ''): void {
    const to = one(req, 'to');
    const lines = [
      'SIP/2.0 200 OK',
      ...req.headers.get('via')!.map((v) => `Via: ${v}`),
      `From: ${one(req, 'from')}`,
      `To: ${/;tag=/.test(to) ? to : `${to};tag=raw-uas`}`,
      `Call-ID: ${one(req, 'call-id')}`,
      `CSeq: ${one(req, 'cseq')}`,
      ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    this.send(lines.join('\n'), req.from);
  }

  close(): void {
    this.socket.close();
  }
}

const SDP = 'v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 9 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n'.replace(/\n/g, '\r\n');

/** Answers the caller's INVITE (with a Record-Route when `routed`) and checks its ACK; returns the INVITE. */
async function answerAndCheckAck(uas: RawUas, routed: boolean): Promise<{ invite: Request; recordRoute: string }> {
  const invite = await uas.next('INVITE');
  const recordRoute = `<sip:127.0.0.1:${uas.port};lr;probe=rr>`;
  const contact = `Contact: <sip:raw-uas@127.0.0.1:${uas.port}>`;
  uas.reply(invite, [contact, ...(routed ? [`Record-Route: ${recordRoute}`] : []), 'Content-Type: application/sdp'], SDP);
  const ack = await uas.next('ACK');
  checkInDialog(ack, invite, uas.port, 'ACK', 1, routed ? recordRoute : undefined);
  return { invite, recordRoute };
}

/** A request the caller sends in the dialog: a whole message to our Contact, with the Route set only when routed. */
function checkInDialog(req: Request, invite: Request, uasPort: number, method: string, cseq: number, route: string | undefined): void {
  assert.equal(req.uri, `sip:raw-uas@127.0.0.1:${uasPort}`, `${method} goes to our Contact`);
  assert.match(one(req, 'via'), /^SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK/, `${method} has its Via`);
  assert.equal(one(req, 'cseq'), `${cseq} ${method}`);
  assert.equal(one(req, 'call-id'), one(invite, 'call-id'));
  assert.equal(one(req, 'from'), one(invite, 'from'));
  assert.match(one(req, 'to'), /;tag=raw-uas/, `${method} carries our To tag`);
  assert.match(one(req, 'max-forwards'), /^\d+$/);
  assert.equal(one(req, 'content-length'), '0');
  assert.equal(req.body, '', `${method} has no body (nothing after the end of its headers)`);
  if (route) assert.equal(one(req, 'route'), route, `${method} follows the Record-Route`);
  else assert.equal(req.headers.get('route'), undefined, `${method} direct: no Route header`);
}

for (const routed of [false, true]) {
  const variant = routed ? 'through a proxy (the 200 is record-routed)' : 'direct (no Record-Route)';
  const file = scenario;

  describe(`sipp caller scenarios, ${variant}`, () => {
    it('drain-caller-bye-uac: a whole ACK, then a whole BYE after its hold', async () => {
      const uas = await RawUas.start();
      try {
        const caller = await startSipp({ scenario: { file: file('drain-caller-bye-uac.xml') }, remote: `127.0.0.1:${uas.port}`, service: '35' });
        const { invite, recordRoute } = await answerAndCheckAck(uas, routed);
        const bye = await uas.next('BYE');
        checkInDialog(bye, invite, uas.port, 'BYE', 2, routed ? recordRoute : undefined);
        uas.reply(bye);
        const res = await caller.done;
        assert.equal(res.code, 0, res.errors || res.stderr);
      } finally {
        uas.close();
      }
    });

    it("flow-wait-bye-uac: a whole ACK, then it answers the other side's BYE", async () => {
      const uas = await RawUas.start();
      try {
        const caller = await startSipp({ scenario: { file: file('flow-wait-bye-uac.xml') }, remote: `127.0.0.1:${uas.port}`, service: '35' });
        const { invite } = await answerAndCheckAck(uas, routed);
        const contact = /<?(sip:[^>;\s]+)/.exec(one(invite, 'contact'))![1]!;
        const target = /@([\d.]+):(\d+)/.exec(contact)!;
        uas.send(
          [
            `BYE ${contact} SIP/2.0`,
            `Via: SIP/2.0/UDP 127.0.0.1:${uas.port};branch=z9hG4bK-raw-bye`,
            `From: ${one(invite, 'to')};tag=raw-uas`,
            `To: ${one(invite, 'from')}`,
            `Call-ID: ${one(invite, 'call-id')}`,
            'CSeq: 1 BYE',
            'Max-Forwards: 70',
            'Content-Length: 0',
            '',
            '',
          ].join('\n'),
          { address: target[1]!, port: Number(target[2]) },
        );
        const res = await caller.done;
        assert.equal(res.code, 0, `sipp answered our BYE and ended: ${res.errors || res.stderr}`);
        assert.ok(
          uas.responses.some((r) => /^SIP\/2\.0 200 /.test(r) && /\r\nCSeq: 1 BYE\r\n/i.test(r)),
          `a 200 to our BYE: ${uas.responses.join('\n---\n')}`,
        );
      } finally {
        uas.close();
      }
    });
  });
}
