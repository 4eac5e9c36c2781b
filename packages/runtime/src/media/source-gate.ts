/**
 * Which sources a stream accepts RTP and RTCP from, and where it sends them (the "RTP bleed" defence).
 *
 * Strict (the default): only the address and ports the SDP names. Anything else is rejected and counted, and we
 * send only to the SDP's address: a stranger who guesses a port can neither hear the call nor be sent to.
 *
 * Latch (`rtpLatch`, for peers behind NAT whose SDP names a private address): until the stream has accepted its
 * first RTP packet, a valid packet from the signalling peer's IP (any port) latches the stream to that source,
 * once. The first accepted packet — latched or from the SDP's own address — ends the window: the stream never
 * moves away from a source that already sends valid RTP. RTCP latches the same way, to the IP RTP was accepted
 * from. A new remote address in SDP (a re-INVITE) starts over: signalling names it.
 *
 * Per-packet cost: two comparisons for a packet from the accepted source.
 */

export type SourceVerdict = typeof SOURCE_OK | typeof SOURCE_REJECT | typeof SOURCE_LATCH;
/** From the accepted source. */
export const SOURCE_OK = 0;
/** From anywhere else: drop and count. */
export const SOURCE_REJECT = 1;
/** May latch to this source if the packet is valid RTP (latch mode, before anything was accepted). */
export const SOURCE_LATCH = 2;

export class SourceGate {
  /** Where RTP comes from and goes to: the SDP's address, or the latched source. */
  rtpAddress: string | undefined;
  rtpPort = 0;
  rtcpAddress: string | undefined;
  rtcpPort = 0;
  #rtpFixed = false;
  #rtcpFixed = false;
  readonly #latch: boolean;
  readonly #signallingAddress: string | undefined;

  constructor(latch: boolean, signallingAddress: string | undefined) {
    this.#latch = latch;
    this.#signallingAddress = signallingAddress || undefined;
  }

  /** Whether RTP is now bound to one source for good (accepted or latched). */
  get rtpFixed(): boolean {
    return this.#rtpFixed;
  }

  /** The SDP names a (new) remote: only it is valid now; in latch mode the window opens again. */
  reset(address: string | undefined, port: number, rtcpPort: number): void {
    this.rtpAddress = address;
    this.rtpPort = port;
    this.rtcpAddress = address;
    this.rtcpPort = rtcpPort;
    this.#rtpFixed = false;
    this.#rtcpFixed = false;
  }

  checkRtp(address: string, port: number): SourceVerdict {
    if (port === this.rtpPort && address === this.rtpAddress) return SOURCE_OK;
    if (this.#latch && !this.#rtpFixed && address === this.#signallingAddress) return SOURCE_LATCH;
    return SOURCE_REJECT;
  }

  /** A valid RTP packet from the accepted source: the latch window (if any) is over. */
  acceptedRtp(): void {
    this.#rtpFixed = true;
  }

  /** Latch RTP to `address:port` (after checkRtp said SOURCE_LATCH and the packet was valid). */
  latchRtp(address: string, port: number): void {
    this.rtpAddress = address;
    this.rtpPort = port;
    this.#rtpFixed = true;
  }

  /** Whether an RTCP packet from `address:port` is accepted (latching RTCP when allowed). */
  checkRtcp(address: string, port: number): boolean {
    if (port === this.rtcpPort && address === this.rtcpAddress) {
      this.#rtcpFixed = true;
      return true;
    }
    if (!this.#latch || this.#rtcpFixed) return false;
    // RTCP follows RTP: once RTP is bound, only its IP; before that, only the signalling peer's IP.
    const allowed = this.#rtpFixed ? this.rtpAddress : this.#signallingAddress;
    if (address !== allowed) return false;
    this.rtcpAddress = address;
    this.rtcpPort = port;
    this.#rtcpFixed = true;
    return true;
  }
}
