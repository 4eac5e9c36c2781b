import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

/** Send one OPTIONS over UDP to 127.0.0.1:port; the final answer's status code and Retry-After. */
export async function sipOptions(port: number, timeoutMs = 5000): Promise<{ status: number; retryAfter: string | undefined }> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const local = sock.address().port;
  const msg = [
    `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-${randomBytes(6).toString('hex')};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1:${local}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:127.0.0.1:${port}>`,
    `Call-ID: ${randomBytes(8).toString('hex')}@127.0.0.1`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to OPTIONS from 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
      sock.on('message', (m) => {
        const text = m.toString('utf8');
        if (text.startsWith('SIP/2.0 1')) return;
        clearTimeout(timer);
        resolve(text);
      });
      sock.send(msg, port, '127.0.0.1');
    });
    return { status: Number(/^SIP\/2\.0 (\d{3})/.exec(answer)?.[1]), retryAfter: /^Retry-After:\s*(.+?)\s*$/im.exec(answer)?.[1] };
  } finally {
    sock.close();
  }
}
