// A tiny HTTP server on 127.0.0.1 that serves catalog YAML files, so tests can
// register `url` locations (the only type the API accepts). The server's
// config must allow the host: catalog.reading.allow: [{host: "127.0.0.1:PORT"}].
import http from 'node:http';

/**
 * startFixtureServer listens on 127.0.0.1:port (0 picks a free port) and
 * serves files from a mutable map of path -> YAML text. Unknown paths are 404.
 */
export async function startFixtureServer(port = 0) {
  const files = new Map();
  const requests = [];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url, 'http://fixture').pathname;
    requests.push(pathname);
    const body = files.get(pathname);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/yaml' }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    files,
    requests,
    url: (p) => `${base}${p}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
