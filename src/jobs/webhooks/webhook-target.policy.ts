import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ErrorCode } from '../../common/errors/error-code';
import { ServiceError } from '../../common/errors/service.error';
import { canonicalHost, webhooksConfig } from '../../config/webhooks.config';
import { isLoopbackAddress, isPublicAddress, unmapped } from './ip-address.ranges';

/** A URL longer than this is not a webhook endpoint anyone configures. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/** Why a delivery was refused before it connected: said in the job's delivery state. */
export class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKADDRESS';
}

/**
 * Which callback URLs may be called, and the DNS lookup that keeps a
 * connection to them: only hosts in WEBHOOK_ALLOWED_HOSTS; `https://`, or
 * `http://` for a loopback host; and every address a name resolves to must be
 * public, or itself listed. The address check runs inside the connection's
 * own lookup, so a name cannot resolve to one address for the check and to
 * another for the connection (DNS rebinding).
 */
@Injectable()
export class WebhookTargetPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(@Inject(webhooksConfig.KEY) config: ConfigType<typeof webhooksConfig>) {
    this.allowed = new Set(config.allowedHosts);
  }

  /** The URL a client sent, checked; a ServiceError (400) naming the rule it breaks otherwise. */
  check(callbackUrl: string): URL {
    const refuse = (rule: string): never => {
      throw new ServiceError(ErrorCode.VALIDATION_FAILED, [`callback_url ${rule}`]);
    };
    if (callbackUrl.length > MAX_CALLBACK_URL_LENGTH) refuse(`must be at most ${MAX_CALLBACK_URL_LENGTH} characters long`);
    let url: URL;
    try {
      url = new URL(callbackUrl);
    } catch {
      return refuse('must be an absolute http:// or https:// URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') refuse('must be an absolute http:// or https:// URL');
    if (url.username !== '' || url.password !== '') refuse('must not carry a user name or password');
    if (this.allowed.size === 0) refuse('cannot be used: this service allows no webhook hosts (WEBHOOK_ALLOWED_HOSTS is empty)');
    const host = canonicalHost(url.hostname);
    if (host === undefined || !this.allowed.has(host)) refuse('names a host that is not in WEBHOOK_ALLOWED_HOSTS');
    if (url.protocol === 'http:' && !isLoopbackHost(host!)) refuse('must use https:// (http:// is allowed only for a loopback host)');
    return url;
  }

  /**
   * Throws a RefusedAddressError unless a connection to `address` (the host's
   * literal IP, or one it resolved to) is allowed for a URL of `protocol`.
   */
  assertAddress(address: string, protocol: string): void {
    const plain = unmapped(address);
    const listed = this.allowed.has(canonicalHost(plain) ?? '') || this.allowed.has(canonicalHost(address) ?? '');
    if (!listed && !isPublicAddress(plain)) {
      throw new RefusedAddressError(`${address} is not a public address and is not itself in WEBHOOK_ALLOWED_HOSTS`);
    }
    if (protocol === 'http:' && !isLoopbackAddress(plain)) throw new RefusedAddressError(`http:// may only reach a loopback address, not ${address}`);
  }

  /** The DNS lookup for a connection to a URL of `protocol`: resolves as usual, then refuses any address that is not allowed. */
  lookupFor(protocol: string): LookupFunction {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { family: options.family, hints: options.hints, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 0);
        try {
          if (addresses.length === 0) throw new RefusedAddressError(`${hostname} resolves to no address`);
          for (const { address } of addresses) this.assertAddress(address, protocol);
        } catch (refusal) {
          return callback(refusal as NodeJS.ErrnoException, '', 0);
        }
        // Node asks for every address (`all`) when it tries several families; else for the first.
        if (options.all) (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      });
    };
  }
}

/** `localhost` (RFC 6761: always the loopback), or a loopback IP literal. */
function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  return isIP(bare) !== 0 && isLoopbackAddress(bare);
}
