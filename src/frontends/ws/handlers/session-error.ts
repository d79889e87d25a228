// Errors with Rivulet's own codes (frames.ts RivuletErrorCode), for requests that break a session rule.

import { RivuletError } from "../../../errors/index.js";
import type { RivuletErrorCode } from "../../../protocol/ws/frames.js";

export class SessionError extends RivuletError {
  constructor(code: keyof typeof RivuletErrorCode, message: string) {
    super(code, message);
  }
}
