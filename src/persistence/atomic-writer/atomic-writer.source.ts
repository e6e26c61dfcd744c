/**
 * The atomic writer thread's code, as CommonJS source run with `eval` (the same
 * text runs from dist/ and under Jest). One message is one whole replacement of
 * a file: temp file, vectored write, fsync, close, rename, fsync of the
 * directory. Done here with synchronous calls, it is one hop of the main
 * thread's event loop instead of eight, each of which waits its turn behind all
 * other work when the service is busy.
 */
export const ATOMIC_WRITER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { dirname } = require('node:path');

function failure(error) {
  return { message: String(error && error.message || error), code: error && error.code, errno: error && error.errno, syscall: error && error.syscall, path: error && error.path };
}

function writeAll(fd, chunks) {
  let pending = chunks.filter((chunk) => chunk.byteLength > 0);
  while (pending.length > 0) {
    let written = fs.writevSync(fd, pending.slice(0, 1024));
    while (written > 0 && pending.length > 0) {
      if (written >= pending[0].byteLength) {
        written -= pending[0].byteLength;
        pending.shift();
      } else {
        pending[0] = pending[0].subarray(written);
        written = 0;
      }
    }
  }
}

parentPort.on('message', ({ id, path, tempPath, chunks }) => {
  try {
    const fd = fs.openSync(tempPath, 'w', 0o600);
    try {
      writeAll(fd, chunks);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tempPath, path);
  } catch (error) {
    try { fs.unlinkSync(tempPath); } catch {}
    parentPort.postMessage({ id, error: failure(error) });
    return;
  }
  try {
    const directory = fs.openSync(dirname(path), 'r');
    try {
      fs.fsyncSync(directory);
    } finally {
      fs.closeSync(directory);
    }
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: failure(error) });
  }
});
`;
