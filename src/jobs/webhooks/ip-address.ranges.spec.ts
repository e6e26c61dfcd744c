import { isLoopbackAddress, isPublicAddress, unmapped } from './ip-address.ranges';

describe('IP address ranges', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:7f00:1', '127.0.0.1'],
    ['::FFFF:10.0.0.1', '10.0.0.1'],
    ['2606:4700:0:0:0:0:0:1111', '2606:4700::1111'],
    ['8.8.8.8', '8.8.8.8'],
  ])('reads %s as %s', (address, plain) => {
    expect(unmapped(address)).toBe(plain);
  });

  it.each([
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '192.0.2.10', '198.18.0.1', '::1', '::', 'fe80::1', 'fd12:3456::1', 'fc00::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1', '64:ff9b::a00:1', '2002:a00:1::1', '2001:db8::1', '2001:0:4136::1', '::127.0.0.1',
  ])('treats %s as not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8'])('treats %s as public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('knows loopback addresses in every spelling, and nothing else', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1']) expect(isLoopbackAddress(address)).toBe(true);
    for (const address of ['10.0.0.1', '::', '::2', '8.8.8.8', 'localhost', 'not an address']) expect(isLoopbackAddress(address)).toBe(false);
  });

  it('treats what is not an address as not public', () => {
    expect(isPublicAddress('localhost')).toBe(false);
    expect(isPublicAddress('')).toBe(false);
  });
});
