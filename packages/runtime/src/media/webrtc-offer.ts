/**
 * Whether an SDP offer asks for WebRTC media: its first audio m-line uses the DTLS-SRTP profile
 * (`UDP/TLS/RTP/SAVPF`, RFC 5764; `RTP/SAVPF` from older browsers). Such a leg needs a stream created with
 * `{ webrtc: true }` (ICE, DTLS-SRTP, rtcp-mux); a plain RTP stream refuses the offer with 488.
 */
export function isWebRtcOffer(sdp: string | undefined): boolean {
  if (!sdp) return false;
  const m = /^m=audio\s+\d+(?:\/\d+)?\s+(\S+)/m.exec(sdp);
  return m !== null && /(^|\/)SAVPF$/i.test(m[1]!);
}
