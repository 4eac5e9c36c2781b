/**
 * A callee name from the database as the user part of a SIP URI: characters RFC 3261 allows there stay, the rest
 * is %-escaped, so an odd row ('john doe', 'a@b') cannot change the Request-URI's host or break the INVITE.
 */
const ALLOWED = /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/;

export function sipUser(name: string): string {
  let out = '';
  for (const ch of name) {
    if (ALLOWED.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
