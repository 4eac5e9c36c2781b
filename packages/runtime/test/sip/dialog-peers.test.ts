/**
 * DialogPeers: the IPs a call's in-dialog requests may come from — the INVITE's source and its Contact host for a call
 * we received, the responses' sources and Contact hosts for one we placed; Contact host names are not resolved; a
 * Call-ID not ours is not restricted; a forgotten call is not either.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DialogPeers, contactHost } from '../../src/sip/dialog-peers.js';

describe('dialog peers', () => {
  it('a call we received takes requests from its INVITE source and its Contact IP only', () => {
    const peers = new DialogPeers();
    peers.track('in1', '192.0.2.10', '<sip:alice@198.51.100.7:5062;transport=udp>');
    assert.ok(peers.allows('in1', '192.0.2.10'), 'the INVITE source (the caller, or its record-routing proxy)');
    assert.ok(peers.allows('in1', '198.51.100.7'), 'the Contact host (a proxy that does not record-route)');
    assert.ok(!peers.allows('in1', '203.0.113.5'), 'anyone else');
    assert.ok(peers.allows('other', '203.0.113.5'), 'a Call-ID not ours');
    peers.forget('in1');
    assert.ok(peers.allows('in1', '203.0.113.5'));
    assert.equal(peers.size, 0);
  });

  it('a call we placed takes requests from where the answers to our INVITE came from', () => {
    const peers = new DialogPeers();
    peers.track('out1');
    assert.ok(!peers.allows('out1', '192.0.2.20'), 'no answer yet: no one');
    peers.answeredFrom('out1', '192.0.2.20', '<sip:bob@[2001:db8::1]:5060>');
    assert.ok(peers.allows('out1', '192.0.2.20'));
    assert.ok(peers.allows('out1', '2001:db8::1'));
    peers.answeredFrom('nope', '192.0.2.30');
    assert.equal(peers.size, 1, 'answers to INVITEs not ours are not tracked');
  });

  it('Contact hosts count only as IP literals', () => {
    assert.equal(contactHost('"A" <sip:a@192.0.2.1:5060>;expires=60'), '192.0.2.1');
    assert.equal(contactHost('sip:192.0.2.2'), '192.0.2.2');
    assert.equal(contactHost('<sips:[2001:db8::2]>'), '2001:db8::2');
    assert.equal(contactHost('<sip:bob@pbx.example.com>'), undefined);
    assert.equal(contactHost('<name:John_Smith>'), undefined);
  });
});
