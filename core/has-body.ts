// Whether a request carries a body: a non-zero Content-Length, or any
// Transfer-Encoding (Node's parser has already refused the ambiguous pairs).
import type { IncomingMessage } from 'node:http';

export const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
