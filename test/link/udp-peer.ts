/**
 * The other process of test/link/udp.test.ts: a synack stack at 198.18.1.2 on a UdpLink bound to
 * 127.0.0.1, serving echo on port 7. Prints its UDP port, exits when its one connection closes (or
 * after 20 s at most).
 */
import { settled } from '../../src/link/device.js';
import { UdpLink } from '../../src/link/udp.js';
import { createServer } from '../../src/socket/index.js';
import { Stack } from '../../src/stack/stack.js';

const link = await UdpLink.open(new Stack({ addresses: ['198.18.1.2'] }));
const guard = setTimeout(() => process.exit(3), 20_000);
const server = createServer(link.host, { allowHalfOpen: true }, (s) => {
  s.pipe(s);
  s.on('close', () => {
    server.close();
    // The socket closes when its FIN is queued: let the stack deliver the tail and the FIN first.
    void settled(link.driver.stack, 10_000).then(() => {
      clearTimeout(guard);
      link.close();
    });
  });
});
server.listen(7, '198.18.1.2', () => process.stdout.write(`${link.address().port}\n`));
