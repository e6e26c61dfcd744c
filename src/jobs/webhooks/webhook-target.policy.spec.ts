import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { parseNamespace } from '../../config/read-namespace';
import { parseWebhooksConfig } from '../../config/webhooks.config';
import { RefusedAddressError, WebhookTargetPolicy } from './webhook-target.policy';

const policy = (hosts: string) => new WebhookTargetPolicy(parseNamespace({ WEBHOOK_ALLOWED_HOSTS: hosts, WEBHOOK_SECRET: 'x'.repeat(32) }, parseWebhooksConfig));

/** What a connection's lookup answers for `hostname`. */
function lookUp(target: WebhookTargetPolicy, protocol: string, hostname: string, all: boolean): Promise<LookupAddress[] | string> {
  return new Promise((resolve, reject) => {
    target.lookupFor(protocol)(hostname, { all, family: 0 }, (error, address) => (error ? reject(error) : resolve(address as LookupAddress[] | string)));
  });
}

describe('WebhookTargetPolicy', () => {
  it('lets a listed host through in its canonical form', () => {
    expect(policy('hooks.example.com').check('https://HOOKS.example.com.:8443/a?b=c').href).toBe('https://hooks.example.com.:8443/a?b=c');
  });

  it('refuses, inside the connection’s own lookup, a name that resolves to an address neither public nor listed', async () => {
    const resolved = await dnsLookup('localhost', { all: true });
    const onlyTheName = policy('localhost');
    await expect(lookUp(onlyTheName, 'http:', 'localhost', true)).rejects.toBeInstanceOf(RefusedAddressError);
    await expect(lookUp(onlyTheName, 'http:', 'localhost', false)).rejects.toThrow(/is not a public address and is not itself in WEBHOOK_ALLOWED_HOSTS/);

    const withAddresses = policy(['localhost', ...resolved.map((entry) => entry.address)].join(','));
    expect(await lookUp(withAddresses, 'http:', 'localhost', true)).toEqual(resolved);
    expect(await lookUp(withAddresses, 'http:', 'localhost', false)).toBe(resolved[0].address);
  });

  it('checks addresses whatever their spelling, IPv4-mapped IPv6 included', () => {
    const listed = policy('127.0.0.1');
    expect(() => listed.assertAddress('::ffff:127.0.0.1', 'http:')).not.toThrow();
    expect(() => listed.assertAddress('::ffff:7f00:1', 'http:')).not.toThrow();
    expect(() => listed.assertAddress('127.0.0.2', 'http:')).toThrow(RefusedAddressError);
    expect(() => listed.assertAddress('::ffff:10.0.0.1', 'https:')).toThrow(RefusedAddressError);
    expect(() => listed.assertAddress('169.254.169.254', 'https:')).toThrow(RefusedAddressError);
    expect(() => listed.assertAddress('fd00::1', 'https:')).toThrow(RefusedAddressError);
    expect(() => listed.assertAddress('93.184.215.14', 'https:')).not.toThrow();
  });

  it('lets http:// reach only a loopback address, even a listed public one', () => {
    const listed = policy('93.184.215.14,127.0.0.1');
    expect(() => listed.assertAddress('93.184.215.14', 'http:')).toThrow('http:// may only reach a loopback address, not 93.184.215.14');
    expect(() => listed.assertAddress('127.0.0.1', 'http:')).not.toThrow();
  });
});
